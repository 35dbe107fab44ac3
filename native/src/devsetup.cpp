#include "devsetup.hpp"

#include <cstring>
#include <vector>

#include "blake2b.hpp"
#include "fixedbase.hpp"
#include "r1cs.hpp"

namespace zkm {

namespace {

G1Affine g1_generator() { return G1Affine{Fq::from_u64(1), Fq::from_u64(2)}; }

Fq fq_dec(const char* s) {
  U256 v;
  u256_parse_decimal(s, v);
  return Fq::from_u256(v);
}

G2Affine g2_generator() {
  return G2Affine{Fq2{fq_dec("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
                      fq_dec("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
                  Fq2{fq_dec("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
                      fq_dec("4082367875863433681332203403145435568316851327593401208105741076214120093531")}};
}

// Appends little-endian / big-endian integers and points to a byte buffer.
struct Out {
  std::string b;
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
  // Points as a .zkey stores them: affine, Montgomery limbs, (0, 0) for infinity.
  void lem(const Fq& x) { u256le(x.mont_limbs()); }
  void lem(const G1Affine& p) {
    lem(p.x);
    lem(p.y);
  }
  void lem(const G2Affine& p) {
    lem(p.x.c0);
    lem(p.x.c1);
    lem(p.y.c0);
    lem(p.y.c1);
  }
};

// ffjavascript's "uncompressed" form, what snarkjs hashes: coordinates plain, big-endian, G2's
// c1 before c0; infinity is all zeros (as its batchLEMtoU writes (0, 0)).
void be(const Fq& x, uint8_t* out) {
  const U256 v = x.to_u256();
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(v.w[3 - i / 8] >> (8 * (7 - i % 8)));
}
void hash_point(Blake2b512& h, const G1Affine& p) {
  uint8_t t[64];
  if (p.is_infinity()) {
    std::memset(t, 0, sizeof t);
  } else {
    be(p.x, t);
    be(p.y, t + 32);
  }
  h.update(t, sizeof t);
}
void hash_point(Blake2b512& h, const G2Affine& p) {
  uint8_t t[128];
  if (p.is_infinity()) {
    std::memset(t, 0, sizeof t);
  } else {
    be(p.x.c1, t);
    be(p.x.c0, t + 32);
    be(p.y.c1, t + 64);
    be(p.y.c0, t + 96);
  }
  h.update(t, sizeof t);
}
template <class P>
void hash_points(Blake2b512& h, const std::vector<P>& pts) {
  const uint32_t n = (uint32_t)pts.size();
  const uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  h.update(len, 4);
  for (const P& p : pts) hash_point(h, p);
}

template <class P>
void section(Out& o, uint32_t id, const std::vector<P>& pts) {
  o.u32(id);
  o.u64((uint64_t)pts.size() * (sizeof(P) == sizeof(G1Affine) ? 64 : 128));
  for (const P& p : pts) o.lem(p);
}

Fr secret(const U256& v, const char* name) {
  if (u256_is_zero(v) || u256_cmp(v, Fr::modulus()) >= 0) throw InputError(std::string(name) + " must be in 1 .. r-1");
  return Fr::from_u256(v);
}

}  // namespace

DevSetupInfo dev_setup(const std::string& r1cs_path, const std::string& zkey_path, const DevSetupSecrets& sec, int threads, Timings* tm) {
  PhaseTimer timer;
  const R1cs cs(r1cs_path);
  DevSetupInfo info;
  const uint32_t n_pub = cs.n_public(), n_vars = cs.n_wires, n_c = cs.n_constraints;
  info.n_vars = n_vars;
  info.n_public = n_pub;
  info.n_constraints = n_c;
  // snarkjs: cirPower = log2(nConstraints + nPublic) + 1, the domain holds the constraints and one
  // extra constraint per public signal and for the constant wire.
  const uint64_t m = (uint64_t)n_c + n_pub;
  int k = 1;
  while (k < 64 && (m >> k) != 0) k++;
  if (k + 1 > FR_TWO_ADICITY) throw InputError(r1cs_path + ": circuit too big (domain 2^" + std::to_string(k) + ", at most 2^27)");
  info.power = k;
  const size_t n = (size_t)1 << k;
  info.domain_size = (uint32_t)n;
  timer.stop(tm, "read");

  timer = PhaseTimer();
  const Fr tau = secret(sec.tau, "tau"), alpha = secret(sec.alpha, "alpha"), beta = secret(sec.beta, "beta");
  const Fr delta = sec.has_delta ? secret(sec.delta, "delta") : Fr::one();
  const Fr inv_delta = inv(delta);
  std::vector<Fr> tp(2 * n);
  powers_table(tp.data(), 2 * n, Fr::one(), tau, threads);
  const Fr tau_n_minus_1 = tp[n] - Fr::one();
  if ((tp[n] * tp[n]) == Fr::one()) throw InputError("tau is a 2n-th root of unity: the Lagrange basis is undefined");
  std::vector<Fr> lag(tp.begin(), tp.begin() + (long)n);
  ntt(lag.data(), k, true, threads);
  std::vector<Fr> lag2(tp);
  ntt(lag2.data(), k + 1, true, threads);

  // Per-wire QAP values at tau, and the coefficients section (4) as `zkey new` writes it.
  std::vector<Fr> A(n_vars, Fr::zero()), B(n_vars, Fr::zero()), C(n_vars, Fr::zero());
  const Fr r2 = Fr::from_mont_limbs(U256{{FrParams::R2[0], FrParams::R2[1], FrParams::R2[2], FrParams::R2[3]}});
  Out coefs;
  uint32_t n_coefs = 0;
  coefs.u32(0);  // count, patched below
  auto coef_entry = [&](uint32_t mat, uint32_t c, uint32_t w, const Fr& v) {
    coefs.u32(mat);
    coefs.u32(c);
    coefs.u32(w);
    coefs.u256le((v * r2).mont_limbs());  // the value times R^2 mod r, plain (snarkjs's layout)
    n_coefs++;
  };
  for (uint32_t c = 0; c < n_c; c++) {
    const R1csConstraint& rc = cs.constraints[c];
    const Fr& l = lag[c];
    for (uint32_t t = rc.a_begin; t < rc.b_begin; t++) {
      A[cs.terms[t].wire] += cs.terms[t].coef * l;
      coef_entry(0, c, cs.terms[t].wire, cs.terms[t].coef);
    }
    for (uint32_t t = rc.b_begin; t < rc.c_begin; t++) {
      B[cs.terms[t].wire] += cs.terms[t].coef * l;
      coef_entry(1, c, cs.terms[t].wire, cs.terms[t].coef);
    }
    for (uint32_t t = rc.c_begin; t < rc.end; t++) C[cs.terms[t].wire] += cs.terms[t].coef * l;
  }
  for (uint32_t s = 0; s <= n_pub; s++) {  // x_s * 1 = x_s for the constant and each public signal
    A[s] += lag[n_c + s];
    coef_entry(0, n_c + s, s, Fr::one());
  }
  for (int i = 0; i < 4; i++) coefs.b[(size_t)i] = (char)(n_coefs >> (8 * i));

  std::vector<Fr> ic(n_pub + 1), l0(n_vars - n_pub - 1), lf(n_vars - n_pub - 1), h(n), hh;
  for (uint32_t i = 0; i < n_vars; i++) {
    const Fr v = beta * A[i] + alpha * B[i] + C[i];
    if (i <= n_pub) {
      ic[i] = v;
    } else {
      l0[i - n_pub - 1] = v;
      lf[i - n_pub - 1] = v * inv_delta;
    }
  }
  for (size_t i = 0; i < n; i++) h[i] = lag2[2 * i + 1] * inv_delta;
  // The circuit hash covers (tau^(i+n) - tau^i) G1 for the H section, in chunks of 2^14 points of
  // which snarkjs 0.7 always takes min(n - 1, 2^14): n - 1 points below n = 2^15, n from there on.
  {
    const size_t CH = 1 << 14;
    size_t count = 0;
    for (size_t i = 0; i + 1 < n; i += CH) count += std::min(n - 1, CH);
    hh.resize(count);
    for (size_t i = 0; i < count; i++) hh[i] = tp[i] * tau_n_minus_1;
  }
  timer.stop(tm, "scalars");

  timer = PhaseTimer();
  const FixedBase<Fq> g1(g1_generator());
  const FixedBase<Fq2> g2(g2_generator());
  auto many1 = [&](const std::vector<Fr>& k1) {
    std::vector<G1Affine> out(k1.size());
    g1.mul_many(k1.data(), k1.size(), out.data(), threads);
    return out;
  };
  auto one1 = [&](const Fr& x) { return to_affine(g1.mul(x.to_u256())); };
  auto one2 = [&](const Fr& x) { return to_affine(g2.mul(x.to_u256())); };
  const G1Affine alpha1 = one1(alpha), beta1 = one1(beta), delta1 = one1(delta);
  const G2Affine beta2 = one2(beta), delta2 = one2(delta), gen2 = one2(Fr::one());
  const G1Affine gen1 = one1(Fr::one());
  const std::vector<G1Affine> pIC = many1(ic), pL0 = many1(l0), pA = many1(A), pB1 = many1(B), pH = many1(h), pHH = many1(hh);
  const std::vector<G1Affine> pL = sec.has_delta ? many1(lf) : pL0;
  std::vector<G2Affine> pB2(n_vars);
  g2.mul_many(B.data(), B.size(), pB2.data(), threads);
  timer.stop(tm, "points");

  timer = PhaseTimer();
  // The circuit hash, in the order `zkey new` feeds it: the header's points (gamma and delta
  // are the generators before any contribution), then each section with its point count (u32,
  // big-endian), except that the H part is (tau^(i+n) - tau^i) G1 under the count n - 1.
  {
    Blake2b512 hs;
    hash_point(hs, alpha1);
    hash_point(hs, beta1);
    hash_point(hs, beta2);
    hash_point(hs, gen2);
    hash_point(hs, gen1);
    hash_point(hs, gen2);
    hash_points(hs, pIC);
    const uint32_t nm1 = (uint32_t)(n - 1);
    const uint8_t len[4] = {(uint8_t)(nm1 >> 24), (uint8_t)(nm1 >> 16), (uint8_t)(nm1 >> 8), (uint8_t)nm1};
    hs.update(len, 4);
    for (const G1Affine& p : pHH) hash_point(hs, p);
    hash_points(hs, pL0);
    hash_points(hs, pA);
    hash_points(hs, pB1);
    hash_points(hs, pB2);
    hs.digest(info.cs_hash);
  }

  Out o;
  o.raw("zkey", 4);
  o.u32(1);
  o.u32(10);
  // 1: protocol (Groth16)
  o.u32(1);
  o.u64(4);
  o.u32(1);
  // 2: Groth16 header
  o.u32(2);
  o.u64(4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128);
  o.u32(32);
  o.u256le(Fq::modulus());
  o.u32(32);
  o.u256le(Fr::modulus());
  o.u32(n_vars);
  o.u32(n_pub);
  o.u32((uint32_t)n);
  o.lem(alpha1);
  o.lem(beta1);
  o.lem(beta2);
  o.lem(gen2);
  o.lem(delta1);
  o.lem(delta2);
  auto sec4 = [&]() {
    o.u32(4);
    o.u64(coefs.b.size());
    o.raw(coefs.b.data(), coefs.b.size());
  };
  auto sec10 = [&]() {
    o.u32(10);
    o.u64(64 + 4);
    o.raw(info.cs_hash, 64);
    o.u32(0);
  };
  if (!sec.has_delta) {  // zkey new's order
    sec4();
    section(o, 3, pIC);
    section(o, 9, pH);
    section(o, 8, pL);
    section(o, 5, pA);
    section(o, 6, pB1);
    section(o, 7, pB2);
  } else {  // zkey contribute's order
    section(o, 3, pIC);
    sec4();
    section(o, 5, pA);
    section(o, 6, pB1);
    section(o, 7, pB2);
    section(o, 8, pL);
    section(o, 9, pH);
  }
  sec10();
  write_file_atomic(zkey_path, o.b);
  timer.stop(tm, "write");
  return info;
}

}  // namespace zkm
