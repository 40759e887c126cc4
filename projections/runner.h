// ProjectionRunner: feeds the event log to durable projections (DESIGN.md §7).
//
// One subscription from the store, starting after the lowest checkpoint of its projections. Each
// round polls up to kRunnerBatchEventsMax events and decodes each one once (the envelope, and the
// typed data of a case event); every projection whose checkpoint is below the event applies it,
// keeping what it changes in memory or staging it in one ReadBatch. Before the commit each
// projection flushes what it kept into the batch (once per key per batch, however many events
// touched it); the runner adds every checkpoint and commits: state and checkpoint move together,
// so a crash never double-counts. Then each projection publishes its batch (Committed) and the
// applied position is published for WaitForPosition (read-your-writes: a query passes the
// position a command returned). A projection error stops the runner; the error stays in status().
//
// Replay (CatchUpOptions::bulk): one thread reads the log and decodes events in chunks while the
// calling thread applies them; batches of up to kReplayBatchEventsMax events are committed
// without the read store's WAL and flushed at the end (see ReadStore: a crash mid-replay leaves
// every projection at an earlier checkpoint with its matching state, and the next run resumes).
// Big batches are what make replay fast: a case's record is encoded and written once per batch.
// A started runner that finds itself kRunnerBulkCatchUpEventsMin or more events behind the head
// (a server started over deleted read models, a node imported from Kafka) catches up the same
// way, on its own thread, before it follows the log live again; Stop ends that at the next
// batch boundary.
//
// Thread-safety: Start/Stop/CatchUp from one controlling thread; position, status and
// WaitForPosition from any thread. The store, the read store and the projections must outlive
// the runner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "projections/read_store.h"

namespace yiwang::projections {

inline constexpr size_t kRunnerBatchEventsMax = 1000;
// The live runner thread's nice value (request threads run at 0).
inline constexpr int kRunnerNiceness = 5;
inline constexpr std::chrono::milliseconds kRunnerPollWaitMs{200};
// How far behind the head a started runner switches to replay's bulk catch-up: live batches of
// kRunnerBatchEventsMax events rewrite a case's record once per batch (~25,000 events/s),
// bulk writes it once per kReplayBatchEventsMax events on three threads (~160,000 events/s).
inline constexpr uint64_t kRunnerBulkCatchUpEventsMin = 50'000;
// Events per bulk commit: what the projections keep in memory between commits (a few hundred
// bytes per event at most) against how often a case's state is rewritten.
inline constexpr size_t kReplayBatchEventsMax = 262'144;
inline constexpr size_t kReplayChunkEventsMax = 512;    // decoded events handed over at once
// Chunks queued before each stage (decoder, each group): ~4 ms of work, enough to ride out a
// stage's turn off the core. Each holds 512 decoded events (~0.7 MB with their bytes): 16 had
// cost a replay 17 MB more at its peak for the same rate.
inline constexpr size_t kReplayChunksInFlightMax = 8;
// Applying threads in replay; the projections are split between them (they are independent).
inline constexpr size_t kReplayApplyThreadsMax = 2;

struct CatchUpOptions {
  // Replay mode: reading and decoding on threads of their own, big batches, no WAL, a flush at
  // the end (runner_bulk.cc).
  bool bulk = false;
  // Called on the calling thread after each commit: the position applied, the head caught up to.
  std::function<void(uint64_t position, uint64_t head)> progress;
  // Events per replay batch (bulk); 0: kReplayBatchEventsMax. Small values are for tests.
  size_t batch_events = 0;
  // Bulk: when set and true, the catch-up ends at the next batch boundary or progress tick with
  // kAborted; what was committed stays.
  const std::atomic<bool>* stop = nullptr;
  // Bulk: leave the read store in bulk mode at the end (ReadStore::SetBulk), for a caller that
  // closes it next (`yiwang replay`). Leaving it rewrites the OPTIONS file once per family,
  // ~40 ms at the end of every replay, and a store opened again starts in its normal mode.
  bool stay_bulk = false;
};

inline constexpr uint32_t kNoCaseSlot = UINT32_MAX;

// One event as the runner hands it to the projections, decoded once for all of them.
struct ProjectedEvent {
  // Views the stored event's bytes (replay) or an EventEnvelope: valid during Apply only, so a
  // projection copies what it keeps.
  const EnvelopeView& envelope;
  // The typed data of a case event (a case stream and a case event type), else nullptr.
  const RecordedCaseEvent* recorded = nullptr;
  // The case number (the stream id without "case-") when `recorded` is set, else empty.
  std::string_view case_number;
  // With `recorded`: the case's number within the runner batch (the events between two Flush
  // calls), dense from 0, the same for every event of the case (internal/case_slots.h). Else,
  // and for events built outside the runner, kNoCaseSlot.
  uint32_t case_slot = kNoCaseSlot;
};

// A durable read model. Apply, Flush, Committed and Discard are called on the runner thread
// only; Apply in position order.
class Projection {
 public:
  virtual ~Projection() = default;
  // The checkpoint key; stable across releases.
  virtual std::string_view name() const = 0;
  // The column families it writes (passed to ReadStoreOptions::families).
  virtual std::vector<std::string> families() const = 0;
  // Applies the event: stages its effect in `batch`, or keeps it in memory until Flush. A
  // non-OK Status stops the runner; the batch is dropped (Discard).
  virtual Status Apply(const ProjectedEvent& event, ReadBatch* batch) = 0;
  // Replay calls this a couple of events before Apply(event): start loading the state Apply will
  // read (internal::PrefetchLines), without reading it. Only a hint; the default does nothing.
  virtual void Prefetch(const ProjectedEvent& /*event*/) const {}
  // The runner is about to commit `batch`: stage everything Apply kept in memory. An error
  // drops the batch as in Apply.
  virtual Status Flush(ReadBatch* /*batch*/) { return Status::Ok(); }
  // The batch holding every Apply since the last call is committed: publish in-memory caches.
  // In replay (CatchUpOptions::bulk) it is called as soon as the batch is flushed and handed
  // over, while the batch is still being written: later Applies read through it (ReadBatch::
  // ReadThrough), and an error in the write ends with Discard().
  virtual void Committed() = 0;
  // Replay: the batch handed over at the last Committed() is now in the read store. Called on
  // the committing thread while the projection may already apply the next batch, so it may touch
  // only what queries share under their own lock (a query cache: a query between Committed and
  // this call may have read the old value from the store).
  virtual void Written() {}
  // The batch was dropped (error), or the state was cleared (rebuild): forget in-memory state.
  virtual void Discard() = 0;
};

class ProjectionRunner {
 public:
  // Reads the checkpoints. Projections must be non-null and distinctly named.
  static Result<std::unique_ptr<ProjectionRunner>> Create(EventStore* store, ReadStore* read_store,
                                                          std::vector<Projection*> projections);
  ~ProjectionRunner();  // Stop()
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;

