// Replay (CatchUpOptions::bulk): a pipeline. The reader thread iterates the log and copies each
// chunk's raw events into the chunk; the decoder thread decodes them (envelope, typed data, case
// slots) and hands the chunk to the groups. Iterating and decoding are about as costly as all the
// projections together, so they are two threads: one reader doing both had run a full core while
// the rest of the pipeline waited for it. The projections are split into groups, each applied by
// a thread of its own that sees every chunk (projections are independent, so they need no
// ordering between groups). Every batch_events events all groups stop at the same position, flush
// their projections into their own ReadBatch, hand it over (Committed) and wait; the calling
// thread (the coordinator) takes the batches, gives each group a fresh batch that reads through
// the one taken, releases the groups and writes the taken batches and the checkpoints in one
// write while the groups apply the next batch. A chunk returns to a pool for reuse once every
// group is done with it, so copying and decoding reuse the strings' capacity.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "projections/internal/decoded_event.h"
#include "projections/internal/prefetch.h"
#include "projections/runner.h"

namespace yiwang::projections {

namespace {

using internal::DecodedEvent;

constexpr std::chrono::milliseconds kReplayProgressIntervalMs{250};
constexpr size_t kReplayPrefetchAhead = 2;  // events
constexpr size_t kStoredPrefetchLines = 4;  // of an event's stored bytes: the envelope's start
constexpr size_t kStoredPrefetchLinesMax = 16;  // the decoder's, of the next event's bytes

struct Chunk {
  // The reader's copy of the stored events: event i is raw[ends[i - 1], ends[i]) at positions[i].
  std::string raw;
  std::vector<uint64_t> positions;
  std::vector<size_t> ends;
  // The decoder's, kReplayChunkEventsMax of them; the first `count` are this chunk's. They
  // view `raw`, and stay where they are (DecodedEvent).
  std::unique_ptr<DecodedEvent[]> events;
  size_t count = 0;
  Status status;      // a read or decode error ends the stream
  bool last = false;  // nothing follows
};

// Chunks handed out as shared pointers that come back here when the last holder lets go. Must
// outlive every chunk it handed out.
class ChunkPool {
 public:
  ~ChunkPool() {
    for (Chunk* chunk : free_) delete chunk;
  }
  std::shared_ptr<Chunk> Take() {
    Chunk* chunk = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        chunk = free_.back();
        free_.pop_back();
      }
    }
    if (chunk == nullptr) chunk = new Chunk;
    chunk->raw.clear();
    chunk->positions.clear();
    chunk->ends.clear();
    chunk->count = 0;
    chunk->status = Status::Ok();
    chunk->last = false;
    if (chunk->events == nullptr) {
      chunk->events = std::make_unique<DecodedEvent[]>(kReplayChunkEventsMax);
    }
    return std::shared_ptr<Chunk>(chunk, [this](Chunk* done) {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(done);
    });
  }

 private:
  std::mutex mutex_;
  std::vector<Chunk*> free_;
};

// The chunks a stage has still to take: the decoder's raw ones (Chunk), or one group's decoded
// ones (const Chunk). Bounded: the stage before waits while kReplayChunksInFlightMax are queued.
template <typename ChunkType>
class Queue {
 public:
  // False when cancelled.
  bool Push(std::shared_ptr<ChunkType> chunk) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || chunks_.size() < kReplayChunksInFlightMax; });
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
  }
  // Null when cancelled.
  std::shared_ptr<ChunkType> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || !chunks_.empty(); });
    if (cancelled_) return nullptr;
    std::shared_ptr<ChunkType> chunk = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    return chunk;
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    chunks_.clear();
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<ChunkType>> chunks_;
  bool cancelled_ = false;
};

using RawQueue = Queue<Chunk>;
using ChunkQueue = Queue<const Chunk>;

// The reader: events [from, to] copied, in chunks, to the decoder; always ends with a `last`
// chunk unless cancelled. A read error ends the stream with that status.
void ReadChunks(const EventStore& store, uint64_t from, uint64_t to, ChunkPool* pool,
                RawQueue* decoder) {
  std::shared_ptr<Chunk> chunk = pool->Take();
  bool cancelled = false;
  Status status = store.ForEach(from, to, [&](uint64_t position, std::string_view bytes) {
    chunk->raw.append(bytes);
    chunk->positions.push_back(position);
    chunk->ends.push_back(chunk->raw.size());
    if (chunk->positions.size() < kReplayChunkEventsMax) return Status::Ok();
    if (!decoder->Push(std::move(chunk))) {
      cancelled = true;
      return Aborted("replay: cancelled");
    }
    chunk = pool->Take();
    return Status::Ok();
  });
  if (cancelled) return;
  chunk->status = status;
  chunk->last = true;
  decoder->Push(std::move(chunk));
}

