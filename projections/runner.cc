#include "projections/runner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "projections/internal/decoded_event.h"

namespace yiwang::projections {

namespace internal {

namespace {

// The typed data of a case event into *out; false when it does not decode.
bool DecodeCaseData(const EnvelopeView& event, std::optional<RecordedCaseEvent>* out,
                    Status* error) {
  if (!out->has_value()) out->emplace();
  RecordedCaseEvent& recorded = **out;
  *error = DecodeEventDataInto(event.type, event.schema, event.data, &recorded.event);
  if (!error->ok()) return false;
  recorded.version = event.version;
  recorded.occurred_at = event.occurred_at;
  recorded.actor = event.actor;  // views what the envelope views
  return true;
}

bool IsCaseEvent(const EnvelopeView& event) {
  return event.stream.starts_with(kCaseStreamPrefix) && IsCaseEventType(event.type);
}

}  // namespace

Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out) {
  Status error;
  // The fast path: a canonical envelope of a case event, viewed where it is stored, whose data
  // DecodeEventData then parses strictly (see DecodeCanonicalEnvelopeView). Anything else, and
  // any error, takes the parser.
  if (DecodeCanonicalEnvelopeView(bytes, &out->view_) && out->view_.position == position &&
      IsCaseEvent(out->view_) && DecodeCaseData(out->view_, &out->recorded_, &error)) {
    return Status::Ok();
  }
  if (out->owned_ == nullptr) out->owned_ = std::make_unique<EventEnvelope>();
  Status decoded = DecodeEnvelopeInto(bytes, out->owned_.get());
  out->view_ = EnvelopeView(*out->owned_);
  if (!decoded.ok()) {
    return DataLoss("runner: event " + std::to_string(position) +
                    " does not decode: " + decoded.message());
  }
  const EnvelopeView& event = out->view_;
  if (event.position != position) {
    return DataLoss("runner: event stored at " + std::to_string(position) + " says position " +
                    std::to_string(event.position));
  }
  if (!IsCaseEvent(event)) {
    out->recorded_.reset();
    return Status::Ok();
  }
  if (!DecodeCaseData(event, &out->recorded_, &error)) {
    return DataLoss("runner: case event " + std::to_string(position) +
                    " does not decode: " + error.message());
  }
  return Status::Ok();
}

}  // namespace internal

using internal::DecodedEvent;
using internal::DecodeStored;

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
  stop_requested_ = false;
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
    stop_requested_ = true;
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
    if (Status caught_up = CatchUpInBulkIfBehind(); !caught_up.ok()) {
      if (caught_up.code() != StatusCode::kAborted || !stop_requested_.load()) {
        Fail(std::move(caught_up));
      }
      return;
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

Status ProjectionRunner::CatchUpInBulkIfBehind() {
  const uint64_t head = store_->HeadPosition();
  if (bulk_catch_up_events_min_ == 0 || head < position() + bulk_catch_up_events_min_) {
    return Status::Ok();
  }
  bulk_catch_ups_.fetch_add(1);
  CatchUpOptions options;
  options.bulk = true;
  options.stop = &stop_requested_;
  YIWANG_RETURN_IF_ERROR(BulkCatchUp(options));
  // Follow on from where the catch-up ended (the subscription was still at the old position).
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return Aborted("runner: stopped");
  subscription_ = store_->Subscribe(position_ + 1);
  return Status::Ok();
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

Status ProjectionRunner::ApplyTo(size_t index, const ProjectedEvent& event, ReadBatch* batch) {
  if (event.envelope.position <= checkpoints_[index]) return Status::Ok();
  Status status = projections_[index]->Apply(event, batch);
  if (status.ok()) return status;
  return Status(status.code(),
                std::string(projections_[index]->name()) + " at position " +
                    std::to_string(event.envelope.position) + ": " + status.message(),
                status.field());
}

Status ProjectionRunner::FlushTo(size_t index, ReadBatch* batch) {
  Status status = projections_[index]->Flush(batch);
  if (status.ok()) return status;
  return Status(status.code(), std::string(projections_[index]->name()) + ": " + status.message(),
                status.field());
}

Status ProjectionRunner::Stage(const ProjectedEvent& event, ReadBatch* batch) {
  for (size_t index = 0; index < projections_.size(); ++index) {
    Status status = ApplyTo(index, event, batch);
    if (!status.ok()) {
      for (Projection* projection : projections_) projection->Discard();
      return status;
    }
  }
  return Status::Ok();
}

Status ProjectionRunner::ApplyBatch(const std::vector<StoredEvent>& events) {
  if (events.empty()) return Status::Ok();
  std::unique_ptr<ReadBatch> batch = read_store_->NewBatch();
  DecodedEvent decoded;
  internal::CaseSlotter slots;  // this batch's
  for (const StoredEvent& stored : events) {
    Status status = DecodeStored(stored.position, stored.bytes, &decoded);
    if (!status.ok()) {
      for (Projection* projection : projections_) projection->Discard();
      return status;
    }
    decoded.NumberCase(&slots);
    YIWANG_RETURN_IF_ERROR(Stage(decoded.view(), batch.get()));
  }
  return CommitBatch(batch.get(), events.back().position, ReadStore::CommitOptions{});
}

Status ProjectionRunner::CommitBatch(ReadBatch* batch, uint64_t last,
                                     const ReadStore::CommitOptions& options) {
  for (size_t index = 0; index < projections_.size(); ++index) {
    Status flushed = FlushTo(index, batch);
    if (!flushed.ok()) {
      for (Projection* projection : projections_) projection->Discard();
      return flushed;
    }
  }
  return CommitStaged({batch}, last, options);
}

Status ProjectionRunner::CommitStaged(const std::vector<ReadBatch*>& batches, uint64_t last,
                                      const ReadStore::CommitOptions& options, bool notify) {
  // The checkpoints in a batch of their own: replay's threads may still read the others.
  std::unique_ptr<ReadBatch> checkpoints = read_store_->NewBatch();
  for (size_t index = 0; index < projections_.size(); ++index) {
    checkpoints_[index] = std::max(checkpoints_[index], last);
    checkpoints->SetCheckpoint(projections_[index]->name(), checkpoints_[index]);
  }
  std::vector<ReadBatch*> all = batches;
  all.push_back(checkpoints.get());
  Status status = read_store_->Commit(all, options);
  if (!status.ok()) {
    if (notify) {
      for (Projection* projection : projections_) projection->Discard();
    }
    return status;
  }
  if (notify) {
    for (Projection* projection : projections_) projection->Committed();
  }
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
