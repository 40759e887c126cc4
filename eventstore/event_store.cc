// EventStore's public surface: request validation, the blocking append, reads, subscriptions.
#include "eventstore/event_store.h"

#include <simdjson.h>

#include <algorithm>
#include <future>

#include "eventstore/internal/sha256.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

namespace {

constexpr size_t kEventTypeBytesMax = 128;
constexpr size_t kEventFieldBytesMax = 256;  // actor fields, correlation and causation ids

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Short identifiers: printable UTF-8, bounded.
Status CheckIdentifier(std::string_view value, size_t bytes_max, std::string field) {
  if (value.size() > bytes_max) {
    return InvalidArgument("longer than " + std::to_string(bytes_max) + " bytes", std::move(field));
  }
  if (HasControlCharacter(value) || !simdjson::validate_utf8(value.data(), value.size())) {
    return InvalidArgument("must be printable UTF-8", std::move(field));
  }
  return Status::Ok();
}

// `data` must be one JSON object, or the stored envelope would not decode.
Status CheckData(std::string_view data, const std::string& field) {
  if (data.empty() || data.front() != '{') {
    return InvalidArgument("must be a JSON object", field);
  }
  if (data.size() > kEventBytesMax) return InvalidArgument("larger than kEventBytesMax", field);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(data.data(), data.size()).get(element) != simdjson::SUCCESS ||
      !element.is_object()) {
    return InvalidArgument("must be a valid JSON object", field);
  }
  return Status::Ok();
}

Status CheckEvent(const NewEvent& event, size_t index) {
  const std::string prefix = "events[" + std::to_string(index) + "].";
  if (event.type.empty()) return InvalidArgument("event type is empty", prefix + "type");
  YIWANG_RETURN_IF_ERROR(CheckIdentifier(event.type, kEventTypeBytesMax, prefix + "type"));
  if (event.schema == 0) return InvalidArgument("schema starts at 1", prefix + "schema");
  for (const auto& [value, name] : {std::pair{&event.actor.id, "actor.id"},
                                    {&event.actor.role, "actor.role"},
                                    {&event.actor.department, "actor.department"},
                                    {&event.actor.channel, "actor.channel"},
                                    {&event.actor.outlet, "actor.outlet"},
                                    {&event.correlation_id, "correlation_id"},
                                    {&event.causation_id, "causation_id"}}) {
    YIWANG_RETURN_IF_ERROR(CheckIdentifier(*value, kEventFieldBytesMax, prefix + name));
  }
  return CheckData(event.data, prefix + "data");
}

Status CheckRequest(const AppendRequest& request) {
  if (request.stream.empty()) return InvalidArgument("stream id is empty", "stream");
  YIWANG_RETURN_IF_ERROR(CheckIdentifier(request.stream, kStreamIdBytesMax, "stream"));
  YIWANG_RETURN_IF_ERROR(
      CheckIdentifier(request.idempotency_key, kIdempotencyKeyBytesMax, "idempotency_key"));
  if (request.events.empty())
    return InvalidArgument("an append needs at least one event", "events");
  if (request.events.size() > kAppendEventsMax) {
    return InvalidArgument("more than " + std::to_string(kAppendEventsMax) + " events", "events");
  }
  for (size_t index = 0; index < request.events.size(); ++index) {
    YIWANG_RETURN_IF_ERROR(CheckEvent(request.events[index], index));
  }
  return Status::Ok();
}

Status ClosedError() { return FailedPrecondition("event store is closed"); }

}  // namespace

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventStore::~EventStore() = default;

void EventStore::Close() { impl_->StopWriter(); }

void EventStore::AppendAsync(AppendRequest request, AppendCallback callback) {
  if (Status status = CheckRequest(request); !status.ok()) {
    callback(AppendOutcome{std::move(status), {}, 0});
    return;
  }
  PendingAppend pending;
  for (const NewEvent& event : request.events) pending.data_bytes += event.data.size();
  pending.request = std::move(request);
  pending.callback = std::move(callback);
  impl_->Enqueue(std::move(pending));
}

Result<AppendResult> EventStore::Append(AppendRequest request, uint32_t* actual_version) {
  std::promise<AppendOutcome> promise;
  std::future<AppendOutcome> future = promise.get_future();
  AppendAsync(std::move(request),
              [&promise](AppendOutcome outcome) { promise.set_value(std::move(outcome)); });
  AppendOutcome outcome = future.get();
  if (actual_version != nullptr) *actual_version = outcome.actual_version;
  if (!outcome.status.ok()) return std::move(outcome.status);
  return std::move(outcome.result);
}

