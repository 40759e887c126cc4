// The read side of the audit trail: filtered pages of the log, supervision orders.
#include <algorithm>
#include <unordered_set>

#include "domain/events.h"
#include "projections/audit.h"
#include "projections/audit_format.h"

namespace yiwang::projections {

using namespace audit_format;  // NOLINT(google-build-using-namespace): this module's own format

namespace {

constexpr size_t kStreamReadEventsMax = 1000;

// What a page is looking for, resolved to entry values.
struct Match {
  uint8_t type = 0;  // 0: any
  bool by_actor = false;
  uint32_t actor_hash = 0;
  bool by_department = false;
  std::unordered_set<uint32_t> departments;  // allowed department ids (when by_department)

  bool operator()(const Entry& entry) const {
    if (entry.type == kNoEntry) return false;
    if (type != 0 && entry.type != type) return false;
    if (by_actor && entry.actor_hash != actor_hash) return false;
    return !by_department || departments.contains(entry.department);
  }
};

Status CheckFilterValue(const std::string& value, const char* field) {
  if (value.size() > kAuditFilterBytesMax) {
    return InvalidArgument(std::string(field) + " is longer than " +
                               std::to_string(kAuditFilterBytesMax) + " bytes",
                           field)
        .WithReason("invalid_value");
  }
  return Status::Ok();
}

Status CheckFilter(const AuditFilter& filter, size_t limit) {
  if (limit < 1 || limit > kAuditPageItemsMax) {
    return InvalidArgument("limit must be 1.." + std::to_string(kAuditPageItemsMax), "limit")
        .WithReason("invalid_value");
  }
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.case_number, "case"));
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.actor, "actor"));
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.department, "department"));
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.type, "type"));
  if (!filter.type.empty() && !IsKnownType(filter.type)) {
    return InvalidArgument("unknown event type '" + filter.type + "'", "type")
        .WithReason("invalid_value");
  }
  if (filter.from && filter.to && *filter.to < *filter.from) {
    return InvalidArgument("to is before from", "to").WithReason("invalid_value");
  }
  return Status::Ok();
}

// The department ids the filter and the scope allow; `by_department` false when both are empty.
Status ResolveDepartments(const ReadStore& store, const AuditFilter& filter, Match* match) {
  if (filter.department.empty() && filter.division_prefix.empty()) return Status::Ok();
  match->by_department = true;
  if (!filter.department.empty()) {
    if (!filter.department.starts_with(filter.division_prefix)) return Status::Ok();  // none
    Result<std::optional<std::string>> id =
        store.Get(kAuditFamily, TaggedKey(kDepartmentTag, filter.department));
    if (!id.ok()) return id.status();
    if (id->has_value()) {
      if (std::optional<uint32_t> value = ParseU32(**id)) match->departments.insert(*value);
    }
    return Status::Ok();
  }
  const std::string prefix = TaggedKey(kDepartmentTag, filter.division_prefix);
  return store.Scan(kAuditFamily, prefix, "", [&](std::string_view, std::string_view value) {
    if (std::optional<uint32_t> id = ParseU32(value)) match->departments.insert(*id);
    return true;
  });
}

// recorded_at of the event at `position`.
Result<Timestamp> RecordedAt(const EventStore& log, uint64_t position) {
  Result<std::vector<StoredEvent>> events = log.ReadAll(position, 1);
  if (!events.ok()) return events.status();
  if (events->empty()) return DataLoss("audit trail: no event at " + std::to_string(position));
  Result<EventEnvelope> envelope = DecodeEnvelope(events->front().bytes);
  if (!envelope.ok()) return envelope.status();
  return envelope->recorded_at;
}

