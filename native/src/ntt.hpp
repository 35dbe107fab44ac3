// Number-theoretic transform over Fr (radix 2, in place, Montgomery-form elements), matching
// ffjavascript's Fr.fft / Fr.ifft: natural order in and out,
//   fft:  out[k] = sum_j in[j] w^(jk)
//   ifft: out[k] = (1/n) sum_j in[j] w^(-jk)
// with w = Fr.w[log2 n], the root of unity ffjavascript derives from its non-residue 5:
// w[28] = 5^((r-1)/2^28), w[k] = w[28]^(2^(28-k)).
#pragma once
#include <vector>

#include "field.hpp"
#include "threads.hpp"

namespace zkm {

constexpr int FR_TWO_ADICITY = 28;

// Fr.w[k]: a primitive 2^k-th root of unity (k <= 28).
Fr fr_root_of_unity(int k);

// In-place transform of n = 2^log_n elements.
void ntt(Fr* a, int log_n, bool inverse, int threads);

// The same without the final 1/n of the inverse transform (for callers that fold it into a
// later pass).
void ntt_unscaled(Fr* a, int log_n, bool inverse, int threads);

// out[i] = first * inc^i (the factors of ffjavascript's Fr.batchApplyKey).
void powers_table(Fr* out, size_t n, const Fr& first, const Fr& inc, int threads);

}  // namespace zkm
