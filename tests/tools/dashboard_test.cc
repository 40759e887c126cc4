// End-to-end: GET /api/v1/dashboard over real HTTP against the built `yiwang serve --demo`: the
// response's shape and field names (DESIGN.md §8), the roles' scopes and the 400s for bad
// parameters. The KPIs themselves are worked out by hand in tests/projections/dashboard_test.cc.
#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

class DashboardHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir();
    server_ = new ServerProcess(
        {"--demo", "--listen", "127.0.0.1:0", "--data", data_->str(), "--durability", "os"});
    ASSERT_TRUE(server_->started()) << server_->startup_output();
    // One online case of GA-JZZ-SL (4 of 6 materials), accepted by the demo officer.
    httplib::Result created = Post(
        "/api/v1/cases",
        R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X","name":"张三"},"materials":["M01","M02","M03","M04"]})",
        "demo-citizen");
    ASSERT_TRUE(created && created->status == 201);
    httplib::Result accepted =
        Post("/api/v1/cases/" + JsonField(created->body, "case_number") + "/accept",
             R"({"acceptance_number":"A-1"})", "demo-officer");
    ASSERT_TRUE(accepted && accepted->status == 200) << (accepted ? accepted->body : "");
    position_ = JsonField(accepted->body, "position");
    // Every test reads the dashboard without min_position: wait once for the read models.
    httplib::Result caught_up = Get("?min_position=" + position_, "demo-admin");
    ASSERT_TRUE(caught_up && caught_up->status == 200) << (caught_up ? caught_up->body : "");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_;
  }

  static httplib::Result Post(const std::string& path, const std::string& body,
                              const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client.Post(path, {{"Authorization", "Bearer " + token}}, body, "application/json");
  }
  static httplib::Result Get(const std::string& query, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get("/api/v1/dashboard" + query, headers);
  }
  // The status of the answer; a 4xx must carry the §8 error body.
  static int StatusOf(const std::string& query, const std::string& token,
                      const std::string& field = "") {
    httplib::Result result = Get(query, token);
    if (!result) return -1;
    if (result->status >= 400) {
      EXPECT_EQ(result->body.rfind("{\"error\":{\"code\":\"", 0), 0u) << result->body;
      if (!field.empty()) {
        EXPECT_EQ(JsonField(result->body, "field"), field) << result->body;
      }
    }
    return result->status;
  }

  static TempDir* data_;
  static ServerProcess* server_;
  static std::string position_;
};

TempDir* DashboardHttpTest::data_ = nullptr;
ServerProcess* DashboardHttpTest::server_ = nullptr;
std::string DashboardHttpTest::position_;

TEST_F(DashboardHttpTest, AnswersWithTheFieldNamesOfDesignSection8) {
  httplib::Result result = Get("?min_position=" + position_, "demo-analyst");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type").rfind("application/json", 0), 0u);
  const std::string& body = result->body;
  for (const char* name : {"\"scope\":{",
                           "\"counts_by_state\":{",
                           "\"kpis\":{",
                           "\"online_rate\":",
                           "\"online_capable_rate\":",
                           "\"one_window_rate\":",
                           "\"immediate_rate\":",
                           "\"materials_reduction\":",
                           "\"zero_trip_rate\":",
                           "\"at_most_one_trip_rate\":",
                           "\"on_time_rate\":",
                           "\"handling_days\":{\"mean\":",
                           "\"p50\":",
                           "\"p90\":",
                           "\"satisfaction\":{\"1\":",
                           "\"2\":",
                           "\"3\":",
                           "\"4\":",
                           "\"5\":",
                           "\"bad_share\":",
                           "\"open_rectifications\":",
                           "\"overdue\":[",
                           "\"warning\":["}) {
    EXPECT_NE(body.find(name), std::string::npos) << name << " in " << body;
  }
  // One case, submitted online and accepted: online rate 1; (6 - 4) / 6 materials; nothing decided,
  // closed or evaluated yet, so those rates are null.
  EXPECT_EQ(JsonField(body, "submitted"), "1");
  EXPECT_EQ(JsonField(body, "Accepted"), "1");
  EXPECT_EQ(JsonField(body, "online_rate"), "1");
  EXPECT_EQ(JsonField(body, "materials_reduction"), "0.3333333333333333");  // (6 - 4) / 6
  EXPECT_EQ(JsonField(body, "on_time_rate"), "null");
  EXPECT_EQ(JsonField(body, "bad_share"), "null");
  EXPECT_EQ(JsonField(body, "mean"), "null");
  // The demo catalog: 14 items, all 一窗通办; online or mobile allowed by 1 of 1 province item,
  // 4 of 4 city items and 7 of 9 county items (not GA-SFZ-SL, GA-SFZ-LS).
  EXPECT_NE(body.find("\"online_capable_rate\":{\"province\":1,\"city\":1,\"county\":"
                      "0.7777777777777778,\"all\":0.8571428571428571}"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\"one_window_rate\":{\"items\":1,\"cases\":null}"), std::string::npos);
}

