// The physical reference for `yiwang bench append`: the same event bytes written straight into
// RocksDB (same options and column families as the event store), in WriteBatches of a fixed
// number of events from one thread, synced per batch. No queue, no versions, no hashing, no
// indexes: what the disk and RocksDB allow, against which the store's figures are ratios.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/status.h"

namespace yiwang {

struct ReferenceOptions {
  std::string path;                 // a fresh directory; created
  std::vector<std::string> events;  // event values, written in turn (at least one)
  size_t batch_events = 64;
  bool sync = true;
  std::chrono::milliseconds duration{2000};
  // Runs a spinning thread beside the writer. On a VM whose idle vCPUs halt, an fdatasync that
  // completes while the CPU is idle is noticed late (a scheduler tick, ~4 ms); a busy CPU sees
  // it at once. With this set the figure is what the disk itself allows.
  bool keep_cpu_awake = false;
};

struct ReferenceFigures {
  uint64_t events = 0;
  uint64_t batches = 0;
  double seconds = 0;
  double events_per_second = 0;
  double batch_p50_ms = 0;  // latency of one Write (with its sync)
  double batch_p99_ms = 0;
};

// Writes batches until `duration` has passed. Not thread-safe with another run on the same path.
Result<ReferenceFigures> RunReferenceWrites(const ReferenceOptions& options);

}  // namespace yiwang
