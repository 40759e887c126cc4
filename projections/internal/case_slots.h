// Case slots: a runner batch numbers the cases it touches 0, 1, 2… (ProjectedEvent::case_slot),
// once, so that each projection finds a case's state for the batch by index instead of hashing
// and comparing its case number again. perf of a 1M-event replay had four string-keyed hash maps
// (progress, applicants, dashboard, audit) at 12-15 % of all samples, each lookup a cache miss on
// the bucket, another on the node and a third on the heap-allocated 19-byte key.
//
// CaseSlotter hands out the numbers (the runner: the live batch, or the replay reader per replay
// batch); CaseTable<Value> keeps a projection's per-case state of one batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "projections/internal/hash_index.h"
#include "projections/internal/prefetch.h"
#include "projections/internal/string_map.h"
#include "projections/runner.h"

namespace yiwang::projections::internal {

// Open addressing (HashIndex) over the keys, each in a record of its own at its slot: a lookup
// touches one cell and, on a hash match, the slot's record, which holds a case number's bytes
// (19 or 20 of them) itself. Keys kept side by side in one buffer with an array of their ends
// had cost a lookup two more cache misses (perf: 3-4 % of a replay's samples in SlotOf and its
// memcmp). Also a dense index of case numbers in general (no node or heap key per case): the
// audit trail keeps its cases' departments in a vector by slot, the dashboard its rows.
class CaseSlotter {
 public:
  // The case's slot, or nullopt when it has none since Reset.
  std::optional<uint32_t> Find(std::string_view case_number) const {
    const int64_t found = index_.Find(HashBytes(case_number),
                                      [&](uint32_t slot) { return Key(slot) == case_number; });
    if (found < 0) return std::nullopt;
    return static_cast<uint32_t>(found);
  }
  // The case's slot: the next free number the first time the case is seen since Reset.
  uint32_t SlotOf(std::string_view case_number) {
    index_.Reserve(size() + 1);
    const uint64_t hash = HashBytes(case_number);
    HashIndex::Cell& cell =
        index_.Probe(hash, [&](uint32_t slot) { return Key(slot) == case_number; });
    if (cell.index_plus_one == 0) {
      cell = HashIndex::Filled(hash, size());
      KeyRecord& record = keys_.emplace_back();
      record.size = static_cast<uint32_t>(case_number.size());
      if (case_number.size() <= kInlineKeyBytes) {
        std::memcpy(record.bytes, case_number.data(), case_number.size());
      } else {
        record.offset = static_cast<uint32_t>(long_keys_.size());
        long_keys_.append(case_number);
      }
    }
    return cell.index_plus_one - 1;
  }
  // Starts loading what SlotOf(case_number) will read first (its hash cell, most likely a cache
  // miss: a replay batch's ~30,000 cases fill a 1 MiB index).
  void Prefetch(std::string_view case_number) const { index_.Prefetch(HashBytes(case_number)); }
  // Forgets every case; the next one gets slot 0. Keeps the memory.
  void Reset() {
    index_.Clear();
    keys_.clear();
    long_keys_.clear();
  }
  uint32_t size() const { return static_cast<uint32_t>(keys_.size()); }
  // The case number of a slot below size(); valid until the next SlotOf or Reset.
  std::string_view Key(uint32_t slot) const {
    const KeyRecord& record = keys_[slot];
    if (record.size <= kInlineKeyBytes) return std::string_view(record.bytes, record.size);
    return std::string_view(long_keys_).substr(record.offset, record.size);
  }

