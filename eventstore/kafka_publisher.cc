// The outbox relay: log → idempotent producer → delivery reports → contiguous cursor.
#include "eventstore/kafka_publisher.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "eventstore/internal/kafka_message.h"

namespace yiwang {

using eventstore_internal::KafkaMessageFields;
using eventstore_internal::ParseKafkaMessageFields;

namespace {

constexpr size_t kInFlightBytesMax = 256 * 1024 * 1024;  // event bytes produced, not delivered
constexpr std::chrono::milliseconds kIdlePollWait{100};  // log poll when nothing is in flight
constexpr std::chrono::milliseconds kBusyPollWaitMs{2};  // delivery-report poll while busy
constexpr std::chrono::milliseconds kCursorWriteInterval{10};
constexpr std::chrono::milliseconds kRestartBackoff{500};
constexpr int kDeliveryDrainPollMs = 50;
constexpr std::chrono::seconds kLogInterval{5};  // between logged transient problems

std::chrono::steady_clock::time_point Now() { return std::chrono::steady_clock::now(); }

int64_t SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Everything the relay thread owns. Fields marked "shared" are read by other threads.
class KafkaPublisher::Relay {
 public:
  Relay(EventStore* store, KafkaPublisherOptions options, uint64_t cursor)
      : store_(store), options_(std::move(options)), cursor_(cursor), published_(cursor) {}
  ~Relay() { DestroyProducer(); }

  Status CreateProducer();
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop(std::chrono::milliseconds drain);
  KafkaPublisherStats GetStats() const;
  bool WaitForPublished(uint64_t position, std::chrono::milliseconds timeout) const;

 private:
  struct InFlight {
    uint32_t bytes = 0;
    bool delivered = false;
  };

  void Run();
  // Reads what the log has beyond what was produced and produces it; false when nothing was read.
  bool ProduceMore();
  Status Produce(const StoredEvent& event);
  void ServeDeliveryReports(int wait_ms);
  void OnDelivery(const rd_kafka_message_t& message);
  void OnError(int error, const char* reason);
  void AdvanceCursor();
  void PersistCursor(bool force);
  void Restart();
  void DestroyProducer();
  void NoteProblem(std::string problem, bool count_as_delivery_error);

  static void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    static_cast<Relay*>(opaque)->OnDelivery(*message);
  }
  static void ErrorCallback(rd_kafka_t*, int error, const char* reason, void* opaque) {
    static_cast<Relay*>(opaque)->OnError(error, reason);
  }

  EventStore* const store_;
  const KafkaPublisherOptions options_;
  std::thread thread_;

  // Relay thread only.
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* case_topic_ = nullptr;
  rd_kafka_topic_t* catalog_topic_ = nullptr;
  std::unique_ptr<Subscription> subscription_;
  uint64_t cursor_;                // last position delivered with all before it
  uint64_t persisted_cursor_ = 0;  // last cursor written to the store
  std::chrono::steady_clock::time_point cursor_written_at_;
  std::deque<InFlight> in_flight_;  // positions cursor_+1 … cursor_+size, in order
  size_t in_flight_bytes_ = 0;
  bool restart_needed_ = false;
  bool tearing_down_ = false;  // delivery reports of a purged producer are not failures
  std::chrono::steady_clock::time_point logged_at_;

