// The stored form of one case in the progress projection: the folded CaseState plus what the
// progress view needs beyond it. Binary, versioned (kProgressRecordFormat); the layout is a
// grammar in projections/README.md. When CaseState changes shape the format goes up and the
// projection is rebuilt from the log (`yiwang replay`); records are never migrated in place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/case.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang::projections {

inline constexpr uint8_t kProgressRecordFormat = 2;
// Timeline entries kept per case; past it the oldest entries after the submission are dropped.
inline constexpr size_t kTimelineEntriesMax = 256;

struct TimelineEntry {
  std::string type;        // event type
  Timestamp at;            // occurred_at
  std::string actor_role;  // citizen | officer | supervisor | system
  std::string department;  // the actor's department; empty for citizens
  std::string note;        // reason, note or opinion of the event; never personal data
  bool operator==(const TimelineEntry&) const = default;
};

struct ProgressRecord {
  CaseState state;
  std::string query_code_hash;          // from CaseSubmitted
  std::string item_department;          // the catalog item's department at submission
  std::vector<std::string> missing;     // the last 补正 list
  std::vector<TimelineEntry> timeline;  // in event order
  bool operator==(const ProgressRecord&) const = default;
};

std::string EncodeProgressRecord(const ProgressRecord& record);
// kDataLoss on malformed bytes or another format version; never crashes.
Result<ProgressRecord> DecodeProgressRecord(std::string_view bytes);

// A timeline entry to append, viewing the event's strings.
struct TimelineEntryView {
  std::string_view type;
  Timestamp at;
  std::string_view actor_role;
  std::string_view department;
  std::string_view note;
  // CaseEventTypeIndex(type) when the caller has it at hand; -1: looked up.
  int type_index = -1;
};

// A record while the progress projection folds its case's events: the timeline is kept as its
// encoded entries, so each event's entry is written once instead of built as four strings,
// encoded again at every flush and freed entry by entry (perf of a 1M-event replay put building,
// encoding and freeing timeline entries at about 12 % of all samples). Encodes to the same
// bytes as the ProgressRecord it stands for.
struct ProgressDraft {
  CaseState state;
  std::string query_code_hash;
  std::string item_department;
  std::vector<std::string> missing;
  std::string timeline;           // the encoded entries, in event order
  uint32_t timeline_entries = 0;  // how many
};

// Appends an entry; past kTimelineEntriesMax the oldest entry after the submission goes.
void AppendTimelineEntry(const TimelineEntryView& entry, ProgressDraft* draft);
std::string EncodeProgressDraft(const ProgressDraft& draft);
// kDataLoss as DecodeProgressRecord; the timeline's entries are checked, not decoded.
Result<ProgressDraft> DecodeProgressDraft(std::string_view bytes);

}  // namespace yiwang::projections
