#include "ntt.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

#include "bigbuf.hpp"

namespace zkm {

Fr fr_root_of_unity(int k) {
  // t = (r - 1) / 2^28
  U256 t = Fr::modulus();
  t.w[0] -= 1;  // r is odd: no borrow
  for (int i = 0; i < FR_TWO_ADICITY; i++) {
    t.w[0] = (t.w[0] >> 1) | (t.w[1] << 63);
    t.w[1] = (t.w[1] >> 1) | (t.w[2] << 63);
    t.w[2] = (t.w[2] >> 1) | (t.w[3] << 63);
    t.w[3] >>= 1;
  }
  Fr w = pow(Fr::from_u64(5), t);
  for (int i = FR_TWO_ADICITY; i > k; i--) w = sqr(w);
  return w;
}

void powers_table(Fr* out, size_t n, const Fr& first, const Fr& inc, int threads) {
  parallel_for(n >= 4096 ? threads : 1, n, [&](size_t b, size_t e, int) {
    Fr x = first * pow(inc, u256_from_u64(b));
    for (size_t i = b; i < e; i++) {
      out[i] = x;
      x = x * inc;
    }
  });
}

namespace {

// Twiddle factors laid out per stage: for a butterfly span h (a power of two < n),
// tw[h + j] = w_{2h}^j for j < h, where w_{2h} = w^(n / 2h). One table of n entries serves every
// stage with contiguous reads. Built once per (size, direction) and kept for the process.
struct Twiddles {
  int log_n = -1;
  BigVec<Fr> tw;
};

const BigVec<Fr>& twiddles(int log_n, bool inverse, int threads) {
  static std::mutex mu;
  static Twiddles cache[2];
  std::lock_guard<std::mutex> lock(mu);
  Twiddles& t = cache[inverse ? 1 : 0];
  if (t.log_n == log_n) return t.tw;
  const size_t n = (size_t)1 << log_n;
  t.tw.assign(n, Fr::zero());
  Fr w = fr_root_of_unity(log_n);
  if (inverse) w = inv(w);
  const size_t top = n / 2;  // the last stage: w^j for j < n/2
  parallel_for(top >= 4096 ? threads : 1, top, [&](size_t b, size_t e, int) {
    Fr x = pow(w, u256_from_u64(b));
    for (size_t j = b; j < e; j++) {
      t.tw[top + j] = x;
      x = x * w;
    }
  });
  for (size_t h = top / 2; h >= 1; h /= 2) {
    for (size_t j = 0; j < h; j++) t.tw[h + j] = t.tw[top + j * (top / h)];
  }
  t.log_n = log_n;
  return t.tw;
}

// The bits of x in reverse order (the swap-mask method, then a byte swap).
inline uint64_t reverse_bits64(uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
  x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(x);
}

// Bit-reversal permutation, in parallel: each pair (i, rev(i)) is swapped by its smaller index only,
// so the threads touch disjoint pairs.
void bit_reverse(Fr* a, int log_n, int threads) {
  if (log_n == 0) return;
  const size_t n = (size_t)1 << log_n;
  parallel_for(n >= 4096 ? std::max(1, threads) : 1, n, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; i++) {
      const size_t j = (size_t)(reverse_bits64((uint64_t)i) >> (64 - log_n));
      if (i < j) std::swap(a[i], a[j]);
    }
  });
}

inline void butterfly(Fr& x, Fr& y, const Fr& t) {
  const Fr u = x, v = y * t;
  x = u + v;
  y = u - v;
}

}  // namespace

// Decimation in time after a bit-reversal permutation, arranged for the cache:
// * spans h < L (L = 2^LB elements, 128 KiB: fits a core's L2): each block of L contiguous
//   elements goes through all of these stages at once; blocks are spread over the threads;
// * spans h >= L: the stages only combine elements whose indices differ in their top
//   log2(n / L) bits, i.e. the n / L elements {r + k L} for each r < L. A group of R consecutive
//   r (n / L * R elements, again cache-sized) goes through all of these stages at once; groups are
//   spread over the threads. Each element is thus loaded from memory twice in all, not once per
//   stage.
static void ntt_core(Fr* a, int log_n, bool inverse, int threads) {
  const size_t n = (size_t)1 << log_n;
  if (n == 1) return;
  const BigVec<Fr>& tw = twiddles(log_n, inverse, threads);
  bit_reverse(a, log_n, threads);
  const int T = n >= 4096 ? std::max(1, threads) : 1;
  const int LB = std::min(log_n, 12);
  const size_t L = (size_t)1 << LB;
  parallel_for(T, n / L, [&](size_t b0, size_t b1, int) {
    for (size_t blk = b0; blk < b1; blk++) {
      Fr* x = a + blk * L;
      for (size_t i = 0; i < L; i += 2) {  // span 1: the twiddle is 1
        const Fr u = x[i], v = x[i + 1];
        x[i] = u + v;
        x[i + 1] = u - v;
      }
      for (size_t h = 2; h < L; h <<= 1) {
        for (size_t s = 0; s < L; s += 2 * h) {
          for (size_t j = 0; j < h; j++) butterfly(x[s + j], x[s + j + h], tw[h + j]);
        }
      }
    }
  });
  if (L == n) return;
  const size_t K = n / L;  // elements per column
  size_t R = L;
  while (R > 8 && K * R > ((size_t)1 << 13)) R >>= 1;
  // The columns sit L elements (a power of two, 128 KiB) apart, which maps them all onto the same
  // cache sets: copy each group into a contiguous scratch buffer first.
  parallel_for(T, L / R, [&](size_t g0, size_t g1, int) {
    BigVec<Fr> buf(K * R);
    for (size_t g = g0; g < g1; g++) {
      const size_t r0 = g * R;
      for (size_t k = 0; k < K; k++) std::copy(a + k * L + r0, a + k * L + r0 + R, buf.data() + k * R);
      for (size_t h = L; h < n; h <<= 1) {
        const size_t hk = h / L;  // span in columns
        for (size_t k = 0; k < K; k++) {
          if (k & hk) continue;  // k is the upper element of its pair
          // element i = r + k L pairs with i + h; its offset in the block is i mod h
          Fr* x = buf.data() + k * R;
          Fr* y = x + hk * R;
          const Fr* t = tw.data() + h + (k % hk) * L + r0;
          for (size_t r = 0; r < R; r++) butterfly(x[r], y[r], t[r]);
        }
      }
      for (size_t k = 0; k < K; k++) std::copy(buf.data() + k * R, buf.data() + (k + 1) * R, a + k * L + r0);
    }
  });
}

void ntt_unscaled(Fr* a, int log_n, bool inverse, int threads) { ntt_core(a, log_n, inverse, threads); }

void ntt(Fr* a, int log_n, bool inverse, int threads) {
  ntt_core(a, log_n, inverse, threads);
  if (inverse) {
    const size_t n = (size_t)1 << log_n;
    const Fr ninv = inv(Fr::from_u64(n));
    parallel_for(n >= 4096 ? threads : 1, n, [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; i++) a[i] = a[i] * ninv;
    });
  }
}

}  // namespace zkm
