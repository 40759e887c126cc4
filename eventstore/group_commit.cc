// The append pipeline: stager, writer and completer threads; group commit of queued appends
// (protocol in eventstore/README.md).
#include <pthread.h>
#include <rocksdb/write_batch.h>
#include <time.h>

#include <algorithm>
#include <limits>

#include "eventstore/internal/batch.h"
#include "eventstore/internal/sha256.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

void EventStore::Impl::StartWriter() {
  write_options_.sync = options.durability == Durability::kFsync;
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "yiwang-complete");  // for top and perf
    CompleterLoop();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "yiwang-writer");
    WriterLoop();
  });
  stager_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "yiwang-stager");
    StagerLoop();
  });
}

void EventStore::Impl::StopWriter() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_not_empty_.notify_all();
  queue_not_full_.notify_all();
  // Each stage drains what the previous one handed it, then stops.
  if (stager_.joinable()) stager_.join();
  {
    std::lock_guard<std::mutex> lock(write_mutex_);
    write_stopping_ = true;
  }
  write_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(completion_mutex_);
    completion_stopping_ = true;
  }
  completion_ready_.notify_all();
  if (completer_.joinable()) completer_.join();
  {
    std::lock_guard<std::mutex> lock(commit_mutex);
    closed = true;
  }
  commit_cv.notify_all();
}

uint64_t EventStore::Impl::WriterCpuNanoseconds() {
  std::lock_guard<std::mutex> lock(queue_mutex_);  // the threads are joined under stopping_
  if (stopping_) return 0;
  uint64_t total = 0;
  for (std::thread* thread : {&stager_, &writer_}) {
    clockid_t clock_id;
    timespec used{};
    if (!thread->joinable() || pthread_getcpuclockid(thread->native_handle(), &clock_id) != 0 ||
        clock_gettime(clock_id, &used) != 0) {
      return 0;
    }
    total += static_cast<uint64_t>(used.tv_sec) * 1'000'000'000 +
             static_cast<uint64_t>(used.tv_nsec);
  }
  return total;
}

void EventStore::Impl::Enqueue(PendingAppend pending) {
  std::unique_lock<std::mutex> lock(queue_mutex_);
  // Backpressure: a full queue blocks the appender; nothing is ever dropped.
  queue_not_full_.wait(lock,
                       [&] { return stopping_ || queue_.size() < options.pending_appends_max; });
  if (stopping_) {
    lock.unlock();
    const char* why = options.read_only ? "event store is open read-only" : "event store is closed";
    pending.callback(AppendOutcome{Unavailable(why), {}, 0});
    return;
  }
  queue_.push_back(std::move(pending));
  lock.unlock();
  queue_not_empty_.notify_one();
}

void EventStore::Impl::StagerLoop() {
  std::vector<PendingAppend> pending;
  while (TakeBatch(&pending)) {
    HandToWriter(StageBatch(&pending));
    pending.clear();
  }
}

void EventStore::Impl::HandToWriter(std::shared_ptr<Batch> batch) {
  std::unique_lock<std::mutex> lock(write_mutex_);
  write_done_.wait(lock, [&] { return to_write_ == nullptr; });
  to_write_ = batch;
  lock.unlock();
  write_ready_.notify_one();
  in_flight_.push_back(std::move(batch));
  if (in_flight_.size() > kInFlightBatchesMax) in_flight_.pop_front();
}

void EventStore::Impl::WriterLoop() {
  while (true) {
    std::unique_lock<std::mutex> lock(write_mutex_);
    write_ready_.wait(lock, [&] { return write_stopping_ || to_write_ != nullptr; });
    if (to_write_ == nullptr) return;  // stopping, and every staged batch is written
    std::shared_ptr<Batch> batch = std::move(to_write_);
    to_write_ = nullptr;
    lock.unlock();
    write_done_.notify_one();  // the stager may hand over the next batch during this write
    CommitBatch(batch.get());
  }
}

void EventStore::Impl::HandOff(CompletedBatch completed) {
  std::unique_lock<std::mutex> lock(completion_mutex_);
  completion_not_full_.wait(lock, [&] { return completions_.size() < kCompletedBatchesMax; });
  completions_.push_back(std::move(completed));
  lock.unlock();
  completion_ready_.notify_one();
}

void EventStore::Impl::CompleterLoop() {
  while (true) {
    std::unique_lock<std::mutex> lock(completion_mutex_);
    completion_ready_.wait(lock, [&] { return completion_stopping_ || !completions_.empty(); });
    if (completions_.empty()) return;  // stopping, and every handed-off batch is completed
    CompletedBatch completed = std::move(completions_.front());
    completions_.pop_front();
    lock.unlock();
    completion_not_full_.notify_one();
    for (size_t index = 0; index < completed.appends.size(); ++index) {
      completed.appends[index].callback(std::move(completed.outcomes[index]));
    }
  }
}

