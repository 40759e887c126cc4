// A growing array in fixed chunks: elements never move, and growing allocates one chunk, where
// a std::vector copies everything into a buffer twice the size and, for that moment, holds both.
// The dashboard keeps a row per case this way: ~125,000 rows of 216 bytes after a 1M-event
// replay, whose last doubling had held 14 MB of old rows beside 28 MB of new ones at the replay's
// peak of memory.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace yiwang::projections::internal {

template <typename T, size_t kChunkElements = 4096>
class ChunkedVector {
  static_assert((kChunkElements & (kChunkElements - 1)) == 0, "a power of two");

 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t index) { return chunks_[index / kChunkElements][index % kChunkElements]; }
  const T& operator[](size_t index) const {
    return chunks_[index / kChunkElements][index % kChunkElements];
  }
  T& push_back(T value) {
    if (size_ == chunks_.size() * kChunkElements) {
      chunks_.push_back(std::make_unique<T[]>(kChunkElements));
    }
    T& slot = (*this)[size_++];
    slot = std::move(value);
    return slot;
  }
  // Forgets every element and frees the chunks.
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace yiwang::projections::internal
