// `yiwang bench import`: how fast `yiwang import` rebuilds a node from Kafka. A generated history
// (the replay benchmark's generator) is published by the real publisher to an in-process mock
// cluster; then the importer consumes it into a fresh log (the log alone), and again into a fresh
// node whose projections follow the log as in `yiwang import`. Method and figures: BENCHMARKS.md.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <thread>

#include "eventstore/kafka_importer.h"
#include "eventstore/kafka_mock_cluster.h"
#include "eventstore/kafka_publisher.h"
#include "projections/read_models.h"
#include "projections/runner.h"
#include "tools/bench_replay.h"
#include "tools/commands.h"
#include "tools/cpu_time.h"
#include "tools/flags.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang bench import [flags]\n"
    "\n"
    "  --data DIR          scratch directory (default ./yiwang-bench-import), emptied first\n"
    "  --events N          events in the generated history (default 200000)\n"
    "  --partitions N      partitions per topic of the mock cluster (default 64: librdkafka's\n"
    "                      mock keeps at most 5 MiB per partition and drops older messages)\n"
    "  --durability MODE   of the importing log: fsync (default) or os\n";

constexpr std::chrono::milliseconds kPublishWaitMax{600'000};
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point started) {
  return std::chrono::duration<double>(Clock::now() - started).count();
}

// CPU seconds used so far by this process's threads whose name starts with `prefix`, from
// /proc/self/task: librdkafka names its mock cluster's thread "rdk:mock", so the bench can say how
// much of the process CPU the in-process brokers took (a real cluster runs elsewhere).
double ThreadCpuSeconds(std::string_view prefix) {
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  double seconds = 0;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream comm_file(task.path() / "comm");
    std::string comm;
    std::getline(comm_file, comm);
    if (comm.compare(0, prefix.size(), prefix) != 0) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
    const size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) continue;
    std::istringstream fields(stat.substr(name_end + 2));
    std::string field;
    unsigned long long user = 0, system = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index == 14) user = std::stoull(field);
      if (index == 15) system = std::stoull(field);
    }
    seconds += static_cast<double>(user + system) / ticks_per_second;
  }
  return seconds;
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "yiwang bench import: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

Result<std::unique_ptr<EventStore>> OpenLog(const std::string& path, Durability durability) {
  EventStoreOptions options;
  options.path = path;
  options.durability = durability;
  return EventStore::Open(options);
}

// Publishes the whole log with the real publisher and waits until Kafka holds it.
Status Publish(EventStore* store, const std::string& brokers) {
  KafkaPublisherOptions options;
  options.brokers = brokers;
  const Clock::time_point started = Clock::now();
  Result<std::unique_ptr<KafkaPublisher>> publisher = KafkaPublisher::Start(store, options);
  if (!publisher.ok()) return publisher.status();
  if (!(*publisher)->WaitForPublished(store->HeadPosition(), kPublishWaitMax)) {
    return Unavailable("the publisher did not publish the history in time: " +
                       (*publisher)->GetStats().last_error);
  }
  const double seconds = SecondsSince(started);
  std::printf("publish: %llu events in %.2f s (%.0f events/s)\n",
              static_cast<unsigned long long>(store->HeadPosition()), seconds,
              store->HeadPosition() / seconds);
  (*publisher)->Stop();
  return Status::Ok();
}

// One import of the topics into `store`; prints the figure under `label`.
Status ImportOnce(EventStore* store, const std::string& brokers, const std::string& label,
                  projections::ProjectionRunner* runner) {
  KafkaImporterOptions options;
  options.brokers = brokers;
  Result<std::unique_ptr<KafkaImporter>> importer = KafkaImporter::Create(store, options);
  if (!importer.ok()) return importer.status();
  const EventStore::Stats before = store->GetStats();
  const Clock::time_point started = Clock::now();
  const double cpu_before = ProcessCpuSeconds();
  const double mock_cpu_before = ThreadCpuSeconds("rdk:mock");
  YIWANG_RETURN_IF_ERROR((*importer)->Run());
  const double log_cpu = ProcessCpuSeconds() - cpu_before;
  const double mock_cpu = ThreadCpuSeconds("rdk:mock") - mock_cpu_before;
  const double log_seconds = SecondsSince(started);
  double node_seconds = log_seconds;
  if (runner != nullptr) {
    while (!runner->WaitForPosition(store->HeadPosition(), std::chrono::seconds(1))) {
      if (!runner->status().ok()) return runner->status();
    }
    node_seconds = SecondsSince(started);
  }
  const ImportStats stats = (*importer)->GetStats();
  const EventStore::Stats after = store->GetStats();
  std::printf(
      "%s: %llu events, log in %.2f s (%.0f events/s; process CPU %.2f s, %.0f events "
      "per CPU-second; of that CPU, the mock brokers %.2f s and the store threads %.2f s), node "
      "in %.2f s (%.0f events/s); %llu batches; head hash %s\n",
      label.c_str(), static_cast<unsigned long long>(stats.applied), log_seconds,
      stats.applied / log_seconds, log_cpu, stats.applied / log_cpu, mock_cpu,
      (after.writer_cpu_ns - before.writer_cpu_ns) / 1e9, node_seconds,
      stats.applied / node_seconds, static_cast<unsigned long long>(after.batches - before.batches),
      stats.head_hash.c_str());
  return Status::Ok();
}

}  // namespace