  // Shared.
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> drain_deadline_ns_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> delivery_errors_{0};
  std::atomic<uint64_t> restarts_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable published_cv_;
  uint64_t published_;  // guarded by mutex_: cursor_ as others see it
  bool stopped_ = false;
  std::string last_error_;
  // The oldest unpublished event's recorded_at, cached by position (GetStats).
  mutable uint64_t oldest_position_ = 0;
  mutable int64_t oldest_recorded_ms_ = 0;
};

Status KafkaPublisher::Relay::CreateProducer() {
  char error_text[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const size_t queue_messages = std::min<size_t>(options_.in_flight_events_max + 1024, 10'000'000);
  std::map<std::string, std::string> properties = {
      {"bootstrap.servers", options_.brokers},
      {"client.id", "yiwang-publisher"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // Never give up on a message: an outage delays publication, it does not fail it.
      {"message.timeout.ms", "0"},
      {"linger.ms", std::to_string(options_.linger.count())},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", std::to_string(queue_messages)},
      {"queue.buffering.max.kbytes", std::to_string(kInFlightBytesMax / 1024 + 65536)},
      // The Java clients' partitioner: a stream lands on the same partition for every client.
      {"partitioner", "murmur2_random"},
      {"max.in.flight.requests.per.connection", "1"},
      {"log_level", "4"},
  };
  for (const auto& [name, value] : options_.producer_properties) properties[name] = value;
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error_text, sizeof(error_text)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("Kafka producer property " + name + ": " + error_text);
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &Relay::DeliveryCallback);
  rd_kafka_conf_set_error_cb(conf, &Relay::ErrorCallback);
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error_text, sizeof(error_text));
  if (producer_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(std::string("cannot create the Kafka producer: ") + error_text);
  }
  case_topic_ =
      rd_kafka_topic_new(producer_, CaseEventsTopic(options_.topic_prefix).c_str(), nullptr);
  catalog_topic_ =
      rd_kafka_topic_new(producer_, CatalogEventsTopic(options_.topic_prefix).c_str(), nullptr);
  if (case_topic_ == nullptr || catalog_topic_ == nullptr) {
    DestroyProducer();
    return InvalidArgument("cannot create Kafka topic handles for prefix " + options_.topic_prefix);
  }
  subscription_ = store_->Subscribe(cursor_ + 1);
  return Status::Ok();
}

void KafkaPublisher::Relay::DestroyProducer() {
  if (producer_ == nullptr) return;
  tearing_down_ = true;
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_, 0);  // purged messages' reports, ignored
  if (case_topic_ != nullptr) rd_kafka_topic_destroy(case_topic_);
  if (catalog_topic_ != nullptr) rd_kafka_topic_destroy(catalog_topic_);
  rd_kafka_destroy(producer_);
  producer_ = nullptr;
  case_topic_ = catalog_topic_ = nullptr;
  tearing_down_ = false;
}

void KafkaPublisher::Relay::Run() {
  while (true) {
    if (stop_requested_.load()) {
      const bool drained = in_flight_.empty() || restart_needed_;
      if (drained || Now().time_since_epoch().count() >= drain_deadline_ns_.load()) break;
      ServeDeliveryReports(kDeliveryDrainPollMs);
      continue;
    }
    if (restart_needed_) {
      Restart();
      continue;
    }
    const bool read_any = ProduceMore();
    ServeDeliveryReports(read_any || in_flight_.empty() ? 0 : int(kBusyPollWaitMs.count()));
    PersistCursor(/*force=*/false);
  }
  PersistCursor(/*force=*/true);
  if (subscription_) subscription_->Close();
  DestroyProducer();
}

bool KafkaPublisher::Relay::ProduceMore() {
  if (in_flight_.size() >= options_.in_flight_events_max || in_flight_bytes_ >= kInFlightBytesMax) {
    return false;
  }
  const size_t room = options_.in_flight_events_max - in_flight_.size();
  const auto wait = in_flight_.empty() ? kIdlePollWait : std::chrono::milliseconds(0);
  Result<std::vector<StoredEvent>> events =
      subscription_->Poll(std::min(room, kKafkaReadBatchEventsMax), wait);
  if (!events.ok()) {
    if (events.status().code() != StatusCode::kFailedPrecondition) {  // not just closed
      NoteProblem("reading the log: " + events.status().ToString(), false);
    }
    std::this_thread::sleep_for(kIdlePollWait);
    return false;
  }
  for (const StoredEvent& event : *events) {
    // Positions arrive gap-free from the subscription; anything else is a broken log.
    if (event.position != cursor_ + in_flight_.size() + 1) {
      NoteProblem("log position " + std::to_string(event.position) + " out of order", true);
      restart_needed_ = true;
      return false;
    }
    if (Status status = Produce(event); !status.ok()) {
      NoteProblem(status.message(), true);
      restart_needed_ = true;
      return false;
    }
  }
  return !events->empty();
}

