// zkmargin's stand-in for circom's fr.hpp: BN254's scalar field as circom's generated C++ uses it,
// implemented in fr.cpp on zkmargin's own Montgomery arithmetic (native/src/field.hpp), without GMP
// or assembly. Values follow circom's element layout (the .dat file stores constants this way):
//   Fr_SHORT            shortVal holds a signed 32-bit value (negative v stands for p + v)
//   Fr_LONG             longVal holds the value, 0 <= v < p
//   Fr_LONGMONTGOMERY   longVal holds v * 2^256 mod p
// The operations reproduce the semantics of circom's wasm runtime, the reference the witness is
// compared with: see fr.cpp.
#ifndef ZKM_WITNESS_FR_HPP
#define ZKM_WITNESS_FR_HPP

#include <cstdint>
#include <cstring>
#include <string>

#define Fr_N64 4
#define Fr_SHORT 0x00000000
#define Fr_LONG 0x80000000
#define Fr_LONGMONTGOMERY 0xC0000000

typedef uint64_t FrRawElement[Fr_N64];
typedef struct __attribute__((__packed__)) {
  int32_t shortVal;
  uint32_t type;
  FrRawElement longVal;
} FrElement;
typedef FrElement* PFrElement;

extern FrElement Fr_q;

// The generated code is compiled without optimisation (see README.md): what it calls most is
// forced inline.
#define ZKM_WITNESS_INLINE inline __attribute__((always_inline))

ZKM_WITNESS_INLINE void Fr_copy(PFrElement r, const FrElement* a) { *r = *a; }
inline void Fr_copyn(PFrElement r, const FrElement* a, int n) { std::memmove(r, a, sizeof(FrElement) * (size_t)n); }

// For each of the n triples (D, S, m), in order: lvar[D + j] = constants[S + j] for j < m (see
// compactConstantCopies in src/prove/nativeWitness.ts).
void Fr_copyConstants(FrElement* lvar, const FrElement* constants, const uint32_t* runs, uint32_t n);

void Fr_add(PFrElement r, PFrElement a, PFrElement b);
void Fr_sub(PFrElement r, PFrElement a, PFrElement b);
void Fr_neg(PFrElement r, PFrElement a);
void Fr_mul(PFrElement r, PFrElement a, PFrElement b);
void Fr_square(PFrElement r, PFrElement a);
void Fr_band(PFrElement r, PFrElement a, PFrElement b);
void Fr_bor(PFrElement r, PFrElement a, PFrElement b);
void Fr_bxor(PFrElement r, PFrElement a, PFrElement b);
void Fr_bnot(PFrElement r, PFrElement a);
void Fr_shl(PFrElement r, PFrElement a, PFrElement b);
void Fr_shr(PFrElement r, PFrElement a, PFrElement b);
void Fr_eq(PFrElement r, PFrElement a, PFrElement b);
void Fr_neq(PFrElement r, PFrElement a, PFrElement b);
void Fr_lt(PFrElement r, PFrElement a, PFrElement b);
void Fr_gt(PFrElement r, PFrElement a, PFrElement b);
void Fr_leq(PFrElement r, PFrElement a, PFrElement b);
void Fr_geq(PFrElement r, PFrElement a, PFrElement b);
void Fr_land(PFrElement r, PFrElement a, PFrElement b);
void Fr_lor(PFrElement r, PFrElement a, PFrElement b);
void Fr_lnot(PFrElement r, PFrElement a);
void Fr_idiv(PFrElement r, PFrElement a, PFrElement b);
void Fr_mod(PFrElement r, PFrElement a, PFrElement b);
void Fr_inv(PFrElement r, PFrElement a);
void Fr_div(PFrElement r, PFrElement a, PFrElement b);
void Fr_pow(PFrElement r, PFrElement a, PFrElement b);
void Fr_toNormal(PFrElement r, PFrElement a);
void Fr_toLongNormal(PFrElement r, PFrElement a);
void Fr_toMontgomery(PFrElement r, PFrElement a);

int Fr_isTrueLong(PFrElement a);
int Fr_toIntLong(PFrElement a);
ZKM_WITNESS_INLINE int Fr_isTrue(PFrElement a) { return (a->type & Fr_LONG) ? Fr_isTrueLong(a) : a->shortVal != 0; }
ZKM_WITNESS_INLINE int Fr_toInt(PFrElement a) { return (a->type & Fr_LONG) ? Fr_toIntLong(a) : a->shortVal; }
[[noreturn]] void Fr_fail();

// Parses digits in `base` (2, 8, 10, 16) into an element (the value mod p); false on a bad digit.
bool Fr_parse(PFrElement r, const char* s, size_t n, unsigned base);
void Fr_str2element(PFrElement r, char const* s, unsigned base);
// A new[]'d string (circom's contract): the decimal value in [0, p).
char* Fr_element2str(PFrElement a);
// The value in [0, p) as little-endian limbs.
void Fr_toRaw(uint64_t out[4], const FrElement* a);

#endif
