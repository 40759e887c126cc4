// End-to-end: GET /api/v1/audit and /api/v1/audit/supervision on the built `yiwang serve`, over
// real HTTP: the filters, pagination, the role scopes, bad parameters.
#include <gtest/gtest.h>

#include "tests/tools/audit_support.h"

namespace yiwang::testing {
namespace {

class AuditHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.output();
    // Case 1: the demo citizen's residence permit (330106-GA-HZ), accepted, reviewed, supervised
    // and answered. Case 2: another citizen's driving licence (330100-GA-JJ), accepted there.
    case1_ = server_.Submit("GA-JZZ-SL", kDemoCitizenId, "demo-citizen", &case1_submitted_);
    ASSERT_FALSE(case1_.empty());
    server_.Command(Path(case1_, "accept"), R"({"acceptance_number":"A-1"})", "demo-officer");
    server_.Command(Path(case1_, "start-review"), "", "demo-officer");
    server_.Command(Path(case1_, "supervise"), R"({"note":"请加快办理","due":"2099-12-31"})",
                    "demo-supervisor");
    case2_ = server_.Submit("GA-JSZ-QMHZ", OtherCitizenId(), "t-citizen-2", &case2_submitted_);
    ASSERT_FALSE(case2_.empty());
    last_ =
        server_.Command(Path(case2_, "accept"), R"({"acceptance_number":"A-2"})", "t-officer-jj");
    ASSERT_GT(last_, case2_submitted_);
  }

  static std::string Path(const std::string& number, const std::string& action) {
    return "/api/v1/cases/" + number + "/" + action;
  }

  // GET /api/v1/audit?<query>&min_position=<last>, expecting `status`; the body.
  std::string Audit(const std::string& query, const std::string& token, int status = 200) {
    httplib::Result result = server_.Get(
        "/api/v1/audit?min_position=" + std::to_string(last_) + (query.empty() ? "" : "&") + query,
        token);
    EXPECT_TRUE(result) << query;
    if (!result) return "";
    EXPECT_EQ(result->status, status) << query << " as " << token << ": " << result->body;
    return result->body;
  }

  DemoServer server_;
  std::string case1_, case2_;
  uint64_t case1_submitted_ = 0, case2_submitted_ = 0, last_ = 0;
};

TEST_F(AuditHttpTest, FiltersByCaseActorTypeDepartmentAndTime) {
  std::string body = Audit("case=" + case1_, "demo-admin");
  EXPECT_EQ(Members(body, "type"),
            (std::vector<std::string>{"CaseSubmitted", "CaseAccepted", "ReviewStarted",
                                      "SupervisionOrdered"}));
  EXPECT_EQ(Members(body, "actor"), (std::vector<std::string>{"citizen-demo", "officer-demo",
                                                              "officer-demo", "supervisor-demo"}));
  EXPECT_EQ(JsonField(body, "role"), "citizen");
  EXPECT_EQ(JsonField(body, "channel"), "online");
  EXPECT_EQ(JsonField(body, "case_number"), case1_);
  EXPECT_EQ(JsonField(body, "hash").size(), 64u);
  EXPECT_EQ(JsonField(body, "prev_hash").size(), 64u);
  EXPECT_FALSE(JsonField(body, "recorded_at").empty());
  EXPECT_NE(body.find("supervision"), std::string::npos) << body;  // the `what` of the order

  body = Audit("actor=officer-jj", "demo-admin");
  EXPECT_EQ(Members(body, "position"), (std::vector<std::string>{std::to_string(last_)}));
  body = Audit("type=CaseAccepted", "demo-admin");
  EXPECT_EQ(Members(body, "case_number"), (std::vector<std::string>{case1_, case2_}));
  // The department's events: its catalog items, then case 2.
  body = Audit("department=330100-GA-JJ", "demo-admin");
  for (const std::string& department : Members(body, "case_department")) {
    EXPECT_EQ(department, "330100-GA-JJ");
  }
  std::vector<std::string> positions = Members(body, "position");
  ASSERT_GE(positions.size(), 2u);
  EXPECT_EQ(positions[positions.size() - 2], std::to_string(case2_submitted_));
  EXPECT_EQ(positions.back(), std::to_string(last_));
  EXPECT_EQ(
      Members(Audit("department=330100-GA-JJ&type=CatalogItemPublished", "demo-admin"), "type")
          .size(),
      positions.size() - 2);
  body = Audit("department=330100-GA-JJ&type=CaseSubmitted&case=" + case2_, "demo-admin");
  EXPECT_EQ(Members(body, "position"),
            (std::vector<std::string>{std::to_string(case2_submitted_)}));

  // Time: from the recorded_at of case 2's submission on.
  body = Audit("case=" + case2_, "demo-admin");
  const std::string submitted_at = JsonField(body, "recorded_at");
  // Events of the same millisecond as that submission may precede it; the catalog (published
  // at start-up) does not.
  body = Audit("from=" + submitted_at, "demo-admin");
  positions = Members(body, "position");
  ASSERT_GE(positions.size(), 2u);
  EXPECT_EQ(positions[positions.size() - 2], std::to_string(case2_submitted_));
  EXPECT_EQ(positions.back(), std::to_string(last_));
  EXPECT_GE(std::stoull(positions.front()), case1_submitted_);
  for (const std::string& recorded_at : Members(body, "recorded_at")) {
    EXPECT_GE(recorded_at, submitted_at);
  }
  body = Audit("to=" + submitted_at + "&case=" + case1_, "demo-admin");
  EXPECT_EQ(Members(body, "type").size(), 4u);
  body = Audit("from=2000-01-01&to=2000-01-02", "demo-admin");
  EXPECT_EQ(body, R"({"items":[],"next_cursor":null})");
}

