// Groth16 phase 2 from a real powers of tau, natively, with snarkjs 0.7's file formats.
//
// zkey_new: `snarkjs zkey new <r1cs> <ptau> <zkey>`. Each wire's points are linear combinations of
// the ptau's Lagrange-basis points (section 12: L_c(tau) G1, 13: L_c(tau) G2, 14: alpha L_c(tau)
// G1, 15: beta L_c(tau) G1) with the circuit's coefficients:
//   A_i  = sum_{A terms (c, i, v)} v L_c G1  (+ L_(nConstraints+i) G1 for the constant and public wires)
//   B1_i, B2_i likewise over the B terms in G1 and G2
//   IC_i (public) and L_i (private) = sum over A terms of v beta L_c, B terms v alpha L_c, C terms v L_c
//   H_i  = the odd points of the 2n domain's Lagrange basis (section 12), copied
// One small multi-scalar multiplication per wire and kind (msm.hpp, threads across wires).
// Cost: about (terms of A + 2 B + A + B + C) scalar multiplications of ~254 bits, B in G2 —
// mostly full-width coefficients in Poseidon-heavy circuits. The output is byte for byte snarkjs's.
//
// apply_key: the heavy half of `zkey contribute` / `zkey beacon`: delta1, delta2 times the
// contribution's secret k, every point of L and H times 1/k, the MPC section replaced by the one
// the caller computed (the contribution record needs hash-to-G2, done in JavaScript). Sections laid
// out in contribute's order. Cost: one ~254-bit variable-base multiplication per L and H point.
#pragma once
#include <string>

#include "prover.hpp"

namespace zkm {

struct ZkeyNewInfo {
  uint8_t cs_hash[64];
  uint32_t n_vars = 0, n_public = 0, n_constraints = 0, domain_size = 0;
  int power = 0, ptau_power = 0;
};

// h_tail_u: when the ptau's power equals the circuit's and n >= 2^15, snarkjs hashes one "point"
// read past the end of the ptau's tauG1 section (the bytes that follow it in the file), put through
// ffjavascript's affine subtraction on unreduced coordinates. That one value is given here in
// uncompressed form (64 bytes; the caller computes it with ffjavascript, setup/phase2.ts); without it
// such a ptau is refused.
ZkeyNewInfo zkey_new(const std::string& r1cs_path, const std::string& ptau_path, const std::string& zkey_path, const std::string& h_tail_u, int threads,
                     Timings* tm);

struct ApplyKeyResult {
  G1Affine delta1;
  G2Affine delta2;
};

// mpc: section 10's new body (csHash, count, records), written as given.
ApplyKeyResult apply_key(const std::string& in_zkey, const std::string& out_zkey, const U256& key, const std::string& mpc, int threads, Timings* tm);

}  // namespace zkm
