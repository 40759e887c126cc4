// DecodeEventData: strict decoding of event data into the typed events.
//
// One Decode overload per event type takes each member it knows from a member reader
// (internal/data_members.h), checking its JSON type and limits; the reader's Finish refuses
// members no overload took. The overloads are templates over the two readers: CanonicalMembers
// first, which reads data exactly as EncodeEventData writes it without a parse, then, when it
// declines, Members over simdjson's parse, which accepts any valid JSON in any member order and
// names what is wrong.
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include <simdjson.h>

#include "domain/events.h"
#include "domain/internal/canonical_scanner.h"
#include "domain/internal/data_members.h"

namespace yiwang {
namespace {

using internal::Bad;
using internal::CanonicalMembers;
using internal::Members;
using internal::Nodes;

template <typename M, typename Enum>
Status TakeEnum(M& members, std::string_view key,
                std::optional<Enum> (*parse)(std::string_view), Enum* out) {
  std::string text;
  YIWANG_RETURN_IF_ERROR(members.String(key, kEventIdBytesMax, &text));
  std::optional<Enum> parsed = parse(text);
  if (!parsed.has_value())
    return Bad("'" + members.Path(key) + "' has an unknown value", members.Path(key));
  *out = *parsed;
  return Status::Ok();
}

template <typename M>
Status DecodeApplicant(M& members, Applicant* out) {
  std::optional<M> applicant;
  YIWANG_RETURN_IF_ERROR(members.Nested("applicant", &applicant));
  YIWANG_RETURN_IF_ERROR(applicant->String("id_number", kEventIdBytesMax, &out->id_number));
  YIWANG_RETURN_IF_ERROR(applicant->String("name", kEventNameBytesMax, &out->name));
  YIWANG_RETURN_IF_ERROR(applicant->OptionalString("phone", kEventNameBytesMax, &out->phone));
  YIWANG_RETURN_IF_ERROR(applicant->OptionalString("address", kEventTextBytesMax, &out->address));
  return applicant->Finish();
}

// One Decode overload per event type: the schema-1 layout written by events.cc.
template <typename M>
Status Decode(M& m, CaseSubmitted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("case_number", kEventIdBytesMax, &out->case_number));
  YIWANG_RETURN_IF_ERROR(m.String("query_code_hash", kEventNameBytesMax, &out->query_code_hash));
  YIWANG_RETURN_IF_ERROR(m.String("service_code", kEventIdBytesMax, &out->service_code));
  YIWANG_RETURN_IF_ERROR(m.String("channel", kEventIdBytesMax, &out->channel));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("outlet", kEventIdBytesMax, &out->outlet));
  YIWANG_RETURN_IF_ERROR(DecodeApplicant(m, &out->applicant));
  YIWANG_RETURN_IF_ERROR(
      m.StringList("materials", kEventListItemsMax, kEventNameBytesMax, &out->materials));
  return m.StringPairs("form", kFormFieldsMax, kEventIdBytesMax, kFormValueBytesMax, &out->form);
}
template <typename M>
Status Decode(M& m, MaterialsRequested* out) {
  YIWANG_RETURN_IF_ERROR(
      m.StringList("missing", kEventListItemsMax, kEventNameBytesMax, &out->missing));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
template <typename M>
Status Decode(M& m, MaterialsSupplemented* out) {
  return m.StringList("materials", kEventListItemsMax, kEventNameBytesMax, &out->materials);
}
template <typename M>
Status Decode(M& m, CaseAccepted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("acceptance_number", kEventIdBytesMax, &out->acceptance_number));
  YIWANG_RETURN_IF_ERROR(m.Int("promised_days", 0, kEventDaysMax, &out->promised_days));
  YIWANG_RETURN_IF_ERROR(m.Int("legal_days", 0, kEventDaysMax, &out->legal_days));
  YIWANG_RETURN_IF_ERROR(m.Bool("immediate", &out->immediate));
  YIWANG_RETURN_IF_ERROR(m.Bool("comprehensive_window", &out->comprehensive_window));
  YIWANG_RETURN_IF_ERROR(m.Time("clock_start", &out->clock_start));
  YIWANG_RETURN_IF_ERROR(m.Date("deadline", &out->deadline));
  return m.Date("legal_deadline", &out->legal_deadline);
}
template <typename M>
Status Decode(M& m, CaseNotAccepted* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseTransferred* out) {
  YIWANG_RETURN_IF_ERROR(m.String("department", kEventNameBytesMax, &out->department));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M&, ReviewStarted*) { return Status::Ok(); }
template <typename M>
Status Decode(M& m, ReviewStepCompleted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "step", &ParseReviewStep, &out->step));
  YIWANG_RETURN_IF_ERROR(m.String("opinion", kEventTextBytesMax, &out->opinion));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, SpecialProcedureStarted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "kind", &ParseSpecialProcedureKind, &out->kind));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseSuspended* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M&, CaseResumed*) { return Status::Ok(); }
