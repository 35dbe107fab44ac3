// BN254 scalar field operations for circom's generated C++, on zkmargin's Montgomery arithmetic.
//
// Every operation is defined on values, the representatives v in [0, p): the tags (short, long,
// Montgomery) only choose how a value is held, as in circom's own runtimes. Where circom's
// operations are not plain field arithmetic, this follows its wasm runtime (the reference the
// snarkjs witness comes from), checked by test/native/witness.test.ts:
//   - a value is negative when v > (p - 1) / 2, and stands for v - p (comparisons, shifts, toInt);
//   - < > <= >= compare those signed values;
//   - \ and % divide the representatives as unsigned integers;
//   - & | ^ ~ and << act on the representatives, then keep the low 254 bits and subtract p once if
//     the result is >= p; >> shifts the representative right;
//   - a << b and a >> b with a negative b shift the other way by -b; a shift by 254 or more is 0;
//   - ** raises to the representative of the exponent; / multiplies by the inverse, and the inverse
//     of 0 is 0 (x / 0 is 0), while \ and % by 0 refuse the input;
//   - toInt is the low 32 bits of v (or minus those of p - v when v is negative), unchecked.
#include "fr.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "../../src/field.hpp"
#include "failure.hpp"

using zkm::U256;
using Fp = zkm::Fr;


FrElement Fr_q = {0, Fr_LONG, {zkm::FrParams::MOD[0], zkm::FrParams::MOD[1], zkm::FrParams::MOD[2], zkm::FrParams::MOD[3]}};

namespace {

const U256 P = {{zkm::FrParams::MOD[0], zkm::FrParams::MOD[1], zkm::FrParams::MOD[2], zkm::FrParams::MOD[3]}};
// (p - 1) / 2: the largest non-negative value
const U256 HALF = {{0xa1f0fac9f8000000ULL, 0x9419f4243cdcb848ULL, 0xdc2822db40c0ac2eULL, 0x183227397098d014ULL}};

inline bool isLong(const FrElement* a) { return (a->type & Fr_LONG) != 0; }
inline bool isMont(const FrElement* a) { return (a->type & Fr_LONGMONTGOMERY) == Fr_LONGMONTGOMERY; }

inline U256 rawOf(const FrElement* a) { return U256{{a->longVal[0], a->longVal[1], a->longVal[2], a->longVal[3]}}; }

// p - x for 0 < x <= p
inline U256 pMinus(U256 x) {
  U256 r = P;
  zkm::u256_sub(r, x);
  return r;
}

// The representative in [0, p).
inline U256 valueOf(const FrElement* a) {
  if (!isLong(a)) {
    const int64_t s = a->shortVal;
    if (s >= 0) return zkm::u256_from_u64((uint64_t)s);
    return pMinus(zkm::u256_from_u64((uint64_t)(-s)));
  }
  if (isMont(a)) return Fp::from_mont_limbs(rawOf(a)).to_u256();
  return rawOf(a);
}

inline Fp montOf(const FrElement* a) {
  if (!isLong(a)) {
    const int64_t s = a->shortVal;
    if (s >= 0) return Fp::from_u64((uint64_t)s);
    return -Fp::from_u64((uint64_t)(-s));
  }
  if (isMont(a)) return Fp::from_mont_limbs(rawOf(a));
  return Fp::from_u256(rawOf(a));
}

inline void setShort(PFrElement r, int32_t v) {
  r->shortVal = v;
  r->type = Fr_SHORT;
}
inline void setMont(PFrElement r, const Fp& v) {
  r->shortVal = 0;
  r->type = Fr_LONGMONTGOMERY;
  for (int i = 0; i < 4; i++) r->longVal[i] = v.v[i];
}
inline void setNormal(PFrElement r, const U256& v) {
  r->shortVal = 0;
  r->type = Fr_LONG;
  for (int i = 0; i < 4; i++) r->longVal[i] = v.w[i];
}
// A 64-bit signed result of short arithmetic: short when it fits, else long.
inline void setI64(PFrElement r, int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) {
    setShort(r, (int32_t)v);
  } else if (v >= 0) {
    setNormal(r, zkm::u256_from_u64((uint64_t)v));
  } else {
    setNormal(r, pMinus(zkm::u256_from_u64((uint64_t)0 - (uint64_t)v)));
  }
}

inline bool isNeg(const U256& v) { return zkm::u256_cmp(v, HALF) > 0; }

// -1, 0, 1 comparing the signed readings of a and b.
int signedCmp(const FrElement* a, const FrElement* b) {
  if (!isLong(a) && !isLong(b)) return a->shortVal < b->shortVal ? -1 : a->shortVal > b->shortVal ? 1 : 0;
  const U256 x = valueOf(a), y = valueOf(b);
  const bool nx = isNeg(x), ny = isNeg(y);
  if (nx != ny) return nx ? -1 : 1;
  return zkm::u256_cmp(x, y);
}

