#include "projections/read_store.h"

#include <pthread.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <unordered_map>
#include <utility>

#include "projections/internal/binary_codec.h"
#include "projections/internal/byte_arena.h"
#include "projections/internal/family_runs.h"
#include "projections/internal/hash_index.h"

namespace yiwang::projections {

namespace {

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  return Unavailable("read store: " + std::string(what) + ": " + status.ToString());
}

constexpr size_t kWriteBufferBytes = 64 << 20;       // per family: RocksDB's default
constexpr size_t kBulkWriteBufferBytes = 256 << 20;  // per family, replay: one flush at the end
// Under the read store's directory: the table files of a bulk commit until they are ingested.
constexpr std::string_view kBulkDirectory = "bulk";

rocksdb::Slice ToSlice(std::string_view bytes) {
  return rocksdb::Slice(bytes.data(), bytes.size());
}

// Files in level 0 of a family; 0 when RocksDB does not say. A string property, not an int one.
uint64_t Level0FilesOf(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle) {
  std::string files;
  if (!db->GetProperty(handle, "rocksdb.num-files-at-level0", &files)) return 0;
  return std::strtoull(files.c_str(), nullptr, 10);
}

}  // namespace

struct ReadStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::string path;
  // SstFileWriter's: the DB's and every family's, but uncompressed. Bulk files land in L0 and
  // are merged by the compaction that follows the load, which compresses what it writes:
  // compressing them first only added a compression and a decompression (LZ4 was ~6 % of a
  // replay's samples).
  rocksdb::Options bulk_file_options;
  rocksdb::ColumnFamilyOptions family_options;  // Open's, for a family Clear makes again
  bool bulk = false;                            // SetBulk's last word
  double memtable_bloom_ratio = 0;              // memtable_prefix_bloom_size_ratio out of bulk
  uint64_t ingested_files = 0;  // names the next bulk file
  size_t bulk_level0_files_max = kBulkLevel0FilesMax;
  std::atomic<bool> bulk_compacting{false};
  std::vector<std::string> names;                     // parallel to handles
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db

  ~Impl() {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      if (db && handle != nullptr) (void)db->DestroyColumnFamilyHandle(handle);
    }
  }

  Result<size_t> FamilyIndex(std::string_view name) const {
    for (size_t index = 0; index < names.size(); ++index) {
      if (names[index] != name) continue;
      if (handles[index] == nullptr) {
        return Unavailable("read store: family " + std::string(name) +
                           " was lost by a failed clear; reopen the store");
      }
      return index;
    }
    return InvalidArgument("read store: unknown column family " + std::string(name));
  }

  Result<rocksdb::ColumnFamilyHandle*> Family(std::string_view name) const {
    Result<size_t> index = FamilyIndex(name);
    if (!index.ok()) return index.status();
    return handles[*index];
  }

  // Every opened family's handle (Clear may have lost one).
  std::vector<rocksdb::ColumnFamilyHandle*> Opened() const {
    std::vector<rocksdb::ColumnFamilyHandle*> opened;
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      if (handle != nullptr) opened.push_back(handle);
    }
    return opened;
  }
};

// The staged writes of one batch, keyed by family index and key, last write wins: Get answers
// from here before RocksDB, and Commit writes each key once however often it was staged (a case
// touched by several events of a batch is written once). Not RocksDB's WriteBatchWithIndex:
// staging and lookups are O(1), and the memtable sees no superseded values. The entries sit in
// one vector in the order they were first staged, found through an open-addressing index of
// their hashes (a node-based hash map with a heap key per lookup was ~5 % of a replay's
// samples). Their keys and values are copied into the batch's arena (internal/byte_arena.h).
struct ReadBatch::Impl {
  struct Staged {
    std::string_view key;  // family index byte + key, in the arena
    std::string_view value;
    bool deleted = false;
    uint8_t family() const { return static_cast<uint8_t>(key[0]); }
  };

