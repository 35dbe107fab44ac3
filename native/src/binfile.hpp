// snarkjs / iden3 binary containers (.zkey, .wtns): "magic(4) version(u32) nSections(u32)" then
// sections "id(u32) size(u64) bytes", all little-endian. Files are memory-mapped read-only;
// nothing is copied until a phase needs it.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bigbuf.hpp"
#include "curve.hpp"
#include "ntt.hpp"

namespace zkm {

// Any problem with the inputs: main() prints the message on one line and exits nonzero.
struct InputError : std::runtime_error {
  explicit InputError(const std::string& m) : std::runtime_error(m) {}
};

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;
};

struct Section {
  const uint8_t* p = nullptr;
  uint64_t size = 0;
};

class BinFile {
 public:
  BinFile(const std::string& path, const char* magic, uint32_t max_version);
  // The one section with this id; throws when missing or duplicated.
  Section unique(uint32_t id) const;
  bool has(uint32_t id) const { return sections_.count(id) != 0; }
  const std::string& path() const { return file_.path(); }
  // The whole mapped file (for the rare reader that must look past a section's end).
  const uint8_t* file_data() const { return file_.data(); }
  size_t file_size() const { return file_.size(); }

 private:
  MappedFile file_;
  std::map<uint32_t, std::vector<Section>> sections_;
};

// Little-endian readers on possibly unaligned bytes.
inline uint32_t le32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
inline uint64_t le64(const uint8_t* p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

inline G1Affine load_g1(const uint8_t* p) {
  G1Affine a;
  a.x = Fq::from_mont_limbs(u256_load_le(p));
  a.y = Fq::from_mont_limbs(u256_load_le(p + 32));
  return a;
}
inline G2Affine load_g2(const uint8_t* p) {
  G2Affine a;
  a.x.c0 = Fq::from_mont_limbs(u256_load_le(p));
  a.x.c1 = Fq::from_mont_limbs(u256_load_le(p + 32));
  a.y.c0 = Fq::from_mont_limbs(u256_load_le(p + 64));
  a.y.c1 = Fq::from_mont_limbs(u256_load_le(p + 96));
  return a;
}

// A Groth16 proving key (snarkjs zkey_utils layout).
struct ZKey {
  explicit ZKey(const std::string& path);
  BinFile file;
  uint32_t n_vars = 0, n_public = 0, domain_size = 0;
  int power = 0;  // log2(domain_size)
  G1Affine alpha1, beta1, delta1;
  G2Affine beta2, gamma2, delta2;
  uint32_t n_coeffs = 0;
  Section coeffs;  // section 4 after its count: n_coeffs x {matrix u32, constraint u32, signal u32, value 32 bytes}
  Section a, b1, b2, c, h;  // point sections 5..9
};

// A witness (.wtns): values in plain form, reduced mod r.
struct Witness {
  explicit Witness(const std::string& path);
  BigVec<U256> values;
};

}  // namespace zkm
