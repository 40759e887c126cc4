// The command-handling entry point of the write side (DESIGN.md §5): load a case by reading its
// stream, decide in domain/, append the events with the version that was read, retry once on a
// concurrency conflict unless the client pinned the version (If-Match). The HTTP routes of §8
// call Handle(); so do tests and load generators.
//
// Thread-safe: any number of threads may call Handle() concurrently; the event store serialises
// the appends and the expected version catches every race. The store, calendar and catalog
// lookups are borrowed and must outlive the handler.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace yiwang::api {

struct CommandRequest {
  std::string case_number;  // empty for submit
  CaseCommand command;
  Actor actor;
  std::optional<uint32_t> if_match;  // the version the client pinned
  std::string idempotency_key;       // optional; scoped by the caller (e.g. per token)
  std::string correlation_id;
  // Called with the loaded case (and its catalog item, when known) before the command is
  // decided; a non-OK Status refuses the command unchanged. The HTTP layer checks role scopes
  // here (a citizen's own case, an officer's department). Not called for submit.
  std::function<Status(const CaseState&, const CatalogItem*)> authorize;
};

struct CommandOutcome {
  std::string case_number;
  CaseStatus status = CaseStatus::kNone;
  uint32_t version = 0;
  uint64_t position = 0;   // position of the last event appended
  std::string query_code;  // submit only: the citizen's 查询密码, shown once
  bool duplicate = false;  // an earlier request with the same idempotency key was returned
  // Events appended (empty for a duplicate).
  std::vector<std::string> event_types;
};

// Why a command failed, with the stream's actual version for a version conflict (HTTP 412).
struct CommandError {
  Status status;
  uint32_t actual_version = 0;
};

inline constexpr size_t kCaseCacheEntriesMax = 100'000;

struct CommandHandlerOptions {
  // Division of the authority when an item's department does not start with one.
  std::string default_division = "330106";
  int rectification_working_days = kRectificationWorkingDaysDefault;
  int supplement_working_days = kSupplementWorkingDaysDefault;
  std::function<Timestamp()> clock;  // default: the system clock
  // Folded cases kept in memory, least recently used evicted; 0 disables the cache.
  size_t case_cache_entries_max = kCaseCacheEntriesMax;
};

class CommandHandler {
 public:
  CommandHandler(EventStore* store, const WorkingCalendar* calendar, CommandHandlerOptions options);

  // Runs one command. Errors: those of Decide (400/403/409), kNotFound for an unknown case,
  // kAborted with reason "version_conflict" (If-Match did not match, or the retry lost again),
  // kUnavailable when the store is closed or failed.
  std::variant<CommandOutcome, CommandError> Handle(const CommandRequest& request);

  // The folded state of a case, up to a version when given, and a catalog item (kNotFound when
  // the case or item does not exist).
  Result<CaseState> LoadCase(const std::string& case_number,
                             uint32_t up_to_version = UINT32_MAX) const;
  Result<CatalogItem> LoadCatalogItem(const std::string& code) const;

 private:
  std::variant<CommandOutcome, CommandError> HandleOnce(const CommandRequest& request, bool fresh,
                                                        bool* retry_on_conflict);
  std::variant<CommandOutcome, CommandError> DuplicateOutcome(const CommandRequest& request,
                                                              const AppendResult& original) const;
  Result<std::string> AllocateCaseNumber(const std::string& division, CivilDate date);

  // The case as this process last saw it, or a fresh fold of its stream.
  Result<CaseState> CachedCase(const std::string& case_number, bool fresh);
  void RememberCase(const CaseState& state);
  Result<CatalogItem> CachedCatalogItem(const std::string& code);

  EventStore* store_;
  const WorkingCalendar* calendar_;
  CommandHandlerOptions options_;
  // Bounded LRU of folded cases. A stale entry is harmless: the append's expected version
  // catches it and the retry folds the stream afresh.
  std::mutex cache_mutex_;
  std::list<CaseState> case_lru_;  // most recently used first
  std::unordered_map<std::string, std::list<CaseState>::iterator> case_index_;
  // Catalog items with the version of their stream, checked on every use.
  std::map<std::string, std::pair<uint32_t, CatalogItem>> item_cache_;
  // Next daily sequence per "<division><yyyymmdd>", found by probing the store on first use.
  std::mutex sequence_mutex_;
  std::map<std::string, int> next_sequence_;
};

}  // namespace yiwang::api
