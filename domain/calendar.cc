#include "domain/calendar.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>

namespace yiwang {
namespace {

// A year file is a page of text; anything larger is not one.
constexpr size_t kCalendarFileBytesMax = 64 * 1024;
constexpr size_t kCalendarLineBytesMax = 1024;
constexpr int kCalendarYearMin = 1900;
constexpr int kCalendarYearMax = 9999;
constexpr int kSaturday = 6;
constexpr int kSunday = 0;

// A year file after parsing, before it is indexed.
struct ParsedYear {
  int year = 0;
  std::string source;
  std::map<int64_t, std::string> holidays;
  std::map<int64_t, std::string> workdays;
};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits off the first whitespace-separated word; `rest` is what follows, trimmed.
std::string_view NextWord(std::string_view* rest) {
  const size_t end = rest->find_first_of(" \t");
  std::string_view word = rest->substr(0, end);
  *rest = end == std::string_view::npos ? std::string_view() : Trim(rest->substr(end));
  return word;
}

Status LineError(int line_number, const std::string& message) {
  return InvalidArgument("calendar line " + std::to_string(line_number) + ": " + message);
}

bool IsWeekend(CivilDate date) {
  const int weekday = Weekday(date);
  return weekday == kSaturday || weekday == kSunday;
}

Status ParseYearLine(std::string_view rest, int line_number, ParsedYear* parsed) {
  int year = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), year);
  if (error != std::errc() || end != rest.data() + rest.size() || year < kCalendarYearMin ||
      year > kCalendarYearMax) {
    return LineError(line_number,
                     "'year' needs a year between 1900 and 9999, got '" + std::string(rest) + "'");
  }
  parsed->year = year;
  return Status::Ok();
}

Result<CivilDate> ParseDateInYear(std::string_view word, int year, int line_number) {
  Result<CivilDate> date = ParseDate(word);
  if (!date.ok()) return LineError(line_number, "bad date '" + std::string(word) + "'");
  if (date->year != year) {
    return LineError(line_number,
                     "date " + std::string(word) + " is outside the year " + std::to_string(year));
  }
  return date;
}

Status ParseHolidayLine(std::string_view rest, int line_number, ParsedYear* parsed) {
  Result<CivilDate> first = ParseDateInYear(NextWord(&rest), parsed->year, line_number);
  if (!first.ok()) return first.status();
  CivilDate last = *first;
  std::string_view probe = rest;
  const std::string_view second_word = NextWord(&probe);
  if (ParseDate(second_word).ok()) {
    Result<CivilDate> second = ParseDateInYear(second_word, parsed->year, line_number);
    if (!second.ok()) return second.status();
    last = *second;
    rest = probe;
  }
  if (last < *first) {
    return LineError(line_number, "holiday range ends before it starts");
  }
  if (rest.empty()) return LineError(line_number, "holiday needs a note (the festival's name)");
  for (int64_t day = DaysFromCivil(*first); day <= DaysFromCivil(last); ++day) {
    if (parsed->workdays.count(day) != 0) {
      return LineError(line_number, FormatDate(CivilFromDays(day)) + " is already a workday");
    }
    if (!parsed->holidays.emplace(day, std::string(rest)).second) {
      return LineError(line_number, FormatDate(CivilFromDays(day)) + " is listed twice");
    }
  }
  return Status::Ok();
}

Status ParseWorkdayLine(std::string_view rest, int line_number, ParsedYear* parsed) {
  Result<CivilDate> date = ParseDateInYear(NextWord(&rest), parsed->year, line_number);
  if (!date.ok()) return date.status();
  if (!IsWeekend(*date)) {
    return LineError(line_number, "workday " + FormatDate(*date) +
                                      " is not a Saturday or Sunday (make-up days are weekends)");
  }
  if (rest.empty()) return LineError(line_number, "workday needs a note");
  const int64_t day = DaysFromCivil(*date);
  if (parsed->holidays.count(day) != 0) {
    return LineError(line_number, FormatDate(*date) + " is already a holiday");
  }
  if (!parsed->workdays.emplace(day, std::string(rest)).second) {
    return LineError(line_number, FormatDate(*date) + " is listed twice");
  }
  return Status::Ok();
}

