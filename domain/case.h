// The Case aggregate (办件): the lifecycle of DESIGN.md §4 as a pure, deterministic state machine.
//
//   Decide(state, command, context) -> the events the command produces, or why it may not run;
//   Evolve(state, recorded event)   -> the state after the event.
// The current state of a case is the fold of Evolve over its stream from CaseState{}. Neither
// function reads a clock or draws randomness: `now`, the calendar, the catalog item and every
// generated id (case number, query code hash, order and rectification ids) come in through
// DecideContext, so replaying the same events always gives the same state.
//
// Errors of Decide (Status code / reason):
//   kInvalidArgument    bad input, with the field path ("applicant.id_number") and a reason:
//                       invalid_id_number, unknown_item, unknown_material, channel_not_allowed,
//                       invalid_value, missing_value, too_long
//   kPermissionDenied   the actor's role may not run the command (reason "role_not_allowed")
//   kFailedPrecondition reason "illegal_transition": the state does not allow the action (also
//                       approve from Accepted for an item that is not immediate); or a rule:
//                       materials_already_requested, extension_already_granted,
//                       already_evaluated, supplement_not_due, unknown_order, duplicate_order,
//                       unknown_rectification; unknown_item (accept without the case's item);
//                       context_missing (no calendar, no pre-generated id)
//   kOutOfRange         the calendar does not cover a date the command needs
// Roles (the API adds scope checks: a citizen's own cases, an officer's department):
//   submit citizen (online, mobile, kiosk) or officer (any channel, on behalf);
//   supplement, withdraw citizen or officer; evaluate citizen; supervise supervisor;
//   close officer or system (补正不来办结 by a timer); everything else officer. admin and
//   analyst run no case command.
// Thread-compatible value types; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/calendar.h"
#include "domain/case_commands.h"
#include "domain/catalog.h"
#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

// The 14 states of the lifecycle table, plus kNone for a stream that does not exist yet.
enum class CaseStatus {
  kNone,
  kSubmitted,           // 已申请
  kMaterialsRequested,  // 补正
  kAccepted,            // 已受理 ⏱
  kTransferred,         // 转办 ⏱
  kUnderReview,         // 审查中 ⏱
  kSpecialProcedure,    // 特别程序 (clock paused)
  kSuspended,           // 挂起 (clock paused)
  kApproved,            // 准予许可
  kDenied,              // 不予许可
  kNotAccepted,         // 不予受理
  kIssued,              // 出件
  kDelivered,           // 已送达
  kWithdrawn,           // 撤回
  kClosed,              // 办结
};
inline constexpr int kCaseStatusCount = 15;

// "Submitted", "MaterialsRequested", …; "None" for kNone.
std::string_view CaseStatusName(CaseStatus status);
std::optional<CaseStatus> ParseCaseStatus(std::string_view name);

// CaseClosed.result_code values: how the case ended, derived from the state it was closed from.
inline constexpr std::string_view kResultApproved = "approved";                 // from Delivered
inline constexpr std::string_view kResultDenied = "denied";                     // from Denied
inline constexpr std::string_view kResultNotAccepted = "not_accepted";          // from NotAccepted
inline constexpr std::string_view kResultWithdrawn = "withdrawn";               // from Withdrawn
inline constexpr std::string_view kResultNotSupplemented = "not_supplemented";  // 补正不来办结

// Working days the authority has to send the acceptance notice (行政许可法 §32).
inline constexpr int kAcceptanceNoticeWorkingDays = 5;
// Working days to issue the certificate after approval (§44).
inline constexpr int kIssueWorkingDays = 10;
// Default 补正 period: working days the applicant has to supply what is missing. Local rules vary
// (5 to 15); ten gives time to obtain documents from other offices.
inline constexpr int kSupplementWorkingDaysDefault = 10;
// Default time to answer a 差评 with a rectification (DESIGN.md §4).
inline constexpr int kRectificationWorkingDaysDefault = 15;
inline constexpr std::string_view kDefaultAppealNotice =
    "如不服本决定，可在收到决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。";

// A span in which the SLA clock was paused (SpecialProcedure or Suspended).
struct ClockPause {
  Timestamp from;
  std::optional<Timestamp> to;  // empty while ongoing
  CaseStatus status = CaseStatus::kSuspended;
  bool operator==(const ClockPause&) const = default;
};

struct CaseState {
  CaseStatus status = CaseStatus::kNone;
  uint32_t version = 0;  // version of the last folded event; 0 before the first
  std::string case_number;
  std::string service_code;
  std::string applicant_id_number;
  std::string channel;
  std::string outlet;
  std::vector<std::string> materials;  // handed in so far
  Timestamp submitted_at;
  Timestamp last_event_at;
  std::string department;  // handling department: the accepting officer's, then any transfer

  // 补正 (one complete list, once per case).
  bool materials_requested = false;
  std::optional<Timestamp> materials_requested_at;
  std::optional<CivilDate> supplement_due;
  std::optional<Timestamp> supplemented_at;

  // 受理.
  std::optional<Timestamp> accepted_at;
  std::optional<CaseAccepted> acceptance;
  std::vector<ClockPause> pauses;
  int extension_working_days = 0;  // 0 when no extension was granted
  std::vector<ReviewStep> review_steps;

  // Decision and output.
  std::optional<Timestamp> decided_at;  // approval, denial or non-acceptance
  std::optional<CertificateIssued> certificate;
  std::optional<Timestamp> issued_at;
  std::optional<Timestamp> delivered_at;
  std::optional<Timestamp> withdrawn_at;
  std::optional<Timestamp> closed_at;
  std::string result_code;

  // Recorded facts.
  std::map<std::string, CivilDate> open_supervision_orders;  // order id -> due
  std::map<std::string, CivilDate> open_rectifications;      // rectification id -> due
  int evaluation_grade = 0;                                  // 0 until evaluated
  int trips = 0;                                             // in-person visits of the applicant
  int consultations = 0;

  bool operator==(const CaseState&) const = default;
};

// Applies one stored event. Events are trusted (they passed Decide and DecodeEventData); the
// version is taken from the record.
CaseState Evolve(CaseState state, const RecordedCaseEvent& recorded);
// The same, in place: folding a long history without moving the state twice per event (replay).
void EvolveInPlace(CaseState* state, const RecordedCaseEvent& recorded);

// Everything Decide needs from outside the aggregate.
struct DecideContext {
  Timestamp now;
  Actor actor;
  const CatalogItem* item = nullptr;          // the case's catalog item (submit, accept)
  const WorkingCalendar* calendar = nullptr;  // for deadlines and due dates
  int rectification_working_days = kRectificationWorkingDaysDefault;
  int supplement_working_days = kSupplementWorkingDaysDefault;
  // Pre-generated values; Decide draws no randomness.
  std::string case_number;       // submit
  std::string query_code_hash;   // submit: digest of the random query code
  std::string order_id;          // supervise
  std::string rectification_id;  // evaluate with grade <= 2
};

Result<std::vector<CaseEvent>> Decide(const CaseState& state, const CaseCommand& command,
                                      const DecideContext& context);

// The state an event moves a case to, given the state it applies to (the same rule Evolve uses).
CaseStatus StatusAfter(CaseStatus before, const CaseEvent& event);

}  // namespace yiwang