// The first position in [low, high] whose recorded_at is at least (after == false) or after
// (after == true) `time`; high + 1 when there is none. recorded_at grows with the position.
Result<uint64_t> FirstPosition(const EventStore& log, uint64_t low, uint64_t high, Timestamp time,
                               bool after) {
  uint64_t end = high + 1;
  while (low < end) {
    const uint64_t middle = low + (end - low) / 2;
    Result<Timestamp> recorded = RecordedAt(log, middle);
    if (!recorded.ok()) return recorded.status();
    const bool past = after ? *recorded > time : *recorded >= time;
    if (past) {
      end = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

// Entries by position, reading each chunk once.
class EntryReader {
 public:
  explicit EntryReader(const ReadStore& store) : store_(store) {}
  Result<Entry> At(uint64_t position) {
    const uint64_t index = (position - 1) / kAuditChunkEntries;
    if (index != index_) {
      Result<std::optional<std::string>> chunk = store_.Get(kAuditFamily, ChunkKey(index));
      if (!chunk.ok()) return chunk.status();
      chunk_ = chunk->value_or("");
      index_ = index;
    }
    return GetEntry(chunk_, (position - 1) % kAuditChunkEntries);
  }

 private:
  const ReadStore& store_;
  uint64_t index_ = UINT64_MAX;
  std::string chunk_;
};

struct PositionRange {
  uint64_t low = 1;
  uint64_t high = 0;  // inclusive; empty when low > high
};

// The positions a page may look at: from the cursor (else 1) to the last indexed one, narrowed
// by the time filter.
Result<PositionRange> RangeOf(const EventStore& log, const AuditFilter& filter,
                              std::string_view cursor, uint64_t indexed) {
  PositionRange range{1, indexed};
  if (!cursor.empty()) {
    Result<uint64_t> parsed = ParseCursor(cursor);
    if (!parsed.ok()) return parsed.status();
    range.low = *parsed;
  }
  if (filter.from && range.low <= range.high) {
    Result<uint64_t> first = FirstPosition(log, range.low, range.high, *filter.from, false);
    if (!first.ok()) return first.status();
    range.low = *first;
  }
  if (filter.to && range.low <= range.high) {
    Result<uint64_t> past = FirstPosition(log, range.low, range.high, *filter.to, true);
    if (!past.ok()) return past.status();
    range.high = *past - 1;
  }
  return range;
}

// Positions whose entries match, up to `limit`, and where the next page starts.
class Candidates {
 public:
  Candidates(const ReadStore& store, const Match& match, size_t limit)
      : entries_(store), match_(match), limit_(limit) {}

  // Every position of the range, at most kAuditScanPositionsMax of them.
  Status ScanRange(const PositionRange& range) {
    if (range.low > range.high) return Status::Ok();
    const uint64_t examined = std::min(range.high - range.low + 1, kAuditScanPositionsMax);
    for (uint64_t position = range.low; position < range.low + examined; ++position) {
      Result<bool> go_on = Consider(position);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return Status::Ok();
    }
    next_ = range.low + examined;  // the budget ran out (or the range did: next_ > high)
    return Status::Ok();
  }

  // The positions of one stream inside the range.
  Status ScanStream(const EventStore& log, const std::string& stream, const PositionRange& range) {
    for (uint32_t version = 1; range.low <= range.high;) {
      Result<std::vector<StoredEvent>> events =
          log.ReadStreamRaw(stream, version, kStreamReadEventsMax);
      if (!events.ok()) return events.status();
      for (const StoredEvent& event : *events) {
        if (event.position < range.low || event.position > range.high) continue;
        Result<bool> go_on = Consider(event.position);
        if (!go_on.ok()) return go_on.status();
        if (!*go_on) return Status::Ok();
      }
      if (events->size() < kStreamReadEventsMax) return Status::Ok();
      version += static_cast<uint32_t>(events->size());
    }
    return Status::Ok();
  }

  const std::vector<std::pair<uint64_t, uint32_t>>& found() const { return found_; }
  uint64_t next() const { return next_; }  // 0: no next page

 private:
  // False once the page is full.
  Result<bool> Consider(uint64_t position) {
    Result<Entry> entry = entries_.At(position);
    if (!entry.ok()) return entry.status();
    if (match_(*entry)) found_.emplace_back(position, entry->department);
    if (found_.size() < limit_) return true;
    next_ = position + 1;
    return false;
  }

  EntryReader entries_;
  const Match& match_;
  const size_t limit_;
  std::vector<std::pair<uint64_t, uint32_t>> found_;  // position, department id
  uint64_t next_ = 0;
};

Result<std::unordered_map<uint32_t, std::string>> DepartmentNames(const ReadStore& store) {
  std::unordered_map<uint32_t, std::string> names;
  Status status = store.Scan(kAuditFamily, std::string(1, kDepartmentTag), "",
                             [&](std::string_view key, std::string_view value) {
                               if (std::optional<uint32_t> id = ParseU32(value)) {
                                 names.emplace(*id, std::string(key.substr(1)));
                               }
                               return true;
                             });
  if (!status.ok()) return status;
  return names;
}

// Reads the candidates back from the log and keeps those that really match (the actor hash can
// collide; recorded_at is checked exactly).
Status Collect(const EventStore& log, const AuditFilter& filter,
               const std::vector<std::pair<uint64_t, uint32_t>>& candidates,
               const std::unordered_map<uint32_t, std::string>& names, AuditPage* page) {
  for (const auto& [position, department] : candidates) {
    Result<std::vector<StoredEvent>> events = log.ReadAll(position, 1);
    if (!events.ok()) return events.status();
    if (events->empty()) return DataLoss("audit trail: no event at " + std::to_string(position));
    Result<EventEnvelope> envelope = DecodeEnvelope(events->front().bytes);
    if (!envelope.ok()) return envelope.status();
    if (!filter.actor.empty() && envelope->actor.id != filter.actor) continue;
    if (filter.from && envelope->recorded_at < *filter.from) continue;
    if (filter.to && envelope->recorded_at > *filter.to) continue;
    auto name = names.find(department);
    page->items.push_back(
        AuditItem{std::move(events->front()), name == names.end() ? std::string() : name->second});
  }
  return Status::Ok();
}

}  // namespace

Result<uint64_t> AuditTrail::IndexedPosition() const {
  Result<std::optional<std::string>> covered = read_store_->Get(kAuditFamily, kCoveredKey);
  if (!covered.ok()) return covered.status();
  return covered->has_value() ? FromBigEndian(**covered) : 0;
}

Result<AuditPage> AuditTrail::Query(const AuditFilter& filter, std::string_view cursor,
                                    size_t limit) const {
  YIWANG_RETURN_IF_ERROR(CheckFilter(filter, limit));
  if (log_ == nullptr) return FailedPrecondition("audit trail: no event log attached");
  Result<uint64_t> indexed = IndexedPosition();
  if (!indexed.ok()) return indexed.status();
  Result<PositionRange> range = RangeOf(*log_, filter, cursor, *indexed);
  if (!range.ok()) return range.status();
  Match match;
  if (!filter.type.empty()) match.type = TypeCode(filter.type);
  match.by_actor = !filter.actor.empty();
  match.actor_hash = ActorHash(filter.actor);
  YIWANG_RETURN_IF_ERROR(ResolveDepartments(*read_store_, filter, &match));

  Candidates candidates(*read_store_, match, limit);
  if (filter.case_number.empty()) {
    YIWANG_RETURN_IF_ERROR(candidates.ScanRange(*range));
  } else {
    YIWANG_RETURN_IF_ERROR(
        candidates.ScanStream(*log_, std::string(kCaseStreamPrefix) + filter.case_number, *range));
  }
  AuditPage page;
  if (candidates.next() != 0 && candidates.next() <= range->high) {
    page.next_cursor = std::to_string(candidates.next());
  }
  Result<std::unordered_map<uint32_t, std::string>> names = DepartmentNames(*read_store_);
  if (!names.ok()) return names.status();
  YIWANG_RETURN_IF_ERROR(Collect(*log_, filter, candidates.found(), *names, &page));
  return page;
}

std::string_view SupervisionStatus(const SupervisionOrder& order, Timestamp now) {
  if (order.answer_position != 0) {
    return LocalDateOf(order.answered_at) <= order.due ? "answered_in_time" : "answered_late";
  }
  return LocalDateOf(now) > order.due ? "overdue" : "open";
}

Result<SupervisionPage> AuditTrail::Supervision(const SupervisionFilter& filter,
                                                std::string_view cursor, size_t limit,
                                                Timestamp now) const {
  if (limit < 1 || limit > kAuditPageItemsMax) {
    return InvalidArgument("limit must be 1.." + std::to_string(kAuditPageItemsMax), "limit")
        .WithReason("invalid_value");
  }
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.case_number, "case"));
  YIWANG_RETURN_IF_ERROR(CheckFilterValue(filter.department, "department"));
  if (!filter.status.empty() && filter.status != "open" && filter.status != "overdue" &&
      filter.status != "answered_in_time" && filter.status != "answered_late") {
    return InvalidArgument("status must be open, overdue, answered_in_time or answered_late",
                           "status")
        .WithReason("invalid_value");
  }
  std::string start_after;
  if (!cursor.empty()) {
    Result<uint64_t> position = ParseCursor(cursor);
    if (!position.ok()) return position.status();
    start_after = OrderKey(*position - 1);
  }
  SupervisionPage page;
  Status item_status;
  uint64_t last_visited = 0;
  size_t visited = 0;
  bool full = false;
  Status status = read_store_->Scan(
      kAuditFamily, std::string(1, kOrderTag), start_after,
      [&](std::string_view key, std::string_view value) {
        if (page.items.size() == limit) {
          full = true;
          return false;
        }
        last_visited = FromBigEndian(key.substr(1));
        ++visited;
        Result<SupervisionOrder> order = DecodeOrder(last_visited, value);
        if (!order.ok()) {
          item_status = order.status();
          return false;
        }
        const bool wanted =
            (filter.case_number.empty() || order->case_number == filter.case_number) &&
            (filter.department.empty() || order->department == filter.department) &&
            order->department.starts_with(filter.division_prefix) &&
            (filter.status.empty() || SupervisionStatus(*order, now) == filter.status);
        if (wanted) page.items.push_back(std::move(order).value());
        return true;
      });
  YIWANG_RETURN_IF_ERROR(status);
  YIWANG_RETURN_IF_ERROR(item_status);
  // A full page, or a scan that stopped at its entry bound: the next page starts after the
  // last order looked at.
  if (full || visited == kScanEntriesMax) {
    page.next_cursor = std::to_string(last_visited + 1);
  }
  return page;
}

}  // namespace yiwang::projections
