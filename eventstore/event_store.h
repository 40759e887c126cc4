// The event store: the durable, hash-chained event log of yiwang (DESIGN.md §3 and §5).
//
// One RocksDB instance, written only through this class. Appends are queued, staged by one thread
// and committed by one writer thread in groups (group commit): every append of a group is
// acknowledged only after the group's single WriteBatch is durable. Positions are global,
// gap-free and strictly increasing; versions are per stream, from 1. The key layout and the append
// protocol are written down as a grammar in eventstore/README.md.
//
// Thread-safety: every method of EventStore may be called from any thread concurrently.
// A Subscription is used by one thread at a time, except Close(), which may be called from any
// thread to wake a Poll(). The EventStore must outlive its Subscriptions.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/envelope.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

// Limits. Every queue and every batch is bounded.
inline constexpr size_t kAppendEventsMax = 128;  // events in one append
inline constexpr size_t kIdempotencyKeyBytesMax = 128;
inline constexpr size_t kPendingAppendsMax = 4096;         // queued appends; more block the caller
inline constexpr size_t kBatchEventsMax = 2048;            // events in one group commit
inline constexpr size_t kBatchBytesMax = 8 * 1024 * 1024;  // event bytes in one group commit
inline constexpr size_t kHeadCacheStreamsMax = 1 << 20;    // stream heads kept in memory
inline constexpr size_t kReadEventsMax = 10'000;           // events returned by one read call
// ForEach over at least this many positions bypasses the block cache and reads ahead.
inline constexpr uint64_t kScanUncachedEventsMin = 100'000;
inline constexpr size_t kScanReadaheadBytes = 2 * 1024 * 1024;
inline constexpr size_t kReplicatedEventsMax = kBatchEventsMax;  // events in one replicated append

// Bucket upper bounds of the EventStore::Stats histograms.
inline constexpr std::array<uint64_t, 9> kStatsBatchEventsBounds = {1,   2,   4,    8,   16,
                                                                    64, 256, 1024, 2048};
inline constexpr std::array<uint64_t, 12> kStatsCommitLatencyBoundsUs = {
    100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};

// kFsync: every group commit is synced to disk before it is acknowledged (survives power loss).
// kOs: written to the OS page cache only (survives a process crash, not a power loss).
enum class Durability { kFsync, kOs };

struct EventStoreOptions {
  std::string path;  // directory of the RocksDB instance; created when missing (unless read_only)
  Durability durability = Durability::kFsync;
  // Source of `recorded_at`. Empty: the system clock. Called on the store's staging thread only.
  std::function<Timestamp()> clock;
  // Opens without writing anything, without the writer thread and without taking the lock, so
  // verify/export can run beside a server. Sees the log as it was when opened.
  bool read_only = false;
  size_t pending_appends_max = kPendingAppendsMax;
  size_t batch_events_max = kBatchEventsMax;
  size_t batch_bytes_max = kBatchBytesMax;
  size_t head_cache_streams_max = kHeadCacheStreamsMax;
  // Test seam: when set, called on the writer thread before each group commit's write; a non-OK
  // Status is handled as a failed RocksDB write (and nothing is written). Empty in production.
  std::function<Status()> write_fault_for_testing;
};

// What the appender believes the stream's version to be.
class ExpectedVersion {
 public:
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  // The stream must not exist yet.
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kExact, 0); }
  // The stream's last version must be exactly `version` (0 means "no stream").
  static ExpectedVersion Exact(uint32_t version) { return ExpectedVersion(Kind::kExact, version); }

  bool is_any() const { return kind_ == Kind::kAny; }
  uint32_t version() const { return version_; }  // meaningful unless is_any()

 private:
  enum class Kind { kAny, kExact };
  ExpectedVersion(Kind kind, uint32_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint32_t version_;
};

// One event to append: the envelope minus what the store assigns (position, stream, version,
// recorded_at, idempotency_key, prev_hash, hash).
struct NewEvent {
  std::string type;  // non-empty
  uint32_t schema = 1;
  Timestamp occurred_at;
  Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::string data;  // canonical JSON object, stored verbatim
};

struct AppendRequest {
  std::string stream;  // 1..kStreamIdBytesMax bytes, no control characters
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<NewEvent> events;  // 1..kAppendEventsMax
  // Optional. A later append with the same key returns this append's result and writes nothing.
  std::string idempotency_key;
};

