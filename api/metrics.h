// Metrics in the Prometheus text exposition format 0.0.4, served at GET /metrics.
//
// HttpMetrics counts requests by route pattern, method and status, keeps a latency histogram per
// route and counts 401/403 denials by reason. Routes come from a fixed table (RouteOf): a raw
// path never becomes a label, so the number of series is bounded whatever clients send. Recording
// is a few relaxed atomic increments (no lock, no allocation) on the request's thread.
//
// The other sources (event store, projections, Kafka) render their own lines through
// HttpServerDependencies::metrics_sources; RenderStoreMetrics and RenderRunnerMetrics are the
// ones the node registers.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "eventstore/event_store.h"
#include "projections/runner.h"

namespace yiwang::api {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds of the request latency histogram, in seconds (+Inf is implicit).
inline constexpr std::array<double, 12> kLatencyBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

// Index into the fixed route table; RouteCount() entries, the last one being "other".
size_t RouteOf(std::string_view method, std::string_view path);
size_t RouteCount();
std::string_view RoutePattern(size_t route);  // "/api/v1/cases/{no}/accept", "other", …

class HttpMetrics {
 public:
  HttpMetrics();
  // One finished request. `error_code` is the "code" of the error body for 401/403 (the denial
  // reason); unknown reasons count as "other".
  void Record(std::string_view method, std::string_view path, int status, double seconds,
              std::string_view error_code);
  // # HELP / # TYPE and every series with a non-zero count (histograms of routes used).
  std::string Render() const;

 private:
  static constexpr size_t kMethods = 3;    // GET, POST, other
  static constexpr size_t kStatuses = 18;  // see kStatusCodes in metrics.cc, last: other
  static constexpr size_t kReasons = 4;    // see kDenialReasons in metrics.cc, last: other
  static constexpr size_t kBuckets = kLatencyBucketsSeconds.size() + 1;
  struct RouteSeries {
    std::array<std::atomic<uint64_t>, kMethods * kStatuses> requests{};
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};  // not cumulative
    std::atomic<uint64_t> latency_sum_ns{0};
  };
  std::unique_ptr<RouteSeries[]> routes_;
  std::array<std::array<std::atomic<uint64_t>, kReasons>, 2> denials_{};  // [401, 403]
};

// yiwang_event_store_head_position, append batch sizes and commit latency histograms, batches,
// appends and events written.
std::string RenderStoreMetrics(const EventStore& store);
// yiwang_projection_position{projection} and yiwang_projection_lag_positions{projection}
// (head position minus the projection's committed checkpoint).
std::string RenderRunnerMetrics(const projections::ProjectionRunner& runner, uint64_t head);

}  // namespace yiwang::api
