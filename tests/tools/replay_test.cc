// End-to-end: `yiwang replay` over a generated history of 100,000 events. The read models a
// server built live (catching up, then following commands) and those a replay rebuilds must be
// the same, byte for byte in every read-store family, and answer every query the same.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rocksdb/db.h>

#include <map>
#include <set>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

constexpr char kHistoryEvents[] = "100000";
constexpr size_t kSampleCases = 150;
constexpr size_t kSampleApplicants = 150;

using Families = std::map<std::string, std::map<std::string, std::string>>;

// Every key and value of every family of the read store at `path` (opened read-only).
Families ReadAllFamilies(const std::string& path) {
  Families families;
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &db);
  EXPECT_TRUE(status.ok()) << status.ToString();
  if (!status.ok()) return families;
  for (size_t index = 0; index < handles.size(); ++index) {
    std::unique_ptr<rocksdb::Iterator> iterator(
        db->NewIterator(rocksdb::ReadOptions(), handles[index]));
    auto& family = families[names[index]];
    for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
      family.emplace(iterator->key().ToString(), iterator->value().ToString());
    }
    (void)db->DestroyColumnFamilyHandle(handles[index]);
  }
  delete db;
  return families;
}

// Puts one key into a family behind the server's back (the read store must not be open).
void PutRaw(const std::string& path, const std::string& family, const std::string& key) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  for (size_t index = 0; index < names.size(); ++index) {
    if (names[index] == family) {
      EXPECT_TRUE(db->Put({}, handles[index], key, "marker").ok());
    }
    (void)db->DestroyColumnFamilyHandle(handles[index]);
  }
  delete db;
}

// Explains the first difference instead of dumping two maps of 100,000 entries.
void ExpectSameFamilies(const Families& expected, const Families& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, entries] : expected) {
    auto other = actual.find(name);
    ASSERT_NE(other, actual.end()) << "family " << name << " is missing";
    EXPECT_EQ(entries.size(), other->second.size()) << "family " << name;
    for (const auto& [key, value] : entries) {
      auto found = other->second.find(key);
      if (found == other->second.end() || found->second != value) {
        ADD_FAILURE() << "family " << name << " differs at key of " << key.size() << " bytes";
        break;
      }
    }
  }
}

httplib::Result Get(int port, const std::string& path, const std::string& token) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  return client.Get(path, {{"Authorization", "Bearer " + token}});
}

// The dashboard reports the instant it was computed at ("now"): the one part of an answer that
// rightly differs between two servers.
std::string WithoutNow(std::string body) {
  const std::string key = "\"now\":\"";
  for (size_t at = body.find(key); at != std::string::npos; at = body.find(key, at)) {
    const size_t end = body.find('"', at + key.size());
    if (end == std::string::npos) break;
    body.erase(at, end + 1 - at);
  }
  return body;
}

// GET responses (status and body) for every path, read in one go.
std::map<std::string, std::string> Answers(int port, const std::vector<std::string>& paths) {
  std::map<std::string, std::string> answers;
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_read_timeout(30, 0);
  for (const std::string& path : paths) {
    httplib::Result result = client.Get(path, {{"Authorization", "Bearer demo-admin"}});
    answers[path] =
        result ? std::to_string(result->status) + " " + WithoutNow(result->body) : "no answer";
  }
  return answers;
}

class ReplayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir();
    CommandResult generated = RunYiwang(
        {"bench", "replay", "--generate-only", "--events", kHistoryEvents, "--data", data_->str()});
    ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err;
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  static std::string ReadPath() { return data_->str() + "/read"; }
  static std::vector<std::string> ServeArgs() {
    return {"--demo", "--listen", "127.0.0.1:0", "--data", data_->str(), "--durability", "os"};
  }
  // Waits until the server's read models reach the head of its log.
  static void AwaitCaughtUp(int port) {
    httplib::Result health = Get(port, "/healthz", "");
    ASSERT_TRUE(health);
    const std::string head = JsonField(health->body, "head_position");
    for (int attempt = 0; attempt < 60; ++attempt) {
      httplib::Result probe = Get(
          port, "/api/v1/applicants/11010519491231002X/cases?min_position=" + head, "demo-admin");
      if (probe && probe->status == 200) return;
    }
    FAIL() << "the read models did not catch up with position " << head;
  }
  static TempDir* data_;
};
TempDir* ReplayTest::data_ = nullptr;

// The queries compared: a sample of cases, a sample of applicants, the dashboard and the audit
// trail; case numbers and ID numbers come from the read store itself.
std::vector<std::string> QueryPaths(const Families& families) {
  std::vector<std::string> paths;
  const auto& progress = families.at("progress");
  size_t step = std::max<size_t>(1, progress.size() / kSampleCases);
  size_t index = 0;
  for (const auto& [key, value] : progress) {
    if (key[0] == 'c' && index++ % step == 0) paths.push_back("/api/v1/cases/" + key.substr(1));
  }
  std::set<std::string> applicants;
  for (const auto& [key, value] : families.at("applicants")) {
    applicants.insert(key.substr(0, key.find('\0')));
  }
  step = std::max<size_t>(1, applicants.size() / kSampleApplicants);
  index = 0;
  for (const std::string& id : applicants) {
    if (index++ % step == 0) {
      paths.push_back("/api/v1/applicants/" + id + "/cases?limit=100");
      paths.push_back("/api/v1/applicants/" + id + "/certificates?limit=100");
    }
  }
  for (const char* path :
       {"/api/v1/dashboard", "/api/v1/dashboard?department=330106-GA-HZ",
        "/api/v1/dashboard?channel=online", "/api/v1/audit?limit=100",
        "/api/v1/audit?type=CaseApproved&limit=100", "/api/v1/audit/supervision?limit=100"}) {
    paths.push_back(path);
  }
  return paths;
}

