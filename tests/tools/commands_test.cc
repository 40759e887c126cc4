// End-to-end: case commands over real HTTP against the built `yiwang serve`, with demo tokens and
// an auth file of hashed secrets.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <set>

#include "eventstore/digest.h"
#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

constexpr char kCitizenId[] = "11010519491231002X";  // the demo citizen's number

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A second citizen and an officer of another department, as hashed secrets.
    auth_file_ = (data_.path() / "tokens.json").string();
    std::ofstream(auth_file_)
        << R"({"tokens":[{"sha256":")" << Sha256Hex("other-citizen")
        << R"(","role":"citizen","subject":"citizen-2","id_number":"110105194912310046"},)"
        << R"({"sha256":")" << Sha256Hex("traffic-officer")
        << R"(","role":"officer","subject":"officer-jj","department":"330100-GA-JJ"}]})";
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--demo", "--listen", "127.0.0.1:0", "--data", (data_.path() / "db").string(),
        "--durability", "os", "--auth-file", auth_file_});
    ASSERT_TRUE(server_->started()) << server_->startup_output();
  }

  httplib::Result Post(const std::string& path, const std::string& body, const std::string& token,
                       httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Post(path, headers, body, "application/json");
  }

  std::string Submit(const std::string& token = "demo-citizen") {
    httplib::Result result = Post("/api/v1/cases", SubmitBody(), token);
    EXPECT_TRUE(result);
    if (!result) return "";
    EXPECT_EQ(result->status, 201) << result->body;
    return JsonField(result->body, "case_number");
  }

  static std::string SubmitBody(const std::string& id = kCitizenId) {
    return R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":")" + id +
           R"(","name":"张三","phone":"13800000000"},"materials":["M01","M02","M03","M04"],"form":{"reason":"就业"}})";
  }

  std::string ExportLog() {
    CommandResult exported = RunYiwang({"export", "--data", (data_.path() / "db").string()});
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    return exported.out;
  }

  TempDir data_;
  std::string auth_file_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CommandsTest, SubmitReturnsCreatedWithLocationETagAndQueryCode) {
  httplib::Result result = Post("/api/v1/cases", SubmitBody(), "demo-citizen");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 201) << result->body;
  const std::string number = JsonField(result->body, "case_number");
  EXPECT_EQ(number.size(), 19u);
  EXPECT_EQ(result->get_header_value("Location"), "/api/v1/cases/" + number);
  EXPECT_EQ(result->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(JsonField(result->body, "state"), "Submitted");
  EXPECT_EQ(JsonField(result->body, "version"), "1");
  EXPECT_EQ(JsonField(result->body, "query_code").size(), 8u);
  EXPECT_FALSE(JsonField(result->body, "position").empty());
}

TEST_F(CommandsTest, EveryStepOfAnApprovedCaseToClosed) {
  const std::string number = Submit();
  const std::string base = "/api/v1/cases/" + number + "/";
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"accept", R"({"acceptance_number":"杭西公受字〔2026〕17号","comprehensive_window":true})"},
      {"start-review", ""},
      {"review-step", R"({"step":"undertake","opinion":"材料齐全，同意"})"},
      {"approve", R"({"note":"准予"})"},
      {"issue", R"({"certificate_id":"JZZ-0001","delivery":"express","tracking_number":"SF1"})"},
      {"deliver", R"({"note":"本人签收"})"},
      {"close", ""}};
  int version = 1;
  for (const auto& [action, body] : steps) {
    httplib::Result result = Post(base + action, body, "demo-officer");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << action << ": " << result->body;
    EXPECT_EQ(JsonField(result->body, "version"), std::to_string(++version)) << action;
    EXPECT_EQ(result->get_header_value("ETag"), "\"" + std::to_string(version) + "\"");
  }
  httplib::Result evaluated =
      Post(base + "evaluate", R"({"grade":5,"comment":"很满意"})", "demo-citizen");
  ASSERT_TRUE(evaluated);
  EXPECT_EQ(evaluated->status, 200) << evaluated->body;
  EXPECT_EQ(JsonField(evaluated->body, "state"), "Closed");
}

