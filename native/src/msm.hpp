// Multi-scalar multiplication sum_i k_i P_i by Pippenger's bucket method, for G1 and G2.
//
// * Zero scalars and points at infinity are dropped first; the rest are copied into an aligned,
//   compact array (the .zkey sections are neither aligned nor free of zero terms).
// * Optionally (MsmOptions::group, used for the witness MSMs), terms with equal scalars are merged
//   first: k P + k Q = k (P + Q). A circuit's witness repeats values a lot (copied signals,
//   padding of empty slots, bits and flags): on `standard` the 89k nonzero terms of the A MSM have
//   only 11k distinct scalars (42k of 97k for a full book). Summing the points of a group costs
//   one affine addition per point (done as a balanced tree so each round is one batch), against
//   ~20 bucket additions per point in Pippenger.
// * Optionally (MsmOptions::endo; by default when the cost model says it pays), each scalar is
//   split with the curve's endomorphism (endo.hpp: GLV on G1, GLS on G2): k P = k1 P + k2 phi(P)
//   with |k1|, |k2| < 2^126, signs moved onto the points. That gives up to 2m terms of 126-bit
//   scalars instead of m of 254 bits: about as many bucket additions, but half the windows, so half
//   the bucket reductions and a larger window for the same cost. Parts equal to 0 are dropped
//   (small scalars, and negative ones, k = r - s, have k2 = 0).
// * Scalars are recoded into signed c-bit digits in (-2^(c-1), 2^(c-1)], so a window needs only
//   2^(c-1) buckets and -P costs a negation of y. Scalars below 2^L need ceil((L + 1) / c) windows
//   (the last one absorbs the final carry); L is the largest scalar's bit length. c (and how many
//   chunks each window is split into) is chosen by a cost model from the number of terms, L and the
//   thread count.
// * Work is split into (window, chunk of points) tasks handed out to the threads; each task
//   returns sum_b (b+1) * bucket_b, and the window sums are combined by Horner's rule
//   (c doublings per window).
// * Bucket accumulation: for large windows, buckets are kept in affine form and additions are
//   done in batches sharing one field inversion (Montgomery's trick: about 6 products per
//   addition instead of 11 for a Jacobian mixed addition; the running products go in 4
//   interleaved lanes, so that the out-of-order core overlaps their latency). A point whose bucket
//   already has an addition pending in the current batch waits in a small queue for the next
//   batch; when the queue is full (or at the end, for points that keep colliding, e.g. many
//   scalars equal to 1) it goes into a Jacobian "overflow" bucket by mixed addition. Small windows
//   use Jacobian buckets with mixed additions throughout.
#pragma once
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <type_traits>
#include <vector>

#include "curve.hpp"
#include "bigbuf.hpp"
#include "endo.hpp"
#include "threads.hpp"

