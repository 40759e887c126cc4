// Decide: which events a command produces on a case, or why it may not run.
//
// Every handler checks, in this order: the actor's role (kPermissionDenied), the state
// (kFailedPrecondition "illegal_transition"), then the input (kInvalidArgument with the field),
// then once-only and timing rules. Checks shared by several commands are in case_validation.cc,
// the recorded facts (supervision, consultation, evaluation, rectification, trips) in
// case_facts.cc.
#include "domain/case.h"
#include "domain/case_internal.h"
#include "domain/case_number.h"

namespace yiwang::case_internal {
namespace {

// How a case closed from `status` ended (CaseClosed.result_code).
std::string_view ResultCodeOf(CaseStatus status) {
  switch (status) {
    case S::kDenied:
      return kResultDenied;
    case S::kNotAccepted:
      return kResultNotAccepted;
    case S::kWithdrawn:
      return kResultWithdrawn;
    case S::kMaterialsRequested:
      return kResultNotSupplemented;
    default:
      return kResultApproved;  // Delivered
  }
}

}  // namespace

Result<Events> DecideCommand(const CaseState& state, const SubmitCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "submit", {"citizen", "officer"}, {S::kNone}));
  YIWANG_RETURN_IF_ERROR(CheckSubmitChannel(command, context));
  Result<std::string> id_number = NormalizedIdNumber(command.applicant.id_number, context.now);
  if (!id_number.ok()) return id_number.status();
  YIWANG_RETURN_IF_ERROR(CheckApplicant(command.applicant));
  YIWANG_RETURN_IF_ERROR(CheckSubmittedMaterials(command.materials, *context.item));
  YIWANG_RETURN_IF_ERROR(CheckForm(command.form));
  YIWANG_RETURN_IF_ERROR(CheckText(command.outlet, "outlet", kEventIdBytesMax, /*required=*/false));
  if (!IsWellFormedCaseNumber(context.case_number) || context.query_code_hash.empty() ||
      context.query_code_hash.size() > kEventNameBytesMax) {
    return Precondition("case number and query code hash must be generated before submit",
                        "context_missing");
  }
  CaseSubmitted submitted{
      context.case_number, context.query_code_hash, command.service_code, command.channel,
      command.outlet,      command.applicant,       command.materials,    command.form};
  submitted.applicant.id_number = *id_number;
  Events events = {std::move(submitted)};
  if (IsInPersonChannel(command.channel)) {
    Result<TripRecorded> trip = MakeTrip(context, command.outlet, "submit");
    if (!trip.ok()) return trip.status();
    events.push_back(std::move(*trip));
  }
  return events;
}

Result<Events> DecideCommand(const CaseState& state, const AcceptCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "accept", {"officer"}, {S::kSubmitted}));
  YIWANG_RETURN_IF_ERROR(
      CheckText(command.acceptance_number, "acceptance_number", kEventIdBytesMax, true));
  if (context.item == nullptr || context.item->code != state.service_code) {
    return Precondition("the catalog item of the case is needed to accept it", "unknown_item");
  }
  Result<const WorkingCalendar*> calendar = NeedCalendar(context);
  if (!calendar.ok()) return calendar.status();
  Result<CaseAccepted> accepted = MakeAcceptance(state, *context.item, **calendar, context.now);
  if (!accepted.ok()) return accepted.status();
  accepted->acceptance_number = command.acceptance_number;
  accepted->comprehensive_window = command.comprehensive_window;
  return Events{std::move(*accepted)};
}

Result<Events> DecideCommand(const CaseState& state, const NotAcceptCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "not-accept", {"officer"}, {S::kSubmitted}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, true));
  return Events{CaseNotAccepted{command.reason}};
}

