// A Kafka-protocol cluster on loopback for development, tests and benchmarks: librdkafka's mock
// cluster (rdkafka_mock.h) with fixed ports, the yiwang topics created, and the fault controls
// (broker down/up, round-trip time, request errors) that tests use to break it on purpose.
// Any Kafka client (kcat, librdkafka, a JVM client) can talk to it; it keeps messages in memory.
//
// librdkafka 2.0.2 binds each mock broker to 127.0.0.1 port 0 and offers no way to choose the
// port; Create() makes the binds of the creating thread take the requested ports instead (see
// kafka_mock_cluster.cc), so the bootstrap address is stable across restarts.
//
// Thread-safety: every method may be called from any thread (librdkafka locks the cluster).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace yiwang {

inline constexpr int kMockBrokersMax = 16;
inline constexpr int kMockPartitionsMax = 256;
inline constexpr int kMockRequestErrorsMax = 10'000;  // errors pushed by one command
inline constexpr int kMockRttMsMax = 60'000;

struct KafkaMockClusterOptions {
  int brokers = 3;  // 1..kMockBrokersMax, ids 1..brokers
  // Broker i listens on 127.0.0.1:(port_base + i - 1). 0: ports chosen by the kernel.
  int port_base = 19092;
  int partitions = 3;  // per topic, 1..kMockPartitionsMax
  std::string topic_prefix = "yiwang";
};

class KafkaMockCluster {
 public:
  // Starts the brokers and creates <prefix>.case-events and <prefix>.catalog-events (replicated
  // on every broker). kUnavailable when a port cannot be bound (in use?), kInvalidArgument for
  // out-of-range options.
  static Result<std::unique_ptr<KafkaMockCluster>> Create(const KafkaMockClusterOptions& options);
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,…"
  const std::string& bootstrap() const { return bootstrap_; }

  // A down broker closes its listener and connections; up listens again on the same port.
  // Going down, it first refuses new produce requests and sends the answers it owes for 100 ms
  // (a controlled shutdown), so that no batch is appended without its answer reaching the
  // producer: the mock would append the producer's retry again (see the .cc).
  Status SetBrokerDown(int broker_id);
  Status SetBrokerUp(int broker_id);
  // Delays every response of the broker by `rtt_ms`.
  Status SetBrokerRtt(int broker_id, int rtt_ms);
  // The next `count` requests of `api` (Produce, Fetch, ListOffsets, Metadata, OffsetCommit,
  // OffsetFetch, FindCoordinator, InitProducerId) on any broker fail with `error`, a Kafka error
  // name such as NOT_LEADER_FOR_PARTITION (librdkafka's names, "ERR_" prefix optional).
  Status PushRequestErrors(std::string_view api, int count, std::string_view error);

  // Runs one control command: "down ID", "up ID", "rtt ID MS", "leader TOPIC PARTITION ID",
  // "errors API COUNT ERROR".
  // Returns what was done, for people, or the error. kInvalidArgument for a bad command.
  Result<std::string> RunCommand(std::string_view line);

  struct Handles;

 private:
  explicit KafkaMockCluster(std::unique_ptr<Handles> handles);
  Status CheckBroker(int broker_id) const;

  std::unique_ptr<Handles> handles_;
  std::string bootstrap_;
  int brokers_ = 0;
};

// A consumer for benchmarks and checks: reads both yiwang topics from their current end and calls
// `on_message(position)` (the `position` header) for every message, on its own thread, until
// destroyed. librdkafka stays inside eventstore, so tools measure end-to-end lag through this.
class KafkaPositionConsumer {
 public:
  static Result<std::unique_ptr<KafkaPositionConsumer>> Start(
      const std::string& brokers, const std::string& topic_prefix, int partitions,
      std::function<void(uint64_t position)> on_message);
  ~KafkaPositionConsumer();
  KafkaPositionConsumer(const KafkaPositionConsumer&) = delete;
  KafkaPositionConsumer& operator=(const KafkaPositionConsumer&) = delete;

  struct State;

 private:
  explicit KafkaPositionConsumer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace yiwang
