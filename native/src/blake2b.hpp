// BLAKE2b-512 (RFC 7693), unkeyed: the hash snarkjs uses for a .zkey's circuit hash (csHash) and
// its contribution transcripts. Streaming: update() any number of times, then digest().
// Cost: one 12-round compression per 128-byte block, about 1 GB/s on one core.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zkm {

class Blake2b512 {
 public:
  Blake2b512();
  void update(const uint8_t* data, size_t n);
  void digest(uint8_t out[64]);

 private:
  void compress(const uint8_t block[128], bool last);
  uint64_t h_[8];
  uint64_t t_[2] = {0, 0};  // bytes compressed so far (128-bit counter)
  uint8_t buf_[128];
  size_t fill_ = 0;  // bytes pending in buf_; a full block is kept until more data or digest()
};

}  // namespace zkm
