#include "domain/time.h"

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace yiwang {
namespace {

// `count` digits from text[offset] into *out; false when one is not a digit. The caller checked
// the size.
bool Digits(std::string_view text, size_t offset, size_t count, int* out) {
  int value = 0;
  for (size_t index = offset; index < offset + count; ++index) {
    const unsigned digit = static_cast<unsigned char>(text[index]) - unsigned{'0'};
    if (digit > 9) return false;
    value = value * 10 + static_cast<int>(digit);
  }
  *out = value;
  return true;
}

// "hh:mm:ss" at `at` (8 bytes) into its three numbers, false unless six digits and two colons:
// one 8-byte load checked and converted a byte lane at a time (replay parses two or three
// timestamps per event; the loop over each field was ~40 % of a parse).
bool ClockOf(const char* at, int* hour, int* minute, int* second) {
  static_assert(std::endian::native == std::endian::little);
  uint64_t word;
  std::memcpy(&word, at, sizeof(word));  // byte i of the text is byte i of the word
  constexpr uint64_t kColonLanes = 0x0000FF0000FF0000ULL;  // bytes 2 and 5
  constexpr uint64_t kColons = 0x00003A00003A0000ULL;
  constexpr uint64_t kDigitLanes = ~kColonLanes;
  constexpr uint64_t kHighNibbles = 0xF0F000F0F000F0F0ULL;
  constexpr uint64_t kZeros = 0x3030003030003030ULL;  // '0' in every digit lane
  const uint64_t digits = word & kDigitLanes;
  // A digit lane holds 0x30..0x39: high nibble 3, and still 3 after adding 6 (no carry leaves
  // a lane whose high nibble is 3).
  if ((word & kColonLanes) != kColons || (digits & kHighNibbles) != kZeros ||
      ((digits + 0x0606000606000606ULL) & kHighNibbles) != kZeros) {
    return false;
  }
  const uint64_t values = digits - kZeros;  // each lane 0..9, no borrows
  auto lane = [values](int index) { return static_cast<int>((values >> (8 * index)) & 0xFF); };
  *hour = lane(0) * 10 + lane(1);
  *minute = lane(3) * 10 + lane(4);
  *second = lane(6) * 10 + lane(7);
  return true;
}

// The valid date "yyyy-mm-dd" at the start of `text` (at least 10 bytes).
bool DateOf(std::string_view text, CivilDate* out) {
  return text[4] == '-' && text[7] == '-' && Digits(text, 0, 4, &out->year) &&
         Digits(text, 5, 2, &out->month) && Digits(text, 8, 2, &out->day) &&
         IsValidDate(out->year, out->month, out->day);
}

// The days of "yyyy-mm-dd" at the start of `text` (at least 10 bytes), false when it is not a
// valid date. The last two dates seen on this thread are remembered: a log's timestamps come in
// time order, so replay and import parse the same day over and over (validating and converting it
// was ~2 % of a replay), and an event's occurred_at and recorded_at, on two days, had a single
// remembered date missing a quarter of the time.
bool DaysOfDate(std::string_view text, int64_t* days) {
  struct Remembered {
    bool set = false;
    char date[10] = {};
    int64_t days = 0;
  };
  thread_local Remembered last[2];
  thread_local size_t older = 0;  // the one to replace
  for (size_t index = 0; index < 2; ++index) {
    if (last[index].set &&
        std::memcmp(last[index].date, text.data(), sizeof(last[index].date)) == 0) {
      *days = last[index].days;
      older = 1 - index;
      return true;
    }
  }
  CivilDate date;
  if (!DateOf(text, &date)) return false;
  *days = DaysFromCivil(date);
  Remembered& slot = last[older];
  slot.set = true;
  std::memcpy(slot.date, text.data(), sizeof(slot.date));
  slot.days = *days;
  older = 1 - older;
  return true;
}

int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --quotient;
  return quotient;
}

}  // namespace

int64_t DaysFromCivil(CivilDate date) {
  int64_t year = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t month = date.month;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int year = static_cast<int>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDate{year, month, day};
}

int Weekday(CivilDate date) {
  // 1970-01-01 was a Thursday (4).
  int weekday = static_cast<int>((DaysFromCivil(date) + 4) % 7);
  if (weekday < 0) weekday += 7;
  return weekday;
}

bool IsValidDate(int year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

CivilDate AddDays(CivilDate date, int64_t days) {
  return CivilFromDays(DaysFromCivil(date) + days);
}

std::string FormatTimestamp(Timestamp time) {
  const int64_t days = FloorDiv(time.unix_ms, kMillisPerDay);
  const int64_t ms_of_day = time.unix_ms - days * kMillisPerDay;
  const CivilDate date = CivilFromDays(days);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", date.year,
                date.month, date.day, static_cast<int>(ms_of_day / 3'600'000),
                static_cast<int>(ms_of_day / 60'000 % 60), static_cast<int>(ms_of_day / 1000 % 60),
                static_cast<int>(ms_of_day % 1000));
  return buffer;
}

bool ParseTimestampInto(std::string_view text, Timestamp* out) {
  // yyyy-mm-ddThh:mm:ss[.mmm]Z
  if (text.size() != 24 && text.size() != 20) return false;
  int hour, minute, second, millis = 0;
  if (text[10] != 'T' || text.back() != 'Z' ||
      !ClockOf(text.data() + 11, &hour, &minute, &second) || hour > 23 || minute > 59 ||
      second > 59 || (text.size() == 24 && (text[19] != '.' || !Digits(text, 20, 3, &millis)))) {
    return false;
  }
  int64_t days;
  if (!DaysOfDate(text, &days)) return false;
  out->unix_ms = days * kMillisPerDay + hour * 3'600'000LL + minute * 60'000LL + second * 1000LL +
                 millis;
  return true;
}

Result<Timestamp> ParseTimestamp(std::string_view text) {
  Timestamp parsed;
  if (ParseTimestampInto(text, &parsed)) return parsed;
  return InvalidArgument("expected an ISO 8601 UTC time like 2026-11-27T09:31:05.123Z, got '" +
                         std::string(text.substr(0, 40)) + "'");
}

std::string FormatDate(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", date.year, date.month, date.day);
  return buffer;
}

Result<CivilDate> ParseDate(std::string_view text) {
  CivilDate date;
  if (text.size() != 10 || !DateOf(text, &date)) {
    return InvalidArgument("expected a date like 2026-11-27, got '" +
                           std::string(text.substr(0, 40)) + "'");
  }
  return date;
}

CivilDate LocalDateOf(Timestamp time) {
  return CivilFromDays(FloorDiv(time.unix_ms + kChinaOffsetMs, kMillisPerDay));
}

Timestamp StartOfLocalDay(CivilDate date) {
  return Timestamp{DaysFromCivil(date) * kMillisPerDay - kChinaOffsetMs};
}

}  // namespace yiwang