bool EventStore::Impl::TakeBatch(std::vector<PendingAppend>* batch) {
  std::unique_lock<std::mutex> lock(queue_mutex_);
  queue_not_empty_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return false;  // stopping, and every queued append is done
  size_t events = 0;
  size_t bytes = 0;
  while (!queue_.empty()) {
    const PendingAppend& next = queue_.front();
    // Replicated appends (`next.replicated`) count by bytes alone: batch_events_max keeps a
    // local caller's commit latency short, and an import has no caller waiting on one append.
    const size_t next_events = next.request.events.size();
    if (!batch->empty() && (events + next_events > options.batch_events_max ||
                            bytes + next.data_bytes > options.batch_bytes_max)) {
      break;
    }
    events += next_events;
    bytes += next.data_bytes;
    batch->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  lock.unlock();
  queue_not_full_.notify_all();
  return true;
}

namespace {

// Index keys arrive in no particular order (many streams, random idempotency keys). Put in key
// order, consecutive inserts reuse the upper levels of the memtable skiplist's search (its
// sequential-insert splice), the largest CPU cost of the write. Each key occurs once per batch.
void PutSorted(rocksdb::ColumnFamilyHandle* family,
               std::vector<std::pair<std::string, std::string>>* entries,
               rocksdb::WriteBatch* write_batch) {
  std::sort(entries->begin(), entries->end());
  for (const auto& [key, value] : *entries) write_batch->Put(family, key, value);
}

}  // namespace

std::shared_ptr<EventStore::Impl::Batch> EventStore::Impl::StageBatch(
    std::vector<PendingAppend>* pending) {
  auto batch = std::make_shared<Batch>();
  batch->first_position = next_position_;
  batch->next_position = next_position_;
  batch->chain_hash = chain_hash_;
  // recorded_at never goes backwards along the log, even if the wall clock does.
  batch->recorded_at = std::max(options.clock(), last_recorded_at_);
  batch->outcomes.reserve(pending->size());
  batch->needs_write.reserve(pending->size());
  for (PendingAppend& append : *pending) {
    batch->outcomes.push_back(append.replicated.empty()
                                  ? StageAppend(append.request, batch.get())
                                  : StageReplicated(append.replicated, batch.get()));
    batch->needs_write.push_back(batch->outcome_needs_write);
  }
  batch->appends = std::move(*pending);
  if (batch->events_written == 0) return batch;
  YIWANG_INVARIANT(batch->next_position == next_position_ + batch->events_written);
  if (batch->replicated) FinishReplicated(batch.get());
  PutSorted(streams, &batch->stream_entries, &batch->write_batch);
  PutSorted(idempotency, &batch->idempotency_entries, &batch->write_batch);
  std::vector<std::pair<std::string_view, uint32_t>> sorted_heads(batch->heads.begin(),
                                                                  batch->heads.end());
  std::sort(sorted_heads.begin(), sorted_heads.end());  // in key order, as PutSorted
  for (const auto& [stream, version] : sorted_heads) {
    std::string value;
    PutBigEndian32(&value, version);
    batch->write_batch.Put(heads, stream, value);
    // Bounded cache: clearing it all is crude but O(1) amortised; misses read in_flight_ and
    // then the `heads` family.
    if (head_cache_.size() >= options.head_cache_streams_max) head_cache_.clear();
    head_cache_[std::string(stream)] = version;
  }
  batch->write_batch.Put(meta, kMetaChainHeadKey,
                         EncodeChainHead(batch->next_position - 1, batch->chain_hash));
  next_position_ = batch->next_position;
  chain_hash_ = batch->chain_hash;
  last_recorded_at_ = batch->recorded_at;
  return batch;
}

void EventStore::Impl::CommitBatch(Batch* batch) {
  if (!failed_.ok()) {
    // Staged against a state that a failed write may or may not have left: refuse it all.
    for (AppendOutcome& outcome : batch->outcomes) outcome = AppendOutcome{failed_, {}, 0};
  } else if (batch->events_written > 0) {
    YIWANG_INVARIANT(batch->first_position == committed_position.load() + 1);
    Status written =
        options.write_fault_for_testing ? options.write_fault_for_testing() : Status::Ok();
    if (written.ok()) {
      const auto write_started = std::chrono::steady_clock::now();
      written = FromRocks(db->Write(write_options_, &batch->write_batch), "write");
      RecordCommitStats(batch->events_written,
                        std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - write_started)
                            .count());
    }
    if (written.ok()) {
      ApplyCommitted(*batch);
    } else {
      // Whether any of it reached the disk is unknown, so nothing of it may be acknowledged and
      // the staged heads can no longer be trusted: fail this and every later append.
      failed_ = Unavailable("event store failed, reopen to recover: " + written.message());
      for (size_t index = 0; index < batch->outcomes.size(); ++index) {
        if (batch->needs_write[index] && batch->outcomes[index].status.ok()) {
          batch->outcomes[index] = AppendOutcome{failed_, {}, 0};
        }
      }
    }
  }
  stat_batches.fetch_add(1, std::memory_order_relaxed);
  uint64_t acknowledged = 0;
  for (const AppendOutcome& outcome : batch->outcomes) acknowledged += outcome.status.ok() ? 1 : 0;
  stat_appends.fetch_add(acknowledged, std::memory_order_relaxed);
  // Only now, after the write returned, may anything be acknowledged.
  HandOff(CompletedBatch{std::move(batch->appends), std::move(batch->outcomes)});
}