Status KafkaPublisher::Relay::Produce(const StoredEvent& event) {
  Result<KafkaMessageFields> fields = ParseKafkaMessageFields(event.bytes);
  if (!fields.ok()) {
    return DataLoss("event " + std::to_string(event.position) +
                    " cannot be published: " + fields.status().message());
  }
  const std::string position = std::to_string(event.position);
  while (true) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
    rd_kafka_header_add(headers, "type", -1, fields->type.data(), fields->type.size());
    rd_kafka_header_add(headers, "position", -1, position.data(), position.size());
    rd_kafka_header_add(headers, "hash", -1, fields->hash.data(), fields->hash.size());
    rd_kafka_topic_t* topic = fields->stream.starts_with("catalog-") ? catalog_topic_ : case_topic_;
    const rd_kafka_resp_err_t error = rd_kafka_producev(
        producer_, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(fields->stream.data(), fields->stream.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(event.bytes.data()), event.bytes.size()),
        RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(event.position))),
        RD_KAFKA_V_END);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    rd_kafka_headers_destroy(headers);  // owned by the message only once it is accepted
    if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Unavailable("producing event " + position + ": " + rd_kafka_err2str(error));
    }
    ServeDeliveryReports(int(kBusyPollWaitMs.count()));
    if (restart_needed_ || stop_requested_.load()) return Unavailable("producer stopping");
  }
  in_flight_.push_back(InFlight{static_cast<uint32_t>(event.bytes.size()), false});
  in_flight_bytes_ += event.bytes.size();
  return Status::Ok();
}

void KafkaPublisher::Relay::ServeDeliveryReports(int wait_ms) {
  if (producer_ == nullptr) return;
  rd_kafka_poll(producer_, wait_ms);
  AdvanceCursor();
}

void KafkaPublisher::Relay::OnDelivery(const rd_kafka_message_t& message) {
  if (tearing_down_) return;
  const uint64_t position = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message._private));
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Ordering after a failed message is no longer guaranteed: start over from the cursor.
    NoteProblem("delivery of event " + std::to_string(position) +
                    " failed: " + rd_kafka_err2str(message.err),
                true);
    restart_needed_ = true;
    return;
  }
  if (position <= cursor_ || position > cursor_ + in_flight_.size()) return;  // not ours
  in_flight_[position - cursor_ - 1].delivered = true;
  delivered_.fetch_add(1, std::memory_order_relaxed);
}

void KafkaPublisher::Relay::OnError(int error, const char* reason) {
  if (error == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(producer_, fatal, sizeof(fatal));
    NoteProblem(std::string("fatal producer error: ") + fatal, true);
    restart_needed_ = true;
    return;
  }
  // Transport errors, brokers down: librdkafka retries by itself; worth knowing, not counting.
  NoteProblem(std::string("Kafka: ") + reason, false);
}

void KafkaPublisher::Relay::AdvanceCursor() {
  uint64_t advanced = 0;
  while (!in_flight_.empty() && in_flight_.front().delivered) {
    in_flight_bytes_ -= in_flight_.front().bytes;
    in_flight_.pop_front();
    ++advanced;
  }
  if (advanced == 0) return;
  cursor_ += advanced;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    published_ = cursor_;
  }
  published_cv_.notify_all();
}

void KafkaPublisher::Relay::PersistCursor(bool force) {
  if (cursor_ == persisted_cursor_) return;
  if (!force && Now() - cursor_written_at_ < kCursorWriteInterval) return;
  if (Status status = store_->SetKafkaCursor(cursor_); !status.ok()) {
    NoteProblem("saving the Kafka cursor: " + status.ToString(), false);
    return;  // retried at the next call; at worst events are published again
  }
  persisted_cursor_ = cursor_;
  cursor_written_at_ = Now();
}

