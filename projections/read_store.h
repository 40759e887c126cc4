// The read-side RocksDB instance (DESIGN.md §7): the state of every durable projection and its
// checkpoint, in a directory of its own (e.g. <data>/read), never the event log's instance.
//
// One column family per projection (named by the caller) plus "checkpoints" (projection name ->
// last applied position). A projection stages its state changes in a ReadBatch and the runner
// adds the checkpoint to the same batch, so state and checkpoint always commit together: after a
// crash a projection resumes exactly after the last event whose effect is stored.
// Writes are not synced (the store is rebuilt from the log, and atomicity of a batch is what
// keeps state and checkpoint consistent).
//
// Bulk mode (yiwang replay): Commit({.write_ahead_log = false}) skips the WAL. The instance uses
// RocksDB's atomic_flush, so every flush persists all families at one batch boundary: after a
// crash the store is at some earlier commit, state and checkpoints still together, and the
// runner resumes from there. Call Flush() when the bulk writes are done, before any write that
// uses the WAL again (a WAL write replayed over lost bulk writes would break that guarantee).
//
// Thread-safety: Get, Scan and Checkpoint may be called from any thread. A ReadBatch is used by
// one thread. Commit and Clear are called by the one thread that writes (the runner).
// Failure modes: kUnavailable when RocksDB cannot open or write, kDataLoss for a malformed
// checkpoint, kInvalidArgument for an unknown family name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace yiwang::projections {

inline constexpr std::string_view kCheckpointsFamily = "checkpoints";
inline constexpr size_t kScanEntriesMax = 10'000;  // entries one Scan may visit
inline constexpr size_t kFamiliesMax = 255;        // column families, existing ones included

// Bulk mode leaves compaction off while a replay loads (it would rewrite the files being
// loaded), until a family holds more level-0 files than this: each is one more place every
// lookup of the load must look (ingested commits add one per family and batch, ~380 for a
// 100M-event replay), so past it compaction runs again for the rest of the load.
inline constexpr size_t kBulkLevel0FilesMax = 16;
// Threads (the committing one included) that write an ingested commit's table files, one family
// each at a time.
inline constexpr size_t kBulkWriteThreadsMax = 4;

struct ReadStoreOptions {
  std::string path;                   // created when missing
  std::vector<std::string> families;  // projection families, created when missing
  size_t bulk_level0_files_max = kBulkLevel0FilesMax;  // tests set fewer
  // False for a rebuild (`yiwang replay`): the store opens in bulk mode's shape (no compaction,
  // bulk memtables), so no compaction starts at open (the last load's, say) only to be dropped
  // by the rebuild's Clear, and SetBulk(true) has nothing to change; SetBulk(false) ends it.
  bool compaction_at_open = true;
};

class ReadStore;

// State changes of one runner batch plus the checkpoints, written atomically by Commit.
// Get sees the batch's own puts and deletes over the committed state (read-your-own-writes
// inside a batch, so a projection can apply several events of one case in one batch). Only the
// last write of each key is kept and committed.
class ReadBatch {
 public:
  ~ReadBatch();
  ReadBatch(const ReadBatch&) = delete;
  ReadBatch& operator=(const ReadBatch&) = delete;

  Status Put(std::string_view family, std::string_view key, std::string_view value);
  Status Delete(std::string_view family, std::string_view key);
  Result<std::optional<std::string>> Get(std::string_view family, std::string_view key) const;
  void SetCheckpoint(std::string_view projection, uint64_t position);
  // Get looks in `earlier` (and what it reads through) before the committed state: replay
  // applies the next batch while the previous one is still being committed. `earlier` must stay
  // alive and unchanged while this batch is read; nullptr ends it.
  void ReadThrough(const ReadBatch* earlier);
  size_t count() const;  // puts and deletes staged

 private:
  friend class ReadStore;
  struct Impl;
  explicit ReadBatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ReadStore {
 public:
  static Result<std::unique_ptr<ReadStore>> Open(const ReadStoreOptions& options);
  ~ReadStore();
  ReadStore(const ReadStore&) = delete;
  ReadStore& operator=(const ReadStore&) = delete;

  // The committed value, nullopt when absent.
  Result<std::optional<std::string>> Get(std::string_view family, std::string_view key) const;
  // Visits committed keys starting with `prefix` in key order, from the first key greater than
  // `start_after` (all when empty), while fn returns true, at most kScanEntriesMax entries.
  Status Scan(std::string_view family, std::string_view prefix, std::string_view start_after,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // Last committed position of `projection`, 0 when it has none.
  Result<uint64_t> Checkpoint(std::string_view projection) const;

  struct CommitOptions {
    bool write_ahead_log = true;  // false: bulk mode (see above); Flush() afterwards
    // Bulk mode: each family's entries are written to a table file of their own (in key order,
    // as a flush would write them) and the files ingested in one atomic step, instead of going
    // through the memtables and a flush. The WAL plays no part.
    bool ingest = false;
  };
  // With room for `expected_entries` keys, so that a batch of hundreds of thousands of entries
  // (replay: the previous batch's count()) is not moved to a bigger array as it grows.
  std::unique_ptr<ReadBatch> NewBatch(size_t expected_entries = 0) const;
  Status Commit(ReadBatch* batch) { return Commit(batch, CommitOptions{}); }
  Status Commit(ReadBatch* batch, const CommitOptions& options);
  // Several batches in one atomic write (replay: one batch per applying thread). A key staged
  // in more than one batch is written from the last of them.
  Status Commit(const std::vector<ReadBatch*>& batches, const CommitOptions& options);
  // Persists every family's memtable to disk (one atomic flush) and waits for it.
  Status Flush();
  // Bulk loading (replay) on or off: bigger memtables, so a replay flushes about once, and no
  // automatic compaction meanwhile (it would rewrite the files being loaded); back to the
  // defaults, compactions resumed, when off.
  Status SetBulk(bool bulk);
  // SetBulk's last word.
  bool bulk() const;
  // Whether bulk mode turned compaction back on (see kBulkLevel0FilesMax) since SetBulk(true).
  bool bulk_compacting() const;
  // Files in level 0 of `family` (RocksDB's num-files-at-level0); 0 for an unknown family.
  uint64_t Level0Files(std::string_view family) const;
  // Deletes every key of `family` and the checkpoint of `projection` (rebuild from zero), in
  // one synced write, then drops the family and makes it again, so that its files go at once.
  // Not while other threads read the store: the family's handle changes.
  Status Clear(std::string_view family, std::string_view projection);

  struct Impl;

 private:
  explicit ReadStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yiwang::projections
