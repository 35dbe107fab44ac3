// The error the witness runtime throws when the circuit refuses its input (a failed `assert` or
// `===`, a division by zero) or the input or .dat file is malformed.
#ifndef ZKM_WITNESS_FAILURE_HPP
#define ZKM_WITNESS_FAILURE_HPP
#include <stdexcept>
#include <string>
namespace zkm_witness {
struct Failure : std::runtime_error {
  explicit Failure(const std::string& m) : std::runtime_error(m) {}
};
[[noreturn]] void assertFailed(const char* expr, const char* file, int line);
}  // namespace zkm_witness
#endif
