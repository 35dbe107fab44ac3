// Writing a Groth16 .zkey (snarkjs 0.7 layout) from its parts, and snarkjs's circuit hash.
//
//   sections: 1 protocol (1 = Groth16); 2 header (n8q, q, n8r, r, nVars, nPublic, domainSize,
//   alpha1, beta1, beta2, gamma2, delta1, delta2); 3 IC; 4 coefficients of A and B; 5 A; 6 B1;
//   7 B2; 8 L (private wires); 9 H; 10 MPC parameters (csHash, contributions).
//   `zkey new` writes them in the order 1 2 4 3 9 8 5 6 7 10, `zkey contribute` in 1 .. 10.
//   Points are affine with Montgomery coordinates, little-endian, (0, 0) for infinity.
//
// The circuit hash (csHash) is BLAKE2b-512 over the initial key (delta = 1): the header's points,
// then per section (IC, the H points as tau^(i+n) - tau^i, L, A, B1, B2) its point count as a
// big-endian u32 and its points in ffjavascript's uncompressed form (plain big-endian coordinates,
// G2's c1 before c0, infinity all zeros). For H, snarkjs writes the count n - 1 and hashes points in
// chunks of 2^14 of which it always takes min(n - 1, 2^14): n - 1 points below n = 2^15, n from
// there on; the caller supplies exactly the points it hashes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "curve.hpp"

namespace zkm {

struct ZkeyParts {
  uint32_t n_vars = 0, n_public = 0, domain_size = 0;
  G1Affine alpha1, beta1, delta1;
  G2Affine beta2, gamma2, delta2;
  std::string coefs;  // section 4's body: count u32, then {matrix, constraint, signal u32, value c R^2 mod r}
  std::vector<G1Affine> ic, a, b1, l, h;
  std::vector<G2Affine> b2;
  std::string mpc;  // section 10's body: csHash (64 bytes), contribution count u32, records
};

// Appends section 4's entry (matrix, constraint, signal, coefficient given in Montgomery form).
void append_coef(std::string& coefs, uint32_t matrix, uint32_t constraint, uint32_t signal, const Fr& coef);

// snarkjs's csHash of an initial key (delta1 = G1, delta2 = G2): l_init and h_hash as described
// above; h_tail: bytes hashed right after h_hash (a point given already in uncompressed form).
void cs_hash(const ZkeyParts& p, const std::vector<G1Affine>& l_init, const std::vector<G1Affine>& h_hash, const std::string& h_tail, uint8_t out[64]);

// The whole file; new_layout: `zkey new`'s section order, else `zkey contribute`'s.
std::string zkey_bytes(const ZkeyParts& p, bool new_layout);

G1Affine g1_generator();
G2Affine g2_generator();

// Affine point from .zkey / .ptau bytes, and back.
void store_g1(const G1Affine& p, uint8_t* out);
void store_g2(const G2Affine& p, uint8_t* out);

}  // namespace zkm
