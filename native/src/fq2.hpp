// Fq2 = Fq[u] / (u^2 + 1), BN254's quadratic extension (ffjavascript's F2 with non-residue -1).
// Stored as c0 then c1, each a Montgomery Fq: the .zkey layout of a G2 coordinate.
#pragma once
#include "field.hpp"

namespace zkm {

struct Fq2 {
  Fq c0, c1;

  static Fq2 zero() { return Fq2{Fq::zero(), Fq::zero()}; }
  static Fq2 one() { return Fq2{Fq::one(), Fq::zero()}; }
  bool is_zero() const { return c0.is_zero() && c1.is_zero(); }
  bool operator==(const Fq2& o) const { return c0 == o.c0 && c1 == o.c1; }
  bool operator!=(const Fq2& o) const { return !(*this == o); }
};

inline Fq2 operator+(const Fq2& a, const Fq2& b) { return Fq2{a.c0 + b.c0, a.c1 + b.c1}; }
inline Fq2 operator-(const Fq2& a, const Fq2& b) { return Fq2{a.c0 - b.c0, a.c1 - b.c1}; }
inline Fq2 operator-(const Fq2& a) { return Fq2{-a.c0, -a.c1}; }
inline Fq2 dbl(const Fq2& a) { return Fq2{a.c0 + a.c0, a.c1 + a.c1}; }

// (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u  (Karatsuba, 3 products)
inline Fq2 operator*(const Fq2& a, const Fq2& b) {
  const Fq v0 = a.c0 * b.c0;
  const Fq v1 = a.c1 * b.c1;
  const Fq s = (a.c0 + a.c1) * (b.c0 + b.c1);
  return Fq2{v0 - v1, s - v0 - v1};
}

// (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u
inline Fq2 sqr(const Fq2& a) {
  const Fq m = a.c0 * a.c1;
  return Fq2{(a.c0 + a.c1) * (a.c0 - a.c1), m + m};
}

// Multiplication by an element of the base field.
inline Fq2 operator*(const Fq2& a, const Fq& k) { return Fq2{a.c0 * k, a.c1 * k}; }

// 1 / (a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2); the inverse of 0 is 0.
inline Fq2 inv(const Fq2& a) {
  const Fq t = inv(sqr(a.c0) + sqr(a.c1));
  return Fq2{a.c0 * t, -(a.c1 * t)};
}

inline Fq2& operator+=(Fq2& a, const Fq2& b) { return a = a + b; }
inline Fq2& operator-=(Fq2& a, const Fq2& b) { return a = a - b; }
inline Fq2& operator*=(Fq2& a, const Fq2& b) { return a = a * b; }

// Inverts n nonzero elements in place with a single Fq inversion, through their norms:
// 1/a = conj(a) / N(a), N(a) = a0^2 + a1^2 in Fq; the norms are inverted with Montgomery's trick
// in Fq. 7 Fq products per element (against 9 for the trick run in Fq2). scratch: n elements.
inline void batch_inverse_nonzero(Fq2* a, size_t n, Fq2* scratch) {
  if (n == 0) return;
  // scratch[i].c0 = N(a_i), scratch[i].c1 = N(a_0) ... N(a_{i-1})
  Fq acc = Fq::one();
  for (size_t i = 0; i < n; i++) {
    const Fq nrm = sqr(a[i].c0) + sqr(a[i].c1);
    scratch[i].c0 = nrm;
    scratch[i].c1 = acc;
    acc = acc * nrm;
  }
  Fq ia = inv(acc);
  for (size_t i = n; i-- > 0;) {
    const Fq ni = ia * scratch[i].c1;  // 1 / N(a_i)
    ia = ia * scratch[i].c0;
    a[i] = Fq2{a[i].c0 * ni, -(a[i].c1 * ni)};
  }
}

}  // namespace zkm
