// The importer: a per-partition merge of the yiwang topics into the local log (see the header).
#include "eventstore/kafka_importer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "eventstore/kafka_publisher.h"

namespace yiwang {
namespace {

constexpr int kMetadataTimeoutMs = 5'000;
constexpr std::chrono::milliseconds kMetadataWaitMax{30'000};  // brokers answering at start
constexpr std::chrono::milliseconds kCommitWaitMax{30'000};    // a duplicate's original
constexpr std::chrono::milliseconds kIdleSleepMax{20};
constexpr size_t kConsumeBatchMessagesMax = 512;
constexpr size_t kPositionHeaderBytesMax = 20;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// A consumed message waiting for the merge to reach its position.
struct Waiting {
  uint64_t position = 0;
  MessagePtr message;
  std::string_view bytes() const {
    return std::string_view(static_cast<const char*>(message->payload), message->len);
  }
};

std::optional<uint64_t> PositionHeader(const rd_kafka_message_t* message) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, "position", &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr || size == 0 || size > kPositionHeaderBytesMax) {
    return std::nullopt;
  }
  const char* text = static_cast<const char*>(value);
  uint64_t position = 0;
  const auto [end, error] = std::from_chars(text, text + size, position);
  if (error != std::errc() || end != text + size || position == 0) return std::nullopt;
  return position;
}

}  // namespace

// librdkafka's legacy (simple) consumer, one fetch queue per partition: the merge chooses which
// partition to read next, which a single consumer queue would not let it do.
class KafkaImporter::Consumer {
 public:
  struct Feed {
    std::string topic_name;
    rd_kafka_topic_t* topic = nullptr;
    int32_t partition = 0;
    bool started = false;
    bool at_end = false;  // the last thing read was the partition's end
    std::deque<Waiting> waiting;
  };

  static Result<std::unique_ptr<Consumer>> Create(const KafkaImporterOptions& options) {
    if (options.brokers.empty()) return InvalidArgument("Kafka brokers are required", "brokers");
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> properties = {
        {"bootstrap.servers", options.brokers},
        {"client.id", "yiwang-import"},
        {"enable.partition.eof", "true"},
        {"fetch.wait.max.ms", "100"},  // new events are visible quickly in --follow
        {"fetch.error.backoff.ms", "100"},
        {"queued.max.messages.kbytes", "16384"},  // prefetch bound per partition
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
    };
    for (const auto& [name, value] : options.consumer_properties) properties[name] = value;
    char error[512];
    for (const auto& [name, value] : properties) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return InvalidArgument("Kafka consumer property " + name + ": " + error);
      }
    }
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (handle == nullptr) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument(std::string("cannot create the Kafka consumer: ") + error);
    }
    return std::unique_ptr<Consumer>(new Consumer(handle, options.brokers));
  }

  ~Consumer() {
    for (Feed& feed : feeds_) {
      feed.waiting.clear();  // messages must go before their topic and handle
      if (feed.started) rd_kafka_consume_stop(feed.topic, feed.partition);
    }
    for (rd_kafka_topic_t* topic : topics_) rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(handle_);
  }

  // Finds the partitions of both topics and starts fetching each from its beginning.
  Status Start(const std::string& prefix, const std::atomic<bool>& stopping) {
    for (const std::string& name : {CaseEventsTopic(prefix), CatalogEventsTopic(prefix)}) {
      rd_kafka_topic_t* topic = rd_kafka_topic_new(handle_, name.c_str(), nullptr);
      if (topic == nullptr) return InvalidArgument("cannot use topic " + name);
      topics_.push_back(topic);
      Result<int> partitions = PartitionCount(topic, name, stopping);
      if (!partitions.ok()) return partitions.status();
      for (int32_t partition = 0; partition < *partitions; ++partition) {
        if (feeds_.size() >= kImportPartitionsMax) {
          return ResourceExhausted("more than " + std::to_string(kImportPartitionsMax) +
                                   " partitions in the yiwang topics");
        }
        feeds_.push_back(Feed{name, topic, partition, false, false, {}});
        if (rd_kafka_consume_start(topic, partition, RD_KAFKA_OFFSET_BEGINNING) != 0) {
          return Unavailable("cannot consume " + name + " partition " + std::to_string(partition) +
                             ": " + rd_kafka_err2str(rd_kafka_last_error()));
        }
        feeds_.back().started = true;
      }
    }
    return Status::Ok();
  }

  // Moves what librdkafka has fetched into the feeds' buffers (bounded), without waiting.
  // Returns how many messages were read.
  Result<size_t> Fill() {
    size_t read = 0;
    rd_kafka_message_t* messages[kConsumeBatchMessagesMax];
    for (Feed& feed : feeds_) {
      const size_t room = kImportPartitionMessagesMax - feed.waiting.size();
      if (room == 0) continue;
      const ssize_t count = rd_kafka_consume_batch(feed.topic, feed.partition, 0, messages,
                                                   std::min(room, kConsumeBatchMessagesMax));
      for (ssize_t index = 0; index < count; ++index) {
        MessagePtr message(messages[index]);
        if (Status status = Take(feed, std::move(message), &read); !status.ok()) {
          for (ssize_t rest = index + 1; rest < count; ++rest) MessagePtr{messages[rest]};
          return status;
        }
      }
    }
    return read;
  }

  std::deque<Feed>& feeds() { return feeds_; }

  static std::string Where(const Feed& feed, const rd_kafka_message_t* message) {
    return feed.topic_name + " partition " + std::to_string(feed.partition) + " offset " +
           std::to_string(message->offset);
  }

 private:
  Consumer(rd_kafka_t* handle, std::string brokers)
      : handle_(handle), brokers_(std::move(brokers)) {}

  Result<int> PartitionCount(rd_kafka_topic_t* topic, const std::string& name,
                             const std::atomic<bool>& stopping) {
    const auto deadline = std::chrono::steady_clock::now() + kMetadataWaitMax;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (!stopping.load() && std::chrono::steady_clock::now() < deadline) {
      const rd_kafka_metadata_t* metadata = nullptr;
      error = rd_kafka_metadata(handle_, 0, topic, &metadata, kMetadataTimeoutMs);
      if (error != RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // brokers not answering (yet)
      std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owned(
          metadata, rd_kafka_metadata_destroy);
      if (metadata->topic_cnt != 1) return Unavailable("no metadata for topic " + name);
      const rd_kafka_metadata_topic_t& described = metadata->topics[0];
      if (described.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return NotFound("topic " + name + " does not exist on " + brokers_);
      }
      if (described.err == RD_KAFKA_RESP_ERR_NO_ERROR && described.partition_cnt > 0) {
        return described.partition_cnt;
      }
      error = described.err;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // leader election
    }
    if (stopping.load()) return Aborted("stopped");
    return Unavailable("no metadata for topic " + name + " from " + brokers_ + " within " +
                       std::to_string(kMetadataWaitMax.count() / 1000) +
                       " s: " + rd_kafka_err2str(error));
  }

  // One consumed message or event of `feed`.
  Status Take(Feed& feed, MessagePtr message, size_t* read) {
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      feed.at_end = true;
      return Status::Ok();
    }
    if (message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        message->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
        message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      return NotFound(feed.topic_name + " partition " + std::to_string(feed.partition) + ": " +
                      rd_kafka_err2str(message->err));
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Ok();  // transient (transport, leader change): librdkafka retries
    }
    const std::optional<uint64_t> position = PositionHeader(message.get());
    if (!position) {
      return DataLoss("message at " + Where(feed, message.get()) +
                      " has no valid `position` header: not a yiwang event");
    }
    if (message->payload == nullptr || message->len == 0) {
      return DataLoss("message at " + Where(feed, message.get()) + " has an empty value");
    }
    feed.at_end = false;
    feed.waiting.push_back(Waiting{*position, std::move(message)});
    ++*read;
    return Status::Ok();
  }

  rd_kafka_t* handle_;
  std::string brokers_;
  std::vector<rd_kafka_topic_t*> topics_;
  std::deque<Feed> feeds_;  // a deque: Feeds are not copyable
};

