// End-to-end: the paths of the lifecycle table (DESIGN.md §4) over HTTP, each to its end, with
// the state after every step read back from the progress read model.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

struct Step {
  std::string action;
  std::string body;
  std::string token;
  std::string state_after;
};

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--demo", "--listen", "127.0.0.1:0", "--data", data_.str(), "--durability", "os"});
    ASSERT_TRUE(server_->started()) << server_->startup_output();
  }

  httplib::Result Post(const std::string& path, const std::string& body, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client.Post(path, {{"Authorization", "Bearer " + token}}, body, "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client.Get(path, {{"Authorization", "Bearer " + token}});
  }

  std::string Submit() {
    httplib::Result created = Post(
        "/api/v1/cases",
        R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X","name":"张三"},"materials":["M01","M02"]})",
        "demo-citizen");
    EXPECT_TRUE(created && created->status == 201);
    return created ? JsonField(created->body, "case_number") : "";
  }

  // Runs the steps on a new case; after each, the command's answer and the progress read model
  // (read-your-writes through min_position) must both show the expected state.
  void Walk(const std::vector<Step>& steps) {
    const std::string number = Submit();
    for (const Step& step : steps) {
      httplib::Result result =
          Post("/api/v1/cases/" + number + "/" + step.action, step.body, step.token);
      ASSERT_TRUE(result) << step.action;
      ASSERT_EQ(result->status, 200) << step.action << ": " << result->body;
      EXPECT_EQ(JsonField(result->body, "state"), step.state_after) << step.action;
      httplib::Result progress =
          Get("/api/v1/cases/" + number + "?min_position=" + JsonField(result->body, "position"),
              "demo-officer");
      ASSERT_TRUE(progress);
      ASSERT_EQ(progress->status, 200) << progress->body;
      EXPECT_EQ(JsonField(progress->body, "state"), step.state_after) << step.action;
    }
  }

  TempDir data_;
  std::unique_ptr<ServerProcess> server_;
};

const Step kAccept{"accept", R"({"acceptance_number":"A-1"})", "demo-officer", "Accepted"};
const Step kReview{"start-review", "", "demo-officer", "UnderReview"};
const Step kCloseOfficer{"close", "", "demo-officer", "Closed"};

TEST_F(LifecycleTest, ApprovedAndPickedUp) {
  Walk({kAccept,
        kReview,
        {"review-step", R"({"step":"undertake","opinion":"同意"})", "demo-officer", "UnderReview"},
        {"review-step", R"({"step":"audit","opinion":"同意"})", "demo-officer", "UnderReview"},
        {"approve", "", "demo-officer", "Approved"},
        {"issue", R"({"certificate_id":"JZZ-1","delivery":"pickup"})", "demo-officer", "Issued"},
        {"deliver", "", "demo-officer", "Delivered"},
        kCloseOfficer,
        {"evaluate", R"({"grade":1,"comment":"排队太久"})", "demo-citizen", "Closed"}});
}

TEST_F(LifecycleTest, MaterialsRequestedSupplementedThenDenied) {
  Walk({{"request-materials", R"({"missing":["M03","M04"],"note":"请补充"})", "demo-officer",
         "MaterialsRequested"},
        {"supplement", R"({"materials":["M03","M04"]})", "demo-citizen", "Submitted"},
        kAccept,
        kReview,
        {"deny", R"({"reason":"不符合条件"})", "demo-officer", "Denied"},
        kCloseOfficer});
}

TEST_F(LifecycleTest, NotAccepted) {
  Walk({{"not-accept", R"({"reason":"不属于本机关职权范围"})", "demo-officer", "NotAccepted"},
        kCloseOfficer});
}

TEST_F(LifecycleTest, WithdrawnFromEachStateThatAllowsIt) {
  const Step withdraw{"withdraw", R"({"reason":"不再需要"})", "demo-citizen", "Withdrawn"};
  Walk({withdraw, kCloseOfficer});
  Walk({{"request-materials", R"({"missing":["M03"]})", "demo-officer", "MaterialsRequested"},
        withdraw,
        kCloseOfficer});
  Walk({kAccept, withdraw, kCloseOfficer});
  Walk({kAccept,
        {"suspend", R"({"reason":"等待申请人"})", "demo-officer", "Suspended"},
        withdraw,
        kCloseOfficer});
}

