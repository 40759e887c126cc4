// The dashboard's KPIs (DESIGN.md §7): one scan over the in-memory rows in scope, integer
// comparisons only; the SLA clock runs for open cases alone.
#include <algorithm>
#include <mutex>

#include "domain/sla.h"
#include "projections/dashboard.h"
#include "projections/dashboard_internal.h"

namespace yiwang::projections {

using dashboard_internal::Facts;
using dashboard_internal::ItemFacts;
using dashboard_internal::kNoChannel;
using dashboard_internal::kNoTime;
using dashboard_internal::Row;
using dashboard_internal::Table;

namespace {

constexpr uint32_t kNoIndex = 0xffffffff;

// The scope of a query, resolved once against the interned tables.
class Scope {
 public:
  Scope(const DashboardQuery& query, const Table& table) : level_(query.level) {
    department_ok_.reserve(table.departments.texts.size());
    for (const std::string& department : table.departments.texts) {
      department_ok_.push_back(DepartmentMatches(query, department) ? 1 : 0);
    }
    if (!query.item.empty()) item_ = table.item_codes.Find(query.item).value_or(kNoIndex);
    if (!query.channel.empty()) {
      channel_ = kNoIndex;
      for (size_t index = 0; index < std::size(kChannels); ++index) {
        if (kChannels[index] == query.channel) channel_ = static_cast<uint32_t>(index);
      }
    }
  }

  static bool DepartmentMatches(const DashboardQuery& query, std::string_view department) {
    return (query.department.empty() || department == query.department) &&
           department.starts_with(query.division);
  }

  bool Matches(const Facts& facts) const {
    return department_ok_[facts.department] != 0 && (level_ == 0 || facts.level == level_) &&
           (item_ == kAny || facts.item == item_) &&
           (channel_ == kAny || facts.channel == channel_);
  }

