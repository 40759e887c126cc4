// Event type names and the canonical encoder. The decoder is in events_decode.cc.
#include "domain/events.h"

#include <array>

#include "domain/json.h"

namespace yiwang {
namespace {

// Indexed like the alternatives of CaseEvent.
constexpr std::array<std::string_view, std::variant_size_v<CaseEvent>> kEventTypeNames = {
    "CaseSubmitted",
    "MaterialsRequested",
    "MaterialsSupplemented",
    "CaseAccepted",
    "CaseNotAccepted",
    "CaseTransferred",
    "ReviewStarted",
    "ReviewStepCompleted",
    "SpecialProcedureStarted",
    "CaseSuspended",
    "CaseResumed",
    "DeadlineExtended",
    "CaseApproved",
    "CaseDenied",
    "CertificateIssued",
    "CaseDelivered",
    "CaseWithdrawn",
    "CaseClosed",
    "SupervisionOrdered",
    "SupervisionAnswered",
    "Consulted",
    "Evaluated",
    "RectificationRecorded",
    "TripRecorded",
};

constexpr std::array<std::string_view, 3> kReviewStepNames = {"undertake", "audit", "approve"};
constexpr std::array<std::string_view, 5> kSpecialKindNames = {"hearing", "inspection", "testing",
                                                               "expert_review", "other"};
constexpr std::array<std::string_view, 2> kDeliveryNames = {"pickup", "express"};

template <typename Enum, size_t N>
std::optional<Enum> ParseEnum(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t index = 0; index < N; ++index) {
    if (names[index] == text) return static_cast<Enum>(index);
  }
  return std::nullopt;
}

void WriteDate(JsonWriter* writer, std::string_view key, CivilDate date) {
  writer->Field(key, FormatDate(date));
}

// One Encode overload per event type: members in declaration order.
void Encode(const CaseSubmitted& event, JsonWriter* writer) {
  writer->Field("case_number", event.case_number)
      .Field("query_code_hash", event.query_code_hash)
      .Field("service_code", event.service_code)
      .Field("channel", event.channel)
      .OptionalField("outlet", event.outlet);
  writer->Key("applicant").BeginObject();
  writer->Field("id_number", event.applicant.id_number)
      .Field("name", event.applicant.name)
      .OptionalField("phone", event.applicant.phone)
      .OptionalField("address", event.applicant.address)
      .EndObject();
  writer->StringArray("materials", event.materials);
  writer->Key("form").BeginObject();
  for (const auto& [key, value] : event.form) writer->Field(key, value);
  writer->EndObject();
}
void Encode(const MaterialsRequested& event, JsonWriter* writer) {
  writer->StringArray("missing", event.missing);
  writer->OptionalField("note", event.note);
  WriteDate(writer, "due", event.due);
}
void Encode(const MaterialsSupplemented& event, JsonWriter* writer) {
  writer->StringArray("materials", event.materials);
}
void Encode(const CaseAccepted& event, JsonWriter* writer) {
  writer->Field("acceptance_number", event.acceptance_number)
      .Field("promised_days", event.promised_days)
      .Field("legal_days", event.legal_days)
      .Field("immediate", event.immediate)
      .Field("comprehensive_window", event.comprehensive_window)
      .Field("clock_start", FormatTimestamp(event.clock_start));
  WriteDate(writer, "deadline", event.deadline);
  WriteDate(writer, "legal_deadline", event.legal_deadline);
}
void Encode(const CaseNotAccepted& event, JsonWriter* writer) {
  writer->Field("reason", event.reason);
}
void Encode(const CaseTransferred& event, JsonWriter* writer) {
  writer->Field("department", event.department).OptionalField("note", event.note);
}
void Encode(const ReviewStarted&, JsonWriter*) {}
void Encode(const ReviewStepCompleted& event, JsonWriter* writer) {
  writer->Field("step", ReviewStepName(event.step))
      .Field("opinion", event.opinion)
      .OptionalField("note", event.note);
}
void Encode(const SpecialProcedureStarted& event, JsonWriter* writer) {
  writer->Field("kind", SpecialProcedureKindName(event.kind)).Field("reason", event.reason);
}
void Encode(const CaseSuspended& event, JsonWriter* writer) {
  writer->Field("reason", event.reason);
}
void Encode(const CaseResumed&, JsonWriter*) {}
void Encode(const DeadlineExtended& event, JsonWriter* writer) {
  writer->Field("working_days", event.working_days).Field("reason", event.reason);
}
void Encode(const CaseApproved& event, JsonWriter* writer) {
  writer->OptionalField("note", event.note);
}
void Encode(const CaseDenied& event, JsonWriter* writer) {
  writer->Field("reason", event.reason).Field("appeal_notice", event.appeal_notice);
}
void Encode(const CertificateIssued& event, JsonWriter* writer) {
  writer->Field("certificate_id", event.certificate_id)
      .Field("delivery", DeliveryName(event.delivery))
      .OptionalField("tracking_number", event.tracking_number);
}
void Encode(const CaseDelivered& event, JsonWriter* writer) {
  writer->OptionalField("note", event.note);
}
void Encode(const CaseWithdrawn& event, JsonWriter* writer) {
  writer->OptionalField("reason", event.reason);
}
void Encode(const CaseClosed& event, JsonWriter* writer) {
  writer->Field("result_code", event.result_code).OptionalField("reason", event.reason);
}
void Encode(const SupervisionOrdered& event, JsonWriter* writer) {
  writer->Field("order_id", event.order_id).Field("note", event.note);
  WriteDate(writer, "due", event.due);
}
void Encode(const SupervisionAnswered& event, JsonWriter* writer) {
  writer->Field("order_id", event.order_id).Field("answer", event.answer);
}
void Encode(const Consulted& event, JsonWriter* writer) {
  writer->Field("question", event.question).Field("answer", event.answer);
}
void Encode(const Evaluated& event, JsonWriter* writer) {
  writer->Field("grade", event.grade)
      .OptionalField("comment", event.comment)
      .OptionalField("rectification_id", event.rectification_id);
  if (event.rectification_due.has_value()) {
    WriteDate(writer, "rectification_due", *event.rectification_due);
  }
}
void Encode(const RectificationRecorded& event, JsonWriter* writer) {
  writer->Field("rectification_id", event.rectification_id).Field("note", event.note);
}
void Encode(const TripRecorded& event, JsonWriter* writer) {
  writer->OptionalField("outlet", event.outlet).Field("purpose", event.purpose);
}

}  // namespace