Result<Events> DecideCommand(const CaseState& state, const RequestMaterialsCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "request-materials", {"officer"}, {S::kSubmitted}));
  YIWANG_RETURN_IF_ERROR(CheckList(command.missing, "missing", /*required=*/true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, false));
  if (state.materials_requested) {
    return Precondition("materials were already requested once (一次性告知)",
                        "materials_already_requested");
  }
  if (context.supplement_working_days < 1 || context.supplement_working_days > kPromisedDaysMax) {
    return Precondition("supplement working days out of range", "context_missing");
  }
  Result<const WorkingCalendar*> calendar = NeedCalendar(context);
  if (!calendar.ok()) return calendar.status();
  Result<CivilDate> due =
      (*calendar)->AddWorkingDays(LocalDateOf(context.now), context.supplement_working_days);
  if (!due.ok()) return due.status();
  return Events{MaterialsRequested{command.missing, command.note, *due}};
}

Result<Events> DecideCommand(const CaseState& state, const SupplementCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "supplement", {"citizen", "officer"}, {S::kMaterialsRequested}));
  YIWANG_RETURN_IF_ERROR(CheckList(command.materials, "materials", /*required=*/true));
  Events events = {MaterialsSupplemented{command.materials}};
  if (IsInPersonChannel(context.actor.channel)) {
    Result<TripRecorded> trip = MakeTrip(context, "", "supplement");
    if (!trip.ok()) return trip.status();
    events.push_back(std::move(*trip));
  }
  return events;
}

Result<Events> DecideCommand(const CaseState& state, const TransferCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "transfer", {"officer"}, {S::kAccepted, S::kUnderReview}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.department, "department", kEventNameBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, false));
  return Events{CaseTransferred{command.department, command.note}};
}

Result<Events> DecideCommand(const CaseState& state, const StartReviewCommand&,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "start-review", {"officer"}, {S::kAccepted, S::kTransferred}));
  return Events{ReviewStarted{}};
}

Result<Events> DecideCommand(const CaseState& state, const ReviewStepCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "review-step", {"officer"}, {S::kUnderReview}));
  std::optional<ReviewStep> step = ParseReviewStep(command.step);
  if (!step.has_value()) return InvalidValue("step", "must be undertake, audit or approve");
  YIWANG_RETURN_IF_ERROR(CheckText(command.opinion, "opinion", kEventTextBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, false));
  return Events{ReviewStepCompleted{*step, command.opinion, command.note}};
}

Result<Events> DecideCommand(const CaseState& state, const SpecialProcedureCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "special-procedure", {"officer"}, {S::kAccepted, S::kUnderReview}));
  std::optional<SpecialProcedureKind> kind = ParseSpecialProcedureKind(command.kind);
  if (!kind.has_value()) {
    return InvalidValue("kind", "must be hearing, inspection, testing, expert_review or other");
  }
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, true));
  return Events{SpecialProcedureStarted{*kind, command.reason}};
}

Result<Events> DecideCommand(const CaseState& state, const SuspendCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "suspend", {"officer"}, {S::kAccepted, S::kUnderReview}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, true));
  return Events{CaseSuspended{command.reason}};
}

Result<Events> DecideCommand(const CaseState& state, const ResumeCommand&,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "resume", {"officer"}, {S::kSuspended, S::kSpecialProcedure}));
  return Events{CaseResumed{}};
}

Result<Events> DecideCommand(const CaseState& state, const ExtendCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "extend", {"officer"},
                              {S::kAccepted, S::kTransferred, S::kUnderReview}));
  if (command.working_days < 1 || command.working_days > kExtensionWorkingDaysMax) {
    return InvalidValue("working_days", "must be 1.." + std::to_string(kExtensionWorkingDaysMax));
  }
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, true));
  if (state.extension_working_days > 0) {
    return Precondition("the deadline was already extended once", "extension_already_granted");
  }
  return Events{DeadlineExtended{command.working_days, command.reason}};
}

Result<Events> DecideCommand(const CaseState& state, const ApproveCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "approve", {"officer"}, {S::kAccepted, S::kUnderReview}));
  if (state.status == S::kAccepted && !(state.acceptance && state.acceptance->immediate)) {
    return Illegal(state, "approve", "only immediate items (即办件) skip the review");
  }
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, false));
  return Events{CaseApproved{command.note}};
}

