// Start-up pieces shared by the subcommands: reading data files, the demo catalog.
#pragma once

#include <signal.h>

#include <string>

#include "api/auth.h"
#include "domain/calendar.h"
#include "domain/status.h"
#include "domain/time.h"
#include "eventstore/event_store.h"

namespace yiwang::tools {

// The data directory (--data DIR): the event log in DIR/log (only eventstore opens it), the read
// models in DIR/read.
std::string LogPath(const std::string& data_dir);
std::string ReadModelsPath(const std::string& data_dir);

Result<Durability> ParseDurability(const std::string& text);

// The built-in calendar years plus every <year>.txt in `extra_dir` (when not empty). A year in
// both is an error: an operator's file must not silently replace the shipped notice.
Result<WorkingCalendar> LoadCalendar(const std::string& extra_dir);
// The wall clock as a Timestamp (the domain takes time as a value, never reads a clock).
Timestamp SystemNow();

// What an operator must hear when the calendar runs out within kCalendarWarningDays of `today`
// (deadlines past its last year are not computed: the case shows no deadline); empty otherwise.
inline constexpr int kCalendarWarningDays = 60;
std::string CalendarEndWarning(const WorkingCalendar& calendar, CivilDate today);

// Publishes each demo catalog item whose stream does not exist yet as a CatalogItemPublished
// event (idempotent: a second start publishes nothing). Returns how many were published.
Result<int> PublishDemoCatalog(EventStore* store);

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts afterwards
// (call it first); the long-running commands then wait for one with sigwait on the set returned.
sigset_t BlockStopSignals();

// The tokens of `auth_file` (when not empty) plus, with `demo`, the fixed demo tokens.
Result<api::TokenRegistry> LoadTokens(const std::string& auth_file, bool demo);

// The whole file, or kNotFound / kUnavailable naming the path.
Result<std::string> ReadFile(const std::string& path);

}  // namespace yiwang::tools
