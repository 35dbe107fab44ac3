// BN254 G1 (over Fq) and G2 (over Fq2, the sextic twist) in Jacobian coordinates, both y^2 = x^3 + b
// with a = 0, written once as templates over the coordinate field F.
//
//   Jacobian (X, Y, Z) is the affine point (X / Z^2, Y / Z^3); Z = 0 is the point at infinity.
//   Affine (x, y) uses (0, 0) for infinity, as snarkjs / ffjavascript store it in a .zkey
//   ((0, 0) is never on the curve since b != 0).
//
// Formulas (explicit-formulas database, a = 0): doubling dbl-2009-l (2M + 5S), addition
// add-2007-bl (11M + 5S), mixed addition madd-2007-bl (7M + 4S). Each falls back to doubling when
// both inputs are the same point and returns infinity for P + (-P). BN254 has no point with y = 0
// (its groups have odd prime order), but doubling such an input still gives Z3 = 2YZ = 0, infinity.
#pragma once
#include "field.hpp"
#include "fq2.hpp"

namespace zkm {

template <class F>
struct Affine {
  F x, y;
  static Affine infinity() { return Affine{F::zero(), F::zero()}; }
  bool is_infinity() const { return x.is_zero() && y.is_zero(); }
  bool operator==(const Affine& o) const { return x == o.x && y == o.y; }
};

template <class F>
struct Jacobian {
  F X, Y, Z;
  static Jacobian infinity() { return Jacobian{F::one(), F::one(), F::zero()}; }
  bool is_infinity() const { return Z.is_zero(); }
};

typedef Affine<Fq> G1Affine;
typedef Affine<Fq2> G2Affine;
typedef Jacobian<Fq> G1Jac;
typedef Jacobian<Fq2> G2Jac;

template <class F>
inline Jacobian<F> to_jacobian(const Affine<F>& a) {
  if (a.is_infinity()) return Jacobian<F>::infinity();
  return Jacobian<F>{a.x, a.y, F::one()};
}

template <class F>
inline Affine<F> neg(const Affine<F>& a) {
  if (a.is_infinity()) return a;
  return Affine<F>{a.x, -a.y};
}

template <class F>
inline Jacobian<F> neg(const Jacobian<F>& a) {
  return Jacobian<F>{a.X, -a.Y, a.Z};
}

// 2P, dbl-2009-l.
template <class F>
inline Jacobian<F> jac_double(const Jacobian<F>& p) {
  if (p.Z.is_zero()) return p;
  const F A = sqr(p.X);
  const F B = sqr(p.Y);
  const F C = sqr(B);
  F D = sqr(p.X + B) - A - C;
  D = D + D;
  const F E = A + A + A;
  const F Fv = sqr(E);
  Jacobian<F> r;
  r.X = Fv - (D + D);
  F C8 = C + C;
  C8 = C8 + C8;
  C8 = C8 + C8;
  r.Y = E * (D - r.X) - C8;
  const F yz = p.Y * p.Z;
  r.Z = yz + yz;
  return r;
}

// P + Q for Jacobian P and affine Q, madd-2007-bl.
template <class F>
inline Jacobian<F> jac_add_mixed(const Jacobian<F>& p, const Affine<F>& q) {
  if (q.is_infinity()) return p;
  if (p.Z.is_zero()) return Jacobian<F>{q.x, q.y, F::one()};
  const F Z1Z1 = sqr(p.Z);
  const F U2 = q.x * Z1Z1;
  const F S2 = q.y * p.Z * Z1Z1;
  const F H = U2 - p.X;
  F rr = S2 - p.Y;
  if (H.is_zero()) {
    if (rr.is_zero()) return jac_double(p);  // same point
    return Jacobian<F>::infinity();          // P + (-P)
  }
  const F HH = sqr(H);
  F I = HH + HH;
  I = I + I;
  const F J = H * I;
  rr = rr + rr;
  const F V = p.X * I;
  Jacobian<F> r;
  r.X = sqr(rr) - J - (V + V);
  const F YJ = p.Y * J;
  r.Y = rr * (V - r.X) - (YJ + YJ);
  r.Z = sqr(p.Z + H) - Z1Z1 - HH;
  return r;
}

// P + Q, add-2007-bl.
template <class F>
inline Jacobian<F> jac_add(const Jacobian<F>& p, const Jacobian<F>& q) {
  if (p.Z.is_zero()) return q;
  if (q.Z.is_zero()) return p;
  const F Z1Z1 = sqr(p.Z);
  const F Z2Z2 = sqr(q.Z);
  const F U1 = p.X * Z2Z2;
  const F U2 = q.X * Z1Z1;
  const F S1 = p.Y * q.Z * Z2Z2;
  const F S2 = q.Y * p.Z * Z1Z1;
  const F H = U2 - U1;
  F rr = S2 - S1;
  if (H.is_zero()) {
    if (rr.is_zero()) return jac_double(p);
    return Jacobian<F>::infinity();
  }
  F I = H + H;
  I = sqr(I);
  const F J = H * I;
  rr = rr + rr;
  const F V = U1 * I;
  Jacobian<F> r;
  r.X = sqr(rr) - J - (V + V);
  const F SJ = S1 * J;
  r.Y = rr * (V - r.X) - (SJ + SJ);
  r.Z = (sqr(p.Z + q.Z) - Z1Z1 - Z2Z2) * H;
  return r;
}

template <class F>
inline Affine<F> to_affine(const Jacobian<F>& p) {
  if (p.Z.is_zero()) return Affine<F>::infinity();
  const F zi = inv(p.Z);
  const F zi2 = sqr(zi);
  return Affine<F>{p.X * zi2, p.Y * zi2 * zi};
}

template <class F>
inline bool jac_equal(const Jacobian<F>& p, const Jacobian<F>& q) {
  if (p.Z.is_zero() || q.Z.is_zero()) return p.Z.is_zero() && q.Z.is_zero();
  const F z1 = sqr(p.Z), z2 = sqr(q.Z);
  return p.X * z2 == q.X * z1 && p.Y * z2 * q.Z == q.Y * z1 * p.Z;
}

// k P for a plain 256-bit k (double and add, most significant bit first). Not constant time; used
// only for the handful of fixed-base terms of a proof (r delta, s delta, ...) and in tests.
template <class F>
inline Jacobian<F> scalar_mul(const Jacobian<F>& p, const U256& k) {
  Jacobian<F> r = Jacobian<F>::infinity();
  for (int i = u256_bitlen(k) - 1; i >= 0; i--) {
    r = jac_double(r);
    if (u256_bit(k, (unsigned)i)) r = jac_add(r, p);
  }
  return r;
}

// The curve constants b: 3 on G1, 3 / (9 + u) on the twist.
template <class F>
struct CurveB;
template <>
struct CurveB<Fq> {
  static Fq b() { return Fq::from_u64(3); }
};
template <>
struct CurveB<Fq2> {
  static Fq2 b() {
    const Fq2 xi{Fq::from_u64(9), Fq::from_u64(1)};
    return Fq2{Fq::from_u64(3), Fq::zero()} * inv(xi);
  }
};

template <class F>
inline bool on_curve(const Affine<F>& a) {
  if (a.is_infinity()) return true;
  return sqr(a.y) == sqr(a.x) * a.x + CurveB<F>::b();
}

}  // namespace zkm
