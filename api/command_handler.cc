#include "api/command_handler.h"

#include <sys/random.h>

#include <chrono>

#include "domain/case_number.h"
#include "eventstore/digest.h"

namespace yiwang::api {
namespace {

constexpr int kQueryCodeDigits = 8;
constexpr size_t kSequenceCacheEntriesMax = 10'000;

Timestamp SystemNow() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

// Random digits / hex from the kernel's CSPRNG, one getrandom(2) call per text. (libstdc++ 12's
// std::random_device uses RDSEED on this CPU, one instruction per number, retried with pauses
// while the entropy source refills: it was 13% of the CPU time of a command.)
std::string RandomText(size_t length, std::string_view alphabet) {
  // Bytes at or above the largest multiple of the alphabet size are dropped: no modulo bias.
  const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
  std::string text;
  text.reserve(length);
  unsigned char bytes[64];
  while (text.size() < length) {
    const ssize_t got = getrandom(bytes, sizeof(bytes), 0);
    if (got <= 0) continue;  // EINTR; getrandom does not fail otherwise once the pool is ready
    for (ssize_t index = 0; index < got && text.size() < length; ++index) {
      if (bytes[index] < limit) text.push_back(alphabet[bytes[index] % alphabet.size()]);
    }
  }
  return text;
}

// The division a case number starts with: the first 6 characters of the item's department
// ("330106-GA-HZ") when they are digits.
std::string DivisionOf(const CatalogItem& item, const std::string& fallback) {
  const std::string& department = item.department;
  if (department.size() < kDivisionCodeLength) return fallback;
  for (size_t index = 0; index < kDivisionCodeLength; ++index) {
    if (department[index] < '0' || department[index] > '9') return fallback;
  }
  return department.substr(0, kDivisionCodeLength);
}

CommandError ErrorOf(Status status, uint32_t actual_version = 0) {
  return CommandError{std::move(status), actual_version};
}

}  // namespace

CommandHandler::CommandHandler(EventStore* store, const WorkingCalendar* calendar,
                               CommandHandlerOptions options)
    : store_(store), calendar_(calendar), options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemNow;
}

Result<CaseState> CommandHandler::LoadCase(const std::string& case_number,
                                           uint32_t up_to_version) const {
  if (!IsWellFormedCaseNumber(case_number)) {
    return NotFound("no case " + case_number.substr(0, kCaseNumberBytesMax));
  }
  const std::string stream = CaseStreamId(case_number);
  CaseState state;
  for (uint32_t from = 1;;) {
    Result<std::vector<EventEnvelope>> page = store_->ReadStream(stream, from, kReadEventsMax);
    if (!page.ok()) return page.status();
    for (const EventEnvelope& envelope : *page) {
      if (envelope.version > up_to_version) return state;
      Result<CaseEvent> event = DecodeEventData(envelope.type, envelope.schema, envelope.data);
      if (!event.ok()) {
        return DataLoss("event " + std::to_string(envelope.position) + " of " + stream +
                        " does not decode: " + event.status().message());
      }
      state = Evolve(std::move(state),
                     RecordedCaseEvent{envelope.version, envelope.occurred_at,
                                       ActorView::Of(envelope.actor), std::move(event).value()});
    }
    if (page->size() < kReadEventsMax) break;
    from = page->back().version + 1;
  }
  if (state.version == 0) return NotFound("no case " + case_number);
  return state;
}

Result<CatalogItem> CommandHandler::LoadCatalogItem(const std::string& code) const {
  const std::string stream = std::string(kCatalogStreamPrefix) + code;
  Result<uint32_t> version = store_->StreamVersion(stream);
  if (!version.ok()) return version.status();
  if (*version == 0) return NotFound("no catalog item " + code);
  Result<std::vector<EventEnvelope>> last = store_->ReadStream(stream, *version, 1);
  if (!last.ok()) return last.status();
  if (last->empty() || last->back().type != kCatalogItemPublished) {
    return NotFound("catalog item " + code + " is retired");
  }
  return DecodeCatalogItem(last->back().data);
}

