// Minimal fork-join helpers over std::thread (a 2-core laptop is the main target: threads are
// started per parallel region; each region is coarse, so the start cost is negligible).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace zkm {

inline int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (int)n;
}

// Runs fn(t) for t = 0 .. threads-1, t = 0 on the calling thread. An exception thrown by any of
// them (e.g. std::bad_alloc) is rethrown here once all have finished.
template <class Fn>
void run_threads(int threads, Fn fn) {
  if (threads <= 1) {
    fn(0);
    return;
  }
  std::vector<std::exception_ptr> errors((size_t)threads);
  auto guarded = [&](int t) {
    try {
      fn(t);
    } catch (...) {
      errors[(size_t)t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve((size_t)threads - 1);
  for (int t = 1; t < threads; t++) pool.emplace_back(guarded, t);
  guarded(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Splits [0, n) into `threads` contiguous ranges: fn(begin, end, t).
template <class Fn>
void parallel_for(int threads, size_t n, Fn fn) {
  if (n == 0) return;
  int T = (int)std::min<size_t>((size_t)std::max(threads, 1), n);
  run_threads(T, [&](int t) {
    size_t b = n * (size_t)t / (size_t)T, e = n * (size_t)(t + 1) / (size_t)T;
    if (b < e) fn(b, e, t);
  });
}

// Hands out task indices 0 .. ntasks-1 to the threads dynamically: fn(task, t).
template <class Fn>
void parallel_tasks(int threads, size_t ntasks, Fn fn) {
  std::atomic<size_t> next{0};
  int T = (int)std::min<size_t>((size_t)std::max(threads, 1), std::max<size_t>(ntasks, 1));
  run_threads(T, [&](int t) {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= ntasks) break;
      fn(i, t);
    }
  });
}

}  // namespace zkm
