// BN254's efficient endomorphisms, for the MSMs (GLV on G1, GLS on G2).
//
// G1: phi(x, y) = (beta x, y), beta a primitive cube root of unity in Fq. On G1 it acts as
//     multiplication by lambda = 36u^3 + 18u^2 + 6u + 1 (u = 4965661367192848881, the BN parameter),
//     a root of lambda^2 + lambda + 1 mod r. (Of the two cube roots beta, this one goes with this
//     lambda; the other root goes with the other root of the polynomial, -lambda - 1.)
// G2: psi = untwist o Frobenius o twist: psi(x, y) = (conj(x) gx, conj(y) gy) with
//     gx = xi^((q-1)/3), gy = xi^((q-1)/2), xi = 9 + u the twist's non-residue. On G2 it acts as
//     multiplication by q mod r = mu = 6u^2 (a root of mu^4 - mu^2 + 1 mod r: psi has order 12).
//
// A scalar k < r is split as k = k1 + k2 m (mod r), m = lambda or mu, with |k1|, |k2| < 2^126,
// by Babai's rounding on a short basis (a1, b1), (a2, b2) of the lattice {(x, y): x + y m = 0 mod r}
// (found by the extended Euclidean algorithm on r and m, Gallant-Lambert-Vanstone section 4;
// a1 b2 - a2 b1 = r for both):
//     c1 = round(k b2 / r), c2 = round(-k b1 / r)     (as (k g + 2^319) >> 320, g = round(2^320 b / r))
//     k1 = k - c1 a1 - c2 a2,  k2 = -c1 b1 - c2 b2.
// Then (k1, k2) = (k, 0) - c1 v1 - c2 v2 lies in the fundamental domain around 0 up to the rounding:
// |k1| <= (|a1| + |a2|) (1/2 + 2^-67) < 2^125.8 and the same for k2 with the b's. Both fit a signed
// 128-bit integer, so they are computed modulo 2^128. Small scalars stay small (c1 = c2 = 0 for
// k < 2^125: k1 = k, k2 = 0) and so do negative ones (k = r - s gives k1 = -s, k2 = 0).
//
// The constants were derived with a computer algebra script; the test suite checks the eigenvalues
// (phi(P) = lambda P, psi(P) = mu P on random points against ffjavascript), the congruence and the
// bounds of the split on edge and random scalars (test/native/arith.test.ts, `g1_endo`,
// `g1_split`, ...).
#pragma once
#include "curve.hpp"