void KafkaPublisher::Relay::Restart() {
  PersistCursor(/*force=*/true);
  DestroyProducer();
  in_flight_.clear();
  in_flight_bytes_ = 0;
  restart_needed_ = false;
  restarts_.fetch_add(1);
  const auto deadline = Now() + kRestartBackoff;
  while (Now() < deadline && !stop_requested_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (Status status = CreateProducer(); !status.ok()) {
    NoteProblem("recreating the producer: " + status.message(), true);
    restart_needed_ = true;
  }
}

void KafkaPublisher::Relay::NoteProblem(std::string problem, bool count_as_delivery_error) {
  if (count_as_delivery_error) delivery_errors_.fetch_add(1);
  // Brokers being down makes librdkafka report every reconnection attempt: log a few.
  if (options_.log && (count_as_delivery_error || Now() - logged_at_ >= kLogInterval)) {
    options_.log(problem);
    logged_at_ = Now();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = std::move(problem);
}

void KafkaPublisher::Relay::Stop(std::chrono::milliseconds drain) {
  drain_deadline_ns_.store((Now() + drain).time_since_epoch().count());
  stop_requested_.store(true);
  // The relay notices within one idle poll of the log (kIdlePollWait).
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  published_cv_.notify_all();
}

KafkaPublisherStats KafkaPublisher::Relay::GetStats() const {
  KafkaPublisherStats stats;
  stats.head_position = store_->HeadPosition();
  stats.delivered = delivered_.load();
  stats.delivery_errors = delivery_errors_.load();
  stats.producer_restarts = restarts_.load();
  std::lock_guard<std::mutex> lock(mutex_);
  stats.published_position = published_;
  stats.last_error = last_error_;
  if (stats.head_position <= published_) return stats;
  stats.lag_positions = stats.head_position - published_;
  if (oldest_position_ != published_ + 1) {
    Result<std::vector<StoredEvent>> oldest = store_->ReadAll(published_ + 1, 1);
    if (!oldest.ok() || oldest->empty()) return stats;
    Result<KafkaMessageFields> fields = ParseKafkaMessageFields(oldest->front().bytes);
    if (!fields.ok()) return stats;
    oldest_position_ = published_ + 1;
    oldest_recorded_ms_ = fields->recorded_at_ms;
  }
  stats.lag_seconds = std::max<double>(0, (SystemMillis() - oldest_recorded_ms_) / 1000.0);
  return stats;
}

bool KafkaPublisher::Relay::WaitForPublished(uint64_t position,
                                             std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return published_cv_.wait_for(lock, timeout, [&] {
    return stopped_ || published_ >= position;
  }) && published_ >= position;
}

Result<std::unique_ptr<KafkaPublisher>> KafkaPublisher::Start(
    EventStore* store, const KafkaPublisherOptions& options) {
  if (options.brokers.empty()) return InvalidArgument("no Kafka brokers given", "kafka-brokers");
  if (options.topic_prefix.empty()) {
    return InvalidArgument("Kafka topic prefix is empty", "kafka-topic-prefix");
  }
  if (options.in_flight_events_max == 0) {
    return InvalidArgument("in_flight_events_max must be at least 1");
  }
  Result<uint64_t> cursor = store->KafkaCursor();
  if (!cursor.ok()) return cursor.status();
  if (*cursor > store->HeadPosition()) {
    return DataLoss("the Kafka cursor (" + std::to_string(*cursor) +
                    ") is beyond the log's head (" + std::to_string(store->HeadPosition()) + ")");
  }
  auto relay = std::make_unique<Relay>(store, options, *cursor);
  YIWANG_RETURN_IF_ERROR(relay->CreateProducer());
  relay->Start();
  return std::unique_ptr<KafkaPublisher>(new KafkaPublisher(std::move(relay)));
}

KafkaPublisher::KafkaPublisher(std::unique_ptr<Relay> relay) : relay_(std::move(relay)) {}

KafkaPublisher::~KafkaPublisher() { Stop(); }

void KafkaPublisher::Stop(std::chrono::milliseconds drain) {
  if (relay_) relay_->Stop(drain);
}

KafkaPublisherStats KafkaPublisher::GetStats() const { return relay_->GetStats(); }

bool KafkaPublisher::WaitForPublished(uint64_t position, std::chrono::milliseconds timeout) const {
  return relay_->WaitForPublished(position, timeout);
}

std::string KafkaMetricsText(const KafkaPublisherStats& stats) {
  char text[1024];
  std::snprintf(
      text, sizeof(text),
      "# HELP yiwang_kafka_published_position Last log position delivered to Kafka with all "
      "before it (the cursor).\n"
      "# TYPE yiwang_kafka_published_position gauge\n"
      "yiwang_kafka_published_position %llu\n"
      "# HELP yiwang_kafka_lag_positions Log positions committed but not yet published.\n"
      "# TYPE yiwang_kafka_lag_positions gauge\n"
      "yiwang_kafka_lag_positions %llu\n"
      "# HELP yiwang_kafka_lag_seconds Age of the oldest unpublished event.\n"
      "# TYPE yiwang_kafka_lag_seconds gauge\n"
      "yiwang_kafka_lag_seconds %.3f\n"
      "# HELP yiwang_kafka_delivery_errors_total Failed deliveries and fatal producer errors.\n"
      "# TYPE yiwang_kafka_delivery_errors_total counter\n"
      "yiwang_kafka_delivery_errors_total %llu\n",
      static_cast<unsigned long long>(stats.published_position),
      static_cast<unsigned long long>(stats.lag_positions), stats.lag_seconds,
      static_cast<unsigned long long>(stats.delivery_errors));
  return text;
}

}  // namespace yiwang