TEST_F(ReplayTest, ReplayRebuildsExactlyWhatTheLiveServerBuilt) {
  std::map<std::string, std::string> live_answers;
  std::vector<std::string> paths;
  {
    ServerProcess server(ServeArgs());
    ASSERT_TRUE(server.started()) << server.startup_output();
    AwaitCaughtUp(server.port());
    // A few commands applied live, one small batch at a time.
    httplib::Client client("127.0.0.1", server.port());
    for (int index = 0; index < 5; ++index) {
      httplib::Result created = client.Post(
          "/api/v1/cases", {{"Authorization", "Bearer demo-citizen"}},
          R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X","name":"张三"},"materials":["M01","M02","M03","M04"]})",
          "application/json");
      ASSERT_TRUE(created);
      ASSERT_EQ(created->status, 201) << created->body;
      httplib::Result accepted =
          client.Post("/api/v1/cases/" + JsonField(created->body, "case_number") + "/accept",
                      {{"Authorization", "Bearer demo-officer"}},
                      R"({"acceptance_number":"杭西公受字1号"})", "application/json");
      ASSERT_TRUE(accepted);
      ASSERT_EQ(accepted->status, 200) << accepted->body;
    }
    AwaitCaughtUp(server.port());
    // Refused while the server holds the read models.
    CommandResult refused = RunYiwang({"replay", "--data", data_->str()});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("is a server running?"), std::string::npos) << refused.err;
    ASSERT_EQ(server.Stop(), 0);
  }
  const Families live = ReadAllFamilies(ReadPath());
  ASSERT_GT(live.at("progress").size(), 10'000u);
  paths = QueryPaths(live);
  {
    ServerProcess server(ServeArgs());
    ASSERT_TRUE(server.started()) << server.startup_output();
    live_answers = Answers(server.port(), paths);
  }

  CommandResult replayed = RunYiwang({"replay", "--data", data_->str()});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_NE(replayed.out.find("events/s"), std::string::npos) << replayed.out;
  EXPECT_NE(replayed.out.find(" s of it in the kernel)"), std::string::npos) << replayed.out;
  EXPECT_NE(replayed.err.find("100.0%"), std::string::npos) << replayed.err;  // plain progress
  ExpectSameFamilies(live, ReadAllFamilies(ReadPath()));

  ServerProcess server(ServeArgs());
  ASSERT_TRUE(server.started()) << server.startup_output();
  const std::map<std::string, std::string> replayed_answers = Answers(server.port(), paths);
  size_t ok_answers = 0;
  size_t differing = 0;
  for (const auto& [path, answer] : live_answers) {
    const std::string& replayed_answer = replayed_answers.at(path);
    if (answer != replayed_answer && ++differing <= 3) {
      size_t at = 0;
      while (at < answer.size() && at < replayed_answer.size() &&
             answer[at] == replayed_answer[at]) {
        ++at;
      }
      ADD_FAILURE() << path << " answers differently from byte " << at << ": live …"
                    << answer.substr(at > 80 ? at - 80 : 0, 200) << "… replayed …"
                    << replayed_answer.substr(at > 80 ? at - 80 : 0, 200);
    }
    ok_answers += answer.starts_with("200 ") ? 1 : 0;
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_GE(ok_answers, kSampleCases);  // the comparison is about real answers, not errors
}

TEST_F(ReplayTest, ANamedProjectionIsRebuiltAlone) {
  CommandResult first = RunYiwang({"replay", "--data", data_->str(), "--quiet"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const Families before = ReadAllFamilies(ReadPath());
  // A stray key in progress survives a replay of applicants only, and goes with a full replay.
  PutRaw(ReadPath(), "progress", "zz-marker");
  CommandResult named =
      RunYiwang({"replay", "--data", data_->str(), "--projection", "applicants", "--quiet"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_NE(named.out.find("into applicants in"), std::string::npos) << named.out;
  Families after = ReadAllFamilies(ReadPath());
  EXPECT_EQ(after.at("progress").count("zz-marker"), 1u);
  after.at("progress").erase("zz-marker");
  ExpectSameFamilies(before, after);

  CommandResult all = RunYiwang({"replay", "--data", data_->str(), "all", "--quiet"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(ReadAllFamilies(ReadPath()).at("progress").count("zz-marker"), 0u);
}

TEST_F(ReplayTest, AnUnknownProjectionIsAUsageErrorListingTheNames) {
  CommandResult result = RunYiwang({"replay", "--data", data_->str(), "--projection", "nope"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no projection 'nope'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("progress"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("applicants"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("usage"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace yiwang::testing
