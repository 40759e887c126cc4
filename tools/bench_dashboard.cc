#include "tools/bench_dashboard.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "projections/dashboard.h"
#include "projections/read_models.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The value at rank ceil(percent/100 · n) of the sorted samples.
double Percentile(std::vector<double> samples, int percent) {
  std::sort(samples.begin(), samples.end());
  const size_t rank = (samples.size() * percent + 99) / 100;
  return samples[rank == 0 ? 0 : rank - 1];
}

// Runs the query (and renders the JSON, as the route does) `count` times; each latency in ms.
Result<std::vector<double>> Time(const projections::Dashboard& dashboard,
                                 const projections::DashboardQuery& query, int count) {
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int index = 0; index < count; ++index) {
    const Clock::time_point start = Clock::now();
    Result<projections::DashboardReport> report = dashboard.Query(query);
    if (!report.ok()) return report.status();
    const std::string json = projections::WriteDashboardJson(query, *report);
    samples.push_back(MillisSince(start));
    if (json.empty()) return Internal("empty dashboard JSON");
  }
  return samples;
}

}  // namespace

Result<DashboardBenchFigures> MeasureDashboardQueries(const std::string& data_dir, int queries) {
  if (queries < 1 || queries > kDashboardBenchQueriesMax) {
    return InvalidArgument("dashboard queries must be 1.." +
                           std::to_string(kDashboardBenchQueriesMax));
  }
  Result<WorkingCalendar> calendar = LoadCalendar("");
  if (!calendar.ok()) return calendar.status();
  Result<std::unique_ptr<projections::ReadModels>> models =
      projections::ReadModels::Open(ReadModelsPath(data_dir), &*calendar);
  if (!models.ok()) return models.status();
  const projections::Dashboard& dashboard = (*models)->dashboard();

  projections::DashboardQuery whole;
  whole.now = SystemNow();
  whole.from_ms = StartOfLocalDay(CivilDate{2025, 1, 1}).unix_ms;
  whole.to_ms = StartOfLocalDay(CivilDate{2026, 1, 1}).unix_ms;
  DashboardBenchFigures figures;
  figures.queries = queries;
  const Clock::time_point load_start = Clock::now();
  Result<projections::DashboardReport> first = dashboard.Query(whole);
  if (!first.ok()) return first.status();
  figures.load_ms = MillisSince(load_start);
  figures.cases = dashboard.case_count();

  Result<std::vector<double>> samples = Time(dashboard, whole, queries);
  if (!samples.ok()) return samples.status();
  figures.whole_p50_ms = Percentile(*samples, 50);
  figures.whole_p99_ms = Percentile(*samples, 99);
  figures.whole_max_ms = *std::max_element(samples->begin(), samples->end());

  projections::DashboardQuery scoped = whole;
  scoped.department = "330106-GA-HZ";
  scoped.channel = "window";
  samples = Time(dashboard, scoped, queries);
  if (!samples.ok()) return samples.status();
  figures.scoped_p99_ms = Percentile(*samples, 99);
  return figures;
}

}  // namespace yiwang::tools