TEST_F(CommandsTest, IfMatchAndIdempotencyKey) {
  const std::string number = Submit();
  const std::string path = "/api/v1/cases/" + number + "/accept";
  const std::string body = R"({"acceptance_number":"A-1"})";
  httplib::Result stale = Post(path, body, "demo-officer", {{"If-Match", "\"5\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 412) << stale->body;
  EXPECT_EQ(JsonField(stale->body, "current_version"), "1");
  EXPECT_EQ(JsonField(stale->body, "code"), "version_conflict");

  httplib::Result first =
      Post(path, body, "demo-officer", {{"If-Match", "\"1\""}, {"Idempotency-Key", "k-1"}});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const std::string log = ExportLog();
  httplib::Result again =
      Post(path, body, "demo-officer", {{"If-Match", "\"1\""}, {"Idempotency-Key", "k-1"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(JsonField(again->body, "position"), JsonField(first->body, "position"));
  EXPECT_EQ(JsonField(again->body, "duplicate"), "true");
  EXPECT_EQ(ExportLog(), log);  // nothing written
}

TEST_F(CommandsTest, AccessIsScopedByRole) {
  const std::string number = Submit();
  const std::string accept = "/api/v1/cases/" + number + "/accept";
  const std::string body = R"({"acceptance_number":"A-1"})";
  const std::string log = ExportLog();

  httplib::Result anonymous = Post(accept, body, "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(JsonField(anonymous->body, "code"), "unauthenticated");
  httplib::Result unknown_token = Post(accept, body, "not-a-token");
  ASSERT_TRUE(unknown_token);
  EXPECT_EQ(unknown_token->status, 401);

  httplib::Result analyst = Post(accept, body, "demo-analyst");
  ASSERT_TRUE(analyst);
  EXPECT_EQ(analyst->status, 403);
  httplib::Result other_department = Post(accept, body, "traffic-officer");
  ASSERT_TRUE(other_department);
  EXPECT_EQ(other_department->status, 403) << other_department->body;

  // Another citizen cannot tell this case from one that does not exist.
  httplib::Result foreign = Post("/api/v1/cases/" + number + "/withdraw", "", "other-citizen");
  httplib::Result missing = Post("/api/v1/cases/3301062026010199999/withdraw", "", "other-citizen");
  ASSERT_TRUE(foreign);
  ASSERT_TRUE(missing);
  EXPECT_EQ(foreign->status, 404);
  EXPECT_EQ(foreign->body.substr(0, foreign->body.find("no case")),
            missing->body.substr(0, missing->body.find("no case")));
  // A citizen submits only for itself.
  httplib::Result impersonation = Post("/api/v1/cases", SubmitBody(kCitizenId), "other-citizen");
  ASSERT_TRUE(impersonation);
  EXPECT_EQ(impersonation->status, 403);

  EXPECT_EQ(ExportLog(), log);
}

struct BadInput {
  const char* what;
  std::string path;  // "{case}" is replaced by a Submitted case's number
  std::string body;
  std::string token;
  int status;
  const char* code;
};

TEST_F(CommandsTest, BadInputGetsAClear4xxAndChangesNothing) {
  const std::string number = Submit();
  const std::string valid_id = kCitizenId;
  const std::vector<BadInput> cases = {
      {"malformed JSON", "/api/v1/cases", "{\"service_code\":", "demo-citizen", 400,
       "malformed_json"},
      {"not an object", "/api/v1/cases", "[1,2]", "demo-citizen", 400, "malformed_json"},
      {"invalid UTF-8", "/api/v1/cases", "{\"service_code\":\"\xff\"}", "demo-citizen", 400,
       "malformed_json"},
      {"unknown member", "/api/v1/cases", R"({"service_code":"GA-JZZ-SL","colour":"red"})",
       "demo-citizen", 400, "unknown_field"},
      {"wrong type", "/api/v1/cases", R"({"service_code":7})", "demo-citizen", 400, "wrong_type"},
      {"missing applicant", "/api/v1/cases",
       R"({"service_code":"GA-JZZ-SL","channel":"online","materials":[]})", "demo-citizen", 400,
       "missing_value"},
      {"bad check character", "/api/v1/cases", SubmitBody("110105194912310021"), "demo-officer",
       400, "invalid_id_number"},
      {"impossible birth date", "/api/v1/cases", SubmitBody("110105194902300021"), "demo-officer",
       400, "invalid_id_number"},
      {"short ID number", "/api/v1/cases", SubmitBody("11010519491231"), "demo-officer", 400,
       "invalid_id_number"},
      {"unknown item", "/api/v1/cases",
       R"({"service_code":"NOPE","channel":"online","applicant":{"id_number":")" + valid_id +
           R"(","name":"张三"},"materials":[]})",
       "demo-citizen", 400, "unknown_item"},
      {"channel not allowed", "/api/v1/cases",
       R"({"service_code":"GA-SFZ-SL","channel":"online","applicant":{"id_number":")" + valid_id +
           R"(","name":"张三"},"materials":[]})",
       "demo-officer", 400, "channel_not_allowed"},
      {"unknown channel", "/api/v1/cases",
       R"({"service_code":"GA-JZZ-SL","channel":"fax","applicant":{"id_number":")" + valid_id +
           R"(","name":"张三"},"materials":[]})",
       "demo-officer", 400, nullptr},
      {"form value not a string", "/api/v1/cases",
       R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":")" + valid_id +
           R"(","name":"张三"},"materials":[],"form":{"n":1}})",
       "demo-citizen", 400, "wrong_type"},
      {"materials not strings", "/api/v1/cases",
       R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":")" + valid_id +
           R"(","name":"张三"},"materials":[1]})",
       "demo-citizen", 400, "wrong_type"},
      {"name too long", "/api/v1/cases",
       R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":")" + valid_id +
           R"(","name":")" + std::string(300, 'a') + R"("},"materials":[]})",
       "demo-citizen", 400, "too_long"},
      {"illegal transition", "/api/v1/cases/{case}/approve", "", "demo-officer", 409,
       "illegal_transition"},
      {"deliver before issue", "/api/v1/cases/{case}/deliver", "", "demo-officer", 409,
       "illegal_transition"},
      {"unknown action", "/api/v1/cases/{case}/teleport", "", "demo-officer", 404,
       "unknown_action"},
      {"unknown case", "/api/v1/cases/3301062026010199999/accept", R"({"acceptance_number":"A"})",
       "demo-officer", 404, nullptr},
      {"accept without number", "/api/v1/cases/{case}/accept", "{}", "demo-officer", 400,
       "missing_value"},
      {"extend by zero days", "/api/v1/cases/{case}/extend", R"({"working_days":0,"reason":"x"})",
       "demo-officer", 400, "invalid_value"},
      {"extend by a fraction", "/api/v1/cases/{case}/extend",
       R"({"working_days":1.5,"reason":"x"})", "demo-officer", 400, "wrong_type"},
      {"grade six", "/api/v1/cases/{case}/evaluate", R"({"grade":6})", "demo-citizen", 400,
       "invalid_value"},
      {"grade as text", "/api/v1/cases/{case}/evaluate", R"({"grade":"1"})", "demo-citizen", 400,
       "wrong_type"},
      {"supervise with a bad date", "/api/v1/cases/{case}/supervise",
       R"({"note":"x","due":"2026-02-30"})", "demo-supervisor", 400, "invalid_value"},
      {"issue by express without tracking", "/api/v1/cases/{case}/issue",
       R"({"certificate_id":"C","delivery":"express"})", "demo-officer", 409, nullptr},
      {"review step of an unknown kind", "/api/v1/cases/{case}/review-step",
       R"({"step":"dance","opinion":"x"})", "demo-officer", 409, nullptr},
      {"citizen approves", "/api/v1/cases/{case}/approve", "", "demo-citizen", 403, nullptr},
      {"officer evaluates", "/api/v1/cases/{case}/evaluate", R"({"grade":1})", "demo-officer", 403,
       nullptr},
      {"admin submits", "/api/v1/cases", SubmitBody(), "demo-admin", 403, nullptr},
      {"unknown route", "/api/v1/nowhere", "{}", "demo-officer", 404, "not_found"},
      {"body too large", "/api/v1/cases", std::string(2 * 1024 * 1024, ' '), "demo-citizen", 413,
       "body_too_large"},
  };
  ASSERT_GE(cases.size(), 30u);
  const std::string log = ExportLog();
  for (const BadInput& bad : cases) {
    std::string path = bad.path;
    if (size_t at = path.find("{case}"); at != std::string::npos) path.replace(at, 6, number);
    httplib::Result result = Post(path, bad.body, bad.token);
    ASSERT_TRUE(result) << bad.what;
    EXPECT_EQ(result->status, bad.status) << bad.what << ": " << result->body;
    EXPECT_EQ(result->body.rfind("{\"error\":{\"code\":", 0), 0u)
        << bad.what << ": " << result->body;
    if (bad.code != nullptr) {
      EXPECT_EQ(JsonField(result->body, "code"), bad.code) << bad.what;
    }
  }
  EXPECT_EQ(ExportLog(), log);
}

}  // namespace
}  // namespace yiwang::testing