  const ReadStore::Impl* store = nullptr;
  std::vector<Staged> entries;
  internal::ByteArena arena;  // the entries' keys and values; a key staged again, rare,
                              // leaves its old value there
  size_t operations = 0;
  const Impl* earlier = nullptr;  // ReadThrough

  internal::HashIndex hash_index;  // of entries

  static uint64_t Hash(uint8_t family, std::string_view key) {
    return internal::HashBytes(key) + family * 0x9e3779b97f4a7c15ULL;
  }
  static bool Matches(std::string_view entry_key, uint8_t family, std::string_view key) {
    return entry_key.size() == key.size() + 1 && static_cast<uint8_t>(entry_key[0]) == family &&
           entry_key.substr(1) == key;
  }
  const Staged* Find(uint8_t family, std::string_view key, uint64_t hash) const {
    const int64_t found = hash_index.Find(
        hash, [&](uint32_t position) { return Matches(entries[position].key, family, key); });
    return found < 0 ? nullptr : &entries[found];
  }

  Result<uint8_t> Family(std::string_view family) const {
    Result<size_t> index = store->FamilyIndex(family);
    if (!index.ok()) return index.status();
    return static_cast<uint8_t>(*index);
  }
  // Stages the last write of (family, key): its value, or a delete.
  Status Stage(std::string_view family, std::string_view key, std::string_view value,
               bool deleted) {
    Result<uint8_t> index = Family(family);
    if (!index.ok()) return index.status();
    hash_index.Reserve(entries.size() + 1);
    const uint64_t hash = Hash(*index, key);
    internal::HashIndex::Cell& cell = hash_index.Probe(
        hash, [&](uint32_t position) { return Matches(entries[position].key, *index, key); });
    if (cell.index_plus_one == 0) {
      char* bytes = arena.Allocate(key.size() + 1);
      bytes[0] = static_cast<char>(*index);
      std::memcpy(bytes + 1, key.data(), key.size());
      cell = internal::HashIndex::Filled(hash, static_cast<uint32_t>(entries.size()));
      entries.push_back(Staged{std::string_view(bytes, key.size() + 1), {}, false});
    }
    Staged& staged = entries[cell.index_plus_one - 1];
    staged.value = deleted ? std::string_view() : arena.Copy(value);
    staged.deleted = deleted;
    ++operations;
    return Status::Ok();
  }
};

