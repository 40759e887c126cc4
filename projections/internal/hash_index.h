// An open-addressing index of 64-bit hashes to positions in a vector its user keeps: one 16-byte
// cell per entry, linear probing, at most half full. Used where a node-based hash map with heap
// keys cost a replay several cache misses per lookup (case slots, a read batch's entries).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "projections/internal/prefetch.h"

namespace yiwang::projections::internal {

// A 64-bit hash of a short key (case numbers, a batch's keys): a multiply and a shift per eight
// bytes, the last word read overlapping, then a final mix so that the low bits (the index's
// cell) depend on every byte. std::hash's byte-wise murmur was ~1 % of a replay's instructions.
inline uint64_t HashBytes(std::string_view bytes) {
  constexpr uint64_t kMix = 0xbf58476d1ce4e5b9ULL;
  uint64_t hash = 0x9e3779b97f4a7c15ULL * (bytes.size() + 1);
  auto add = [&hash](uint64_t word) {
    hash = (hash ^ word) * kMix;
    hash ^= hash >> 31;
  };
  if (bytes.size() >= 8) {
    size_t at = 0;
    for (; at + 8 <= bytes.size(); at += 8) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + at, sizeof(word));
      add(word);
    }
    if (at < bytes.size()) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + bytes.size() - 8, sizeof(word));
      add(word);
    }
  } else {
    uint64_t word = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
      word |= uint64_t{static_cast<unsigned char>(bytes[at])} << (8 * at);
    }
    add(word);
  }
  hash ^= hash >> 29;
  hash *= 0x94d049bb133111ebULL;
  return hash ^ (hash >> 32);
}

class HashIndex {
 public:
  // Eight bytes: a cache line holds eight cells, and a replay batch's index half the memory it
  // had with the whole hash (16-byte cells). The low 32 bits of the hash are enough to rehash
  // (a probe starts at `hash_low & mask` too) and, above the bits that chose the cell, to tell
  // most keys apart before `matches` reads an entry.
  struct Cell {
    uint32_t hash_low = 0;
    uint32_t index_plus_one = 0;  // the entry's position + 1; 0: an empty cell
  };
  // What a caller puts in the empty cell Probe returned for the entry at `position`.
  static Cell Filled(uint64_t hash, uint32_t position) {
    return Cell{static_cast<uint32_t>(hash), position + 1};
  }

  // Room for `entries` entries without passing half full.
  void Reserve(size_t entries) {
    if (entries * 2 <= cells_.size()) return;
    size_t cells = cells_.empty() ? kCellsMin : cells_.size() * 2;
    while (entries * 2 > cells) cells *= 2;
    Rehash(cells);
  }
  // The cell of the entry with `hash` that matches(position) accepts, or the empty cell where
  // such an entry goes (fill it in: Filled(hash, position)). Reserve first.
  template <typename Matches>
  Cell& Probe(uint64_t hash, Matches&& matches) {
    return cells_[CellOf(hash, matches)];
  }
  // The position of the matching entry, or -1.
  template <typename Matches>
  int64_t Find(uint64_t hash, Matches&& matches) const {
    if (cells_.empty()) return -1;
    return static_cast<int64_t>(cells_[CellOf(hash, matches)].index_plus_one) - 1;
  }
  // Forgets every entry; keeps the memory.
  void Clear() { std::fill(cells_.begin(), cells_.end(), Cell{}); }
  // Starts loading the cell where a probe for `hash` begins, for a Probe or Find soon after.
  void Prefetch(uint64_t hash) const {
    if (!cells_.empty()) PrefetchLines(&cells_[static_cast<uint32_t>(hash) & (cells_.size() - 1)]);
  }

 private:
  // Linear probing from the hash's cell to the matching or the first empty one.
  template <typename Matches>
  size_t CellOf(uint64_t hash, Matches& matches) const {
    const size_t mask = cells_.size() - 1;
    const auto hash_low = static_cast<uint32_t>(hash);
    for (size_t index = hash_low & mask;; index = (index + 1) & mask) {
      const Cell& cell = cells_[index];
      if (cell.index_plus_one == 0 ||
          (cell.hash_low == hash_low && matches(cell.index_plus_one - 1))) {
        return index;
      }
    }
  }
  static constexpr size_t kCellsMin = 1024;

  void Rehash(size_t cells) {
    static_assert(sizeof(Cell) == 8);
    std::vector<Cell> old = std::move(cells_);
    cells_.assign(cells, Cell{});
    const size_t mask = cells_.size() - 1;
    for (const Cell& cell : old) {
      if (cell.index_plus_one == 0) continue;
      size_t index = cell.hash_low & mask;
      while (cells_[index].index_plus_one != 0) index = (index + 1) & mask;
      cells_[index] = cell;
    }
  }

  std::vector<Cell> cells_;  // a power of two
};

}  // namespace yiwang::projections::internal