TEST_F(AuditHttpTest, PagesByCursor) {
  const std::vector<std::string> all = Members(Audit("limit=1000", "demo-admin"), "position");
  ASSERT_EQ(all.size(), last_);
  std::vector<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    const std::string body =
        Audit("limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor), "demo-admin");
    for (const std::string& position : Members(body, "position")) paged.push_back(position);
    cursor = JsonField(body, "next_cursor");
    if (cursor == "null") break;
  }
  EXPECT_EQ(paged, all);
}

TEST_F(AuditHttpTest, EachRoleReadsItsScope) {
  // The demo officer: its department's events only (the catalog items it owns and case 1).
  std::string body = Audit("limit=1000", "demo-officer");
  for (const std::string& department : Members(body, "case_department")) {
    EXPECT_EQ(department, "330106-GA-HZ");
  }
  EXPECT_EQ(Members(body, "case_number").back(), case1_);
  Audit("department=330100-GA-JJ", "demo-officer", 403);
  body = Audit("limit=1000", "t-officer-jj");
  EXPECT_EQ(Members(Audit("case=" + case2_, "t-officer-jj"), "type").size(), 2u);
  EXPECT_TRUE(Members(Audit("case=" + case1_, "t-officer-jj"), "type").empty());
  // Supervisors: their division prefix.
  EXPECT_EQ(Members(Audit("case=" + case2_, "demo-supervisor"), "type").size(), 2u);
  EXPECT_EQ(Audit("", "t-supervisor-3302"), R"({"items":[],"next_cursor":null})");
  Audit("department=330106-GA-HZ", "t-supervisor-3302", 403);
  // Analysts: everything, the applicant's ID number masked.
  body = Audit("type=CaseSubmitted", "demo-analyst");
  EXPECT_EQ(body.find(kDemoCitizenId), std::string::npos) << body;
  EXPECT_NE(body.find("110105********002X"), std::string::npos) << body;
  EXPECT_NE(Audit("type=CaseSubmitted", "demo-admin").find(kDemoCitizenId), std::string::npos);
  // Citizens: refused; no token: 401.
  Audit("", "demo-citizen", 403);
  Audit("", "no-such-token", 401);
}

TEST_F(AuditHttpTest, BadParametersAre400) {
  for (const std::string& query : std::vector<std::string>{
           "limit=0", "limit=1001", "limit=ten", "cursor=abc", "cursor=0", "type=NoSuchEvent",
           "from=yesterday", "to=2026-13-01", "from=2026-02-02&to=2026-02-01",
           "actor=" + std::string(300, 'a')}) {
    const std::string body = Audit(query, "demo-admin", 400);
    EXPECT_NE(body.find(R"({"error":{"code":)"), std::string::npos) << query << ": " << body;
  }
  httplib::Result waiting = server_.Get("/api/v1/audit?min_position=x", "demo-admin");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, 400) << waiting->body;
  httplib::Result result = server_.Get("/api/v1/audit/supervision?status=late", "demo-admin");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
}

TEST_F(AuditHttpTest, SupervisionOrdersWithTheirAnswers) {
  const std::string path = "/api/v1/audit/supervision?min_position=" + std::to_string(last_);
  httplib::Result listed = server_.Get(path, "demo-supervisor");
  ASSERT_TRUE(listed && listed->status == 200) << (listed ? listed->body : "");
  EXPECT_EQ(JsonField(listed->body, "case_number"), case1_);
  EXPECT_EQ(JsonField(listed->body, "status"), "open");
  EXPECT_EQ(JsonField(listed->body, "in_time"), "null");
  EXPECT_EQ(JsonField(listed->body, "due"), "2099-12-31");
  EXPECT_EQ(JsonField(listed->body, "note"), "请加快办理");
  const std::string order_id = JsonField(listed->body, "order_id");
  ASSERT_FALSE(order_id.empty());

  const uint64_t answered = server_.Command(
      Path(case1_, "answer-supervision"),
      R"({"order_id":")" + order_id + R"(","answer":"已加快，三日内办结"})", "demo-officer");
  ASSERT_GT(answered, last_);
  httplib::Result after = server_.Get(
      "/api/v1/audit/supervision?status=answered_in_time&min_position=" + std::to_string(answered),
      "demo-officer");
  ASSERT_TRUE(after && after->status == 200) << (after ? after->body : "");
  EXPECT_EQ(JsonField(after->body, "order_id"), order_id);
  EXPECT_EQ(JsonField(after->body, "in_time"), "true");
  EXPECT_EQ(JsonField(after->body, "answer"), "已加快，三日内办结");
  EXPECT_EQ(JsonField(after->body, "answered_by"), "officer-demo");
  httplib::Result elsewhere = server_.Get("/api/v1/audit/supervision", "t-officer-jj");
  ASSERT_TRUE(elsewhere && elsewhere->status == 200);
  EXPECT_EQ(elsewhere->body.find(order_id), std::string::npos) << elsewhere->body;
  httplib::Result citizen = server_.Get("/api/v1/audit/supervision", "demo-citizen");
  ASSERT_TRUE(citizen);
  EXPECT_EQ(citizen->status, 403);
}

}  // namespace
}  // namespace yiwang::testing
