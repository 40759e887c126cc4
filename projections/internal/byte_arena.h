// Bytes owned by one object (a read batch) that never move until it goes: blocks of 1 MiB, a
// large piece a block of its own. Nothing is freed piecemeal. A replay batch stages ~140,000
// keys and values of ~65 bytes: a heap string each had cost two allocations to stage and two
// frees, from another thread, to drop, and scattered the bytes the commit reads in key order.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace yiwang::projections::internal {

class ByteArena {
 public:
  // Room for `size` bytes, valid until the arena goes.
  char* Allocate(size_t size) {
    if (size > kBlockBytes / 4) return large_.emplace_back(new char[size]).get();
    if (blocks_.empty() || kBlockBytes - used_ < size) {
      blocks_.emplace_back(new char[kBlockBytes]);
      used_ = 0;
    }
    char* at = blocks_.back().get() + used_;
    used_ += size;
    return at;
  }
  // A copy of `bytes` in the arena (empty: no copy).
  std::string_view Copy(std::string_view bytes) {
    if (bytes.empty()) return {};
    char* at = Allocate(bytes.size());
    std::memcpy(at, bytes.data(), bytes.size());
    return std::string_view(at, bytes.size());
  }

 private:
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t used_ = 0;  // of the last block
};

}  // namespace yiwang::projections::internal
