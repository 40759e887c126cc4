#include "projections/runner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

namespace yiwang::projections {

namespace {

Result<EventEnvelope> DecodeStored(uint64_t position, std::string_view bytes) {
  Result<EventEnvelope> envelope = DecodeEnvelope(bytes);
  if (!envelope.ok()) {
    return DataLoss("runner: event " + std::to_string(position) +
                    " does not decode: " + envelope.status().message());
  }
  if (envelope->position != position) {
    return DataLoss("runner: event stored at " + std::to_string(position) + " says position " +
                    std::to_string(envelope->position));
  }
  return envelope;
}

// Decoded events from the reader thread to the applying thread.
struct Chunk {
  std::vector<EventEnvelope> events;
  Status status;      // a read or decode error ends the stream
  bool last = false;  // nothing follows
};

// Bounded: the reader waits while kReplayChunksInFlightMax chunks are queued.
class ChunkQueue {
 public:
  // False when cancelled (the applier gave up).
  bool Push(Chunk chunk) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || chunks_.size() < kReplayChunksInFlightMax; });
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
  }
  // Nullopt when cancelled.
  std::optional<Chunk> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || !chunks_.empty(); });
    if (chunks_.empty()) return std::nullopt;
    Chunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    return chunk;
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> chunks_;
  bool cancelled_ = false;
};

// The reader thread: events [from, to] decoded, in chunks; always ends with a `last` chunk
// unless cancelled.
void ReadChunks(const EventStore& store, uint64_t from, uint64_t to, ChunkQueue* queue) {
  Chunk chunk;
  chunk.events.reserve(kReplayChunkEventsMax);
  bool cancelled = false;
  Status status = store.ForEach(from, to, [&](uint64_t position, std::string_view bytes) {
    Result<EventEnvelope> envelope = DecodeStored(position, bytes);
    if (!envelope.ok()) return envelope.status();
    chunk.events.push_back(std::move(envelope).value());
    if (chunk.events.size() < kReplayChunkEventsMax) return Status::Ok();
    if (!queue->Push(std::move(chunk))) {
      cancelled = true;
      return Aborted("replay: cancelled");
    }
    chunk = Chunk{};
    chunk.events.reserve(kReplayChunkEventsMax);
    return Status::Ok();
  });
  if (cancelled) return;
  chunk.status = status;
  chunk.last = true;
  queue->Push(std::move(chunk));
}

}  // namespace

Result<std::unique_ptr<ProjectionRunner>> ProjectionRunner::Create(
    EventStore* store, ReadStore* read_store, std::vector<Projection*> projections) {
  if (store == nullptr || read_store == nullptr || projections.empty()) {
    return InvalidArgument("runner: store, read store and projections are required");
  }
  std::vector<uint64_t> checkpoints;
  for (size_t index = 0; index < projections.size(); ++index) {
    if (projections[index] == nullptr) return InvalidArgument("runner: null projection");
    for (size_t other = 0; other < index; ++other) {
      if (projections[other]->name() == projections[index]->name()) {
        return InvalidArgument("runner: duplicate projection " +
                               std::string(projections[index]->name()));
      }
    }
    Result<uint64_t> checkpoint = read_store->Checkpoint(projections[index]->name());
    if (!checkpoint.ok()) return checkpoint.status();
    checkpoints.push_back(*checkpoint);
  }
  return std::unique_ptr<ProjectionRunner>(
      new ProjectionRunner(store, read_store, std::move(projections), std::move(checkpoints)));
}

ProjectionRunner::ProjectionRunner(EventStore* store, ReadStore* read_store,
                                   std::vector<Projection*> projections,
                                   std::vector<uint64_t> checkpoints)
    : store_(store),
      read_store_(read_store),
      projections_(std::move(projections)),
      checkpoints_(std::move(checkpoints)),
      position_(*std::min_element(checkpoints_.begin(), checkpoints_.end())),
      committed_checkpoints_(checkpoints_) {}

ProjectionRunner::~ProjectionRunner() { Stop(); }

Status ProjectionRunner::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || !status_.ok()) {
    return FailedPrecondition("runner: already started or stopped by an error");
  }
  stopping_ = false;
  subscription_ = store_->Subscribe(position_ + 1);
  thread_ = std::thread([this] {
    // Below the request threads: a command's latency matters more than how soon a projection
    // shows it, and reads that need the newest state wait for it (min_position).
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kRunnerNiceness);
    Run();
  });
  return Status::Ok();
}

void ProjectionRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (subscription_) subscription_->Close();
  }
  if (thread_.joinable()) thread_.join();
  subscription_.reset();
  applied_.notify_all();
}

void ProjectionRunner::Run() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    Result<std::vector<StoredEvent>> events =
        subscription_->Poll(kRunnerBatchEventsMax, kRunnerPollWaitMs);
    // kFailedPrecondition: closed by Stop or by the store closing; neither is a projection error.
    if (!events.ok() && events.status().code() == StatusCode::kFailedPrecondition) return;
    Status status = events.ok() ? ApplyBatch(*events) : events.status();
    if (!status.ok()) {
      Fail(std::move(status));
      return;
    }
  }
}

