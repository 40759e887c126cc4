// `yiwang bench append`: event store append throughput and commit latency with 1, 16, 64
// concurrent writers, single-event appends and whole-case appends of 8 events, beside the
// physical reference (the same event bytes written by raw RocksDB in synced WriteBatches of 64).
// Method and figures: BENCHMARKS.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "domain/json.h"
#include "eventstore/bench_reference.h"
#include "eventstore/event_store.h"
#include "tools/commands.h"
#include "tools/cpu_time.h"
#include "tools/flags.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang bench append [flags]\n"
    "\n"
    "  --data DIR            scratch directory, emptied and removed (default "
    "./yiwang-bench-append)\n"
    "  --seconds N           seconds per measured run (default 2)\n"
    "  --writers LIST        concurrent writer threads, comma-separated (default 1,16,64)\n"
    "  --durability MODE     fsync (default) or os\n"
    "  --runs K              runs per figure; the median is printed (default 3)\n";

constexpr size_t kCaseEvents = 8;
constexpr size_t kReferenceBatchEvents = 64;
constexpr int64_t kWritersMax = 1024;
using Clock = std::chrono::steady_clock;

// Eight events of one case, shaped like the real ones (DESIGN.md §4), ~400-700 bytes stored.
std::vector<NewEvent> CaseEvents(uint64_t case_index) {
  const std::string number = std::to_string(3301062026112700000ull + case_index % 100000);
  const Timestamp start{1'796'000'000'000 + static_cast<int64_t>(case_index) * 1000};
  const Actor citizen{"citizen-330106********1234", "citizen", "", "online", ""};
  const Actor officer{"officer-0192", "officer", "330106-GA-CRJ", "window", "330106-HALL-01"};
  std::vector<NewEvent> events(kCaseEvents);
  auto data = [](auto build) {
    JsonWriter writer(512);
    writer.BeginObject();
    build(writer);
    writer.EndObject();
    return writer.Take();
  };
  events[0] = {"CaseSubmitted", 1, start, citizen, "corr-" + number, "", data([&](JsonWriter& w) {
                 w.Field("case_number", number)
                     .Field("service_code", "330106-GA-CRJ-0007")
                     .Field("channel", "online")
                     .Field("query_code", "7Q4KD9");
                 w.Key("applicant")
                     .BeginObject()
                     .Field("id_number", "330106199001011234")
                     .Field("name", "王小明")
                     .Field("phone", "13800001234")
                     .Field("address", "浙江省杭州市西湖区文三路100号")
                     .EndObject();
                 w.StringArray("materials", {"M01-身份证", "M02-户口簿", "M03-照片"});
               })};
  events[1] = {
      "MaterialsRequested", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
        w.StringArray("missing", {"M03-照片"});
        w.Field("note", "照片不符合规格，请一次性补正").Field("due", "2026-12-04");
      })};
  events[2] = {
      "MaterialsSupplemented", 1, start, citizen, "corr-" + number, "", data([](JsonWriter& w) {
        w.StringArray("materials", {"M03-照片"}).Field("channel", "mobile");
      })};
  events[3] = {"CaseAccepted", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
                 w.Field("acceptance_no", "浙公受字〔2026〕第17号")
                     .Field("promised_days", 7)
                     .Field("legal_days", 20)
                     .Field("deadline", "2026-12-08")
                     .Field("legal_deadline", "2026-12-25")
                     .Field("case_kind", 2);
               })};
  events[4] = {
      "ReviewStepCompleted", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
        w.Field("step", "承办")
            .Field("opinion", "材料齐全，符合法定条件，拟同意")
            .Field("department", "330106-GA-CRJ");
      })};
  events[5] = {
      "ReviewStepCompleted", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
        w.Field("step", "审核").Field("opinion", "同意").Field("department", "330106-GA-CRJ");
      })};
  events[6] = {
      "CaseApproved", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
        w.Field("decision_no", "浙公许字〔2026〕第17号").Field("issue_deadline", "2026-12-18");
      })};
  events[7] = {
      "CertificateIssued", 1, start, officer, "corr-" + number, "", data([](JsonWriter& w) {
        w.Field("certificate_id", "EC-330106-2026-000017")
            .Field("delivery", "express")
            .Field("tracking_number", "SF1234567890123")
            .Field("carrier", "顺丰速运");
      })};
  for (NewEvent& event : events) event.occurred_at = start;
  return events;
}

enum class Shape { kSingleEvent, kWholeCase };

struct RunFigures {
  double events_per_second = 0;
  double appends_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double batch_events = 0;  // average events per group commit
  double writer_cpu_us_per_append = 0;
  double process_cpu_us_per_append = 0;
};

double Percentile(std::vector<double>* values, double fraction) {
  if (values->empty()) return 0;
  const size_t index = std::min(values->size() - 1, static_cast<size_t>(fraction * values->size()));
  std::nth_element(values->begin(), values->begin() + index, values->end());
  return (*values)[index];
}

