// Internals of the Case aggregate shared by case_decide.cc, case_facts.cc, case_validation.cc
// and sla.cc. Not part of the domain's public surface: include domain/case.h instead.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/case.h"

namespace yiwang::case_internal {

using Events = std::vector<CaseEvent>;
using S = CaseStatus;

// Every state a case can be in once it exists, and the same without Closed.
inline constexpr std::initializer_list<CaseStatus> kAnyExisting = {
    S::kSubmitted,        S::kMaterialsRequested, S::kAccepted,  S::kTransferred, S::kUnderReview,
    S::kSpecialProcedure, S::kSuspended,          S::kApproved,  S::kDenied,      S::kNotAccepted,
    S::kIssued,           S::kDelivered,          S::kWithdrawn, S::kClosed};
inline constexpr std::initializer_list<CaseStatus> kOpen = {
    S::kSubmitted,        S::kMaterialsRequested, S::kAccepted, S::kTransferred, S::kUnderReview,
    S::kSpecialProcedure, S::kSuspended,          S::kApproved, S::kDenied,      S::kNotAccepted,
    S::kIssued,           S::kDelivered,          S::kWithdrawn};

// kFailedPrecondition "illegal_transition" naming the state and the action.
Status Illegal(const CaseState& state, std::string_view action, std::string_view why = {});
Status Precondition(std::string message, std::string reason);
// The actor's role must be one of `roles` (else kPermissionDenied), then the state one of
// `states` (else Illegal).
Status Gate(const CaseState& state, const DecideContext& context, std::string_view action,
            std::initializer_list<std::string_view> roles,
            std::initializer_list<CaseStatus> states);
Result<const WorkingCalendar*> NeedCalendar(const DecideContext& context);

// Input checks: kInvalidArgument with the field path and a reason.
Status InvalidValue(std::string field, std::string message);  // reason "invalid_value"
// Required text must hold a non-blank character; any text at most `bytes_max` bytes.
Status CheckText(std::string_view value, std::string field, size_t bytes_max, bool required);
// A list of names or codes: bounded, no blank or duplicate entries; non-empty when required.
Status CheckList(const std::vector<std::string>& values, std::string field, bool required);
Status CheckForm(const std::map<std::string, std::string>& form);
Status CheckApplicant(const Applicant& applicant);
// The item exists (context.item matches service_code) and allows the channel, and the actor's
// role may use the channel (citizens: online, mobile, kiosk).
Status CheckSubmitChannel(const SubmitCommand& command, const DecideContext& context);
Status CheckSubmittedMaterials(const std::vector<std::string>& materials, const CatalogItem& item);
// The visit of the applicant at `outlet`, or at the actor's outlet when `outlet` is empty.
Result<TripRecorded> MakeTrip(const DecideContext& context, std::string_view outlet,
                              std::string purpose);
// The normalised ID number, or "applicant.id_number" / "invalid_id_number".
Result<std::string> NormalizedIdNumber(std::string_view text, Timestamp now);

// Deadlines (行政许可法 §32, §42).
// When the 5-working-day acceptance notice clock started: the supplement when the materials
// request itself was sent in time, else the submission.
Result<Timestamp> AcceptanceNoticeBase(const CaseState& state, const WorkingCalendar& calendar);
Result<CivilDate> AcceptanceNoticeDue(const CaseState& state, const WorkingCalendar& calendar);
// `days` working days after `start`; immediate items are due on the first working day on or
// after `start`.
Result<CivilDate> DeadlineAfter(const WorkingCalendar& calendar, CivilDate start, int days,
                                bool immediate);
// The CaseAccepted of an acceptance at `now` (acceptance_number and window flag left empty).
Result<CaseAccepted> MakeAcceptance(const CaseState& state, const CatalogItem& item,
                                    const WorkingCalendar& calendar, Timestamp now);

// One handler per command (case_decide.cc: transitions; case_facts.cc: recorded facts).
Result<Events> DecideCommand(const CaseState&, const SubmitCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const AcceptCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const NotAcceptCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const RequestMaterialsCommand&,
                             const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const SupplementCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const TransferCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const StartReviewCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const ReviewStepCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const SpecialProcedureCommand&,
                             const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const SuspendCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const ResumeCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const ExtendCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const ApproveCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const DenyCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const IssueCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const DeliverCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const WithdrawCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const CloseCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const SuperviseCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const AnswerSupervisionCommand&,
                             const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const EvaluateCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const RectifyCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const RecordTripCommand&, const DecideContext&);
Result<Events> DecideCommand(const CaseState&, const ConsultCommand&, const DecideContext&);

}  // namespace yiwang::case_internal