struct AppendResult {
  std::string stream;
  uint32_t first_version = 0;
  uint32_t last_version = 0;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  // True when the result is that of an earlier append with the same idempotency key.
  bool duplicate = false;
};

// What an append came to.
//   status OK                     `result` is valid and durable.
//   kInvalidArgument              bad request (also: idempotency key used on another stream).
//   kAborted, reason "version_conflict"
//                                 the expected version did not match; `actual_version` is the
//                                 stream's version when the append was checked (0: no stream).
//   kResourceExhausted            an encoded event exceeded kEventBytesMax.
//   kUnavailable                  the store failed (a write failed) or is closed; nothing of this
//                                 append was acknowledged. Reopen to recover.
struct AppendOutcome {
  Status status;
  AppendResult result;
  uint32_t actual_version = 0;
};
// A store becomes a read replica with its first replicated append (recorded in meta): from then
// on it refuses local appends with kFailedPrecondition, reason "read_replica", so that its log
// can never diverge from the origin it copies.
//
// Called exactly once per AppendAsync, on the store's completion thread, in commit order (or on
// the caller's thread when the request is refused before queueing). Must be quick, must not throw
// and must not call a blocking EventStore method (it would wait for the thread it runs on).
using AppendCallback = std::function<void(AppendOutcome)>;

struct StoredEvent {
  uint64_t position = 0;
  std::string bytes;  // canonical envelope bytes, exactly as stored and hashed
};

struct VerifyOptions {
  uint64_t from_position = 1;
  uint64_t to_position = UINT64_MAX;  // inclusive; clipped to the head
  // Called every `progress_interval` events with the last position checked.
  std::function<void(uint64_t position)> progress;
  uint64_t progress_interval = 100'000;
};

struct VerifyReport {
  bool ok = true;
  uint64_t events_checked = 0;
  uint64_t first_position = 0;  // first position checked (0: none)
  uint64_t last_position = 0;   // last position checked
  std::string last_hash;        // hash of last_position (hex); the head hash for a full run
  uint64_t head_position = 0;   // as recorded in meta
  std::string head_hash;        // as recorded in meta
  uint64_t bad_position = 0;    // first position found wrong (ok == false)
  std::string problem;          // what is wrong there, for people
};

class Subscription;

class EventStore {
 public:
  // Opens (creating when missing, unless read_only) the store at options.path.
  // Fails with kFailedPrecondition for a directory of an unknown format version, kDataLoss when
  // the chain head recorded in meta disagrees with the last stored event, kUnavailable when
  // RocksDB cannot open (e.g. locked by another process).
  static Result<std::unique_ptr<EventStore>> Open(const EventStoreOptions& options);

  // Close(), then closes RocksDB. Subscriptions must be destroyed first.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Validates `request` on the calling thread (kInvalidArgument: `callback` is called before
  // returning), then queues it; blocks while kPendingAppendsMax appends are queued.
  void AppendAsync(AppendRequest request, AppendCallback callback);
  // Blocking form of AppendAsync. On a version conflict, *actual_version (when not null) receives
  // the stream's actual version.
  Result<AppendResult> Append(AppendRequest request, uint32_t* actual_version = nullptr);

  // Replication (yiwang import): appends events copied verbatim from another node's log, keeping
  // their positions, versions and hashes. Each event's bytes are checked on the calling thread
  // (canonical envelope, envelope position == StoredEvent::position, hash recomputed from its
  // prev_hash) and again, on the writer, against the local chain (position == the next one,
  // prev_hash == the chain head, version == the stream's next one). Nothing of a refused call is
  // written. 1..kReplicatedEventsMax events. The callback runs as an AppendCallback's does;
  // `result` holds the first and last position.
  //   kInvalidArgument     no events, or more than kReplicatedEventsMax
  //   kDataLoss            an event is malformed, not canonical, or its hash does not recompute
  //   kFailedPrecondition  an event does not continue the local log (position, prev_hash,
  //                        version): the log and the source diverged or an event is missing
  //   kUnavailable         as for AppendAsync
  void AppendReplicatedAsync(std::vector<StoredEvent> events, AppendCallback callback);
  Status AppendReplicated(std::vector<StoredEvent> events);
  // True once the log holds replicated events (it then refuses local appends).
  bool IsReplica() const;

