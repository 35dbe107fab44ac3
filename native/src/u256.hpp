// 256-bit unsigned integers as 4 little-endian 64-bit limbs: the plain (non-Montgomery) values that
// the .wtns file stores and the proof JSON prints, and the helpers to parse / print them.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace zkm {

typedef unsigned __int128 u128;

struct U256 {
  uint64_t w[4];
};

inline U256 u256_zero() { return U256{{0, 0, 0, 0}}; }
inline U256 u256_from_u64(uint64_t x) { return U256{{x, 0, 0, 0}}; }

inline bool u256_is_zero(const U256& a) { return (a.w[0] | a.w[1] | a.w[2] | a.w[3]) == 0; }

// -1, 0, 1 as a <, ==, > b.
inline int u256_cmp(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; i--) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  }
  return 0;
}

// a += b, returns the carry out.
inline uint64_t u256_add(U256& a, const U256& b) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a.w[i] + b.w[i];
    a.w[i] = (uint64_t)c;
    c >>= 64;
  }
  return (uint64_t)c;
}

// a -= b, returns the borrow out (1 when b > a).
inline uint64_t u256_sub(U256& a, const U256& b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a.w[i] - b.w[i] - borrow;
    a.w[i] = (uint64_t)d;
    borrow = (uint64_t)(d >> 64) & 1;
  }
  return borrow;
}

inline unsigned u256_bit(const U256& a, unsigned i) { return i >= 256 ? 0 : (unsigned)((a.w[i >> 6] >> (i & 63)) & 1); }

inline int u256_bitlen(const U256& a) {
  for (int i = 3; i >= 0; i--) {
    if (a.w[i]) return i * 64 + 64 - __builtin_clzll(a.w[i]);
  }
  return 0;
}

// Little-endian bytes (as .wtns / .zkey store them) <-> limbs. memcpy: sections need not be 8-byte
// aligned in the file. The limb order is the file's byte order only on a little-endian host.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zkmargin-prover assumes a little-endian host"
#endif
inline U256 u256_load_le(const uint8_t* p) {
  U256 r;
  std::memcpy(r.w, p, 32);
  return r;
}
inline void u256_store_le(const U256& a, uint8_t* p) { std::memcpy(p, a.w, 32); }

// Parses a non-empty decimal string; false on any non-digit or a value >= 2^256.
inline bool u256_parse_decimal(const std::string& s, U256& out) {
  if (s.empty() || s.size() > 80) return false;
  U256 r = u256_zero();
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    // r = r * 10 + digit
    u128 c = (u128)(ch - '0');
    for (int i = 0; i < 4; i++) {
      c += (u128)r.w[i] * 10;
      r.w[i] = (uint64_t)c;
      c >>= 64;
    }
    if (c) return false;
  }
  out = r;
  return true;
}

inline std::string u256_to_decimal(U256 a) {
  if (u256_is_zero(a)) return "0";
  char buf[96];
  int pos = 95;
  buf[pos] = 0;
  const uint64_t base = 10000000000000000000ULL;  // 10^19
  while (!u256_is_zero(a)) {
    // a, rem = divmod(a, 10^19), from the top limb down
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
      u128 cur = (rem << 64) | a.w[i];
      a.w[i] = (uint64_t)(cur / base);
      rem = cur % base;
    }
    uint64_t chunk = (uint64_t)rem;
    bool more = !u256_is_zero(a);
    for (int d = 0; d < 19 && (more || chunk); d++) {
      buf[--pos] = (char)('0' + chunk % 10);
      chunk /= 10;
    }
  }
  return std::string(buf + pos);
}

}  // namespace zkm
