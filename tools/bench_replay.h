// Pieces of `yiwang bench replay`: the generator of a realistic case history, used by the
// benchmark and (through `yiwang bench replay --generate-only`) by the replay tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "domain/status.h"

namespace yiwang::tools {

inline constexpr uint64_t kHistoryEventsMax = 100'000'000;

struct HistoryOptions {
  std::string data_dir;         // the log is written to LogPath(data_dir); must not exist yet
  uint64_t events = 1'000'000;  // generation stops at the first command reaching this many events
  uint64_t seed = 20'260'927;
  std::function<void(uint64_t events)> progress;  // called every 100,000 events or so
};

struct HistoryFigures {
  uint64_t events = 0;  // head position of the generated log (catalog events included)
  uint64_t cases = 0;   // cases submitted
  double seconds = 0;
};

// Publishes the demo catalog, then runs cases through the lifecycle of domain/case.h: each
// command is decided by Decide() against the folded case, as the command handler does, and
// appended with os durability, many appends in flight. Cases interleave (a few thousand are open
// at any time), over several items, departments, channels and ~20,000 applicants, on a simulated
// clock starting 2025-01-06. Deterministic for a given seed (except recorded_at and the catalog's
// occurred_at). kInvalidArgument when the log exists; errors of the store and of Decide otherwise.
Result<HistoryFigures> GenerateHistory(const HistoryOptions& options);

}  // namespace yiwang::tools
