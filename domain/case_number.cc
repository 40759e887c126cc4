#include "domain/case_number.h"

#include <cstdio>

#include "domain/events.h"

namespace yiwang {
namespace {

Status BadNumber(std::string message) {
  return InvalidArgument(std::move(message), "case_number").WithReason("invalid_case_number");
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

Result<std::string> FormatCaseNumber(std::string_view division, CivilDate date,
                                     int daily_sequence) {
  if (division.size() != kDivisionCodeLength || !AllDigits(division)) {
    return BadNumber("division must be 6 digits");
  }
  if (date.year < 1000 || date.year > 9999 || !IsValidDate(date.year, date.month, date.day)) {
    return BadNumber("invalid date");
  }
  if (daily_sequence < 1 || daily_sequence > kDailySequenceMax) {
    return BadNumber("daily sequence must be 1.." + std::to_string(kDailySequenceMax));
  }
  char tail[16];
  std::snprintf(tail, sizeof(tail), "%04d%02d%02d%05d", date.year, date.month, date.day,
                daily_sequence);
  return std::string(division) + tail;
}

Result<CaseNumberParts> ParseCaseNumber(std::string_view text) {
  if (text.size() != kCaseNumberLength || !AllDigits(text)) {
    return BadNumber("a case number is 19 digits");
  }
  CaseNumberParts parts;
  parts.division.assign(text.substr(0, kDivisionCodeLength));
  parts.date = {ToInt(text.substr(6, 4)), ToInt(text.substr(10, 2)), ToInt(text.substr(12, 2))};
  parts.daily_sequence = ToInt(text.substr(14, 5));
  if (parts.date.year < 1000 || !IsValidDate(parts.date.year, parts.date.month, parts.date.day)) {
    return BadNumber("invalid date in case number");
  }
  if (parts.daily_sequence < 1) return BadNumber("daily sequence must be at least 1");
  return parts;
}

bool IsWellFormedCaseNumber(std::string_view text) {
  if (text.empty() || text.size() > kCaseNumberBytesMax) return false;
  for (char c : text) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string CaseStreamId(std::string_view case_number) {
  return std::string(kCaseStreamPrefix) + std::string(case_number);
}

Result<std::string> CaseNumberFromStreamId(std::string_view stream_id) {
  if (stream_id.substr(0, kCaseStreamPrefix.size()) != kCaseStreamPrefix) {
    return BadNumber("not a case stream id");
  }
  std::string_view number = stream_id.substr(kCaseStreamPrefix.size());
  if (!IsWellFormedCaseNumber(number)) return BadNumber("malformed case number in stream id");
  return std::string(number);
}

}  // namespace yiwang
