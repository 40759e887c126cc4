// The SLA clock of a case (时限), computed on read from the folded state, the calendar and `now`.
//
// Rules (DESIGN.md §4, 行政许可法 §32, §42, §44, §45):
//   - No clock before acceptance. While Submitted, the 5-working-day acceptance notice limit
//     runs instead (acceptance_notice_due); an acceptance after it counts from the receipt.
//   - The clock starts at CaseAccepted.clock_start. deadline = the accepted promised deadline
//     moved by (extension + paused working days); legal_deadline likewise. Immediate items
//     (即办件) are due on the working day they are accepted.
//   - A pause (SpecialProcedure, Suspended) from local date a to local date b adds
//     WorkingDaysBetween(a, b) working days; an ongoing pause counts up to today.
//   - The clock stops at the decision (approval, denial) or a withdrawal; the view then
//     describes the day it stopped (decided_on, decided_on_time).
//   - warning: red when today is past the deadline; yellow when working_days_left <=
//     max(1, ceil(20% of promised_days)); none otherwise and whenever the clock is not running
//     or paused. legal_overdue: past the legal deadline (for a stopped clock: decided past it).
// Fails with kOutOfRange when the calendar does not cover a date the computation needs.
#pragma once

#include <optional>
#include <string_view>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

enum class ClockState { kNotStarted, kRunning, kPaused, kStopped };
enum class SlaWarning { kNone, kYellow, kRed };

std::string_view ClockStateName(
    ClockState clock);  // "not_started" | "running" | "paused" | "stopped"
std::string_view SlaWarningName(SlaWarning warning);  // "none" | "yellow" | "red"

// Share of the promised time that triggers the yellow warning, in percent.
inline constexpr int kYellowWarningPercent = 20;

struct SlaView {
  ClockState clock = ClockState::kNotStarted;
  // Submitted cases: the last day to accept, refuse or request materials (§32).
  std::optional<CivilDate> acceptance_notice_due;
  bool acceptance_notice_overdue = false;
  // Accepted cases.
  std::optional<CivilDate> deadline;        // promised, after pauses and extension
  std::optional<CivilDate> legal_deadline;  // legal, after pauses and extension
  int working_days_left = 0;                // signed; from today (or the day the clock stopped)
  int paused_working_days = 0;
  int elapsed_working_days = 0;  // from clock start, net of pauses
  SlaWarning warning = SlaWarning::kNone;
  bool legal_overdue = false;
  std::optional<CivilDate> decided_on;  // approval or denial day
  bool decided_on_time = false;         // decided_on <= deadline
  std::optional<CivilDate> issue_due;   // Approved: certificate due within 10 working days (§44)
  bool operator==(const SlaView&) const = default;
};

Result<SlaView> ComputeSla(const CaseState& state, const WorkingCalendar& calendar, Timestamp now);

}  // namespace yiwang