// Where batches end: after every batch_events events, and once more `tail` events before the
// head. Every batch is written while the groups apply the next one, except the last: it is
// written alone, after the groups finished, so keeping it short shortens the end of a replay
// (the final 200,000-event batch of a 1M-event replay had taken 0.3 s on one thread). The
// decoder and every group keep a cutter of their own and agree, as they see the same events.
class BatchCutter {
 public:
  BatchCutter(size_t batch_events, uint64_t from, uint64_t head) : batch_events_(batch_events) {
    const uint64_t tail = batch_events / kReplayTailFraction;
    if (tail > 0 && head >= from && head - from + 1 > tail) split_at_ = head - tail;
  }
  // Whether the event at `position`, the next one applied, ends a batch.
  bool Ends(uint64_t position) {
    if (++staged_ < batch_events_ && position != split_at_) return false;
    staged_ = 0;
    return true;
  }
  // Whether an event since the last batch end is waiting.
  bool pending() const { return staged_ > 0; }

 private:
  static constexpr size_t kReplayTailFraction = 8;
  size_t batch_events_;
  size_t staged_ = 0;
  uint64_t split_at_ = 0;  // 0: no split (positions start at 1)
};

// The decoder: each raw chunk decoded, in order, to every group's queue; a decode error ends the
// stream with that status. Case slots restart where the groups flush (`cutter`).
void DecodeChunks(BatchCutter cutter, RawQueue* raw, const std::vector<ChunkQueue*>& queues) {
  auto push = [&](const std::shared_ptr<Chunk>& chunk) {
    for (ChunkQueue* queue : queues) {
      if (!queue->Push(chunk)) return false;
    }
    return true;
  };
  internal::CaseSlotter slots;
  while (true) {
    std::shared_ptr<Chunk> chunk = raw->Pop();
    if (chunk == nullptr) return;  // cancelled
    const std::string_view bytes(chunk->raw);
    Status read_status = std::move(chunk->status);  // the reader's, set on its last chunk
    chunk->status = Status::Ok();
    auto number = [&](size_t event) {
      chunk->events[event].NumberCase(&slots);
      if (cutter.Ends(chunk->positions[event])) slots.Reset();
      ++chunk->count;
    };
    // Each event is numbered one event after its decode, which prefetched its case's cell in
    // the slots' index: the decode of the next event hides that miss (perf had SlotOf's own
    // samples, the miss, at ~3.5 % of a replay's).
    size_t begin = 0;
    size_t decoded = 0;
    for (size_t event = 0; event < chunk->positions.size(); ++event) {
      // The next event's bytes, which the reader wrote on another core, while this one decodes
      // (the decode starts at the hash at the end: PrefixBeforeHashMember's miss was ~1 % of
      // samples).
      if (event + 1 < chunk->positions.size()) {
        const size_t next_size = chunk->ends[event + 1] - chunk->ends[event];
        internal::PrefetchLines(
            chunk->raw.data() + chunk->ends[event],
            std::min(kStoredPrefetchLinesMax,
                     (next_size + internal::kCacheLineBytes - 1) / internal::kCacheLineBytes));
      }
      chunk->status = internal::DecodeStored(chunk->positions[event],
                                             bytes.substr(begin, chunk->ends[event] - begin),
                                             &chunk->events[event]);
      begin = chunk->ends[event];
      if (!chunk->status.ok()) break;
      chunk->events[event].PrefetchCase(slots);
      decoded = event + 1;
      if (event > 0) number(event - 1);
    }
    while (chunk->count < decoded) number(chunk->count);
    // A read error the reader put on its last chunk comes after the chunk's events; a decode
    // error came first, and ended the loop there.
    if (chunk->status.ok()) chunk->status = std::move(read_status);
    // After an error the chunk carries it, and its decoded events before it, as the last one.
    const bool last = chunk->last || !chunk->status.ok();
    chunk->last = last;
    if (!push(chunk) || last) return;
  }
}

// Where the groups meet at a batch boundary. A group arrives with its status, the position it
// applied up to and whether its stream ended; the coordinator collects every arrival, commits,
// and releases the round (go on, or stop).
class CommitGate {
 public:
  struct Arrival {
    Status status;
    uint64_t last = 0;
    bool end = false;
  };

  explicit CommitGate(size_t groups) : arrivals_(groups) {}

