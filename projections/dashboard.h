// The supervision dashboard (DESIGN.md §7, GET /api/v1/dashboard): the article's KPIs for a time
// window and a scope, computed exactly (no sampling) from one fact row per case.
//
// The projection folds case events into a compact row per case (item, handling department,
// level, channel, the instants of submission, acceptance, decision, withdrawal, closing and
// evaluation, the acceptance's deadlines, pauses, extension, trips, grade, open rectifications)
// and keeps its own copy of the catalog facts it needs from CatalogItem* events (a projection
// never reads another's state). Rows are stored in the "dashboard" family with the runner's
// checkpoint; every row also lives in memory (loaded on first use, updated at Committed), so a
// query scans memory and touches no disk. Facts of a decided case (on time, handling days,
// immediate) are computed once, at the decision, with the domain's SLA clock (domain/sla.h);
// the overdue and warning lists run ComputeSla at `now` for the open cases in scope.
//
// Which instant puts a case into the window [from, to) of each figure:
//   counts_by_state, online_rate, materials_reduction     submission
//   one_window_rate.cases                                 acceptance
//   immediate_rate, on_time_rate, handling_days           decision (approval or denial)
//   zero_trip_rate, at_most_one_trip_rate                 closing (办结)
//   satisfaction (grades, bad_share, open_rectifications)  evaluation
//   online_capable_rate, one_window_rate.items            none: the catalog as it is now
//   overdue, warning                                      none: open cases at `now`
//
// Thread-safety: Apply/Committed/Discard on the runner thread; Query from any thread (a shared
// lock while it scans; Committed takes it exclusively to publish a batch).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/status.h"
#include "domain/time.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/string_map.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace yiwang::projections {

inline constexpr std::string_view kDashboardFamily = "dashboard";
inline constexpr size_t kDashboardListItemsDefault = 100;
inline constexpr size_t kDashboardListItemsMax = 1000;

namespace dashboard_internal {
struct Table;
struct Row;
}  // namespace dashboard_internal

struct DashboardQuery {
  int64_t from_ms = std::numeric_limits<int64_t>::min();  // window start, inclusive
  int64_t to_ms = std::numeric_limits<int64_t>::max();    // window end, exclusive
  int level = 0;                                          // 2 province, 3 city, 4 county; 0 any
  std::string division;                                   // prefix of the department; empty: any
  std::string department;                                 // exact department; empty: any
  std::string item;                                       // exact item code; empty: any
  std::string channel;  // exact channel; empty: any (catalog figures ignore it)
  size_t list_items_max = kDashboardListItemsDefault;  // overdue and warning, each
  Timestamp now;
};

// A rate: numerator ÷ denominator, null when the denominator is 0.
struct Ratio {
  int64_t numerator = 0;
  int64_t denominator = 0;
  bool operator==(const Ratio&) const = default;
};

struct DashboardListEntry {
  std::string case_number;
  std::string service_code;
  std::string item_name;
  std::string department;
  CivilDate deadline;    // promised deadline after pauses and extension
  int working_days = 0;  // overdue: working days past the deadline; warning: days left
  bool legal_overdue = false;
};

