// `yiwang bench replay`: replay of a generated history of 1,000,000 events into every
// projection (what `yiwang replay` runs), beside the raw reference measured in the same run:
// RocksDB iteration of the events family plus a full decode of each event (envelope and data).
// Method and figures: BENCHMARKS.md.
#include "tools/bench_replay.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/events.h"
#include "eventstore/event_store.h"
#include "tools/bench_dashboard.h"
#include "tools/commands.h"
#include "tools/cpu_time.h"
#include "tools/flags.h"
#include "tools/replay.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang bench replay [flags]\n"
    "\n"
    "  --data DIR         scratch directory (default ./yiwang-bench-replay); the generated log is\n"
    "                     kept there and reused by the next run with the same --events\n"
    "  --events N         events in the generated history (default 1000000)\n"
    "  --runs K           runs of each measurement; the median is printed (default 3)\n"
    "  --generate-only    write the history to DIR (DIR/log must not exist) and stop\n";

constexpr char kHistoryTag[] = "yiwang bench replay history v1";
using Clock = std::chrono::steady_clock;

std::string HistoryMarkerPath(const std::string& base) { return base + "/history.txt"; }

std::string HistoryMarker(uint64_t events) {
  return std::string(kHistoryTag) + " events=" + std::to_string(events) + "\n";
}

// Reuses the log under `base` when it was generated for `events`; generates it otherwise.
Status EnsureHistory(const std::string& base, uint64_t events) {
  Result<std::string> marker = ReadFile(HistoryMarkerPath(base));
  if (marker.ok() && *marker == HistoryMarker(events)) {
    std::printf("replay history: reusing %s (%llu events)\n", LogPath(base).c_str(),
                static_cast<unsigned long long>(events));
    return Status::Ok();
  }
  std::filesystem::remove_all(base);
  HistoryOptions options;
  options.data_dir = base;
  options.events = events;
  options.progress = [](uint64_t done) {
    std::fprintf(stderr, "generated %llu events\n", static_cast<unsigned long long>(done));
  };
  Result<HistoryFigures> figures = GenerateHistory(options);
  if (!figures.ok()) return figures.status();
  std::printf("replay history: generated %llu events, %llu cases in %.1f s (%.0f events/s)\n",
              static_cast<unsigned long long>(figures->events),
              static_cast<unsigned long long>(figures->cases), figures->seconds,
              figures->events / figures->seconds);
  std::ofstream(HistoryMarkerPath(base)) << HistoryMarker(events);
  return Status::Ok();
}

struct ReferenceRun {
  uint64_t events = 0;
  double iterate_seconds = 0;  // iteration alone
  double parse_seconds = 0;    // iteration plus a JSON parse of every event: THE reference
  double parse_cpu_seconds = 0;
  double decode_seconds = 0;  // iteration plus yiwang's full decode into typed values
  double decode_cpu_seconds = 0;
};

