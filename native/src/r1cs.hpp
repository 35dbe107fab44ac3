// circom's .r1cs (iden3 binary container, magic "r1cs", version 1): the header and the constraint
// list, validated and decoded once. Only BN254 (prime r, 32-byte coefficients) is accepted.
//
//   section 1 (header): n8 u32, prime (n8 bytes LE), nWires u32, nPubOut u32, nPubIn u32,
//                       nPrvIn u32, nLabels u64, nConstraints u32
//   section 2 (constraints): per constraint, for A, B, C in turn: nTerms u32, then nTerms x
//                       {wire u32, coefficient n8 bytes LE, plain (not Montgomery) form}
// Cost: one pass over section 2; the terms are kept as (wire, Fr) pairs, 40 bytes each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "binfile.hpp"

namespace zkm {

struct R1csTerm {
  uint32_t wire;
  Fr coef;  // Montgomery form
};

struct R1csConstraint {
  uint32_t a_begin, b_begin, c_begin, end;  // term ranges in R1cs::terms
};

struct R1cs {
  explicit R1cs(const std::string& path);
  uint32_t n_wires = 0, n_pub_out = 0, n_pub_in = 0, n_prv_in = 0, n_constraints = 0;
  uint32_t n_public() const { return n_pub_out + n_pub_in; }
  // snarkjs's cirPower = log2(nConstraints + nPublic) + 1: the Groth16 domain 2^k holds the
  // constraints plus one per public signal and one for the constant wire.
  int domain_power() const {
    const uint64_t m = (uint64_t)n_constraints + n_public();
    int k = 1;
    while (k < 64 && (m >> k) != 0) k++;
    return k;
  }
  std::vector<R1csTerm> terms;
  std::vector<R1csConstraint> constraints;
};

}  // namespace zkm
