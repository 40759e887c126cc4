// Time values of the domain. The domain never reads the clock: callers pass `now` in.
//
// Timestamp: milliseconds since the Unix epoch, UTC. Rendered as ISO 8601 with milliseconds and
// a trailing Z ("2026-11-27T09:31:05.123Z"), the only form events carry.
// CivilDate: a calendar day. Working days, deadlines and "the day a case was accepted" are civil
// dates in China Standard Time (UTC+8, no daylight saving), because that is the day the office
// and the citizen live in; LocalDateOf() converts.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace yiwang {

struct Timestamp {
  int64_t unix_ms = 0;
  auto operator<=>(const Timestamp&) const = default;
};

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const CivilDate&) const = default;
};

inline constexpr int64_t kMillisPerDay = 86'400'000;
// China Standard Time, UTC+8.
inline constexpr int64_t kChinaOffsetMs = 8 * 3'600'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); no validation.
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
// 0 = Sunday .. 6 = Saturday.
int Weekday(CivilDate date);
bool IsValidDate(int year, int month, int day);
CivilDate AddDays(CivilDate date, int64_t days);

// "2026-11-27T09:31:05.123Z".
std::string FormatTimestamp(Timestamp time);
// Accepts exactly the form FormatTimestamp writes, plus "…:05Z" without milliseconds.
Result<Timestamp> ParseTimestamp(std::string_view text);
// The same, without building an error: false when ParseTimestamp would refuse `text`. For the
// decoders of every stored event (replay, import).
bool ParseTimestampInto(std::string_view text, Timestamp* out);

// "2026-11-27".
std::string FormatDate(CivilDate date);
Result<CivilDate> ParseDate(std::string_view text);

// The civil date in China Standard Time at this instant.
CivilDate LocalDateOf(Timestamp time);
// The instant a civil day begins in China Standard Time.
Timestamp StartOfLocalDay(CivilDate date);

}  // namespace yiwang