// The raw reference (issue 4: "raw RocksDB iteration plus JSON parse"): the log opened read-only,
// every event read by a RocksDB iterator; then the same again with every event parsed by
// simdjson's DOM parser (the whole document, nested data included, into its tape); and, for
// information, with each event decoded in full by yiwang (the envelope, and the data of case and
// catalog events into their typed values), the least any projection must do.
Result<ReferenceRun> MeasureReference(const std::string& base) {
  EventStoreOptions options;
  options.path = LogPath(base);
  options.read_only = true;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  if (!store.ok()) return store.status();
  ReferenceRun run;
  uint64_t bytes = 0;
  Clock::time_point started = Clock::now();
  YIWANG_RETURN_IF_ERROR((*store)->ForEach(1, UINT64_MAX, [&](uint64_t, std::string_view event) {
    bytes += event.size();
    ++run.events;
    return Status::Ok();
  }));
  run.iterate_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  simdjson::dom::parser parser;
  started = Clock::now();
  double cpu_started = ProcessCpuSeconds();
  YIWANG_RETURN_IF_ERROR((*store)->ForEach(1, UINT64_MAX, [&](uint64_t, std::string_view event) {
    simdjson::dom::element document;
    if (parser.parse(event.data(), event.size()).get(document) != simdjson::SUCCESS) {
      return DataLoss("reference: an event is not JSON");
    }
    return Status::Ok();
  }));
  run.parse_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  run.parse_cpu_seconds = ProcessCpuSeconds() - cpu_started;
  started = Clock::now();
  cpu_started = ProcessCpuSeconds();
  YIWANG_RETURN_IF_ERROR((*store)->ForEach(1, UINT64_MAX, [&](uint64_t, std::string_view event) {
    Result<EventEnvelope> envelope = DecodeEnvelope(event);
    if (!envelope.ok()) return envelope.status();
    if (IsCaseEventType(envelope->type)) {
      Result<CaseEvent> data = DecodeEventData(envelope->type, envelope->schema, envelope->data);
      if (!data.ok()) return data.status();
    } else if (envelope->type == kCatalogItemPublished) {
      Result<CatalogItem> item = DecodeCatalogItem(envelope->data);
      if (!item.ok()) return item.status();
    }
    return Status::Ok();
  }));
  run.decode_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  run.decode_cpu_seconds = ProcessCpuSeconds() - cpu_started;
  return run;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string MachineLine() {
  std::string load = "unknown\n";
  if (FILE* file = std::fopen("/proc/loadavg", "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, file) != nullptr) load = line;
    std::fclose(file);
  }
  return "replay machine: " + std::to_string(std::thread::hardware_concurrency()) +
         " cores, load average " + load;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "yiwang bench replay: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int RunBenchReplay(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "events", "runs"}, {"generate-only", "help"});
  if (!parsed.ok()) return UsageError("bench replay", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<int64_t> events = flags.GetInt("events", 1'000'000, 1, kHistoryEventsMax);
  Result<int64_t> runs = flags.GetInt("runs", 3, 1, 100);
  for (const Status& status : {events.status(), runs.status()}) {
    if (!status.ok()) return UsageError("bench replay", status.message(), kUsage);
  }
  const std::string base = flags.Get("data", "./yiwang-bench-replay");
  if (flags.Has("generate-only")) {
    HistoryOptions options;
    options.data_dir = base;
    options.events = static_cast<uint64_t>(*events);
    Result<HistoryFigures> figures = GenerateHistory(options);
    if (!figures.ok()) return Fail(figures.status());
    std::printf("generated %llu events, %llu cases in %.1f s\n",
                static_cast<unsigned long long>(figures->events),
                static_cast<unsigned long long>(figures->cases), figures->seconds);
    // The marker lets a later `bench replay --data DIR` reuse this history instead of
    // generating it again.
    std::ofstream(HistoryMarkerPath(base)) << HistoryMarker(static_cast<uint64_t>(*events));
    return 0;
  }
  std::fputs(MachineLine().c_str(), stdout);
  if (Status status = EnsureHistory(base, static_cast<uint64_t>(*events)); !status.ok()) {
    return Fail(status);
  }
  std::fflush(stdout);

  // Per CPU-second as well as per second: on a shared machine the wall-clock rates measure the
  // other tenants too.
  std::vector<double> iterate_rates, parse_rates, parse_cpu_rates, decode_rates, decode_cpu_rates,
      replay_rates, replay_cpu_rates;
  uint64_t replayed = 0;
  std::string names;
  for (int64_t run = 0; run < *runs; ++run) {
    Result<ReferenceRun> reference = MeasureReference(base);
    if (!reference.ok()) return Fail(reference.status());
    iterate_rates.push_back(reference->events / reference->iterate_seconds);
    parse_rates.push_back(reference->events / reference->parse_seconds);
    parse_cpu_rates.push_back(reference->events / reference->parse_cpu_seconds);
    decode_rates.push_back(reference->events / reference->decode_seconds);
    decode_cpu_rates.push_back(reference->events / reference->decode_cpu_seconds);

    std::filesystem::remove_all(ReadModelsPath(base));  // a replay from an empty read store
    ReplayOptions options;
    options.data_dir = base;
    Result<ReplayFigures> figures = ReplayReadModels(options);
    if (!figures.ok()) return Fail(figures.status());
    replayed = figures->events;
    replay_rates.push_back(figures->events / figures->seconds);
    replay_cpu_rates.push_back(figures->events / figures->cpu_seconds);
    names.clear();
    for (const std::string& name : figures->rebuilt) names += (names.empty() ? "" : ",") + name;
    std::printf(
        "replay run %lld: reference %.0f events/s, replay %.0f events/s (%.2f s of CPU, %.2f s "
        "of it in the kernel)\n",
        static_cast<long long>(run + 1), parse_rates.back(), replay_rates.back(),
        figures->cpu_seconds, figures->kernel_seconds);
    std::fflush(stdout);
  }
  const double reference = Median(parse_rates);
  const double replay = Median(replay_rates);
  std::printf("replay reference iterate: %.0f events/s\n", Median(iterate_rates));
  std::printf("replay reference iterate+parse (simdjson DOM): %.0f events/s\n", reference);
  std::printf("replay iterate+decode (yiwang's typed decode, for information): %.0f events/s\n",
              Median(decode_rates));
  std::printf("replay all projections (%s), %llu events: %.0f events/s, %.3f of reference\n",
              names.c_str(), static_cast<unsigned long long>(replayed), replay, replay / reference);
  const double reference_cpu = Median(parse_cpu_rates);
  const double replay_cpu = Median(replay_cpu_rates);
  std::printf(
      "replay per CPU-second: reference %.0f events, replay %.0f events (all threads), "
      "%.2f of reference\n",
      reference_cpu, replay_cpu, replay_cpu / reference_cpu);
  // The dashboard over the read models the last replay left (tools/bench_dashboard.h).
  Result<DashboardBenchFigures> dashboard = MeasureDashboardQueries(base, 200);
  if (!dashboard.ok()) return Fail(dashboard.status());
  std::printf(
      "dashboard query, whole province, 2025, %llu cases: p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms (first query loading the rows: %.0f ms); one department + channel: "
      "p99 %.2f ms\n",
      static_cast<unsigned long long>(dashboard->cases), dashboard->whole_p50_ms,
      dashboard->whole_p99_ms, dashboard->whole_max_ms, dashboard->load_ms,
      dashboard->scoped_p99_ms);
  return 0;
}

}  // namespace yiwang::tools