  // Starts the thread: catches up from the checkpoints, then follows the log live.
  // kFailedPrecondition when already running or stopped by an error.
  Status Start();
  // Stops the thread after its current batch; idempotent.
  void Stop();
  // Applies everything committed up to the store's head on the calling thread (replay, tests).
  // Only while not started. An error stops the runner as in Start().
  Status CatchUp() { return CatchUp(CatchUpOptions{}); }
  Status CatchUp(const CatchUpOptions& options);

  // Events behind the head at which the started runner catches up in bulk (default
  // kRunnerBulkCatchUpEventsMin; 0: never). Only while not started.
  void SetBulkCatchUpThreshold(uint64_t events) { bulk_catch_up_events_min_ = events; }
  // Bulk catch-ups the started runner has run (metrics, tests).
  uint64_t bulk_catch_ups() const { return bulk_catch_ups_.load(); }

  // Lowest position every projection has applied and committed.
  uint64_t position() const;
  // Waits until position() >= `position`; false on timeout or when the runner stopped on an error.
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const;
  // Each projection's name and committed checkpoint, in feeding order (metrics: lag).
  std::vector<std::pair<std::string, uint64_t>> Checkpoints() const;
  // OK, or the error that stopped the runner.
  Status status() const;
  // Clears a projection's state and checkpoint and drops its caches (yiwang replay). Call it with
  // no runner alive over `read_store` (a runner keeps checkpoints in memory); a runner created
  // afterwards starts that projection from position 1.
  static Status Rebuild(ReadStore* read_store, Projection* projection);

 private:
  ProjectionRunner(EventStore* store, ReadStore* read_store, std::vector<Projection*> projections,
                   std::vector<uint64_t> checkpoints);
  void Run();
  // The started runner's bulk catch-up when it is far behind; kAborted when stopped meanwhile.
  Status CatchUpInBulkIfBehind();
  // Applies one polled batch; commits state and checkpoints.
  Status ApplyBatch(const std::vector<StoredEvent>& events);
  // Stages one event's effect for every projection still below it; discards them on error.
  Status Stage(const ProjectedEvent& event, ReadBatch* batch);
  // Applies the event to projection `index` if its checkpoint is below it; the error names it.
  Status ApplyTo(size_t index, const ProjectedEvent& event, ReadBatch* batch);
  // Flushes projection `index` into `batch`; the error names it.
  Status FlushTo(size_t index, ReadBatch* batch);
  // Flushes every projection, then CommitStaged; discards the projections on error.
  Status CommitBatch(ReadBatch* batch, uint64_t last, const ReadStore::CommitOptions& options);
  // Commits the batches and the checkpoints up to `last` (a batch of their own) in one write
  // and publishes the position. With `notify`, Committed() on each projection after, or
  // Discard() on an error (replay's threads do that themselves).
  Status CommitStaged(const std::vector<ReadBatch*>& batches, uint64_t last,
                      const ReadStore::CommitOptions& options, bool notify = true);
  // Replay: a reader thread, a decoder thread and one applying thread per group of projections
  // (runner_bulk.cc).
  Status BulkCatchUp(const CatchUpOptions& options);
  void Fail(Status status);

  EventStore* store_;
  ReadStore* read_store_;
  std::vector<Projection*> projections_;
  std::vector<uint64_t> checkpoints_;  // runner thread only
  std::unique_ptr<Subscription> subscription_;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable applied_;
  uint64_t position_ = 0;                        // guarded by mutex_
  std::vector<uint64_t> committed_checkpoints_;  // guarded by mutex_; checkpoints_ as committed
  Status status_;                                // guarded by mutex_
  bool stopping_ = false;                        // guarded by mutex_
  std::atomic<bool> stop_requested_{false};      // stopping_, for a bulk catch-up to see
  uint64_t bulk_catch_up_events_min_ = kRunnerBulkCatchUpEventsMin;
  std::atomic<uint64_t> bulk_catch_ups_{0};
};

}  // namespace yiwang::projections
