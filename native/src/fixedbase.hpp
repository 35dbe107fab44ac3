// Fixed-base scalar multiplication: k G for many scalars k and one base G (G1 or G2), as a
// trusted setup needs it (every point of a dev .zkey is a known scalar times a generator).
//
// Algorithm: the scalar is cut into w-bit windows, k = sum_j d_j 2^(wj); a table holds
// d 2^(wj) G for every window j and digit d in 1 .. 2^w - 1, affine. Then k G is the sum of one
// table point per nonzero window: at most ceil(254 / w) mixed additions and no doublings.
// With w = 8: 32 windows, a table of 8,160 points (510 KiB in G1, 1 MiB in G2), about 32 mixed
// additions (7M + 4S each) per scalar. Results go to affine with one batched inversion per chunk.
#pragma once
#include <vector>

#include "curve.hpp"
#include "threads.hpp"

namespace zkm {

template <class F>
class FixedBase {
 public:
  explicit FixedBase(const Affine<F>& g, int window = 8) : w_(window), nwin_((254 + window - 1) / window), per_((1 << window) - 1) {
    std::vector<Jacobian<F>> jac((size_t)nwin_ * per_);
    Jacobian<F> base = to_jacobian(g);
    for (int j = 0; j < nwin_; j++) {
      Jacobian<F> acc = base;
      for (int d = 0; d < per_; d++) {
        jac[(size_t)j * per_ + d] = acc;
        acc = jac_add(acc, base);
      }
      for (int i = 0; i < w_; i++) base = jac_double(base);
    }
    table_.resize(jac.size());
    to_affine_batch(jac.data(), jac.size(), table_.data());
  }

  // k G for a plain scalar k < 2^254.
  Jacobian<F> mul(const U256& k) const {
    Jacobian<F> acc = Jacobian<F>::infinity();
    for (int j = 0; j < nwin_; j++) {
      const unsigned bit = (unsigned)(j * w_);
      const unsigned limb = bit >> 6, off = bit & 63;
      uint64_t d = k.w[limb] >> off;
      if (off + (unsigned)w_ > 64 && limb + 1 < 4) d |= k.w[limb + 1] << (64 - off);
      d &= (uint64_t)per_;
      if (d) acc = jac_add_mixed(acc, table_[(size_t)j * per_ + (d - 1)]);
    }
    return acc;
  }

  // out[i] = k[i] G in affine form ((0, 0) for k = 0); k in Montgomery form.
  void mul_many(const Fr* k, size_t n, Affine<F>* out, int threads) const {
    const size_t CHUNK = 2048;
    const size_t nchunks = (n + CHUNK - 1) / CHUNK;
    parallel_tasks(threads, nchunks, [&](size_t c, int) {
      const size_t b = c * CHUNK, e = std::min(n, b + CHUNK);
      std::vector<Jacobian<F>> jac(e - b);
      for (size_t i = b; i < e; i++) jac[i - b] = k[i].is_zero() ? Jacobian<F>::infinity() : mul(k[i].to_u256());
      to_affine_batch(jac.data(), jac.size(), out + b);
    });
  }

  // Jacobian -> affine for n points with one inversion ((0, 0) for infinity).
  static void to_affine_batch(const Jacobian<F>* p, size_t n, Affine<F>* out) {
    std::vector<F> z, scratch;
    std::vector<size_t> idx;
    z.reserve(n);
    idx.reserve(n);
    for (size_t i = 0; i < n; i++) {
      if (p[i].Z.is_zero()) {
        out[i] = Affine<F>::infinity();
      } else {
        z.push_back(p[i].Z);
        idx.push_back(i);
      }
    }
    scratch.resize(z.size());
    batch_inverse_nonzero(z.data(), z.size(), scratch.data());
    for (size_t j = 0; j < idx.size(); j++) {
      const Jacobian<F>& q = p[idx[j]];
      const F zi2 = sqr(z[j]);
      out[idx[j]] = Affine<F>{q.X * zi2, q.Y * zi2 * z[j]};
    }
  }

 private:
  int w_, nwin_, per_;
  std::vector<Affine<F>> table_;
};

}  // namespace zkm
