// Shared by the end-to-end tests of the audit trail and the live feed: a demo server with extra
// tokens (another citizen, an officer and a supervisor elsewhere), HTTP helpers.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "domain/id_number.h"
#include "eventstore/digest.h"
#include "tests/tools/process.h"

namespace yiwang::testing {

inline const std::string kDemoCitizenId = "11010519491231002X";
inline std::string OtherCitizenId() {
  const std::string first17 = "44030419800101001";
  return first17 + ComputeCheckCharacter(first17);
}

// Tokens beside the demo ones: "t-citizen-2", "t-officer-jj" (330100-GA-JJ, the driving licence
// items), "t-supervisor-3302" (a division with no demo item).
inline std::string WriteAuthFile(const TempDir& dir) {
  const std::string path = dir.str() + "/auth.json";
  std::ofstream out(path);
  out << R"({"tokens":[)"
      << R"({"sha256":")" << Sha256Hex("t-citizen-2")
      << R"(","role":"citizen","subject":"citizen-2","id_number":")" << OtherCitizenId()
      << R"("},{"sha256":")" << Sha256Hex("t-officer-jj")
      << R"(","role":"officer","subject":"officer-jj","department":"330100-GA-JJ"},)"
      << R"({"sha256":")" << Sha256Hex("t-supervisor-3302")
      << R"(","role":"supervisor","subject":"supervisor-3302","division_prefix":"3302"}]})";
  return path;
}

// Every value of `"name":` in `body`, in order.
inline std::vector<std::string> Members(const std::string& body, const std::string& name) {
  std::vector<std::string> values;
  const std::string needle = "\"" + name + "\":";
  for (size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, at + 1)) {
    values.push_back(JsonField(body.substr(at), name));
  }
  return values;
}

class DemoServer {
 public:
  explicit DemoServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--demo", "--listen",    "127.0.0.1:0",
                                  "--data", data_.str(),   "--durability",
                                  "os",     "--auth-file", WriteAuthFile(data_)};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args);
  }
  bool started() const { return server_->started(); }
  int port() const { return server_->port(); }
  const std::string& output() const { return server_->startup_output(); }
  int Stop() { return server_->Stop(); }  // SIGTERM, wait, the exit code

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token) const {
    httplib::Client client("127.0.0.1", port());
    client.set_read_timeout(10, 0);
    return client.Post(path, {{"Authorization", "Bearer " + token}}, body, "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& token) const {
    httplib::Client client("127.0.0.1", port());
    client.set_read_timeout(10, 0);
    return client.Get(path, {{"Authorization", "Bearer " + token}});
  }
  // Runs a command; its position (0 when it failed, with a test failure).
  uint64_t Command(const std::string& path, const std::string& body, const std::string& token) {
    httplib::Result result = Post(path, body, token);
    EXPECT_TRUE(result) << path;
    if (!result) return 0;
    EXPECT_TRUE(result->status == 200 || result->status == 201) << path << ": " << result->body;
    const std::string position = JsonField(result->body, "position");
    return position.empty() ? 0 : std::stoull(position);
  }
  // Submits a case of `item` for the citizen behind `token`; the case number.
  std::string Submit(const std::string& item, const std::string& id_number,
                     const std::string& token, uint64_t* position = nullptr) {
    httplib::Result created =
        Post("/api/v1/cases",
             R"({"service_code":")" + item + R"(","channel":"online","applicant":{"id_number":")" +
                 id_number + R"(","name":"张三"},"materials":["M01"]})",
             token);
    EXPECT_TRUE(created && created->status == 201) << (created ? created->body : "no answer");
    if (!created) return "";
    if (position != nullptr) *position = std::stoull(JsonField(created->body, "position"));
    return JsonField(created->body, "case_number");
  }

 private:
  TempDir data_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace yiwang::testing
