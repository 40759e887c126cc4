#include "api/metrics.h"

#include <cstdio>
#include <span>
#include <vector>

#include "domain/case_commands.h"

namespace yiwang::api {
namespace {

constexpr std::array<int, 17> kStatusCodes = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                              409, 412, 413, 415, 429, 500, 501, 503};
constexpr std::array<std::string_view, 3> kDenialReasons = {"unauthenticated", "forbidden",
                                                            "role_not_allowed"};
constexpr std::array<std::string_view, 2> kMethodNames = {"GET", "POST"};

// The actions of POST /api/v1/cases/{no}/{action} (DESIGN.md §8): every command's name but
// "submit", which is POST /api/v1/cases.
std::span<const std::string_view> Actions() { return CommandActionNames().subspan(1); }

constexpr std::array<std::string_view, 18> kFixedRoutes = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/catalog",
    "/api/v1/catalog/{code}",
    "/api/v1/cases",
    "/api/v1/cases/{no}",
    "/api/v1/progress",
    "/api/v1/applicants/{id}/cases",
    "/api/v1/applicants/{id}/certificates",
    "/api/v1/dashboard",
    "/api/v1/audit",
    "/api/v1/audit/supervision",
    "/api/v1/events",
    "/api/v1/events/live",
    "/api/v1/streams/{id}",
    "/api/v1/cases/{no}/{unknown action}",
    "other",  // kept last
};
constexpr size_t kActionRoutesStart = kFixedRoutes.size() - 1;  // actions sit before "other"

const std::vector<std::string>& Routes() {
  static const std::vector<std::string>* routes = [] {
    auto* all = new std::vector<std::string>(kFixedRoutes.begin(), kFixedRoutes.end() - 1);
    for (std::string_view action : Actions()) {
      all->push_back("/api/v1/cases/{no}/" + std::string(action));
    }
    all->push_back("other");
    return all;
  }();
  return *routes;
}

size_t FixedRoute(std::string_view pattern) {
  for (size_t index = 0; index < kFixedRoutes.size(); ++index) {
    if (kFixedRoutes[index] == pattern) return index;
  }
  return RouteCount() - 1;
}

// Splits "/a/b/c" into at most 6 segments; more than that is "other".
size_t Segments(std::string_view path, std::array<std::string_view, 6>* out) {
  size_t count = 0;
  while (!path.empty()) {
    if (path.front() != '/') return SIZE_MAX;
    path.remove_prefix(1);
    const size_t end = path.find('/');
    if (count == out->size()) return SIZE_MAX;
    (*out)[count++] = path.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  return count;
}

size_t StatusIndex(int status) {
  for (size_t index = 0; index < kStatusCodes.size(); ++index) {
    if (kStatusCodes[index] == status) return index;
  }
  return kStatusCodes.size();
}

void AppendLine(std::string* out, const char* format, auto... values) {
  char line[512];
  const int length = std::snprintf(line, sizeof line, format, values...);
  if (length > 0) out->append(line, std::min<size_t>(static_cast<size_t>(length), sizeof line - 1));
}

std::string FormatBound(double bound) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", bound);
  return text;
}