void EventStore::Impl::RecordCommitStats(uint64_t events, uint64_t latency_us) {
  auto bucket_of = [](const auto& bounds, uint64_t value) {
    size_t bucket = 0;
    while (bucket < bounds.size() && value > bounds[bucket]) ++bucket;
    return bucket;
  };
  stat_batch_events[bucket_of(kStatsBatchEventsBounds, events)].fetch_add(
      1, std::memory_order_relaxed);
  stat_commit_us[bucket_of(kStatsCommitLatencyBoundsUs, latency_us)].fetch_add(
      1, std::memory_order_relaxed);
  stat_commit_us_sum.fetch_add(latency_us, std::memory_order_relaxed);
}

void EventStore::Impl::ApplyCommitted(const Batch& batch) {
  stat_events.fetch_add(batch.events_written, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(commit_mutex);
    YIWANG_INVARIANT(committed_position.load() < batch.next_position - 1);
    committed_position.store(batch.next_position - 1);
    committed_hash = batch.chain_hash;
  }
  commit_cv.notify_all();
}

Result<uint32_t> EventStore::Impl::CurrentVersion(const std::string& stream, const Batch& batch) {
  if (auto staged = batch.heads.find(stream); staged != batch.heads.end()) return staged->second;
  if (auto cached = head_cache_.find(stream); cached != head_cache_.end()) return cached->second;
  for (auto flying = in_flight_.rbegin(); flying != in_flight_.rend(); ++flying) {
    if (auto staged = (*flying)->heads.find(stream); staged != (*flying)->heads.end()) {
      return staged->second;
    }
  }
  Result<uint32_t> stored = ReadHead(stream);
  if (stored.ok() && *stored > 0) {
    if (head_cache_.size() >= options.head_cache_streams_max) head_cache_.clear();
    head_cache_[stream] = *stored;
  }
  return stored;
}

const AppendResult* EventStore::Impl::FindInFlightIdempotent(const std::string& key) const {
  for (const std::shared_ptr<const Batch>& flying : in_flight_) {
    if (auto found = flying->idempotency.find(key); found != flying->idempotency.end()) {
      return &found->second;
    }
  }
  return nullptr;
}

Result<std::optional<AppendResult>> EventStore::Impl::FindDuplicate(const AppendRequest& request,
                                                                    Batch* batch) const {
  const std::string& key = request.idempotency_key;
  std::optional<AppendResult> original;
  if (auto staged = batch->idempotency.find(key); staged != batch->idempotency.end()) {
    original = staged->second;
    batch->outcome_needs_write = true;  // the original is in this very batch
  } else if (const AppendResult* flying = FindInFlightIdempotent(key); flying != nullptr) {
    original = *flying;
    batch->outcome_needs_write = true;  // the original is durable only once the writer is done
  } else {
    Result<std::optional<AppendResult>> committed = FindCommittedIdempotent(key);
    if (!committed.ok()) return committed.status();
    if (!committed->has_value()) return std::optional<AppendResult>();
    original = std::move(committed).value();
  }
  if (original->stream != request.stream) {
    return InvalidArgument("idempotency key was already used on stream '" + original->stream + "'",
                           "idempotency_key");
  }
  original->duplicate = true;
  return original;
}