// Keep the low 254 bits, then subtract p once if the result is >= p (circom's adjustBinResult).
inline U256 adjust(U256 v) {
  v.w[3] &= 0x3fffffffffffffffULL;
  if (zkm::u256_cmp(v, P) >= 0) zkm::u256_sub(v, P);
  return v;
}

U256 shlRaw(const U256& a, unsigned n) {
  U256 r = zkm::u256_zero();
  if (n >= 256) return r;
  const unsigned words = n / 64, bits = n % 64;
  for (int i = 3; i >= (int)words; i--) {
    uint64_t w = a.w[i - words] << bits;
    if (bits && i - (int)words - 1 >= 0) w |= a.w[i - words - 1] >> (64 - bits);
    r.w[i] = w;
  }
  return r;
}

U256 shrRaw(const U256& a, unsigned n) {
  U256 r = zkm::u256_zero();
  if (n >= 256) return r;
  const unsigned words = n / 64, bits = n % 64;
  for (unsigned i = 0; i + words < 4; i++) {
    uint64_t w = a.w[i + words] >> bits;
    if (bits && i + words + 1 < 4) w |= a.w[i + words + 1] << (64 - bits);
    r.w[i] = w;
  }
  return r;
}

// Unsigned a / b and a % b (b != 0), bit by bit: rare in circuits.
void divmod(const U256& a, const U256& b, U256& q, U256& rem) {
  q = zkm::u256_zero();
  rem = zkm::u256_zero();
  for (int i = zkm::u256_bitlen(a) - 1; i >= 0; i--) {
    rem = shlRaw(rem, 1);
    rem.w[0] |= zkm::u256_bit(a, (unsigned)i);
    if (zkm::u256_cmp(rem, b) >= 0) {
      zkm::u256_sub(rem, b);
      q.w[i / 64] |= 1ULL << (i % 64);
    }
  }
}

[[noreturn]] void fail(const std::string& what) { throw zkm_witness::Failure(what); }

// Shift by a signed amount: positive left, negative right; |n| >= 254 gives 0.
void shiftBy(PFrElement r, PFrElement a, PFrElement b, bool left) {
  U256 n = valueOf(b);
  if (isNeg(n)) {
    n = pMinus(n);
    left = !left;
  }
  if (n.w[1] | n.w[2] | n.w[3] || n.w[0] >= 254) {
    setShort(r, 0);
    return;
  }
  const unsigned k = (unsigned)n.w[0];
  const U256 v = valueOf(a);
  setNormal(r, left ? adjust(shlRaw(v, k)) : shrRaw(v, k));
}

}  // namespace

void Fr_copyConstants(FrElement* lvar, const FrElement* constants, const uint32_t* runs, uint32_t n) {
  for (uint32_t k = 0; k < n; k++, runs += 3) std::memcpy(&lvar[runs[0]], &constants[runs[1]], sizeof(FrElement) * runs[2]);
}

void Fr_add(PFrElement r, PFrElement a, PFrElement b) {
  if (!isLong(a) && !isLong(b)) return setI64(r, (int64_t)a->shortVal + b->shortVal);
  setMont(r, montOf(a) + montOf(b));
}

void Fr_sub(PFrElement r, PFrElement a, PFrElement b) {
  if (!isLong(a) && !isLong(b)) return setI64(r, (int64_t)a->shortVal - b->shortVal);
  setMont(r, montOf(a) - montOf(b));
}

void Fr_neg(PFrElement r, PFrElement a) {
  if (!isLong(a)) return setI64(r, -(int64_t)a->shortVal);
  setMont(r, -montOf(a));
}

void Fr_mul(PFrElement r, PFrElement a, PFrElement b) {
  if (!isLong(a) && !isLong(b)) return setI64(r, (int64_t)a->shortVal * b->shortVal);
  setMont(r, montOf(a) * montOf(b));
}

void Fr_square(PFrElement r, PFrElement a) { Fr_mul(r, a, a); }

void Fr_band(PFrElement r, PFrElement a, PFrElement b) {
  const U256 x = valueOf(a), y = valueOf(b);
  setNormal(r, adjust(U256{{x.w[0] & y.w[0], x.w[1] & y.w[1], x.w[2] & y.w[2], x.w[3] & y.w[3]}}));
}
void Fr_bor(PFrElement r, PFrElement a, PFrElement b) {
  const U256 x = valueOf(a), y = valueOf(b);
  setNormal(r, adjust(U256{{x.w[0] | y.w[0], x.w[1] | y.w[1], x.w[2] | y.w[2], x.w[3] | y.w[3]}}));
}
void Fr_bxor(PFrElement r, PFrElement a, PFrElement b) {
  const U256 x = valueOf(a), y = valueOf(b);
  setNormal(r, adjust(U256{{x.w[0] ^ y.w[0], x.w[1] ^ y.w[1], x.w[2] ^ y.w[2], x.w[3] ^ y.w[3]}}));
}
void Fr_bnot(PFrElement r, PFrElement a) {
  const U256 x = valueOf(a);
  setNormal(r, adjust(U256{{~x.w[0], ~x.w[1], ~x.w[2], ~x.w[3]}}));
}

