// `yiwang replay`: rebuilds all or named projections from the event log (DESIGN.md §7), with a
// progress bar on a terminal (plain lines otherwise) and the events/s figure at the end.
#include "tools/replay.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "eventstore/event_store.h"
#include "projections/read_models.h"
#include "projections/runner.h"
#include "tools/commands.h"
#include "tools/cpu_time.h"
#include "tools/flags.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang replay [flags] [NAME…]\n"
    "\n"
    "  --data DIR             data directory (default ./yiwang-data): the log, DIR/log, is opened\n"
    "                         read-only; the read models, DIR/read, must not be in use (stop the\n"
    "                         server first)\n"
    "  --projection NAMES     comma-separated projections to rebuild, or all (the default); more\n"
    "                         names may follow as arguments\n"
    "  --calendar-dir DIR     extra working-day calendar years, as given to serve\n"
    "  --quiet                no progress, only the result line\n";

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kBarRedrawInterval{100};
constexpr std::chrono::seconds kPlainLineInterval{5};
constexpr int kBarWidth = 30;

std::vector<std::string> SplitNames(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  for (std::string name; std::getline(stream, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

bool IsLockedError(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().find("lock") != std::string::npos;
}

// Draws progress on stderr: one redrawn line on a terminal, a plain line every few seconds
// otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool terminal) : terminal_(terminal) {}
  void Update(uint64_t position, uint64_t head) {
    const Clock::time_point now = Clock::now();
    const bool finished = position >= head;
    const auto interval = terminal_
                              ? std::chrono::duration_cast<Clock::duration>(kBarRedrawInterval)
                              : std::chrono::duration_cast<Clock::duration>(kPlainLineInterval);
    if (!finished && now - last_drawn_ < interval) return;
    last_drawn_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double fraction = head == 0 ? 1.0 : static_cast<double>(position) / head;
    const double rate = seconds > 0 ? position / seconds : 0;
    const double eta = rate > 0 ? (head - position) / rate : 0;
    if (terminal_) {
      const int filled = static_cast<int>(fraction * kBarWidth);
      std::fprintf(stderr, "\r[%s%s] %5.1f%% %llu/%llu events, %.0f events/s, ETA %.0f s  ",
                   std::string(filled, '#').c_str(), std::string(kBarWidth - filled, '.').c_str(),
                   fraction * 100, static_cast<unsigned long long>(position),
                   static_cast<unsigned long long>(head), rate, eta);
      drawn_ = true;
    } else {
      std::fprintf(stderr, "replay: %.1f%% (%llu of %llu events), %.0f events/s, ETA %.0f s\n",
                   fraction * 100, static_cast<unsigned long long>(position),
                   static_cast<unsigned long long>(head), rate, eta);
    }
  }
  void Finish() {
    if (drawn_) std::fputc('\n', stderr);
  }

 private:
  bool terminal_;
  bool drawn_ = false;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_drawn_{};
};

}  // namespace

Result<ReplayFigures> ReplayReadModels(const ReplayOptions& options) {
  Result<WorkingCalendar> calendar = LoadCalendar(options.calendar_dir);
  if (!calendar.ok()) return calendar.status();
  EventStoreOptions store_options;
  store_options.path = LogPath(options.data_dir);
  store_options.read_only = true;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  const std::string read_path = ReadModelsPath(options.data_dir);
  Result<std::unique_ptr<projections::ReadModels>> models =
      projections::ReadModels::Open(read_path, &*calendar, /*for_rebuild=*/true);
  if (!models.ok()) {
    if (IsLockedError(models.status())) {
      return Unavailable("the read models at " + read_path +
                         " are in use by another process (is a server running? stop it first): " +
                         models.status().message());
    }
    return models.status();
  }
  std::vector<projections::Projection*> chosen;
  for (const std::string& name : options.projections) {
    if (name == "all") continue;
    projections::Projection* projection = (*models)->Find(name);
    if (projection == nullptr) {
      return InvalidArgument("no projection '" + name + "'; valid names: " + (*models)->Names() +
                             " or all");
    }
    if (std::find(chosen.begin(), chosen.end(), projection) == chosen.end()) {
      chosen.push_back(projection);
    }
  }
  const bool all =
      chosen.empty() || std::find(options.projections.begin(), options.projections.end(), "all") !=
                            options.projections.end();
  if (all) chosen = (*models)->all();

  ReplayFigures figures;
  for (projections::Projection* projection : chosen) {
    YIWANG_RETURN_IF_ERROR(projections::ProjectionRunner::Rebuild((*models)->store(), projection));
    figures.rebuilt.emplace_back(projection->name());
  }
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(store->get(), (*models)->store(), chosen);
  if (!runner.ok()) return runner.status();
  projections::CatchUpOptions catch_up;
  catch_up.bulk = true;
  catch_up.stay_bulk = true;  // the store is closed next
  catch_up.progress = options.progress;
  const Clock::time_point started = Clock::now();
  const double cpu_started = ProcessCpuSeconds();
  const double kernel_started = ProcessKernelSeconds();
  YIWANG_RETURN_IF_ERROR((*runner)->CatchUp(catch_up));
  figures.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  figures.cpu_seconds = ProcessCpuSeconds() - cpu_started;
  figures.kernel_seconds = ProcessKernelSeconds() - kernel_started;
  figures.events = (*runner)->position();
  return figures;
}

int RunReplay(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "projection", "calendar-dir"}, {"quiet", "help"});
  if (!parsed.ok()) return UsageError("replay", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  ReplayOptions options;
  options.data_dir = flags.Get("data", "./yiwang-data");
  options.calendar_dir = flags.Get("calendar-dir");
  options.projections = SplitNames(flags.Get("projection", ""));
  for (const std::string& name : flags.positional()) options.projections.push_back(name);
  if (flags.Has("projection") && options.projections.empty()) {
    return UsageError("replay", "--projection needs at least one name", kUsage);
  }
  ProgressPrinter printer(isatty(STDERR_FILENO) != 0);
  if (!flags.Has("quiet")) {
    options.progress = [&printer](uint64_t position, uint64_t head) {
      printer.Update(position, head);
    };
  }
  Result<ReplayFigures> figures = ReplayReadModels(options);
  printer.Finish();
  if (!figures.ok()) {
    if (figures.status().code() == StatusCode::kInvalidArgument) {
      return UsageError("replay", figures.status().message(), kUsage);
    }
    std::fprintf(stderr, "yiwang replay: %s\n", figures.status().ToString().c_str());
    return 1;
  }
  std::string names;
  for (const std::string& name : figures->rebuilt) names += (names.empty() ? "" : ",") + name;
  std::printf(
      "replayed %llu events into %s in %.2f s: %.0f events/s (%.2f s of CPU, %.2f s of it in the "
      "kernel)\n",
      static_cast<unsigned long long>(figures->events), names.c_str(), figures->seconds,
      figures->seconds > 0 ? figures->events / figures->seconds : 0.0, figures->cpu_seconds,
      figures->kernel_seconds);
  return 0;
}

}  // namespace yiwang::tools
