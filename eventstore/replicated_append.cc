// Replicated appends (yiwang import): events copied verbatim from another node's log, keeping
// their positions, versions and hashes (protocol in eventstore/README.md, "Replication").
#include <simdjson.h>

#include <charconv>
#include <future>
#include <unordered_map>

#include "eventstore/internal/batch.h"
#include "eventstore/internal/copied_event.h"
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

// Nesting of `data` the fast path follows; deeper data (never written by yiwang) is decoded in
// full instead, whose parser allows more.
constexpr int kScanDataDepthMax = 64;
// Digits of the largest uint64_t.
constexpr size_t kUint64DigitsMax = 20;
// "2026-11-27T09:31:05.123Z": the only form FormatTimestamp writes.
constexpr size_t kCanonicalTimestampBytes = 24;

// A cursor over canonical envelope bytes. Every method consumes what it accepts and returns
// false on anything else; the scan then gives up (the full decoder decides).
class CanonicalScanner {
 public:
  explicit CanonicalScanner(std::string_view bytes) : bytes_(bytes) {}

  bool AtEnd() const { return at_ == bytes_.size(); }
  bool Literal(std::string_view literal) {
    if (bytes_.compare(at_, literal.size(), literal) != 0) return false;
    at_ += literal.size();
    return true;
  }
  bool Peek(std::string_view literal) const {
    return bytes_.compare(at_, literal.size(), literal) == 0;
  }

  // A decimal as to_chars writes it: no sign, no leading zero, 1..max.
  bool Unsigned(uint64_t max, uint64_t* value) {
    const size_t start = at_;
    while (at_ < bytes_.size() && IsDigit(bytes_[at_])) ++at_;
    const size_t digits = at_ - start;
    if (digits == 0 || digits > kUint64DigitsMax || bytes_[start] == '0') return false;
    const auto [end, error] = std::from_chars(bytes_.data() + start, bytes_.data() + at_, *value);
    return error == std::errc() && end == bytes_.data() + at_ && *value <= max;
  }

  // A string without escapes or control characters: its JSON text is its value.
  bool PlainString(std::string_view* value) {
    if (!Literal("\"")) return false;
    const size_t start = at_;
    for (; at_ < bytes_.size(); ++at_) {
      const unsigned char byte = static_cast<unsigned char>(bytes_[at_]);
      if (byte == '"') break;
      if (byte < 0x20 || byte == '\\') return false;
    }
    if (at_ == bytes_.size()) return false;
    *value = bytes_.substr(start, at_ - start);
    ++at_;
    return true;
  }

  bool CanonicalTimestamp() {
    std::string_view text;
    return PlainString(&text) && text.size() == kCanonicalTimestampBytes && text[19] == '.' &&
           ParseTimestamp(text).ok();
  }

  // `"name":"value"` with a non-empty value after `comma` bytes (0 or 1: a ','), or nothing
  // (canonical form omits empty strings).
  bool OptionalString(std::string_view member, std::string_view* value, size_t comma = 0) {
    if (at_ + comma > bytes_.size() || bytes_.compare(at_ + comma, member.size(), member) != 0) {
      return true;
    }
    at_ += comma + member.size();
    return PlainString(value) && !value->empty();
  }

