// `yiwang kafka-dev`: a Kafka-protocol cluster on loopback for development and tests, with a
// control channel on stdin so that tests can take brokers down and inject request errors.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "eventstore/kafka_mock_cluster.h"
#include "eventstore/kafka_publisher.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang kafka-dev [flags]\n"
    "\n"
    "A Kafka-protocol cluster of in-memory brokers on 127.0.0.1 (librdkafka's mock cluster),\n"
    "with the topics PREFIX.case-events and PREFIX.catalog-events. Prints\n"
    "  kafka-dev bootstrap 127.0.0.1:PORT,127.0.0.1:PORT,...\n"
    "on stdout once it accepts clients, and runs until SIGINT/SIGTERM or `quit`. Messages are\n"
    "kept in memory only: they are gone when it stops.\n"
    "\n"
    "  --brokers N            brokers (default 3), ids 1..N\n"
    "  --port-base PORT       broker i listens on PORT+i-1 (default 19092; 0: any free ports)\n"
    "  --partitions N         partitions per topic (default 3)\n"
    "  --topic-prefix PREFIX  topic name prefix (default yiwang)\n"
    "\n"
    "Control commands, one per line on stdin; each is answered on stdout by one line,\n"
    "`ok: <what was done>` or `error: <why>`:\n"
    "  down ID                    broker ID refuses new produce requests, sends the answers\n"
    "                             it owes (100 ms), then closes its listener and connections\n"
    "  up ID                      broker ID listens again (same port)\n"
    "  rtt ID MS                  broker ID delays every response by MS milliseconds\n"
    "  leader TOPIC PARTITION ID  broker ID leads the partition (the mock picks leaders at\n"
    "                             random; tests pin them before taking a broker down)\n"
    "  errors API COUNT ERROR     the next COUNT requests of API (Produce, Fetch, ListOffsets,\n"
    "                             Metadata, OffsetCommit, OffsetFetch, FindCoordinator,\n"
    "                             InitProducerId) fail with the Kafka error ERROR, e.g.\n"
    "                             `errors Produce 5 NOT_LEADER_FOR_PARTITION`\n"
    "  quit                       stop (as SIGTERM does)\n"
    "The end of stdin is not `quit`: kafka-dev started with </dev/null keeps running.\n";

constexpr size_t kControlLineBytesMax = 1024;

void Reply(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// Reads control commands until `quit` or the end of stdin; `quit` stops the process the way a
// signal does, so there is one way out of main.
void ServeControl(KafkaMockCluster* cluster) {
  for (std::string line; std::getline(std::cin, line);) {
    if (line.size() > kControlLineBytesMax) {
      Reply("error: command longer than " + std::to_string(kControlLineBytesMax) + " bytes");
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.starts_with("quit")) {
      Reply("ok: quitting");
      kill(getpid(), SIGTERM);
      return;
    }
    Result<std::string> done = cluster->RunCommand(line);
    Reply(done.ok() ? "ok: " + *done : "error: " + done.status().message());
  }
}

}  // namespace

int RunKafkaDev(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"brokers", "port-base", "partitions", "topic-prefix"}, {"help"});
  if (!parsed.ok()) return UsageError("kafka-dev", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!flags.positional().empty()) return UsageError("kafka-dev", "unexpected argument", kUsage);
  Result<int64_t> brokers = flags.GetInt("brokers", 3, 1, kMockBrokersMax);
  Result<int64_t> port_base = flags.GetInt("port-base", 19092, 0, 65535);
  Result<int64_t> partitions = flags.GetInt("partitions", 3, 1, kMockPartitionsMax);
  for (const Result<int64_t>* value : {&brokers, &port_base, &partitions}) {
    if (!value->ok()) return UsageError("kafka-dev", value->status().message(), kUsage);
  }
  KafkaMockClusterOptions options;
  options.brokers = static_cast<int>(*brokers);
  options.port_base = static_cast<int>(*port_base);
  options.partitions = static_cast<int>(*partitions);
  options.topic_prefix = flags.Get("topic-prefix", kDefaultKafkaTopicPrefix);

  const sigset_t stop_signals = BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);
  Result<std::unique_ptr<KafkaMockCluster>> cluster = KafkaMockCluster::Create(options);
  if (!cluster.ok()) {
    std::fprintf(stderr, "yiwang kafka-dev: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "kafka-dev: %d brokers, topics %s and %s with %d partitions\n",
               options.brokers, CaseEventsTopic(options.topic_prefix).c_str(),
               CatalogEventsTopic(options.topic_prefix).c_str(), options.partitions);
  Reply("kafka-dev bootstrap " + (*cluster)->bootstrap());
  std::thread control(ServeControl, cluster->get());
  control.detach();  // blocked reading stdin; ends with the process

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "kafka-dev: stopping on %s\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  // Exits without destroying the cluster: the control thread may still be using it, and the
  // process's end closes every socket anyway.
  std::fflush(stdout);
  std::_Exit(0);
}

}  // namespace yiwang::tools