void Fr_shl(PFrElement r, PFrElement a, PFrElement b) { shiftBy(r, a, b, true); }
void Fr_shr(PFrElement r, PFrElement a, PFrElement b) { shiftBy(r, a, b, false); }

void Fr_eq(PFrElement r, PFrElement a, PFrElement b) {
  if (!isLong(a) && !isLong(b)) return setShort(r, a->shortVal == b->shortVal);
  const U256 x = valueOf(a), y = valueOf(b);
  setShort(r, zkm::u256_cmp(x, y) == 0);
}
void Fr_neq(PFrElement r, PFrElement a, PFrElement b) {
  Fr_eq(r, a, b);
  r->shortVal = !r->shortVal;
}
void Fr_lt(PFrElement r, PFrElement a, PFrElement b) { setShort(r, signedCmp(a, b) < 0); }
void Fr_gt(PFrElement r, PFrElement a, PFrElement b) { setShort(r, signedCmp(a, b) > 0); }
void Fr_leq(PFrElement r, PFrElement a, PFrElement b) { setShort(r, signedCmp(a, b) <= 0); }
void Fr_geq(PFrElement r, PFrElement a, PFrElement b) { setShort(r, signedCmp(a, b) >= 0); }

void Fr_land(PFrElement r, PFrElement a, PFrElement b) { setShort(r, Fr_isTrue(a) && Fr_isTrue(b)); }
void Fr_lor(PFrElement r, PFrElement a, PFrElement b) { setShort(r, Fr_isTrue(a) || Fr_isTrue(b)); }
void Fr_lnot(PFrElement r, PFrElement a) { setShort(r, !Fr_isTrue(a)); }

void Fr_idiv(PFrElement r, PFrElement a, PFrElement b) {
  const U256 y = valueOf(b);
  if (zkm::u256_is_zero(y)) fail("integer division by zero (\\)");
  U256 q, rem;
  divmod(valueOf(a), y, q, rem);
  setNormal(r, q);
}

void Fr_mod(PFrElement r, PFrElement a, PFrElement b) {
  const U256 y = valueOf(b);
  if (zkm::u256_is_zero(y)) fail("modulo by zero (%)");
  U256 q, rem;
  divmod(valueOf(a), y, q, rem);
  setNormal(r, rem);
}

// The inverse of 0 is 0, as in the wasm runtime: x / 0 is 0 there, not an error (whereas \ and %
// by 0 trap).
void Fr_inv(PFrElement r, PFrElement a) { setMont(r, zkm::inv(montOf(a))); }

void Fr_div(PFrElement r, PFrElement a, PFrElement b) {
  FrElement t;
  Fr_inv(&t, b);
  Fr_mul(r, a, &t);
}

void Fr_pow(PFrElement r, PFrElement a, PFrElement b) { setMont(r, zkm::pow(montOf(a), valueOf(b))); }

void Fr_toNormal(PFrElement r, PFrElement a) {
  if (isMont(a)) return setNormal(r, valueOf(a));
  if (r != a) Fr_copy(r, a);
}
void Fr_toLongNormal(PFrElement r, PFrElement a) { setNormal(r, valueOf(a)); }
void Fr_toMontgomery(PFrElement r, PFrElement a) { setMont(r, montOf(a)); }

int Fr_isTrueLong(PFrElement a) {
  return (a->longVal[0] | a->longVal[1] | a->longVal[2] | a->longVal[3]) != 0;
}

int Fr_toIntLong(PFrElement a) {
  const U256 v = valueOf(a);
  if (isNeg(v)) return (int)(0u - (uint32_t)pMinus(v).w[0]);
  return (int)(uint32_t)v.w[0];
}

void Fr_fail() { fail("field operation failed"); }

bool Fr_parse(PFrElement r, const char* s, size_t n, unsigned base) {
  if (n == 0) return false;
  Fp acc = Fp::zero();
  const Fp b = Fp::from_u64(base);
  for (size_t i = 0; i < n; i++) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') d = 10u + (unsigned)(c - 'a');
    else if (c >= 'A' && c <= 'F') d = 10u + (unsigned)(c - 'A');
    else return false;
    if (d >= base) return false;
    acc = acc * b + Fp::from_u64(d);
  }
  setMont(r, acc);
  return true;
}

void Fr_str2element(PFrElement r, char const* s, unsigned base) {
  if (!Fr_parse(r, s, std::strlen(s), base)) fail(std::string("not a number: ") + s);
}

char* Fr_element2str(PFrElement a) {
  const std::string s = zkm::u256_to_decimal(valueOf(a));
  char* out = new char[s.size() + 1];
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

void Fr_toRaw(uint64_t out[4], const FrElement* a) {
  const U256 v = valueOf(a);
  for (int i = 0; i < 4; i++) out[i] = v.w[i];
}
