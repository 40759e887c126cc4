#include "projections/runner.h"

#include <algorithm>
#include <utility>

namespace yiwang::projections {

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
      position_(*std::min_element(checkpoints_.begin(), checkpoints_.end())) {}

ProjectionRunner::~ProjectionRunner() { Stop(); }

Status ProjectionRunner::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || !status_.ok()) {
    return FailedPrecondition("runner: already started or stopped by an error");
  }
  stopping_ = false;
  subscription_ = store_->Subscribe(position_ + 1);
  thread_ = std::thread([this] { Run(); });
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

Status ProjectionRunner::CatchUp() {
  if (thread_.joinable()) return FailedPrecondition("runner: CatchUp while started");
  YIWANG_RETURN_IF_ERROR(status());
  const uint64_t head = store_->HeadPosition();
  std::unique_ptr<Subscription> subscription = store_->Subscribe(position() + 1);
  while (position() < head) {
    Result<std::vector<StoredEvent>> events =
        subscription->Poll(kRunnerBatchEventsMax, std::chrono::milliseconds(0));
    Status status = events.ok() ? ApplyBatch(*events) : events.status();
    if (!status.ok()) {
      Fail(status);
      return status;
    }
    if (events->empty()) break;
  }
  return Status::Ok();
}

Status ProjectionRunner::ApplyBatch(const std::vector<StoredEvent>& events) {
  if (events.empty()) return Status::Ok();
  std::unique_ptr<ReadBatch> batch = read_store_->NewBatch();
  for (const StoredEvent& stored : events) {
    Result<EventEnvelope> envelope = DecodeEnvelope(stored.bytes);
    if (!envelope.ok()) {
      return DataLoss("runner: event " + std::to_string(stored.position) +
                      " does not decode: " + envelope.status().message());
    }
    for (size_t index = 0; index < projections_.size(); ++index) {
      if (stored.position <= checkpoints_[index]) continue;
      Status status = projections_[index]->Apply(*envelope, batch.get());
      if (!status.ok()) {
        for (Projection* projection : projections_) projection->Discard();
        return Status(status.code(),
                      std::string(projections_[index]->name()) + " at position " +
                          std::to_string(stored.position) + ": " + status.message(),
                      status.field());
      }
    }
  }
  const uint64_t last = events.back().position;
  for (size_t index = 0; index < projections_.size(); ++index) {
    checkpoints_[index] = std::max(checkpoints_[index], last);
    batch->SetCheckpoint(projections_[index]->name(), checkpoints_[index]);
  }
  Status status = read_store_->Commit(batch.get());
  if (!status.ok()) {
    for (Projection* projection : projections_) projection->Discard();
    return status;
  }
  for (Projection* projection : projections_) projection->Committed();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    position_ = *std::min_element(checkpoints_.begin(), checkpoints_.end());
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