namespace yiwang::testing {
namespace {

class EventReadsTest : public CommandsTest {
 protected:
  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client.Get(path, {{"Authorization", "Bearer " + token}});
  }
};

TEST_F(EventReadsTest, TheLogIsServedAsStoredAndMaskedForAnalysts) {
  const std::string number = Submit();
  const std::string log = ExportLog();

  httplib::Result admin = Get("/api/v1/events?from=1&limit=1000", "demo-admin");
  ASSERT_TRUE(admin);
  ASSERT_EQ(admin->status, 200) << admin->body;
  EXPECT_EQ(admin->body, log);  // the stored bytes, one per line
  httplib::Result page = Get("/api/v1/events?from=2&limit=3", "demo-admin");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("X-Next-From"), "5");

  httplib::Result analyst = Get("/api/v1/events?limit=1000", "demo-analyst");
  ASSERT_TRUE(analyst);
  ASSERT_EQ(analyst->status, 200);
  EXPECT_EQ(analyst->body.find(kCitizenId), std::string::npos);
  EXPECT_EQ(analyst->body.find("张三"), std::string::npos);
  EXPECT_EQ(analyst->body.find("13800000000"), std::string::npos);
  EXPECT_NE(analyst->body.find("\"id_number\":\"110105********002X\""), std::string::npos);
  EXPECT_NE(analyst->body.find("\"name\":\"张**\""), std::string::npos);

