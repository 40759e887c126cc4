// Case events (DESIGN.md §3 and §4): one struct per event type, holding that type's `data`.
//
// The event store keeps (type, schema, occurred_at, actor, data); this header turns `data` into
// typed values and back. EncodeEventData writes canonical JSON (domain/json.h): members in the
// order the structs below declare them, optional strings omitted when empty, everything else
// always present. DecodeEventData is strict (unknown, missing or mistyped members are errors) so
// that EncodeEventData(DecodeEventData(type, schema, x)) == x for every canonical x.
//
// Personal data of the applicant (ID number, name, phone, address) appears only inside
// CaseSubmitted's `applicant` object, so it can be encrypted per applicant (crypto-shredding)
// without touching the rest of any event. The query code (查询密码) never appears in an event;
// CaseSubmitted carries only `query_code_hash`, an opaque digest the caller computes (salted
// SHA-256 in api/), which the progress projection compares against.
//
// Schemas: every type is at schema 1. A reader upcasts older schemas on read: DecodeEventData
// dispatches on (type, schema); when a type's layout changes, its previous decoder stays and
// fills the new struct with defaults, and the type's current schema (EventSchema) goes up.
// Stored events are never rewritten. The catalogue of types is in domain/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/envelope.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

// Limits on event data; Decide refuses commands beyond them and the decoder refuses stored data
// beyond them.
inline constexpr size_t kEventIdBytesMax = 64;       // codes, ids, numbers, enum values
inline constexpr size_t kEventNameBytesMax = 200;    // names, departments, phone numbers
inline constexpr size_t kEventTextBytesMax = 4000;   // reasons, notes, opinions, answers
inline constexpr size_t kEventListItemsMax = 64;     // materials, missing materials
inline constexpr size_t kFormFieldsMax = 64;         // members of CaseSubmitted.form
inline constexpr size_t kFormValueBytesMax = 1000;   // one form value
inline constexpr int kEvaluationGradeMin = 1;        // 满意度 1 非常不满意
inline constexpr int kEvaluationGradeMax = 5;        // 满意度 5 非常满意
inline constexpr int kBadEvaluationGradeMax = 2;     // 1 and 2 are 差评 (DESIGN §7)
inline constexpr int kExtensionWorkingDaysMax = 30;  // one extension (延长审批), see §42
inline constexpr int kEventDaysMax = 365;            // promised / legal days in CaseAccepted

inline constexpr std::string_view kCaseStreamPrefix = "case-";

struct Applicant {
  std::string id_number;  // normalised 18-character citizen ID number
  std::string name;
  std::string phone;    // optional
  std::string address;  // optional
  bool operator==(const Applicant&) const = default;
};

// 审查环节: 承办 → 审核 → 批准.
enum class ReviewStep { kUndertake, kAudit, kApprove };
// 特别程序种类 (§45, not counted in the time limit).
enum class SpecialProcedureKind { kHearing, kInspection, kTesting, kExpertReview, kOther };
// 出件方式: window pickup or express delivery.
enum class Delivery { kPickup, kExpress };

std::string_view ReviewStepName(ReviewStep step);  // "undertake" | "audit" | "approve"
std::optional<ReviewStep> ParseReviewStep(std::string_view text);
// "hearing" | "inspection" | "testing" | "expert_review" | "other"
std::string_view SpecialProcedureKindName(SpecialProcedureKind kind);
std::optional<SpecialProcedureKind> ParseSpecialProcedureKind(std::string_view text);
std::string_view DeliveryName(Delivery delivery);  // "pickup" | "express"
std::optional<Delivery> ParseDelivery(std::string_view text);

