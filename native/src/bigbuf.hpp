// Large buffers on transparent huge pages, reused within the process.
//
// The prover's working set (MSM terms, digits, FFT vectors, ...) is a few hundred MB of freshly
// allocated memory per proof. On 4 KiB pages every first touch is a page fault; on the virtual
// machines measured here a fault costs ~13 us of CPU (a 64 MiB buffer: ~200 ms to touch, 4 ms on
// 2 MiB pages), and glibc returns large blocks to the OS on free, so each MSM faulted its buffers in
// again: 38k faults, ~0.3 s of CPU per `standard` proof. Blocks of 256 KiB and more are therefore
// mmap'd 2 MiB-aligned with madvise(MADV_HUGEPAGE) (a hint: with THP off they are ordinary pages)
// and, when freed, kept in a small cache for the next request of a similar size.
//
// Under AddressSanitizer (or with ZKM_PORTABLE) everything goes through operator new, so that the
// sanitizer sees every buffer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#if (defined(__SANITIZE_ADDRESS__) || defined(ZKM_PORTABLE) || !defined(__linux__))
#define ZKM_BIGBUF_PLAIN 1
#else
#include <sys/mman.h>
#endif

namespace zkm {

namespace bigbuf_detail {

constexpr size_t HUGE_PAGE = (size_t)2 << 20;
constexpr size_t MIN_BIG = (size_t)256 << 10;  // smaller requests use operator new

#ifndef ZKM_BIGBUF_PLAIN
struct Block {
  void* p;
  size_t size;  // multiple of HUGE_PAGE
};

struct Cache {
  std::mutex mu;
  std::vector<Block> free_blocks;
  size_t cached = 0;
  static constexpr size_t LIMIT = (size_t)1 << 30;  // cached bytes kept at most
};

inline Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: blocks may be freed during exit
  return *c;
}

inline void* map_block(size_t size) {
  // over-allocate by one huge page to align the start, then trim both ends
  const size_t len = size + HUGE_PAGE;
  void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  const size_t head = start - (uintptr_t)raw, tail = len - head - size;
  if (head) munmap(raw, head);
  if (tail) munmap((void*)(start + size), tail);
  madvise((void*)start, size, MADV_HUGEPAGE);
  return (void*)start;
}
#endif

inline void* alloc(size_t bytes) {
#ifdef ZKM_BIGBUF_PLAIN
  return ::operator new(bytes);
#else
  if (bytes < MIN_BIG) return ::operator new(bytes);
  const size_t size = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    // the smallest cached block that fits, unless it is much larger than asked for
    size_t best = c.free_blocks.size();
    for (size_t i = 0; i < c.free_blocks.size(); i++) {
      const size_t s = c.free_blocks[i].size;
      if (s >= size && s <= 2 * size && (best == c.free_blocks.size() || s < c.free_blocks[best].size)) best = i;
    }
    if (best < c.free_blocks.size()) {
      void* p = c.free_blocks[best].p;
      c.cached -= c.free_blocks[best].size;
      c.free_blocks.erase(c.free_blocks.begin() + (std::ptrdiff_t)best);
      return p;
    }
  }
  return map_block(size);
#endif
}

inline void release(void* p, size_t bytes) {
#ifdef ZKM_BIGBUF_PLAIN
  (void)bytes;
  ::operator delete(p);
#else
  if (bytes < MIN_BIG) {
    ::operator delete(p);
    return;
  }
  const size_t size = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_blocks.push_back(Block{p, size});
  c.cached += size;
  while (c.cached > Cache::LIMIT && !c.free_blocks.empty()) {  // drop the oldest
    munmap(c.free_blocks.front().p, c.free_blocks.front().size);
    c.cached -= c.free_blocks.front().size;
    c.free_blocks.erase(c.free_blocks.begin());
  }
#endif
}

}  // namespace bigbuf_detail

// std::allocator with the above for large blocks.
template <class T>
struct BigAllocator {
  typedef T value_type;
  BigAllocator() = default;
  template <class U>
  BigAllocator(const BigAllocator<U>&) {}
  T* allocate(size_t n) {
    if (n > (size_t)-1 / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(bigbuf_detail::alloc(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) { bigbuf_detail::release(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const BigAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const BigAllocator<U>&) const { return false; }
};

template <class T>
using BigVec = std::vector<T, BigAllocator<T>>;

}  // namespace zkm