  for (const auto& [path, token, status] : std::vector<std::tuple<std::string, std::string, int>>{
           {"/api/v1/events", "demo-officer", 403},
           {"/api/v1/events", "demo-citizen", 403},
           {"/api/v1/events?limit=0", "demo-admin", 400},
           {"/api/v1/events?limit=5000", "demo-admin", 400},
           {"/api/v1/events?from=abc", "demo-admin", 400},
           {"/api/v1/events", "nobody", 401},
       }) {
    httplib::Result result = Get(path, token);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, status) << path << " as " << token << ": " << result->body;
  }

  // One case's stream: its applicant and its department see it; others do not.
  const std::string stream = "/api/v1/streams/case-" + number;
  httplib::Result own = Get(stream, "demo-citizen");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_NE(own->body.find("\"type\":\"CaseSubmitted\""), std::string::npos);
  httplib::Result officer = Get(stream, "demo-officer");
  ASSERT_TRUE(officer);
  EXPECT_EQ(officer->status, 200);
  httplib::Result foreign = Get(stream, "other-citizen");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 404);
  httplib::Result other_department = Get(stream, "traffic-officer");
  ASSERT_TRUE(other_department);
  EXPECT_EQ(other_department->status, 403);
  httplib::Result catalog = Get("/api/v1/streams/catalog-GA-JZZ-SL", "other-citizen");
  ASSERT_TRUE(catalog);
  EXPECT_EQ(catalog->status, 200);
}

}  // namespace
}  // namespace yiwang::testing

