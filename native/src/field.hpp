// Prime fields in Montgomery form on four 64-bit limbs, generic over the modulus constants.
//
// An element x is held as xR mod p with R = 2^256 (the same layout ffjavascript / snarkjs use for
// the points stored in a .zkey, so those bytes are our limbs verbatim). Multiplication is
// Montgomery's CIOS with the "no final carry" shortcut, valid because the top limb of both BN254
// moduli is < 2^62: the running total then never needs a fifth limb.
#pragma once
#include <cstdint>
#include <string>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "u256.hpp"

namespace zkm {

struct FqParams {
  // q = 21888242871839275222246405745257275088696311157297823662689037894645226208583 (base field)
  static constexpr uint64_t MOD[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
  static constexpr uint64_t ONE[4] = {0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL};  // R mod q
  static constexpr uint64_t R2[4] = {0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL};   // R^2 mod q
  static constexpr uint64_t INV = 0x87d20782e4866389ULL;  // -q^-1 mod 2^64
};

struct FrParams {
  // r = 21888242871839275222246405745257275088548364400416034343698204186575808495617 (group order)
  static constexpr uint64_t MOD[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
  static constexpr uint64_t ONE[4] = {0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL, 0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL};
  static constexpr uint64_t R2[4] = {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL};
  static constexpr uint64_t INV = 0xc2e1f593efffffffULL;  // -r^-1 mod 2^64
};

template <class P>
struct Fp {
  static_assert(P::MOD[3] < 0x3fffffffffffffffULL, "the no-carry Montgomery product needs a modulus < 2^254");
  uint64_t v[4];

  static Fp zero() { return Fp{{0, 0, 0, 0}}; }
  static Fp one() { return Fp{{P::ONE[0], P::ONE[1], P::ONE[2], P::ONE[3]}}; }
  static U256 modulus() { return U256{{P::MOD[0], P::MOD[1], P::MOD[2], P::MOD[3]}}; }

  bool is_zero() const { return (v[0] | v[1] | v[2] | v[3]) == 0; }
  bool operator==(const Fp& o) const { return v[0] == o.v[0] && v[1] == o.v[1] && v[2] == o.v[2] && v[3] == o.v[3]; }
  bool operator!=(const Fp& o) const { return !(*this == o); }

  // Raw limbs as they are (already Montgomery): the layout of points in a .zkey.
  static Fp from_mont_limbs(const U256& m) { return Fp{{m.w[0], m.w[1], m.w[2], m.w[3]}}; }
  U256 mont_limbs() const { return U256{{v[0], v[1], v[2], v[3]}}; }