  // Events of `stream` from `from_version` (>= 1), at most min(max_count, kReadEventsMax), in
  // version order. An unknown stream gives an empty vector. kDataLoss on an undecodable event.
  Result<std::vector<EventEnvelope>> ReadStream(std::string_view stream, uint32_t from_version,
                                                size_t max_count) const;
  Result<std::vector<StoredEvent>> ReadStreamRaw(std::string_view stream, uint32_t from_version,
                                                 size_t max_count) const;
  // Committed events from `from_position`, at most min(max_count, kReadEventsMax).
  Result<std::vector<StoredEvent>> ReadAll(uint64_t from_position, size_t max_count) const;
  // Calls fn for each committed event in [from, to] in position order; stops at the first
  // non-OK Status fn returns and returns it.
  Status ForEach(uint64_t from_position, uint64_t to_position,
                 const std::function<Status(uint64_t position, std::string_view bytes)>& fn) const;

  uint64_t HeadPosition() const;  // last committed position, 0 when empty
  std::string HeadHash() const;   // its hash (hex); 64 zeros when empty

  // The Kafka cursor (meta "kafka_cursor"): the last position the Kafka publisher knows to be
  // published with every position before it; 0 when nothing is. Only the publisher moves it.
  Result<uint64_t> KafkaCursor() const;
  // Records the cursor (written through the WAL: it survives a process crash; a power loss may
  // move it back, and publishing again from there is safe because consumers drop positions they
  // have). kInvalidArgument beyond the head, kFailedPrecondition on a read-only store.
  Status SetKafkaCursor(uint64_t position);
  // The stream's last committed version, 0 when it does not exist.
  Result<uint32_t> StreamVersion(std::string_view stream) const;

  // The committed result of the append that used `idempotency_key` (duplicate == true), or
  // nullopt when no committed append used it. Lets a command handler answer a retry before
  // deciding again against a state the original already changed.
  Result<std::optional<AppendResult>> FindIdempotent(std::string_view idempotency_key) const;

  // Waits until `position` is committed; false on timeout or when the store closes.
  bool WaitForCommit(uint64_t position, std::chrono::milliseconds timeout) const;
  // Events from `from_position` (>= 1): first those already stored, then live ones.
  std::unique_ptr<Subscription> Subscribe(uint64_t from_position);

  // Recomputes the chain over a range of the stored log (see VerifyReport). An I/O failure is an
  // error Status; what is wrong with the data is in the report.
  Result<VerifyReport> Verify(const VerifyOptions& options) const;

  // Completes every queued append and stops the writer. Afterwards appends fail with
  // kUnavailable, Poll() returns kFailedPrecondition and WaitForCommit() false; reads still work.
  // Idempotent.
  void Close();

  // Counters since Open, for metrics and benchmarks.
  struct Stats {
    uint64_t batches = 0;
    uint64_t appends = 0;        // acknowledged, duplicates included
    uint64_t events = 0;         // written
    uint64_t writer_cpu_ns = 0;  // CPU time used by the stager and writer threads
    // Histograms recorded on the writer thread, one count per group commit that wrote events:
    // events per commit and the commit's write-and-sync latency. Bucket i counts values
    // <= the i-th bound (and above the previous one); the last bucket counts the rest (+Inf).
    std::array<uint64_t, kStatsBatchEventsBounds.size() + 1> batch_events_buckets{};
    std::array<uint64_t, kStatsCommitLatencyBoundsUs.size() + 1> commit_latency_buckets{};
    uint64_t commit_latency_sum_us = 0;
  };
  Stats GetStats() const;

  class Impl;

 private:
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens the store at `path` read-only and verifies it.
Result<VerifyReport> VerifyChain(const std::string& path, const VerifyOptions& options);

class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next committed events, at most min(max_events, kReadEventsMax), waiting up to `wait`
  // when there are none (then an empty vector). kFailedPrecondition once closed (by Close() or
  // by the store closing).
  Result<std::vector<StoredEvent>> Poll(size_t max_events, std::chrono::milliseconds wait);
  // Wakes a waiting Poll. Thread-safe, idempotent.
  void Close();
  uint64_t next_position() const { return next_position_; }

 private:
  friend class EventStore;
  Subscription(EventStore::Impl* store, uint64_t from_position);
  EventStore::Impl* store_;
  uint64_t next_position_;
  bool closed_ = false;  // guarded by the store's commit mutex
};

}  // namespace yiwang