namespace zkm {

struct MsmOptions {
  int threads = 1;
  int window = 0;       // 0: chosen from the size
  int affine = -1;      // -1: automatic, 0: Jacobian buckets only, 1: batch-affine buckets
  bool group = false;   // merge terms with equal scalars first (pays off for witnesses)
  int endo = -1;        // -1: split scalars with the endomorphism when the cost model says so, 0: never, 1: always
};

// Reduces a plain 256-bit value modulo r (at most a few subtractions since r > 2^253).
inline U256 reduce_scalar(U256 k) {
  const U256 r = Fr::modulus();
  while (u256_cmp(k, r) >= 0) u256_sub(k, r);
  return k;
}

// Bits [pos, pos + c) of k (c <= 32).
inline uint32_t scalar_bits(const U256& k, unsigned pos, unsigned c) {
  if (pos >= 256) return 0;
  unsigned limb = pos >> 6, off = pos & 63;
  uint64_t v = k.w[limb] >> off;
  if (off + c > 64 && limb + 1 < 4) v |= k.w[limb + 1] << (64 - off);
  return (uint32_t)(v & ((1ULL << c) - 1));
}

namespace msm_detail {

// Pending additions per batch in the batch-affine mode: an eighth of the buckets within
// [128, 1024] (measured: larger batches collide more, above all with witness scalars, which
// repeat; smaller ones pay more for their inversion).
inline size_t batch_size(size_t buckets) { return std::min<size_t>(1024, std::max<size_t>(128, buckets / 8)); }

// Windows needed for scalars below 2^bits with c-bit signed digits: the top digit plus the last
// carry must stay <= 2^(c-1), i.e. bits <= W c - 1.
inline unsigned windows_for(int bits, unsigned c) { return (unsigned)(((unsigned)std::max(bits, 1) + c) / c); }

// Cost model (in field products of the coordinate field): per window, every term costs one bucket
// addition (batch-affine: ~6.5 products plus its share of an inversion, ~200 products with the
// binary extended Euclid (Fermat's took ~380); Jacobian
// mixed: ~11), and the running-sum reduction costs a mixed and a full Jacobian addition per bucket
// (~27) in each (window, chunk) task. The tasks run on `threads` threads: the estimate is the
// critical path, ceil(tasks / threads) tasks.
struct MsmPlan {
  unsigned c = 2;
  size_t chunks = 1;
  double cost = 0;
};
inline double bucket_add_cost(bool affine_buckets, unsigned c) {
  return (affine_buckets && c >= 10) ? 6.5 + 200.0 / (double)batch_size((size_t)1 << (c - 1)) : 11.0;
}
inline MsmPlan plan_msm(size_t m, int bits, bool affine_buckets, int threads, int forced_c) {
  MsmPlan best;
  best.cost = 1e300;
  const unsigned lo = forced_c > 0 ? (unsigned)forced_c : 2, hi = forced_c > 0 ? (unsigned)forced_c : 20;
  const double T = (double)std::max(threads, 1);
  for (unsigned c = lo; c <= hi; c++) {
    const double W = (double)windows_for(bits, c);
    const double B = (double)(1u << (c - 1));
    const double add = bucket_add_cost(affine_buckets, c);
    for (size_t chunks = 1;; chunks *= 2) {
      const double task = (double)m / (double)chunks * add + B * 27.0;
      const double cost = std::ceil(W * (double)chunks / T) * task;
      if (cost < best.cost) {
        best.cost = cost;
        best.c = c;
        best.chunks = chunks;
      }
      if (m / (chunks * 2) < 1024 || chunks >= 64) break;
    }
  }
  return best;
}
// The window size alone (tests and callers that only want c).
inline int choose_window(size_t m, bool affine_buckets, int bits = 254, int threads = 1) {
  if (m < 4) return 2;
  return (int)plan_msm(m, bits, affine_buckets, threads, 0).c;
}

template <class F>
struct Pending {
  uint32_t bucket;
  Affine<F> point;
};

template <class F>
struct Workspace {
  BigVec<Affine<F>> abucket;    // affine buckets
  std::vector<uint8_t> full;         // abucket[b] holds a point
  std::vector<uint8_t> busy;         // abucket[b] has an addition pending in the batch
  BigVec<Jacobian<F>> jbucket;  // Jacobian buckets (overflow, or all of them)
  std::vector<uint32_t> bidx;        // batch: bucket of each pending addition
  std::vector<Affine<F>> bpt;        // batch: the point being added
  std::vector<F> den, pre;           // batch: denominators and prefix products
  std::vector<uint8_t> kind;         // batch: 0 add, 1 double, 2 cancel (P + (-P))
  std::vector<Pending<F>> queue, retry;  // points whose bucket was busy, to try in the next batch
};

// Sum over b of (b + 1) * bucket_b (running sums from the top bucket down).
template <class F>
Jacobian<F> reduce_buckets(Workspace<F>& ws, size_t B, bool affine) {
  Jacobian<F> running = Jacobian<F>::infinity(), acc = Jacobian<F>::infinity();
  for (size_t b = B; b-- > 0;) {
    if (affine && ws.full[b]) running = jac_add_mixed(running, ws.abucket[b]);
    if (!ws.jbucket[b].is_infinity()) running = jac_add(running, ws.jbucket[b]);
    acc = jac_add(acc, running);
  }
  return acc;
}

// Montgomery's batch inversion in two halves, in LANES interleaved lanes (element j in lane
// j % LANES): prepare() runs each lane's products forward and inverts the lane totals with one
// inversion; step(j) (for j = k-1 down to 0) returns 1 / den[j]; 3 products per element. One lane
// would be a chain of dependent products (each waits for the previous one's full latency); four
// independent chains keep the multiplier busy.
constexpr size_t INV_LANES = 4;
inline void batch_inv_prepare(const Fq* den, Fq* pre, size_t k, Fq ia[INV_LANES]) {
  Fq acc[INV_LANES] = {Fq::one(), Fq::one(), Fq::one(), Fq::one()};
  for (size_t j = 0; j < k; j++) {
    Fq& a = acc[j % INV_LANES];
    pre[j] = a;
    a = a * den[j];
  }
  const Fq p01 = acc[0] * acc[1], p23 = acc[2] * acc[3];
  const Fq all = inv_vartime(p01 * p23);
  const Fq i01 = all * p23, i23 = all * p01;  // 1 / (acc0 acc1), 1 / (acc2 acc3)
  ia[0] = i01 * acc[1];
  ia[1] = i01 * acc[0];
  ia[2] = i23 * acc[3];
  ia[3] = i23 * acc[2];
}
inline Fq batch_inv_step(Fq ia[INV_LANES], const Fq* den, const Fq* pre, size_t j) {
  Fq& a = ia[j % INV_LANES];
  const Fq d = a * pre[j];
  a = a * den[j];
  return d;
}
// Applies the pending batch of affine additions: bucket_b = bucket_b + P.
template <class F>
void flush_batch(Workspace<F>& ws, size_t k) {
  if (k == 0) return;
  // denominators: x_P - x_B for an addition, 2 y_B for a doubling, 1 for a cancellation
  for (size_t j = 0; j < k; j++) {
    const Affine<F>& Bp = ws.abucket[ws.bidx[j]];
    const Affine<F>& P = ws.bpt[j];
    if (Bp.x != P.x) {
      ws.kind[j] = 0;
      ws.den[j] = P.x - Bp.x;
    } else if (Bp.y == P.y && !Bp.y.is_zero()) {
      ws.kind[j] = 1;
      ws.den[j] = Bp.y + Bp.y;
    } else {
      // P + (-P); also 2P for y = 0 (no such point on BN254), both the point at infinity
      ws.kind[j] = 2;
      ws.den[j] = F::one();
    }
  }
  auto apply = [&](size_t j, const F& dinv) {
    const uint32_t b = ws.bidx[j];
    Affine<F>& Bp = ws.abucket[b];
    const Affine<F>& P = ws.bpt[j];
    ws.busy[b] = 0;
    if (ws.kind[j] == 2) {
      ws.full[b] = 0;
      return;
    }
    F lambda;
    if (ws.kind[j] == 0) {
      lambda = (P.y - Bp.y) * dinv;
    } else {
      const F xx = sqr(Bp.x);
      lambda = (xx + xx + xx) * dinv;
    }
    const F x3 = sqr(lambda) - Bp.x - P.x;
    Bp.y = lambda * (Bp.x - x3) - Bp.y;
    Bp.x = x3;
  };
  // One inversion for the whole batch. In G1 the backward pass of Montgomery's trick is
  // interleaved with the additions (hiding the latency of its running product: measured ~15%
  // faster); in G2 a separate pass through the norms (batch_inverse_nonzero) is faster.
  if constexpr (std::is_same<F, Fq2>::value) {
    batch_inverse_nonzero(ws.den.data(), k, ws.pre.data());
    for (size_t j = 0; j < k; j++) apply(j, ws.den[j]);
  } else {
    Fq ia[INV_LANES];
    batch_inv_prepare(ws.den.data(), ws.pre.data(), k, ia);
    for (size_t j = k; j-- > 0;) apply(j, batch_inv_step(ia, ws.den.data(), ws.pre.data(), j));
  }
}

// One task: the window sum of window w over terms [begin, end).
template <class F>
Jacobian<F> window_sum(Workspace<F>& ws, const Affine<F>* pts, const int32_t* digits, size_t begin, size_t end,
                       unsigned c, bool affine, size_t batch) {
  const size_t B = (size_t)1 << (c - 1);
  ws.jbucket.assign(B, Jacobian<F>::infinity());
  if (!affine) {
    for (size_t i = begin; i < end; i++) {
      const int32_t d = digits[i];
      if (d == 0) continue;
      if (d > 0) {
        ws.jbucket[(size_t)d - 1] = jac_add_mixed(ws.jbucket[(size_t)d - 1], pts[i]);
      } else {
        ws.jbucket[(size_t)(-d) - 1] = jac_add_mixed(ws.jbucket[(size_t)(-d) - 1], neg(pts[i]));
      }
    }
    return reduce_buckets(ws, B, false);
  }
  ws.full.assign(B, 0);
  ws.busy.assign(B, 0);
  ws.abucket.resize(B);
  ws.bidx.resize(batch);
  ws.bpt.resize(batch);
  ws.den.resize(batch);
  ws.pre.resize(batch);
  ws.kind.resize(batch);
  ws.queue.clear();
  const size_t qcap = batch;
  size_t k = 0;
  // Puts P into bucket b: directly when the bucket is empty, as a pending batch addition when it
  // has none yet, else onto the retry queue (or, when that is full, into the Jacobian overflow
  // bucket). Returns true when the batch filled up and was applied.
  auto push = [&](size_t b, const Affine<F>& P) -> bool {
    if (!ws.full[b]) {
      ws.abucket[b] = P;
      ws.full[b] = 1;
      return false;
    }
    if (ws.busy[b]) {
      if (ws.queue.size() < qcap) {
        ws.queue.push_back(Pending<F>{(uint32_t)b, P});
      } else {
        ws.jbucket[b] = jac_add_mixed(ws.jbucket[b], P);
      }
      return false;
    }
    ws.busy[b] = 1;
    ws.bidx[k] = (uint32_t)b;
    ws.bpt[k] = P;
    if (++k < batch) return false;
    flush_batch(ws, k);
    k = 0;
    return true;
  };
  // Re-offers the queued points (those that found their bucket busy) after a batch was applied.
  auto retry = [&]() {
    ws.retry.swap(ws.queue);
    ws.queue.clear();
    for (const Pending<F>& q : ws.retry) push(q.bucket, q.point);
    ws.retry.clear();
  };
  for (size_t i = begin; i < end; i++) {
    const int32_t d = digits[i];
    if (d == 0) continue;
    const size_t b = (size_t)(d > 0 ? d : -d) - 1;
    if (push(b, d > 0 ? pts[i] : neg(pts[i])) && !ws.queue.empty()) retry();
  }
  // Drain: a couple more rounds, then whatever still collides goes to the overflow buckets
  // (many equal digits, e.g. scalars equal to 1, would otherwise need one batch each).
  for (int round = 0; round < 3 && (k > 0 || !ws.queue.empty()); round++) {
    flush_batch(ws, k);
    k = 0;
    retry();
  }
  flush_batch(ws, k);
  for (const Pending<F>& q : ws.queue) ws.jbucket[q.bucket] = jac_add_mixed(ws.jbucket[q.bucket], q.point);
  ws.queue.clear();
  return reduce_buckets(ws, B, true);
}

// out[j] = a[j] + b[j] for k pairs of affine points (either may be infinity), with one shared
// inversion. scratch vectors are resized as needed.
template <class F>
void batch_add_affine(const Affine<F>* a, const Affine<F>* b, Affine<F>* out, size_t k, std::vector<F>& den, std::vector<F>& pre,
                      std::vector<uint8_t>& kind) {
  den.resize(k);
  pre.resize(k);
  kind.resize(k);
  for (size_t j = 0; j < k; j++) {
    den[j] = F::one();
    if (a[j].is_infinity()) {
      kind[j] = 3;  // result b
    } else if (b[j].is_infinity()) {
      kind[j] = 4;  // result a
    } else if (a[j].x != b[j].x) {
      kind[j] = 0;
      den[j] = b[j].x - a[j].x;
    } else if (a[j].y == b[j].y && !a[j].y.is_zero()) {
      kind[j] = 1;
      den[j] = a[j].y + a[j].y;
    } else {
      kind[j] = 2;  // P + (-P)
    }
  }
  batch_inverse_nonzero(den.data(), k, pre.data());
  for (size_t j = 0; j < k; j++) {
    switch (kind[j]) {
      case 2:
        out[j] = Affine<F>::infinity();
        continue;
      case 3:
        out[j] = b[j];
        continue;
      case 4:
        out[j] = a[j];
        continue;
      default:
        break;
    }
    F lambda;
    if (kind[j] == 0) {
      lambda = (b[j].y - a[j].y) * den[j];
    } else {
      const F xx = sqr(a[j].x);
      lambda = (xx + xx + xx) * den[j];
    }
    const F x3 = sqr(lambda) - a[j].x - b[j].x;
    const F y3 = lambda * (a[j].x - x3) - a[j].y;
    out[j] = Affine<F>{x3, y3};
  }
}

inline bool u256_less(const U256& a, const U256& b) {
  // any strict total order serves for grouping; the low limb decides almost always
  for (int i = 0; i < 4; i++) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
  }
  return false;
}

// Replaces terms that share a scalar by one term: the sum of their points, added as a balanced
// tree (pairs, then pairs of pairs, ...), so all additions of a round are independent and go
// through batch_add_affine. Terms whose points sum to infinity are dropped.
template <class F>
void group_equal_scalars(BigVec<Affine<F>>& pts, BigVec<U256>& ks, int threads) {
  const size_t m = pts.size();
  // sorted by the low limb, kept next to the index (contiguous, no indirection), the full value
  // breaking ties so that equal scalars end up adjacent
  struct Key {
    uint64_t low;
    uint32_t idx;
  };
  BigVec<Key> keys(m);
  for (size_t i = 0; i < m; i++) keys[i] = Key{ks[i].w[0], (uint32_t)i};
  std::sort(keys.begin(), keys.end(), [&](const Key& x, const Key& y) { return x.low != y.low ? x.low < y.low : u256_less(ks[x.idx], ks[y.idx]); });
  BigVec<uint32_t> order(m);
  for (size_t i = 0; i < m; i++) order[i] = keys[i].idx;
  BigVec<Key>().swap(keys);
  BigVec<Affine<F>> cur(m), next;
  BigVec<U256> gk;
  BigVec<size_t> start;  // group g holds cur[start[g] .. start[g+1])
  gk.reserve(m);
  start.reserve(m + 1);
  size_t largest = 1;
  for (size_t i = 0; i < m; i++) {
    cur[i] = pts[order[i]];
    if (i == 0 || u256_cmp(ks[order[i]], ks[order[i - 1]]) != 0) {
      if (!start.empty()) largest = std::max(largest, i - start.back());
      start.push_back(i);
      gk.push_back(ks[order[i]]);
    }
  }
  largest = std::max(largest, m - start.back());
  start.push_back(m);
  BigVec<uint32_t>().swap(order);  // no longer needed
  const size_t G = gk.size();

  struct Pair {
    uint32_t a, dst;
  };
  BigVec<Pair> pairs;
  BigVec<size_t> nstart(G + 1);
  while (largest > 1) {
    size_t total = 0;
    pairs.clear();
    largest = 1;
    for (size_t g = 0; g < G; g++) {
      const size_t s0 = start[g], cnt = start[g + 1] - s0;
      nstart[g] = total;
      for (size_t i = 0; i + 1 < cnt; i += 2) pairs.push_back(Pair{(uint32_t)(s0 + i), (uint32_t)(total + i / 2)});
      total += (cnt + 1) / 2;
      largest = std::max(largest, (cnt + 1) / 2);
    }
    nstart[G] = total;
    next.resize(total);
    for (size_t g = 0; g < G; g++) {
      const size_t cnt = start[g + 1] - start[g];
      if (cnt & 1) next[nstart[g + 1] - 1] = cur[start[g + 1] - 1];  // the odd one out moves up as is
    }
    const size_t CH = 1024;
    const size_t nch = (pairs.size() + CH - 1) / CH;
    parallel_for(nch >= 4 ? threads : 1, nch, [&](size_t c0, size_t c1, int) {
      std::vector<Affine<F>> a(CH), b(CH), o(CH);
      std::vector<F> den, pre;
      std::vector<uint8_t> kind;
      for (size_t ch = c0; ch < c1; ch++) {
        const size_t p0 = ch * CH, k = std::min(CH, pairs.size() - p0);
        for (size_t j = 0; j < k; j++) {
          a[j] = cur[pairs[p0 + j].a];
          b[j] = cur[pairs[p0 + j].a + 1];
        }
        batch_add_affine(a.data(), b.data(), o.data(), k, den, pre, kind);
        for (size_t j = 0; j < k; j++) next[pairs[p0 + j].dst] = o[j];
      }
    });
    cur.swap(next);
    start.swap(nstart);
  }
  // every group is down to one point
  pts.clear();
  ks.clear();
  for (size_t g = 0; g < G; g++) {
    if (cur[start[g]].is_infinity()) continue;
    pts.push_back(cur[start[g]]);
    ks.push_back(gk[g]);
  }
}

// Bit length of the largest scalar.
inline int max_bits(const BigVec<U256>& ks) {
  U256 all = u256_zero();
  for (const U256& k : ks) {
    for (int i = 0; i < 4; i++) all.w[i] |= k.w[i];
  }
  return u256_bitlen(all);
}

// The endomorphism split of every term (endo.hpp): k P -> k1 (+-P) + k2 (+-phi(P)), parts with a
// zero scalar left out. Terms keep their order, each followed by its phi part (count per chunk,
// then fill, in parallel).
template <class F>
void endo_expand(const BigVec<Affine<F>>& pts, const BigVec<U256>& ks, BigVec<Affine<F>>& out_pts, BigVec<U256>& out_ks,
                 int threads) {
  const size_t m = pts.size();
  const EndoLattice& L = Endo<F>::lattice();
  BigVec<EndoSplit> split(m);
  const int TC = (int)std::min<size_t>((size_t)std::max(threads, 1), std::max<size_t>(m / 4096, 1));
  std::vector<size_t> counts((size_t)TC + 1, 0);
  parallel_for(TC, m, [&](size_t b, size_t e, int t) {
    size_t cnt = 0;
    for (size_t i = b; i < e; i++) {
      split[i] = endo_split(ks[i], L);
      cnt += (split[i].k1 != 0) + (split[i].k2 != 0);
    }
    counts[(size_t)t + 1] = cnt;
  });
  for (int t = 0; t < TC; t++) counts[(size_t)t + 1] += counts[(size_t)t];
  out_pts.resize(counts[(size_t)TC]);
  out_ks.resize(counts[(size_t)TC]);
  parallel_for(TC, m, [&](size_t b, size_t e, int t) {
    size_t o = counts[(size_t)t];
    for (size_t i = b; i < e; i++) {
      const EndoSplit& s = split[i];
      if (s.k1 != 0) {
        out_pts[o] = s.neg1 ? neg(pts[i]) : pts[i];
        out_ks[o] = U256{{(uint64_t)s.k1, (uint64_t)(s.k1 >> 64), 0, 0}};
        o++;
      }
      if (s.k2 != 0) {
        const Affine<F> q = Endo<F>::map(pts[i]);
        out_pts[o] = s.neg2 ? neg(q) : q;
        out_ks[o] = U256{{(uint64_t)s.k2, (uint64_t)(s.k2 >> 64), 0, 0}};
        o++;
      }
    }
  });
}

// Milliseconds since construction (ZKM_DEBUG_MSM's stage times): wall clock, or the process's
// CPU time with ZKM_DEBUG_MSM=cpu (what the work costs on a busy machine).
struct DebugClock {
  bool cpu = false;
  double t0 = 0;
  DebugClock() {
    const char* e = std::getenv("ZKM_DEBUG_MSM");
    cpu = e && std::strcmp(e, "cpu") == 0;
    t0 = now();
  }
  double now() const {
    if (!cpu) return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
  }
  double ms() const { return now() - t0; }
};

}  // namespace msm_detail

