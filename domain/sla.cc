#include "domain/sla.h"

#include <algorithm>

#include "domain/case_internal.h"

namespace yiwang {
namespace {

bool IsPaused(CaseStatus status) {
  return status == CaseStatus::kSpecialProcedure || status == CaseStatus::kSuspended;
}

// Working days the clock stood still, pauses still open counting up to `until`.
Result<int> PausedWorkingDays(const CaseState& state, const WorkingCalendar& calendar,
                              CivilDate until) {
  int total = 0;
  for (const ClockPause& pause : state.pauses) {
    const CivilDate from = LocalDateOf(pause.from);
    const CivilDate to = pause.to.has_value() ? LocalDateOf(*pause.to) : until;
    Result<int> days = calendar.WorkingDaysBetween(from, std::max(from, to));
    if (!days.ok()) return days.status();
    total += *days;
  }
  return total;
}

Result<CivilDate> Shift(const WorkingCalendar& calendar, CivilDate date, int working_days) {
  if (working_days == 0) return date;
  return calendar.AddWorkingDays(date, working_days);
}

Status FillAcceptanceNotice(const CaseState& state, const WorkingCalendar& calendar,
                            CivilDate today, SlaView* view) {
  Result<CivilDate> due = case_internal::AcceptanceNoticeDue(state, calendar);
  if (!due.ok()) return due.status();
  view->acceptance_notice_due = *due;
  view->acceptance_notice_overdue = today > *due;
  return Status::Ok();
}

void FillWarning(const CaseAccepted& acceptance, CivilDate until, SlaView* view) {
  if (view->clock == ClockState::kStopped) {
    if (view->decided_on.has_value()) view->decided_on_time = *view->decided_on <= *view->deadline;
    view->legal_overdue = view->decided_on.has_value() && *view->decided_on > *view->legal_deadline;
    return;
  }
  view->legal_overdue = until > *view->legal_deadline;
  const int yellow_days =
      std::max(1, (acceptance.promised_days * kYellowWarningPercent + 99) / 100);
  if (until > *view->deadline) {
    view->warning = SlaWarning::kRed;
  } else if (view->working_days_left <= yellow_days) {
    view->warning = SlaWarning::kYellow;
  }
}

}  // namespace

std::string_view ClockStateName(ClockState clock) {
  static constexpr std::string_view kNames[] = {"not_started", "running", "paused", "stopped"};
  return kNames[static_cast<size_t>(clock)];
}

std::string_view SlaWarningName(SlaWarning warning) {
  static constexpr std::string_view kNames[] = {"none", "yellow", "red"};
  return kNames[static_cast<size_t>(warning)];
}

Result<SlaView> ComputeSla(const CaseState& state, const WorkingCalendar& calendar, Timestamp now) {
  SlaView view;
  const CivilDate today = LocalDateOf(now);
  if (!state.acceptance.has_value()) {
    if (state.status == CaseStatus::kSubmitted) {
      YIWANG_RETURN_IF_ERROR(FillAcceptanceNotice(state, calendar, today, &view));
    }
    return view;
  }
  const CaseAccepted& acceptance = *state.acceptance;
  // The day the clock is read at: today, or the day it stopped.
  CivilDate until = today;
  if (state.decided_at.has_value()) {
    view.clock = ClockState::kStopped;
    view.decided_on = LocalDateOf(*state.decided_at);
    until = *view.decided_on;
  } else if (state.withdrawn_at.has_value()) {
    view.clock = ClockState::kStopped;
    until = LocalDateOf(*state.withdrawn_at);
  } else {
    view.clock = IsPaused(state.status) ? ClockState::kPaused : ClockState::kRunning;
  }
  Result<int> paused = PausedWorkingDays(state, calendar, until);
  if (!paused.ok()) return paused.status();
  view.paused_working_days = *paused;
  const int shift = *paused + state.extension_working_days;
  Result<CivilDate> deadline = Shift(calendar, acceptance.deadline, shift);
  if (!deadline.ok()) return deadline.status();
  Result<CivilDate> legal = Shift(calendar, acceptance.legal_deadline, shift);
  if (!legal.ok()) return legal.status();
  view.deadline = *deadline;
  view.legal_deadline = *legal;
  Result<int> left = calendar.WorkingDaysBetween(until, *deadline);
  if (!left.ok()) return left.status();
  view.working_days_left = *left;
  Result<int> elapsed = calendar.WorkingDaysBetween(LocalDateOf(acceptance.clock_start), until);
  if (!elapsed.ok()) return elapsed.status();
  view.elapsed_working_days = std::max(0, *elapsed - *paused);
  FillWarning(acceptance, until, &view);
  if (state.status == CaseStatus::kApproved && view.decided_on.has_value()) {
    Result<CivilDate> issue_due = calendar.AddWorkingDays(*view.decided_on, kIssueWorkingDays);
    if (!issue_due.ok()) return issue_due.status();
    view.issue_due = *issue_due;
  }
  return view;
}

}  // namespace yiwang
