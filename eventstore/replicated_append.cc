// Replicated appends (yiwang import): events copied verbatim from another node's log, keeping
// their positions, versions and hashes (protocol in eventstore/README.md, "Replication").
#include <future>
#include <unordered_map>

#include "eventstore/internal/batch.h"
#include "eventstore/internal/sha256.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

namespace {

std::string At(uint64_t position) { return "event " + std::to_string(position) + ": "; }

bool IsStreamId(std::string_view stream) {
  if (stream.empty() || stream.size() > kStreamIdBytesMax) return false;
  for (char c : stream) {
    if (static_cast<unsigned char>(c) < 0x20) return false;  // 0x00 ends a stream id in keys
  }
  return true;
}

// Checks what an event says about itself, whatever the local log holds: it decodes, its envelope
// is where the source said, its bytes are canonical and its hash recomputes from its prev_hash.
// Runs on the caller's thread, so the writer only has to check the links.
Result<ReplicatedEvent> CheckCopied(StoredEvent& stored) {
  const uint64_t position = stored.position;
  Result<EventEnvelope> decoded = DecodeEnvelope(stored.bytes);
  if (!decoded.ok()) {
    return DataLoss(At(position) + "not a valid event envelope: " + decoded.status().message());
  }
  EventEnvelope& event = *decoded;
  if (event.position != position) {
    return DataLoss(At(position) + "its envelope says position " + std::to_string(event.position));
  }
  if (!IsStreamId(event.stream) || event.version == 0 ||
      event.idempotency_key.size() > kIdempotencyKeyBytesMax) {
    return DataLoss(At(position) + "stream id, version or idempotency key out of range");
  }
  if (EncodeEnvelope(event) != stored.bytes) {
    return DataLoss(At(position) + "bytes are not the canonical encoding of the envelope");
  }
  ReplicatedEvent checked;
  Result<std::string_view> prefix = PrefixBeforeHashMember(stored.bytes);
  if (!prefix.ok() || !ParseHex(event.prev_hash, &checked.prev_hash) ||
      !ParseHex(event.hash, &checked.hash)) {
    return DataLoss(At(position) + "malformed prev_hash or hash");
  }
  if (ChainHash(checked.prev_hash, *prefix, "}") != checked.hash) {
    return DataLoss(At(position) + "hash does not recompute: stored " + event.hash + ", computed " +
                    HexOf(ChainHash(checked.prev_hash, *prefix, "}")) +
                    " (the event bytes were changed)");
  }
  checked.position = position;
  checked.version = event.version;
  checked.stream = std::move(event.stream);
  checked.idempotency_key = std::move(event.idempotency_key);
  checked.bytes = std::move(stored.bytes);
  return checked;
}

AppendOutcome Refused(Status status) { return AppendOutcome{std::move(status), {}, 0}; }

}  // namespace

void EventStore::AppendReplicatedAsync(std::vector<StoredEvent> events, AppendCallback callback) {
  if (events.empty() || events.size() > kReplicatedEventsMax) {
    callback(Refused(InvalidArgument("a replicated append holds 1.." +
                                     std::to_string(kReplicatedEventsMax) + " events, not " +
                                     std::to_string(events.size()))));
    return;
  }
  PendingAppend pending;
  pending.replicated.reserve(events.size());
  for (StoredEvent& stored : events) {
    Result<ReplicatedEvent> checked = CheckCopied(stored);
    if (!checked.ok()) {
      callback(Refused(checked.status()));
      return;
    }
    pending.data_bytes += checked->bytes.size();
    pending.replicated.push_back(std::move(checked).value());
  }
  pending.callback = std::move(callback);
  impl_->Enqueue(std::move(pending));
}

Status EventStore::AppendReplicated(std::vector<StoredEvent> events) {
  std::promise<AppendOutcome> promise;
  std::future<AppendOutcome> future = promise.get_future();
  AppendReplicatedAsync(std::move(events), [&promise](AppendOutcome outcome) {
    promise.set_value(std::move(outcome));
  });
  return future.get().status;
}

bool EventStore::IsReplica() const { return impl_->is_replica.load(); }

