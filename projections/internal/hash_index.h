// An open-addressing index of 64-bit hashes to positions in a vector its user keeps: one 16-byte
// cell per entry, linear probing, at most half full. Used where a node-based hash map with heap
// keys cost a replay several cache misses per lookup (case slots, a read batch's entries).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace yiwang::projections::internal {

class HashIndex {
 public:
  struct Cell {
    uint64_t hash = 0;
    uint32_t index_plus_one = 0;  // the entry's position + 1; 0: an empty cell
  };

  // Room for `entries` entries without passing half full.
  void Reserve(size_t entries) {
    if (entries * 2 > cells_.size()) Grow();
  }
  // The cell of the entry with `hash` that matches(position) accepts, or the empty cell where
  // such an entry goes (fill it in: {hash, position + 1}). Reserve first.
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

 private:
  // Linear probing from the hash's cell to the matching or the first empty one.
  template <typename Matches>
  size_t CellOf(uint64_t hash, Matches& matches) const {
    const size_t mask = cells_.size() - 1;
    for (size_t index = hash & mask;; index = (index + 1) & mask) {
      const Cell& cell = cells_[index];
      if (cell.index_plus_one == 0 || (cell.hash == hash && matches(cell.index_plus_one - 1))) {
        return index;
      }
    }
  }
  void Grow() {
    std::vector<Cell> old = std::move(cells_);
    cells_.assign(old.empty() ? 1024 : old.size() * 2, Cell{});
    const size_t mask = cells_.size() - 1;
    for (const Cell& cell : old) {
      if (cell.index_plus_one == 0) continue;
      size_t index = cell.hash & mask;
      while (cells_[index].index_plus_one != 0) index = (index + 1) & mask;
      cells_[index] = cell;
    }
  }

  std::vector<Cell> cells_;  // a power of two
};

}  // namespace yiwang::projections::internal
