#include "r1cs.hpp"

namespace zkm {

R1cs::R1cs(const std::string& path) {
  BinFile f(path, "r1cs", 1);
  const Section h = f.unique(1);
  if (h.size < 4 || le32(h.p) != 32 || h.size != 4 + 32 + 4 * 4 + 8 + 4) {
    throw InputError(path + ": not a BN254 circuit (the header's field size is not 32 bytes)");
  }
  if (u256_cmp(u256_load_le(h.p + 4), Fr::modulus()) != 0) {
    throw InputError(path + ": the circuit's prime is not BN254's scalar field r");
  }
  const uint8_t* p = h.p + 36;
  n_wires = le32(p);
  n_pub_out = le32(p + 4);
  n_pub_in = le32(p + 8);
  n_prv_in = le32(p + 12);
  n_constraints = le32(p + 24);
  if (n_wires == 0 || (uint64_t)n_pub_out + n_pub_in + n_prv_in + 1 > n_wires) {
    throw InputError(path + ": inconsistent header (" + std::to_string(n_wires) + " wires, " + std::to_string(n_pub_out + n_pub_in) + " public)");
  }

  const Section s = f.unique(2);
  const uint8_t* q = s.p;
  const uint8_t* end = s.p + s.size;
  const U256 r = Fr::modulus();
  constraints.reserve(n_constraints);
  for (uint32_t c = 0; c < n_constraints; c++) {
    R1csConstraint rc;
    uint32_t* begins[3] = {&rc.a_begin, &rc.b_begin, &rc.c_begin};
    for (int m = 0; m < 3; m++) {
      *begins[m] = (uint32_t)terms.size();
      if (end - q < 4) throw InputError(path + ": truncated constraint " + std::to_string(c));
      const uint32_t nt = le32(q);
      q += 4;
      if ((uint64_t)(end - q) < (uint64_t)nt * 36) throw InputError(path + ": truncated constraint " + std::to_string(c));
      for (uint32_t i = 0; i < nt; i++, q += 36) {
        const uint32_t w = le32(q);
        const U256 v = u256_load_le(q + 4);
        if (w >= n_wires) throw InputError(path + ": constraint " + std::to_string(c) + " uses wire " + std::to_string(w) + " of " + std::to_string(n_wires));
        if (u256_cmp(v, r) >= 0) throw InputError(path + ": constraint " + std::to_string(c) + " has a coefficient not below r");
        terms.push_back(R1csTerm{w, Fr::from_u256(v)});
      }
    }
    rc.end = (uint32_t)terms.size();
    constraints.push_back(rc);
  }
  if (q != end) throw InputError(path + ": " + std::to_string(end - q) + " bytes left over after the constraints");
}

}  // namespace zkm