// ReadStore::Commit with `ingest`: a table file per family, written side by side by up to
// kBulkWriteThreadsMax threads (this one included), then all ingested at once. Writing a file
// ends with its fdatasync (SstFileWriter::Finish), 30-40 ms for a replay batch's progress file on
// this machine's disk, and the families' files were written one after the other: the last batches
// of a replay, written while nothing else runs, had the second core idle and the syncs in series.
template <typename StoreImpl, typename Runs>
Status IngestRuns(StoreImpl* impl, Runs* runs) {
  const std::string directory = impl->path + "/" + std::string(kBulkDirectory);
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return Unavailable("read store: create " + directory + ": " + error.message());
  std::vector<size_t> families;  // the largest first, so that the last to start is short
  for (size_t family = 0; family < runs->runs.size(); ++family) {
    if (!runs->runs[family].empty()) families.push_back(family);
  }
  std::stable_sort(families.begin(), families.end(), [&](size_t left, size_t right) {
    return runs->runs[left].size() > runs->runs[right].size();
  });
  std::vector<rocksdb::IngestExternalFileArg> files(families.size());
  for (size_t at = 0; at < families.size(); ++at) {
    files[at].column_family = impl->handles[families[at]];
    files[at].external_files = {directory + "/" + std::to_string(++impl->ingested_files) + ".sst"};
    files[at].options.move_files = true;
  }
  std::vector<rocksdb::Status> written(families.size());
  std::atomic<size_t> next{0};
  auto write_files = [&] {
    for (size_t at = next++; at < families.size(); at = next++) {
      auto& run = runs->runs[families[at]];
      Runs::Sort(&run);
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), impl->bulk_file_options,
                                    files[at].column_family);
      rocksdb::Status status = writer.Open(files[at].external_files.front());
      if (status.ok()) {
        status = Runs::ForEachLast(run, [&](std::string_view key, const auto& entry) {
          return entry.deleted ? writer.Delete(ToSlice(key))
                               : writer.Put(ToSlice(key), ToSlice(entry.value));
        });
      }
      if (status.ok()) status = writer.Finish();
      written[at] = status;
    }
  };
  std::vector<std::thread> helpers;
  for (size_t helper = 1; helper < std::min(families.size(), kBulkWriteThreadsMax); ++helper) {
    helpers.emplace_back([&] {
      pthread_setname_np(pthread_self(), "bulk-write");  // for top -H and perf
      write_files();
    });
  }
  write_files();
  for (std::thread& helper : helpers) helper.join();
  auto remove_files = [&files] {
    for (const rocksdb::IngestExternalFileArg& file : files) {
      std::error_code ignored;
      std::filesystem::remove(file.external_files.front(), ignored);
    }
  };
  for (const rocksdb::Status& status : written) {
    if (!status.ok()) {
      remove_files();
      return FromRocks(status, "write bulk file");
    }
  }
  // Atomic across the families, as one WriteBatch would be.
  const rocksdb::Status status = impl->db->IngestExternalFiles(files);
  if (!status.ok()) {
    remove_files();
    return FromRocks(status, "ingest bulk files");
  }
  if (impl->bulk_compacting) return Status::Ok();
  for (const rocksdb::IngestExternalFileArg& file : files) {
    if (Level0FilesOf(impl->db.get(), file.column_family) <= impl->bulk_level0_files_max) {
      continue;
    }
    for (rocksdb::ColumnFamilyHandle* handle : impl->Opened()) {
      YIWANG_RETURN_IF_ERROR(FromRocks(
          impl->db->SetOptions(handle, {{"disable_auto_compactions", "false"}}), "set options"));
    }
    impl->bulk_compacting = true;
    break;
  }
  return Status::Ok();
}

ReadBatch::ReadBatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadBatch::~ReadBatch() = default;

Status ReadBatch::Put(std::string_view family, std::string_view key, std::string_view value) {
  return impl_->Stage(family, key, value, /*deleted=*/false);
}

Status ReadBatch::Delete(std::string_view family, std::string_view key) {
  return impl_->Stage(family, key, {}, /*deleted=*/true);
}

