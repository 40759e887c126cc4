// VerifyChain: recomputes the hash chain of the stored log and cross-checks the indexes.
#include <rocksdb/db.h>

#include "eventstore/internal/sha256.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

namespace {

// Distinguishes "the scan found a problem" (already in the report) from an I/O error.
constexpr std::string_view kFoundProblem = "verify found a problem";

class ChainChecker {
 public:
  ChainChecker(const EventStore::Impl& store, VerifyReport* report, Hash256 prev_hash)
      : store_(store), report_(report), prev_hash_(prev_hash) {}

  // Checks one stored event; on a problem records it in the report and returns kAborted.
  Status Check(uint64_t key_position, std::string_view bytes) {
    if (key_position != expected_position_) {
      return Problem(expected_position_, "event missing (gap): the next stored event is at " +
                                             std::to_string(key_position));
    }
    if (key_position > report_->head_position) {
      return Problem(key_position, "event lies beyond the chain head recorded in meta");
    }
    Result<EventEnvelope> decoded = DecodeEnvelope(bytes);
    if (!decoded.ok()) return Problem(key_position, decoded.status().message());
    const EventEnvelope& event = *decoded;
    if (event.position != key_position) {
      return Problem(key_position, "envelope says position " + std::to_string(event.position));
    }
    if (event.prev_hash != HexOf(prev_hash_)) {
      return Problem(key_position, "prev_hash does not link to the previous event's hash");
    }
    Result<std::string_view> prefix = PrefixBeforeHashMember(bytes);
    if (!prefix.ok()) return Problem(key_position, prefix.status().message());
    const Hash256 computed = ChainHash(prev_hash_, *prefix, "}");
    if (HexOf(computed) != event.hash) {
      return Problem(key_position, "hash mismatch: stored " + event.hash + ", computed " +
                                       HexOf(computed) + " (the event bytes were changed)");
    }
    if (EncodeEnvelope(event) != bytes) return Problem(key_position, "bytes are not canonical");
    YIWANG_RETURN_IF_ERROR(CheckIndexes(event));
    prev_hash_ = computed;
    if (report_->events_checked == 0) report_->first_position = key_position;
    ++report_->events_checked;
    report_->last_position = key_position;
    ++expected_position_;
    return Status::Ok();
  }

  void Start(uint64_t from_position) { expected_position_ = from_position; }
  uint64_t expected_position() const { return expected_position_; }
  const Hash256& prev_hash() const { return prev_hash_; }

  Status Problem(uint64_t position, std::string message) {
    report_->ok = false;
    report_->bad_position = position;
    report_->problem = std::move(message);
    return Aborted(std::string(kFoundProblem));
  }

 private:
  // The streams and heads indexes must agree with the event (two point lookups).
  Status CheckIndexes(const EventEnvelope& event) {
    std::string value;
    rocksdb::Status status = store_.db->Get(rocksdb::ReadOptions(), store_.streams,
                                            StreamKey(event.stream, event.version), &value);
    if (!status.ok() && !status.IsNotFound()) return FromRocks(status, "reading stream index");
    if (status.IsNotFound() || value != EventKey(event.position)) {
      return Problem(event.position, "streams index does not point at this event");
    }
    Result<uint32_t> head = store_.ReadHead(event.stream);
    if (!head.ok()) return head.status();
    if (*head < event.version) {
      return Problem(event.position, "heads index says stream '" + event.stream +
                                         "' ends at version " + std::to_string(*head));
    }
    return Status::Ok();
  }

  const EventStore::Impl& store_;
  VerifyReport* report_;
  Hash256 prev_hash_;
  uint64_t expected_position_ = 1;
};

}  // namespace

Result<VerifyReport> EventStore::Impl::Verify(const VerifyOptions& options) const {
  VerifyReport report;
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta, kMetaChainHeadKey, &value);
  if (!status.ok()) return FromRocks(status, "reading chain head");
  if (value.size() != 8 + kHashBytes) return DataLoss("chain head in meta is malformed");
  report.head_position = GetBigEndian64(value);
  Hash256 head_hash;
  std::copy(value.begin() + 8, value.end(), head_hash.begin());
  report.head_hash = HexOf(head_hash);

  const uint64_t from = std::max<uint64_t>(options.from_position, 1);
  Hash256 prev_hash{};
  if (from > 1) {
    // The chain is trusted up to `from`: start from the stored hash of the event before it.
    Result<std::vector<StoredEvent>> before = ReadRange(from - 1, from - 1, 1);
    if (!before.ok()) return before.status();
    Result<EventEnvelope> decoded = before->empty() ? Result<EventEnvelope>(NotFound("missing"))
                                                    : DecodeEnvelope(before->front().bytes);
    if (!decoded.ok() || !ParseHex(decoded->hash, &prev_hash)) {
      report.ok = false;
      report.bad_position = from - 1;
      report.problem = "cannot start here: the event before the range is missing or malformed";
      return report;
    }
  }
  ChainChecker checker(*this, &report, prev_hash);
  checker.Start(from);
  const uint64_t interval = std::max<uint64_t>(options.progress_interval, 1);
  status = rocksdb::Status::OK();
  Status scanned =
      ForEach(from, options.to_position, [&](uint64_t position, std::string_view bytes) {
        YIWANG_RETURN_IF_ERROR(checker.Check(position, bytes));
        if (options.progress && report.events_checked % interval == 0) options.progress(position);
        return Status::Ok();
      });
  if (!scanned.ok()) {
    if (scanned.code() == StatusCode::kAborted && scanned.message() == kFoundProblem) return report;
    return scanned;
  }
  report.last_hash = HexOf(checker.prev_hash());
  // A range reaching the head must end exactly at the chain head recorded in meta.
  const uint64_t end = std::min(options.to_position, report.head_position);
  if (checker.expected_position() <= end) {
    (void)checker.Problem(
        checker.expected_position(),
        "event missing: the log ends at " + std::to_string(checker.expected_position() - 1) +
            " but the chain head in meta is at " + std::to_string(report.head_position));
  } else if (end == report.head_position && report.last_position == report.head_position &&
             checker.prev_hash() != head_hash) {
    (void)checker.Problem(report.head_position, "hash differs from the chain head in meta");
  }
  return report;
}

Result<VerifyReport> VerifyChain(const std::string& path, const VerifyOptions& options) {
  EventStoreOptions store_options;
  store_options.path = path;
  store_options.read_only = true;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  return (*store)->Verify(options);
}

}  // namespace yiwang