template <typename M>
Status Decode(M& m, DeadlineExtended* out) {
  YIWANG_RETURN_IF_ERROR(m.Int("working_days", 1, kExtensionWorkingDaysMax, &out->working_days));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseApproved* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, CaseDenied* out) {
  YIWANG_RETURN_IF_ERROR(m.String("reason", kEventTextBytesMax, &out->reason));
  return m.String("appeal_notice", kEventTextBytesMax, &out->appeal_notice);
}
template <typename M>
Status Decode(M& m, CertificateIssued* out) {
  YIWANG_RETURN_IF_ERROR(m.String("certificate_id", kEventIdBytesMax, &out->certificate_id));
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "delivery", &ParseDelivery, &out->delivery));
  YIWANG_RETURN_IF_ERROR(
      m.OptionalString("tracking_number", kEventIdBytesMax, &out->tracking_number));
  if (out->tracking_number.empty() != (out->delivery == Delivery::kPickup)) {
    return Bad("tracking_number goes with express delivery only", "tracking_number");
  }
  return Status::Ok();
}
template <typename M>
Status Decode(M& m, CaseDelivered* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, CaseWithdrawn* out) {
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseClosed* out) {
  YIWANG_RETURN_IF_ERROR(m.String("result_code", kEventIdBytesMax, &out->result_code));
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, SupervisionOrdered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  YIWANG_RETURN_IF_ERROR(m.String("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
template <typename M>
Status Decode(M& m, SupervisionAnswered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
template <typename M>
Status Decode(M& m, Consulted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("question", kEventTextBytesMax, &out->question));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
template <typename M>
Status Decode(M& m, Evaluated* out) {
  YIWANG_RETURN_IF_ERROR(m.Int("grade", kEvaluationGradeMin, kEvaluationGradeMax, &out->grade));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("comment", kEventTextBytesMax, &out->comment));
  YIWANG_RETURN_IF_ERROR(
      m.OptionalString("rectification_id", kEventIdBytesMax, &out->rectification_id));
  YIWANG_RETURN_IF_ERROR(m.OptionalDate("rectification_due", &out->rectification_due));
  // A 差评 and only a 差评 carries its rectification.
  const bool bad = out->grade <= kBadEvaluationGradeMax;
  if (bad != !out->rectification_id.empty() || bad != out->rectification_due.has_value()) {
    return Bad("rectification_id and rectification_due go with grades 1 and 2", "rectification_id");
  }
  return Status::Ok();
}
template <typename M>
Status Decode(M& m, RectificationRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.String("rectification_id", kEventIdBytesMax, &out->rectification_id));
  return m.String("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, TripRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.OptionalString("outlet", kEventIdBytesMax, &out->outlet));
  return m.String("purpose", kEventNameBytesMax, &out->purpose);
}

// Decodes the alternative `index` of CaseEvent (found by its type name) from `root`.
template <size_t I = 0>
Result<CaseEvent> DecodeAlternative(size_t index, const Nodes& nodes) {
  if constexpr (I < std::variant_size_v<CaseEvent>) {
    if (index != I) return DecodeAlternative<I + 1>(index, nodes);
    std::variant_alternative_t<I, CaseEvent> event;
    Members members(nodes, /*object=*/0, "");
    YIWANG_RETURN_IF_ERROR(Decode(members, &event));
    YIWANG_RETURN_IF_ERROR(members.Finish());
    return CaseEvent(std::in_place_index<I>, std::move(event));
  } else {
    return Internal("event type index out of range");
  }
}

// DecodeEventData's fast path for the alternative I: decoded in place into `out`, from data in
// the shape EncodeEventData writes; false when the data is not so (then `out` holds a partly
// decoded event, and the parser decides).
template <size_t I>
bool DecodeCanonicalAt(std::string_view data_json, CaseEvent* out) {
  internal::CanonicalScanner scan(data_json);
  if (!scan.Char('{')) return false;
  CanonicalMembers members(&scan);
  auto& event = out->template emplace<I>();
  return Decode(members, &event).ok() && members.Finish().ok() && scan.AtEnd();
}

using CanonicalDecoder = bool (*)(std::string_view, CaseEvent*);

template <size_t... I>
constexpr std::array<CanonicalDecoder, sizeof...(I)> CanonicalDecoders(std::index_sequence<I...>) {
  return {&DecodeCanonicalAt<I>...};
}

// By alternative index: one indirect call instead of a chain of index comparisons.
constexpr std::array<CanonicalDecoder, std::variant_size_v<CaseEvent>> kCanonicalDecoders =
    CanonicalDecoders(std::make_index_sequence<std::variant_size_v<CaseEvent>>());

// The fast path's checks of the whole data, then its decode. The data must be UTF-8, as the
// parser requires; the scanner refuses escapes, control bytes and whitespace by itself.
bool DecodeCanonical(size_t index, std::string_view data_json, CaseEvent* out) {
  if (data_json.size() > kEventBytesMax) return false;
  if (!internal::IsAscii(data_json) &&
      !simdjson::validate_utf8(data_json.data(), data_json.size())) {
    return false;
  }
  return kCanonicalDecoders[index](data_json, out);
}

// The names of CaseEvent's alternatives in a small open-addressing table: the hash only picks
// where to start comparing. Built once at start-up, not as a function-local static: the guard
// check and an optional<size_t> return (a byte stored, then read back as a word) had made this
// lookup, made twice for every replayed event, the decoder thread's costliest function in perf.
constexpr size_t kEventTypeSlots = 64;
static_assert(std::variant_size_v<CaseEvent> < kEventTypeSlots / 2, "keep probe sequences short");

struct EventTypeSlot {
  std::string_view name;  // empty: a free slot
  int index = 0;
};

constexpr size_t EventTypeHash(std::string_view name) {
  const size_t middle = name.empty() ? 0 : static_cast<unsigned char>(name[name.size() / 2]);
  return (name.size() * 31 + middle) % kEventTypeSlots;
}

template <size_t... I>
std::array<EventTypeSlot, kEventTypeSlots> EventTypeTable(std::index_sequence<I...>) {
  std::array<EventTypeSlot, kEventTypeSlots> table{};
  auto insert = [&table](std::string_view name, int index) {
    size_t slot = EventTypeHash(name);
    while (!table[slot].name.empty()) slot = (slot + 1) % kEventTypeSlots;
    table[slot] = EventTypeSlot{name, index};
  };
  (insert(EventTypeName(CaseEvent(std::in_place_index<I>)), static_cast<int>(I)), ...);
  return table;
}

const std::array<EventTypeSlot, kEventTypeSlots> kEventTypes =
    EventTypeTable(std::make_index_sequence<std::variant_size_v<CaseEvent>>());

// The index of `type` among CaseEvent's alternatives; -1 when it is none of them.
int EventTypeIndex(std::string_view type) {
  for (size_t slot = EventTypeHash(type); !kEventTypes[slot].name.empty();
       slot = (slot + 1) % kEventTypeSlots) {
    if (kEventTypes[slot].name == type) return kEventTypes[slot].index;
  }
  return -1;
}

}  // namespace

// Asked for every event the runner reads: the hash table, not a scan of the names.
bool IsCaseEventType(std::string_view type) { return EventTypeIndex(type) >= 0; }

int CaseEventTypeIndex(std::string_view type) { return EventTypeIndex(type); }

bool DecodeCanonicalEventData(std::string_view type, uint32_t schema, std::string_view data_json,
                              CaseEvent* out) {
  const int index = EventTypeIndex(type);
  return index >= 0 && schema == 1 && DecodeCanonical(static_cast<size_t>(index), data_json, out);
}

namespace {

Status DecodeDataInto(std::string_view type, uint32_t schema, std::string_view data_json,
                      bool canonical_first, CaseEvent* out) {
  const int index = EventTypeIndex(type);
  if (index < 0) {
    return InvalidArgument(
               "unknown event type '" + std::string(type.substr(0, kEventIdBytesMax)) + "'", "type")
        .WithReason("unknown_event_type");
  }
  // Upcasting hook: when a type's layout changes, decode its older schemas here into the current
  // struct (defaults for what the old layout lacked). No type has an older schema yet.
  if (schema != 1) {
    return InvalidArgument("unsupported schema " + std::to_string(schema) + " for event type '" +
                               std::string(type) + "' (this build reads schema 1)",
                           "schema")
        .WithReason("unsupported_schema");
  }
  if (canonical_first && DecodeCanonical(static_cast<size_t>(index), data_json, out)) {
    return Status::Ok();
  }
  Result<const Nodes*> nodes = internal::ParseData(data_json);
  if (!nodes.ok()) return nodes.status();
  Result<CaseEvent> decoded = DecodeAlternative(static_cast<size_t>(index), **nodes);
  if (!decoded.ok()) return decoded.status();
  *out = std::move(decoded).value();
  return Status::Ok();
}

}  // namespace

Status DecodeEventDataInto(std::string_view type, uint32_t schema, std::string_view data_json,
                           CaseEvent* out) {
  return DecodeDataInto(type, schema, data_json, /*canonical_first=*/true, out);
}

Result<CaseEvent> DecodeEventData(std::string_view type, uint32_t schema,
                                  std::string_view data_json) {
  CaseEvent event;
  YIWANG_RETURN_IF_ERROR(DecodeDataInto(type, schema, data_json, /*canonical_first=*/true, &event));
  return event;
}

Result<CaseEvent> DecodeEventDataWithParser(std::string_view type, uint32_t schema,
                                            std::string_view data_json) {
  CaseEvent event;
  YIWANG_RETURN_IF_ERROR(
      DecodeDataInto(type, schema, data_json, /*canonical_first=*/false, &event));
  return event;
}

}  // namespace yiwang