Result<std::string> CommandHandler::AllocateCaseNumber(const std::string& division,
                                                       CivilDate date) {
  std::lock_guard lock(sequence_mutex_);
  const std::string key = division + FormatDate(date);
  auto found = next_sequence_.find(key);
  if (found == next_sequence_.end()) {
    if (next_sequence_.size() >= kSequenceCacheEntriesMax) next_sequence_.clear();
    // Sequences are handed out in order, so the used ones form a prefix 1..n: binary-search the
    // first free one. A gap (an allocation whose append failed) only makes the search stop
    // early; the append's no-stream check then moves the allocation on.
    int low = 1;
    int high = kDailySequenceMax + 1;
    while (low < high) {
      const int middle = low + (high - low) / 2;
      Result<std::string> number = FormatCaseNumber(division, date, middle);
      if (!number.ok()) return number.status();
      Result<uint32_t> version = store_->StreamVersion(CaseStreamId(*number));
      if (!version.ok()) return version.status();
      if (*version > 0)
        low = middle + 1;
      else
        high = middle;
    }
    found = next_sequence_.emplace(key, low).first;
  }
  if (found->second > kDailySequenceMax) {
    return ResourceExhausted("the daily sequence of division " + division + " is used up for " +
                             FormatDate(date));
  }
  return FormatCaseNumber(division, date, found->second++);
}

Result<CaseState> CommandHandler::CachedCase(const std::string& case_number, bool fresh) {
  if (!fresh && options_.case_cache_entries_max > 0) {
    std::lock_guard lock(cache_mutex_);
    auto found = case_index_.find(case_number);
    if (found != case_index_.end()) {
      case_lru_.splice(case_lru_.begin(), case_lru_, found->second);
      return *found->second;
    }
  }
  Result<CaseState> loaded = LoadCase(case_number);
  if (loaded.ok()) RememberCase(*loaded);
  return loaded;
}

void CommandHandler::RememberCase(const CaseState& state) {
  if (options_.case_cache_entries_max == 0) return;
  std::lock_guard lock(cache_mutex_);
  auto found = case_index_.find(state.case_number);
  if (found != case_index_.end()) {
    // Concurrent commands may finish out of order: keep the newest.
    if (found->second->version <= state.version) *found->second = state;
    case_lru_.splice(case_lru_.begin(), case_lru_, found->second);
    return;
  }
  case_lru_.push_front(state);
  case_index_[state.case_number] = case_lru_.begin();
  if (case_lru_.size() > options_.case_cache_entries_max) {
    case_index_.erase(case_lru_.back().case_number);
    case_lru_.pop_back();
  }
}

Result<CatalogItem> CommandHandler::CachedCatalogItem(const std::string& code) {
  Result<uint32_t> version = store_->StreamVersion(std::string(kCatalogStreamPrefix) + code);
  if (!version.ok()) return version.status();
  {
    std::lock_guard lock(cache_mutex_);
    auto found = item_cache_.find(code);
    if (found != item_cache_.end() && found->second.first == *version) return found->second.second;
  }
  Result<CatalogItem> item = LoadCatalogItem(code);
  if (item.ok()) {
    std::lock_guard lock(cache_mutex_);
    if (item_cache_.size() >= kCaseCacheEntriesMax) item_cache_.clear();
    item_cache_[code] = {*version, *item};
  }
  return item;
}

std::variant<CommandOutcome, CommandError> CommandHandler::Handle(const CommandRequest& request) {
  // A submit may lose its case number to a concurrent one; a command may lose its version to a
  // concurrent command on the same case (or act on a stale cached fold). Either is retried once,
  // from the stream itself, unless the client pinned the version.
  bool retry = false;
  std::variant<CommandOutcome, CommandError> outcome = HandleOnce(request, /*fresh=*/false, &retry);
  if (retry) outcome = HandleOnce(request, /*fresh=*/true, &retry);
  return outcome;
}

std::variant<CommandOutcome, CommandError> CommandHandler::DuplicateOutcome(
    const CommandRequest& request, const AppendResult& original) const {
  CommandOutcome outcome;
  Result<std::string> number = CaseNumberFromStreamId(original.stream);
  if (!number.ok() || (!request.case_number.empty() && *number != request.case_number)) {
    return ErrorOf(InvalidArgument("the Idempotency-Key was already used for another request",
                                   "idempotency_key")
                       .WithReason("idempotency_key_reused"));
  }
  // The original append is what counts: report the case as that append left it. The query code
  // of a repeated submit is not known any more (only its digest is stored).
  outcome.case_number = *number;
  outcome.version = original.last_version;
  outcome.position = original.last_position;
  outcome.duplicate = true;
  Result<CaseState> state = LoadCase(outcome.case_number, original.last_version);
  if (!state.ok()) return ErrorOf(state.status());
  outcome.status = state->status;
  return outcome;
}