Result<std::vector<StoredEvent>> EventStore::Impl::ReadRange(uint64_t from_position,
                                                             uint64_t to_position,
                                                             size_t max_count) const {
  std::vector<StoredEvent> out;
  max_count = std::min(max_count, kReadEventsMax);
  Status status =
      ForEach(from_position, to_position, [&](uint64_t position, std::string_view bytes) {
        if (out.size() >= max_count) return Status(StatusCode::kOutOfRange, "enough");
        out.push_back(StoredEvent{position, std::string(bytes)});
        return Status::Ok();
      });
  if (!status.ok() && status.code() != StatusCode::kOutOfRange) return status;
  return out;
}

Status EventStore::Impl::ForEach(
    uint64_t from_position, uint64_t to_position,
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  rocksdb::ReadOptions read;
  // A long scan (replay, a replica's catch-up, verify) reads each block once: putting its
  // blocks into the block cache only evicts the ones live reads share, and cost a replay ~7 % of
  // its samples (cache inserts of blocks that were never read again). Its reads are sequential:
  // read ahead in big steps.
  if (to_position - std::min(to_position, from_position) >= kScanUncachedEventsMin) {
    read.fill_cache = false;
    read.readahead_size = kScanReadaheadBytes;
  }
  const std::string upper = EventKey(to_position == UINT64_MAX ? to_position : to_position + 1);
  const rocksdb::Slice upper_slice(upper);
  if (to_position != UINT64_MAX) read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> iterator(db->NewIterator(read, events));
  for (iterator->Seek(EventKey(std::max<uint64_t>(from_position, 1))); iterator->Valid();
       iterator->Next()) {
    const std::optional<uint64_t> position = ParseEventKey(iterator->key().ToStringView());
    if (!position) return DataLoss("malformed key in the events family");
    if (*position > to_position) break;
    YIWANG_RETURN_IF_ERROR(fn(*position, iterator->value().ToStringView()));
  }
  if (!iterator->status().ok()) return FromRocks(iterator->status(), "reading events");
  return Status::Ok();
}

Result<uint32_t> EventStore::Impl::ReadHead(std::string_view stream) const {
  std::string value;
  const rocksdb::Status status = db->Get(rocksdb::ReadOptions(), heads, stream, &value);
  if (status.IsNotFound()) return 0u;
  if (!status.ok()) return FromRocks(status, "reading stream head");
  if (value.size() != 4) return DataLoss("malformed head of stream '" + std::string(stream) + "'");
  return GetBigEndian32(value);
}