namespace yiwang::testing {
namespace {

class QueriesTest : public CommandsTest {
 protected:
  httplib::Result Get(const std::string& path, const std::string& token = "") {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }
  // Submits and accepts a case; returns {case number, query code, position of the accept}.
  std::tuple<std::string, std::string, std::string> AcceptedCase() {
    httplib::Result created = Post("/api/v1/cases", SubmitBody(), "demo-citizen");
    EXPECT_TRUE(created && created->status == 201);
    const std::string number = JsonField(created->body, "case_number");
    httplib::Result accepted = Post("/api/v1/cases/" + number + "/accept",
                                    R"({"acceptance_number":"A-1"})", "demo-officer");
    EXPECT_TRUE(accepted && accepted->status == 200);
    return {number, JsonField(created->body, "query_code"), JsonField(accepted->body, "position")};
  }
};

TEST_F(QueriesTest, ProgressReadsItsWritesAndIsScoped) {
  const auto [number, code, position] = AcceptedCase();
  httplib::Result progress =
      Get("/api/v1/cases/" + number + "?min_position=" + position, "demo-officer");
  ASSERT_TRUE(progress);
  ASSERT_EQ(progress->status, 200) << progress->body;
  EXPECT_EQ(JsonField(progress->body, "state"), "Accepted");
  EXPECT_EQ(JsonField(progress->body, "version"), "2");
  for (const char* field : {"\"deadline\":", "\"legal_deadline\":", "\"working_days_left\":",
                            "\"warning\":", "\"next_step\":", "\"timeline\":["}) {
    EXPECT_NE(progress->body.find(field), std::string::npos) << field;
  }
  EXPECT_EQ(progress->body.find(kCitizenId), std::string::npos);  // no personal data

  httplib::Result own = Get("/api/v1/cases/" + number, "demo-citizen");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  httplib::Result foreign = Get("/api/v1/cases/" + number, "other-citizen");
  httplib::Result missing = Get("/api/v1/cases/3301062026010199999", "other-citizen");
  ASSERT_TRUE(foreign && missing);
  EXPECT_EQ(foreign->status, 404);
  EXPECT_EQ(JsonField(foreign->body, "code"), JsonField(missing->body, "code"));
  httplib::Result other_department = Get("/api/v1/cases/" + number, "traffic-officer");
  ASSERT_TRUE(other_department);
  EXPECT_EQ(other_department->status, 403);
  httplib::Result anonymous = Get("/api/v1/cases/" + number);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  // Citizens without an account: case number + query code; a wrong code is a plain 404.
  httplib::Result by_code = Get("/api/v1/progress?case=" + number + "&code=" + code);
  ASSERT_TRUE(by_code);
  EXPECT_EQ(by_code->status, 200);
  EXPECT_EQ(JsonField(by_code->body, "state"), "Accepted");
  httplib::Result wrong_code = Get("/api/v1/progress?case=" + number + "&code=00000000");
  httplib::Result no_case = Get("/api/v1/progress?case=3301062026010199999&code=" + code);
  ASSERT_TRUE(wrong_code && no_case);
  EXPECT_EQ(wrong_code->status, 404);
  EXPECT_EQ(wrong_code->body, no_case->body);

  // A position far ahead: a bounded wait, then 503 with a clear body.
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(15, 0);
  httplib::Result ahead = client.Get("/api/v1/cases/" + number + "?min_position=999999",
                                     {{"Authorization", "Bearer demo-officer"}});
  ASSERT_TRUE(ahead);
  EXPECT_EQ(ahead->status, 503);
  EXPECT_EQ(JsonField(ahead->body, "code"), "not_caught_up");
  httplib::Result bad_position = Get("/api/v1/cases/" + number + "?min_position=x", "demo-officer");
  ASSERT_TRUE(bad_position);
  EXPECT_EQ(bad_position->status, 400);
}

TEST_F(QueriesTest, TheApplicantIndexListsOwnCasesOnly) {
  const auto [first, code, position] = AcceptedCase();
  const auto [second, code2, position2] = AcceptedCase();
  const std::string path =
      std::string("/api/v1/applicants/") + kCitizenId + "/cases?min_position=" + position2;
  httplib::Result own = Get(path + "&limit=1", "demo-citizen");
  ASSERT_TRUE(own);
  ASSERT_EQ(own->status, 200) << own->body;
  EXPECT_NE(own->body.find(first), std::string::npos);
  const std::string cursor = JsonField(own->body, "next_cursor");
  ASSERT_FALSE(cursor.empty());
  httplib::Result next = Get(path + "&limit=1&cursor=" + cursor, "demo-citizen");
  ASSERT_TRUE(next);
  EXPECT_NE(next->body.find(second), std::string::npos) << next->body;
  EXPECT_EQ(JsonField(next->body, "next_cursor"), "null");

  httplib::Result officer = Get(path, "demo-officer");
  ASSERT_TRUE(officer);
  EXPECT_EQ(officer->status, 200);
  for (const auto& [token, status] : std::vector<std::pair<std::string, int>>{
           {"other-citizen", 403}, {"demo-analyst", 403}, {"", 401}}) {
    httplib::Result refused = Get(path, token);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, status) << token;
  }
  httplib::Result bad_id = Get("/api/v1/applicants/110105194912310021/cases", "demo-officer");
  ASSERT_TRUE(bad_id);
  EXPECT_EQ(bad_id->status, 400);
  httplib::Result bad_limit = Get(path + "&limit=1000", "demo-citizen");
  ASSERT_TRUE(bad_limit);
  EXPECT_EQ(bad_limit->status, 400);
  httplib::Result ready = Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(JsonField(ready->body, "ready"), "true");
}

// Stop, restart (projections resume from their checkpoints), then throw the read models away
// and restart (a rebuild from the log): the answers do not change.
TEST_F(QueriesTest, ProjectionsResumeAndAgreeWithARebuild) {
  const auto [number, code, position] = AcceptedCase();
  httplib::Result before =
      Get("/api/v1/applicants/" + std::string(kCitizenId) + "/cases?min_position=" + position,
          "demo-citizen");
  ASSERT_TRUE(before && before->status == 200);
  auto restart = [&] {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--demo", "--listen", "127.0.0.1:0", "--data", (data_.path() / "db").string(),
        "--durability", "os", "--auth-file", auth_file_});
    ASSERT_TRUE(server_->started()) << server_->startup_output();
  };
  auto answers = [&] {
    httplib::Result index =
        Get("/api/v1/applicants/" + std::string(kCitizenId) + "/cases?min_position=" + position,
            "demo-citizen");
    httplib::Result progress =
        Get("/api/v1/progress?case=" + number + "&code=" + code + "&min_position=" + position);
    EXPECT_TRUE(index && progress);
    return index->body + "\n" + progress->body;
  };
  const std::string original = answers();
  ASSERT_EQ(server_->Stop(), 0);
  restart();
  EXPECT_EQ(answers(), original);
  ASSERT_EQ(server_->Stop(), 0);
  std::filesystem::remove_all(data_.path() / "db" / "read");
  restart();
  EXPECT_EQ(answers(), original);
}

}  // namespace
}  // namespace yiwang::testing

