// The `yiwang` binary: one subcommand per job (DESIGN.md §2). main() only dispatches.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "tools/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: yiwang <command> [flags]\n"
    "\n"
    "commands:\n"
    "  serve    the server: event store, read models and HTTP API\n"
    "  export   events as NDJSON, byte-identical to the stored events\n"
    "  verify   recompute the hash chain of the event log and print its head\n"
    "  replay   rebuild all or named projections from the event log\n"
    "  import   build a node (log and read models) from the Kafka topics; --follow: a replica\n"
    "  bench    benchmarks (yiwang bench append …)\n"
    "  kafka-dev  a local Kafka-protocol cluster for development and tests\n"
    "\n"
    "`yiwang <command> --help` describes a command's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "serve") return yiwang::tools::RunServe(argc - 1, argv + 1);
  if (command == "export") return yiwang::tools::RunExport(argc - 1, argv + 1);
  if (command == "verify") return yiwang::tools::RunVerify(argc - 1, argv + 1);
  if (command == "replay") return yiwang::tools::RunReplay(argc - 1, argv + 1);
  if (command == "import") return yiwang::tools::RunImport(argc - 1, argv + 1);
  if (command == "bench") return yiwang::tools::RunBench(argc - 1, argv + 1);
  if (command == "kafka-dev") return yiwang::tools::RunKafkaDev(argc - 1, argv + 1);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "yiwang: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