Result<std::vector<StoredEvent>> EventStore::ReadStreamRaw(std::string_view stream,
                                                           uint32_t from_version,
                                                           size_t max_count) const {
  max_count = std::min(max_count, kReadEventsMax);
  const std::string prefix = StreamPrefix(stream);
  std::vector<std::string> position_keys;
  std::unique_ptr<rocksdb::Iterator> iterator(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  for (iterator->Seek(StreamKey(stream, std::max<uint32_t>(from_version, 1)));
       iterator->Valid() && position_keys.size() < max_count; iterator->Next()) {
    if (!iterator->key().starts_with(prefix)) break;
    position_keys.push_back(iterator->value().ToString());
  }
  if (!iterator->status().ok()) return FromRocks(iterator->status(), "reading stream index");
  std::vector<StoredEvent> out;
  out.reserve(position_keys.size());
  for (const std::string& key : position_keys) {
    const std::optional<uint64_t> position = ParseEventKey(key);
    if (!position) return DataLoss("malformed position in the streams family");
    StoredEvent event{*position, {}};
    const rocksdb::Status status =
        impl_->db->Get(rocksdb::ReadOptions(), impl_->events, key, &event.bytes);
    if (!status.ok()) {
      return FromRocks(status, "event " + std::to_string(*position) + " indexed for stream '" +
                                   std::string(stream) + "'");
    }
    out.push_back(std::move(event));
  }
  return out;
}

Result<std::vector<EventEnvelope>> EventStore::ReadStream(std::string_view stream,
                                                          uint32_t from_version,
                                                          size_t max_count) const {
  Result<std::vector<StoredEvent>> raw = ReadStreamRaw(stream, from_version, max_count);
  if (!raw.ok()) return raw.status();
  std::vector<EventEnvelope> out;
  out.reserve(raw->size());
  for (const StoredEvent& stored : *raw) {
    Result<EventEnvelope> decoded = DecodeEnvelope(stored.bytes);
    if (!decoded.ok()) return decoded.status();
    out.push_back(std::move(decoded).value());
  }
  return out;
}

Result<std::vector<StoredEvent>> EventStore::ReadAll(uint64_t from_position,
                                                     size_t max_count) const {
  return impl_->ReadRange(from_position, UINT64_MAX, max_count);
}

Status EventStore::ForEach(
    uint64_t from_position, uint64_t to_position,
    const std::function<Status(uint64_t position, std::string_view bytes)>& fn) const {
  return impl_->ForEach(from_position, to_position, fn);
}

uint64_t EventStore::HeadPosition() const { return impl_->committed_position.load(); }

std::string EventStore::HeadHash() const {
  std::lock_guard<std::mutex> lock(impl_->commit_mutex);
  return HexOf(impl_->committed_hash);
}

Result<std::optional<AppendResult>> EventStore::FindIdempotent(
    std::string_view idempotency_key) const {
  return impl_->FindCommittedIdempotent(idempotency_key);
}

Result<uint32_t> EventStore::StreamVersion(std::string_view stream) const {
  return impl_->ReadHead(stream);
}

bool EventStore::WaitForCommit(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->commit_mutex);
  return impl_->commit_cv.wait_for(lock, timeout, [&] {
    return impl_->closed || impl_->committed_position.load() >= position;
  }) && impl_->committed_position.load() >= position;
}

EventStore::Stats EventStore::GetStats() const {
  Stats stats{impl_->stat_batches.load(), impl_->stat_appends.load(), impl_->stat_events.load(),
              impl_->WriterCpuNanoseconds()};
  for (size_t bucket = 0; bucket < stats.batch_events_buckets.size(); ++bucket) {
    stats.batch_events_buckets[bucket] = impl_->stat_batch_events[bucket].load();
  }
  for (size_t bucket = 0; bucket < stats.commit_latency_buckets.size(); ++bucket) {
    stats.commit_latency_buckets[bucket] = impl_->stat_commit_us[bucket].load();
  }
  stats.commit_latency_sum_us = impl_->stat_commit_us_sum.load();
  return stats;
}

Result<VerifyReport> EventStore::Verify(const VerifyOptions& options) const {
  return impl_->Verify(options);
}

std::unique_ptr<Subscription> EventStore::Subscribe(uint64_t from_position) {
  return std::unique_ptr<Subscription>(
      new Subscription(impl_.get(), std::max<uint64_t>(from_position, 1)));
}

Subscription::Subscription(EventStore::Impl* store, uint64_t from_position)
    : store_(store), next_position_(from_position) {}

Subscription::~Subscription() = default;

void Subscription::Close() {
  {
    std::lock_guard<std::mutex> lock(store_->commit_mutex);
    closed_ = true;
  }
  store_->commit_cv.notify_all();
}

Result<std::vector<StoredEvent>> Subscription::Poll(size_t max_events,
                                                    std::chrono::milliseconds wait) {
  uint64_t committed = 0;
  {
    std::unique_lock<std::mutex> lock(store_->commit_mutex);
    store_->commit_cv.wait_for(lock, wait, [&] {
      return closed_ || store_->closed || store_->committed_position.load() >= next_position_;
    });
    if (closed_) return FailedPrecondition("subscription is closed");
    committed = store_->committed_position.load();
    if (committed < next_position_) {
      if (store_->closed) return ClosedError();
      return std::vector<StoredEvent>();
    }
  }
  // Read outside the lock: the writer must never wait for a subscriber.
  Result<std::vector<StoredEvent>> events =
      store_->ReadRange(next_position_, committed, std::max<size_t>(max_events, 1));
  if (!events.ok()) return events.status();
  if (!events->empty()) {
    if (events->front().position != next_position_) {
      return DataLoss("event " + std::to_string(next_position_) + " is missing from the log");
    }
    next_position_ = events->back().position + 1;
  }
  return events;
}

}  // namespace yiwang
