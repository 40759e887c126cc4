// Case numbers (办件编号) and case stream ids.
//
// A case number is stored as an opaque string; yiwang makes its own from the 6-digit
// administrative division of the accepting authority, the local date (yyyymmdd) and a 5-digit
// daily sequence: "330106" "20261127" "00017" -> "3301062026112700017" (19 digits).
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

inline constexpr size_t kDivisionCodeLength = 6;
inline constexpr size_t kCaseNumberLength = 19;
inline constexpr int kDailySequenceMax = 99999;
// Opaque case numbers (e.g. imported from another platform) may use [0-9A-Za-z-] up to this.
inline constexpr size_t kCaseNumberBytesMax = 40;

struct CaseNumberParts {
  std::string division;  // 6 digits
  CivilDate date;
  int daily_sequence = 0;  // 1..kDailySequenceMax
  bool operator==(const CaseNumberParts&) const = default;
};

// Fails (kInvalidArgument, reason "invalid_case_number") on a division that is not 6 digits, an
// invalid date or year outside 1000..9999, or a sequence outside 1..kDailySequenceMax.
Result<std::string> FormatCaseNumber(std::string_view division, CivilDate date, int daily_sequence);
// Parses a number in yiwang's own 19-digit form.
Result<CaseNumberParts> ParseCaseNumber(std::string_view text);
// True for any acceptable opaque case number: 1..kCaseNumberBytesMax of [0-9A-Za-z-].
bool IsWellFormedCaseNumber(std::string_view text);

// "case-<number>".
std::string CaseStreamId(std::string_view case_number);
// The number of a "case-<number>" stream id; fails for other ids.
Result<std::string> CaseNumberFromStreamId(std::string_view stream_id);

}  // namespace yiwang