TEST_F(LifecycleTest, TransferSpecialProcedureSuspensionExtensionAndSupervision) {
  Walk({kAccept,
        {"transfer", R"({"department":"330106-GA-HZ","note":"转户政科"})", "demo-officer",
         "Transferred"},
        kReview,
        {"special-procedure", R"({"kind":"inspection","reason":"实地核查"})", "demo-officer",
         "SpecialProcedure"},
        {"resume", "", "demo-officer", "UnderReview"},
        {"suspend", R"({"reason":"等待补充说明"})", "demo-officer", "Suspended"},
        {"resume", "", "demo-officer", "UnderReview"},
        {"extend", R"({"working_days":5,"reason":"情况复杂"})", "demo-officer", "UnderReview"},
        {"supervise", R"({"note":"请加快办理","due":"2026-12-31"})", "demo-supervisor",
         "UnderReview"},
        {"record-trip", R"({"purpose":"补签字"})", "demo-officer", "UnderReview"},
        {"consult", R"({"question":"何时办结","answer":"五个工作日内"})", "demo-officer",
         "UnderReview"},
        {"approve", "", "demo-officer", "Approved"},
        {"issue", R"({"certificate_id":"JZZ-2","delivery":"express","tracking_number":"SF9"})",
         "demo-officer", "Issued"},
        {"deliver", "", "demo-officer", "Delivered"},
        kCloseOfficer});
}

// The SLA clock over HTTP: an extension moves the deadline by its working days; a suspension
// pauses the clock; both visible in the progress read model.
TEST_F(LifecycleTest, AnExtensionMovesTheDeadlineAndAPauseStopsTheClock) {
  const std::string number = Submit();
  ASSERT_EQ(
      Post("/api/v1/cases/" + number + "/accept", R"({"acceptance_number":"A"})", "demo-officer")
          ->status,
      200);
  httplib::Result reviewed = Post("/api/v1/cases/" + number + "/start-review", "", "demo-officer");
  ASSERT_TRUE(reviewed && reviewed->status == 200);
  httplib::Result before =
      Get("/api/v1/cases/" + number + "?min_position=" + JsonField(reviewed->body, "position"),
          "demo-officer");
  ASSERT_TRUE(before && before->status == 200);
  const int left_before = std::stoi(JsonField(before->body, "working_days_left"));
  httplib::Result extended = Post("/api/v1/cases/" + number + "/extend",
                                  R"({"working_days":5,"reason":"需要专家论证"})", "demo-officer");
  ASSERT_TRUE(extended && extended->status == 200) << extended->body;
  httplib::Result after =
      Get("/api/v1/cases/" + number + "?min_position=" + JsonField(extended->body, "position"),
          "demo-officer");
  ASSERT_TRUE(after && after->status == 200);
  EXPECT_EQ(std::stoi(JsonField(after->body, "working_days_left")), left_before + 5) << after->body;
  EXPECT_GT(JsonField(after->body, "legal_deadline"), JsonField(before->body, "legal_deadline"));
  // A pause: the clock shows paused while suspended and runs again after resume; a pause that
  // starts and ends on the same day covers no working day, so the deadline stays (the domain
  // tests move the pause across weekends and the Spring Festival with an injected clock).
  httplib::Result suspended =
      Post("/api/v1/cases/" + number + "/suspend", R"({"reason":"等待申请人"})", "demo-officer");
  ASSERT_TRUE(suspended && suspended->status == 200);
  httplib::Result paused =
      Get("/api/v1/cases/" + number + "?min_position=" + JsonField(suspended->body, "position"),
          "demo-officer");
  ASSERT_TRUE(paused && paused->status == 200);
  EXPECT_EQ(JsonField(paused->body, "clock"), "paused");
  EXPECT_EQ(JsonField(paused->body, "warning"), "none");
  httplib::Result resumed = Post("/api/v1/cases/" + number + "/resume", "", "demo-officer");
  ASSERT_TRUE(resumed && resumed->status == 200);
  httplib::Result running =
      Get("/api/v1/cases/" + number + "?min_position=" + JsonField(resumed->body, "position"),
          "demo-officer");
  ASSERT_TRUE(running && running->status == 200);
  EXPECT_EQ(JsonField(running->body, "clock"), "running");
  EXPECT_EQ(JsonField(running->body, "deadline"), JsonField(after->body, "deadline"));
  // Only once (延长审批 is granted once).
  httplib::Result again = Post("/api/v1/cases/" + number + "/extend",
                               R"({"working_days":1,"reason":"again"})", "demo-officer");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
}

// Sixteen officers race to accept one case over HTTP: exactly one 200, the rest 409.
TEST_F(LifecycleTest, ConcurrentCommandsOnOneCaseHaveOneWinner) {
  const std::string number = Submit();
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> officers;
  for (int index = 0; index < 16; ++index) {
    officers.emplace_back([&] {
      httplib::Result result = Post("/api/v1/cases/" + number + "/accept",
                                    R"({"acceptance_number":"A"})", "demo-officer");
      if (result && result->status == 200) ++accepted;
      if (result && (result->status == 409 || result->status == 412)) ++refused;
    });
  }
  for (std::thread& officer : officers) officer.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(refused.load(), 15);
  httplib::Result stream = Get("/api/v1/streams/case-" + number, "demo-admin");
  ASSERT_TRUE(stream);
  size_t events = 0;
  for (size_t at = stream->body.find('\n'); at != std::string::npos;
       at = stream->body.find('\n', at + 1))
    ++events;
  EXPECT_EQ(events, 2u);  // CaseSubmitted + one CaseAccepted
}

}  // namespace
}  // namespace yiwang::testing
