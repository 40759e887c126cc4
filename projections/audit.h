// The 一网监督 audit trail (DESIGN.md §7, GET /api/v1/audit and /api/v1/audit/supervision):
// every event, filterable by case, actor, department, type and time, and the supervision orders
// (督办) with their answers.
//
// The event itself is never copied: the log is the record, and a query reads the matching
// events back from it by position. What the projection keeps is a compact index, one 9-byte
// entry per position (type, department, actor hash) packed into chunks of kAuditChunkEntries
// positions, so a runner batch of 1000 events costs a handful of RocksDB writes, not thousands.
// A query walks the entries of its position range in memory; a time range becomes a position
// range by binary search on recorded_at, which grows with the position.
//
// The department of an event is the department in charge of its case when the event was
// recorded: the catalog item's until acceptance, the accepting officer's from acceptance, the
// receiving one after a transfer (the transfer itself belongs to the sender). Catalog events
// belong to their item's department.
//
// Durability: the projection stages its writes in the runner's batch (a chunk is rewritten once
// per runner batch, not per event) and adds its coverage mark in Flush, so index and checkpoint
// commit together. The coverage mark also covers an index
// written by earlier releases, which committed separately: when it is behind the first event
// applied, the missing positions are re-read from the log (AttachLog), so the index is exact.
//
// Thread-safety: Apply/Flush/Committed/Discard on the runner thread; Query and Supervision from
// any thread. AttachLog before the runner starts; the log must outlive the projection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/envelope.h"
#include "domain/status.h"
#include "domain/time.h"
#include "eventstore/event_store.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/string_map.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace yiwang::projections {

inline constexpr std::string_view kAuditFamily = "audit";
inline constexpr uint64_t kAuditChunkEntries = 256;  // positions per index chunk
inline constexpr size_t kAuditPageItemsMax = 1000;   // items of one page
inline constexpr size_t kAuditPageItemsDefault = 100;
inline constexpr uint64_t kAuditScanPositionsMax = 1'000'000;  // positions one page examines
inline constexpr size_t kAuditDepartmentsMax = 10'000;         // departments (one Scan lists them)
inline constexpr size_t kAuditCaseCacheEntriesMax = 1 << 18;   // case departments in memory
inline constexpr size_t kAuditFilterBytesMax = 128;            // one filter value

struct AuditFilter {
  std::string case_number;        // empty: every case
  std::string actor;              // actor id
  std::string department;         // exact department of the event (see above)
  std::string division_prefix;    // scope: the department starts with this
  std::string type;               // event type name
  std::optional<Timestamp> from;  // recorded_at, inclusive
  std::optional<Timestamp> to;    // recorded_at, inclusive
};

struct AuditItem {
  StoredEvent event;       // as stored in the log
  std::string department;  // the event's department (see above), empty when none
};

struct AuditPage {
  std::vector<AuditItem> items;  // in position order
  std::string next_cursor;       // empty when there is nothing after this page
};

// A 督办 order and its outcome.
struct SupervisionOrder {
  uint64_t position = 0;  // of SupervisionOrdered
  std::string case_number;
  std::string order_id;
  std::string department;  // the case's department when ordered
  std::string ordered_by;  // actor id
  Timestamp ordered_at;
  std::string note;
  CivilDate due;
  uint64_t answer_position = 0;  // 0 while open
  std::string answered_by;
  Timestamp answered_at;
  std::string answer;
};

// "open" | "overdue" (unanswered after `due` at `now`) | "answered_in_time" | "answered_late";
// dates in China Standard Time: answered on or before `due` is in time.
std::string_view SupervisionStatus(const SupervisionOrder& order, Timestamp now);

struct SupervisionFilter {
  std::string case_number;
  std::string department;
  std::string division_prefix;
  std::string status;  // one of SupervisionStatus's values, empty: all
};

struct SupervisionPage {
  std::vector<SupervisionOrder> items;  // in order position
  std::string next_cursor;
};