Status ProjectionRunner::CatchUp(const CatchUpOptions& options) {
  if (thread_.joinable()) return FailedPrecondition("runner: CatchUp while started");
  YIWANG_RETURN_IF_ERROR(status());
  Status status = options.bulk ? BulkCatchUp(options) : Status::Ok();
  const uint64_t head = store_->HeadPosition();
  std::unique_ptr<Subscription> subscription = store_->Subscribe(position() + 1);
  while (status.ok() && position() < head) {
    Result<std::vector<StoredEvent>> events =
        subscription->Poll(kRunnerBatchEventsMax, std::chrono::milliseconds(0));
    status = events.ok() ? ApplyBatch(*events) : events.status();
    if (!status.ok() || events->empty()) break;
    if (options.progress) options.progress(position(), head);
  }
  if (!status.ok()) Fail(status);
  return status;
}

Status ProjectionRunner::BulkCatchUp(const CatchUpOptions& options) {
  const uint64_t head = store_->HeadPosition();
  ChunkQueue queue;
  std::thread reader([&] { ReadChunks(*store_, position() + 1, head, &queue); });
  std::unique_ptr<ReadBatch> batch = read_store_->NewBatch();
  size_t staged = 0;
  uint64_t last = 0;
  const ReadStore::CommitOptions no_wal{.write_ahead_log = false};
  Status status;
  while (status.ok()) {
    std::optional<Chunk> chunk = queue.Pop();
    if (!chunk.has_value()) break;
    status = chunk->status;
    for (size_t index = 0; status.ok() && index < chunk->events.size(); ++index) {
      status = Stage(chunk->events[index], batch.get());
      last = chunk->events[index].position;
      ++staged;
    }
    if (status.ok() && (staged >= kReplayBatchEventsMax || chunk->last) && staged > 0) {
      status = CommitBatch(batch.get(), last, no_wal);
      batch = read_store_->NewBatch();
      staged = 0;
      if (status.ok() && options.progress) options.progress(position(), head);
    }
    if (chunk->last) break;
  }
  queue.Cancel();  // the reader stops at its next chunk when the applier failed
  reader.join();
  // Durable before anything is written with the WAL again (see ReadStore).
  Status flushed = read_store_->Flush();
  return status.ok() ? flushed : status;
}

Status ProjectionRunner::Stage(const EventEnvelope& event, ReadBatch* batch) {
  for (size_t index = 0; index < projections_.size(); ++index) {
    if (event.position <= checkpoints_[index]) continue;
    Status status = projections_[index]->Apply(event, batch);
    if (!status.ok()) {
      for (Projection* projection : projections_) projection->Discard();
      return Status(status.code(),
                    std::string(projections_[index]->name()) + " at position " +
                        std::to_string(event.position) + ": " + status.message(),
                    status.field());
    }
  }
  return Status::Ok();
}

Status ProjectionRunner::ApplyBatch(const std::vector<StoredEvent>& events) {
  if (events.empty()) return Status::Ok();
  std::unique_ptr<ReadBatch> batch = read_store_->NewBatch();
  for (const StoredEvent& stored : events) {
    Result<EventEnvelope> envelope = DecodeStored(stored.position, stored.bytes);
    if (!envelope.ok()) return envelope.status();
    YIWANG_RETURN_IF_ERROR(Stage(*envelope, batch.get()));
  }
  return CommitBatch(batch.get(), events.back().position, ReadStore::CommitOptions{});
}

Status ProjectionRunner::CommitBatch(ReadBatch* batch, uint64_t last,
                                     const ReadStore::CommitOptions& options) {
  for (size_t index = 0; index < projections_.size(); ++index) {
    checkpoints_[index] = std::max(checkpoints_[index], last);
    batch->SetCheckpoint(projections_[index]->name(), checkpoints_[index]);
  }
  Status status = read_store_->Commit(batch, options);
  if (!status.ok()) {
    for (Projection* projection : projections_) projection->Discard();
    return status;
  }
  for (Projection* projection : projections_) projection->Committed();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    position_ = *std::min_element(checkpoints_.begin(), checkpoints_.end());
    committed_checkpoints_ = checkpoints_;
  }
  applied_.notify_all();
  return Status::Ok();
}

void ProjectionRunner::Fail(Status status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = std::move(status);
  }
  applied_.notify_all();
}

uint64_t ProjectionRunner::position() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return position_;
}

std::vector<std::pair<std::string, uint64_t>> ProjectionRunner::Checkpoints() const {
  std::vector<std::pair<std::string, uint64_t>> checkpoints;
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t index = 0; index < projections_.size(); ++index) {
    checkpoints.emplace_back(std::string(projections_[index]->name()),
                             committed_checkpoints_[index]);
  }
  return checkpoints;
}

Status ProjectionRunner::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

bool ProjectionRunner::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return applied_.wait_for(lock, timeout, [&] { return position_ >= position || !status_.ok(); }) &&
         position_ >= position;
}

Status ProjectionRunner::Rebuild(ReadStore* read_store, Projection* projection) {
  for (const std::string& family : projection->families()) {
    YIWANG_RETURN_IF_ERROR(read_store->Clear(family, projection->name()));
  }
  projection->Discard();
  return Status::Ok();
}

}  // namespace yiwang::projections
