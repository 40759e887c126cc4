// /metrics: the fixed route table, the Prometheus text format and the counters moving.
#include "api/metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "tests/eventstore/test_support.h"

namespace yiwang::api {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Every line is a # HELP, a # TYPE or a sample `name{labels} value` of a declared metric.
void ExpectExpositionFormat(const std::string& text) {
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::regex help(R"(# HELP [a-z_]+ .+)");
  const std::regex type(R"(# TYPE ([a-z_]+) (counter|gauge|histogram))");
  const std::regex sample(R"(([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+\-]+)");
  std::string declared;
  for (const std::string& line : Lines(text)) {
    std::smatch match;
    if (std::regex_match(line, match, type)) {
      declared = match[1];
    } else if (std::regex_match(line, match, sample)) {
      const std::string name = match[1];
      EXPECT_TRUE(name == declared || name == declared + "_bucket" || name == declared + "_sum" ||
                  name == declared + "_count")
          << line << " under # TYPE " << declared;
    } else {
      EXPECT_TRUE(std::regex_match(line, help)) << line;
    }
  }
}

TEST(MetricsTest, RoutesComeFromAFixedTable) {
  EXPECT_EQ(RoutePattern(RouteOf("GET", "/api/v1/cases/3301062026112700017")),
            "/api/v1/cases/{no}");
  EXPECT_EQ(RoutePattern(RouteOf("POST", "/api/v1/cases/3301062026112700017/accept")),
            "/api/v1/cases/{no}/accept");
  EXPECT_EQ(RoutePattern(RouteOf("POST", "/api/v1/cases/3301062026112700017/fly")),
            "/api/v1/cases/{no}/{unknown action}");
  EXPECT_EQ(RoutePattern(RouteOf("GET", "/api/v1/applicants/11010519491231002X/cases")),
            "/api/v1/applicants/{id}/cases");
  EXPECT_EQ(RoutePattern(RouteOf("GET", "/api/v1/catalog")), "/api/v1/catalog");
  EXPECT_EQ(RoutePattern(RouteOf("GET", "/healthz")), "/healthz");
  EXPECT_EQ(RoutePattern(RouteOf("GET", "/api/v1/events/live")), "/api/v1/events/live");
  // Whatever a client invents lands in one series.
  for (const char* path : {"/", "/x", "/api/v1/no/such/route/at/all/here", "/api/v2/cases",
                           "/api/v1/applicants/1/secrets", "//", "relative"}) {
    EXPECT_EQ(RoutePattern(RouteOf("GET", path)), "other") << path;
  }
}

TEST(MetricsTest, RequestsLatencyAndDenialsAreCounted) {
  HttpMetrics metrics;
  metrics.Record("GET", "/api/v1/cases/3301062026112700017", 200, 0.0002, "");
  metrics.Record("GET", "/api/v1/cases/3301062026112700018", 200, 0.003, "");
  metrics.Record("POST", "/api/v1/cases/3301062026112700017/approve", 409, 0.02, "");
  metrics.Record("GET", "/api/v1/dashboard", 401, 0.0001, "unauthenticated");
  metrics.Record("GET", "/api/v1/cases/1", 403, 0.0001, "forbidden");
  metrics.Record("GET", "/api/v1/cases/1", 403, 0.0001, "something_new");
  metrics.Record("GET", "/nope", 404, 7.0, "");
  const std::string text = metrics.Render();
  ExpectExpositionFormat(text);
  for (
      const char* line :
      {R"(yiwang_http_requests_total{route="/api/v1/cases/{no}",method="GET",status="200"} 2)",
       R"(yiwang_http_requests_total{route="/api/v1/cases/{no}/approve",method="POST",status="409"} 1)",
       R"(yiwang_http_requests_total{route="other",method="GET",status="404"} 1)",
       R"(yiwang_http_request_duration_seconds_bucket{route="/api/v1/cases/{no}",le="0.0005"} 3)",
       R"(yiwang_http_request_duration_seconds_bucket{route="/api/v1/cases/{no}",le="0.005"} 4)",
       R"(yiwang_http_request_duration_seconds_bucket{route="/api/v1/cases/{no}",le="+Inf"} 4)",
       R"(yiwang_http_request_duration_seconds_count{route="/api/v1/cases/{no}"} 4)",
       R"(yiwang_http_request_duration_seconds_bucket{route="other",le="5"} 0)",
       R"(yiwang_http_request_duration_seconds_bucket{route="other",le="+Inf"} 1)",
       R"(yiwang_http_denials_total{status="401",reason="unauthenticated"} 1)",
       R"(yiwang_http_denials_total{status="403",reason="forbidden"} 1)",
       R"(yiwang_http_denials_total{status="403",reason="other"} 1)"}) {
    EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << text;
  }
  // Routes never requested have no series.
  EXPECT_EQ(text.find("/api/v1/audit\""), std::string::npos);
}

TEST(MetricsTest, StoreMetricsShowHeadBatchesAndCommitLatency) {
  testing::TempDir dir;
  EventStoreOptions options;
  options.path = dir.Sub("log");
  options.durability = Durability::kOs;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int index = 0; index < 3; ++index) {
    AppendRequest request;
    request.stream = "case-metrics-" + std::to_string(index);
    request.events = {testing::MakeEvent("CaseSubmitted", index),
                      testing::MakeEvent("CaseAccepted", index)};
    ASSERT_TRUE((*store)->Append(std::move(request)).ok());
  }
  const std::string text = RenderStoreMetrics(**store);
  ExpectExpositionFormat(text);
  EXPECT_NE(text.find("yiwang_event_store_head_position 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("yiwang_event_store_events_total 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("yiwang_event_store_commit_batch_events_bucket{le=\"2\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("yiwang_event_store_commit_batch_events_sum 6"), std::string::npos) << text;
  EXPECT_NE(text.find("yiwang_event_store_commit_duration_seconds_count 3\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace yiwang::api
