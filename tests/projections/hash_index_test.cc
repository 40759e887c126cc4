// The hash behind the runner's case slots, a read batch's index and the projections' string maps.
// The index probes linearly from `hash & mask`, so clustered low bits would turn lookups into
// long scans: keys that differ only in their last digits (case numbers) must spread.
#include "projections/internal/hash_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "projections/internal/byte_arena.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/chunked_vector.h"

namespace yiwang::test {
namespace {

using projections::ProjectedEvent;
using projections::internal::ByteArena;
using projections::internal::CaseSlotter;
using projections::internal::CaseTable;
using projections::internal::ChunkedVector;
using projections::internal::HashBytes;
using projections::internal::HashIndex;

TEST(HashBytesTest, SequentialCaseNumbersSpreadOverTheLowBits) {
  constexpr size_t kKeys = 100'000;
  constexpr size_t kCells = 1 << 16;
  std::vector<int> load(kCells);
  std::set<uint64_t> hashes;
  for (size_t index = 0; index < kKeys; ++index) {
    const std::string case_number = "33010620250904" + std::to_string(10'000'000 + index);
    const uint64_t hash = HashBytes(case_number);
    hashes.insert(hash);
    ++load[hash & (kCells - 1)];
  }
  EXPECT_EQ(hashes.size(), kKeys);
  // 100,000 keys in 65,536 cells: a uniform hash's fullest cell holds ~9; clustering far more.
  EXPECT_LE(*std::max_element(load.begin(), load.end()), 12);
}

TEST(HashBytesTest, EveryByteAndTheLengthCount) {
  const std::string base = "3301062025090400015";
  std::set<uint64_t> hashes = {HashBytes(base)};
  for (size_t at = 0; at < base.size(); ++at) {
    std::string changed = base;
    changed[at] = static_cast<char>(changed[at] ^ 1);
    hashes.insert(HashBytes(changed));
  }
  EXPECT_EQ(hashes.size(), base.size() + 1);
  // Short keys, the empty one and keys that differ only by trailing zero bytes.
  const std::vector<std::string> short_keys = {"", std::string(1, '\0'), std::string(2, '\0'),
                                               "a", "ab", "abcdefg", "abcdefgh", "abcdefghi"};
  std::set<uint64_t> short_hashes;
  for (const std::string& key : short_keys) short_hashes.insert(HashBytes(key));
  EXPECT_EQ(short_hashes.size(), short_keys.size());
}

// Cells keep 32 bits of each hash: hashes that share them, or all of their low bits, still
// find their own entries (matches decides), through rehashes, and a missing key is not found.
TEST(HashIndexTest, HashesSharingTheirLowBitsFindTheirOwnEntries) {
  HashIndex index;
  std::vector<uint64_t> keys;  // entry i's key is keys[i]; its hash is made to collide
  auto hash_of = [](uint64_t key) { return (key << 32) | 0x1234u; };  // the same low 32 bits
  for (uint64_t key = 1; key <= 3000; ++key) {
    index.Reserve(keys.size() + 1);
    HashIndex::Cell& cell =
        index.Probe(hash_of(key), [&](uint32_t position) { return keys[position] == key; });
    ASSERT_EQ(cell.index_plus_one, 0u) << key;
    cell = HashIndex::Filled(hash_of(key), static_cast<uint32_t>(keys.size()));
    keys.push_back(key);
  }
  for (uint64_t key = 1; key <= 3000; ++key) {
    EXPECT_EQ(index.Find(hash_of(key), [&](uint32_t position) { return keys[position] == key; }),
              static_cast<int64_t>(key - 1));
  }
  EXPECT_EQ(index.Find(hash_of(3001), [&](uint32_t position) { return keys[position] == 3001; }),
            -1);
  index.Clear();
  EXPECT_EQ(index.Find(hash_of(1), [&](uint32_t position) { return keys[position] == 1; }), -1);
}

// Case slots are dense from 0 in first-seen order, the same for a case seen again, and give
// back each case number, short (kept in the slot's record), at the record's limit or longer
// (kept aside), the empty one included; Reset starts again from 0.
TEST(CaseSlotterTest, SlotsAreDenseAndGiveBackEveryCaseNumber) {
  CaseSlotter slots;
  std::vector<std::string> numbers = {"3301062025090400001",   "33010620250904000012", "",
                                      "330106202509040000123", std::string(64, '9'),   "x"};
  for (int index = 0; index < 3000; ++index) {
    numbers.push_back("33010620250904" + std::to_string(10'000 + index));
    numbers.push_back("long-case-number-kept-aside-" + std::to_string(index));
  }
  for (size_t slot = 0; slot < numbers.size(); ++slot) {
    ASSERT_EQ(slots.SlotOf(numbers[slot]), slot);
  }
  EXPECT_EQ(slots.size(), numbers.size());
  for (size_t slot = 0; slot < numbers.size(); ++slot) {
    EXPECT_EQ(slots.SlotOf(numbers[slot]), slot);  // seen again: the same slot
    EXPECT_EQ(slots.Key(static_cast<uint32_t>(slot)), numbers[slot]);
    EXPECT_EQ(slots.Find(numbers[slot]), slot);
  }
  EXPECT_EQ(slots.Find("3301062025090400002"), std::nullopt);
  EXPECT_EQ(slots.Find(std::string(65, '9')), std::nullopt);
  slots.Reset();
  EXPECT_EQ(slots.size(), 0u);
  EXPECT_EQ(slots.Find(numbers[0]), std::nullopt);
  EXPECT_EQ(slots.SlotOf(numbers[4]), 0u);
  EXPECT_EQ(slots.Key(0), numbers[4]);
}

}  // namespace
// A batch's per-case table: Emplace builds a default value in place for a new case and resets
// an existing one; values found by slot and by case number are the same objects, and stay put
// while more cases come.
TEST(CaseTableTest, EmplaceMakesOrResetsTheCaseValueInPlace) {
  CaseSlotter slots;
  CaseTable<std::string> table;
  const EnvelopeView envelope;
  auto event = [&](const std::string& number) {
    return ProjectedEvent{envelope, nullptr, number, slots.SlotOf(number)};
  };
  const std::string first = "3301062025090400001";
  std::string& value = table.Emplace(event(first));
  EXPECT_EQ(value, "");
  value = "accepted";
  for (int index = 2; index < 2000; ++index) {
    table.Emplace(event("33010620250904" + std::to_string(10'000 + index))) = "submitted";
  }
  EXPECT_EQ(table.size(), 1999u);
  ASSERT_EQ(table.Find(event(first)), &value);  // not moved by the cases after it
  EXPECT_EQ(value, "accepted");
  // Without a slot (an event built outside the runner) the case is found by its number.
  EXPECT_EQ(table.Find(ProjectedEvent{envelope, nullptr, first}), &value);
  EXPECT_EQ(&table.Emplace(event(first)), &value);  // reset, in place
  EXPECT_EQ(value, "");
  EXPECT_EQ(table.size(), 1999u);
  // Peek (for prefetches) finds by slot only, never by number, and never inserts.
  EXPECT_EQ(table.Peek(event(first)), &value);
  EXPECT_EQ(table.Peek(ProjectedEvent{envelope, nullptr, first}), nullptr);
  EXPECT_EQ(table.Peek(event("3301062025090499999")), nullptr);
  table.Prefetch(event(first));
  table.Prefetch(event("3301062025090499998"));
  EXPECT_EQ(table.size(), 1999u);
}

// After Clear a table is empty whatever it held, a case of the next batch starts from a default
// value even where it reuses a kept entry (and its string's buffer), and a smaller batch after a
// larger one leaves only as many entries as it used.
TEST(CaseTableTest, ClearForgetsEveryCaseAndTheNextBatchStartsFromDefaults) {
  CaseSlotter slots;
  CaseTable<std::string> table;
  const EnvelopeView envelope;
  auto event = [&](const std::string& number) {
    return ProjectedEvent{envelope, nullptr, number, slots.SlotOf(number)};
  };
  auto number = [](int index) { return "33010620250904" + std::to_string(10'000 + index); };
  const std::string long_value(200, 'x');  // past the small-string size: a heap buffer
  for (int index = 0; index < 100; ++index) table.Emplace(event(number(index))) = long_value;
  table.Clear();
  slots.Reset();
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Find(event(number(0))), nullptr);
  EXPECT_EQ(table.Find(ProjectedEvent{envelope, nullptr, number(0)}), nullptr);  // by number too

  // The next batch: other cases in the kept entries, and one seen before, all from defaults.
  for (int index = 100; index < 110; ++index) {
    std::string& value = table.Emplace(event(number(index)));
    EXPECT_EQ(value, "");
    value = "batch 2";
  }
  EXPECT_EQ(table.Put(event(number(0)), "again"), "again");
  EXPECT_EQ(table.size(), 11u);
  std::vector<std::string> seen;
  table.ForEach([&](std::string_view case_number, const std::string& value) {
    seen.push_back(std::string(case_number) + "=" + value);
  });
  ASSERT_EQ(seen.size(), 11u);
  EXPECT_EQ(seen.front(), number(100) + "=batch 2");
  EXPECT_EQ(seen.back(), number(0) + "=again");

  table.Clear();
  slots.Reset();
  for (int index = 0; index < 3; ++index) {
    EXPECT_EQ(table.Emplace(event(number(200 + index))), "");
  }
  EXPECT_EQ(table.size(), 3u);
}

// A read batch's arena: every copy keeps its bytes where they are while more come, small ones
// across block ends and large ones in blocks of their own; an empty copy is empty.
TEST(ByteArenaTest, CopiesStayPutWhileMoreCome) {
  ByteArena arena;
  std::vector<std::pair<std::string, std::string_view>> copies;
  for (int index = 0; index < 40'000; ++index) {
    const size_t size = index % 997 == 0 ? 300'000 : 1 + index % 90;  // past a block's quarter
    std::string bytes(size, static_cast<char>('a' + index % 26));
    bytes += std::to_string(index);
    copies.emplace_back(bytes, arena.Copy(bytes));
  }
  for (const auto& [bytes, copy] : copies) ASSERT_EQ(copy, bytes);
  EXPECT_TRUE(arena.Copy("").empty());
}

// Elements stay where they were put while more come, in chunks of their own; indexes read
// them back across chunk ends; clear forgets them all and the next push starts again at 0.
TEST(ChunkedVectorTest, ElementsStayPutAndReadBackByIndex) {
  ChunkedVector<std::string, 8> strings;
  EXPECT_TRUE(strings.empty());
  const std::string* first = &strings.push_back("case-0");
  const std::string* ninth = nullptr;
  for (int index = 1; index < 1000; ++index) {
    const std::string& pushed = strings.push_back("case-" + std::to_string(index));
    if (index == 8) ninth = &pushed;
  }
  ASSERT_EQ(strings.size(), 1000u);
  EXPECT_EQ(first, &strings[0]);
  EXPECT_EQ(ninth, &strings[8]);
  for (size_t index = 0; index < strings.size(); ++index) {
    ASSERT_EQ(strings[index], "case-" + std::to_string(index));
  }
  strings[7] = "changed";
  const ChunkedVector<std::string, 8>& view = strings;
  EXPECT_EQ(view[7], "changed");
  strings.clear();
  EXPECT_TRUE(strings.empty());
  EXPECT_EQ(strings.push_back("again"), "again");
  EXPECT_EQ(strings.size(), 1u);
  EXPECT_EQ(strings[0], "again");
}

}  // namespace yiwang::test