TEST_F(DashboardHttpTest, TheWindowSelectsBySubmission) {
  httplib::Result old = Get("?from=2000-01-01&to=2000-12-31", "demo-admin");
  ASSERT_TRUE(old);
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_EQ(JsonField(old->body, "submitted"), "0");
  EXPECT_EQ(JsonField(old->body, "online_rate"), "null");
  EXPECT_EQ(JsonField(old->body, "from"), "1999-12-31T16:00:00.000Z");  // 00:00 CST
  EXPECT_EQ(JsonField(old->body, "to"), "2000-12-31T16:00:00.000Z");    // the end of 31 Dec CST
  httplib::Result wide = Get("?from=2000-01-01T00:00:00Z", "demo-admin");
  ASSERT_TRUE(wide);
  EXPECT_EQ(JsonField(wide->body, "submitted"), "1");
}

TEST_F(DashboardHttpTest, RolesSeeTheirScopeOnly) {
  EXPECT_EQ(StatusOf("", ""), 401);
  EXPECT_EQ(StatusOf("", "demo-citizen"), 403);
  // The officer (330106-GA-HZ) sees its department, and no other.
  httplib::Result officer = Get("", "demo-officer");
  ASSERT_TRUE(officer);
  EXPECT_EQ(officer->status, 200);
  EXPECT_EQ(JsonField(officer->body, "department"), "330106-GA-HZ");
  EXPECT_EQ(JsonField(officer->body, "submitted"), "1");
  EXPECT_EQ(StatusOf("?department=330100-GA-JJ", "demo-officer"), 403);
  EXPECT_EQ(StatusOf("?department=330106-GA-HZ", "demo-officer"), 200);
  // The supervisor (3301) sees its division or narrower; anything wider is refused.
  httplib::Result supervisor = Get("", "demo-supervisor");
  ASSERT_TRUE(supervisor);
  EXPECT_EQ(supervisor->status, 200);
  EXPECT_EQ(JsonField(supervisor->body, "division"), "3301");
  EXPECT_EQ(StatusOf("?division=330106", "demo-supervisor"), 200);
  EXPECT_EQ(StatusOf("?division=33", "demo-supervisor"), 403);
  EXPECT_EQ(StatusOf("?division=3302", "demo-supervisor"), 403);
  EXPECT_EQ(StatusOf("?department=330000-GA-CRJ", "demo-supervisor"), 403);
  // A scope with no case of its own: the county level of the city's department.
  httplib::Result city = Get("?level=city&department=330106-GA-HZ", "demo-analyst");
  ASSERT_TRUE(city);
  EXPECT_EQ(city->status, 200);
  EXPECT_EQ(JsonField(city->body, "submitted"), "0");
  EXPECT_EQ(StatusOf("?channel=online&item=GA-JZZ-SL&level=county", "demo-admin"), 200);
}

TEST_F(DashboardHttpTest, BadParametersAre400WithTheField) {
  EXPECT_EQ(StatusOf("?from=2026-13-01", "demo-analyst", "from"), 400);
  EXPECT_EQ(StatusOf("?to=tomorrow", "demo-analyst", "to"), 400);
  EXPECT_EQ(StatusOf("?from=2026-02-02&to=2026-02-01", "demo-analyst", "from"), 400);
  EXPECT_EQ(StatusOf("?from=2026-02-02T00:00:00Z&to=2026-02-02T00:00:00Z", "demo-analyst"), 400);
  EXPECT_EQ(StatusOf("?level=village", "demo-analyst", "level"), 400);
  EXPECT_EQ(StatusOf("?limit=0", "demo-analyst", "limit"), 400);
  EXPECT_EQ(StatusOf("?limit=1001", "demo-analyst", "limit"), 400);
  EXPECT_EQ(StatusOf("?limit=ten", "demo-analyst", "limit"), 400);
  EXPECT_EQ(StatusOf("?limit=1000", "demo-analyst"), 200);
  EXPECT_EQ(StatusOf("?channel=fax", "demo-analyst", "channel"), 400);
  EXPECT_EQ(StatusOf("?division=33%2F01", "demo-analyst", "division"), 400);
  EXPECT_EQ(StatusOf("?colour=red", "demo-analyst", "colour"), 400);
  EXPECT_EQ(StatusOf("?level=city&level=county", "demo-analyst", "level"), 400);
  EXPECT_EQ(StatusOf("?min_position=soon", "demo-analyst", "min_position"), 400);
}

}  // namespace
}  // namespace yiwang::testing
