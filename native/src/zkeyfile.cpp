#include "zkeyfile.hpp"

#include <cstring>

#include "blake2b.hpp"
#include "binfile.hpp"

namespace zkm {

namespace {

Fq fq_dec(const char* s) {
  U256 v;
  u256_parse_decimal(s, v);
  return Fq::from_u256(v);
}

struct Out {
  std::string& b;
  void u32(uint32_t v) {
    for (int i = 0; i < 4; i++) b.push_back((char)(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; i++) b.push_back((char)(v >> (8 * i)));
  }
  void raw(const void* p, size_t n) { b.append((const char*)p, n); }
  void u256le(const U256& v) {
    uint8_t t[32];
    u256_store_le(v, t);
    raw(t, 32);
  }
  void pt(const G1Affine& p) {
    uint8_t t[64];
    store_g1(p, t);
    raw(t, 64);
  }
  void pt(const G2Affine& p) {
    uint8_t t[128];
    store_g2(p, t);
    raw(t, 128);
  }
  template <class P>
  void section(uint32_t id, const std::vector<P>& pts) {
    u32(id);
    u64((uint64_t)pts.size() * sizeof(P));  // an affine G1 point is 64 bytes, G2 128
    for (const P& p : pts) pt(p);
  }
  void section(uint32_t id, const std::string& body) {
    u32(id);
    u64(body.size());
    raw(body.data(), body.size());
  }
};
static_assert(sizeof(G1Affine) == 64 && sizeof(G2Affine) == 128, "affine points are packed limbs");

void be(const Fq& x, uint8_t* out) {
  const U256 v = x.to_u256();
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(v.w[3 - i / 8] >> (8 * (7 - i % 8)));
}
void hash_point(Blake2b512& h, const G1Affine& p) {
  uint8_t t[64] = {0};
  if (!p.is_infinity()) {
    be(p.x, t);
    be(p.y, t + 32);
  }
  h.update(t, sizeof t);
}
void hash_point(Blake2b512& h, const G2Affine& p) {
  uint8_t t[128] = {0};
  if (!p.is_infinity()) {
    be(p.x.c1, t);
    be(p.x.c0, t + 32);
    be(p.y.c1, t + 64);
    be(p.y.c0, t + 96);
  }
  h.update(t, sizeof t);
}
void hash_count(Blake2b512& h, uint32_t n) {
  const uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  h.update(len, 4);
}
template <class P>
void hash_points(Blake2b512& h, const std::vector<P>& pts) {
  hash_count(h, (uint32_t)pts.size());
  for (const P& p : pts) hash_point(h, p);
}

}  // namespace

G1Affine g1_generator() { return G1Affine{Fq::from_u64(1), Fq::from_u64(2)}; }

G2Affine g2_generator() {
  return G2Affine{Fq2{fq_dec("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
                      fq_dec("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
                  Fq2{fq_dec("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
                      fq_dec("4082367875863433681332203403145435568316851327593401208105741076214120093531")}};
}

void store_g1(const G1Affine& p, uint8_t* out) {
  u256_store_le(p.x.mont_limbs(), out);
  u256_store_le(p.y.mont_limbs(), out + 32);
}
void store_g2(const G2Affine& p, uint8_t* out) {
  u256_store_le(p.x.c0.mont_limbs(), out);
  u256_store_le(p.x.c1.mont_limbs(), out + 32);
  u256_store_le(p.y.c0.mont_limbs(), out + 64);
  u256_store_le(p.y.c1.mont_limbs(), out + 96);
}

void append_coef(std::string& coefs, uint32_t matrix, uint32_t constraint, uint32_t signal, const Fr& coef) {
  static const Fr r2 = Fr::from_mont_limbs(U256{{FrParams::R2[0], FrParams::R2[1], FrParams::R2[2], FrParams::R2[3]}});
  Out o{coefs};
  o.u32(matrix);
  o.u32(constraint);
  o.u32(signal);
  o.u256le((coef * r2).mont_limbs());  // (c R)(R^2) / R = c R^2 mod r, stored plain
}

void cs_hash(const ZkeyParts& p, const std::vector<G1Affine>& l_init, const std::vector<G1Affine>& h_hash, const std::string& h_tail, uint8_t out[64]) {
  Blake2b512 hs;
  hash_point(hs, p.alpha1);
  hash_point(hs, p.beta1);
  hash_point(hs, p.beta2);
  hash_point(hs, p.gamma2);
  hash_point(hs, g1_generator());  // delta1 of the initial key
  hash_point(hs, g2_generator());  // delta2 of the initial key
  hash_points(hs, p.ic);
  hash_count(hs, p.domain_size - 1);
  for (const G1Affine& q : h_hash) hash_point(hs, q);
  hs.update((const uint8_t*)h_tail.data(), h_tail.size());
  hash_points(hs, l_init);
  hash_points(hs, p.a);
  hash_points(hs, p.b1);
  hash_points(hs, p.b2);
  hs.digest(out);
}

std::string zkey_bytes(const ZkeyParts& p, bool new_layout) {
  std::string b;
  Out o{b};
  o.raw("zkey", 4);
  o.u32(1);
  o.u32(10);
  std::string s1;
  Out{s1}.u32(1);
  std::string s2;
  {
    Out h{s2};
    h.u32(32);
    h.u256le(Fq::modulus());
    h.u32(32);
    h.u256le(Fr::modulus());
    h.u32(p.n_vars);
    h.u32(p.n_public);
    h.u32(p.domain_size);
    h.pt(p.alpha1);
    h.pt(p.beta1);
    h.pt(p.beta2);
    h.pt(p.gamma2);
    h.pt(p.delta1);
    h.pt(p.delta2);
  }
  o.section(1, s1);
  o.section(2, s2);
  if (new_layout) {
    o.section(4, p.coefs);
    o.section(3, p.ic);
    o.section(9, p.h);
    o.section(8, p.l);
    o.section(5, p.a);
    o.section(6, p.b1);
    o.section(7, p.b2);
  } else {
    o.section(3, p.ic);
    o.section(4, p.coefs);
    o.section(5, p.a);
    o.section(6, p.b1);
    o.section(7, p.b2);
    o.section(8, p.l);
    o.section(9, p.h);
  }
  o.section(10, p.mpc);
  return b;
}

}  // namespace zkm
