// End-to-end tests of Kafka publication (DESIGN.md §6): `yiwang serve --kafka-brokers` against
// `yiwang kafka-dev` over TCP, the topics read back with kcat and compared with `yiwang export`.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "tests/kafka/publish_support.h"
#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

constexpr int kPublishTimeoutMs = 60'000;
constexpr int kClients = 16;

std::string ValueString(const std::string& value, const std::string& name) {
  const std::string needle = "\"" + name + "\":\"";
  const size_t at = value.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = at + needle.size();
  return value.substr(start, value.find('"', start) - start);
}

uint64_t ValuePosition(const std::string& value) {
  return std::strtoull(value.c_str() + std::string("{\"position\":").size(), nullptr, 10);
}

struct TopicCheck {
  uint64_t messages = 0;
  uint64_t resent = 0;  // messages whose position came before (same bytes)
};

// Reads both topics and checks them against the exported log: key, headers and topic agree with
// the value; every position of the log is there; a position seen twice carries the same bytes
// (and is allowed only when `allow_resends`, and never at or below `no_resends_through`); after
// dropping re-sent positions each stream's positions increase; and the values in position order
// are the export, byte for byte.
TopicCheck CheckTopics(const std::string& bootstrap, const std::string& exported,
                       bool allow_resends, uint64_t no_resends_through = 0) {
  TopicCheck check;
  std::map<uint64_t, std::string> by_position;
  for (const std::string topic : {"yiwang.case-events", "yiwang.catalog-events"}) {
    std::map<std::string, uint64_t> last_in_stream;
    for (const ConsumedMessage& message : ConsumeWithKcat(bootstrap, topic)) {
      ++check.messages;
      const std::string stream = ValueString(message.value, "stream");
      EXPECT_EQ(message.key, stream) << message.value.substr(0, 200);
      EXPECT_EQ(message.position, ValuePosition(message.value)) << message.value.substr(0, 200);
      EXPECT_EQ(message.type, ValueString(message.value, "type"));
      EXPECT_EQ(message.hash, message.value.substr(message.value.size() - 66, 64));
      EXPECT_EQ(stream.starts_with("catalog-"), topic == "yiwang.catalog-events") << stream;
      auto [at, inserted] = by_position.emplace(message.position, message.value);
      if (!inserted) {
        ++check.resent;
        EXPECT_TRUE(allow_resends) << "position " << message.position << " published twice";
        EXPECT_GT(message.position, no_resends_through) << "re-sent from before the cursor";
        EXPECT_EQ(at->second, message.value) << "position " << message.position;
        continue;  // a consumer drops it
      }
      EXPECT_GT(message.position, last_in_stream[stream]) << stream << " out of order";
      last_in_stream[stream] = message.position;
    }
  }
  std::string rebuilt;
  uint64_t expected = 1;
  for (const auto& [position, value] : by_position) {
    if (position != expected) {
      ADD_FAILURE() << "positions " << expected << ".." << position - 1
                    << " are missing from Kafka (" << by_position.size() << " positions there)";
      break;
    }
    ++expected;
    rebuilt += value + "\n";
  }
  EXPECT_GT(by_position.size(), 0u);
  EXPECT_EQ(rebuilt.size(), exported.size());
  EXPECT_TRUE(rebuilt == exported) << "Kafka's bytes differ from the export";
  return check;
}

// Two consecutive free loopback ports, found by binding them.
int FreePortPair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
    const int port = ntohs(address.sin_port);
    close(probe);
    if (port >= 65535) continue;
    const int next = socket(AF_INET, SOCK_STREAM, 0);
    address.sin_port = htons(static_cast<uint16_t>(port + 1));
    const bool free = bind(next, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(next);
    if (free) return port;
  }
  return 0;
}

