// Recorded facts on a case (DESIGN.md §4): supervision (督办), consultation (一网咨询),
// evaluation (好差评) and rectification (整改), trips. They change no state.
#include "domain/case_internal.h"

namespace yiwang::case_internal {

Result<Events> DecideCommand(const CaseState& state, const SuperviseCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "supervise", {"supervisor"}, kOpen));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, true));
  const CivilDate& due = command.due;
  if (!IsValidDate(due.year, due.month, due.day) || due < LocalDateOf(context.now)) {
    return InvalidValue("due", "must be a valid date, today or later");
  }
  if (context.order_id.empty() || context.order_id.size() > kEventIdBytesMax) {
    return Precondition("a supervision order id must be generated", "context_missing");
  }
  if (state.open_supervision_orders.contains(context.order_id)) {
    return Precondition("supervision order " + context.order_id + " is already open",
                        "duplicate_order");
  }
  return Events{SupervisionOrdered{context.order_id, command.note, due}};
}

Result<Events> DecideCommand(const CaseState& state, const AnswerSupervisionCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "answer-supervision", {"officer"}, kAnyExisting));
  YIWANG_RETURN_IF_ERROR(CheckText(command.order_id, "order_id", kEventIdBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.answer, "answer", kEventTextBytesMax, true));
  if (!state.open_supervision_orders.contains(command.order_id)) {
    return Precondition("no open supervision order " + command.order_id, "unknown_order");
  }
  return Events{SupervisionAnswered{command.order_id, command.answer}};
}

Result<Events> DecideCommand(const CaseState& state, const ConsultCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "consult", {"officer"}, kAnyExisting));
  YIWANG_RETURN_IF_ERROR(CheckText(command.question, "question", kEventTextBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.answer, "answer", kEventTextBytesMax, true));
  return Events{Consulted{command.question, command.answer}};
}

Result<Events> DecideCommand(const CaseState& state, const EvaluateCommand& command,
                             const DecideContext& context) {
  // 好差评 once the case is decided (or ended otherwise).
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "evaluate", {"citizen"},
                              {S::kApproved, S::kDenied, S::kNotAccepted, S::kIssued, S::kDelivered,
                               S::kWithdrawn, S::kClosed}));
  if (command.grade < kEvaluationGradeMin || command.grade > kEvaluationGradeMax) {
    return InvalidValue("grade", "must be 1 (very dissatisfied) to 5 (very satisfied)");
  }
  YIWANG_RETURN_IF_ERROR(CheckText(command.comment, "comment", kEventTextBytesMax, false));
  if (state.evaluation_grade != 0) {
    return Precondition("the case was already evaluated", "already_evaluated");
  }
  Evaluated evaluated{command.grade, command.comment, {}, std::nullopt};
  if (command.grade <= kBadEvaluationGradeMax) {
    // A 差评 opens a rectification to be answered within N working days.
    if (context.rectification_id.empty() || context.rectification_id.size() > kEventIdBytesMax ||
        context.rectification_working_days < 1 ||
        context.rectification_working_days > kPromisedDaysMax) {
      return Precondition("a rectification id and period must be given", "context_missing");
    }
    Result<const WorkingCalendar*> calendar = NeedCalendar(context);
    if (!calendar.ok()) return calendar.status();
    Result<CivilDate> due =
        (*calendar)->AddWorkingDays(LocalDateOf(context.now), context.rectification_working_days);
    if (!due.ok()) return due.status();
    evaluated.rectification_id = context.rectification_id;
    evaluated.rectification_due = *due;
  }
  return Events{std::move(evaluated)};
}

Result<Events> DecideCommand(const CaseState& state, const RectifyCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "rectify", {"officer"}, kAnyExisting));
  YIWANG_RETURN_IF_ERROR(
      CheckText(command.rectification_id, "rectification_id", kEventIdBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(command.note, "note", kEventTextBytesMax, true));
  if (!state.open_rectifications.contains(command.rectification_id)) {
    return Precondition("no open rectification " + command.rectification_id,
                        "unknown_rectification");
  }
  return Events{RectificationRecorded{command.rectification_id, command.note}};
}

Result<Events> DecideCommand(const CaseState& state, const RecordTripCommand& command,
                             const DecideContext& context) {
  YIWANG_RETURN_IF_ERROR(Gate(state, context, "record-trip", {"officer"}, kOpen));
  YIWANG_RETURN_IF_ERROR(CheckText(command.outlet, "outlet", kEventIdBytesMax, false));
  YIWANG_RETURN_IF_ERROR(CheckText(command.purpose, "purpose", kEventNameBytesMax, true));
  Result<TripRecorded> trip = MakeTrip(context, command.outlet, command.purpose);
  if (!trip.ok()) return trip.status();
  return Events{std::move(*trip)};
}

}  // namespace yiwang::case_internal
