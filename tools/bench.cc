// `yiwang bench <name>`: dispatches to the benchmark; each prints one line per figure.
#include <cstdio>
#include <string_view>

#include "tools/commands.h"

namespace yiwang::tools {

int RunBench(int argc, char** argv) {
  constexpr char kUsage[] =
      "usage: yiwang bench <name> [flags]\n"
      "\n"
      "  append   event store append throughput and commit latency, beside raw RocksDB\n"
      "  http     HTTP commands/s and latency for a lifecycle workload at 64 connections\n"
      "  kafka    Kafka publication events/s and end-to-end lag (in-process mock cluster)\n"
      "  import   import events/s from Kafka (in-process mock cluster) into a log and a node\n"
      "  replay   replay of a generated 1,000,000-event history into every projection\n"
      "\n"
      "`yiwang bench <name> --help` describes its flags.\n";
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "append") return RunBenchAppend(argc - 1, argv + 1);
  if (name == "http") return RunBenchHttp(argc - 1, argv + 1);
  if (name == "kafka") return RunBenchKafka(argc - 1, argv + 1);
  if (name == "import") return RunBenchImport(argc - 1, argv + 1);
  if (name == "replay") return RunBenchReplay(argc - 1, argv + 1);
  std::fprintf(stderr, "yiwang bench: unknown benchmark '%s'\n\n%s", argv[1], kUsage);
  return 2;
}

}  // namespace yiwang::tools
