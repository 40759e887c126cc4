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

struct PendingAppend {
  AppendRequest request;
  AppendCallback callback;
  size_t data_bytes = 0;  // sum of the events' data sizes, for the batch byte bound
};

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

  std::atomic<uint64_t> stat_batches{0};
  std::atomic<uint64_t> stat_appends{0};
  std::atomic<uint64_t> stat_events{0};

 private:
  struct Batch;

  void WriterLoop();
  bool TakeBatch(std::vector<PendingAppend>* batch);
  void CommitBatch(std::vector<PendingAppend>* pending);
  AppendOutcome StageAppend(AppendRequest& request, Batch* batch);
  Result<uint32_t> CurrentVersion(const std::string& stream, const Batch& batch);
  Result<std::optional<AppendResult>> FindDuplicate(const AppendRequest& request,
                                                    Batch* batch) const;
  void ApplyCommitted(const Batch& batch);

  // Queue, guarded by queue_mutex.
  std::mutex queue_mutex_;
  std::condition_variable queue_not_empty_;
  std::condition_variable queue_not_full_;
  std::deque<PendingAppend> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Writer-thread state: no lock, touched only by the writer thread once it runs.
  uint64_t next_position_ = 1;
  eventstore_internal::Hash256 chain_hash_{};
  std::unordered_map<std::string, uint32_t> head_cache_;
  Timestamp last_recorded_at_;
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
