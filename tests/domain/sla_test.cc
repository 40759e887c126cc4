// The SLA clock. Dates are worked out by hand from the 2026 calendar in case_fixtures.h
// (Spring Festival off 02-15..02-23, make-up working Saturdays 02-14 and 02-28).
#include "domain/sla.h"

#include <gtest/gtest.h>

#include "tests/domain/case_fixtures.h"

namespace yiwang {
namespace {

using test::CaseLog;
using test::Date;
using test::LocalTime;

SlaView Sla(const CaseLog& log, Timestamp now) {
  Result<SlaView> view = ComputeSla(log.state(), log.calendar(), now);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  return view.ok() ? *view : SlaView{};
}

// Submitted Monday 2026-03-02, accepted the same day: promised 10, legal 20 working days.
CaseLog AcceptedOnMarch2() {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-1", false}, LocalTime(2026, 3, 2, 10), test::Officer());
  return log;
}

TEST(SlaTest, RunningClockTurnsYellowThenRedThenLegalOverdue) {
  CaseLog log = AcceptedOnMarch2();
  SlaView view = Sla(log, LocalTime(2026, 3, 2, 12));
  EXPECT_EQ(view.clock, ClockState::kRunning);
  EXPECT_EQ(view.deadline, Date(2026, 3, 16));
  EXPECT_EQ(view.legal_deadline, Date(2026, 3, 30));
  EXPECT_EQ(view.working_days_left, 10);
  EXPECT_EQ(view.elapsed_working_days, 0);
  EXPECT_EQ(view.warning, SlaWarning::kNone);
  // Yellow at max(1, ceil(20% of 10)) = 2 working days left.
  EXPECT_EQ(Sla(log, LocalTime(2026, 3, 11, 9)).working_days_left, 3);
  EXPECT_EQ(Sla(log, LocalTime(2026, 3, 11, 9)).warning, SlaWarning::kNone);
  EXPECT_EQ(Sla(log, LocalTime(2026, 3, 12, 9)).warning, SlaWarning::kYellow);
  view = Sla(log, LocalTime(2026, 3, 16, 23));
  EXPECT_EQ(view.working_days_left, 0);
  EXPECT_EQ(view.warning, SlaWarning::kYellow);
  view = Sla(log, LocalTime(2026, 3, 17, 0));
  EXPECT_EQ(view.working_days_left, -1);
  EXPECT_EQ(view.warning, SlaWarning::kRed);
  EXPECT_FALSE(view.legal_overdue);
  EXPECT_FALSE(Sla(log, LocalTime(2026, 3, 30, 18)).legal_overdue);
  view = Sla(log, LocalTime(2026, 3, 31, 9));
  EXPECT_TRUE(view.legal_overdue);
  EXPECT_EQ(view.elapsed_working_days, 21);
}

TEST(SlaTest, SuspensionOverAWeekendAddsOnlyWorkingDays) {
  CaseLog log = AcceptedOnMarch2();
  log.Must(SuspendCommand{"等待申请人"}, LocalTime(2026, 3, 6, 9), test::Officer());  // Friday
  SlaView view = Sla(log, LocalTime(2026, 3, 8, 12));                                 // Sunday
  EXPECT_EQ(view.clock, ClockState::kPaused);
  EXPECT_EQ(view.paused_working_days, 0);
  EXPECT_EQ(view.deadline, Date(2026, 3, 16));
  view = Sla(log, LocalTime(2026, 3, 9, 8));  // Monday, still suspended
  EXPECT_EQ(view.paused_working_days, 1);
  EXPECT_EQ(view.deadline, Date(2026, 3, 17));
  log.Must(ResumeCommand{}, LocalTime(2026, 3, 9, 10), test::Officer());
  view = Sla(log, LocalTime(2026, 3, 10, 9));
  EXPECT_EQ(view.clock, ClockState::kRunning);
  EXPECT_EQ(view.paused_working_days, 1);
  EXPECT_EQ(view.deadline, Date(2026, 3, 17));
  EXPECT_EQ(view.legal_deadline, Date(2026, 3, 31));
  EXPECT_EQ(view.elapsed_working_days, 5);  // 03-03..03-10 is 6 working days, one paused
}

TEST(SlaTest, SpecialProcedureOverTheSpringFestival) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 2, 10, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-2", false}, LocalTime(2026, 2, 10, 10), test::Officer());
  // 10 working days after 02-10: 02-11..02-14, 02-24..02-28, 03-02.
  EXPECT_EQ(Sla(log, LocalTime(2026, 2, 10, 11)).deadline, Date(2026, 3, 2));
  log.Must(StartReviewCommand{}, LocalTime(2026, 2, 12, 9), test::Officer());
  log.Must(SpecialProcedureCommand{"inspection", "实地核查"}, LocalTime(2026, 2, 13, 9),
           test::Officer());
  SlaView view = Sla(log, LocalTime(2026, 2, 18, 9));  // in the middle of the holiday
  EXPECT_EQ(view.clock, ClockState::kPaused);
  EXPECT_EQ(view.paused_working_days, 1);  // 02-14, a make-up Saturday
  EXPECT_EQ(view.deadline, Date(2026, 3, 3));
  log.Must(ResumeCommand{}, LocalTime(2026, 2, 25, 9), test::Officer());
  view = Sla(log, LocalTime(2026, 2, 26, 9));
  EXPECT_EQ(view.clock, ClockState::kRunning);
  EXPECT_EQ(view.paused_working_days, 3);  // 02-14, 02-24, 02-25
  EXPECT_EQ(view.deadline, Date(2026, 3, 5));
  EXPECT_EQ(view.legal_deadline, Date(2026, 3, 19));
  EXPECT_EQ(view.working_days_left, 6);
  EXPECT_EQ(view.warning, SlaWarning::kNone);
}

TEST(SlaTest, ExtensionMovesBothDeadlines) {
  CaseLog log = AcceptedOnMarch2();
  log.Must(ExtendCommand{5, "情况复杂"}, LocalTime(2026, 3, 3, 9), test::Officer());
  SlaView view = Sla(log, LocalTime(2026, 3, 3, 10));
  EXPECT_EQ(view.deadline, Date(2026, 3, 23));
  EXPECT_EQ(view.legal_deadline, Date(2026, 4, 6));
  EXPECT_EQ(view.working_days_left, 14);
}

TEST(SlaTest, ImmediateItemsAreDueTheWorkingDayTheyAreAccepted) {
  CaseLog log(test::ImmediateItem());
  SubmitCommand submit = test::OnlineSubmit(log.item());
  submit.channel = "kiosk";
  log.Must(submit, LocalTime(2026, 3, 7, 9), test::Citizen());  // Saturday, 24h kiosk
  log.Must(AcceptCommand{"SL-3", false}, LocalTime(2026, 3, 7, 10), test::Officer());
  SlaView view = Sla(log, LocalTime(2026, 3, 7, 11));
  EXPECT_EQ(view.deadline, Date(2026, 3, 9));  // the next working day
  EXPECT_EQ(view.working_days_left, 1);
  EXPECT_EQ(view.warning, SlaWarning::kYellow);  // max(1, 0) working days left
  EXPECT_EQ(Sla(log, LocalTime(2026, 3, 10, 9)).warning, SlaWarning::kRed);

  CaseLog weekday(test::ImmediateItem());
  weekday.Must(test::OnlineSubmit(weekday.item()), LocalTime(2026, 3, 3, 9), test::Citizen());
  weekday.Must(AcceptCommand{"SL-4", true}, LocalTime(2026, 3, 3, 10), test::Officer());
  EXPECT_EQ(Sla(weekday, LocalTime(2026, 3, 3, 10)).deadline, Date(2026, 3, 3));
  EXPECT_EQ(Sla(weekday, LocalTime(2026, 3, 3, 10)).working_days_left, 0);
  weekday.Must(ApproveCommand{"立等可取"}, LocalTime(2026, 3, 3, 11), test::Officer());
  view = Sla(weekday, LocalTime(2026, 3, 20, 9));
  EXPECT_EQ(view.clock, ClockState::kStopped);
  EXPECT_EQ(view.decided_on, Date(2026, 3, 3));
  EXPECT_TRUE(view.decided_on_time);
  EXPECT_EQ(view.warning, SlaWarning::kNone);
  EXPECT_EQ(view.issue_due, Date(2026, 3, 17));  // §44: 10 working days to issue
}

TEST(SlaTest, TheClockStopsAtALateDecision) {
  CaseLog log = AcceptedOnMarch2();
  log.Must(StartReviewCommand{}, LocalTime(2026, 3, 3, 9), test::Officer());
  log.Must(DenyCommand{"不符合条件", ""}, LocalTime(2026, 3, 20, 9), test::Officer());
  const SlaView at_decision = Sla(log, LocalTime(2026, 3, 20, 10));
  EXPECT_EQ(at_decision.clock, ClockState::kStopped);
  EXPECT_FALSE(at_decision.decided_on_time);
  EXPECT_EQ(at_decision.working_days_left, -4);
  EXPECT_EQ(at_decision.elapsed_working_days, 14);
  EXPECT_EQ(at_decision.warning, SlaWarning::kNone);
  EXPECT_FALSE(at_decision.legal_overdue);
  EXPECT_FALSE(at_decision.issue_due.has_value());
  EXPECT_EQ(Sla(log, LocalTime(2026, 6, 1, 9)), at_decision);  // frozen
}

TEST(SlaTest, AcceptanceNoticeLimitWhileSubmitted) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 2, 12, 9), test::Citizen());
  SlaView view = Sla(log, LocalTime(2026, 2, 26, 9));
  EXPECT_EQ(view.clock, ClockState::kNotStarted);
  EXPECT_EQ(view.acceptance_notice_due, Date(2026, 2, 26));
  EXPECT_FALSE(view.acceptance_notice_overdue);
  EXPECT_FALSE(view.deadline.has_value());
  EXPECT_TRUE(Sla(log, LocalTime(2026, 2, 27, 9)).acceptance_notice_overdue);
  log.Must(RequestMaterialsCommand{{"户口簿"}, ""}, LocalTime(2026, 2, 13, 9), test::Officer());
  view = Sla(log, LocalTime(2026, 2, 27, 9));  // 补正: no clock of either kind
  EXPECT_EQ(view, SlaView{});
}