TEST(KafkaDevTest, FixedPortsTopicsAndControlChannel) {
  const int port = FreePortPair();
  ASSERT_GT(port, 0);
  ControlledKafkaDev cluster(
      {"--brokers", "2", "--port-base", std::to_string(port), "--partitions", "2"});
  ASSERT_EQ(cluster.bootstrap(),
            "127.0.0.1:" + std::to_string(port) + ",127.0.0.1:" + std::to_string(port + 1));
  // The same ports again: refused with a clear message, not a crash.
  CommandResult second =
      RunYiwang({"kafka-dev", "--brokers", "2", "--port-base", std::to_string(port)});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << second.err;
  // The topics exist and are empty: kcat reads them to their (empty) end.
  EXPECT_TRUE(ConsumeWithKcat(cluster.bootstrap(), "yiwang.case-events").empty());
  EXPECT_TRUE(ConsumeWithKcat(cluster.bootstrap(), "yiwang.catalog-events").empty());
  EXPECT_EQ(cluster.Command("down 2"), "ok: broker 2 down");
  EXPECT_EQ(cluster.Command("up 2"), "ok: broker 2 up");
  EXPECT_EQ(cluster.Command("rtt 1 5"), "ok: broker 1 rtt 5 ms");
  EXPECT_EQ(cluster.Command("leader yiwang.case-events 1 2"),
            "ok: yiwang.case-events [1] led by broker 2");
  EXPECT_EQ(cluster.Command("errors Produce 3 NOT_LEADER_FOR_PARTITION"),
            "ok: next 3 Produce requests fail with NOT_LEADER_FOR_PARTITION");
  for (const std::string bad : {"down 3", "down x", "errors Produce 3 NO_SUCH_ERROR",
                                "errors Nothing 1 NOT_LEADER_FOR_PARTITION",
                                "errors Produce 0 "
                                "NOT_LEADER_FOR_PARTITION",
                                "rtt 1 -5", "leader yiwang.case-events 0 7", "launch"}) {
    EXPECT_TRUE(cluster.Command(bad).starts_with("error: ")) << bad;
  }
  CommandResult usage = RunYiwang({"kafka-dev", "--brokers", "0"});
  EXPECT_EQ(usage.exit_code, 2);
}

TEST(KafkaPublishTest, TwoThousandCasesOnceEachInOrderAndByteIdentical) {
  ControlledKafkaDev cluster;
  ASSERT_FALSE(cluster.bootstrap().empty()) << cluster.output();
  TempDir data;
  KillableServe server(data.str(), {"--kafka-brokers", cluster.bootstrap()});
  ASSERT_GT(server.port(), 0) << server.log();
  ASSERT_EQ(RunCaseWorkload(server.port(), 2000, kClients), 0);
  ASSERT_TRUE(WaitForFullPublication(server.port(), kPublishTimeoutMs)) << server.log();
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nyiwang_kafka_lag_positions 0\n"), std::string::npos);
  EXPECT_NE(metrics->body.find("\nyiwang_kafka_delivery_errors_total 0\n"), std::string::npos);
  const TopicCheck check = CheckTopics(cluster.bootstrap(), ExportLog(data.str()),
                                       /*allow_resends=*/false);
  EXPECT_EQ(check.messages, 2000u * 3 + 14);  // 3 events a case, the demo catalog's 14 items
}

