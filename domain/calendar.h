// Working-day calendar (工作日历): weekends, public holidays and make-up working days (调休),
// loaded from per-year data files. The State Council publishes each year's holiday notice in
// the preceding winter; data/calendar/<year>.txt holds it, and an operator adds a year by adding
// a file. Every question about a date outside the loaded years is an error (kOutOfRange), never
// a guess.
//
// Day counting follows the Chinese legal convention (期间开始之日不计算在内): the day an act
// happens is not counted; AddWorkingDays(d, n) is the n-th working day after d.
//
// Pure and immutable after loading; thread-compatible (safe to share const across threads).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

class WorkingCalendar {
 public:
  WorkingCalendar() = default;  // covers no year

  // Parses one year file (format in domain/README.md) and adds it. Fails, changing nothing, on
  // malformed text, a year already loaded, or dates outside the file's declared year (make-up
  // days may not leave the year either).
  Status AddYear(std::string_view file_text);

  bool Covers(CivilDate date) const;
  // Whether every day from `today` through `days` days later is covered: false is an operator's
  // cue to load the next year before deadlines reach past the calendar and go uncomputed.
  bool CoversAhead(CivilDate today, int days) const;
  // Sorted list of covered years.
  std::vector<int> years() const;

  Result<bool> IsWorkingDay(CivilDate date) const;
  // The `count`-th working day after `from` (from itself not counted). count == 0 returns
  // `from` when it is a working day, else the next working day. count < 0 counts backwards
  // (the |count|-th working day before `from`).
  Result<CivilDate> AddWorkingDays(CivilDate from, int count) const;
  // Number of working days d with from < d <= to; negative (-(count of to < d <= from)) when
  // to < from. WorkingDaysBetween(d, AddWorkingDays(d, n)) == n for n >= 1.
  Result<int> WorkingDaysBetween(CivilDate from, CivilDate to) const;
  // `date` when it is a working day, else the next one.
  Result<CivilDate> NextWorkingDayOnOrAfter(CivilDate date) const;

  // The reason a day is off or a make-up working day ("春节", "国庆节调休"), empty otherwise.
  std::string_view NoteFor(CivilDate date) const;

 private:
  struct Year {
    std::map<int64_t, std::string> holidays;  // days since epoch -> note
    std::map<int64_t, std::string> workdays;  // make-up working days on weekends -> note
    int64_t first_day = 0;                    // days since epoch of 1 January
    // working_through[i]: working days among day 0..i of the year (a prefix count, so that
    // counting and stepping over working days is a subtraction or a binary search).
    std::vector<int32_t> working_through;
    int64_t working_before = 0;  // working days in the loaded years before this one
  };

  const Year* FindYear(CivilDate date) const;
  // Working days from the start of the first loaded year up to and including `date`.
  int64_t WorkingThrough(const Year& year, CivilDate date) const;
  Status CheckCovered(CivilDate date) const;
  Status CheckContiguous(int first_year, int last_year, CivilDate from) const;
  // The working day whose WorkingThrough() equals `ordinal`; all years from `from` on must be
  // loaded up to it.
  Result<CivilDate> FindWorkingDay(int64_t ordinal, CivilDate from) const;
  std::string CoveredYearsText() const;

  std::map<int, Year> years_;
};

}  // namespace yiwang
