// Opening and closing the event store: column families, meta checks, chain head recovery.
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "eventstore/internal/rocksdb_setup.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

void InvariantFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "yiwang event store invariant violated at %s:%d: %s\n", file, line,
               condition);
  std::abort();
}

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLoss(std::move(message));
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() ||
      status.IsNoSpace()) {
    return Unavailable(std::move(message));
  }
  if (status.IsInvalidArgument() || status.IsNotFound() || status.IsNotSupported()) {
    return FailedPrecondition(std::move(message));
  }
  return Internal(std::move(message));
}

namespace {

Timestamp SystemClock() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()};
}

Status ValidateOptions(const EventStoreOptions& options) {
  if (options.path.empty()) return InvalidArgument("event store path is empty", "path");
  if (options.pending_appends_max == 0 || options.batch_events_max < kAppendEventsMax ||
      options.batch_bytes_max < kEventBytesMax || options.head_cache_streams_max == 0) {
    return InvalidArgument("event store limits too small to hold one maximal append");
  }
  return Status::Ok();
}

// A RocksDB directory with other column families is something else's database: do not add ours.
Status CheckFamilies(const std::string& path) {
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &existing).ok()) {
    return Status::Ok();  // nothing there yet
  }
  std::vector<std::string> ours;
  for (const auto& family : LogFamilies()) ours.push_back(family.name);
  for (const std::string& name : existing) {
    if (std::find(ours.begin(), ours.end(), name) == ours.end()) {
      return FailedPrecondition(path +
                                " is a RocksDB database but not a yiwang event log "
                                "(column family '" +
                                name + "')");
    }
  }
  return Status::Ok();
}

}  // namespace

EventStore::Impl::~Impl() {
  StopWriter();
  if (db == nullptr) return;
  // Persist the memtables: the next open (a restart, `yiwang replay`, `export`) then reads files
  // instead of replaying up to a memtable's worth of WAL (seconds for a large log).
  if (!options.read_only) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db->Flush(flush, handles).PermitUncheckedError();  // the WAL still has it if this fails
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();  // nothing to do about a failed close at teardown
}

Status EventStore::Impl::OpenDatabase() {
  rocksdb::DBOptions db_options = LogDbOptions();
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = LogFamilies();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status;
  if (options.read_only) {
    db_options.create_if_missing = false;
    status = rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw);
  } else {
    YIWANG_RETURN_IF_ERROR(CheckFamilies(options.path));
    status = rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  }
  if (!status.ok()) return FromRocks(status, "cannot open event log " + options.path);
  db.reset(raw);
  events = handles[0];
  streams = handles[1];
  heads = handles[2];
  idempotency = handles[3];
  meta = handles[4];
  return Status::Ok();
}

Status EventStore::Impl::LoadMeta() {
  const rocksdb::ReadOptions read;
  std::string value;
  rocksdb::Status status = db->Get(read, meta, kMetaFormatVersionKey, &value);
  std::unique_ptr<rocksdb::Iterator> last(db->NewIterator(read, events));
  last->SeekToLast();
  if (status.IsNotFound()) {
    if (options.read_only || last->Valid()) {
      return FailedPrecondition(options.path + " has no event log format version");
    }
    // A new log: record the format, an empty chain and the reserved Kafka cursor.
    rocksdb::WriteBatch batch;
    std::string format;
    PutBigEndian32(&format, kFormatVersion);
    batch.Put(meta, kMetaFormatVersionKey, format);
    batch.Put(meta, kMetaChainHeadKey, EncodeChainHead(0, Hash256{}));
    batch.Put(meta, kMetaKafkaCursorKey, EventKey(0));
    rocksdb::WriteOptions write;
    write.sync = true;
    status = db->Write(write, &batch);
    if (!status.ok()) return FromRocks(status, "cannot initialise event log");
    return Status::Ok();
  }
  if (!status.ok()) return FromRocks(status, "cannot read format version");
  if (value.size() != 4 || GetBigEndian32(value) != kFormatVersion) {
    // Built step by step: GCC 12 at -O3 reports a -Wrestrict false positive for the one-line
    // concatenation of a conditional temporary.
    std::string message = options.path + ": unknown event log format version";
    if (value.size() == 4) message.append(" ").append(std::to_string(GetBigEndian32(value)));
    return FailedPrecondition(std::move(message));
  }
  status = db->Get(read, meta, kMetaChainHeadKey, &value);
  if (!status.ok()) return FromRocks(status, "cannot read chain head");
  if (value.size() != 8 + kHashBytes) return DataLoss("chain head in meta is malformed");
  const uint64_t head_position = GetBigEndian64(value);
  Hash256 head_hash;
  std::copy(value.begin() + 8, value.end(), head_hash.begin());
  if (!last->status().ok()) return FromRocks(last->status(), "cannot read last event");
  const uint64_t last_position =
      last->Valid() ? ParseEventKey(last->key().ToStringView()).value_or(0) : 0;
  if (last_position != head_position) {
    return DataLoss("chain head in meta is at position " + std::to_string(head_position) +
                    " but the last stored event is at " + std::to_string(last_position));
  }
  status = db->Get(read, meta, kMetaReplicaKey, &value);
  if (!status.ok() && !status.IsNotFound()) return FromRocks(status, "cannot read replica flag");
  replica_ = status.ok();
  is_replica.store(replica_);
  next_position_ = head_position + 1;
  chain_hash_ = head_hash;
  std::lock_guard<std::mutex> lock(commit_mutex);
  committed_position.store(head_position);
  committed_hash = head_hash;
  return Status::Ok();
}

Result<std::unique_ptr<EventStore>> EventStore::Open(const EventStoreOptions& options) {
  YIWANG_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!impl->options.clock) impl->options.clock = SystemClock;
  YIWANG_RETURN_IF_ERROR(impl->OpenDatabase());
  YIWANG_RETURN_IF_ERROR(impl->LoadMeta());
  if (options.read_only) {
    impl->StopWriter();  // no writer: appends fail at once, subscribers see a closed store
  } else {
    impl->StartWriter();
  }
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

}  // namespace yiwang
