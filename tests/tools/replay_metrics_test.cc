// End-to-end: GET /metrics of a running `yiwang serve` shows the requests made to it, the
// event store's commits and the projections' lag, in the Prometheus text format.
#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

TEST(MetricsEndToEndTest, MetricsShowTheRequestsMade) {
  TempDir data;
  ServerProcess server(
      {"--demo", "--listen", "127.0.0.1:0", "--data", data.str(), "--durability", "os"});
  ASSERT_TRUE(server.started()) << server.startup_output();
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);
  // One connection: the server records a request after sending its answer, on the connection's
  // thread, so only the next request on the same connection is sure to see it counted.
  client.set_keep_alive(true);
  for (int index = 0; index < 3; ++index) ASSERT_TRUE(client.Get("/api/v1/catalog"));
  ASSERT_TRUE(client.Get("/api/v1/no-such-route"));
  httplib::Result denied = client.Get("/api/v1/applicants/11010519491231002X/cases");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  httplib::Result created = client.Post(
      "/api/v1/cases", {{"Authorization", "Bearer demo-citizen"}},
      R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X","name":"张三"},"materials":["M01","M02","M03","M04"]})",
      "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;

  httplib::Result metrics = client.Get("/metrics");  // no token: open, like most scrapers expect
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& text = metrics->body;
  for (
      const char* line :
      {R"(yiwang_http_requests_total{route="/api/v1/catalog",method="GET",status="200"} 3)",
       R"(yiwang_http_requests_total{route="other",method="GET",status="404"} 1)",
       R"(yiwang_http_requests_total{route="/api/v1/cases",method="POST",status="201"} 1)",
       R"(yiwang_http_requests_total{route="/api/v1/applicants/{id}/cases",method="GET",status="401"} 1)",
       R"(yiwang_http_request_duration_seconds_count{route="/api/v1/catalog"} 3)",
       R"(yiwang_http_denials_total{status="401",reason="unauthenticated"} 1)",
       "# TYPE yiwang_event_store_commit_duration_seconds histogram",
       "# TYPE yiwang_event_store_commit_batch_events histogram",
       R"(yiwang_projection_lag_positions{projection="progress"} )",
       R"(yiwang_projection_lag_positions{projection="applicants"} )",
       "\nyiwang_projection_bulk_catch_ups_total 0\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // The head: the demo catalog plus the submission (and its events), as /healthz says.
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  const size_t at = health->body.find("\"head_position\":") + 16;
  const std::string head = health->body.substr(at, health->body.find(',', at) - at);
  EXPECT_NE(text.find("yiwang_event_store_head_position " + head + "\n"), std::string::npos)
      << text;
  // A second scrape counts the first.
  httplib::Result again = client.Get("/metrics");
  ASSERT_TRUE(again);
  EXPECT_NE(again->body.find(
                R"(yiwang_http_requests_total{route="/metrics",method="GET",status="200"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace yiwang::testing
