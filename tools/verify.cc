// `yiwang verify`: recomputes the hash chain of the stored log (or a range of it) and prints the
// head hash. Exit 0 when every event checks out, 1 with the first bad position otherwise.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "eventstore/event_store.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang verify [flags]\n"
    "\n"
    "  --data DIR     data directory (default ./yiwang-data); its log, DIR/log, is opened "
    "read-only\n"
    "  --from N       first position to check (default 1)\n"
    "  --to N         last position to check, inclusive (default: the head)\n"
    "  --quiet        print only the result line\n";

}  // namespace

int RunVerify(int argc, char** argv) {
  Result<Flags> parsed = Flags::Parse(argc, argv, {"data", "from", "to"}, {"quiet", "help"});
  if (!parsed.ok()) return UsageError("verify", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<std::pair<uint64_t, uint64_t>> range = flags.GetPositionRange();
  if (!range.ok()) return UsageError("verify", range.status().message(), kUsage);

  VerifyOptions options;
  options.from_position = range->first;
  options.to_position = range->second;
  const bool quiet = flags.Has("quiet");
  const bool terminal = isatty(STDERR_FILENO) != 0;
  if (!quiet) {
    options.progress = [terminal](uint64_t position) {
      std::fprintf(stderr,
                   terminal ? "\rverified up to position %llu" : "verified up to position %llu\n",
                   static_cast<unsigned long long>(position));
    };
  }
  const auto started = std::chrono::steady_clock::now();
  Result<VerifyReport> report = VerifyChain(LogPath(flags.Get("data", "./yiwang-data")), options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!quiet && terminal) std::fputc('\n', stderr);
  if (!report.ok()) {
    std::fprintf(stderr, "yiwang verify: %s\n", report.status().ToString().c_str());
    return 1;
  }
  if (!report->ok) {
    std::printf("FAILED at position %llu: %s\n",
                static_cast<unsigned long long>(report->bad_position), report->problem.c_str());
    return 1;
  }
  std::printf("OK %llu events, positions %llu..%llu, head hash %s\n",
              static_cast<unsigned long long>(report->events_checked),
              static_cast<unsigned long long>(report->first_position),
              static_cast<unsigned long long>(report->last_position), report->last_hash.c_str());
  if (!quiet) {
    std::fprintf(stderr, "checked %llu events in %.2f s (%.0f events/s)\n",
                 static_cast<unsigned long long>(report->events_checked), seconds,
                 seconds > 0 ? report->events_checked / seconds : 0.0);
  }
  return 0;
}

}  // namespace yiwang::tools