Status ParseLine(std::string_view line, int line_number, ParsedYear* parsed) {
  std::string_view rest = line;
  const std::string_view keyword = NextWord(&rest);
  if (parsed->year == 0) {
    if (keyword != "year") return LineError(line_number, "the first line must be 'year <yyyy>'");
    return ParseYearLine(rest, line_number, parsed);
  }
  if (keyword == "year") return LineError(line_number, "a second 'year' line");
  if (keyword == "source") {
    if (!parsed->source.empty()) return LineError(line_number, "a second 'source' line");
    if (rest.empty()) return LineError(line_number, "'source' needs the notice it comes from");
    parsed->source = std::string(rest);
    return Status::Ok();
  }
  if (keyword == "holiday") return ParseHolidayLine(rest, line_number, parsed);
  if (keyword == "workday") return ParseWorkdayLine(rest, line_number, parsed);
  return LineError(line_number, "unknown keyword '" + std::string(keyword) + "'");
}

Result<ParsedYear> ParseYearFile(std::string_view text) {
  if (text.size() > kCalendarFileBytesMax) {
    return InvalidArgument("calendar file larger than " + std::to_string(kCalendarFileBytesMax) +
                           " bytes");
  }
  ParsedYear parsed;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.size() > kCalendarLineBytesMax) return LineError(line_number, "line too long");
    line = Trim(line.substr(0, line.find('#')));  // '#' starts a comment anywhere
    if (line.empty()) continue;
    YIWANG_RETURN_IF_ERROR(ParseLine(line, line_number, &parsed));
  }
  if (parsed.year == 0) return InvalidArgument("calendar file has no 'year' line");
  if (parsed.source.empty()) return InvalidArgument("calendar file has no 'source' line");
  return parsed;
}

}  // namespace

Status WorkingCalendar::AddYear(std::string_view file_text) {
  Result<ParsedYear> parsed = ParseYearFile(file_text);
  if (!parsed.ok()) return parsed.status();
  if (years_.count(parsed->year) != 0) {
    return Status(StatusCode::kAlreadyExists,
                  "calendar year " + std::to_string(parsed->year) + " is already loaded");
  }
  Year year;
  year.holidays = std::move(parsed->holidays);
  year.workdays = std::move(parsed->workdays);
  year.first_day = DaysFromCivil(CivilDate{parsed->year, 1, 1});
  const int64_t next_first_day = DaysFromCivil(CivilDate{parsed->year + 1, 1, 1});
  year.working_through.reserve(static_cast<size_t>(next_first_day - year.first_day));
  int32_t working = 0;
  for (int64_t day = year.first_day; day < next_first_day; ++day) {
    const bool off = year.holidays.count(day) != 0 ||
                     (IsWeekend(CivilFromDays(day)) && year.workdays.count(day) == 0);
    if (!off) ++working;
    year.working_through.push_back(working);
  }
  years_.emplace(parsed->year, std::move(year));
  int64_t working_before = 0;
  for (auto& [number, loaded] : years_) {
    loaded.working_before = working_before;
    working_before += loaded.working_through.back();
  }
  return Status::Ok();
}

bool WorkingCalendar::Covers(CivilDate date) const { return FindYear(date) != nullptr; }

bool WorkingCalendar::CoversAhead(CivilDate today, int days) const {
  const CivilDate last = AddDays(today, days);
  for (int year = today.year; year <= last.year; ++year) {
    if (!Covers(CivilDate{year, 1, 1})) return false;
  }
  return true;
}

std::vector<int> WorkingCalendar::years() const {
  std::vector<int> numbers;
  numbers.reserve(years_.size());
  for (const auto& [number, year] : years_) numbers.push_back(number);
  return numbers;
}

const WorkingCalendar::Year* WorkingCalendar::FindYear(CivilDate date) const {
  if (!IsValidDate(date.year, date.month, date.day)) return nullptr;
  const auto found = years_.find(date.year);
  return found == years_.end() ? nullptr : &found->second;
}

int64_t WorkingCalendar::WorkingThrough(const Year& year, CivilDate date) const {
  const auto index = static_cast<size_t>(DaysFromCivil(date) - year.first_day);
  return year.working_before + year.working_through[index];
}

std::string WorkingCalendar::CoveredYearsText() const {
  if (years_.empty()) return "no years";
  std::string text;
  for (const auto& [number, year] : years_) {
    if (!text.empty()) text += ", ";
    text += std::to_string(number);
  }
  return text;
}

