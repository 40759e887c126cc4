// KafkaImporter: rebuilds a node's event log from the yiwang topics (DESIGN.md §6), the consumer
// side of the Kafka publisher (eventstore/kafka_publisher.h). `yiwang import` and read replicas
// (`serve --read-only --kafka-brokers`) run it.
//
// It reads every partition of <prefix>.case-events and <prefix>.catalog-events from the start.
// Each partition holds its messages in position order (the publisher produces in log order with
// an idempotent producer), so a merge of the partitions by their `position` header gives the log
// in order: the importer takes the partition whose next message is the position the local log
// needs, applies it and moves on. Messages wait in bounded per-partition buffers; a partition
// whose buffer is full is not read until the merge drains it (librdkafka then stops fetching it).
//
// Every message must be one event of the origin's log:
//   - a position the local log already holds must carry exactly the stored bytes (an identical
//     re-send, e.g. after a publisher restart, is dropped and counted; different bytes: kDataLoss);
//   - the next position is appended through EventStore::AppendReplicated, which verifies the
//     envelope, its position, its hash and the link to the local chain (kDataLoss /
//     kFailedPrecondition), keeping positions, versions and hashes;
//   - a position that stays missing while later ones wait, and every partition without waiting
//     messages is at its end, for `gap_wait`: a gap, kDataLoss naming the position.
// Without `follow`, Run() returns when every partition is at its end and nothing waits; with it,
// Run() keeps consuming until Stop().
//
// Thread-safety: Run() on one thread; Stop() and GetStats() from any thread. The EventStore must
// outlive the importer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/status.h"
#include "eventstore/event_store.h"

namespace yiwang {

inline constexpr size_t kImportBatchEventsMax = kReplicatedEventsMax;  // events per append
// Replicated appends queued at once (~40 MiB of events at most). Deep enough that the store's
// stager finds several queued and writes them as one group commit (bounded by kBatchBytesMax):
// 4 gave ~96 group commits for 200,000 events, 32 gives ~35, and the store's threads use about a
// fifth less CPU (fewer WAL writes and syncs, longer sorted runs into the memtables).
inline constexpr size_t kImportBatchesInFlightMax = 32;
inline constexpr size_t kImportPartitionMessagesMax = 4096;  // buffered messages per partition
inline constexpr size_t kImportPartitionsMax = 1024;         // over both topics
inline constexpr std::chrono::milliseconds kImportGapWaitDefault{10'000};
inline constexpr std::chrono::milliseconds kImportProgressInterval{1'000};

struct ImportStats {
  uint64_t applied = 0;          // events appended to the local log by this run
  uint64_t duplicates = 0;       // messages for positions the log already held, identical
  uint64_t head_position = 0;    // the local log's committed head
  std::string head_hash;         // its hash
  double events_per_second = 0;  // applied / seconds since Run() started
  size_t partitions = 0;         // partitions read, over both topics
  size_t buffered_messages = 0;  // waiting in the partition buffers
};

struct KafkaImporterOptions {
  std::string brokers;  // bootstrap servers, "HOST:PORT,…"; required
  std::string topic_prefix = "yiwang";
  bool follow = false;  // keep consuming after the topics' end, until Stop()
  // How long a missing position may be awaited while later positions are waiting.
  std::chrono::milliseconds gap_wait = kImportGapWaitDefault;
  // Called on Run()'s thread about every kImportProgressInterval while events arrive.
  std::function<void(const ImportStats&)> progress;
  // Extra librdkafka consumer properties (security settings, tuning); applied last.
  std::map<std::string, std::string> consumer_properties;
};

class KafkaImporter {
 public:
  // Creates the consumer. kInvalidArgument for bad options or consumer properties. Brokers are
  // contacted by Run().
  static Result<std::unique_ptr<KafkaImporter>> Create(EventStore* store,
                                                       const KafkaImporterOptions& options);
  ~KafkaImporter();
  KafkaImporter(const KafkaImporter&) = delete;
  KafkaImporter& operator=(const KafkaImporter&) = delete;

  // Consumes and appends as described above; returns once done (OK), stopped (OK) or refused:
  //   kDataLoss            a gap, a duplicate position with different bytes, a broken event
  //   kFailedPrecondition  an event does not continue the local log (another origin?)
  //   kNotFound            a topic does not exist
  //   kUnavailable         the brokers did not answer, or the store failed
  // Every replicated append made before it returns is durable.
  Status Run();
  // Makes Run() return soon. Thread-safe, idempotent.
  void Stop();
  ImportStats GetStats() const;

  class Consumer;

 private:
  KafkaImporter(EventStore* store, KafkaImporterOptions options,
                std::unique_ptr<Consumer> consumer);
  Status Merge();
  // Appends `batch_` (asynchronously, at most kImportBatchesInFlightMax at once).
  Status Flush();
  Status WaitForAppends();
  Status CheckDuplicate(uint64_t position, std::string_view bytes, const std::string& where);
  void ReportProgress(bool force);

  EventStore* store_;
  KafkaImporterOptions options_;
  std::unique_ptr<Consumer> consumer_;
  std::atomic<bool> stopping_{false};
  std::vector<StoredEvent> batch_;
  uint64_t next_position_ = 1;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_progress_;

  mutable std::mutex mutex_;  // guards what the store's completion thread reports
  std::condition_variable appended_;
  size_t appends_in_flight_ = 0;
  Status append_error_;
  ImportStats stats_;
};

}  // namespace yiwang