TEST(KafkaPublishTest, BrokersDownMidWorkloadDelayButLoseNothing) {
  ControlledKafkaDev cluster;
  ASSERT_FALSE(cluster.bootstrap().empty()) << cluster.output();
  TempDir data;
  KillableServe server(data.str(), {"--kafka-brokers", cluster.bootstrap()});
  ASSERT_GT(server.port(), 0) << server.log();
  ASSERT_EQ(RunCaseWorkload(server.port(), 100, kClients), 0);
  // Brokers go away while clients keep writing: every append still succeeds.
  std::thread outage([&] {
    for (const char* command : {"down 1", "down 2", "down 3"}) {
      EXPECT_TRUE(cluster.Command(command).starts_with("ok: "));
    }
  });
  EXPECT_EQ(RunCaseWorkload(server.port(), 300, kClients), 0);
  outage.join();
  EXPECT_EQ(RunCaseWorkload(server.port(), 100, kClients), 0);
  uint64_t published = 0, head = 0, lag = 0;
  ASSERT_TRUE(ReadPublication(server.port(), &published, &head, &lag));
  EXPECT_GT(lag, 0u) << "nothing waited for the brokers";
  EXPECT_EQ(head, 500u * 3 + 14);
  // They come back, the first produce requests fail with a retriable error.
  EXPECT_TRUE(cluster.Command("errors Produce 5 NOT_LEADER_FOR_PARTITION").starts_with("ok: "));
  for (const char* command : {"up 1", "up 2", "up 3"}) {
    EXPECT_TRUE(cluster.Command(command).starts_with("ok: "));
  }
  ASSERT_EQ(RunCaseWorkload(server.port(), 100, kClients), 0);
  ASSERT_TRUE(WaitForFullPublication(server.port(), kPublishTimeoutMs)) << server.log();
  // No duplicate positions: the idempotent producer retries with the same sequence numbers, and
  // the mock broker, which drops no repeats itself, answers what it appended before going down.
  CheckTopics(cluster.bootstrap(), ExportLog(data.str()), /*allow_resends=*/false);
  if (HasFailure()) ADD_FAILURE() << "server log:\n" << server.log();
}

TEST(KafkaPublishTest, BacklogPublishedLaterAndKillMidPublicationResumesFromCursor) {
  TempDir data;
  {  // Without brokers: the events wait in the log.
    KillableServe server(data.str(), {});
    ASSERT_GT(server.port(), 0) << server.log();
    ASSERT_EQ(RunCaseWorkload(server.port(), 300, kClients), 0);
    uint64_t published = 0, head = 0;
    EXPECT_FALSE(ReadPublication(server.port(), &published, &head, nullptr));  // no publisher
    EXPECT_EQ(server.Kill(SIGTERM), 0);
  }
  ControlledKafkaDev cluster;
  ASSERT_FALSE(cluster.bootstrap().empty()) << cluster.output();
  uint64_t published_before_kill = 0;
  {
    KillableServe server(data.str(), {"--kafka-brokers", cluster.bootstrap()});
    ASSERT_GT(server.port(), 0) << server.log();
    ASSERT_TRUE(WaitForFullPublication(server.port(), kPublishTimeoutMs)) << server.log();
    uint64_t head = 0;
    ASSERT_TRUE(ReadPublication(server.port(), &published_before_kill, &head, nullptr));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the cursor reaches the disk
    // One broker down: its partitions stall while the others are delivered, so the contiguous
    // cursor stays behind messages Kafka already has. Then SIGKILL.
    for (const char* command : {"leader yiwang.case-events 0 1", "leader yiwang.case-events 1 2",
                                "leader yiwang.case-events 2 3", "down 2"}) {
      EXPECT_TRUE(cluster.Command(command).starts_with("ok: ")) << command;
    }
    ASSERT_EQ(RunCaseWorkload(server.port(), 300, kClients), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    uint64_t published = 0, lag = 0;
    ASSERT_TRUE(ReadPublication(server.port(), &published, &head, &lag));
    EXPECT_GT(lag, 0u);
    EXPECT_EQ(server.Kill(SIGKILL), 128 + SIGKILL);
  }
  EXPECT_TRUE(cluster.Command("up 2").starts_with("ok: "));
  KillableServe server(data.str(), {"--kafka-brokers", cluster.bootstrap()});
  ASSERT_GT(server.port(), 0) << server.log();
  uint64_t resumed_from = 0, head = 0;
  ASSERT_TRUE(ReadPublication(server.port(), &resumed_from, &head, nullptr));
  EXPECT_GE(resumed_from, published_before_kill) << "the cursor went back";
  ASSERT_TRUE(WaitForFullPublication(server.port(), kPublishTimeoutMs)) << server.log();
  const TopicCheck check =
      CheckTopics(cluster.bootstrap(), ExportLog(data.str()), /*allow_resends=*/true,
                  /*no_resends_through=*/published_before_kill);
  EXPECT_EQ(check.messages - check.resent, 600u * 3 + 14);
}

}  // namespace
}  // namespace yiwang::testing