Status WorkingCalendar::CheckCovered(CivilDate date) const {
  if (!IsValidDate(date.year, date.month, date.day)) {
    return InvalidArgument("not a calendar date: " + std::to_string(date.year) + "-" +
                           std::to_string(date.month) + "-" + std::to_string(date.day));
  }
  if (FindYear(date) == nullptr) {
    return OutOfRange("date " + FormatDate(date) + " is outside the working calendar (covers " +
                      CoveredYearsText() + ")");
  }
  return Status::Ok();
}

Status WorkingCalendar::CheckContiguous(int first_year, int last_year, CivilDate from) const {
  for (int number = first_year; number <= last_year; ++number) {
    if (years_.count(number) == 0) {
      return OutOfRange("counting from " + FormatDate(from) + " crosses " + std::to_string(number) +
                        ", which the working calendar does not cover (covers " +
                        CoveredYearsText() + ")");
    }
  }
  return Status::Ok();
}

Result<bool> WorkingCalendar::IsWorkingDay(CivilDate date) const {
  YIWANG_RETURN_IF_ERROR(CheckCovered(date));
  const Year& year = *FindYear(date);
  const auto index = static_cast<size_t>(DaysFromCivil(date) - year.first_day);
  const int32_t before = index == 0 ? 0 : year.working_through[index - 1];
  return year.working_through[index] != before;
}

Result<CivilDate> WorkingCalendar::FindWorkingDay(int64_t ordinal, CivilDate from) const {
  const Year& last = std::prev(years_.end())->second;
  if (ordinal < 1 || ordinal > last.working_before + last.working_through.back()) {
    return OutOfRange("counting from " + FormatDate(from) +
                      " leaves the working calendar (covers " + CoveredYearsText() + ")");
  }
  // The first year whose working days reach the ordinal.
  auto found = std::find_if(years_.begin(), years_.end(), [ordinal](const auto& entry) {
    return entry.second.working_before + entry.second.working_through.back() >= ordinal;
  });
  YIWANG_RETURN_IF_ERROR(
      CheckContiguous(std::min(from.year, found->first), std::max(from.year, found->first), from));
  const Year& year = found->second;
  const auto local = static_cast<int32_t>(ordinal - year.working_before);
  const auto position =
      std::lower_bound(year.working_through.begin(), year.working_through.end(), local);
  return CivilFromDays(year.first_day + (position - year.working_through.begin()));
}

Result<CivilDate> WorkingCalendar::AddWorkingDays(CivilDate from, int count) const {
  YIWANG_RETURN_IF_ERROR(CheckCovered(from));
  const int64_t through = WorkingThrough(*FindYear(from), from);
  if (count == 0) return NextWorkingDayOnOrAfter(from);
  if (count > 0) return FindWorkingDay(through + count, from);
  const bool from_is_working = *IsWorkingDay(from);
  const int64_t before = through - (from_is_working ? 1 : 0);
  return FindWorkingDay(before + count + 1, from);
}

Result<int> WorkingCalendar::WorkingDaysBetween(CivilDate from, CivilDate to) const {
  YIWANG_RETURN_IF_ERROR(CheckCovered(from));
  YIWANG_RETURN_IF_ERROR(CheckCovered(to));
  YIWANG_RETURN_IF_ERROR(
      CheckContiguous(std::min(from.year, to.year), std::max(from.year, to.year), from));
  return static_cast<int>(WorkingThrough(*FindYear(to), to) -
                          WorkingThrough(*FindYear(from), from));
}

Result<CivilDate> WorkingCalendar::NextWorkingDayOnOrAfter(CivilDate date) const {
  Result<bool> working = IsWorkingDay(date);
  if (!working.ok()) return working.status();
  if (*working) return date;
  return FindWorkingDay(WorkingThrough(*FindYear(date), date) + 1, date);
}

std::string_view WorkingCalendar::NoteFor(CivilDate date) const {
  const Year* year = FindYear(date);
  if (year == nullptr) return {};
  const int64_t day = DaysFromCivil(date);
  if (auto found = year->holidays.find(day); found != year->holidays.end()) return found->second;
  if (auto found = year->workdays.find(day); found != year->workdays.end()) return found->second;
  return {};
}

}  // namespace yiwang