std::string_view ReviewStepName(ReviewStep step) {
  return kReviewStepNames[static_cast<size_t>(step)];
}
std::optional<ReviewStep> ParseReviewStep(std::string_view text) {
  return ParseEnum<ReviewStep>(kReviewStepNames, text);
}
std::string_view SpecialProcedureKindName(SpecialProcedureKind kind) {
  return kSpecialKindNames[static_cast<size_t>(kind)];
}
std::optional<SpecialProcedureKind> ParseSpecialProcedureKind(std::string_view text) {
  return ParseEnum<SpecialProcedureKind>(kSpecialKindNames, text);
}
std::string_view DeliveryName(Delivery delivery) {
  return kDeliveryNames[static_cast<size_t>(delivery)];
}
std::optional<Delivery> ParseDelivery(std::string_view text) {
  return ParseEnum<Delivery>(kDeliveryNames, text);
}

std::string_view EventTypeName(const CaseEvent& event) { return kEventTypeNames[event.index()]; }

std::string_view CaseEventTypeName(size_t index) {
  return index < kEventTypeNames.size() ? kEventTypeNames[index] : std::string_view();
}

uint32_t EventSchema(const CaseEvent&) { return 1; }

std::string EncodeEventData(const CaseEvent& event) {
  JsonWriter writer(256);
  writer.BeginObject();
  std::visit([&writer](const auto& typed) { Encode(typed, &writer); }, event);
  writer.EndObject();
  return writer.Take();
}

}  // namespace yiwang