Result<std::optional<std::string>> ReadBatch::Get(std::string_view family,
                                                  std::string_view key) const {
  Result<uint8_t> index = impl_->Family(family);
  if (!index.ok()) return index.status();
  const uint64_t hash = Impl::Hash(*index, key);
  for (const Impl* batch = impl_.get(); batch != nullptr; batch = batch->earlier) {
    const Impl::Staged* staged = batch->Find(*index, key, hash);
    if (staged == nullptr) continue;
    if (staged->deleted) return std::optional<std::string>();
    return std::optional<std::string>(staged->value);
  }
  std::string value;
  const rocksdb::Status status =
      impl_->store->db->Get(rocksdb::ReadOptions(), impl_->store->handles[*index], key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  YIWANG_RETURN_IF_ERROR(FromRocks(status, "batch get"));
  return std::optional<std::string>(std::move(value));
}

void ReadBatch::SetCheckpoint(std::string_view projection, uint64_t position) {
  // The checkpoints family is always opened (ReadStore::Open adds it).
  (void)impl_->Stage(kCheckpointsFamily, projection, internal::BigEndian(position),
                     /*deleted=*/false);
}

void ReadBatch::ReadThrough(const ReadBatch* earlier) {
  impl_->earlier = earlier == nullptr ? nullptr : earlier->impl_.get();
}

size_t ReadBatch::count() const { return impl_->operations; }

ReadStore::ReadStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadStore::~ReadStore() = default;

Result<std::unique_ptr<ReadStore>> ReadStore::Open(const ReadStoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // Bulk commits skip the WAL; atomic flushes keep the families at one batch boundary.
  db_options.atomic_flush = true;
  rocksdb::ColumnFamilyOptions family_options;
  family_options.compression = rocksdb::kLZ4Compression;
  family_options.OptimizeForPointLookup(64);  // block cache in MiB; bloom filters
  // A rebuild opens in bulk mode's shape, so that its SetBulk(true) changes nothing.
  family_options.write_buffer_size =
      options.compaction_at_open ? kWriteBufferBytes : kBulkWriteBufferBytes;
  family_options.disable_auto_compactions = !options.compaction_at_open;
  // Bulk mode has no memtable bloom filter: each memtable allocates and clears one sized by
  // write_buffer_size (5 MiB of the 256), 13 of them in a replay (~50M instructions and 65 MiB
  // of page faults at open), for memtables that ingested commits leave empty.
  const double memtable_bloom_ratio = family_options.memtable_prefix_bloom_size_ratio;
  if (!options.compaction_at_open) family_options.memtable_prefix_bloom_size_ratio = 0;
  // XXH3 block checksums: Debian's RocksDB computes CRC32C without the CPU instruction, which
  // cost replay more than compressing the blocks did.
  if (auto* table = family_options.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>()) {
    table->checksum = rocksdb::kXXH3;
  }

  // Table files of a bulk commit that a crash left before their ingestion: never part of the
  // store (the commit did not happen), so they go.
  std::error_code ignored;
  std::filesystem::remove_all(options.path + "/" + std::string(kBulkDirectory), ignored);
  auto impl = std::make_unique<Impl>();
  impl->memtable_bloom_ratio = memtable_bloom_ratio;
  impl->path = options.path;
  impl->bulk_level0_files_max = options.bulk_level0_files_max;
  impl->bulk_file_options = rocksdb::Options(db_options, family_options);
  impl->family_options = family_options;
  impl->bulk_file_options.compression = rocksdb::kNoCompression;
  impl->names = {std::string(rocksdb::kDefaultColumnFamilyName), std::string(kCheckpointsFamily)};
  for (const std::string& family : options.families) {
    if (family.empty() || family == kCheckpointsFamily ||
        family == rocksdb::kDefaultColumnFamilyName) {
      return InvalidArgument("read store: bad column family name " + family);
    }
    impl->names.push_back(family);
  }
  // Families of projections not opened this time must still be listed to open the DB.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok()) {
    for (const std::string& name : existing) {
      bool known = false;
      for (const std::string& opened : impl->names) known = known || opened == name;
      if (!known) impl->names.push_back(name);
    }
  }
  // A batch keys its staged writes by a one-byte family index.
  if (impl->names.size() > kFamiliesMax) {
    return InvalidArgument("read store: more than " + std::to_string(kFamiliesMax) + " families");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : impl->names) descriptors.emplace_back(name, family_options);
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options, options.path, descriptors, &impl->handles, &db);
  if (!status.ok())
    return Unavailable("read store: open " + options.path + ": " + status.ToString());
  impl->db.reset(db);
  return std::unique_ptr<ReadStore>(new ReadStore(std::move(impl)));
}