  // A strictly valid JSON value without whitespace.
  bool Value(int depth) {
    if (at_ == bytes_.size()) return false;
    switch (bytes_[at_]) {
      case '{':
        return depth < kScanDataDepthMax && Object(depth + 1);
      case '[':
        return depth < kScanDataDepthMax && Array(depth + 1);
      case '"':
        return JsonString();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Object(int depth) {
    if (!Literal("{")) return false;
    if (Literal("}")) return true;
    do {
      if (!JsonString() || !Literal(":") || !Value(depth)) return false;
    } while (Literal(","));
    return Literal("}");
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsHexDigit(char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool Array(int depth) {
    if (!Literal("[")) return false;
    if (Literal("]")) return true;
    do {
      if (!Value(depth)) return false;
    } while (Literal(","));
    return Literal("]");
  }

  bool JsonString() {
    if (!Literal("\"")) return false;
    while (at_ < bytes_.size()) {
      const unsigned char byte = static_cast<unsigned char>(bytes_[at_++]);
      if (byte == '"') return true;
      if (byte < 0x20) return false;
      if (byte != '\\') continue;
      if (at_ == bytes_.size()) return false;
      const char escaped = bytes_[at_++];
      if (escaped == 'u') {
        for (int digit = 0; digit < 4; ++digit) {
          if (at_ == bytes_.size() || !IsHexDigit(bytes_[at_++])) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(escaped) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  bool Digits() {
    const size_t start = at_;
    while (at_ < bytes_.size() && IsDigit(bytes_[at_])) ++at_;
    return at_ > start;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number() {
    Literal("-");
    if (Literal("0")) {
      if (at_ < bytes_.size() && IsDigit(bytes_[at_])) return false;
    } else if (!Digits()) {
      return false;
    }
    if (Literal(".") && !Digits()) return false;
    if (Literal("e") || Literal("E")) {
      if (!Literal("+")) Literal("-");
      if (!Digits()) return false;
    }
    return true;
  }

  std::string_view bytes_;
  size_t at_ = 0;
};

// The envelope's members in canonical order (domain/envelope.h).
bool ScanMembers(CanonicalScanner& scan, CopiedEventFields* fields) {
  uint64_t version = 0;
  uint64_t schema = 0;
  std::string_view type, correlation_id, causation_id;
  if (!scan.Literal("{\"position\":") || !scan.Unsigned(UINT64_MAX, &fields->position) ||
      !scan.Literal(",\"stream\":") || !scan.PlainString(&fields->stream) ||
      fields->stream.empty() || fields->stream.size() > kStreamIdBytesMax ||
      !scan.Literal(",\"version\":") || !scan.Unsigned(UINT32_MAX, &version) ||
      !scan.Literal(",\"type\":") || !scan.PlainString(&type) || !scan.Literal(",\"schema\":") ||
      !scan.Unsigned(kEnvelopeSchemaMax, &schema) || !scan.Literal(",\"occurred_at\":") ||
      !scan.CanonicalTimestamp() || !scan.Literal(",\"recorded_at\":") ||
      !scan.CanonicalTimestamp() || !scan.Literal(",\"actor\":{")) {
    return false;
  }
  fields->version = static_cast<uint32_t>(version);
  // The actor's members, each optional, in this order; a comma before all but the first present.
  static constexpr std::string_view kActorMembers[] = {
      "\"id\":", "\"role\":", "\"department\":", "\"channel\":", "\"outlet\":"};
  bool first = true;
  for (std::string_view member : kActorMembers) {
    std::string_view value;
    if (!first && !scan.Peek(",")) break;  // no further member
    const size_t comma = first ? 0 : 1;
    if (!scan.OptionalString(member, &value, comma)) return false;
    first = first && value.empty();
  }
  return scan.Literal("}") && scan.OptionalString(",\"correlation_id\":", &correlation_id) &&
         scan.OptionalString(",\"causation_id\":", &causation_id) &&
         scan.OptionalString(",\"idempotency_key\":", &fields->idempotency_key) &&
         scan.Literal(",\"data\":") && scan.Object(1) && scan.Literal(",\"prev_hash\":") &&
         scan.PlainString(&fields->prev_hash) && scan.Literal(",\"hash\":") &&
         scan.PlainString(&fields->hash) && scan.Literal("}") && scan.AtEnd();
}

// Checks what an event says about itself, whatever the local log holds: it is a canonical
// envelope, where the source said, and its hash recomputes from its prev_hash. Runs on the
// caller's thread, so the writer only has to check the links.
Result<ReplicatedEvent> CheckCopied(StoredEvent& stored) {
  const uint64_t position = stored.position;
  EventEnvelope scratch;  // holds the members when the bytes had to be decoded in full
  Result<CopiedEventFields> fields = ReadCopiedEvent(stored.bytes, &scratch);
  if (!fields.ok()) return DataLoss(At(position) + fields.status().message());
  if (fields->position != position) {
    return DataLoss(At(position) + "its envelope says position " +
                    std::to_string(fields->position));
  }
  if (!IsStreamId(fields->stream) || fields->version == 0 ||
      fields->idempotency_key.size() > kIdempotencyKeyBytesMax) {
    return DataLoss(At(position) + "stream id, version or idempotency key out of range");
  }
  ReplicatedEvent checked;
  Result<std::string_view> prefix = PrefixBeforeHashMember(stored.bytes);
  if (!prefix.ok() || !ParseHex(fields->prev_hash, &checked.prev_hash) ||
      !ParseHex(fields->hash, &checked.hash)) {
    return DataLoss(At(position) + "malformed prev_hash or hash");
  }
  const Hash256 computed = ChainHash(checked.prev_hash, *prefix, "}");
  if (computed != checked.hash) {
    return DataLoss(At(position) + "hash does not recompute: stored " + std::string(fields->hash) +
                    ", computed " + HexOf(computed) + " (the event bytes were changed)");
  }
  checked.position = position;
  checked.version = fields->version;
  checked.stream.assign(fields->stream);
  checked.idempotency_key.assign(fields->idempotency_key);
  checked.bytes = std::move(stored.bytes);
  return checked;
}

AppendOutcome Refused(Status status) { return AppendOutcome{std::move(status), {}, 0}; }

}  // namespace

namespace eventstore_internal {

bool ScanCanonicalEnvelope(std::string_view bytes, CopiedEventFields* fields) {
  if (bytes.size() > kEventBytesMax || !simdjson::validate_utf8(bytes)) return false;
  CanonicalScanner scan(bytes);
  return ScanMembers(scan, fields) && fields->position > 0 &&
         fields->prev_hash.size() == kHashHexLength && IsLowerHex(fields->prev_hash) &&
         fields->hash.size() == kHashHexLength && IsLowerHex(fields->hash);
}

Result<CopiedEventFields> ReadCopiedEvent(std::string_view bytes, EventEnvelope* scratch) {
  CopiedEventFields fields;
  if (ScanCanonicalEnvelope(bytes, &fields)) return fields;
  // Rare (escaped strings, or not canonical at all): the full decoder's verdict and messages.
  Result<EventEnvelope> decoded = DecodeEnvelope(bytes);
  if (!decoded.ok()) {
    return DataLoss("not a valid event envelope: " + decoded.status().message());
  }
  *scratch = std::move(decoded).value();
  if (EncodeEnvelope(*scratch) != bytes) {
    return DataLoss("bytes are not the canonical encoding of the envelope");
  }
  return CopiedEventFields{scratch->position,        scratch->version,   scratch->stream,
                           scratch->idempotency_key, scratch->prev_hash, scratch->hash};
}

}  // namespace eventstore_internal

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
  // Streams of this append → last version; the keys view the events' own stream strings.
  std::unordered_map<std::string_view, uint32_t> versions;
  versions.reserve(copied.size());
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
    auto [known, first_in_append] = versions.try_emplace(event.stream, 0);
    if (first_in_append) {
      Result<uint32_t> stored = CurrentVersion(event.stream, *batch);
      if (!stored.ok()) return Refused(stored.status());
      known->second = *stored;
    }
    if (event.version != known->second + 1) {
      return Refused(FailedPrecondition(
          At(event.position) + "version " + std::to_string(event.version) + " of stream '" +
          event.stream + "', but the local stream is at version " + std::to_string(known->second)));
    }
    known->second = event.version;
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
  for (auto& [stream, version] : versions) batch->heads[std::string(stream)] = version;
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
