// A commit's staged entries, from one or more batches, as one sorted run per family.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace yiwang::projections::internal {

// `Staged` has `key` (a string_view: the family index byte, then the key) and `family()`; a batch
// has `entries`, its Staged in staging order. Each run is sorted in key order for the memtable or
// a table file. Sorted on copies of the keys' first 24 bytes (a read store key is mostly shorter:
// family, tag and a 19-byte case number), so that most comparisons touch neither the entries nor
// the keys' bytes; perf had the sort on the map's nodes at ~5 % of a replay. Of equal keys from
// several batches the later batch's sorts after, and is the one written.
template <typename Staged>
struct FamilyRuns {
  struct SortKey {
    std::array<uint64_t, 3> head;  // the key's first 24 bytes, big-endian, zero-padded
    uint32_t order;                // batches in order: the later entry of a key sorts after
    const Staged* staged;
  };
  std::vector<std::vector<SortKey>> runs;  // by family index (the entry key's first byte)

  template <typename Batches>
  explicit FamilyRuns(const Batches& batches) {
    std::vector<size_t> counts;
    for (const auto* batch : batches) {
      for (const Staged& staged : batch->entries) {
        const uint8_t family = staged.family();
        if (family >= counts.size()) counts.resize(family + 1, 0);
        ++counts[family];
      }
    }
    runs.resize(counts.size());
    for (size_t family = 0; family < counts.size(); ++family) runs[family].reserve(counts[family]);
    uint32_t order = 0;
    for (const auto* batch : batches) {
      for (const Staged& staged : batch->entries) {
        SortKey& key = runs[staged.family()].emplace_back(SortKey{{}, order++, &staged});
        std::array<unsigned char, 24> bytes{};
        std::memcpy(bytes.data(), staged.key.data(), std::min(bytes.size(), staged.key.size()));
        for (size_t word = 0; word < key.head.size(); ++word) {
          uint64_t value = 0;
          for (size_t at = 0; at < 8; ++at) value = value << 8 | bytes[word * 8 + at];
          key.head[word] = value;
        }
      }
    }
  }

  static void Sort(std::vector<SortKey>* run) {
    std::sort(run->begin(), run->end(), [](const SortKey& left, const SortKey& right) {
      // Word by word: std::array's operators called memcmp and a lexicographic loop, ~190
      // instructions a comparison.
      if (left.head[0] != right.head[0]) return left.head[0] < right.head[0];
      if (left.head[1] != right.head[1]) return left.head[1] < right.head[1];
      if (left.head[2] != right.head[2]) return left.head[2] < right.head[2];
      const int tail = left.staged->key.compare(right.staged->key);
      return tail != 0 ? tail < 0 : left.order < right.order;
    });
  }
  // fn(key without the family byte, entry) for each key of a sorted run once, its last write,
  // until fn returns a status that is not ok(); that status, else the last.
  template <typename Fn>
  static auto ForEachLast(const std::vector<SortKey>& run, Fn&& fn) {
    decltype(fn(std::string_view(), std::declval<const Staged&>())) status;
    for (size_t at = 0; status.ok() && at < run.size(); ++at) {
      const Staged& staged = *run[at].staged;
      // The heads first: they sit in the run, the keys wherever their batch staged them.
      if (at + 1 < run.size() && run[at + 1].head == run[at].head &&
          run[at + 1].staged->key == staged.key) {
        continue;
      }
      status = fn(staged.key.substr(1), staged);
    }
    return status;
  }
};

}  // namespace yiwang::projections::internal
