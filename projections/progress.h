// The progress read model (DESIGN.md §7, GET /cases/{no} and GET /progress): per case, the folded
// CaseState, the query code hash, the catalog item's department, the last 补正 list and the
// timeline, stored in the "progress" family; time-dependent fields (deadline, working days left,
// warning) are computed on read with ComputeSla(state, calendar, now).
//
// Reads go through a bounded LRU of decoded records in front of RocksDB; the runner thread
// drops the records it commits from it, so a hit never shows older state than RocksDB.
// Thread-safety: Apply/Committed/Discard on the runner thread; Get from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/calendar.h"
#include "domain/sla.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/string_map.h"
#include "projections/progress_record.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace yiwang::projections {

inline constexpr std::string_view kProgressFamily = "progress";
inline constexpr size_t kProgressCacheEntriesMax = 65'536;
inline constexpr size_t kCaseNumberBytesMax = 64;

struct ProgressView {
  std::shared_ptr<const ProgressRecord> record;  // never null in a returned view
  // The timeline as JSON, rendered once when the record entered the cache; lives as long as
  // `record` (same allocation).
  std::string_view timeline_json;
  SlaView sla;
  Status sla_status;      // kOutOfRange when the calendar does not cover a date; sla is then empty
  std::string next_step;  // what the applicant should do or expect next (Chinese)
};

class Progress : public Projection {
 public:
  // `read_store` and `calendar` must outlive the projection.
  Progress(ReadStore* read_store, const WorkingCalendar* calendar);

  std::string_view name() const override { return kProgressFamily; }
  std::vector<std::string> families() const override { return {std::string(kProgressFamily)}; }
  // Case events fold into their case's record; CatalogItemPublished remembers the item's
  // department. kDataLoss for an event that does not decode or a case event before its
  // CaseSubmitted. Events already folded (version <= the record's) are skipped.
  // A case's record stays decoded in memory until Flush, which encodes each changed record once.
  Status Apply(const ProjectedEvent& event, ReadBatch* batch) override;
  void Prefetch(const ProjectedEvent& event) const override;
  Status Flush(ReadBatch* batch) override;
  void Committed() override;
  // Replay writes a batch after Committed(): a query in between may have cached a record read
  // from the store before the write, so the cache is dropped again.
  void Written() override;
  void Discard() override;

  // kInvalidArgument for an empty or over-long case number, kNotFound for an unknown case,
  // kDataLoss for a stored record that does not decode.
  Result<ProgressView> Get(std::string_view case_number, Timestamp now) const;

 private:
  // A decoded record with its timeline rendered, as the cache keeps it.
  struct Cached {
    ProgressRecord record;
    std::string timeline_json;
  };
  static std::shared_ptr<const Cached> MakeCached(ProgressRecord record);
  Result<std::shared_ptr<const Cached>> Load(std::string_view case_number) const;
  // The case's record being changed, read from the batch (and the store) once per batch; a
  // `submitted` case starts empty without a read.
  Result<ProgressDraft*> Pending(const ProjectedEvent& event, bool submitted, ReadBatch* batch);
  // The owning department of an item, from CatalogItemPublished ("" when unknown).
  Result<std::string> ItemDepartment(std::string_view item_code, ReadBatch* batch);
  void CacheInsertLocked(std::string_view case_number, std::shared_ptr<const Cached> cached) const;

  ReadStore* read_store_;
  const WorkingCalendar* calendar_;
  // Records changed by the batch being applied (runner thread only).
  internal::CaseTable<ProgressDraft> pending_;
  // Item departments seen or read so far (runner thread only; small: one per catalog item).
  internal::StringMap<std::string> item_departments_;

  mutable std::mutex cache_mutex_;
  using LruList = std::list<std::pair<std::string, std::shared_ptr<const Cached>>>;
  mutable LruList lru_;  // most recent first
  mutable std::unordered_map<std::string_view, LruList::iterator> cache_;
  mutable uint64_t cache_epoch_ = 0;  // bumped on every write-through, so a slow miss never
                                      // inserts a record older than one written meanwhile
};

// The next step text for the applicant, derived from the state (and the SLA view).
std::string NextStepText(const ProgressRecord& record, const SlaView& sla);

// The "timeline" array of the progress JSON.
std::string WriteTimelineJson(const std::vector<TimelineEntry>& timeline);

// JSON of GET /cases/{no} (DESIGN.md §8 field names, plus clock, legal_overdue,
// acceptance_notice_due, department, missing, supplement_due, certificate). No personal data:
// neither the applicant's ID number nor the query code hash appear.
std::string WriteProgressJson(const ProgressView& view);

// Constant-time comparison of the stored query code hash with `hash` (GET /progress).
bool QueryCodeHashMatches(const ProgressView& view, std::string_view hash);

}  // namespace yiwang::projections