 private:
  static constexpr size_t kInlineKeyBytes = 20;
  struct KeyRecord {
    uint32_t size;
    union {
      char bytes[kInlineKeyBytes];  // size <= kInlineKeyBytes
      uint32_t offset;              // else: where in long_keys_
    };
  };
  HashIndex index_;
  std::vector<KeyRecord> keys_;  // by slot
  std::string long_keys_;        // the keys longer than kInlineKeyBytes, side by side
};

// A projection's state per case for one runner batch, in the order the cases were first
// touched. Found by the event's slot; an event without one (built outside the runner: the audit
// trail re-reading its log, tests) by its case number, for which an index by case number is
// built the first time one comes. Values never move: a pointer stays valid until Clear.
//
// Clear keeps as many entries as the batch used, for the next batch to reuse: a case's entry
// and the heap bytes of its strings (a progress draft's ~1 KB timeline) are allocated once per
// replay instead of once per case and batch. perf and callgrind of a replay had those ~1 KB
// allocations and frees at 500-900 instructions each (jemalloc refilling and flushing its
// thread cache), ~3 % of all instructions. A smaller batch after a larger one (a live batch
// after a bulk catch-up) frees what it did not use.
template <typename Value>
class CaseTable {
 public:
  // The case's value, or nullptr when the batch has not touched the case.
  Value* Find(const ProjectedEvent& event) {
    if (event.case_slot != kNoCaseSlot) {
      if (event.case_slot < by_slot_.size() && by_slot_[event.case_slot] != nullptr) {
        return &by_slot_[event.case_slot]->value;
      }
      if (!by_number_active_) return nullptr;
    } else {
      ActivateByNumber();
    }
    auto found = by_number_.find(event.case_number);
    if (found == by_number_.end()) return nullptr;
    Bind(event.case_slot, found->second);
    return &entries_[found->second].value;
  }
  // The address of the case's value when the batch has it, for prefetches: found by slot only,
  // as a prefetch must not wait for a lookup's misses.
  const Value* Peek(const ProjectedEvent& event) const {
    if (event.case_slot >= by_slot_.size() || by_slot_[event.case_slot] == nullptr) return nullptr;
    return &by_slot_[event.case_slot]->value;
  }
  // Starts loading the first `lines` cache lines of the case's value when the batch has it.
  void Prefetch(const ProjectedEvent& event, size_t lines = 2) const {
    if (const Value* value = Peek(event)) PrefetchLines(value, lines);
  }
  // Sets the case's value (an insert, or a replacement when the case is already here).
  Value& Put(const ProjectedEvent& event, Value value) {
    if (Value* existing = Find(event)) return *existing = std::move(value);
    return Insert(event) = std::move(value);
  }
  // A default value for the case, built in place (a progress record is ~900 bytes: built
  // as a temporary and moved in, it was written three times).
  Value& Emplace(const ProjectedEvent& event) {
    if (Value* existing = Find(event)) return *existing = Value();
    return Insert(event);
  }
  // fn(case_number, value) for every case, in the order they were first touched.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t index = 0; index < used_; ++index) {
      fn(std::string_view(entries_[index].case_number), entries_[index].value);
    }
  }
  template <typename Fn>
  void ForEach(Fn&& fn) {
    for (size_t index = 0; index < used_; ++index) {
      fn(std::string_view(entries_[index].case_number), entries_[index].value);
    }
  }
  // The same, stopping at the first error.
  template <typename Fn>
  Status TryEach(Fn&& fn) const {
    for (size_t index = 0; index < used_; ++index) {
      YIWANG_RETURN_IF_ERROR(
          fn(std::string_view(entries_[index].case_number), entries_[index].value));
    }
    return Status::Ok();
  }
  size_t size() const { return used_; }
  bool empty() const { return used_ == 0; }
  void Clear() {
    std::fill(by_slot_.begin(), by_slot_.end(), nullptr);
    entries_.resize(used_);  // what this batch did not use goes
    used_ = 0;
    by_number_.clear();
    by_number_active_ = false;
  }

 private:
  struct Entry {
    std::string case_number;
    Value value;
  };
  // A new entry for a case Find did not find, its value default-built where it stays: a kept
  // entry is reset by assignment, which leaves its strings' buffers (not its vectors') in place.
  Value& Insert(const ProjectedEvent& event) {
    const uint32_t index = static_cast<uint32_t>(used_);
    if (used_ == entries_.size()) {
      entries_.emplace_back();
    } else {
      entries_[index].value = Value();
    }
    ++used_;
    Entry& entry = entries_[index];
    entry.case_number.assign(event.case_number);
    Bind(event.case_slot, index);
    if (by_number_active_) by_number_.emplace(entry.case_number, index);
    return entry.value;
  }
  void Bind(uint32_t slot, uint32_t index) {
    if (slot == kNoCaseSlot) return;
    if (slot >= by_slot_.size()) by_slot_.resize(std::max<size_t>(slot + 1, by_slot_.size() * 2));
    by_slot_[slot] = &entries_[index];
  }
  void ActivateByNumber() {
    if (by_number_active_) return;
    for (uint32_t index = 0; index < used_; ++index) {
      by_number_.emplace(entries_[index].case_number, index);
    }
    by_number_active_ = true;
  }

  std::deque<Entry> entries_;  // the first used_ are this batch's; the rest wait for reuse
  size_t used_ = 0;
  // slot -> its entry (a deque's elements stay put); null: not touched. A pointer, not an index:
  // an index into the deque costs a load of its node pointer, a cache miss of its own in replay.
  std::vector<Entry*> by_slot_;
  StringMap<uint32_t> by_number_;  // only once an event without a slot came
  bool by_number_active_ = false;
};

}  // namespace yiwang::projections::internal
