#include "projections/progress.h"

#include <utility>
#include <variant>

#include "domain/catalog.h"
#include "domain/events.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections {

using internal::TaggedKey;

namespace {

constexpr char kCaseKeyTag = 'c';  // 'c' case-number -> ProgressRecord
constexpr char kItemKeyTag = 'i';  // 'i' item-code   -> item department

// The note a timeline entry shows: reasons, notes and opinions, never personal data (the
// applicant block of CaseSubmitted, consultation questions and evaluation comments are left out).
// A view of the event's own string where the note is one, else a string built here.
template <typename Event>
std::string_view NoteOf(const Event&) {
  return {};
}
std::string_view NoteOf(const MaterialsRequested& event) { return event.note; }
std::string_view NoteOf(const CaseNotAccepted& event) { return event.reason; }
std::string_view NoteOf(const CaseTransferred& event) { return event.note; }
std::string NoteOf(const ReviewStepCompleted& event) {
  return std::string(ReviewStepName(event.step)) + ": " + event.opinion;
}
std::string NoteOf(const SpecialProcedureStarted& event) {
  return std::string(SpecialProcedureKindName(event.kind)) + ": " + event.reason;
}
std::string_view NoteOf(const CaseSuspended& event) { return event.reason; }
std::string NoteOf(const DeadlineExtended& event) {
  return "+" + std::to_string(event.working_days) + " working days: " + event.reason;
}
std::string_view NoteOf(const CaseApproved& event) { return event.note; }
std::string_view NoteOf(const CaseDenied& event) { return event.reason; }
std::string_view NoteOf(const CertificateIssued& event) { return DeliveryName(event.delivery); }
std::string_view NoteOf(const CaseDelivered& event) { return event.note; }
std::string_view NoteOf(const CaseWithdrawn& event) { return event.reason; }
std::string NoteOf(const CaseClosed& event) {
  return event.reason.empty() ? event.result_code : event.result_code + ": " + event.reason;
}
std::string_view NoteOf(const SupervisionOrdered& event) { return event.note; }
std::string_view NoteOf(const SupervisionAnswered& event) { return event.answer; }
std::string NoteOf(const Evaluated& event) { return "grade " + std::to_string(event.grade); }
std::string_view NoteOf(const RectificationRecorded& event) { return event.note; }
std::string_view NoteOf(const TripRecorded& event) { return event.purpose; }

void AppendTimeline(const EnvelopeView& event, const CaseEvent& data, ProgressDraft* record) {
  std::visit(
      [&](const auto& typed) {
        // A built note lives until the entry is written.
        const auto& note = NoteOf(typed);
        AppendTimelineEntry({event.type, event.occurred_at, event.actor.role,
                             event.actor.department, note, static_cast<int>(data.index())},
                            record);
      },
      data);
}

}  // namespace

Progress::Progress(ReadStore* read_store, const WorkingCalendar* calendar)
    : read_store_(read_store), calendar_(calendar) {}

Result<ProgressDraft*> Progress::Pending(const ProjectedEvent& event, bool submitted,
                                         ReadBatch* batch) {
  if (ProgressDraft* found = pending_.Find(event)) return found;
  // A case's first event has nothing stored before it: the runner applies each event after the
  // checkpoint once, and the checkpoint commits with the records (as ApplicantIndex relies on).
  // Not reading saves a store lookup per case, most of them misses, in a replay.
  if (submitted) return &pending_.Emplace(event);
  Result<std::optional<std::string>> bytes =
      batch->Get(kProgressFamily, TaggedKey(kCaseKeyTag, event.case_number));
  if (!bytes.ok()) return bytes.status();
  ProgressDraft record;
  if (bytes->has_value()) {
    Result<ProgressDraft> decoded = DecodeProgressDraft(**bytes);
    if (!decoded.ok()) return decoded.status();
    record = std::move(decoded).value();
  }
  return &pending_.Put(event, std::move(record));
}

Result<std::string> Progress::ItemDepartment(std::string_view item_code, ReadBatch* batch) {
  auto found = item_departments_.find(item_code);
  if (found != item_departments_.end()) return found->second;
  Result<std::optional<std::string>> department =
      batch->Get(kProgressFamily, TaggedKey(kItemKeyTag, item_code));
  if (!department.ok()) return department.status();
  // An unknown item is not remembered: its CatalogItemPublished may still come.
  if (!department->has_value()) return std::string();
  return item_departments_.emplace(std::string(item_code), **department).first->second;
}