int RunBenchImport(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "events", "partitions", "durability"}, {"help"});
  if (!parsed.ok()) return UsageError("bench import", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<int64_t> events = flags.GetInt("events", 200'000, 1'000, 10'000'000);
  Result<int64_t> partitions = flags.GetInt("partitions", 64, 1, kMockPartitionsMax);
  Result<Durability> durability = ParseDurability(flags.Get("durability", "fsync"));
  if (!events.ok()) return UsageError("bench import", events.status().message(), kUsage);
  if (!partitions.ok()) return UsageError("bench import", partitions.status().message(), kUsage);
  if (!durability.ok()) return UsageError("bench import", durability.status().message(), kUsage);
  const std::string base = flags.Get("data", "./yiwang-bench-import");
  std::filesystem::remove_all(base);

  HistoryOptions history;
  history.data_dir = base + "/origin";
  history.events = static_cast<uint64_t>(*events);
  Result<HistoryFigures> generated = GenerateHistory(history);
  if (!generated.ok()) return Fail("generating the history", generated.status());
  KafkaMockClusterOptions cluster_options;
  cluster_options.port_base = 0;
  cluster_options.partitions = static_cast<int>(*partitions);
  Result<std::unique_ptr<KafkaMockCluster>> cluster = KafkaMockCluster::Create(cluster_options);
  if (!cluster.ok()) return Fail("mock cluster", cluster.status());
  const std::string& brokers = (*cluster)->bootstrap();
  {
    Result<std::unique_ptr<EventStore>> origin =
        OpenLog(LogPath(history.data_dir), Durability::kOs);
    if (!origin.ok()) return Fail("opening the origin", origin.status());
    std::printf("origin: %llu events, head hash %s\n",
                static_cast<unsigned long long>((*origin)->HeadPosition()),
                (*origin)->HeadHash().c_str());
    if (Status status = Publish(origin->get(), brokers); !status.ok()) {
      return Fail("publishing", status);
    }
  }

  Result<std::unique_ptr<EventStore>> log_only = OpenLog(base + "/log-only", *durability);
  if (!log_only.ok()) return Fail("opening the import log", log_only.status());
  if (Status status = ImportOnce(log_only->get(), brokers, "import (log only)", nullptr);
      !status.ok()) {
    return Fail("import", status);
  }
  log_only->reset();

  // A whole node: the projections follow the log while it is imported, as in `yiwang import`.
  Result<WorkingCalendar> calendar = LoadCalendar("");
  if (!calendar.ok()) return Fail("calendar", calendar.status());
  std::filesystem::create_directories(base + "/node");
  Result<std::unique_ptr<EventStore>> node_log = OpenLog(LogPath(base + "/node"), *durability);
  if (!node_log.ok()) return Fail("opening the node log", node_log.status());
  Result<std::unique_ptr<projections::ReadModels>> read_models =
      projections::ReadModels::Open(ReadModelsPath(base + "/node"), &*calendar);
  if (!read_models.ok()) return Fail("read models", read_models.status());
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(node_log->get(), (*read_models)->store(),
                                            (*read_models)->all());
  if (!runner.ok()) return Fail("runner", runner.status());
  if (Status status = (*runner)->Start(); !status.ok()) return Fail("runner", status);
  Status imported = ImportOnce(node_log->get(), brokers, "import (node)", runner->get());
  (*runner)->Stop();
  if (!imported.ok()) return Fail("import", imported);
  return 0;
}

}  // namespace yiwang::tools
