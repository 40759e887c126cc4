#include "eventstore/bench_reference.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "eventstore/internal/keys.h"
#include "eventstore/internal/rocksdb_setup.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

namespace {

double Percentile(std::vector<double>* values, double fraction) {
  if (values->empty()) return 0;
  const size_t index = std::min(values->size() - 1, static_cast<size_t>(fraction * values->size()));
  std::nth_element(values->begin(), values->begin() + index, values->end());
  return (*values)[index];
}

}  // namespace

Result<ReferenceFigures> RunReferenceWrites(const ReferenceOptions& options) {
  if (options.events.empty() || options.batch_events == 0) {
    return InvalidArgument("reference run needs events and a batch size");
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(LogDbOptions(), options.path, LogFamilies(), &handles, &raw);
  if (!status.ok()) return FromRocks(status, "reference open");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write;
  write.sync = options.sync;

  using Clock = std::chrono::steady_clock;
  std::atomic<bool> spinning{options.keep_cpu_awake};
  std::thread spinner;
  if (options.keep_cpu_awake) {
    spinner = std::thread([&spinning] {
      while (spinning.load(std::memory_order_relaxed)) {
      }
    });
  }
  std::vector<double> latencies_ms;
  ReferenceFigures figures;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + options.duration;
  uint64_t position = 0;
  while (status.ok() && Clock::now() < deadline) {
    rocksdb::WriteBatch batch;
    for (size_t index = 0; index < options.batch_events; ++index) {
      ++position;
      batch.Put(handles[0], EventKey(position), options.events[position % options.events.size()]);
    }
    const Clock::time_point before = Clock::now();
    status = db->Write(write, &batch);
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - before).count());
    figures.events += options.batch_events;
    ++figures.batches;
  }
  figures.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  spinning.store(false);
  if (spinner.joinable()) spinner.join();
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
  if (!status.ok()) return FromRocks(status, "reference write");
  figures.events_per_second = figures.events / figures.seconds;
  figures.batch_p50_ms = Percentile(&latencies_ms, 0.50);
  figures.batch_p99_ms = Percentile(&latencies_ms, 0.99);
  return figures;
}

}  // namespace yiwang
