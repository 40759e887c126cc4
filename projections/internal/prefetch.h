// Software prefetch for replay's hot loops, where each event's data is a cache miss the
// hardware prefetcher does not predict (a case's state, a hash cell, an event a thread has not
// touched yet).
#pragma once

#include <cstddef>

namespace yiwang::projections::internal {

inline constexpr size_t kCacheLineBytes = 64;

// Starts loading the `lines` cache lines from `address` into the caches. An asm statement:
// GCC 12 found inline functions around __builtin_prefetch (and _mm_prefetch) free of side
// effects and dropped calls whose result nothing used, prefetch and all.
inline void PrefetchLines(const void* address, size_t lines = 1) {
  const char* at = static_cast<const char*>(address);
  for (size_t line = 0; line < lines; ++line) {
    asm volatile("prefetcht0 %0" : : "m"(at[line * kCacheLineBytes]));
  }
}

}  // namespace yiwang::projections::internal