// sum_i scalars[i] * bases[i]; bases: n affine points in the .zkey layout (Montgomery limbs,
// little-endian, possibly unaligned, (0, 0) = infinity); scalars: n plain values (any 256-bit
// value; reduced mod r).
template <class F>
Jacobian<F> msm(const uint8_t* bases, const U256* scalars, size_t n, const MsmOptions& opt) {
  using namespace msm_detail;
  const int T = std::max(1, opt.threads);
  const size_t PS = sizeof(Affine<F>);
  const bool debug = std::getenv("ZKM_DEBUG_MSM") != nullptr;
  DebugClock clock;
  static_assert(sizeof(Affine<F>) == 2 * sizeof(F) && sizeof(F) % 32 == 0, "Affine must be the packed .zkey layout");

  // 1. compact the nonzero terms, keeping their order (count per chunk, then copy)
  const int TC = (int)std::min<size_t>((size_t)T, std::max<size_t>(n / 4096, 1));
  std::vector<size_t> counts((size_t)TC + 1, 0);
  auto nonzero_term = [&](size_t i) {
    if (u256_is_zero(scalars[i])) return false;
    static const uint8_t zeros[sizeof(Affine<F>)] = {0};
    return std::memcmp(bases + i * PS, zeros, PS) != 0;
  };
  parallel_for(TC, n, [&](size_t b, size_t e, int t) {
    size_t cnt = 0;
    for (size_t i = b; i < e; i++) cnt += nonzero_term(i);
    counts[(size_t)t + 1] = cnt;
  });
  for (int t = 0; t < TC; t++) counts[(size_t)t + 1] += counts[(size_t)t];
  const size_t nonzero = counts[(size_t)TC];
  if (nonzero == 0) return Jacobian<F>::infinity();
  BigVec<Affine<F>> pts(nonzero);
  BigVec<U256> ks(nonzero);
  parallel_for(TC, n, [&](size_t b, size_t e, int t) {
    size_t o = counts[(size_t)t];
    for (size_t i = b; i < e; i++) {
      if (!nonzero_term(i)) continue;
      std::memcpy(&pts[o], bases + i * PS, PS);
      ks[o] = reduce_scalar(scalars[i]);
      o++;
    }
  });
  const double t_compact = debug ? clock.ms() : 0;

  // 2. terms with equal scalars share one: k P + k Q = k (P + Q) (witnesses repeat values a lot)
  if (opt.group) group_equal_scalars(pts, ks, T);
  size_t m = pts.size();
  const size_t m_grouped = m;
  if (m == 0) return Jacobian<F>::infinity();
  const double t_group = debug ? clock.ms() : 0;

  // 3. the plan, and the endomorphism split when it pays (or when asked for)
  const bool affine_req = opt.affine < 0 ? true : opt.affine != 0;
  int bits = max_bits(ks);
  MsmPlan plan = plan_msm(m, bits, affine_req, T, opt.window);
  bool endo = false;
  if (opt.endo != 0 && m >= 2) {
    BigVec<Affine<F>> epts;
    BigVec<U256> eks;
    endo_expand(pts, ks, epts, eks, T);
    const int ebits = max_bits(eks);
    const MsmPlan eplan = plan_msm(eks.size(), ebits, affine_req, T, opt.window);
    // the split and the map cost a few products per term
    if (opt.endo > 0 || eplan.cost + 4.0 * (double)m / (double)T < plan.cost) {
      endo = true;
      pts.swap(epts);
      ks.swap(eks);
      m = pts.size();
      bits = ebits;
      plan = eplan;
    }
  }
  if (m == 0) return Jacobian<F>::infinity();
  const double t_split = debug ? clock.ms() : 0;

  bool affine = affine_req;
  unsigned c = plan.c;
  if (c < 2) c = 2;
  if (c > 24) c = 24;
  const size_t B = (size_t)1 << (c - 1);
  if (opt.affine < 0) affine = B >= 512;
  const unsigned W = windows_for(bits, c);

  // 4. signed digits, window-major
  BigVec<int32_t> digits((size_t)W * m);
  parallel_for(m >= 4096 ? T : 1, m, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; i++) {
      int32_t carry = 0;
      for (unsigned w = 0; w < W; w++) {
        int32_t d = (int32_t)scalar_bits(ks[i], w * c, c) + carry;
        if (d > (int32_t)B) {
          d -= (int32_t)(2 * B);
          carry = 1;
        } else {
          carry = 0;
        }
        digits[(size_t)w * m + i] = d;
      }
    }
  });
  const double t_digits = debug ? clock.ms() : 0;

  // 5. window sums, as (window, chunk) tasks
  const size_t chunks = plan.chunks;
  const size_t ntasks = (size_t)W * chunks;
  std::vector<Jacobian<F>> partial(ntasks);
  std::vector<Workspace<F>> ws((size_t)T);
  const size_t batch = batch_size(B);
  parallel_tasks(T, ntasks, [&](size_t task, int t) {
    const unsigned w = (unsigned)(task / chunks);
    const size_t ch = task % chunks;
    const size_t b = m * ch / chunks, e = m * (ch + 1) / chunks;
    partial[task] = window_sum(ws[(size_t)t], pts.data(), digits.data() + (size_t)w * m, b, e, c, affine, batch);
  });
  const double t_windows = debug ? clock.ms() : 0;

  // 6. Horner over the windows, from the top
  Jacobian<F> acc = Jacobian<F>::infinity();
  for (unsigned w = W; w-- > 0;) {
    for (unsigned i = 0; i < c; i++) acc = jac_double(acc);
    for (size_t ch = 0; ch < chunks; ch++) acc = jac_add(acc, partial[(size_t)w * chunks + ch]);
  }
  if (debug) {
    const double t_end = clock.ms();
    std::fprintf(stderr,
                 "msm: %zu terms, %zu nonzero, %zu after grouping, %s%zu terms of <= %d bits, window %u (%u windows x %zu chunks), %s buckets, "
                 "batch %zu; %s ms: compact %.1f, group %.1f, split %.1f, digits %.1f, windows %.1f, horner %.1f\n",
                 n, nonzero, m_grouped, endo ? "endomorphism split: " : "", m, bits, c, W, chunks, affine ? "affine" : "Jacobian",
                 affine ? batch : (size_t)0, clock.cpu ? "cpu" : "wall", t_compact, t_group - t_compact, t_split - t_group, t_digits - t_split, t_windows - t_digits,
                 t_end - t_windows);
  }
  return acc;
}

// Instantiated once each, in msm_g1.cpp and msm_g2.cpp (they are the heaviest code to compile).
extern template Jacobian<Fq> msm<Fq>(const uint8_t*, const U256*, size_t, const MsmOptions&);
extern template Jacobian<Fq2> msm<Fq2>(const uint8_t*, const U256*, size_t, const MsmOptions&);

}  // namespace zkm