void AppendHeader(std::string* out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

size_t RouteCount() { return Routes().size(); }
std::string_view RoutePattern(size_t route) { return Routes()[std::min(route, RouteCount() - 1)]; }

size_t RouteOf(std::string_view method, std::string_view path) {
  (void)method;  // the method is a label of its own
  std::array<std::string_view, 6> part;
  const size_t count = Segments(path, &part);
  if (count == 1) return FixedRoute("/" + std::string(part[0]));
  if (count < 2 || part[0] != "api" || part[1] != "v1") return RouteCount() - 1;
  if (count == 3) return FixedRoute("/api/v1/" + std::string(part[2]));
  if (count == 4 && part[2] == "events" && part[3] == "live")
    return FixedRoute("/api/v1/events/live");
  if (count == 4 && part[2] == "audit" && part[3] == "supervision") {
    return FixedRoute("/api/v1/audit/supervision");
  }
  if (count == 4 && part[2] == "catalog") return FixedRoute("/api/v1/catalog/{code}");
  if (count == 4 && part[2] == "cases") return FixedRoute("/api/v1/cases/{no}");
  if (count == 4 && part[2] == "streams") return FixedRoute("/api/v1/streams/{id}");
  if (count == 5 && part[2] == "applicants") {
    return FixedRoute("/api/v1/applicants/{id}/" + std::string(part[4]));
  }
  if (count == 5 && part[2] == "cases") {
    const std::span<const std::string_view> actions = Actions();
    for (size_t index = 0; index < actions.size(); ++index) {
      if (actions[index] == part[4]) return kActionRoutesStart + index;
    }
    return FixedRoute("/api/v1/cases/{no}/{unknown action}");
  }
  return RouteCount() - 1;
}

HttpMetrics::HttpMetrics() : routes_(new RouteSeries[RouteCount()]) {
  static_assert(kStatuses == kStatusCodes.size() + 1);
  static_assert(kMethods == kMethodNames.size() + 1);
  static_assert(kReasons == kDenialReasons.size() + 1);
}

void HttpMetrics::Record(std::string_view method, std::string_view path, int status, double seconds,
                         std::string_view error_code) {
  RouteSeries& series = routes_[RouteOf(method, path)];
  const size_t method_index = method == "GET" ? 0 : method == "POST" ? 1 : 2;
  series.requests[method_index * kStatuses + StatusIndex(status)].fetch_add(
      1, std::memory_order_relaxed);
  size_t bucket = 0;
  while (bucket < kLatencyBucketsSeconds.size() && seconds > kLatencyBucketsSeconds[bucket]) {
    ++bucket;
  }
  series.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  series.latency_sum_ns.fetch_add(static_cast<uint64_t>(std::max(seconds, 0.0) * 1e9),
                                  std::memory_order_relaxed);
  if (status != 401 && status != 403) return;
  size_t reason = kDenialReasons.size();
  for (size_t index = 0; index < kDenialReasons.size(); ++index) {
    if (kDenialReasons[index] == error_code) reason = index;
  }
  denials_[status == 401 ? 0 : 1][reason].fetch_add(1, std::memory_order_relaxed);
}

std::string HttpMetrics::Render() const {
  std::string out;
  AppendHeader(&out, "yiwang_http_requests_total",
               "HTTP requests by route pattern, method and status.", "counter");
  for (size_t route = 0; route < RouteCount(); ++route) {
    for (size_t method = 0; method < kMethods; ++method) {
      for (size_t status = 0; status < kStatuses; ++status) {
        const uint64_t count = routes_[route].requests[method * kStatuses + status].load();
        if (count == 0) continue;
        const std::string code =
            status < kStatusCodes.size() ? std::to_string(kStatusCodes[status]) : "other";
        AppendLine(
            &out, "yiwang_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
            std::string(RoutePattern(route)).c_str(),
            method < kMethodNames.size() ? std::string(kMethodNames[method]).c_str() : "other",
            code.c_str(), static_cast<unsigned long long>(count));
      }
    }
  }
  AppendHeader(&out, "yiwang_http_request_duration_seconds",
               "Time from the request read to the response written, per route pattern.",
               "histogram");
  for (size_t route = 0; route < RouteCount(); ++route) {
    const RouteSeries& series = routes_[route];
    uint64_t cumulative = 0;
    std::array<uint64_t, kBuckets> counts;
    for (size_t bucket = 0; bucket < kBuckets; ++bucket)
      counts[bucket] = series.buckets[bucket].load();
    for (uint64_t count : counts) cumulative += count;
    if (cumulative == 0) continue;
    const std::string pattern(RoutePattern(route));
    uint64_t running = 0;
    for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
      running += counts[bucket];
      const std::string bound = bucket < kLatencyBucketsSeconds.size()
                                    ? FormatBound(kLatencyBucketsSeconds[bucket])
                                    : "+Inf";
      AppendLine(&out, "yiwang_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %llu\n",
                 pattern.c_str(), bound.c_str(), static_cast<unsigned long long>(running));
    }
    AppendLine(&out, "yiwang_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n",
               pattern.c_str(), series.latency_sum_ns.load() / 1e9);
    AppendLine(&out, "yiwang_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
               pattern.c_str(), static_cast<unsigned long long>(running));
  }
  AppendHeader(&out, "yiwang_http_denials_total",
               "Requests refused with 401 or 403, by status and error code.", "counter");
  for (size_t status = 0; status < 2; ++status) {
    for (size_t reason = 0; reason < kReasons; ++reason) {
      const uint64_t count = denials_[status][reason].load();
      if (count == 0) continue;
      AppendLine(
          &out, "yiwang_http_denials_total{status=\"%d\",reason=\"%s\"} %llu\n",
          status == 0 ? 401 : 403,
          reason < kDenialReasons.size() ? std::string(kDenialReasons[reason]).c_str() : "other",
          static_cast<unsigned long long>(count));
    }
  }
  return out;
}

}  // namespace yiwang::api