struct DashboardReport {
  std::array<int64_t, kCaseStatusCount> counts_by_state{};  // indexed by CaseStatus
  int64_t submitted = 0;
  Ratio online;                         // online or mobile ÷ submitted
  std::array<Ratio, 3> online_capable;  // items: province, city, county
  Ratio online_capable_all;
  Ratio one_window_items;                 // 一窗通办 items ÷ items
  Ratio one_window_cases;                 // window cases accepted at a comprehensive window
  Ratio immediate;                        // decided on the working day of acceptance ÷ decided
  Ratio on_time;                          // decided within the promised days ÷ decided
  double materials_reduction_sum = 0;     // Σ (1 − required ÷ baseline) over submitted cases
  int64_t materials_reduction_cases = 0;  // cases whose item has a baseline
  // Σ (baseline − required) per baseline, exact: the sum above is computed from it in baseline
  // order, so it does not depend on the order the cases are scanned in (floating-point sums do).
  std::array<int64_t, kCatalogBaselineMaterialsMax + 1> materials_saved_by_baseline{};
  std::vector<std::pair<std::string, double>> materials_reduction_by_item;  // items in scope
  Ratio zero_trip;         // closed with 0 trips ÷ closed
  Ratio at_most_one_trip;  // closed with ≤ 1 trip ÷ closed
  // Handling working days of the decided cases: handling_days[d] cases took d working days
  // (exact percentiles, no sampling).
  std::vector<int64_t> handling_days;
  int64_t decisions_uncomputed = 0;  // decided cases the calendar did not cover
  std::array<int64_t, 6> grades{};   // [1..5]
  int64_t evaluated = 0;
  int64_t bad_grades = 0;  // grades ≤ kBadEvaluationGradeMax
  int64_t open_rectifications = 0;
  std::vector<DashboardListEntry> overdue;  // most days over first
  std::vector<DashboardListEntry> warning;  // fewest days left first
  int64_t overdue_total = 0;
  int64_t warning_total = 0;
  int64_t sla_uncomputed = 0;  // open cases the calendar did not cover at `now`
};

class Dashboard : public Projection {
 public:
  // `read_store` and `calendar` must outlive the projection.
  Dashboard(ReadStore* read_store, const WorkingCalendar* calendar);
  ~Dashboard() override;

  std::string_view name() const override { return kDashboardFamily; }
  std::vector<std::string> families() const override { return {std::string(kDashboardFamily)}; }
  // kDataLoss for an event that does not decode, a case event before its CaseSubmitted, or a
  // stored row that does not decode. Events already folded (version <= the row's) are skipped.
  Status Apply(const ProjectedEvent& event, ReadBatch* batch) override;
  void Prefetch(const ProjectedEvent& event) const override;
  // Writes each row changed by the batch once.
  Status Flush(ReadBatch* batch) override;
  void Committed() override;
  void Discard() override;

  // kInvalidArgument for list_items_max outside 1..kDashboardListItemsMax or from >= to;
  // kDataLoss / kUnavailable when the stored rows cannot be loaded.
  Result<DashboardReport> Query(const DashboardQuery& query) const;
  // Cases known (committed), for benchmarks and logs.
  size_t case_count() const;

 private:
  // Loads the committed rows once (first use after construction or Discard).
  Status EnsureLoaded() const;
  Status LoadLocked() const;
  Result<dashboard_internal::Row*> PendingRow(const ProjectedEvent& event, bool create);
  Status ApplyCatalog(const EnvelopeView& event, ReadBatch* batch);
  Status ApplyCase(const ProjectedEvent& event);

  ReadStore* read_store_;
  const WorkingCalendar* calendar_;
  mutable std::shared_mutex mutex_;  // guards table_ and loaded_ against readers
  mutable std::unique_ptr<dashboard_internal::Table> table_;
  mutable bool loaded_ = false;
  // Rows changed by the batch being applied (runner thread only).
  internal::CaseTable<dashboard_internal::Row> pending_;
};

// A bound of the window as the query string gives it: "YYYY-MM-DD" is a whole day in China
// Standard Time (as a start: the day's first instant; as an end: the next day's, so the day is
// included), anything else an ISO 8601 UTC timestamp in FormatTimestamp's form (with or without
// milliseconds), taken as is. kInvalidArgument naming `field` (reason invalid_value) otherwise.
Result<int64_t> ParseWindowBound(std::string_view text, bool end, const std::string& field);

// JSON of GET /api/v1/dashboard with the field names of DESIGN.md §8 (shape in
// projections/README.md): rates as fractions in [0,1] or null, dates as YYYY-MM-DD.
std::string WriteDashboardJson(const DashboardQuery& query, const DashboardReport& report);

}  // namespace yiwang::projections