 private:
  static constexpr uint32_t kAny = 0xfffffffe;
  int level_;
  std::vector<uint8_t> department_ok_;  // by department index
  uint32_t item_ = kAny;
  uint32_t channel_ = kAny;
};

bool InWindow(int64_t at, const DashboardQuery& query) {
  return at != kNoTime && at >= query.from_ms && at < query.to_ms;
}

void Count(bool hit, Ratio* ratio) {
  ++ratio->denominator;
  if (hit) ++ratio->numerator;
}

// The catalog figures: published, not retired items in scope (the channel does not apply).
void CatalogFigures(const DashboardQuery& query, const Table& table, DashboardReport* report) {
  for (const ItemFacts& item : table.items) {
    if (!item.published || item.retired) continue;
    if (query.level != 0 && item.level != query.level) continue;
    if (!query.item.empty() && item.code != query.item) continue;
    if (!Scope::DepartmentMatches(query, item.department)) continue;
    Count(item.online, &report->online_capable_all);
    const int level_slot = item.level - static_cast<int>(ServiceLevel::kProvince);
    if (level_slot >= 0 && level_slot < 3) Count(item.online, &report->online_capable[level_slot]);
    Count(item.one_window, &report->one_window_items);
    if (item.baseline_materials > 0) {
      report->materials_reduction_by_item.emplace_back(
          item.code, 1.0 - static_cast<double>(item.materials) / item.baseline_materials);
    }
  }
  std::sort(report->materials_reduction_by_item.begin(), report->materials_reduction_by_item.end());
}

// Figures of a case whose steps fall in the window.
void WindowFigures(const DashboardQuery& query, const Facts& facts, DashboardReport* report) {
  const auto flag = [&](uint8_t bit) { return (facts.flags & bit) != 0; };
  if (InWindow(facts.submitted_at, query)) {
    ++report->counts_by_state[facts.status];
    ++report->submitted;
    Count(flag(Facts::kOnline), &report->online);
    if (facts.materials_baseline > 0 && facts.materials_baseline <= kCatalogBaselineMaterialsMax) {
      report->materials_saved_by_baseline[facts.materials_baseline] +=
          facts.materials_baseline - facts.materials_required;
      ++report->materials_reduction_cases;
    }
  }
  if (InWindow(facts.accepted_at, query) && flag(Facts::kWindowChannel)) {
    Count(flag(Facts::kComprehensiveWindow), &report->one_window_cases);
  }
  if (InWindow(facts.decided_at, query)) {
    if (flag(Facts::kDecisionComputed)) {
      Count(flag(Facts::kImmediate), &report->immediate);
      Count(flag(Facts::kOnTime), &report->on_time);
      const size_t days = static_cast<size_t>(std::max(0, facts.handling_working_days));
      if (days >= report->handling_days.size()) report->handling_days.resize(days + 1);
      ++report->handling_days[days];
    } else {
      ++report->decisions_uncomputed;
    }
  }
  if (InWindow(facts.closed_at, query) &&
      facts.status == static_cast<uint8_t>(CaseStatus::kClosed)) {
    Count(facts.trips_capped == 0, &report->zero_trip);
    Count(facts.trips_capped <= 1, &report->at_most_one_trip);
  }
  if (InWindow(facts.evaluated_at, query) && facts.grade >= kEvaluationGradeMin &&
      facts.grade <= kEvaluationGradeMax) {
    ++report->grades[static_cast<size_t>(facts.grade)];
    ++report->evaluated;
    if (facts.grade <= kBadEvaluationGradeMax) ++report->bad_grades;
    report->open_rectifications += facts.open_rectifications;
  }
}

struct Urgent {
  uint32_t row = 0;
  int working_days = 0;
  int64_t deadline_days = 0;
  bool legal_overdue = false;
};

// Keeps the `limit` most urgent entries: `more_urgent` orders them.
template <typename Less>
void Trim(std::vector<Urgent>* entries, size_t limit, const Table& table, Less more_urgent) {
  auto order = [&](const Urgent& a, const Urgent& b) {
    if (more_urgent(a, b)) return true;
    if (more_urgent(b, a)) return false;
    if (a.deadline_days != b.deadline_days) return a.deadline_days < b.deadline_days;
    return table.case_index.Key(a.row) < table.case_index.Key(b.row);
  };
  const size_t kept = std::min(limit, entries->size());
  std::partial_sort(entries->begin(), entries->begin() + kept, entries->end(), order);
  entries->resize(kept);
}

std::vector<DashboardListEntry> Materialize(const std::vector<Urgent>& entries,
                                            const Table& table) {
  std::vector<DashboardListEntry> list;
  list.reserve(entries.size());
  for (const Urgent& entry : entries) {
    const Row& row = table.rows[entry.row];
    const ItemFacts& item = table.items[row.item];
    list.push_back(DashboardListEntry{std::string(table.case_index.Key(entry.row)), item.code,
                                      item.name, table.departments.texts[row.department],
                                      CivilFromDays(entry.deadline_days), entry.working_days,
                                      entry.legal_overdue});
  }
  return list;
}

}  // namespace

Result<int64_t> ParseWindowBound(std::string_view text, bool end, const std::string& field) {
  const Status invalid =
      InvalidArgument(field +
                          " must be a date YYYY-MM-DD (China Standard Time) or an ISO 8601 "
                          "UTC timestamp like 2026-11-27T09:31:05Z",
                      field)
          .WithReason("invalid_value");
  if (text.size() == 10) {
    Result<CivilDate> date = ParseDate(text);
    if (!date.ok()) return invalid;
    return StartOfLocalDay(end ? AddDays(*date, 1) : *date).unix_ms;
  }
  Result<Timestamp> instant = ParseTimestamp(text);
  if (!instant.ok()) return invalid;
  return instant->unix_ms;
}

Result<DashboardReport> Dashboard::Query(const DashboardQuery& query) const {
  if (query.list_items_max < 1 || query.list_items_max > kDashboardListItemsMax) {
    return InvalidArgument("limit must be 1.." + std::to_string(kDashboardListItemsMax), "limit");
  }
  if (query.from_ms >= query.to_ms) return InvalidArgument("from must be before to", "from");
  YIWANG_RETURN_IF_ERROR(EnsureLoaded());
  std::shared_lock lock(mutex_);
  const Table& table = *table_;
  DashboardReport report;
  CatalogFigures(query, table, &report);
  const Scope scope(query, table);
  std::vector<Urgent> overdue;
  std::vector<Urgent> warning;
  CaseState scratch;  // reused: the SLA input of each open case
  for (uint32_t index = 0; index < table.facts.size(); ++index) {
    const Facts& facts = table.facts[index];
    if (!scope.Matches(facts)) continue;
    WindowFigures(query, facts, &report);
    if ((facts.flags & Facts::kClockOpen) == 0) continue;
    dashboard_internal::FillSlaState(table.rows[index], &scratch);
    Result<SlaView> sla = ComputeSla(scratch, *calendar_, query.now);
    if (!sla.ok()) {
      ++report.sla_uncomputed;
      continue;
    }
    if (sla->warning == SlaWarning::kNone || !sla->deadline.has_value()) continue;
    const Urgent entry{
        index, sla->warning == SlaWarning::kRed ? -sla->working_days_left : sla->working_days_left,
        DaysFromCivil(*sla->deadline), sla->legal_overdue};
    (sla->warning == SlaWarning::kRed ? overdue : warning).push_back(entry);
  }
  for (int baseline = 1; baseline <= kCatalogBaselineMaterialsMax; ++baseline) {
    report.materials_reduction_sum +=
        static_cast<double>(report.materials_saved_by_baseline[baseline]) / baseline;
  }
  report.overdue_total = static_cast<int64_t>(overdue.size());
  report.warning_total = static_cast<int64_t>(warning.size());
  Trim(&overdue, query.list_items_max, table,
       [](const Urgent& a, const Urgent& b) { return a.working_days > b.working_days; });
  Trim(&warning, query.list_items_max, table,
       [](const Urgent& a, const Urgent& b) { return a.working_days < b.working_days; });
  report.overdue = Materialize(overdue, table);
  report.warning = Materialize(warning, table);
  return report;
}

}  // namespace yiwang::projections
