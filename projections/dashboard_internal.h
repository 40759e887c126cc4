// Internals of the dashboard projection shared by dashboard.cc (folding events), dashboard_row.cc
// (the stored form) and dashboard_query.cc (the KPIs). Not a public surface: include
// projections/dashboard.h.
//
// One compact fact row per case holds exactly what the KPIs of DESIGN.md §7 need; strings that
// repeat across cases (item codes, departments) are interned into small tables so that a query
// over every case of a province compares integers only.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/events.h"
#include "domain/status.h"
#include "projections/dashboard.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/chunked_vector.h"

namespace yiwang::projections::dashboard_internal {

// An absent instant (the case has not reached that step).
inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
// Row::channel when the submission named no known channel.
inline constexpr uint8_t kNoChannel = 0xff;

// The stored row layout; a row of another format is kDataLoss (rebuild with `yiwang replay`).
inline constexpr uint8_t kRowFormat = 1;
inline constexpr uint8_t kItemFormat = 1;

// Facts frozen at the decision (approval or denial), computed with the domain's SLA clock.
struct Decision {
  bool computed = false;   // false when the calendar did not cover a date it needed
  bool on_time = false;    // decided on or before the promised deadline (after pauses, extension)
  bool immediate = false;  // no working day passed between acceptance and decision
  int handling_working_days = 0;  // clock start to decision, net of pauses
};

struct Row {
  uint32_t version = 0;     // last folded event of the case
  uint32_t item = 0;        // index into Table::items
  uint32_t department = 0;  // index into Table::departments: handling department, else the item's
  uint8_t level = 0;        // the item's level at submission (2 province, 3 city, 4 county)
  uint8_t channel = kNoChannel;  // index into kChannels
  CaseStatus status = CaseStatus::kNone;
  bool comprehensive_window = false;  // accepted at a 一窗通办 window
  int8_t grade = 0;                   // 满意度 1..5, 0 until evaluated
  uint8_t open_rectifications = 0;
  int32_t trips = 0;
  int32_t materials_required = 0;  // the item's materials at submission
  int32_t materials_baseline = 0;  // the item's baseline materials at submission
  int64_t submitted_at = kNoTime;  // unix ms of each step
  int64_t accepted_at = kNoTime;
  int64_t decided_at = kNoTime;  // approval or denial only (not 不予受理)
  int64_t withdrawn_at = kNoTime;
  int64_t closed_at = kNoTime;
  int64_t evaluated_at = kNoTime;
  std::optional<CaseAccepted> acceptance;  // acceptance_number left empty
  int32_t extension_working_days = 0;
  std::vector<ClockPause> pauses;  // dropped once the clock stopped
  Decision decision;
};

// What a scan reads of a row, in one cache line: a query over every case of a province touches
// 64 bytes per case and the full Row only for open clocks.
struct alignas(64) Facts {
  enum Flag : uint8_t {
    kOnline = 1,               // submitted online or by mobile
    kWindowChannel = 2,        // submitted at a window
    kComprehensiveWindow = 4,  // accepted at a 一窗通办 window
    kClockOpen = 8,            // accepted, neither decided nor withdrawn
    kDecisionComputed = 16,
    kOnTime = 32,
    kImmediate = 64,
  };
  int64_t submitted_at = kNoTime;
  int64_t accepted_at = kNoTime;
  int64_t decided_at = kNoTime;
  int64_t closed_at = kNoTime;
  int64_t evaluated_at = kNoTime;
  uint32_t item = 0;
  uint32_t department = 0;
  int32_t handling_working_days = 0;
  uint16_t materials_required = 0;
  uint16_t materials_baseline = 0;
  uint8_t level = 0;
  uint8_t channel = kNoChannel;
  uint8_t status = 0;  // CaseStatus
  int8_t grade = 0;
  uint8_t open_rectifications = 0;
  uint8_t trips_capped = 0;  // min(trips, 2): all the trip rates need
  uint8_t flags = 0;
};
static_assert(sizeof(Facts) == 64);

Facts FactsOf(const Row& row);

struct ItemFacts {
  std::string code;
  std::string name;
  std::string department;
  int level = 0;
  bool online = false;      // allows online or mobile submission (网上可办)
  bool one_window = false;  // 一窗通办
  bool published = false;   // false for an item known only from a case's submission
  bool retired = false;
  int32_t materials = 0;
  int32_t baseline_materials = 0;
};

// Interned strings: index -> text, text -> index. Append-only while loaded.
struct Names {
  std::vector<std::string> texts;
  internal::StringMap<uint32_t> index;

  std::optional<uint32_t> Find(std::string_view text) const {
    auto found = index.find(text);
    if (found == index.end()) return std::nullopt;
    return found->second;
  }
  uint32_t Intern(std::string_view text) {
    auto found = index.find(text);
    if (found != index.end()) return found->second;
    const uint32_t next = static_cast<uint32_t>(texts.size());
    index.emplace(std::string(text), next);
    texts.emplace_back(text);
    return next;
  }
};

struct Table {
  internal::ChunkedVector<Row> rows;  // by case slot; rows never move
  std::vector<Facts> facts;  // parallel to rows
  // Case number -> row (the slot is the row's index; Key(row) its case number). Flat: the
  // node-based map it replaced cost a replay a node and a heap key per case, and their misses.
  internal::CaseSlotter case_index;
  std::vector<ItemFacts> items;  // parallel to item_codes.texts
  Names item_codes;
  Names departments;

  // Adds or replaces the row of `case_number`, keeping `facts` in step.
  void Upsert(std::string_view case_number, Row row) {
    const Facts row_facts = FactsOf(row);
    const uint32_t index = case_index.SlotOf(case_number);
    if (index < rows.size()) {
      rows[index] = std::move(row);
      facts[index] = row_facts;
      return;
    }
    rows.push_back(std::move(row));
    facts.push_back(row_facts);
  }

  uint32_t ItemIndex(std::string_view code) {
    const uint32_t index = item_codes.Intern(code);
    if (index == items.size()) {
      items.emplace_back();
      items.back().code = std::string(code);
    }
    return index;
  }
};

// Stored forms (grammar in projections/README.md). Decode* fail with kDataLoss.
std::string EncodeRow(const Row& row, const Table& table);
Status DecodeRow(std::string_view bytes, Table* table, Row* row);
std::string EncodeItem(const ItemFacts& item);
Result<ItemFacts> DecodeItem(std::string_view bytes);

// How an event type moves a case, without decoding its data: the status it leads to (nullopt:
// unchanged). Mirrors domain StatusAfter; the projection tests hold the two together.
std::optional<CaseStatus> StatusAfterType(std::string_view type);
// The same for a decoded event, by its alternative (a table lookup, no name comparisons).
std::optional<CaseStatus> StatusAfterEvent(const CaseEvent& event);

// The domain's SLA input for a row: the fields ComputeSla reads. `scratch` is reused between
// calls so that a scan allocates nothing per row.
void FillSlaState(const Row& row, CaseState* scratch);

}  // namespace yiwang::projections::dashboard_internal