Result<std::unique_ptr<KafkaImporter>> KafkaImporter::Create(EventStore* store,
                                                             const KafkaImporterOptions& options) {
  if (store == nullptr) return InvalidArgument("no event store");
  if (options.gap_wait.count() <= 0) return InvalidArgument("gap_wait must be positive");
  Result<std::unique_ptr<Consumer>> consumer = Consumer::Create(options);
  if (!consumer.ok()) return consumer.status();
  return std::unique_ptr<KafkaImporter>(
      new KafkaImporter(store, options, std::move(consumer).value()));
}

KafkaImporter::KafkaImporter(EventStore* store, KafkaImporterOptions options,
                             std::unique_ptr<Consumer> consumer)
    : store_(store), options_(std::move(options)), consumer_(std::move(consumer)) {
  batch_.reserve(kImportBatchEventsMax);
}

KafkaImporter::~KafkaImporter() { (void)WaitForAppends(); }

void KafkaImporter::Stop() { stopping_.store(true); }

Status KafkaImporter::Run() {
  started_ = std::chrono::steady_clock::now();
  last_progress_ = started_;
  next_position_ = store_->HeadPosition() + 1;
  Status status = consumer_->Start(options_.topic_prefix, stopping_);
  if (status.code() == StatusCode::kAborted && stopping_.load()) return Status::Ok();
  if (status.ok()) status = Merge();
  if (status.ok()) status = Flush();
  Status appended = WaitForAppends();
  ReportProgress(/*force=*/true);
  return status.ok() ? appended : status;
}