// One writer thread: works through its own cases until the deadline, like command handlers do.
void WriterLoop(EventStore* store, Shape shape, int writer, Clock::time_point deadline,
                std::vector<double>* latencies_ms, std::atomic<uint64_t>* events,
                std::atomic<bool>* failed) {
  for (uint64_t case_index = 0; Clock::now() < deadline; ++case_index) {
    const std::string stream = "case-w" + std::to_string(writer) + "-" + std::to_string(case_index);
    std::vector<NewEvent> case_events = CaseEvents(case_index * kWritersMax + writer);
    const size_t appends = shape == Shape::kWholeCase ? 1 : kCaseEvents;
    for (size_t step = 0; step < appends && Clock::now() < deadline; ++step) {
      AppendRequest request;
      request.stream = stream;
      request.idempotency_key = stream + "/" + std::to_string(step);
      if (shape == Shape::kWholeCase) {
        request.expected = ExpectedVersion::NoStream();
        request.events = case_events;
      } else {
        request.expected = ExpectedVersion::Exact(static_cast<uint32_t>(step));
        request.events.push_back(case_events[step]);
      }
      const size_t count = request.events.size();
      const Clock::time_point before = Clock::now();
      Result<AppendResult> result = store->Append(std::move(request));
      latencies_ms->push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - before).count());
      if (!result.ok()) {
        std::fprintf(stderr, "append failed: %s\n", result.status().ToString().c_str());
        failed->store(true);
        return;
      }
      events->fetch_add(count, std::memory_order_relaxed);
    }
  }
}

Result<RunFigures> MeasureStore(const std::string& path, Durability durability, Shape shape,
                                int writers, std::chrono::milliseconds duration) {
  std::filesystem::remove_all(path);
  EventStoreOptions options;
  options.path = path;
  options.durability = durability;
  Result<std::unique_ptr<EventStore>> opened = EventStore::Open(options);
  if (!opened.ok()) return opened.status();
  EventStore* store = opened->get();
  std::vector<std::vector<double>> latencies(writers);
  std::atomic<uint64_t> events{0};
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  const double process_cpu_start = ProcessCpuSeconds();
  std::vector<std::thread> threads;
  for (int writer = 0; writer < writers; ++writer) {
    threads.emplace_back(WriterLoop, store, shape, writer, start + duration, &latencies[writer],
                         &events, &failed);
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const EventStore::Stats stats = store->GetStats();
  const double process_cpu = ProcessCpuSeconds() - process_cpu_start;
  opened->reset();
  std::filesystem::remove_all(path);
  if (failed.load()) return Internal("an append failed");
  std::vector<double> all;
  for (const std::vector<double>& part : latencies) all.insert(all.end(), part.begin(), part.end());
  RunFigures figures;
  figures.events_per_second = events.load() / seconds;
  figures.appends_per_second = all.size() / seconds;
  figures.p50_ms = Percentile(&all, 0.50);
  figures.p99_ms = Percentile(&all, 0.99);
  figures.batch_events = stats.batches > 0 ? static_cast<double>(stats.events) / stats.batches : 0;
  if (!all.empty()) {
    figures.writer_cpu_us_per_append = stats.writer_cpu_ns / 1e3 / all.size();
    figures.process_cpu_us_per_append = process_cpu * 1e6 / all.size();
  }
  return figures;
}

// The stored bytes of sample events, for the reference writer: the same sizes and content.
std::vector<std::string> SampleEventBytes() {
  std::vector<std::string> bytes;
  for (uint64_t case_index = 0; case_index < 16; ++case_index) {
    std::vector<NewEvent> events = CaseEvents(case_index);
    for (size_t index = 0; index < events.size(); ++index) {
      EventEnvelope envelope;
      envelope.position = 1'000'000 + case_index * kCaseEvents + index;
      envelope.stream = "case-w0-" + std::to_string(case_index);
      envelope.version = static_cast<uint32_t>(index + 1);
      envelope.type = events[index].type;
      envelope.occurred_at = events[index].occurred_at;
      envelope.recorded_at = events[index].occurred_at;
      envelope.actor = events[index].actor;
      envelope.correlation_id = events[index].correlation_id;
      envelope.idempotency_key = envelope.stream + "/" + std::to_string(index);
      envelope.data = events[index].data;
      envelope.prev_hash = std::string(kZeroHash);
      envelope.hash = std::string(kZeroHash);
      bytes.push_back(EncodeEnvelope(envelope));
    }
  }
  return bytes;
}

Result<std::vector<int>> ParseWriters(const std::string& text) {
  std::vector<int> writers;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    char* end = nullptr;
    const long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || value < 1 || value > kWritersMax) {
      return InvalidArgument("--writers wants numbers from 1 to 1024 separated by commas");
    }
    writers.push_back(static_cast<int>(value));
  }
  if (writers.empty()) return InvalidArgument("--writers is empty");
  return writers;
}

