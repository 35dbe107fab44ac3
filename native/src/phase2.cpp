#include "phase2.hpp"

#include <cstring>
#include <vector>

#include "fixedbase.hpp"
#include "msm.hpp"
#include "r1cs.hpp"
#include "zkeyfile.hpp"

namespace zkm {

namespace {

// One term of a wire's combination: a base point (bytes in the ptau) and a plain scalar.
struct Term {
  const uint8_t* base;
  U256 k;
};

// Per-wire term lists in one flat array (counting pass, then filling pass).
struct Combos {
  std::vector<uint32_t> start;  // n_wires + 1
  std::vector<Term> terms;
};

template <class Fill>
Combos build_combos(uint32_t n_wires, Fill fill) {
  Combos c;
  std::vector<uint32_t> count(n_wires, 0);
  fill([&](uint32_t w, const uint8_t*, const U256&) { count[w]++; });
  c.start.assign(n_wires + 1, 0);
  for (uint32_t w = 0; w < n_wires; w++) c.start[w + 1] = c.start[w] + count[w];
  c.terms.resize(c.start[n_wires]);
  std::vector<uint32_t> pos(c.start.begin(), c.start.end() - 1);
  fill([&](uint32_t w, const uint8_t* base, const U256& k) { c.terms[pos[w]++] = Term{base, k}; });
  return c;
}

// One half of an endomorphism-split term: a point (sign applied) and the NAF digits of its
// < 2^126 scalar, least significant first.
template <class F>
struct StrausPart {
  Affine<F> p;
  int8_t naf[130];
  int len;
};

// NAF digits of a 128-bit value below 2^127; returns their count.
inline int naf128(u128 k, int8_t* out) {
  int n = 0;
  while (k != 0) {
    int8_t d = 0;
    if (k & 1) {
      d = (k & 3) == 1 ? 1 : -1;
      k = d == 1 ? k - 1 : k + 1;
    }
    out[n++] = d;
    k >>= 1;
  }
  return n;
}

// A wire with up to this many terms is evaluated by straus(), more by the bucket MSM (about equal
// at ~24 terms by the operation counts below).
constexpr size_t STRAUS_MAX = 16;

// sum_j k_j P_j for a handful of terms (most wires appear in 1 to 4 constraints), by Straus's
// interleaving: each scalar split with the endomorphism (endo.hpp) into two halves of < 2^126 with
// their signs on the points, all halves' NAF digits walked together from the top, so one chain of
// ~126 doublings serves every term and each half adds ~42 mixed additions. The bucket MSM spends
// most of its work on bucket sums at this size: about 3x the field products of this for 3 terms.
// bases: n affine points in the .zkey layout; ks: n plain scalars.
template <class F>
Jacobian<F> straus(const uint8_t* bases, const U256* ks, size_t n, std::vector<StrausPart<F>>& parts) {
  const EndoLattice& L = Endo<F>::lattice();
  parts.resize(2 * n);
  size_t m = 0;
  int top = 0;
  for (size_t j = 0; j < n; j++) {
    Affine<F> p;
    std::memcpy(&p, bases + j * sizeof(Affine<F>), sizeof(Affine<F>));
    const U256 k = reduce_scalar(ks[j]);
    if (p.is_infinity() || u256_is_zero(k)) continue;
    const EndoSplit sp = endo_split(k, L);
    if (sp.k1 != 0) {
      StrausPart<F>& q = parts[m++];
      q.p = sp.neg1 ? neg(p) : p;
      q.len = naf128(sp.k1, q.naf);
      top = std::max(top, q.len);
    }
    if (sp.k2 != 0) {
      StrausPart<F>& q = parts[m++];
      const Affine<F> phi = Endo<F>::map(p);
      q.p = sp.neg2 ? neg(phi) : phi;
      q.len = naf128(sp.k2, q.naf);
      top = std::max(top, q.len);
    }
  }
  Jacobian<F> r = Jacobian<F>::infinity();
  for (int i = top; i-- > 0;) {
    if (!r.is_infinity()) r = jac_double(r);
    for (size_t j = 0; j < m; j++) {
      const StrausPart<F>& q = parts[j];
      if (i >= q.len || q.naf[i] == 0) continue;
      r = jac_add_mixed(r, q.naf[i] > 0 ? q.p : neg(q.p));
    }
  }
  return r;
}

// Evaluates every wire's combination (wires first..last of the combos) in affine form.
template <class F>
std::vector<Affine<F>> evaluate(const Combos& c, uint32_t first, uint32_t count, int threads) {
  constexpr size_t SG = sizeof(Affine<F>);
  std::vector<Affine<F>> out(count);
  const size_t CHUNK = 256;
  parallel_tasks(threads, (count + CHUNK - 1) / CHUNK, [&](size_t t, int) {
    const uint32_t b = (uint32_t)(t * CHUNK), e = std::min<uint32_t>(count, b + (uint32_t)CHUNK);
    std::vector<Jacobian<F>> jac(e - b);
    std::vector<uint8_t> bases;
    std::vector<U256> ks;
    std::vector<StrausPart<F>> parts;
    MsmOptions opt;
    opt.threads = 1;
    for (uint32_t i = b; i < e; i++) {
      const uint32_t w = first + i;
      const size_t n = c.start[w + 1] - c.start[w];
      bases.resize(n * SG);
      ks.resize(n);
      for (size_t j = 0; j < n; j++) {
        const Term& term = c.terms[c.start[w] + j];
        std::memcpy(bases.data() + j * SG, term.base, SG);
        ks[j] = term.k;
      }
      jac[i - b] = n == 0 ? Jacobian<F>::infinity() : n <= STRAUS_MAX ? straus<F>(bases.data(), ks.data(), n, parts) : msm<F>(bases.data(), ks.data(), n, opt);
    }
    FixedBase<F>::to_affine_batch(jac.data(), jac.size(), out.data() + b);
  });
  return out;
}

// k P by signed binary (NAF) digits, most significant first, with mixed additions.
template <class F>
Jacobian<F> mul_naf(const Affine<F>& p, const std::vector<int8_t>& naf) {
  Jacobian<F> r = Jacobian<F>::infinity();
  const Affine<F> np = neg(p);
  for (size_t i = naf.size(); i-- > 0;) {
    r = jac_double(r);
    if (naf[i] == 1) r = jac_add_mixed(r, p);
    else if (naf[i] == -1) r = jac_add_mixed(r, np);
  }
  return r;
}

std::vector<int8_t> naf_of(U256 k) {
  std::vector<int8_t> d;
  while (!u256_is_zero(k)) {
    int8_t digit = 0;
    if (k.w[0] & 1) {
      digit = (k.w[0] & 3) == 1 ? 1 : -1;
      if (digit == 1) {
        u256_sub(k, u256_from_u64(1));
      } else {
        u256_add(k, u256_from_u64(1));
      }
    }
    d.push_back(digit);
    for (int i = 0; i < 3; i++) k.w[i] = (k.w[i] >> 1) | (k.w[i + 1] << 63);
    k.w[3] >>= 1;
  }
  return d;
}

// Every point of a section (affine, .zkey bytes) times the same scalar, in place in `out`.
template <class F>
void scale_section(const uint8_t* in, size_t n, const U256& k, uint8_t* out, int threads) {
  constexpr size_t SG = sizeof(Affine<F>);
  const std::vector<int8_t> naf = naf_of(k);
  const size_t CHUNK = 1024;
  parallel_tasks(threads, (n + CHUNK - 1) / CHUNK, [&](size_t t, int) {
    const size_t b = t * CHUNK, e = std::min(n, b + CHUNK);
    std::vector<Jacobian<F>> jac(e - b);
    std::vector<Affine<F>> aff(e - b);
    for (size_t i = b; i < e; i++) {
      Affine<F> p;
      std::memcpy(&p, in + i * SG, SG);
      jac[i - b] = p.is_infinity() ? Jacobian<F>::infinity() : mul_naf(p, naf);
    }
    FixedBase<F>::to_affine_batch(jac.data(), jac.size(), aff.data());
    std::memcpy(out + b * SG, aff.data(), (e - b) * SG);
  });
}

}  // namespace

ZkeyNewInfo zkey_new(const std::string& r1cs_path, const std::string& ptau_path, const std::string& zkey_path, const std::string& h_tail_u, int threads,
                     Timings* tm) {
  PhaseTimer timer;
  const R1cs cs(r1cs_path);
  const BinFile pt(ptau_path, "ptau", 1);
  ZkeyNewInfo info;
  const Section s1 = pt.unique(1);
  if (s1.size < 44 || le32(s1.p) != 32 || u256_cmp(u256_load_le(s1.p + 4), Fq::modulus()) != 0) {
    throw InputError(ptau_path + ": not a BN254 powers of tau (the header's field is not q)");
  }
  const int P = (int)le32(s1.p + 36);
  info.ptau_power = P;
  const uint32_t n_pub = cs.n_public(), n_vars = cs.n_wires, n_c = cs.n_constraints;
  info.n_vars = n_vars;
  info.n_public = n_pub;
  info.n_constraints = n_c;
  const int k = cs.domain_power();
  info.power = k;
  if (k > P) {
    throw InputError("circuit too big for this powers of tau: it needs 2^" + std::to_string(k) + " (" + std::to_string(n_c) + " constraints + " +
                     std::to_string(n_pub + 1) + "), " + ptau_path + " has 2^" + std::to_string(P));
  }
  if (k >= FR_TWO_ADICITY) throw InputError("circuit too big: domain 2^" + std::to_string(k));
  const size_t n = (size_t)1 << k;
  info.domain_size = (uint32_t)n;
  for (uint32_t id : {2u, 4u, 5u, 6u, 12u, 13u, 14u, 15u}) {
    if (!pt.has(id)) throw InputError(ptau_path + ": section " + std::to_string(id) + " missing (not prepared for phase 2?)");
  }
  const Section t1 = pt.unique(2), sa = pt.unique(4), sb = pt.unique(5), sb2 = pt.unique(6);
  const Section l1 = pt.unique(12), l2 = pt.unique(13), la = pt.unique(14), lb = pt.unique(15);
  auto need = [&](const Section& s, size_t points, size_t sg, const char* what) {
    if (s.size < points * sg) throw InputError(ptau_path + ": " + what + " section is too short for a 2^" + std::to_string(k) + " domain");
  };
  need(l1, 4 * n - 1, 64, "Lagrange tauG1 (12)");
  need(l2, 2 * n - 1, 128, "Lagrange tauG2 (13)");
  need(la, 2 * n - 1, 64, "Lagrange alphaTauG1 (14)");
  need(lb, 2 * n - 1, 64, "Lagrange betaTauG1 (15)");
  need(t1, n, 64, "tauG1 (2)");
  need(sa, 1, 64, "alphaTauG1 (4)");
  need(sb, 1, 64, "betaTauG1 (5)");
  need(sb2, 1, 128, "betaTauG2 (6)");
  const uint8_t* L1 = l1.p + (n - 1) * 64;
  const uint8_t* L2 = l2.p + (n - 1) * 128;
  const uint8_t* LA = la.p + (n - 1) * 64;
  const uint8_t* LB = lb.p + (n - 1) * 64;
  timer.stop(tm, "read");

  timer = PhaseTimer();
  ZkeyParts p;
  p.n_vars = n_vars;
  p.n_public = n_pub;
  p.domain_size = (uint32_t)n;
  p.alpha1 = load_g1(sa.p);
  p.beta1 = load_g1(sb.p);
  p.beta2 = load_g2(sb2.p);
  p.gamma2 = g2_generator();
  p.delta1 = g1_generator();
  p.delta2 = g2_generator();
  p.coefs.assign(4, '\0');
  uint32_t n_coefs = 0;
  for (uint32_t c = 0; c < n_c; c++) {
    const R1csConstraint& rc = cs.constraints[c];
    for (uint32_t t = rc.a_begin; t < rc.b_begin; t++, n_coefs++) append_coef(p.coefs, 0, c, cs.terms[t].wire, cs.terms[t].coef);
    for (uint32_t t = rc.b_begin; t < rc.c_begin; t++, n_coefs++) append_coef(p.coefs, 1, c, cs.terms[t].wire, cs.terms[t].coef);
  }
  for (uint32_t s = 0; s <= n_pub; s++, n_coefs++) append_coef(p.coefs, 0, n_c + s, s, Fr::one());
  for (int i = 0; i < 4; i++) p.coefs[(size_t)i] = (char)(n_coefs >> (8 * i));

  const U256 one = u256_from_u64(1);
  // terms(matrix, fn): calls fn(constraint, wire, plain coefficient) for each term of one matrix
  auto each = [&](int mat, auto fn) {
    for (uint32_t c = 0; c < n_c; c++) {
      const R1csConstraint& rc = cs.constraints[c];
      const uint32_t b = mat == 0 ? rc.a_begin : mat == 1 ? rc.b_begin : rc.c_begin;
      const uint32_t e = mat == 0 ? rc.b_begin : mat == 1 ? rc.c_begin : rc.end;
      for (uint32_t t = b; t < e; t++) fn(c, cs.terms[t].wire, cs.terms[t].coef.to_u256());
    }
  };
  const Combos cA = build_combos(n_vars, [&](auto add) {
    each(0, [&](uint32_t c, uint32_t w, const U256& v) { add(w, L1 + (size_t)c * 64, v); });
    for (uint32_t s = 0; s <= n_pub; s++) add(s, L1 + (size_t)(n_c + s) * 64, one);
  });
  p.a = evaluate<Fq>(cA, 0, n_vars, threads);
  const Combos cB1 = build_combos(n_vars, [&](auto add) { each(1, [&](uint32_t c, uint32_t w, const U256& v) { add(w, L1 + (size_t)c * 64, v); }); });
  p.b1 = evaluate<Fq>(cB1, 0, n_vars, threads);
  const Combos cB2 = build_combos(n_vars, [&](auto add) { each(1, [&](uint32_t c, uint32_t w, const U256& v) { add(w, L2 + (size_t)c * 128, v); }); });
  p.b2 = evaluate<Fq2>(cB2, 0, n_vars, threads);
  const Combos cC = build_combos(n_vars, [&](auto add) {
    each(0, [&](uint32_t c, uint32_t w, const U256& v) { add(w, LB + (size_t)c * 64, v); });
    each(1, [&](uint32_t c, uint32_t w, const U256& v) { add(w, LA + (size_t)c * 64, v); });
    each(2, [&](uint32_t c, uint32_t w, const U256& v) { add(w, L1 + (size_t)c * 64, v); });
    for (uint32_t s = 0; s <= n_pub; s++) add(s, LB + (size_t)(n_c + s) * 64, one);
  });
  p.ic = evaluate<Fq>(cC, 0, n_pub + 1, threads);
  p.l = evaluate<Fq>(cC, n_pub + 1, n_vars - n_pub - 1, threads);
  // H: the odd points of the 2n domain's Lagrange basis
  p.h.resize(n);
  const uint8_t* L2n = l1.p + (2 * n - 1) * 64;
  for (size_t i = 0; i < n; i++) p.h[i] = load_g1(L2n + (2 * i + 1) * 64);
  timer.stop(tm, "points");

  // csHash's H part: (tau^(i+n) - tau^i) G1 from section 2 (see zkeyfile.hpp for the count).
  timer = PhaseTimer();
  const size_t CH = 1 << 14;
  size_t count = 0;
  for (size_t i = 0; i + 1 < n; i += CH) count += std::min(n - 1, CH);
  const size_t in_section = t1.size / 64;  // 2^(P+1) - 1 points
  size_t regular = count;
  if (count - 1 + n >= in_section) {
    regular = in_section - n;
    if (count - regular != 1 || h_tail_u.size() != 64) {
      throw InputError(ptau_path + ": its power equals the circuit's (2^" + std::to_string(k) +
                       "), where snarkjs's circuit hash reads one point past the tau section: give that point (--h-tail) or use a ptau of a higher power");
    }
  } else if (!h_tail_u.empty()) {
    throw InputError("--h-tail is only for a ptau whose power equals the circuit's with n >= 2^15");
  }
  std::vector<Jacobian<Fq>> diff(regular);
  parallel_for(threads, regular, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; i++) diff[i] = jac_add_mixed(to_jacobian(load_g1(t1.p + (i + n) * 64)), neg(load_g1(t1.p + i * 64)));
  });
  std::vector<G1Affine> h_hash(regular);
  FixedBase<Fq>::to_affine_batch(diff.data(), diff.size(), h_hash.data());
  cs_hash(p, p.l, h_hash, h_tail_u, info.cs_hash);
  p.mpc.assign((const char*)info.cs_hash, 64);
  p.mpc.append(4, '\0');
  write_file_atomic(zkey_path, zkey_bytes(p, true));
  timer.stop(tm, "write");
  return info;
}

