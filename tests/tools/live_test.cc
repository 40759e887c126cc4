// End-to-end: GET /api/v1/events/live (Server-Sent Events) on the built `yiwang serve`, read
// through a raw socket: new events arrive, a resume with Last-Event-ID gets exactly the missed
// events, each role sees its scope, the client bound answers 503, bad parameters 400.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>

#include "tests/tools/audit_support.h"

namespace yiwang::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kWait{10};  // bound on every wait for the stream

// A raw HTTP/1.1 client of one SSE stream.
class SseClient {
 public:
  SseClient(int port, const std::string& path, const std::string& token,
            const std::string& extra_headers = "") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                "Authorization: Bearer " + token + "\r\n" + extra_headers +
                                "Accept: text/event-stream\r\n\r\n";
    connected_ = send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(request.size());
  }
  ~SseClient() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Reads until `done(text)` holds, the peer closes, or kWait passes; whether it held.
  bool ReadUntil(const std::function<bool(const std::string&)>& done) {
    const Clock::time_point deadline = Clock::now() + kWait;
    while (!done(text_)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || fd_ < 0) return false;
      pollfd descriptor{fd_, POLLIN, 0};
      if (poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[16384];
      const ssize_t read = recv(fd_, buffer, sizeof(buffer), 0);
      if (read <= 0) return done(text_);
      text_.append(buffer, static_cast<size_t>(read));
    }
    return true;
  }
  bool ReadHeaders() {
    return ReadUntil(
        [](const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; });
  }
  bool ReadUntilId(uint64_t id) {
    const std::string needle = "\nid: " + std::to_string(id) + "\n";
    return ReadUntil(
        [&](const std::string& text) { return text.find(needle) != std::string::npos; });
  }
  // Reads until a heartbeat comes after everything already received.
  bool ReadUntilHeartbeat() {
    const size_t from = text_.size();
    return ReadUntil([&](const std::string& text) {
      return text.find(": keep-alive", from) != std::string::npos;
    });
  }

  int status() const { return text_.starts_with("HTTP/1.1 ") ? std::atoi(text_.c_str() + 9) : 0; }
  bool connected() const { return connected_; }
  const std::string& text() const { return text_; }
  // The `id:` of every message so far, in order.
  std::vector<uint64_t> Ids() const {
    std::vector<uint64_t> ids;
    for (size_t at = text_.find("\nid: "); at != std::string::npos;
         at = text_.find("\nid: ", at + 1)) {
      ids.push_back(std::stoull(text_.substr(at + 5)));
    }
    return ids;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string text_;
};

class LiveTest : public ::testing::Test {
 protected:
  LiveTest() : server_({"--sse-heartbeat-ms", "200", "--sse-clients", "3"}) {}
  void SetUp() override { ASSERT_TRUE(server_.started()) << server_.output(); }
  static std::string Path(const std::string& number, const std::string& action) {
    return "/api/v1/cases/" + number + "/" + action;
  }
  DemoServer server_;
};

TEST_F(LiveTest, NewEventsArriveAsServerSentEvents) {
  SseClient admin(server_.port(), "/api/v1/events/live", "demo-admin");
  ASSERT_TRUE(admin.connected());
  ASSERT_TRUE(admin.ReadUntil([](const std::string& text) {
    return text.find(": connected") != std::string::npos;
  })) << admin.text();
  EXPECT_EQ(admin.status(), 200);
  EXPECT_NE(admin.text().find("Content-Type: text/event-stream"), std::string::npos);
  uint64_t submitted = 0;
  const std::string number =
      server_.Submit("GA-JZZ-SL", kDemoCitizenId, "demo-citizen", &submitted);
  const uint64_t accepted =
      server_.Command(Path(number, "accept"), R"({"acceptance_number":"A-1"})", "demo-officer");
  ASSERT_TRUE(admin.ReadUntilId(accepted)) << admin.text();
  EXPECT_EQ(admin.Ids(), (std::vector<uint64_t>{submitted, accepted}));
  EXPECT_NE(admin.text().find(
                "id: " + std::to_string(submitted) +
                "\nevent: CaseSubmitted\ndata: {\"position\":" + std::to_string(submitted) + ","),
            std::string::npos)
      << admin.text();
  EXPECT_NE(admin.text().find(kDemoCitizenId), std::string::npos);
  // Idle: heartbeats (every 200 ms here).
  EXPECT_TRUE(admin.ReadUntilHeartbeat()) << admin.text();
  // Stopping the server ends the open stream and exits cleanly.
  EXPECT_EQ(server_.Stop(), 0);
  EXPECT_FALSE(admin.ReadUntil([](const std::string&) { return false; }));
}

TEST_F(LiveTest, ResumeWithLastEventIdGetsExactlyTheMissedEvents) {
  uint64_t first = 0;
  const std::string number = server_.Submit("GA-JZZ-SL", kDemoCitizenId, "demo-citizen", &first);
  std::vector<uint64_t> seen;
  {
    SseClient citizen(server_.port(), "/api/v1/events/live?from=" + std::to_string(first),
                      "demo-citizen");
    ASSERT_TRUE(citizen.ReadUntilId(first)) << citizen.text();
    seen = citizen.Ids();
  }  // disconnected
  const uint64_t accepted =
      server_.Command(Path(number, "accept"), R"({"acceptance_number":"A-1"})", "demo-officer");
  server_.Submit("GA-JSZ-QMHZ", OtherCitizenId(), "t-citizen-2");  // not the citizen's
  const uint64_t reviewed = server_.Command(Path(number, "start-review"), "", "demo-officer");
  SseClient again(server_.port(), "/api/v1/events/live?from=1", "demo-citizen",
                  "Last-Event-ID: " + std::to_string(seen.back()) + "\r\n");
  ASSERT_TRUE(again.ReadUntilId(reviewed)) << again.text();
  ASSERT_TRUE(again.ReadUntilHeartbeat());
  EXPECT_EQ(seen, (std::vector<uint64_t>{first}));
  EXPECT_EQ(again.Ids(), (std::vector<uint64_t>{accepted, reviewed}));
}