TEST(SlaTest, DeemedAcceptanceCountsFromTheSubmission) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 2, 12, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-5", false}, LocalTime(2026, 2, 27, 9), test::Officer());
  SlaView view = Sla(log, LocalTime(2026, 2, 27, 10));
  EXPECT_EQ(view.elapsed_working_days, 6);  // 02-13, 02-14, 02-24..02-27
  EXPECT_EQ(view.deadline, Date(2026, 3, 4));
  EXPECT_EQ(view.working_days_left, 4);
}

TEST(SlaTest, ACalendarThatDoesNotReachIsAnError) {
  CaseLog log = AcceptedOnMarch2();
  Result<SlaView> view = ComputeSla(log.state(), log.calendar(), LocalTime(2027, 1, 4, 9));
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), StatusCode::kOutOfRange);
  // Accepting late in December needs the next year's calendar for the deadline.
  CaseLog december(test::NormalItem());
  december.Must(test::OnlineSubmit(december.item()), LocalTime(2026, 12, 28, 9), test::Citizen());
  Result<std::vector<CaseEvent>> accepted =
      december.Run(AcceptCommand{"SL-6", false}, LocalTime(2026, 12, 28, 10), test::Officer());
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.status().code(), StatusCode::kOutOfRange);
}

TEST(SlaTest, Names) {
  EXPECT_EQ(SlaWarningName(SlaWarning::kYellow), "yellow");
  EXPECT_EQ(ClockStateName(ClockState::kPaused), "paused");
}

}  // namespace
}  // namespace yiwang
