// The Kafka publisher: an outbox relay from the event log to Kafka (DESIGN.md §6).
//
// One thread reads the log from the Kafka cursor (meta "kafka_cursor": the last position known to
// be in Kafka) and produces every event with an idempotent producer (enable.idempotence=true,
// acks=all): key = stream id, value = the stored canonical bytes, headers `type`, `position`
// (decimal) and `hash` (hex). Streams "catalog-…" go to <prefix>.catalog-events, all others to
// <prefix>.case-events. The cursor advances only from delivery reports and only contiguously: a
// position is published when it and every position before it were delivered.
//
// Failure handling: messages never time out in the producer, so a broker outage only delays
// publication (at most kKafkaInFlightEventsMax events wait in the producer; the rest wait in the
// log). A failed delivery or a fatal producer error destroys the producer, makes a new one and
// publishes again from the cursor: Kafka may then hold a message twice, always with the same
// position header, which consumers drop (import does). Nothing is ever skipped.
//
// Thread-safety: GetStats and WaitForPublished may be called from any thread. The EventStore
// must outlive the publisher.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/event_store.h"

namespace yiwang {

inline constexpr char kDefaultKafkaTopicPrefix[] = "yiwang";
inline constexpr size_t kKafkaInFlightEventsMax = 100'000;  // produced, not yet delivered
inline constexpr size_t kKafkaReadBatchEventsMax = 2'000;   // events read from the log at once

inline std::string CaseEventsTopic(std::string_view prefix) {
  return std::string(prefix) + ".case-events";
}
inline std::string CatalogEventsTopic(std::string_view prefix) {
  return std::string(prefix) + ".catalog-events";
}
// The topic a stream's events go to.
inline std::string TopicForStream(std::string_view prefix, std::string_view stream) {
  return stream.starts_with("catalog-") ? CatalogEventsTopic(prefix) : CaseEventsTopic(prefix);
}

struct KafkaPublisherOptions {
  std::string brokers;  // bootstrap servers, "HOST:PORT,…"; required
  std::string topic_prefix = kDefaultKafkaTopicPrefix;
  size_t in_flight_events_max = kKafkaInFlightEventsMax;
  // How long the producer waits to fill a batch; more batches fewer requests, more latency.
  std::chrono::milliseconds linger{2};
  // Extra librdkafka producer properties (e.g. security settings); applied last.
  std::map<std::string, std::string> producer_properties;
  // Told about problems (failed deliveries at once; transient ones such as brokers being down
  // at most every few seconds). Called on the relay thread; may be empty.
  std::function<void(const std::string&)> log;
};

struct KafkaPublisherStats {
  uint64_t published_position = 0;  // the cursor
  uint64_t head_position = 0;       // the log's head
  uint64_t lag_positions = 0;       // head - cursor
  double lag_seconds = 0;  // age of the oldest unpublished event (recorded_at to now); 0 if none
  uint64_t delivered = 0;  // messages delivered since Start (re-sends included)
  uint64_t delivery_errors = 0;    // failed delivery reports and fatal producer errors
  uint64_t producer_restarts = 0;  // producers recreated after a failure
  std::string last_error;          // the latest delivery or producer error, for people
};

class KafkaPublisher {
 public:
  // Reads the cursor, creates the producer and starts the relay thread. kInvalidArgument for bad
  // options or producer properties; kDataLoss when the cursor is beyond the log's head.
  // Brokers being unreachable is not an error: publication waits for them.
  static Result<std::unique_ptr<KafkaPublisher>> Start(EventStore* store,
                                                       const KafkaPublisherOptions& options);
  // Stop().
  ~KafkaPublisher();
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  // Waits up to `drain` for produced events to be delivered (advancing the cursor), then stops
  // the relay and destroys the producer. Undelivered events stay unpublished (the cursor says
  // so) and are published by the next publisher. Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  KafkaPublisherStats GetStats() const;
  // True once the cursor is at or past `position`; false on timeout or after Stop.
  bool WaitForPublished(uint64_t position, std::chrono::milliseconds timeout) const;

  class Relay;

 private:
  explicit KafkaPublisher(std::unique_ptr<Relay> relay);
  std::unique_ptr<Relay> relay_;
};

// Prometheus text (# HELP/# TYPE and samples) of the publisher's figures: the metrics
// yiwang_kafka_published_position, yiwang_kafka_lag_positions, yiwang_kafka_lag_seconds and
// yiwang_kafka_delivery_errors_total.
std::string KafkaMetricsText(const KafkaPublisherStats& stats);

}  // namespace yiwang
