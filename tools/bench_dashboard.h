// The dashboard phase of `yiwang bench replay`: query latency of GET /api/v1/dashboard's engine
// (Dashboard::Query plus the JSON) over the read models a replay left behind.
#pragma once

#include <cstdint>
#include <string>

#include "domain/status.h"

namespace yiwang::tools {

inline constexpr int kDashboardBenchQueriesMax = 100'000;

struct DashboardBenchFigures {
  uint64_t cases = 0;       // rows of the dashboard
  double load_ms = 0;       // the first query: loading every row from the read store
  int queries = 0;          // timed queries of each kind
  double whole_p50_ms = 0;  // the whole province, a one-year window, no other filter
  double whole_p99_ms = 0;
  double whole_max_ms = 0;
  double scoped_p99_ms = 0;  // one department and one channel
};

// Opens the read models under `data_dir` (DIR/read, after a replay; nothing may hold them) with
// the built-in calendar, and times `queries` (1..kDashboardBenchQueriesMax) queries of each
// kind on one thread, at the current time. kInvalidArgument for a bad count; errors of the read
// store otherwise.
Result<DashboardBenchFigures> MeasureDashboardQueries(const std::string& data_dir, int queries);

}  // namespace yiwang::tools