// The idempotency record an event with a key belongs to: events of one original append arrive
// consecutively, so a record found ending right before the event grows by it; a key never seen
// starts one. (A key on a non-adjacent event cannot come from a yiwang log; the first record
// stays, as on the origin.)
Status EventStore::Impl::GrowIdempotency(const ReplicatedEvent& event, const Batch& batch,
                                         std::unordered_map<std::string, AppendResult>* grown) {
  const std::string& key = event.idempotency_key;
  std::optional<AppendResult> found;
  if (auto mine = grown->find(key); mine != grown->end()) {
    found = mine->second;
  } else if (auto staged = batch.idempotency.find(key); staged != batch.idempotency.end()) {
    found = staged->second;
  } else if (const AppendResult* flying = FindInFlightIdempotent(key); flying != nullptr) {
    found = *flying;
  } else {
    Result<std::optional<AppendResult>> committed = FindCommittedIdempotent(key);
    if (!committed.ok()) return committed.status();
    found = std::move(committed).value();
  }
  if (!found) {
    (*grown)[key] = AppendResult{event.stream,   event.version,  event.version,
                                 event.position, event.position, false};
  } else if (found->stream == event.stream && found->last_position + 1 == event.position) {
    found->last_position = event.position;
    found->last_version = event.version;
    found->duplicate = false;
    (*grown)[key] = *found;
  }
  return Status::Ok();
}

AppendOutcome EventStore::Impl::StageReplicated(std::vector<ReplicatedEvent>& copied,
                                                Batch* batch) {
  batch->outcome_needs_write = false;
  // Check every event against the chain before touching the batch: a refused append leaves no
  // trace and the chain stays where it was.
  std::unordered_map<std::string, uint32_t> versions;   // streams of this append → last version
  std::unordered_map<std::string, AppendResult> grown;  // idempotency records of this append
  uint64_t position = batch->next_position;
  const Hash256* chain = &batch->chain_hash;
  for (const ReplicatedEvent& event : copied) {
    if (event.position != position) {
      return Refused(FailedPrecondition(At(event.position) + "does not continue the local log, " +
                                        "which ends at position " + std::to_string(position - 1)));
    }
    if (event.prev_hash != *chain) {
      return Refused(FailedPrecondition(At(event.position) +
                                        "prev_hash does not link to the local chain head " +
                                        HexOf(*chain) + " (the logs diverged)"));
    }
    uint32_t current = 0;
    if (auto known = versions.find(event.stream); known != versions.end()) {
      current = known->second;
    } else {
      Result<uint32_t> stored = CurrentVersion(event.stream, *batch);
      if (!stored.ok()) return Refused(stored.status());
      current = *stored;
    }
    if (event.version != current + 1) {
      return Refused(FailedPrecondition(
          At(event.position) + "version " + std::to_string(event.version) + " of stream '" +
          event.stream + "', but the local stream is at version " + std::to_string(current)));
    }
    versions[event.stream] = event.version;
    if (!event.idempotency_key.empty()) {
      if (Status status = GrowIdempotency(event, *batch, &grown); !status.ok()) {
        return Refused(std::move(status));
      }
    }
    chain = &event.hash;
    ++position;
  }
  const uint64_t first_position = batch->next_position;
  batch->chain_hash = *chain;
  for (ReplicatedEvent& event : copied) {
    const std::string position_key = EventKey(event.position);
    batch->stream_entries.emplace_back(StreamKey(event.stream, event.version), position_key);
    batch->write_batch.Put(events, position_key, event.bytes);
  }
  for (auto& [stream, version] : versions) batch->heads[stream] = version;
  for (auto& [key, result] : grown) {
    batch->replicated_keys.insert(key);
    batch->idempotency[key] = std::move(result);
  }
  batch->next_position = position;
  batch->events_written += copied.size();
  batch->replicated = true;
  batch->outcome_needs_write = true;
  replica_ = true;  // from here on, local appends are refused (StageAppend)
  is_replica.store(true);
  AppendResult result;
  result.first_position = first_position;
  result.last_position = position - 1;
  return AppendOutcome{Status::Ok(), std::move(result), 0};
}

void EventStore::Impl::FinishReplicated(Batch* batch) {
  for (const std::string& key : batch->replicated_keys) {
    const AppendResult& record = batch->idempotency.at(key);
    batch->idempotency_entries.emplace_back(
        key, EncodeIdempotencyRecord(
                 {record.first_position, record.first_version,
                  static_cast<uint32_t>(record.last_position - record.first_position + 1),
                  record.stream}));
  }
  batch->write_batch.Put(meta, kMetaReplicaKey, "1");
}

}  // namespace yiwang