Status Progress::Apply(const ProjectedEvent& event, ReadBatch* batch) {
  const EnvelopeView& envelope = event.envelope;
  if (envelope.stream.starts_with(kCatalogStreamPrefix) && envelope.type == kCatalogItemPublished) {
    Result<CatalogItem> item = DecodeCatalogItem(envelope.data);
    if (!item.ok()) return DataLoss("catalog item does not decode: " + item.status().message());
    item_departments_.insert_or_assign(item->code, item->department);
    return batch->Put(kProgressFamily, TaggedKey(kItemKeyTag, item->code), item->department);
  }
  if (event.recorded == nullptr) return Status::Ok();
  const CaseEvent& data = event.recorded->event;
  Result<ProgressDraft*> record =
      Pending(event, std::holds_alternative<CaseSubmitted>(data), batch);
  if (!record.ok()) return record.status();
  ProgressDraft& current = **record;
  if (envelope.version <= current.state.version) return Status::Ok();  // already folded
  if (current.state.status == CaseStatus::kNone && !std::holds_alternative<CaseSubmitted>(data)) {
    return DataLoss("case event before CaseSubmitted in " + std::string(envelope.stream));
  }
  if (const auto* submitted = std::get_if<CaseSubmitted>(&data)) {
    current.query_code_hash = submitted->query_code_hash;
    Result<std::string> department = ItemDepartment(submitted->service_code, batch);
    if (!department.ok()) return department.status();
    current.item_department = std::move(department).value();
  } else if (const auto* requested = std::get_if<MaterialsRequested>(&data)) {
    current.missing = requested->missing;
  }
  AppendTimeline(envelope, data, &current);
  EvolveInPlace(&current.state, *event.recorded);
  return Status::Ok();
}

void Progress::Prefetch(const ProjectedEvent& event) const {
  // The state's first lines (version, status: Apply's first reads) and the timeline's string.
  if (const ProgressDraft* draft = pending_.Peek(event)) {
    internal::PrefetchLines(draft, 2);
    internal::PrefetchLines(&draft->timeline);
  }
}

Status Progress::Flush(ReadBatch* batch) {
  return pending_.TryEach([batch](std::string_view case_number, const ProgressDraft& record) {
    return batch->Put(kProgressFamily, TaggedKey(kCaseKeyTag, case_number),
                      EncodeProgressDraft(record));
  });
}

std::shared_ptr<const Progress::Cached> Progress::MakeCached(ProgressRecord record) {
  auto cached = std::make_shared<Cached>();
  cached->timeline_json = WriteTimelineJson(record.timeline);
  cached->record = std::move(record);
  return cached;
}

void Progress::Committed() {
  // Invalidate rather than write through: rendering the timeline of every changed case cost a
  // replay more than folding the events; a changed case is read from RocksDB (already committed)
  // at its next query. The epoch bump keeps a query that read the old value from caching it.
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    ++cache_epoch_;
    pending_.ForEach([this](std::string_view case_number, const ProgressDraft&) {
      auto found = cache_.find(case_number);
      if (found == cache_.end()) return;
      lru_.erase(found->second);
      cache_.erase(found);
    });
  }
  pending_.Clear();
}

void Progress::Written() {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  ++cache_epoch_;
  cache_.clear();
  lru_.clear();
}

void Progress::Discard() {
  pending_.Clear();
  item_departments_.clear();
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_.clear();
  lru_.clear();
  ++cache_epoch_;
}

void Progress::CacheInsertLocked(std::string_view case_number,
                                 std::shared_ptr<const Cached> cached) const {
  auto found = cache_.find(case_number);
  if (found != cache_.end()) {
    found->second->second = std::move(cached);
    lru_.splice(lru_.begin(), lru_, found->second);
    return;
  }
  lru_.emplace_front(std::string(case_number), std::move(cached));
  cache_.emplace(lru_.front().first, lru_.begin());
  if (lru_.size() > kProgressCacheEntriesMax) {
    cache_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

Result<std::shared_ptr<const Progress::Cached>> Progress::Load(std::string_view case_number) const {
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto found = cache_.find(case_number);
    if (found != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second);
      return found->second->second;
    }
    epoch = cache_epoch_;
  }
  Result<std::optional<std::string>> bytes =
      read_store_->Get(kProgressFamily, TaggedKey(kCaseKeyTag, case_number));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return NotFound("no case " + std::string(case_number));
  Result<ProgressRecord> decoded = DecodeProgressRecord(**bytes);
  if (!decoded.ok()) return decoded.status();
  std::shared_ptr<const Cached> cached = MakeCached(std::move(decoded).value());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  // A record committed meanwhile is newer than what was read: keep it.
  if (epoch == cache_epoch_) CacheInsertLocked(case_number, cached);
  return cached;
}

Result<ProgressView> Progress::Get(std::string_view case_number, Timestamp now) const {
  if (case_number.empty() || case_number.size() > kCaseNumberBytesMax) {
    return InvalidArgument(
        "case number must have 1.." + std::to_string(kCaseNumberBytesMax) + " bytes",
        "case_number");
  }
  Result<std::shared_ptr<const Cached>> cached = Load(case_number);
  if (!cached.ok()) return cached.status();
  ProgressView view;
  view.timeline_json = (*cached)->timeline_json;
  // Aliasing: the view's record shares ownership of the whole cached entry.
  view.record = std::shared_ptr<const ProgressRecord>(*cached, &(*cached)->record);
  Result<SlaView> sla = ComputeSla(view.record->state, *calendar_, now);
  if (sla.ok()) {
    view.sla = std::move(sla).value();
  } else {
    view.sla_status = sla.status();
  }
  view.next_step = NextStepText(*view.record, view.sla);
  return view;
}

}  // namespace yiwang::projections