namespace zkm {

constexpr u128 u128_of(uint64_t hi, uint64_t lo) { return ((u128)hi << 64) | lo; }

struct EndoLattice {
  uint64_t g1[4], g2[4];  // round(2^320 b2 / r), round(-2^320 b1 / r)
  u128 a1, b1, a2, b2;    // the basis, two's complement modulo 2^128
};

// G1, lambda = 36u^3 + 18u^2 + 6u + 1.
constexpr EndoLattice G1_LATTICE = {
    {0x6eb9c714773a6ef3ULL, 0xd91d232ec7e0b3d7ULL, 0x0000000000000002ULL, 0},
    {0xa5e38cfb5eaa26daULL, 0x7a7bd9d4391eb18dULL, 0x4ccef014a773d2cfULL, 0x0000000000000002ULL},
    u128_of(0, 0x89d3256894d213e3ULL),
    (u128)0 - u128_of(0x6f4d8248eeb859fcULL, 0x8211bbeb7d4f1128ULL),
    u128_of(0x6f4d8248eeb859fdULL, 0x0be4e1541221250bULL),
    u128_of(0, 0x89d3256894d213e3ULL),
};

// G2, mu = 6u^2.
constexpr EndoLattice G2_LATTICE = {
    {0xcd9e614a70bf4f39ULL, 0x2cb62031c8e01941ULL, 0x4ccef014a773d2d5ULL, 0x0000000000000002ULL},
    {0x4a47462623a04a7bULL, 0x0000000000000005ULL, 0, 0},
    u128_of(0x6f4d8248eeb859fbULL, 0xf83e9682e87cfd46ULL),
    (u128)0 - 1,
    u128_of(0x0000000000000001ULL, 0x9d797039be763ba7ULL),
    u128_of(0x6f4d8248eeb859fdULL, 0x95b806bca6f338efULL),
};

// (k g + 2^319) >> 320, for k < 2^256 and g with k g < 2^448 (true of every constant above).
inline u128 endo_round(const U256& k, const uint64_t g[4]) {
  uint64_t p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    u128 carry = 0;
    for (int j = 0; j < 4; j++) {
      const u128 t = (u128)k.w[i] * g[j] + p[i + j] + carry;
      p[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    p[i + 4] = (uint64_t)carry;
  }
  u128 t = (u128)p[4] + (1ULL << 63);
  t = (t >> 64) + p[5];
  const uint64_t lo = (uint64_t)t;
  t = (t >> 64) + p[6];
  return u128_of((uint64_t)t, lo);
}

struct EndoSplit {
  u128 k1, k2;      // magnitudes, < 2^126
  bool neg1, neg2;  // signs
};

// k = (+-k1) + (+-k2) m mod r, for a reduced k < r.
inline EndoSplit endo_split(const U256& k, const EndoLattice& L) {
  const u128 c1 = endo_round(k, L.g1), c2 = endo_round(k, L.g2);
  const u128 klo = u128_of(k.w[1], k.w[0]);
  const u128 k1 = klo - c1 * L.a1 - c2 * L.a2;
  const u128 k2 = (u128)0 - c1 * L.b1 - c2 * L.b2;
  EndoSplit s;
  s.neg1 = (k1 >> 127) != 0;
  s.neg2 = (k2 >> 127) != 0;
  s.k1 = s.neg1 ? (u128)0 - k1 : k1;
  s.k2 = s.neg2 ? (u128)0 - k2 : k2;
  return s;
}

template <class F>
struct Endo;

template <>
struct Endo<Fq> {
  static const EndoLattice& lattice() { return G1_LATTICE; }
  // beta, in Montgomery form
  static const Fq& beta() {
    static const Fq b = Fq::from_u256(U256{{0x5763473177fffffeULL, 0xd4f263f1acdb5c4fULL, 0x59e26bcea0d48bacULL, 0}});
    return b;
  }
  // phi(P) = lambda P
  static Affine<Fq> map(const Affine<Fq>& p) {
    if (p.is_infinity()) return p;
    return Affine<Fq>{p.x * beta(), p.y};
  }
};

template <>
struct Endo<Fq2> {
  static const EndoLattice& lattice() { return G2_LATTICE; }
  static const Fq2& gx() {
    static const Fq2 g{Fq::from_u256(U256{{0x99e39557176f553dULL, 0xb78cc310c2c3330cULL, 0x4c0bec3cf559b143ULL, 0x2fb347984f7911f7ULL}}),
                       Fq::from_u256(U256{{0x1665d51c640fcba2ULL, 0x32ae2a1d0b7c9dceULL, 0x4ba4cc8bd75a0794ULL, 0x16c9e55061ebae20ULL}})};
    return g;
  }
  static const Fq2& gy() {
    static const Fq2 g{Fq::from_u256(U256{{0xdc54014671a0135aULL, 0xdbaae0eda9c95998ULL, 0xdc5ec698b6e2f9b9ULL, 0x063cf305489af5dcULL}}),
                       Fq::from_u256(U256{{0x82d37f632623b0e3ULL, 0x21807dc98fa25bd2ULL, 0x0704b5a7ec796f2bULL, 0x07c03cbcac41049aULL}})};
    return g;
  }
  // psi(P) = mu P
  static Affine<Fq2> map(const Affine<Fq2>& p) {
    if (p.is_infinity()) return p;
    return Affine<Fq2>{Fq2{p.x.c0, -p.x.c1} * gx(), Fq2{p.y.c0, -p.y.c1} * gy()};
  }
};

}  // namespace zkm