namespace yiwang::api {
namespace {

template <size_t N>
void AppendHistogram(std::string* out, std::string_view name, const std::array<uint64_t, N>& bounds,
                     const std::array<uint64_t, N + 1>& counts, double scale, double sum) {
  uint64_t running = 0;
  for (size_t bucket = 0; bucket <= N; ++bucket) {
    running += counts[bucket];
    const std::string bound = bucket < N ? FormatBound(bounds[bucket] * scale) : "+Inf";
    AppendLine(out, "%s_bucket{le=\"%s\"} %llu\n", std::string(name).c_str(), bound.c_str(),
               static_cast<unsigned long long>(running));
  }
  AppendLine(out, "%s_sum %.6f\n", std::string(name).c_str(), sum);
  AppendLine(out, "%s_count %llu\n", std::string(name).c_str(),
             static_cast<unsigned long long>(running));
}

}  // namespace

std::string RenderStoreMetrics(const EventStore& store) {
  const EventStore::Stats stats = store.GetStats();
  std::string out;
  AppendHeader(&out, "yiwang_event_store_head_position", "Last committed log position.", "gauge");
  AppendLine(&out, "yiwang_event_store_head_position %llu\n",
             static_cast<unsigned long long>(store.HeadPosition()));
  AppendHeader(&out, "yiwang_event_store_events_total", "Events written since start.", "counter");
  AppendLine(&out, "yiwang_event_store_events_total %llu\n",
             static_cast<unsigned long long>(stats.events));
  AppendHeader(&out, "yiwang_event_store_appends_total",
               "Appends acknowledged since start, duplicates included.", "counter");
  AppendLine(&out, "yiwang_event_store_appends_total %llu\n",
             static_cast<unsigned long long>(stats.appends));
  AppendHeader(&out, "yiwang_event_store_commit_batch_events",
               "Events per group commit (one WriteBatch, one sync).", "histogram");
  AppendHistogram(&out, "yiwang_event_store_commit_batch_events", kStatsBatchEventsBounds,
                  stats.batch_events_buckets, 1.0, static_cast<double>(stats.events));
  AppendHeader(&out, "yiwang_event_store_commit_duration_seconds",
               "Write and sync time of one group commit.", "histogram");
  AppendHistogram(&out, "yiwang_event_store_commit_duration_seconds", kStatsCommitLatencyBoundsUs,
                  stats.commit_latency_buckets, 1e-6, stats.commit_latency_sum_us / 1e6);
  return out;
}

std::string RenderRunnerMetrics(const projections::ProjectionRunner& runner, uint64_t head) {
  const std::vector<std::pair<std::string, uint64_t>> checkpoints = runner.Checkpoints();
  std::string out;
  AppendHeader(&out, "yiwang_projection_position", "Last log position a projection committed.",
               "gauge");
  for (const auto& [name, position] : checkpoints) {
    AppendLine(&out, "yiwang_projection_position{projection=\"%s\"} %llu\n", name.c_str(),
               static_cast<unsigned long long>(position));
  }
  AppendHeader(&out, "yiwang_projection_lag_positions",
               "Log positions a projection is behind the head.", "gauge");
  for (const auto& [name, position] : checkpoints) {
    AppendLine(&out, "yiwang_projection_lag_positions{projection=\"%s\"} %llu\n", name.c_str(),
               static_cast<unsigned long long>(head > position ? head - position : 0));
  }
  AppendHeader(&out, "yiwang_projection_bulk_catch_ups_total",
               "Times the runner fell far behind the log and caught up in bulk.", "counter");
  AppendLine(&out, "yiwang_projection_bulk_catch_ups_total %llu\n",
             static_cast<unsigned long long>(runner.bulk_catch_ups()));
  return out;
}

}  // namespace yiwang::api
