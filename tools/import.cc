// `yiwang import`: builds a complete node (event log with the origin's positions and hashes, every
// projection) from the Kafka topics, verifying the chain as it goes (DESIGN.md §6). With --follow
// it keeps consuming until SIGINT/SIGTERM, so the directory stays a live replica.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "api/log.h"
#include "eventstore/kafka_importer.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/node.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang import --kafka-brokers HOST:PORT,… [flags]\n"
    "\n"
    "  --kafka-brokers LIST   the Kafka cluster the origin publishes to (required)\n"
    "  --data DIR             data directory to build (default ./yiwang-data): the log in\n"
    "                         DIR/log, the read models in DIR/read; an existing replica resumes\n"
    "                         where its log ends\n"
    "  --follow               keep following the topics until SIGINT/SIGTERM\n"
    "  --topic-prefix P       topics P.case-events and P.catalog-events (default yiwang)\n"
    "  --durability MODE      fsync (default) or os, as for serve\n"
    "  --calendar-dir DIR     extra working-day calendar years, as for serve\n"
    "  --gap-wait-ms N        how long a missing position may be awaited while later ones are\n"
    "                         there before import fails (default 10000)\n"
    "  --quiet                print only the result line\n"
    "\n"
    "Exit 0 with the head position and head hash (equal to `yiwang verify` on the origin), 1 when\n"
    "the topics have a gap, a position twice with different bytes, or an event whose hash does\n"
    "not recompute.\n";

constexpr std::chrono::milliseconds kProjectionWaitStep{1'000};
constexpr int kProjectionWaitStepsMax = 3'600;  // an hour of projection catch-up

void PrintProgress(const ImportStats& stats) {
  std::fprintf(stderr,
               "imported %llu events (%.0f events/s), head %llu, %llu duplicates dropped, "
               "%zu messages waiting in %zu partitions\n",
               static_cast<unsigned long long>(stats.applied), stats.events_per_second,
               static_cast<unsigned long long>(stats.head_position),
               static_cast<unsigned long long>(stats.duplicates), stats.buffered_messages,
               stats.partitions);
}

// Waits until every projection has applied the log's head, printing progress.
Status WaitForProjections(Node& node, bool quiet) {
  const uint64_t head = node.store().HeadPosition();
  for (int step = 0; step < kProjectionWaitStepsMax; ++step) {
    if (node.runner().WaitForPosition(head, kProjectionWaitStep)) return Status::Ok();
    if (!node.runner().status().ok()) return node.runner().status();
    if (!quiet) {
      std::fprintf(stderr, "projections at position %llu of %llu\n",
                   static_cast<unsigned long long>(node.runner().position()),
                   static_cast<unsigned long long>(head));
    }
  }
  return Unavailable("projections did not catch up with position " + std::to_string(head));
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "yiwang import: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

int RunImport(int argc, char** argv) {
  Result<Flags> parsed = Flags::Parse(
      argc, argv,
      {"kafka-brokers", "data", "topic-prefix", "durability", "calendar-dir", "gap-wait-ms"},
      {"follow", "quiet", "help"});
  if (!parsed.ok()) return UsageError("import", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!flags.positional().empty()) return UsageError("import", "unexpected argument", kUsage);
  if (flags.Get("kafka-brokers").empty()) {
    return UsageError("import", "--kafka-brokers is required", kUsage);
  }
  Result<int64_t> gap_wait_ms = flags.GetInt("gap-wait-ms", 10'000, 1, 3'600'000);
  if (!gap_wait_ms.ok()) return UsageError("import", gap_wait_ms.status().message(), kUsage);
  Result<Durability> durability = ParseDurability(flags.Get("durability", "fsync"));
  if (!durability.ok()) return UsageError("import", durability.status().message(), kUsage);
  const bool quiet = flags.Has("quiet");
  if (quiet) api::SetLogLevel(api::LogLevel::kWarning);

  NodeOptions node_options;
  node_options.data_dir = flags.Get("data", "./yiwang-data");
  node_options.durability = *durability;
  node_options.calendar_dir = flags.Get("calendar-dir");
  node_options.read_only = true;
  sigset_t stop_signals = BlockStopSignals();
  sigaddset(&stop_signals, SIGUSR1);  // sent by main to end the watcher
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Result<std::unique_ptr<Node>> opened = Node::Open(node_options);
  if (!opened.ok()) return Fail("cannot open " + node_options.data_dir, opened.status());
  Node& node = **opened;

  KafkaImporterOptions options;
  options.brokers = flags.Get("kafka-brokers");
  options.topic_prefix = flags.Get("topic-prefix", "yiwang");
  options.follow = flags.Has("follow");
  options.gap_wait = std::chrono::milliseconds(*gap_wait_ms);
  if (!quiet) options.progress = PrintProgress;
  Result<std::unique_ptr<KafkaImporter>> importer = KafkaImporter::Create(&node.store(), options);
  if (!importer.ok()) return Fail("cannot consume", importer.status());

  std::atomic<bool> interrupted{false};
  std::thread watcher([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGUSR1) interrupted.store(true);
    (*importer)->Stop();
  });
  const Status imported = (*importer)->Run();
  pthread_kill(watcher.native_handle(), SIGUSR1);
  watcher.join();
  if (!imported.ok()) {
    node.Stop();
    return Fail("refused at position " + std::to_string(node.store().HeadPosition() + 1), imported);
  }
  if (!interrupted.load()) {
    if (Status projected = WaitForProjections(node, quiet); !projected.ok()) {
      return Fail("projections", projected);
    }
  }
  const ImportStats stats = (*importer)->GetStats();
  node.Stop();
  std::printf(
      "OK imported %llu events (%llu duplicates dropped), head position %llu, head hash %s\n",
      static_cast<unsigned long long>(stats.applied),
      static_cast<unsigned long long>(stats.duplicates),
      static_cast<unsigned long long>(stats.head_position), stats.head_hash.c_str());
  return 0;
}

}  // namespace yiwang::tools