TEST_F(LiveTest, EachRoleSeesItsScope) {
  uint64_t start = 0;
  const std::string mine = server_.Submit("GA-JZZ-SL", kDemoCitizenId, "demo-citizen", &start);
  const uint64_t mine_accepted =
      server_.Command(Path(mine, "accept"), R"({"acceptance_number":"A-1"})", "demo-officer");
  uint64_t other = 0;
  const std::string theirs = server_.Submit("GA-JSZ-QMHZ", OtherCitizenId(), "t-citizen-2", &other);
  const uint64_t other_accepted =
      server_.Command(Path(theirs, "accept"), R"({"acceptance_number":"A-2"})", "t-officer-jj");
  const std::vector<uint64_t> all{start, mine_accepted, other, other_accepted};
  const std::vector<uint64_t> demo_case{start, mine_accepted};
  const std::vector<uint64_t> jj_case{other, other_accepted};
  const std::vector<std::pair<std::string, std::vector<uint64_t>>> expected{
      {"demo-admin", all},         {"demo-analyst", all},    {"demo-supervisor", all},
      {"demo-citizen", demo_case}, {"t-citizen-2", jj_case}, {"demo-officer", demo_case},
      {"t-officer-jj", jj_case},   {"t-supervisor-3302", {}}};
  for (const auto& [token, ids] : expected) {
    // Three streams at most here, and a closed stream's slot comes back only when a heartbeat
    // finds its socket gone (up to two heartbeats): eight clients in a row wait for a slot.
    std::unique_ptr<SseClient> connected;
    for (int attempt = 0; attempt < 50; ++attempt) {
      connected = std::make_unique<SseClient>(
          server_.port(), "/api/v1/events/live?from=" + std::to_string(start), token);
      if (connected->ReadHeaders() && connected->status() != 503) break;
      usleep(100'000);
    }
    SseClient& client = *connected;
    ASSERT_EQ(client.status(), 200) << token;
    // The backlog is read in one round, so the first heartbeat comes after all of it.
    ASSERT_TRUE(client.ReadUntil([](const std::string& text) {
      return text.find(": connected") != std::string::npos;
    })) << token;
    ASSERT_TRUE(client.ReadUntilHeartbeat()) << token << ": " << client.text();
    EXPECT_EQ(client.Ids(), ids) << token;
    const bool clear = client.text().find(kDemoCitizenId) != std::string::npos;
    EXPECT_EQ(clear, token != "demo-analyst" && !ids.empty() && ids.front() == start) << token;
  }
}

TEST_F(LiveTest, ClientsBeyondTheLimitGet503AndSlotsComeBack) {
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int index = 0; index < 3; ++index) {
    clients.push_back(
        std::make_unique<SseClient>(server_.port(), "/api/v1/events/live", "demo-admin"));
    ASSERT_TRUE(clients.back()->ReadHeaders());
    EXPECT_EQ(clients.back()->status(), 200);
  }
  SseClient refused(server_.port(), "/api/v1/events/live", "demo-admin");
  ASSERT_TRUE(refused.ReadHeaders());
  EXPECT_EQ(refused.status(), 503);
  ASSERT_TRUE(refused.ReadUntil([](const std::string& text) {
    return text.find("too_many_live_clients") != std::string::npos;
  })) << refused.text();
  // Commands still run while the streams hold their threads.
  EXPECT_FALSE(server_.Submit("GA-JZZ-SL", kDemoCitizenId, "demo-citizen").empty());
  // A closed stream's slot is freed once a heartbeat finds the socket gone.
  clients.front()->Close();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    SseClient retry(server_.port(), "/api/v1/events/live", "demo-admin");
    admitted = retry.ReadHeaders() && retry.status() == 200;
    if (!admitted) usleep(100'000);
  }
  EXPECT_TRUE(admitted);
}

TEST_F(LiveTest, BadRequestsAreRefused) {
  const auto status_of = [&](const std::string& path, const std::string& token,
                             const std::string& headers = "") {
    SseClient client(server_.port(), path, token, headers);
    return client.ReadHeaders() ? client.status() : 0;
  };
  EXPECT_EQ(status_of("/api/v1/events/live?from=abc", "demo-admin"), 400);
  EXPECT_EQ(status_of("/api/v1/events/live?from=0", "demo-admin"), 400);
  EXPECT_EQ(status_of("/api/v1/events/live?from=99999999", "demo-admin"), 400);
  EXPECT_EQ(status_of("/api/v1/events/live", "demo-admin", "Last-Event-ID: x\r\n"), 400);
  EXPECT_EQ(status_of("/api/v1/events/live", "no-such-token"), 401);
}

}  // namespace
}  // namespace yiwang::testing
