// One group commit as the stager builds it and the writer writes it (group_commit.cc,
// replicated_append.cc). Internal to the event store.
#pragma once

#include <rocksdb/write_batch.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "eventstore/internal/store_impl.h"

namespace yiwang {

struct EventStore::Impl::Batch {
  rocksdb::WriteBatch write_batch;
  uint64_t first_position = 0;  // the position the batch starts at
  uint64_t next_position = 0;   // the position after its last event
  eventstore_internal::Hash256 chain_hash{};
  Timestamp recorded_at;
  std::unordered_map<std::string, uint32_t> heads;            // streams written → last version
  std::unordered_map<std::string, AppendResult> idempotency;  // keys written in this batch
  // Index entries, put into write_batch sorted when the batch is complete (see PutSorted).
  std::vector<std::pair<std::string, std::string>> stream_entries;
  std::vector<std::pair<std::string, std::string>> idempotency_entries;
  uint64_t events_written = 0;
  std::vector<PendingAppend> appends;
  std::vector<AppendOutcome> outcomes;  // as staged: only true once the batch is durable
  std::vector<bool> needs_write;        // outcome depends on this batch's write
  // Set by StageAppend: the outcome it returned is only true once this batch is durable.
  bool outcome_needs_write = false;
  // Keys of replicated events in `idempotency`, whose records FinishReplicated puts (a key's
  // record grows while the events of its original append arrive).
  std::unordered_set<std::string> replicated_keys;
  bool replicated = false;  // holds replicated events: meta "replica" is put
};

}  // namespace yiwang