struct CaseSubmitted {
  std::string case_number;
  std::string query_code_hash;
  std::string service_code;
  std::string channel;  // kChannels value
  std::string outlet;   // optional
  Applicant applicant;
  std::vector<std::string> materials;       // material codes handed in
  std::map<std::string, std::string> form;  // application form, keys sorted
  bool operator==(const CaseSubmitted&) const = default;
};
struct MaterialsRequested {  // 一次性告知
  std::vector<std::string> missing;
  std::string note;  // optional
  CivilDate due;     // supplement deadline (补正期限)
  bool operator==(const MaterialsRequested&) const = default;
};
struct MaterialsSupplemented {
  std::vector<std::string> materials;
  bool operator==(const MaterialsSupplemented&) const = default;
};
struct CaseAccepted {
  std::string acceptance_number;      // 受理文书编号
  int promised_days = 0;              // 承诺时限, working days
  int legal_days = 0;                 // 法定时限, working days
  bool immediate = false;             // 即办件
  bool comprehensive_window = false;  // accepted at a 一窗通办 comprehensive window
  // When the time limit starts: the acceptance itself, or the receipt of the application when
  // the acceptance came after the 5-working-day notice limit (行政许可法 §32, deemed accepted).
  Timestamp clock_start;
  CivilDate deadline;        // promised deadline before pauses and extension
  CivilDate legal_deadline;  // legal deadline before pauses and extension
  bool operator==(const CaseAccepted&) const = default;
};
struct CaseNotAccepted {
  std::string reason;
  bool operator==(const CaseNotAccepted&) const = default;
};
struct CaseTransferred {
  std::string department;
  std::string note;  // optional
  bool operator==(const CaseTransferred&) const = default;
};
struct ReviewStarted {
  bool operator==(const ReviewStarted&) const = default;
};
struct ReviewStepCompleted {
  ReviewStep step = ReviewStep::kUndertake;
  std::string opinion;
  std::string note;  // optional
  bool operator==(const ReviewStepCompleted&) const = default;
};
struct SpecialProcedureStarted {
  SpecialProcedureKind kind = SpecialProcedureKind::kOther;
  std::string reason;
  bool operator==(const SpecialProcedureStarted&) const = default;
};
struct CaseSuspended {
  std::string reason;
  bool operator==(const CaseSuspended&) const = default;
};
struct CaseResumed {
  bool operator==(const CaseResumed&) const = default;
};
struct DeadlineExtended {  // 延长审批
  int working_days = 0;
  std::string reason;
  bool operator==(const DeadlineExtended&) const = default;
};
struct CaseApproved {
  std::string note;  // optional
  bool operator==(const CaseApproved&) const = default;
};
struct CaseDenied {
  std::string reason;
  std::string appeal_notice;  // 复议、诉讼权利告知
  bool operator==(const CaseDenied&) const = default;
};
struct CertificateIssued {
  std::string certificate_id;  // electronic certificate id (电子证照)
  Delivery delivery = Delivery::kPickup;
  std::string tracking_number;  // express only
  bool operator==(const CertificateIssued&) const = default;
};
struct CaseDelivered {
  std::string note;  // optional
  bool operator==(const CaseDelivered&) const = default;
};
struct CaseWithdrawn {
  std::string reason;  // optional
  bool operator==(const CaseWithdrawn&) const = default;
};
struct CaseClosed {         // 办结
  std::string result_code;  // kResult* in domain/case.h
  std::string reason;       // optional
  bool operator==(const CaseClosed&) const = default;
};
struct SupervisionOrdered {  // 督办
  std::string order_id;
  std::string note;
  CivilDate due;
  bool operator==(const SupervisionOrdered&) const = default;
};
struct SupervisionAnswered {
  std::string order_id;
  std::string answer;
  bool operator==(const SupervisionAnswered&) const = default;
};
struct Consulted {  // 一网咨询
  std::string question;
  std::string answer;
  bool operator==(const Consulted&) const = default;
};
struct Evaluated {      // 好差评
  int grade = 1;        // 1 非常不满意 … 5 非常满意 (the national 好差评 scale)
  std::string comment;  // optional
  // Present exactly when grade <= kBadEvaluationGradeMax.
  std::string rectification_id;
  std::optional<CivilDate> rectification_due;
  bool operator==(const Evaluated&) const = default;
};
struct RectificationRecorded {  // 整改
  std::string rectification_id;
  std::string note;
  bool operator==(const RectificationRecorded&) const = default;
};
struct TripRecorded {   // an in-person visit of the applicant (跑动次数)
  std::string outlet;   // optional
  std::string purpose;  // "submit", "supplement", "pickup", or free text
  bool operator==(const TripRecorded&) const = default;
};

using CaseEvent =
    std::variant<CaseSubmitted, MaterialsRequested, MaterialsSupplemented, CaseAccepted,
                 CaseNotAccepted, CaseTransferred, ReviewStarted, ReviewStepCompleted,
                 SpecialProcedureStarted, CaseSuspended, CaseResumed, DeadlineExtended,
                 CaseApproved, CaseDenied, CertificateIssued, CaseDelivered, CaseWithdrawn,
                 CaseClosed, SupervisionOrdered, SupervisionAnswered, Consulted, Evaluated,
                 RectificationRecorded, TripRecorded>;

// The `type` of the envelope: the struct's name ("CaseSubmitted").
std::string_view EventTypeName(const CaseEvent& event);
// The schema EncodeEventData writes for this event (1 for every type today).
uint32_t EventSchema(const CaseEvent& event);
bool IsCaseEventType(std::string_view type);
// The alternative of CaseEvent (its index()) whose EventTypeName is `type`, or -1.
int CaseEventTypeIndex(std::string_view type);
// EventTypeName of CaseEvent's alternative `index`; empty past the last one.
std::string_view CaseEventTypeName(size_t index);

// Canonical JSON of the event's data.
std::string EncodeEventData(const CaseEvent& event);
// Parses and validates `data_json` of an event of `type` written with `schema`. Errors are
// kInvalidArgument naming the member ("applicant.name"): "unknown event type", "unsupported
// schema", wrong types, missing or unknown members, values beyond the limits above. Never
// crashes, whatever the bytes.
Result<CaseEvent> DecodeEventData(std::string_view type, uint32_t schema,
                                  std::string_view data_json);
// The same into `out`, which a replay reuses for every event (the typed event is not moved out
// of a Result and again into its place). On an error `out` holds an unspecified event.
Status DecodeEventDataInto(std::string_view type, uint32_t schema, std::string_view data_json,
                           CaseEvent* out);
// DecodeEventData's fast path, which it takes first: true, with the event in `out`, when
// `data_json` has the shape EncodeEventData writes (its members in its order, no whitespace, no
// escapes) and is within every limit; false otherwise, and then DecodeEventData parses it. When
// it is true, DecodeEventDataWithParser decodes the same event: the tests hold the two to that.
bool DecodeCanonicalEventData(std::string_view type, uint32_t schema, std::string_view data_json,
                              CaseEvent* out);
// DecodeEventData without the fast path: simdjson and the member-by-member checks, for any JSON.
Result<CaseEvent> DecodeEventDataWithParser(std::string_view type, uint32_t schema,
                                            std::string_view data_json);

// A stored event as the aggregate folds it: what Evolve takes, made for the fold. Its actor views
// the strings of the envelope or request the event came from, which must outlive it: replay
// decodes a million of them, and copying the actor's five strings into each was ~3 % of a
// replay's instructions, for the one (department) the fold reads.
struct RecordedCaseEvent {
  uint32_t version = 0;  // per stream, from 1
  Timestamp occurred_at;
  ActorView actor;
  CaseEvent event;
};

}  // namespace yiwang