  // Group thread: blocks until the coordinator releases the round; true to go on.
  bool Arrive(size_t group, Arrival arrival) {
    std::unique_lock<std::mutex> lock(mutex_);
    arrivals_[group] = std::move(arrival);
    ++arrived_;
    const uint64_t round = round_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return round_ != round; });
    return go_on_;
  }
  // Coordinator: waits until every group arrived, or `timeout`; nullopt on timeout.
  std::optional<std::vector<Arrival>> AwaitAll(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return arrived_ == arrivals_.size(); })) {
      return std::nullopt;
    }
    return arrivals_;
  }
  void Release(bool go_on) {
    std::lock_guard<std::mutex> lock(mutex_);
    arrived_ = 0;
    go_on_ = go_on;
    ++round_;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Arrival> arrivals_;
  size_t arrived_ = 0;
  uint64_t round_ = 0;
  bool go_on_ = true;
};

}  // namespace

Status ProjectionRunner::BulkCatchUp(const CatchUpOptions& options) {
  const uint64_t head = store_->HeadPosition();
  const uint64_t from = position() + 1;
  const size_t batch_events =
      options.batch_events == 0 ? kReplayBatchEventsMax : options.batch_events;
  const size_t groups = std::min(kReplayApplyThreadsMax, projections_.size());
  // The first projection alone, the others shared by the remaining groups. ReadModels lists
  // progress first, which folds the whole case state and timeline: perf of a 1M-event replay
  // puts it at about as much CPU as the other three together (progress + dashboard against
  // applicants + audit was 62/38, progress + applicants against the other two 70/30).
  std::vector<std::vector<size_t>> members(groups);
  for (size_t index = 0; index < projections_.size(); ++index) {
    members[groups == 1 || index == 0 ? 0 : 1 + (index - 1) % (groups - 1)].push_back(index);
  }
  YIWANG_RETURN_IF_ERROR(read_store_->SetBulk(true));

  ChunkPool pool;  // outlives the threads and every chunk
  std::vector<std::unique_ptr<ChunkQueue>> queues;
  std::vector<ChunkQueue*> queue_pointers;
  std::vector<std::unique_ptr<ReadBatch>> batches;
  std::vector<std::atomic<uint64_t>> applied(groups);
  for (size_t group = 0; group < groups; ++group) {
    queues.push_back(std::make_unique<ChunkQueue>());
    queue_pointers.push_back(queues.back().get());
    batches.push_back(read_store_->NewBatch());
    applied[group] = from - 1;
  }
  RawQueue raw_queue;
  // Stops every stage: the reader, the decoder and the groups stop waiting for one another.
  auto cancel_all = [&] {
    raw_queue.Cancel();
    for (const std::unique_ptr<ChunkQueue>& queue : queues) queue->Cancel();
  };
  CommitGate gate(groups);

  // One group's thread. Its projections and batch are touched by it alone while it runs, and by
  // the coordinator only while it waits in Arrive.
  auto apply_group = [&](size_t group) {
    BatchCutter cutter(batch_events, from, head);
    uint64_t last = 0;
    // The batch is complete: staged, and handed over. The projections forget it now (the
    // coordinator writes it while this thread goes on; the next batch reads through it).
    auto flush = [&](Status status) {
      for (size_t index : members[group]) {
        if (status.ok()) status = FlushTo(index, batches[group].get());
      }
      if (status.ok()) {
        for (size_t index : members[group]) projections_[index]->Committed();
      }
      return status;
    };
    // On an error the other groups and the reader must not wait for this group's chunks.
    auto arrive = [&](Status status, bool end) {
      if (!status.ok()) cancel_all();
      return gate.Arrive(group, {std::move(status), last, end});
    };
    while (true) {
      std::shared_ptr<const Chunk> chunk = queues[group]->Pop();
      if (chunk == nullptr) {  // cancelled: another group failed
        arrive(Aborted("replay: cancelled"), true);
        return;
      }
      // The events the decoder decoded, then the chunk's error if it ended there: the batches
      // before a bad event are committed.
      Status status;
      for (size_t event = 0; status.ok() && event < chunk->count; ++event) {
        // This thread has not touched the events yet: the decoded event and the stored bytes
        // its envelope views, a few events ahead (perf had the first reads of each at a third
        // of Progress::Apply's samples).
        // Then, closer, the state of the event's case in each projection (Projection::
        // Prefetch), which reads the decoded event's slot.
        if (const size_t ahead = event + 2 * kReplayPrefetchAhead; ahead < chunk->count) {
          chunk->events[ahead].Prefetch();
          internal::PrefetchLines(chunk->raw.data() + (ahead == 0 ? 0 : chunk->ends[ahead - 1]),
                                  kStoredPrefetchLines);
        }
        if (const size_t ahead = event + kReplayPrefetchAhead; ahead < chunk->count) {
          const ProjectedEvent coming = chunk->events[ahead].view();
          for (size_t index : members[group]) projections_[index]->Prefetch(coming);
        }
        const ProjectedEvent projected = chunk->events[event].view();
        for (size_t index : members[group]) {
          if (status.ok()) status = ApplyTo(index, projected, batches[group].get());
        }
        last = projected.envelope.position;
        if (status.ok() && cutter.Ends(last)) {
          status = flush(status);
          if (!arrive(status, false)) return;
        }
      }
      if (status.ok()) status = chunk->status;
      applied[group].store(last, std::memory_order_relaxed);
      if (chunk->last || !status.ok()) {
        if (cutter.pending()) status = flush(status);
        arrive(status, true);
        return;
      }
    }
  };

  // Named for top -H and perf (at most 15 characters).
  std::thread reader([&] {
    pthread_setname_np(pthread_self(), "replay-read");
    ReadChunks(*store_, from, head, &pool, &raw_queue);
  });
  std::thread decoder([&] {
    pthread_setname_np(pthread_self(), "replay-decode");
    DecodeChunks(BatchCutter(batch_events, from, head), &raw_queue, queue_pointers);
  });
  std::vector<std::thread> appliers;
  for (size_t group = 0; group < groups; ++group) {
    appliers.emplace_back([&, group] {
      pthread_setname_np(pthread_self(), ("replay-apply-" + std::to_string(group)).c_str());
      apply_group(group);
    });
  }

  const ReadStore::CommitOptions no_wal{.write_ahead_log = false, .ingest = true};
  Status status;
  uint64_t taken_up_to = from - 1;  // the last position of a batch handed over
  // The batches being written while the groups apply the next ones (which read through them).
  std::vector<std::unique_ptr<ReadBatch>> committing;
  while (true) {
    if (options.stop != nullptr && options.stop->load() && status.ok()) {
      status = Aborted("replay: stopped");
      cancel_all();
    }
    std::optional<std::vector<CommitGate::Arrival>> arrivals =
        gate.AwaitAll(kReplayProgressIntervalMs);
    if (!arrivals.has_value()) {
      uint64_t slowest = head;
      for (const std::atomic<uint64_t>& position : applied) {
        slowest = std::min(slowest, position.load(std::memory_order_relaxed));
      }
      if (options.progress) options.progress(slowest, head);
      continue;
    }
    bool end = true;
    for (const CommitGate::Arrival& arrival : *arrivals) {
      // The first real error, not a group's "cancelled" that followed it.
      if (!arrival.status.ok() && (status.ok() || status.code() == StatusCode::kAborted)) {
        status = arrival.status;
      }
      if (status.ok() && arrival.last != arrivals->front().last) {
        status = Internal("replay: groups stopped at different positions");
      }
      end = end && arrival.end;
    }
    const uint64_t last = arrivals->front().last;
    // Every group waits: take their batches, give them fresh ones that read through these.
    std::vector<std::unique_ptr<ReadBatch>> taken;
    if (status.ok() && last > taken_up_to) {
      for (std::unique_ptr<ReadBatch>& batch : batches) {
        batch->ReadThrough(nullptr);  // what it read through was written before this round
        const size_t staged = batch->count();
        taken.push_back(std::move(batch));
        batch = read_store_->NewBatch(staged);
        batch->ReadThrough(taken.back().get());
      }
      taken_up_to = last;
    }
    if (!status.ok()) cancel_all();
    const bool go_on = status.ok() && !end;
    gate.Release(go_on);
    // Written already, and nothing reads through them any more. Freeing a batch's hundreds of
    // thousands of strings takes a while: the groups go on meanwhile.
    committing.clear();
    if (!taken.empty()) {
      std::vector<ReadBatch*> staged;
      for (const std::unique_ptr<ReadBatch>& batch : taken) staged.push_back(batch.get());
      status = CommitStaged(staged, last, no_wal, /*notify=*/false);
      committing = std::move(taken);
      if (!status.ok()) {
        // The groups stop at their next chunk and arrive once more; then the loop ends.
        cancel_all();
      } else {
        for (Projection* projection : projections_) projection->Written();
        if (options.progress) options.progress(position(), head);
      }
    }
    if (!go_on) break;
  }
  for (std::thread& applier : appliers) applier.join();
  cancel_all();  // the reader and the decoder stop
  decoder.join();
  reader.join();
  if (!status.ok()) {
    for (Projection* projection : projections_) projection->Discard();
  }
  // Durable before anything is written with the WAL again (see ReadStore).
  Status flushed = read_store_->Flush();
  Status normal = options.stay_bulk ? Status::Ok() : read_store_->SetBulk(false);
  if (!status.ok()) return status;
  return flushed.ok() ? normal : flushed;
}

}  // namespace yiwang::projections