class AuditTrail : public Projection {
 public:
  explicit AuditTrail(ReadStore* read_store) : read_store_(read_store) {}
  // The log the events are read back from (queries) and re-read after a crash (Apply).
  void AttachLog(const EventStore* log) { log_ = log; }

  std::string_view name() const override { return kAuditFamily; }
  std::vector<std::string> families() const override { return {std::string(kAuditFamily)}; }
  // kDataLoss for case data that does not decode or an answer to an unknown order;
  // kFailedPrecondition when positions must be re-read and no log is attached.
  Status Apply(const ProjectedEvent& event, ReadBatch* batch) override;
  void Prefetch(const ProjectedEvent& event) const override {
    batch_departments_.Prefetch(event, 1);
  }
  // Stages the chunk being filled and the coverage mark.
  Status Flush(ReadBatch* batch) override;
  void Committed() override;
  void Discard() override;

  // kInvalidArgument (field "cursor", "limit", "type", "from"/"to" or a filter name) for bad
  // requests; kFailedPrecondition without a log. A page examines at most
  // kAuditScanPositionsMax positions: it may hold fewer than `limit` items and still have a
  // next_cursor.
  Result<AuditPage> Query(const AuditFilter& filter, std::string_view cursor, size_t limit) const;
  Result<SupervisionPage> Supervision(const SupervisionFilter& filter, std::string_view cursor,
                                      size_t limit, Timestamp now) const;
  // The last position indexed and committed.
  Result<uint64_t> IndexedPosition() const;

 private:
  Status Load(uint64_t first_position);
  Status ApplyOne(const ProjectedEvent& event);
  Result<uint32_t> CaseEventDepartment(const ProjectedEvent& event);
  Result<uint32_t> Intern(std::string_view department);
  Result<uint32_t> SubmittedDepartment(const ProjectedEvent& projected,
                                       std::string_view service_code);
  Result<uint32_t> CaseDepartment(const ProjectedEvent& projected);
  Status SetCaseDepartment(const ProjectedEvent& projected, uint32_t department);
  // Into known_cases_/known_departments_; at kAuditCaseCacheEntriesMax cases they start over.
  void RememberCaseDepartment(std::string_view case_number, uint32_t department);
  Status RecordSupervision(const ProjectedEvent& event, uint32_t department);
  Status SetEntry(uint64_t position, uint8_t type, uint32_t department, uint32_t actor_hash);
  Status FlushChunk();
  Result<std::string> DepartmentName(uint32_t id);
  void ClearMemory();

  ReadStore* read_store_;
  const EventStore* log_ = nullptr;

  // Runner thread only.
  // The runner's batch from the first Apply of a batch to Committed/Discard (see above).
  ReadBatch* batch_ = nullptr;
  bool loaded_ = false;
  uint64_t covered_ = 0;  // last position whose entry is staged or committed
  uint32_t next_department_ = 1;
  internal::StringMap<uint32_t> department_ids_;
  std::unordered_map<uint32_t, std::string> department_names_;
  // Case departments across batches, bounded: case number -> slot -> department.
  internal::CaseSlotter known_cases_;
  std::vector<uint32_t> known_departments_;
  internal::CaseTable<uint32_t> batch_departments_;  // this batch's cases, by slot
  internal::StringMap<uint32_t> item_departments_;
  uint64_t chunk_index_ = UINT64_MAX;  // the chunk in chunk_
  std::string chunk_;
  bool chunk_dirty_ = false;
};

// JSON of GET /audit: {"items":[…],"next_cursor":…|null}; each item has position, stream,
// case_number, version, type, actor, role, department (the actor's), case_department, channel,
// outlet, occurred_at, recorded_at, what, hash, prev_hash. `mask_personal_data` (analysts) masks
// the applicant ID number in `what`. kDataLoss for an event that does not decode.
Result<std::string> WriteAuditPageJson(const AuditPage& page, bool mask_personal_data);
// JSON of GET /audit/supervision.
std::string WriteSupervisionPageJson(const SupervisionPage& page, Timestamp now);

}  // namespace yiwang::projections