ApplyKeyResult apply_key(const std::string& in_zkey, const std::string& out_zkey, const U256& key, const std::string& mpc, int threads, Timings* tm) {
  PhaseTimer timer;
  if (u256_is_zero(key) || u256_cmp(key, Fr::modulus()) >= 0) throw InputError("the contribution's key must be in 1 .. r-1");
  const BinFile f(in_zkey, "zkey", 1);
  const Section s1 = f.unique(1), s2 = f.unique(2);
  if (s1.size != 4 || le32(s1.p) != 1) throw InputError(in_zkey + ": not a Groth16 key");
  if (s2.size != 660 || le32(s2.p) != 32 || u256_cmp(u256_load_le(s2.p + 4), Fq::modulus()) != 0 || le32(s2.p + 36) != 32 ||
      u256_cmp(u256_load_le(s2.p + 40), Fr::modulus()) != 0) {
    throw InputError(in_zkey + ": not a BN254 Groth16 key (header)");
  }
  const uint32_t n_vars = le32(s2.p + 72), n_pub = le32(s2.p + 76), domain = le32(s2.p + 80);
  const size_t D1 = 84 + 64 + 64 + 128 + 128;  // offset of delta1 in section 2
  const G1Affine d1 = load_g1(s2.p + D1);
  const G2Affine d2 = load_g2(s2.p + D1 + 64);
  ApplyKeyResult res;
  res.delta1 = to_affine(scalar_mul(to_jacobian(d1), key));
  res.delta2 = to_affine(scalar_mul(to_jacobian(d2), key));
  if (mpc.size() < 68) throw InputError("the MPC section must hold at least the circuit hash and a count");
  Section sec[11];
  for (uint32_t id = 3; id <= 9; id++) sec[id] = f.unique(id);
  if (sec[8].size != (uint64_t)(n_vars - n_pub - 1) * 64 || sec[9].size != (uint64_t)domain * 64) {
    throw InputError(in_zkey + ": L or H section has the wrong size");
  }
  const U256 inv_key = inv(Fr::from_u256(key)).to_u256();
  std::string out;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; i++) out.push_back((char)(v >> (8 * i)));
  };
  auto u64 = [&](uint64_t v) {
    for (int i = 0; i < 8; i++) out.push_back((char)(v >> (8 * i)));
  };
  auto copy = [&](uint32_t id, const uint8_t* p, size_t n) {
    u32(id);
    u64(n);
    out.append((const char*)p, n);
  };
  out.append("zkey", 4);
  u32(1);
  u32(10);
  copy(1, s1.p, s1.size);
  std::string h2((const char*)s2.p, s2.size);
  store_g1(res.delta1, (uint8_t*)&h2[D1]);
  store_g2(res.delta2, (uint8_t*)&h2[D1 + 64]);
  copy(2, (const uint8_t*)h2.data(), h2.size());
  for (uint32_t id = 3; id <= 7; id++) copy(id, sec[id].p, sec[id].size);
  timer.stop(tm, "read");
  timer = PhaseTimer();
  for (uint32_t id = 8; id <= 9; id++) {
    u32(id);
    u64(sec[id].size);
    const size_t at = out.size();
    out.resize(at + sec[id].size);
    scale_section<Fq>(sec[id].p, sec[id].size / 64, inv_key, (uint8_t*)&out[at], threads);
  }
  timer.stop(tm, "points");
  timer = PhaseTimer();
  copy(10, (const uint8_t*)mpc.data(), mpc.size());
  write_file_atomic(out_zkey, out);
  timer.stop(tm, "write");
  return res;
}

}  // namespace zkm
