// RocksDB options of the event log, shared by the store and the raw-RocksDB benchmark reference
// so that both measure the same physical setup. Rationale in eventstore/README.md.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <string>
#include <vector>

namespace yiwang::eventstore_internal {

rocksdb::DBOptions LogDbOptions();
// Options for the `events` column family (large, append-only, read by position ranges).
rocksdb::ColumnFamilyOptions EventsFamilyOptions();
// Options for the small index families (point lookups: bloom filters).
rocksdb::ColumnFamilyOptions IndexFamilyOptions();
// All five families in a fixed order: events, streams, heads, idempotency, meta.
std::vector<rocksdb::ColumnFamilyDescriptor> LogFamilies();

}  // namespace yiwang::eventstore_internal