// The merge loop: take every waiting message at or below the next position, then wait for more.
Status KafkaImporter::Merge() {
  std::deque<Consumer::Feed>& feeds = consumer_->feeds();
  bool stuck = false;  // waiting messages, none applicable, every other partition at its end
  std::chrono::steady_clock::time_point stuck_since;
  std::chrono::milliseconds idle{1};
  while (!stopping_.load()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!append_error_.ok()) return append_error_;
    }
    Result<size_t> read = consumer_->Fill();
    if (!read.ok()) return read.status();
    bool progressed = false;
    for (bool taken = true; taken;) {
      taken = false;
      for (Consumer::Feed& feed : feeds) {
        while (!feed.waiting.empty() && feed.waiting.front().position <= next_position_) {
          const Waiting& front = feed.waiting.front();
          if (front.position < next_position_) {
            YIWANG_RETURN_IF_ERROR(CheckDuplicate(front.position, front.bytes(),
                                                  Consumer::Where(feed, front.message.get())));
          } else {
            batch_.push_back(StoredEvent{next_position_++, std::string(front.bytes())});
            if (batch_.size() >= kImportBatchEventsMax) YIWANG_RETURN_IF_ERROR(Flush());
          }
          feed.waiting.pop_front();
          taken = progressed = true;
        }
      }
    }
    ReportProgress(/*force=*/false);
    if (progressed) {
      stuck = false;
      idle = std::chrono::milliseconds(1);
      continue;
    }
    // Nothing to apply now: make what was taken durable and visible, then see why.
    YIWANG_RETURN_IF_ERROR(Flush());
    bool waiting = false;
    bool others_at_end = true;  // every partition without waiting messages is at its end
    const Consumer::Feed* lowest = nullptr;
    for (const Consumer::Feed& feed : feeds) {
      if (feed.waiting.empty()) {
        others_at_end = others_at_end && feed.at_end;
      } else if (!waiting || feed.waiting.front().position < lowest->waiting.front().position) {
        waiting = true;
        lowest = &feed;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (!waiting && others_at_end && !options_.follow) return Status::Ok();  // the topics' end
    if (waiting && others_at_end) {
      if (!stuck) stuck_since = now;
      stuck = true;
      if (now - stuck_since >= options_.gap_wait) {
        const Waiting& next = lowest->waiting.front();
        return DataLoss("gap: position " + std::to_string(next_position_) +
                        " is missing from the topics; the next message is position " +
                        std::to_string(next.position) + " at " +
                        Consumer::Where(*lowest, next.message.get()) + " (waited " +
                        std::to_string(options_.gap_wait.count()) +
                        " ms; was it deleted by the topic's retention?)");
      }
    } else {
      stuck = false;
    }
    std::this_thread::sleep_for(idle);
    idle = std::min(idle * 2, kIdleSleepMax);
  }
  return Status::Ok();
}

Status KafkaImporter::CheckDuplicate(uint64_t position, std::string_view bytes,
                                     const std::string& where) {
  std::string stored;
  if (!batch_.empty() && position >= batch_.front().position) {
    stored = batch_[position - batch_.front().position].bytes;
  } else {
    // Not yet durable, maybe: the original is in an append in flight.
    if (!store_->WaitForCommit(position, kCommitWaitMax)) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!append_error_.ok()) return append_error_;
      return Unavailable("event " + std::to_string(position) + " was not committed in time");
    }
    Result<std::vector<StoredEvent>> read = store_->ReadAll(position, 1);
    if (!read.ok()) return read.status();
    if (read->empty() || read->front().position != position) {
      return DataLoss("event " + std::to_string(position) + " is missing from the local log");
    }
    stored = std::move(read->front().bytes);
  }
  if (stored != bytes) {
    return DataLoss("duplicate position " + std::to_string(position) + " with different bytes at " +
                    where + ": the log already holds another event there");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.duplicates;
  return Status::Ok();
}

Status KafkaImporter::Flush() {
  if (batch_.empty()) return Status::Ok();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    appended_.wait(lock, [&] {
      return appends_in_flight_ < kImportBatchesInFlightMax || !append_error_.ok();
    });
    if (!append_error_.ok()) return append_error_;
    ++appends_in_flight_;
  }
  const size_t count = batch_.size();
  store_->AppendReplicatedAsync(std::move(batch_), [this, count](AppendOutcome outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    --appends_in_flight_;
    if (outcome.status.ok()) {
      stats_.applied += count;
    } else if (append_error_.ok()) {
      append_error_ = std::move(outcome.status);
    }
    appended_.notify_all();
  });
  batch_.clear();
  batch_.reserve(kImportBatchEventsMax);
  return Status::Ok();
}

Status KafkaImporter::WaitForAppends() {
  std::unique_lock<std::mutex> lock(mutex_);
  appended_.wait(lock, [&] { return appends_in_flight_ == 0; });
  return append_error_;
}

void KafkaImporter::ReportProgress(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_progress_ < kImportProgressInterval) return;
  last_progress_ = now;
  size_t buffered = 0;
  for (const Consumer::Feed& feed : consumer_->feeds()) buffered += feed.waiting.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.partitions = consumer_->feeds().size();
    stats_.buffered_messages = buffered;
  }
  if (options_.progress) options_.progress(GetStats());
}

ImportStats KafkaImporter::GetStats() const {
  ImportStats stats;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats = stats_;
  }
  stats.head_position = store_->HeadPosition();
  stats.head_hash = store_->HeadHash();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  stats.events_per_second = seconds > 0 ? static_cast<double>(stats.applied) / seconds : 0;
  return stats;
}

}  // namespace yiwang