Result<std::optional<std::string>> ReadStore::Get(std::string_view family,
                                                  std::string_view key) const {
  Result<rocksdb::ColumnFamilyHandle*> handle = impl_->Family(family);
  if (!handle.ok()) return handle.status();
  std::string value;
  rocksdb::Status status = impl_->db->Get(rocksdb::ReadOptions(), *handle, key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  YIWANG_RETURN_IF_ERROR(FromRocks(status, "get"));
  return std::optional<std::string>(std::move(value));
}

Status ReadStore::Scan(
    std::string_view family, std::string_view prefix, std::string_view start_after,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  Result<rocksdb::ColumnFamilyHandle*> handle = impl_->Family(family);
  if (!handle.ok()) return handle.status();
  rocksdb::ReadOptions read_options;
  std::unique_ptr<rocksdb::Iterator> iterator(impl_->db->NewIterator(read_options, *handle));
  if (start_after.empty()) {
    iterator->Seek(prefix);
  } else {
    iterator->Seek(start_after);
    if (iterator->Valid() && iterator->key().ToStringView() == start_after) iterator->Next();
  }
  for (size_t visited = 0; iterator->Valid() && visited < kScanEntriesMax; ++visited) {
    const std::string_view key = iterator->key().ToStringView();
    if (!key.starts_with(prefix)) break;
    if (!fn(key, iterator->value().ToStringView())) break;
    iterator->Next();
  }
  return FromRocks(iterator->status(), "scan");
}

Result<uint64_t> ReadStore::Checkpoint(std::string_view projection) const {
  Result<std::optional<std::string>> value = Get(kCheckpointsFamily, projection);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return uint64_t{0};
  const std::string& bytes = **value;
  if (bytes.size() != 8)
    return DataLoss("read store: malformed checkpoint of " + std::string(projection));
  return internal::FromBigEndian(bytes);
}

std::unique_ptr<ReadBatch> ReadStore::NewBatch(size_t expected_entries) const {
  auto impl = std::make_unique<ReadBatch::Impl>();
  impl->store = impl_.get();
  if (expected_entries > 0) {
    impl->entries.reserve(expected_entries);
    impl->hash_index.Reserve(expected_entries);
  }
  return std::unique_ptr<ReadBatch>(new ReadBatch(std::move(impl)));
}

Status ReadStore::Commit(ReadBatch* batch, const CommitOptions& options) {
  return Commit(std::vector<ReadBatch*>{batch}, options);
}

Status ReadStore::Commit(const std::vector<ReadBatch*>& batches, const CommitOptions& options) {
  rocksdb::WriteOptions write_options;
  write_options.sync =
      false;  // rebuilt from the log; the batch keeps state and checkpoint together
  write_options.disableWAL = !options.write_ahead_log;
  // In key order: the memtable's skiplist inserts a sorted run from where the previous key went,
  // instead of searching from the top for each key.
  std::vector<const ReadBatch::Impl*> impls;
  for (const ReadBatch* batch : batches) impls.push_back(batch->impl_.get());
  using Runs = internal::FamilyRuns<ReadBatch::Impl::Staged>;
  Runs runs(impls);
  if (options.ingest) return IngestRuns(impl_.get(), &runs);
  size_t bytes = 0;
  for (const ReadBatch::Impl* batch : impls) {
    for (const ReadBatch::Impl::Staged& staged : batch->entries) {
      bytes += staged.key.size() + staged.value.size() + 8;
    }
  }
  rocksdb::WriteBatch write_batch(bytes);  // one allocation, no regrowing copies
  for (size_t family = 0; family < runs.runs.size(); ++family) {
    Runs::Sort(&runs.runs[family]);
    rocksdb::ColumnFamilyHandle* handle = impl_->handles[family];
    YIWANG_RETURN_IF_ERROR(FromRocks(
        Runs::ForEachLast(runs.runs[family],
                          [&](std::string_view key, const ReadBatch::Impl::Staged& entry) {
                            return entry.deleted ? write_batch.Delete(handle, ToSlice(key))
                                                 : write_batch.Put(handle, ToSlice(key),
                                                                   ToSlice(entry.value));
                          }),
        "batch"));
  }
  return FromRocks(impl_->db->Write(write_options, &write_batch), "commit");
}

bool ReadStore::bulk() const { return impl_->bulk; }

bool ReadStore::bulk_compacting() const { return impl_->bulk_compacting; }

uint64_t ReadStore::Level0Files(std::string_view family) const {
  Result<rocksdb::ColumnFamilyHandle*> handle = impl_->Family(family);
  return handle.ok() ? Level0FilesOf(impl_->db.get(), *handle) : 0;
}

Status ReadStore::SetBulk(bool bulk) {
  if (bulk) impl_->bulk_compacting = false;
  impl_->bulk = bulk;
  const size_t write_buffer_size = bulk ? kBulkWriteBufferBytes : kWriteBufferBytes;
  const double bloom_ratio = bulk ? 0 : impl_->memtable_bloom_ratio;
  const std::unordered_map<std::string, std::string> options = {
      {"disable_auto_compactions", bulk ? "true" : "false"},
      {"write_buffer_size", std::to_string(write_buffer_size)},
      {"memtable_prefix_bloom_size_ratio", std::to_string(bloom_ratio)},
  };
  for (rocksdb::ColumnFamilyHandle* handle : impl_->Opened()) {
    // Each SetOptions rewrites and re-reads the OPTIONS file: ~13M instructions, 11 % of a
    // 100,000-event replay's when every call was made. A family already so is left alone.
    const rocksdb::Options current = impl_->db->GetOptions(handle);
    if (current.disable_auto_compactions == bulk && current.write_buffer_size == write_buffer_size &&
        current.memtable_prefix_bloom_size_ratio == bloom_ratio) {
      continue;
    }
    YIWANG_RETURN_IF_ERROR(FromRocks(impl_->db->SetOptions(handle, options), "set options"));
  }
  return Status::Ok();
}

Status ReadStore::Flush() {
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  return FromRocks(impl_->db->Flush(flush_options, impl_->Opened()), "flush");
}

Status ReadStore::Clear(std::string_view family, std::string_view projection) {
  Result<size_t> index = impl_->FamilyIndex(family);
  if (!index.ok()) return index.status();
  rocksdb::ColumnFamilyHandle* handle = impl_->handles[*index];
  // First the data and the checkpoint go together, in one synced write: whatever happens next,
  // a reopened store has either both or neither.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> iterator(impl_->db->NewIterator(rocksdb::ReadOptions(), handle));
  iterator->SeekToLast();
  const bool had_data = iterator->Valid();
  if (had_data) {
    // DeleteRange's end is exclusive: one byte past the last key covers it.
    std::string end = iterator->key().ToString();
    end.push_back('\0');
    YIWANG_RETURN_IF_ERROR(FromRocks(batch.DeleteRange(handle, "", end), "clear"));
  }
  YIWANG_RETURN_IF_ERROR(FromRocks(iterator->status(), "clear"));
  iterator.reset();
  Result<rocksdb::ColumnFamilyHandle*> checkpoints = impl_->Family(kCheckpointsFamily);
  YIWANG_RETURN_IF_ERROR(FromRocks(batch.Delete(*checkpoints, projection), "clear"));
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  YIWANG_RETURN_IF_ERROR(FromRocks(impl_->db->Write(write_options, &batch), "clear"));
  // A family without data and without level-0 files has nothing to drop (a first replay): its
  // drop and creation would cost two OPTIONS file rewrites for nothing.
  if (!had_data && Level0FilesOf(impl_->db.get(), handle) == 0) return Status::Ok();
  // Then the family is dropped and made again, which deletes its files at once. The data under
  // the tombstone would otherwise stay: DeleteFilesInRange leaves level-0 files, and a rebuild
  // (which opens without compaction) left every earlier rebuild's files there, for the next
  // rebuild's lookups to search and its compaction to rewrite. A crash between the two steps
  // leaves the family missing, and Open makes it again, empty, as the synced write said.
  YIWANG_RETURN_IF_ERROR(FromRocks(impl_->db->DropColumnFamily(handle), "clear: drop family"));
  YIWANG_RETURN_IF_ERROR(
      FromRocks(impl_->db->DestroyColumnFamilyHandle(handle), "clear: drop family"));
  impl_->handles[*index] = nullptr;
  rocksdb::ColumnFamilyHandle* created = nullptr;
  YIWANG_RETURN_IF_ERROR(FromRocks(
      impl_->db->CreateColumnFamily(impl_->family_options, impl_->names[*index], &created),
      "clear: create family"));
  impl_->handles[*index] = created;
  if (impl_->bulk) YIWANG_RETURN_IF_ERROR(SetBulk(true));
  return Status::Ok();
}

}  // namespace yiwang::projections
