// A Groth16 proving key (.zkey, snarkjs 0.7 layout) computed straight from known secrets: the
// INSECURE dev setup, whose tau, alpha, beta (and delta) come from a public seed.
//
// snarkjs makes a key in two steps: `zkey new` combines the Lagrange-basis points of a prepared
// powers of tau (L_c(tau) G, alpha L_c(tau) G, ...) with the circuit's coefficients, one
// multi-exponentiation per wire; `zkey contribute` then divides the L and H sections by delta.
// When the secrets are known, every point is (a known scalar) x (a generator), so:
//   1. scalars in Fr: tau^0 .. tau^(2n-1); L_c(tau) for the circuit's domain n = 2^k and the
//      2n domain by inverse NTTs of those powers (the same values the ptau's Lagrange sections
//      hold); per wire A_i(tau), B_i(tau), C_i(tau) by one pass over the constraints; then
//      IC_i = beta A_i + alpha B_i + C_i (gamma = 1), L_i = (beta A_i + alpha B_i + C_i) / delta,
//      H_i = L^(2n)_(2i+1)(tau) / delta.
//   2. points: fixed-base multiplications of G1 / G2 (fixedbase.hpp).
// Cost: O(n log n) field work, then about 4 nVars + 2n G1 and nVars G2 fixed-base
// multiplications (L is computed twice: the circuit hash covers the delta = 1 key).
//
// Without delta the file is byte for byte what `snarkjs zkey new` writes from a dev ptau of any
// power above k (same section order, same circuit hash). With delta, the sections are laid out as
// `zkey contribute` writes them, L and H are divided by delta, the header carries delta, and
// section 10 holds the circuit hash with no contribution yet: the caller appends the record of
// the contribution (its public key needs hash-to-G2, done in JavaScript with ffjavascript).
#pragma once
#include <cstdint>
#include <string>

#include "prover.hpp"

namespace zkm {

struct DevSetupSecrets {
  U256 tau, alpha, beta, delta;  // plain, 0 < x < r
  bool has_delta = false;
};

struct DevSetupInfo {
  uint8_t cs_hash[64];
  uint32_t n_vars = 0, n_public = 0, n_constraints = 0, domain_size = 0;
  int power = 0;
};

DevSetupInfo dev_setup(const std::string& r1cs_path, const std::string& zkey_path, const DevSetupSecrets& s, int threads, Timings* tm);

}  // namespace zkm
