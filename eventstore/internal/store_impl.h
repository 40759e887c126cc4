// The event store's internals, shared by its .cc files. Not part of the public API.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/event_store.h"
#include "eventstore/internal/keys.h"

namespace yiwang {

// Maps a RocksDB status onto ours: I/O and corruption problems are not the caller's fault.
Status FromRocks(const rocksdb::Status& status, std::string_view what);

// An event copied from another node's log (AppendReplicated), its envelope fields decoded and
// its own hash checked on the caller's thread; the writer checks that it continues the chain.
struct ReplicatedEvent {
  uint64_t position = 0;
  uint32_t version = 0;
  std::string stream;
  std::string idempotency_key;
  eventstore_internal::Hash256 prev_hash{};
  eventstore_internal::Hash256 hash{};
  std::string bytes;
};

struct PendingAppend {
  AppendRequest request;
  AppendCallback callback;
  size_t data_bytes = 0;  // sum of the events' data sizes, for the batch byte bound
  // Non-empty for a replicated append (then `request` is empty).
  std::vector<ReplicatedEvent> replicated;
};

// A group commit whose write has returned: its callbacks, run by the completer thread.
struct CompletedBatch {
  std::vector<PendingAppend> appends;
  std::vector<AppendOutcome> outcomes;  // one per append, same order
};

// Completed batches handed from the writer to the completer; more make the writer wait.
inline constexpr size_t kCompletedBatchesMax = 4;

class EventStore::Impl {
 public:
  Impl() = default;
  ~Impl();

  // Opening (store_open.cc).
  Status OpenDatabase();
  Status LoadMeta();

  // The writer thread (group_commit.cc).
  void StartWriter();
  void StopWriter();  // completes queued appends first
  void Enqueue(PendingAppend pending);
  uint64_t WriterCpuNanoseconds();

  // Reads (event_store.cc).
  Result<std::vector<StoredEvent>> ReadRange(uint64_t from_position, uint64_t to_position,
                                             size_t max_count) const;
  Status ForEach(uint64_t from_position, uint64_t to_position,
                 const std::function<Status(uint64_t, std::string_view)>& fn) const;
  Result<uint32_t> ReadHead(std::string_view stream) const;
  // The committed idempotency record of `key` as a duplicate result, nullopt when none.
  Result<std::optional<AppendResult>> FindCommittedIdempotent(std::string_view key) const;

  // Verification (verify.cc).
  Result<VerifyReport> Verify(const VerifyOptions& options) const;

  EventStoreOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* heads = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;

  // Commit state, readable by every thread.
  mutable std::mutex commit_mutex;
  mutable std::condition_variable commit_cv;  // signalled after each commit and on close
  std::atomic<uint64_t> committed_position{0};
  eventstore_internal::Hash256 committed_hash{};  // guarded by commit_mutex
  bool closed = false;                            // guarded by commit_mutex

  // True once the log holds replicated events (meta "replica"); set by LoadMeta and the writer.
  std::atomic<bool> is_replica{false};

  std::atomic<uint64_t> stat_batches{0};
  std::atomic<uint64_t> stat_appends{0};
  std::atomic<uint64_t> stat_events{0};
  // Histograms of Stats (written by the writer thread only, read by GetStats).
  std::array<std::atomic<uint64_t>, kStatsBatchEventsBounds.size() + 1> stat_batch_events{};
  std::array<std::atomic<uint64_t>, kStatsCommitLatencyBoundsUs.size() + 1> stat_commit_us{};
  std::atomic<uint64_t> stat_commit_us_sum{0};
  void RecordCommitStats(uint64_t events, uint64_t latency_us);

 private:
  struct Batch;  // one group commit, staged by the stager and written by the writer