std::variant<CommandOutcome, CommandError> CommandHandler::HandleOnce(const CommandRequest& request,
                                                                      bool fresh,
                                                                      bool* retry_on_conflict) {
  *retry_on_conflict = false;
  // A retry of a request that was already carried out returns the original result, before the
  // command is decided again against a state the original has changed.
  if (!request.idempotency_key.empty()) {
    Result<std::optional<AppendResult>> original = store_->FindIdempotent(request.idempotency_key);
    if (!original.ok()) return ErrorOf(original.status());
    if (original->has_value()) return DuplicateOutcome(request, **original);
  }
  const Timestamp now = options_.clock();
  DecideContext context;
  context.now = now;
  context.actor = request.actor;
  context.calendar = calendar_;
  context.rectification_working_days = options_.rectification_working_days;
  context.supplement_working_days = options_.supplement_working_days;

  const auto* submit = std::get_if<SubmitCommand>(&request.command);
  CaseState state;
  std::string case_number = request.case_number;
  std::string query_code;
  std::optional<CatalogItem> item;
  if (submit != nullptr) {
    Result<CatalogItem> found = CachedCatalogItem(submit->service_code);
    if (found.ok()) {
      item = std::move(found).value();
      Result<std::string> allocated =
          AllocateCaseNumber(DivisionOf(*item, options_.default_division), LocalDateOf(now));
      if (!allocated.ok()) return ErrorOf(allocated.status());
      case_number = *allocated;
      query_code = RandomText(kQueryCodeDigits, "0123456789");
      context.case_number = case_number;
      context.query_code_hash = Sha256Hex(case_number + ":" + query_code);
    } else if (found.status().code() != StatusCode::kNotFound) {
      return ErrorOf(found.status());
    }  // an unknown item: Decide explains it with the right field and reason
  } else {
    Result<CaseState> loaded = CachedCase(request.case_number, fresh);
    if (!loaded.ok()) return ErrorOf(loaded.status());
    state = std::move(loaded).value();
    Result<CatalogItem> found = CachedCatalogItem(state.service_code);
    if (found.ok()) item = std::move(found).value();
    if (request.authorize) {
      Status allowed = request.authorize(state, item.has_value() ? &*item : nullptr);
      if (!allowed.ok()) {
        *retry_on_conflict = !fresh;  // judged on a cached fold: confirm from the stream
        return ErrorOf(std::move(allowed));
      }
    }
    if (request.if_match.has_value() && *request.if_match != state.version) {
      // A cached fold may lag a commit of a concurrent command: confirm from the stream.
      *retry_on_conflict = !fresh;
      return ErrorOf(Aborted("the case is at version " + std::to_string(state.version) + ", not " +
                             std::to_string(*request.if_match))
                         .WithReason("version_conflict"),
                     state.version);
    }
    context.order_id = RandomText(16, "0123456789abcdef");
    context.rectification_id = RandomText(16, "0123456789abcdef");
  }
  context.item = item.has_value() ? &*item : nullptr;

  Result<std::vector<CaseEvent>> decided = Decide(state, request.command, context);
  if (!decided.ok()) {
    // A refusal judged on a cached fold is confirmed from the stream before it is answered.
    *retry_on_conflict = !fresh && submit == nullptr;
    return ErrorOf(decided.status());
  }

  AppendRequest append;
  append.stream = CaseStreamId(case_number);
  append.expected = ExpectedVersion::Exact(state.version);  // 0 for submit: no stream yet
  append.idempotency_key = request.idempotency_key;
  for (const CaseEvent& event : *decided) {
    NewEvent stored;
    stored.type = std::string(EventTypeName(event));
    stored.schema = EventSchema(event);
    stored.occurred_at = now;
    stored.actor = request.actor;
    stored.correlation_id = request.correlation_id;
    stored.data = EncodeEventData(event);
    append.events.push_back(std::move(stored));
  }
  uint32_t actual_version = 0;
  Result<AppendResult> appended = store_->Append(std::move(append), &actual_version);
  if (!appended.ok()) {
    if (appended.status().code() == StatusCode::kAborted) {
      *retry_on_conflict = !request.if_match.has_value();
    }
    return ErrorOf(appended.status(), actual_version);
  }

  CommandOutcome outcome;
  outcome.case_number = case_number;
  outcome.version = appended->last_version;
  outcome.position = appended->last_position;
  if (appended->duplicate) return DuplicateOutcome(request, *appended);  // raced with the original
  uint32_t version = state.version;
  for (CaseEvent& event : *decided) {
    outcome.event_types.emplace_back(EventTypeName(event));
    state = Evolve(std::move(state), RecordedCaseEvent{++version, now, ActorView::Of(request.actor),
                                                       std::move(event)});
  }
  outcome.status = state.status;
  outcome.query_code = std::move(query_code);
  RememberCase(state);
  return outcome;
}

}  // namespace yiwang::api