Result<std::optional<AppendResult>> EventStore::Impl::FindCommittedIdempotent(
    std::string_view key) const {
  if (key.empty()) return std::optional<AppendResult>();
  std::string value;
  const rocksdb::Status status = db->Get(rocksdb::ReadOptions(), idempotency, key, &value);
  if (status.IsNotFound()) return std::optional<AppendResult>();
  if (!status.ok()) return FromRocks(status, "idempotency lookup");
  const std::optional<IdempotencyRecord> record = DecodeIdempotencyRecord(value);
  if (!record) return DataLoss("malformed idempotency record for key '" + std::string(key) + "'");
  return std::optional<AppendResult>(AppendResult{
      record->stream, record->first_version, record->first_version + record->event_count - 1,
      record->first_position, record->first_position + record->event_count - 1, true});
}

AppendOutcome EventStore::Impl::StageAppend(AppendRequest& request, Batch* batch) {
  batch->outcome_needs_write = false;
  if (replica_) {
    return AppendOutcome{FailedPrecondition("this event log is a read replica: it only takes "
                                            "events replicated from its origin (yiwang import)")
                             .WithReason("read_replica"),
                         {},
                         0};
  }
  if (!request.idempotency_key.empty()) {
    Result<std::optional<AppendResult>> duplicate = FindDuplicate(request, batch);
    if (!duplicate.ok()) return AppendOutcome{duplicate.status(), {}, 0};
    if (duplicate->has_value()) {
      const uint32_t last_version = (*duplicate)->last_version;
      return AppendOutcome{Status::Ok(), std::move(**duplicate), last_version};
    }
  }
  const Result<uint32_t> current = CurrentVersion(request.stream, *batch);
  if (!current.ok()) return AppendOutcome{current.status(), {}, 0};
  const uint32_t version = *current;
  if (!request.expected.is_any() && request.expected.version() != version) {
    return AppendOutcome{
        Aborted("stream '" + request.stream + "' is at version " + std::to_string(version) +
                ", expected " + std::to_string(request.expected.version()))
            .WithReason("version_conflict"),
        {},
        version};
  }
  const size_t count = request.events.size();
  if (version > std::numeric_limits<uint32_t>::max() - count) {
    return AppendOutcome{ResourceExhausted("stream '" + request.stream + "' is full"), {}, version};
  }
  // Encode every event before touching the batch, so that a refused one leaves no trace.
  std::vector<std::string> encoded;
  encoded.reserve(count);
  Hash256 chain = batch->chain_hash;
  std::string chain_hex = HexOf(chain);
  EventEnvelope envelope;
  envelope.stream = request.stream;
  envelope.recorded_at = batch->recorded_at;
  envelope.idempotency_key = request.idempotency_key;
  for (size_t index = 0; index < count; ++index) {
    NewEvent& event = request.events[index];
    envelope.position = batch->next_position + index;
    envelope.version = version + 1 + static_cast<uint32_t>(index);
    envelope.type = std::move(event.type);
    envelope.schema = event.schema;
    envelope.occurred_at = event.occurred_at;
    envelope.actor = std::move(event.actor);
    envelope.correlation_id = std::move(event.correlation_id);
    envelope.causation_id = std::move(event.causation_id);
    envelope.data = std::move(event.data);
    envelope.prev_hash = std::move(chain_hex);
    std::string bytes = EncodeEnvelopeForHash(envelope);
    chain = ChainHash(chain, bytes);
    chain_hex = HexOf(chain);
    AppendHashMember(&bytes, chain_hex);
    if (bytes.size() > kEventBytesMax) {
      return AppendOutcome{
          ResourceExhausted("event " + std::to_string(index) + " is " +
                            std::to_string(bytes.size()) + " bytes encoded, over kEventBytesMax"),
          {},
          version};
    }
    encoded.push_back(std::move(bytes));
  }
  const uint64_t first_position = batch->next_position;
  for (size_t index = 0; index < count; ++index) {
    const std::string position_key = EventKey(first_position + index);
    batch->write_batch.Put(events, position_key, encoded[index]);
    batch->stream_entries.emplace_back(StreamKey(request.stream, version + 1 + index),
                                       position_key);
  }
  AppendResult result{request.stream,
                      version + 1,
                      version + static_cast<uint32_t>(count),
                      first_position,
                      first_position + count - 1,
                      false};
  if (!request.idempotency_key.empty()) {
    batch->idempotency_entries.emplace_back(
        request.idempotency_key, EncodeIdempotencyRecord({first_position, result.first_version,
                                                          static_cast<uint32_t>(count),
                                                          request.stream}));
    batch->idempotency[request.idempotency_key] = result;
  }
  batch->heads[request.stream] = result.last_version;
  batch->next_position += count;
  batch->chain_hash = chain;
  batch->events_written += count;
  batch->outcome_needs_write = true;
  const uint32_t last_version = result.last_version;
  return AppendOutcome{Status::Ok(), std::move(result), last_version};
}

}  // namespace yiwang
