// `yiwang replay` as a function, so the replay benchmark measures exactly what the command runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/status.h"

namespace yiwang::tools {

struct ReplayOptions {
  std::string data_dir;  // the log in LogPath(), the read models in ReadModelsPath()
  std::vector<std::string> projections;  // names to rebuild; empty: every projection
  std::string calendar_dir;              // extra calendar years, as for serve
  // Called after each commit with the position applied and the head being replayed to.
  std::function<void(uint64_t position, uint64_t head)> progress;
};

struct ReplayFigures {
  uint64_t events = 0;     // events applied (the log's head at the start)
  double seconds = 0;      // from the first event read to the final flush, opening excluded
  double cpu_seconds = 0;  // CPU time of the whole process over the same span (all threads)
  double kernel_seconds = 0;  // the part of cpu_seconds in the kernel (page faults, file I/O)
  std::vector<std::string> rebuilt;  // projection names, in feeding order
};

// Opens the log read-only and the read models (exclusively), clears the named projections and
// rebuilds them from position 1 in bulk mode (ProjectionRunner::CatchUp with bulk).
// kInvalidArgument naming the valid projections for an unknown name; kUnavailable saying
// "is a server running?" when the read models are locked by another process.
Result<ReplayFigures> ReplayReadModels(const ReplayOptions& options);

}  // namespace yiwang::tools