namespace yiwang::testing {
namespace {

// Every role against every route it must not use: the denial status, and nothing written.
TEST_F(CommandsTest, PermissionMatrix) {
  const std::string number = Submit();
  const std::vector<std::string> actions = {"accept",
                                            "not-accept",
                                            "request-materials",
                                            "supplement",
                                            "transfer",
                                            "start-review",
                                            "review-step",
                                            "special-procedure",
                                            "suspend",
                                            "resume",
                                            "extend",
                                            "approve",
                                            "deny",
                                            "issue",
                                            "deliver",
                                            "withdraw",
                                            "close",
                                            "supervise",
                                            "answer-supervision",
                                            "evaluate",
                                            "rectify",
                                            "record-trip",
                                            "consult"};
  const std::set<std::string> citizen_actions = {"supplement", "withdraw", "evaluate"};
  const std::string log = ExportLog();
  auto expect = [&](const std::string& method, const std::string& path, const std::string& token,
                    int status) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result = method == "GET" ? client.Get(path, headers)
                                             : client.Post(path, headers, "{}", "application/json");
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, status)
        << method << " " << path << " as '" << token << "': " << result->body;
    EXPECT_EQ(result->body.rfind("{\"error\":", 0), 0u) << path;
  };
  const std::string case_path = "/api/v1/cases/" + number;
  for (const std::string& action : actions) {
    const std::string path = case_path + "/" + action;
    expect("POST", path, "", 401);
    expect("POST", path, "not-a-token", 401);
    expect("POST", path, "demo-analyst", 403);
    expect("POST", path, "demo-admin", 403);
    expect("POST", path, "other-citizen", 404);    // not even its existence
    expect("POST", path, "traffic-officer", 403);  // another department
    if (action != "supervise") expect("POST", path, "demo-supervisor", 403);
    if (!citizen_actions.contains(action)) expect("POST", path, "demo-citizen", 403);
    if (action == "supervise" || action == "evaluate") expect("POST", path, "demo-officer", 403);
  }
  for (const char* token : {"demo-analyst", "demo-admin", "demo-supervisor"}) {
    expect("POST", "/api/v1/cases", token, 403);
  }
  expect("POST", "/api/v1/cases", "", 401);
  // Reads.
  expect("GET", case_path, "", 401);
  expect("GET", case_path, "other-citizen", 404);
  expect("GET", case_path, "traffic-officer", 403);
  expect("GET", "/api/v1/streams/case-" + number, "other-citizen", 404);
  expect("GET", "/api/v1/streams/case-" + number, "traffic-officer", 403);
  expect("GET", "/api/v1/streams/case-" + number, "", 401);
  for (const char* token : {"demo-citizen", "demo-officer", "demo-supervisor", "other-citizen"}) {
    expect("GET", "/api/v1/events", token, 403);
  }
  expect("GET", "/api/v1/events", "", 401);
  expect("GET", std::string("/api/v1/applicants/") + kCitizenId + "/cases", "other-citizen", 403);
  expect("GET", std::string("/api/v1/applicants/") + kCitizenId + "/cases", "demo-analyst", 403);
  expect("GET", std::string("/api/v1/applicants/") + kCitizenId + "/cases", "", 401);
  EXPECT_EQ(ExportLog(), log);
}

}  // namespace
}  // namespace yiwang::testing