Result<Events> DecideCommand(const CaseState& state, const DenyCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "deny", {"officer"}, {S::kAccepted, S::kUnderReview}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, true));
  YIWANG_RETURN_IF_ERROR(
      CheckText(command.appeal_notice, "appeal_notice", kEventTextBytesMax, false));
  std::string notice =
      command.appeal_notice.empty() ? std::string(kDefaultAppealNotice) : command.appeal_notice;
  return Events{CaseDenied{command.reason, std::move(notice)}};
}

Result<Events> DecideCommand(const CaseState& state, const IssueCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "issue", {"officer"}, {S::kApproved}));
  YIWANG_RETURN_IF_ERROR(
      CheckText(command.certificate_id, "certificate_id", kEventIdBytesMax, true));
  std::optional<Delivery> delivery = ParseDelivery(command.delivery);
  if (!delivery.has_value()) return InvalidValue("delivery", "must be pickup or express");
  const bool express = *delivery == Delivery::kExpress;
  YIWANG_RETURN_IF_ERROR(
      CheckText(command.tracking_number, "tracking_number", kEventIdBytesMax, express));
  if (!express && !command.tracking_number.empty()) {
    return InvalidValue("tracking_number", "only express delivery has a tracking number");
  }
  return Events{CertificateIssued{command.certificate_id, *delivery, command.tracking_number}};
}

Result<Events> DecideCommand(const CaseState& state, const DeliverCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "deliver", {"officer"}, {S::kIssued}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, false));
  Events events = {CaseDelivered{command.note}};
  // Picking the certificate up at the window is a visit of the applicant.
  if (state.certificate && state.certificate->delivery == Delivery::kPickup) {
    Result<TripRecorded> trip = MakeTrip(context, "", "pickup");
    if (!trip.ok()) return trip.status();
    events.push_back(std::move(*trip));
  }
  return events;
}

Result<Events> DecideCommand(const CaseState& state, const WithdrawCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "withdraw", {"citizen", "officer"},
           {S::kSubmitted, S::kMaterialsRequested, S::kAccepted, S::kSuspended}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, false));
  return Events{CaseWithdrawn{command.reason}};
}

Result<Events> DecideCommand(const CaseState& state, const CloseCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(
      Gate(state, context, "close", {"officer", "system"},
           {S::kDenied, S::kNotAccepted, S::kDelivered, S::kWithdrawn, S::kMaterialsRequested}));
  YIWANG_RETURN_IF_ERROR(CheckText(command.reason, "reason", kEventTextBytesMax, false));
  // 补正不来办结: only once the supplement period is over.
  if (state.status == S::kMaterialsRequested &&
      !(state.supplement_due && LocalDateOf(context.now) > *state.supplement_due)) {
    return Precondition("the supplement period has not ended", "supplement_not_due");
  }
  return Events{CaseClosed{std::string(ResultCodeOf(state.status)), command.reason}};
}

}  // namespace yiwang::case_internal

namespace yiwang {
namespace {

// Indexed like the alternatives of CaseCommand.
// clang-format off
constexpr std::string_view kActionNames[] = {
    "submit", "accept", "not-accept", "request-materials", "supplement", "transfer",
    "start-review", "review-step", "special-procedure", "suspend", "resume", "extend",
    "approve", "deny", "issue", "deliver", "withdraw", "close",
    "supervise", "answer-supervision", "evaluate", "rectify", "record-trip", "consult"};
// clang-format on
static_assert(std::size(kActionNames) == std::variant_size_v<CaseCommand>);

}  // namespace

std::string_view CommandActionName(const CaseCommand& command) {
  return kActionNames[command.index()];
}

std::span<const std::string_view> CommandActionNames() { return kActionNames; }

Result<std::vector<CaseEvent>> Decide(const CaseState& state, const CaseCommand& command,
                                      const DecideContext& context) {
  return std::visit(
      [&](const auto& typed) { return case_internal::DecideCommand(state, typed, context); },
      command);
}

}  // namespace yiwang
