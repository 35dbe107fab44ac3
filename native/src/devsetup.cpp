#include "devsetup.hpp"

#include <cstring>
#include <vector>

#include "fixedbase.hpp"
#include "r1cs.hpp"
#include "zkeyfile.hpp"

namespace zkm {

namespace {

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
  const int k = cs.domain_power();
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
  std::string coefs(4, '\0');  // count, patched below
  uint32_t n_coefs = 0;
  auto coef_entry = [&](uint32_t mat, uint32_t c, uint32_t w, const Fr& v) {
    append_coef(coefs, mat, c, w, v);
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
  for (int i = 0; i < 4; i++) coefs[(size_t)i] = (char)(n_coefs >> (8 * i));

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
  ZkeyParts p;
  p.n_vars = n_vars;
  p.n_public = n_pub;
  p.domain_size = (uint32_t)n;
  p.alpha1 = one1(alpha);
  p.beta1 = one1(beta);
  p.beta2 = one2(beta);
  p.gamma2 = g2_generator();
  p.delta1 = one1(delta);
  p.delta2 = one2(delta);
  p.coefs = std::move(coefs);
  p.ic = many1(ic);
  p.a = many1(A);
  p.b1 = many1(B);
  p.h = many1(h);
  p.b2.resize(n_vars);
  g2.mul_many(B.data(), B.size(), p.b2.data(), threads);
  const std::vector<G1Affine> l_init = many1(l0), h_hash = many1(hh);
  p.l = sec.has_delta ? many1(lf) : l_init;
  timer.stop(tm, "points");

  timer = PhaseTimer();
  cs_hash(p, l_init, h_hash, std::string(), info.cs_hash);
  p.mpc.assign((const char*)info.cs_hash, 64);
  p.mpc.append(4, '\0');  // no contribution yet
  write_file_atomic(zkey_path, zkey_bytes(p, !sec.has_delta));
  timer.stop(tm, "write");
  return info;
}

}  // namespace zkm