  // Three threads, a pipeline: the stager takes queued appends and stages batch N+1 (checks,
  // positions, envelopes, chain) while the writer writes and syncs batch N; the completer then
  // runs batch N's callbacks.
  void StagerLoop();
  void WriterLoop();
  void CompleterLoop();
  bool TakeBatch(std::vector<PendingAppend>* batch);
  std::shared_ptr<Batch> StageBatch(std::vector<PendingAppend>* pending);
  // Waits until the writer is done with the previous batch, then gives it `batch`.
  void HandToWriter(std::shared_ptr<Batch> batch);
  void CommitBatch(Batch* batch);
  // Hands a written batch's callbacks to the completer (blocks while kCompletedBatchesMax wait).
  void HandOff(CompletedBatch completed);
  AppendOutcome StageAppend(AppendRequest& request, Batch* batch);
  // Replication (replicated_append.cc): stages verified copied events after the chain.
  AppendOutcome StageReplicated(std::vector<ReplicatedEvent>& events, Batch* batch);
  // Puts the idempotency records of replicated events, once the whole batch is staged.
  void FinishReplicated(Batch* batch);
  Status GrowIdempotency(const ReplicatedEvent& event, const Batch& batch,
                         std::unordered_map<std::string, AppendResult>* grown);
  Result<uint32_t> CurrentVersion(const std::string& stream, const Batch& batch);
  Result<std::optional<AppendResult>> FindDuplicate(const AppendRequest& request,
                                                    Batch* batch) const;
  // The result of `key`'s append in a batch handed to the writer, nullptr when none.
  const AppendResult* FindInFlightIdempotent(const std::string& key) const;
  void ApplyCommitted(const Batch& batch);

  // Queue of appends, guarded by queue_mutex_.
  std::mutex queue_mutex_;
  std::condition_variable queue_not_empty_;
  std::condition_variable queue_not_full_;
  std::deque<PendingAppend> queue_;
  bool stopping_ = false;
  std::thread stager_;
  std::thread writer_;

  // Stager → writer hand-over, guarded by write_mutex_: one batch waits while the writer writes
  // the one before, so the writer starts the next write without waiting for the stager to wake.
  std::mutex write_mutex_;
  std::condition_variable write_ready_;
  std::condition_variable write_done_;
  std::shared_ptr<Batch> to_write_;  // handed over and not yet taken by the writer
  bool write_stopping_ = false;

  // Completion queue, guarded by completion_mutex_. The completer thread runs the callbacks so
  // that waking callers (a futex each, often preempting the waker) never delays the writer.
  std::mutex completion_mutex_;
  std::condition_variable completion_ready_;
  std::condition_variable completion_not_full_;
  std::deque<CompletedBatch> completions_;
  bool completion_stopping_ = false;
  std::thread completer_;

  // Stager-thread state (the staged state, possibly ahead of the disk by in_flight_): no lock.
  uint64_t next_position_ = 1;
  eventstore_internal::Hash256 chain_hash_{};
  std::unordered_map<std::string, uint32_t> head_cache_;
  Timestamp last_recorded_at_;
  bool replica_ = false;  // the log holds replicated events: local appends are refused
  // The last kInFlightBatchesMax batches handed to the writer, oldest first; read-only once
  // handed over. A batch is handed over only when the writer has taken the one before, which it
  // does after writing the one before that: so every staged batch that may not be on disk yet is
  // here, and lookups check these (newest first) before reading RocksDB.
  static constexpr size_t kInFlightBatchesMax = 2;
  std::deque<std::shared_ptr<const Batch>> in_flight_;

  // Writer-thread state: no lock.
  Status failed_;  // not OK once a write failed: every later append fails with it
  rocksdb::WriteOptions write_options_;
};

}  // namespace yiwang

// Invariants that must hold whatever the input (position order, chain continuity): checked in
// release builds too, because continuing past a broken one would write a corrupt log.
#define YIWANG_INVARIANT(condition)                                              \
  do {                                                                           \
    if (!(condition)) ::yiwang::InvariantFailed(#condition, __FILE__, __LINE__); \
  } while (false)

namespace yiwang {
[[noreturn]] void InvariantFailed(const char* condition, const char* file, int line);
}  // namespace yiwang