  // Plain value x (< p assumed; reduced once if not) -> xR.
  static Fp from_u256(const U256& x);
  // xR -> x, fully reduced.
  U256 to_u256() const;
  static Fp from_u64(uint64_t x) { return from_u256(u256_from_u64(x)); }
  std::string to_decimal() const { return u256_to_decimal(to_u256()); }
};

typedef Fp<FqParams> Fq;
typedef Fp<FrParams> Fr;

// ---------------------------------------------------------------------------- limb primitives
// Carry chains through _addcarry_u64 / _subborrow_u64 on x86-64 (GCC turns them into adc / sbb
// sequences), plain unsigned __int128 elsewhere. 64x64->128 products always go through __int128
// (mul or, with BMI2, mulx).

inline uint64_t mul_wide(uint64_t a, uint64_t b, uint64_t* hi) {
  u128 p = (u128)a * b;
  *hi = (uint64_t)(p >> 64);
  return (uint64_t)p;
}

#if defined(__x86_64__) && !defined(ZKM_PORTABLE)
inline unsigned char addc(unsigned char c, uint64_t a, uint64_t b, uint64_t* out) {
  unsigned long long o;
  c = _addcarry_u64(c, a, b, &o);
  *out = o;
  return c;
}
inline unsigned char subb(unsigned char c, uint64_t a, uint64_t b, uint64_t* out) {
  unsigned long long o;
  c = _subborrow_u64(c, a, b, &o);
  *out = o;
  return c;
}
#else
inline unsigned char addc(unsigned char c, uint64_t a, uint64_t b, uint64_t* out) {
  u128 s = (u128)a + b + c;
  *out = (uint64_t)s;
  return (unsigned char)(s >> 64);
}
inline unsigned char subb(unsigned char c, uint64_t a, uint64_t b, uint64_t* out) {
  u128 d = (u128)a - b - c;
  *out = (uint64_t)d;
  return (unsigned char)((d >> 64) & 1);
}
#endif

// ---------------------------------------------------------------------------- arithmetic

// r = a * b * R^-1 mod p (CIOS, one row per limb of b). a, b < p gives r < p.
// Each row adds the low halves of a*b[i] (then of m*p) in one carry chain and the high halves,
// shifted by a limb, in a second one.
template <class P>
inline void mont_mul_limbs(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
  const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4;
  uint64_t l0, l1, l2, l3, h0, h1, h2, h3;
  unsigned char c;
  for (int i = 0; i < 4; i++) {
    const uint64_t bi = b[i];
    // t += a * b[i]  (t4 takes the top word)
    l0 = mul_wide(a0, bi, &h0);
    l1 = mul_wide(a1, bi, &h1);
    l2 = mul_wide(a2, bi, &h2);
    l3 = mul_wide(a3, bi, &h3);
    c = addc(0, t0, l0, &t0);
    c = addc(c, t1, l1, &t1);
    c = addc(c, t2, l2, &t2);
    c = addc(c, t3, l3, &t3);
    t4 = c;
    c = addc(0, t1, h0, &t1);
    c = addc(c, t2, h1, &t2);
    c = addc(c, t3, h2, &t3);
    addc(c, t4, h3, &t4);
    // t = (t + m p) / 2^64 with m making the low word vanish
    const uint64_t m = t0 * P::INV;
    l0 = mul_wide(m, P::MOD[0], &h0);
    l1 = mul_wide(m, P::MOD[1], &h1);
    l2 = mul_wide(m, P::MOD[2], &h2);
    l3 = mul_wide(m, P::MOD[3], &h3);
    c = addc(0, t0, l0, &t0);  // t0 becomes 0; only the carry is kept
    c = addc(c, t1, l1, &t1);
    c = addc(c, t2, l2, &t2);
    c = addc(c, t3, l3, &t3);
    addc(c, t4, 0, &t4);
    c = addc(0, t1, h0, &t0);
    c = addc(c, t2, h1, &t1);
    c = addc(c, t3, h2, &t2);
    addc(c, t4, h3, &t3);  // t < 2p < 2^255: no carry out
  }
  // Final conditional subtraction (t < 2p).
  uint64_t s0, s1, s2, s3;
  c = subb(0, t0, P::MOD[0], &s0);
  c = subb(c, t1, P::MOD[1], &s1);
  c = subb(c, t2, P::MOD[2], &s2);
  c = subb(c, t3, P::MOD[3], &s3);
  const uint64_t keep = 0 - (uint64_t)c;  // all ones when t < p: keep t
  r[0] = (t0 & keep) | (s0 & ~keep);
  r[1] = (t1 & keep) | (s1 & ~keep);
  r[2] = (t2 & keep) | (s2 & ~keep);
  r[3] = (t3 & keep) | (s3 & ~keep);
}

template <class P>
inline Fp<P> operator*(const Fp<P>& a, const Fp<P>& b) {
  Fp<P> r;
  mont_mul_limbs<P>(r.v, a.v, b.v);
  return r;
}

template <class P>
inline Fp<P> sqr(const Fp<P>& a) {
  return a * a;
}

// Reduces x in [0, 2p) to [0, p).
template <class P>
inline void reduce_once(uint64_t x[4]) {
  uint64_t s0, s1, s2, s3;
  unsigned char c = subb(0, x[0], P::MOD[0], &s0);
  c = subb(c, x[1], P::MOD[1], &s1);
  c = subb(c, x[2], P::MOD[2], &s2);
  c = subb(c, x[3], P::MOD[3], &s3);
  const uint64_t keep = 0 - (uint64_t)c;
  x[0] = (x[0] & keep) | (s0 & ~keep);
  x[1] = (x[1] & keep) | (s1 & ~keep);
  x[2] = (x[2] & keep) | (s2 & ~keep);
  x[3] = (x[3] & keep) | (s3 & ~keep);
}

template <class P>
inline Fp<P> operator+(const Fp<P>& a, const Fp<P>& b) {
  // a + b < 2p < 2^255: no carry out of the top limb.
  uint64_t t0, t1, t2, t3, s0, s1, s2, s3;
  unsigned char c = addc(0, a.v[0], b.v[0], &t0);
  c = addc(c, a.v[1], b.v[1], &t1);
  c = addc(c, a.v[2], b.v[2], &t2);
  addc(c, a.v[3], b.v[3], &t3);
  c = subb(0, t0, P::MOD[0], &s0);
  c = subb(c, t1, P::MOD[1], &s1);
  c = subb(c, t2, P::MOD[2], &s2);
  c = subb(c, t3, P::MOD[3], &s3);
  const uint64_t keep = 0 - (uint64_t)c;
  return Fp<P>{{(t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep)}};
}

template <class P>
inline Fp<P> operator-(const Fp<P>& a, const Fp<P>& b) {
  uint64_t t0, t1, t2, t3;
  unsigned char c = subb(0, a.v[0], b.v[0], &t0);
  c = subb(c, a.v[1], b.v[1], &t1);
  c = subb(c, a.v[2], b.v[2], &t2);
  c = subb(c, a.v[3], b.v[3], &t3);
  // add p back when it went negative
  const uint64_t mask = 0 - (uint64_t)c;
  c = addc(0, t0, P::MOD[0] & mask, &t0);
  c = addc(c, t1, P::MOD[1] & mask, &t1);
  c = addc(c, t2, P::MOD[2] & mask, &t2);
  addc(c, t3, P::MOD[3] & mask, &t3);
  return Fp<P>{{t0, t1, t2, t3}};
}

template <class P>
inline Fp<P> operator-(const Fp<P>& a) {
  return Fp<P>::zero() - a;
}

template <class P>
inline Fp<P> dbl(const Fp<P>& a) {
  return a + a;
}

template <class P>
inline Fp<P>& operator+=(Fp<P>& a, const Fp<P>& b) { return a = a + b; }
template <class P>
inline Fp<P>& operator-=(Fp<P>& a, const Fp<P>& b) { return a = a - b; }
template <class P>
inline Fp<P>& operator*=(Fp<P>& a, const Fp<P>& b) { return a = a * b; }

// a^e for a plain exponent e (square and multiply, most significant bit first).
template <class P>
inline Fp<P> pow(const Fp<P>& a, const U256& e) {
  Fp<P> r = Fp<P>::one();
  for (int i = u256_bitlen(e) - 1; i >= 0; i--) {
    r = sqr(r);
    if (u256_bit(e, (unsigned)i)) r = r * a;
  }
  return r;
}

// a^-1 = a^(p-2) (Fermat); the inverse of 0 is taken to be 0.
template <class P>
inline Fp<P> inv(const Fp<P>& a) {
  U256 e = Fp<P>::modulus();
  U256 two = u256_from_u64(2);
  u256_sub(e, two);
  return pow(a, e);
}

// a^-1 by the binary extended Euclidean algorithm, in variable time: for the MSM's batch
// inversions, whose running time is data-dependent anyway (buckets), where Fermat's 254 squarings
// and ~130 products (a chain of dependent products) cost several times more. The inverse of 0 is 0.
// The algorithm inverts the integer held in the limbs, xR: (xR)^-1 = x^-1 R^-1, and a Montgomery
// product with R^3 turns that into x^-1 R.
template <class P>
inline Fp<P> inv_vartime(const Fp<P>& a) {
  if (a.is_zero()) return a;
  uint64_t u[4] = {a.v[0], a.v[1], a.v[2], a.v[3]};
  uint64_t v[4] = {P::MOD[0], P::MOD[1], P::MOD[2], P::MOD[3]};
  uint64_t x1[4] = {1, 0, 0, 0}, x2[4] = {0, 0, 0, 0};
  // invariants: x1 a = u and x2 a = v (mod p), u, v > 0, x1, x2 < p; gcd(u, v) = 1 throughout
  auto is_one = [](const uint64_t t[4]) { return t[0] == 1 && (t[1] | t[2] | t[3]) == 0; };
  auto shr1 = [](uint64_t t[4]) {
    t[0] = (t[0] >> 1) | (t[1] << 63);
    t[1] = (t[1] >> 1) | (t[2] << 63);
    t[2] = (t[2] >> 1) | (t[3] << 63);
    t[3] >>= 1;
  };
  auto half_mod = [&](uint64_t t[4]) {  // t / 2 mod p: add p first when t is odd (t + p < 2^255)
    if (t[0] & 1) {
      unsigned char c = addc(0, t[0], P::MOD[0], &t[0]);
      c = addc(c, t[1], P::MOD[1], &t[1]);
      c = addc(c, t[2], P::MOD[2], &t[2]);
      addc(c, t[3], P::MOD[3], &t[3]);
    }
    shr1(t);
  };
  auto sub_mod = [](uint64_t t[4], const uint64_t w[4]) {  // t = t - w mod p
    unsigned char c = subb(0, t[0], w[0], &t[0]);
    c = subb(c, t[1], w[1], &t[1]);
    c = subb(c, t[2], w[2], &t[2]);
    c = subb(c, t[3], w[3], &t[3]);
    const uint64_t mask = 0 - (uint64_t)c;
    c = addc(0, t[0], P::MOD[0] & mask, &t[0]);
    c = addc(c, t[1], P::MOD[1] & mask, &t[1]);
    c = addc(c, t[2], P::MOD[2] & mask, &t[2]);
    addc(c, t[3], P::MOD[3] & mask, &t[3]);
  };
  // t = t - w, returning false (and leaving t unchanged) when w > t
  auto sub_if_ge = [](uint64_t t[4], const uint64_t w[4]) {
    uint64_t d[4];
    unsigned char c = subb(0, t[0], w[0], &d[0]);
    c = subb(c, t[1], w[1], &d[1]);
    c = subb(c, t[2], w[2], &d[2]);
    c = subb(c, t[3], w[3], &d[3]);
    if (c) return false;
    t[0] = d[0], t[1] = d[1], t[2] = d[2], t[3] = d[3];
    return true;
  };
  while (!is_one(u) && !is_one(v)) {
    while ((u[0] & 1) == 0) {
      shr1(u);
      half_mod(x1);
    }
    while ((v[0] & 1) == 0) {
      shr1(v);
      half_mod(x2);
    }
    if (sub_if_ge(u, v)) {
      sub_mod(x1, x2);
    } else {
      sub_if_ge(v, u);
      sub_mod(x2, x1);
    }
  }
  const uint64_t* x = is_one(u) ? x1 : x2;
  static const Fp<P> r3 = Fp<P>{{P::R2[0], P::R2[1], P::R2[2], P::R2[3]}} * Fp<P>{{P::R2[0], P::R2[1], P::R2[2], P::R2[3]}};  // R^3
  return Fp<P>{{x[0], x[1], x[2], x[3]}} * r3;
}

template <class P>
Fp<P> Fp<P>::from_u256(const U256& x) {
  uint64_t t[4] = {x.w[0], x.w[1], x.w[2], x.w[3]};
  // x < 2^256 < 4p may need up to three subtractions
  for (int k = 0; k < 3; k++) {
    U256 tt{{t[0], t[1], t[2], t[3]}};
    if (u256_cmp(tt, modulus()) >= 0) {
      u256_sub(tt, modulus());
      for (int i = 0; i < 4; i++) t[i] = tt.w[i];
    }
  }
  Fp r;
  mont_mul_limbs<P>(r.v, t, P::R2);  // x * R^2 * R^-1 = xR
  return r;
}

template <class P>
U256 Fp<P>::to_u256() const {
  static const uint64_t ONE_PLAIN[4] = {1, 0, 0, 0};
  uint64_t t[4];
  mont_mul_limbs<P>(t, v, ONE_PLAIN);  // xR * 1 * R^-1 = x
  return U256{{t[0], t[1], t[2], t[3]}};
}

// Inverts n nonzero elements in place with one inversion (Montgomery's trick: 3 products per
// element). scratch: n elements.
template <class P>
void batch_inverse_nonzero(Fp<P>* a, size_t n, Fp<P>* scratch) {
  if (n == 0) return;
  Fp<P> acc = Fp<P>::one();
  for (size_t i = 0; i < n; i++) {
    scratch[i] = acc;
    acc = acc * a[i];
  }
  Fp<P> ia = inv(acc);
  for (size_t i = n; i-- > 0;) {
    const Fp<P> t = ia * scratch[i];
    ia = ia * a[i];
    a[i] = t;
  }
}

}  // namespace zkm