template <typename T, typename Key>
T Median(std::vector<T> runs, Key key) {
  std::sort(runs.begin(), runs.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  return runs[runs.size() / 2];
}

// Median of `runs` raw-RocksDB reference runs.
Result<ReferenceFigures> MeasureReference(const std::string& base, Durability durability,
                                          std::chrono::milliseconds duration, int64_t runs,
                                          bool keep_cpu_awake) {
  std::vector<ReferenceFigures> measured;
  for (int64_t run = 0; run < runs; ++run) {
    ReferenceOptions options;
    options.path = base + "/reference";
    options.events = SampleEventBytes();
    options.batch_events = kReferenceBatchEvents;
    options.sync = durability == Durability::kFsync;
    options.duration = duration;
    options.keep_cpu_awake = keep_cpu_awake;
    std::filesystem::remove_all(options.path);
    Result<ReferenceFigures> figures = RunReferenceWrites(options);
    std::filesystem::remove_all(options.path);
    if (!figures.ok()) return figures.status();
    measured.push_back(*figures);
  }
  return Median(measured, [](const ReferenceFigures& f) { return f.events_per_second; });
}

}  // namespace

int RunBenchAppend(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "seconds", "writers", "durability", "runs"}, {"help"});
  if (!parsed.ok()) return UsageError("bench append", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<int64_t> seconds = flags.GetInt("seconds", 2, 1, 3600);
  Result<int64_t> runs = flags.GetInt("runs", 3, 1, 100);
  Result<std::vector<int>> writers = ParseWriters(flags.Get("writers", "1,16,64"));
  const std::string durability_name = flags.Get("durability", "fsync");
  for (const Status& status : {seconds.status(), runs.status(), writers.status()}) {
    if (!status.ok()) return UsageError("bench append", status.message(), kUsage);
  }
  if (durability_name != "fsync" && durability_name != "os") {
    return UsageError("bench append", "--durability is fsync or os", kUsage);
  }
  const Durability durability = durability_name == "fsync" ? Durability::kFsync : Durability::kOs;
  const std::string base = flags.Get("data", "./yiwang-bench-append");
  const std::chrono::milliseconds duration(*seconds * 1000);
  std::filesystem::create_directories(base);
  // Figures on a shared machine mean little without its load: print it with them.
  std::string load;
  if (FILE* file = std::fopen("/proc/loadavg", "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, file) != nullptr) load = line;
    std::fclose(file);
  }
  std::printf("append machine: %u cores, load average %s", std::thread::hardware_concurrency(),
              load.empty() ? "unknown\n" : load.c_str());

  Result<ReferenceFigures> reference = MeasureReference(base, durability, duration, *runs, false);
  Result<ReferenceFigures> awake = MeasureReference(base, durability, duration, *runs, true);
  for (const Status& status : {reference.status(), awake.status()}) {
    if (!status.ok()) {
      std::fprintf(stderr, "yiwang bench append: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  for (const auto& [figures, name] :
       {std::pair{&*reference, "reference"}, {&*awake, "reference-awake"}}) {
    std::printf(
        "append %s raw-rocksdb batch=%zu durability=%s: %.0f events/s, "
        "write p50 %.2f ms p99 %.2f ms\n",
        name, kReferenceBatchEvents, durability_name.c_str(), figures->events_per_second,
        figures->batch_p50_ms, figures->batch_p99_ms);
  }
  std::fflush(stdout);

  for (Shape shape : {Shape::kSingleEvent, Shape::kWholeCase}) {
    for (int writer_count : *writers) {
      std::vector<RunFigures> measured;
      for (int64_t run = 0; run < *runs; ++run) {
        Result<RunFigures> figures =
            MeasureStore(base + "/store", durability, shape, writer_count, duration);
        if (!figures.ok()) {
          std::fprintf(stderr, "yiwang bench append: %s\n", figures.status().ToString().c_str());
          return 1;
        }
        measured.push_back(*figures);
      }
      const RunFigures median =
          Median(measured, [](const RunFigures& f) { return f.events_per_second; });
      std::printf(
          "append %s writers=%d durability=%s: %.0f events/s, %.0f appends/s, "
          "p50 %.2f ms, p99 %.2f ms, batch %.1f events, %.2f of reference, "
          "%.2f of reference-awake; cpu/append: writer %.1f us, process %.1f us\n",
          shape == Shape::kSingleEvent ? "single-event" : "case-of-8", writer_count,
          durability_name.c_str(), median.events_per_second, median.appends_per_second,
          median.p50_ms, median.p99_ms, median.batch_events,
          median.events_per_second / reference->events_per_second,
          median.events_per_second / awake->events_per_second, median.writer_cpu_us_per_append,
          median.process_cpu_us_per_append);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(base);
  return 0;
}

}  // namespace yiwang::tools
