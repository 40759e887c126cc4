// JSON of the audit trail's answers, with the one-line summary ("what") of each event.
#include <variant>

#include "domain/catalog.h"
#include "domain/events.h"
#include "domain/id_number.h"
#include "domain/json.h"
#include "projections/audit.h"

namespace yiwang::projections {
namespace {

constexpr size_t kSummaryTextCharactersMax = 80;  // of a reason, note or answer in `what`

// At most `count` UTF-8 characters of `text`, with "…" when cut.
std::string Shorten(std::string_view text) {
  size_t at = 0;
  size_t seen = 0;
  for (; at < text.size() && seen < kSummaryTextCharactersMax; ++seen) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  if (at >= text.size()) return std::string(text);
  return std::string(text.substr(0, at)) + "…";
}

struct Summarize {
  bool mask;
  std::string operator()(const CaseSubmitted& e) const {
    const std::string id = mask ? MaskCitizenId(e.applicant.id_number) : e.applicant.id_number;
    return "submitted " + e.service_code + " via " + e.channel + " for applicant " + id + " with " +
           std::to_string(e.materials.size()) + " materials";
  }
  std::string operator()(const MaterialsRequested& e) const {
    return "requested " + std::to_string(e.missing.size()) + " materials by " + FormatDate(e.due);
  }
  std::string operator()(const MaterialsSupplemented& e) const {
    return "supplemented " + std::to_string(e.materials.size()) + " materials";
  }
  std::string operator()(const CaseAccepted& e) const {
    return "accepted " + e.acceptance_number + ", due " + FormatDate(e.deadline) +
           (e.immediate ? " (immediate)" : "");
  }
  std::string operator()(const CaseNotAccepted& e) const {
    return "not accepted: " + Shorten(e.reason);
  }
  std::string operator()(const CaseTransferred& e) const {
    return "transferred to " + e.department;
  }
  std::string operator()(const ReviewStarted&) const { return "review started"; }
  std::string operator()(const ReviewStepCompleted& e) const {
    return std::string(ReviewStepName(e.step)) + ": " + Shorten(e.opinion);
  }
  std::string operator()(const SpecialProcedureStarted& e) const {
    return std::string(SpecialProcedureKindName(e.kind)) + ": " + Shorten(e.reason);
  }
  std::string operator()(const CaseSuspended& e) const { return "suspended: " + Shorten(e.reason); }
  std::string operator()(const CaseResumed&) const { return "resumed"; }
  std::string operator()(const DeadlineExtended& e) const {
    return "extended by " + std::to_string(e.working_days) + " working days: " + Shorten(e.reason);
  }
  std::string operator()(const CaseApproved&) const { return "approved"; }
  std::string operator()(const CaseDenied& e) const { return "denied: " + Shorten(e.reason); }
  std::string operator()(const CertificateIssued& e) const {
    return "issued " + e.certificate_id + " for " + std::string(DeliveryName(e.delivery)) +
           (e.tracking_number.empty() ? "" : " " + e.tracking_number);
  }
  std::string operator()(const CaseDelivered&) const { return "delivered"; }
  std::string operator()(const CaseWithdrawn& e) const {
    return "withdrawn" + (e.reason.empty() ? "" : ": " + Shorten(e.reason));
  }
  std::string operator()(const CaseClosed& e) const {
    return "closed with result " + e.result_code;
  }
  std::string operator()(const SupervisionOrdered& e) const {
    return "supervision " + e.order_id + " due " + FormatDate(e.due) + ": " + Shorten(e.note);
  }
  std::string operator()(const SupervisionAnswered& e) const {
    return "answered " + e.order_id + ": " + Shorten(e.answer);
  }
  // Questions and comments are the citizen's words: not repeated in the audit trail.
  std::string operator()(const Consulted&) const { return "consultation recorded"; }
  std::string operator()(const Evaluated& e) const {
    return "evaluated grade " + std::to_string(e.grade) +
           (e.rectification_id.empty() ? "" : ", rectification " + e.rectification_id);
  }
  std::string operator()(const RectificationRecorded& e) const {
    return "rectification " + e.rectification_id + ": " + Shorten(e.note);
  }
  std::string operator()(const TripRecorded& e) const { return "trip: " + Shorten(e.purpose); }
};

Result<std::string> What(const EventEnvelope& event, bool mask) {
  if (IsCaseEventType(event.type)) {
    Result<CaseEvent> data = DecodeEventData(event.type, event.schema, event.data);
    if (!data.ok()) return DataLoss("case event does not decode: " + data.status().message());
    return std::visit(Summarize{mask}, *data);
  }
  if (event.type == kCatalogItemPublished) {
    Result<CatalogItem> item = DecodeCatalogItem(event.data);
    if (!item.ok()) return DataLoss("catalog item does not decode: " + item.status().message());
    return "published " + item->code + " " + item->name;
  }
  return event.type;
}

}  // namespace

Result<std::string> WriteAuditPageJson(const AuditPage& page, bool mask_personal_data) {
  JsonWriter json(256 + 700 * page.items.size());
  json.BeginObject().Key("items").BeginArray();
  for (const AuditItem& item : page.items) {
    Result<EventEnvelope> event = DecodeEnvelope(item.event.bytes);
    if (!event.ok()) return DataLoss("audit trail: " + event.status().message());
    Result<std::string> what = What(*event, mask_personal_data);
    if (!what.ok()) return what.status();
    json.BeginObject()
        .Field("position", event->position)
        .Field("stream", event->stream)
        .Field("case_number", event->stream.starts_with(kCaseStreamPrefix)
                                  ? event->stream.substr(kCaseStreamPrefix.size())
                                  : std::string())
        .Field("version", event->version)
        .Field("type", event->type)
        .Field("actor", event->actor.id)
        .Field("role", event->actor.role)
        .Field("department", event->actor.department)
        .Field("case_department", item.department)
        .Field("channel", event->actor.channel)
        .Field("outlet", event->actor.outlet)
        .Field("occurred_at", FormatTimestamp(event->occurred_at))
        .Field("recorded_at", FormatTimestamp(event->recorded_at))
        .Field("what", *what)
        .Field("hash", event->hash)
        .Field("prev_hash", event->prev_hash)
        .EndObject();
  }
  json.EndArray().Key("next_cursor");
  page.next_cursor.empty() ? json.Null() : json.String(page.next_cursor);
  return json.EndObject().Take();
}

std::string WriteSupervisionPageJson(const SupervisionPage& page, Timestamp now) {
  JsonWriter json(256 + 400 * page.items.size());
  json.BeginObject().Field("now", FormatTimestamp(now)).Key("items").BeginArray();
  for (const SupervisionOrder& order : page.items) {
    const bool answered = order.answer_position != 0;
    json.BeginObject()
        .Field("order_id", order.order_id)
        .Field("case_number", order.case_number)
        .Field("position", order.position)
        .Field("department", order.department)
        .Field("ordered_by", order.ordered_by)
        .Field("ordered_at", FormatTimestamp(order.ordered_at))
        .Field("note", order.note)
        .Field("due", FormatDate(order.due))
        .Field("status", SupervisionStatus(order, now));
    const std::string_view status = SupervisionStatus(order, now);
    json.Key("in_time");  // null while open and not yet late
    if (answered || status == "overdue") {
      json.Bool(status == "answered_in_time");
    } else {
      json.Null();
    }
    if (answered) {
      json.Field("answer_position", order.answer_position)
          .Field("answered_by", order.answered_by)
          .Field("answered_at", FormatTimestamp(order.answered_at))
          .Field("answer", order.answer);
    }
    json.EndObject();
  }
  json.EndArray().Key("next_cursor");
  page.next_cursor.empty() ? json.Null() : json.String(page.next_cursor);
  return json.EndObject().Take();
}

}  // namespace yiwang::projections
