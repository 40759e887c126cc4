#include "projections/progress_record.h"

#include "projections/internal/binary_codec.h"

namespace yiwang::projections {

namespace {

using internal::Reader;
using internal::Writer;

void WriteAcceptance(const CaseAccepted& acceptance, Writer* out) {
  out->Str(acceptance.acceptance_number);
  out->Int(acceptance.promised_days);
  out->Int(acceptance.legal_days);
  out->Bool(acceptance.immediate);
  out->Bool(acceptance.comprehensive_window);
  out->Time(acceptance.clock_start);
  out->Date(acceptance.deadline);
  out->Date(acceptance.legal_deadline);
}

CaseAccepted ReadAcceptance(Reader* in) {
  CaseAccepted acceptance;
  acceptance.acceptance_number = in->Str();
  acceptance.promised_days = in->Int();
  acceptance.legal_days = in->Int();
  acceptance.immediate = in->Bool();
  acceptance.comprehensive_window = in->Bool();
  acceptance.clock_start = in->Time();
  acceptance.deadline = in->Date();
  acceptance.legal_deadline = in->Date();
  return acceptance;
}

void WriteState(const CaseState& state, Writer* out) {
  out->U8(static_cast<uint8_t>(state.status));
  out->U32(state.version);
  out->Str(state.case_number);
  out->Str(state.service_code);
  out->Str(state.applicant_id_number);
  out->Str(state.channel);
  out->Str(state.outlet);
  out->Strings(state.materials);
  out->Time(state.submitted_at);
  out->Time(state.last_event_at);
  out->Str(state.department);
  out->Bool(state.materials_requested);
  out->OptTime(state.materials_requested_at);
  out->OptDate(state.supplement_due);
  out->OptTime(state.supplemented_at);
  out->OptTime(state.accepted_at);
  out->Bool(state.acceptance.has_value());
  if (state.acceptance) WriteAcceptance(*state.acceptance, out);
  out->U32(static_cast<uint32_t>(state.pauses.size()));
  for (const ClockPause& pause : state.pauses) {
    out->Time(pause.from);
    out->OptTime(pause.to);
    out->U8(static_cast<uint8_t>(pause.status));
  }
  out->Int(state.extension_working_days);
  out->U32(static_cast<uint32_t>(state.review_steps.size()));
  for (ReviewStep step : state.review_steps) out->U8(static_cast<uint8_t>(step));
  out->OptTime(state.decided_at);
  out->Bool(state.certificate.has_value());
  if (state.certificate) {
    out->Str(state.certificate->certificate_id);
    out->U8(static_cast<uint8_t>(state.certificate->delivery));
    out->Str(state.certificate->tracking_number);
  }
  out->OptTime(state.issued_at);
  out->OptTime(state.delivered_at);
  out->OptTime(state.withdrawn_at);
  out->OptTime(state.closed_at);
  out->Str(state.result_code);
  out->DateMap(state.open_supervision_orders);
  out->DateMap(state.open_rectifications);
  out->Int(state.evaluation_grade);
  out->Int(state.trips);
  out->Int(state.consultations);
}

CaseStatus ReadStatus(Reader* in) {
  const uint8_t value = in->U8();
  if (value >= kCaseStatusCount) return CaseStatus::kNone;
  return static_cast<CaseStatus>(value);
}

void ReadPausesAndSteps(Reader* in, CaseState* state) {
  for (uint32_t count = in->Count(); count > 0 && !in->failed(); --count) {
    ClockPause pause;
    pause.from = in->Time();
    pause.to = in->OptTime();
    pause.status = ReadStatus(in);
    state->pauses.push_back(pause);
  }
  state->extension_working_days = in->Int();
  for (uint32_t count = in->Count(); count > 0 && !in->failed(); --count) {
    const uint8_t step = in->U8();
    state->review_steps.push_back(static_cast<ReviewStep>(step > 2 ? 0 : step));
  }
}

CaseState ReadState(Reader* in) {
  CaseState state;
  state.status = ReadStatus(in);
  state.version = in->U32();
  state.case_number = in->Str();
  state.service_code = in->Str();
  state.applicant_id_number = in->Str();
  state.channel = in->Str();
  state.outlet = in->Str();
  state.materials = in->Strings();
  state.submitted_at = in->Time();
  state.last_event_at = in->Time();
  state.department = in->Str();
  state.materials_requested = in->Bool();
  state.materials_requested_at = in->OptTime();
  state.supplement_due = in->OptDate();
  state.supplemented_at = in->OptTime();
  state.accepted_at = in->OptTime();
  if (in->Bool()) state.acceptance = ReadAcceptance(in);
  ReadPausesAndSteps(in, &state);
  state.decided_at = in->OptTime();
  if (in->Bool()) {
    CertificateIssued certificate;
    certificate.certificate_id = in->Str();
    certificate.delivery = in->U8() == 1 ? Delivery::kExpress : Delivery::kPickup;
    certificate.tracking_number = in->Str();
    state.certificate = std::move(certificate);
  }
  state.issued_at = in->OptTime();
  state.delivered_at = in->OptTime();
  state.withdrawn_at = in->OptTime();
  state.closed_at = in->OptTime();
  state.result_code = in->Str();
  state.open_supervision_orders = in->DateMap();
  state.open_rectifications = in->DateMap();
  state.evaluation_grade = in->Int();
  state.trips = in->Int();
  state.consultations = in->Int();
  return state;
}

// The record's fields before the timeline (the same for a record and a draft).
void WriteHead(const CaseState& state, std::string_view query_code_hash,
               std::string_view item_department, const std::vector<std::string>& missing,
               Writer* out) {
  out->U8(kProgressRecordFormat);
  WriteState(state, out);
  out->Str(query_code_hash);
  out->Str(item_department);
  out->Strings(missing);
}

// kDataLoss for another format version; a malformed head leaves `in` failed.
template <typename Record>
Status ReadHead(Reader* in, Record* record) {
  if (in->U8() != kProgressRecordFormat) {
    return DataLoss("progress record: unknown format (rebuild the projection)");
  }
  record->state = ReadState(in);
  record->query_code_hash = in->Str();
  record->item_department = in->Str();
  record->missing = in->Strings();
  return Status::Ok();
}

// An entry: its type as one byte, the CaseEvent alternative (kOtherType and the name for any
// other type), the time, then role, department and note with one-byte lengths (Var) when short.
// With the type's name and four-byte lengths (format 1) an entry took ~70 bytes, and a replay
// batch holds each of its cases' timelines twice (its draft and the staged record).
constexpr uint8_t kOtherType = 0xff;

void WriteEntry(const TimelineEntryView& entry, Writer* out) {
  const int index = entry.type_index >= 0 ? entry.type_index : CaseEventTypeIndex(entry.type);
  if (index >= 0 && index < kOtherType) {
    out->U8(static_cast<uint8_t>(index));
  } else {
    out->U8(kOtherType);
    out->VarStr(entry.type);
  }
  out->Time(entry.at);
  out->VarStr(entry.actor_role);
  out->VarStr(entry.department);
  out->VarStr(entry.note);
}

TimelineEntryView ReadEntry(Reader* in) {
  TimelineEntryView entry;
  const uint8_t type = in->U8();
  if (type == kOtherType) {
    entry.type = in->VarStrView();
  } else {
    entry.type = CaseEventTypeName(type);
    if (entry.type.empty()) in->Reject();
    entry.type_index = type;
  }
  entry.at = in->Time();
  entry.actor_role = in->VarStrView();
  entry.department = in->VarStrView();
  entry.note = in->VarStrView();
  return entry;
}

// The bytes of the first entry of encoded entries.
size_t EntryBytes(std::string_view timeline) {
  Reader in(timeline);
  ReadEntry(&in);
  return timeline.size() - in.rest().size();
}

// ~390 bytes of state, ~35 per timeline entry (a 100k-event replay's averages).
constexpr size_t kHeadBytesReserved = 512;
constexpr size_t kEntryBytesReserved = 40;
// A draft's timeline starts with room for this many bytes: most cases end within a dozen
// entries, so the string is allocated once instead of growing and copying itself.
constexpr size_t kTimelineBytesReserved = 12 * kEntryBytesReserved;

}  // namespace

std::string EncodeProgressRecord(const ProgressRecord& record) {
  Writer out(kHeadBytesReserved + kEntryBytesReserved * record.timeline.size());
  WriteHead(record.state, record.query_code_hash, record.item_department, record.missing, &out);
  out.U32(static_cast<uint32_t>(record.timeline.size()));
  for (const TimelineEntry& entry : record.timeline) {
    WriteEntry({entry.type, entry.at, entry.actor_role, entry.department, entry.note}, &out);
  }
  return out.Take();
}

Result<ProgressRecord> DecodeProgressRecord(std::string_view bytes) {
  Reader in(bytes);
  ProgressRecord record;
  YIWANG_RETURN_IF_ERROR(ReadHead(&in, &record));
  for (uint32_t count = in.Count(); count > 0 && !in.failed(); --count) {
    const TimelineEntryView view = ReadEntry(&in);
    TimelineEntry& entry = record.timeline.emplace_back();
    entry.type = view.type;
    entry.at = view.at;
    entry.actor_role = view.actor_role;
    entry.department = view.department;
    entry.note = view.note;
  }
  if (in.failed() || !in.at_end()) return DataLoss("progress record: malformed bytes");
  return record;
}

void AppendTimelineEntry(const TimelineEntryView& entry, ProgressDraft* draft) {
  std::string& timeline = draft->timeline;
  if (draft->timeline_entries >= kTimelineEntriesMax) {
    // Keep the submission, drop the entry after it.
    const size_t submission = EntryBytes(timeline);
    timeline.erase(submission, EntryBytes(std::string_view(timeline).substr(submission)));
    --draft->timeline_entries;
  }
  if (timeline.capacity() < kTimelineBytesReserved) timeline.reserve(kTimelineBytesReserved);
  Writer out(std::move(timeline));
  WriteEntry(entry, &out);
  timeline = out.Take();
  ++draft->timeline_entries;
}

std::string EncodeProgressDraft(const ProgressDraft& draft) {
  Writer out(kHeadBytesReserved + draft.timeline.size());
  WriteHead(draft.state, draft.query_code_hash, draft.item_department, draft.missing, &out);
  out.U32(draft.timeline_entries);
  out.Raw(draft.timeline);
  return out.Take();
}

Result<ProgressDraft> DecodeProgressDraft(std::string_view bytes) {
  Reader in(bytes);
  ProgressDraft draft;
  YIWANG_RETURN_IF_ERROR(ReadHead(&in, &draft));
  draft.timeline_entries = in.Count();
  const std::string_view timeline = in.rest();
  for (uint32_t count = draft.timeline_entries; count > 0 && !in.failed(); --count) {
    ReadEntry(&in);
  }
  if (in.failed() || !in.at_end()) return DataLoss("progress record: malformed bytes");
  draft.timeline.assign(timeline);
  return draft;
}

}  // namespace yiwang::projections
