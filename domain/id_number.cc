#include "domain/id_number.h"

namespace yiwang {
namespace {

constexpr int kCheckWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckCharacters[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
constexpr CivilDate kEarliestBirthDate{1900, 1, 1};
constexpr size_t kMaskKeepPrefixChars = 6;
constexpr size_t kMaskKeepSuffixChars = 4;

// Province-level prefixes of GB/T 2260 (11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门) and 91,
// which the Ministry of Public Security uses for residence permits of foreigners.
bool IsProvincePrefix(int prefix) {
  return (prefix >= 11 && prefix <= 15) || (prefix >= 21 && prefix <= 23) ||
         (prefix >= 31 && prefix <= 37) || (prefix >= 41 && prefix <= 46) ||
         (prefix >= 50 && prefix <= 54) || (prefix >= 61 && prefix <= 65) || prefix == 71 ||
         prefix == 81 || prefix == 82 || prefix == 91;
}

Status Invalid(std::string message) {
  return InvalidArgument("invalid citizen ID number: " + std::move(message))
      .WithReason(std::string(kInvalidIdNumberReason));
}

bool IsDigit(char character) { return character >= '0' && character <= '9'; }

int DigitsValue(std::string_view text, size_t offset, size_t count) {
  int value = 0;
  for (size_t index = offset; index < offset + count; ++index) {
    value = value * 10 + (text[index] - '0');
  }
  return value;
}

Status CheckCharacters(std::string_view text) {
  if (text.size() != kCitizenIdLength) {
    return Invalid("must be 18 characters, got " + std::to_string(text.size()));
  }
  for (size_t index = 0; index < 17; ++index) {
    if (!IsDigit(text[index])) {
      return Invalid("character " + std::to_string(index + 1) + " must be a digit");
    }
  }
  const char last = text[17];
  if (!IsDigit(last) && last != 'X' && last != 'x') {
    return Invalid("character 18 must be a digit or X");
  }
  return Status::Ok();
}

Result<CivilDate> ParseBirthDate(std::string_view text) {
  const CivilDate date{DigitsValue(text, 6, 4), DigitsValue(text, 10, 2), DigitsValue(text, 12, 2)};
  if (!IsValidDate(date.year, date.month, date.day)) {
    return Invalid("birth date " + std::string(text.substr(6, 8)) + " is not a calendar date");
  }
  if (date < kEarliestBirthDate) {
    return Invalid("birth date " + FormatDate(date) + " is before 1900-01-01");
  }
  return date;
}

}  // namespace

char ComputeCheckCharacter(std::string_view first17) {
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t index = 0; index < 17; ++index) {
    if (!IsDigit(first17[index])) return '\0';
    sum += (first17[index] - '0') * kCheckWeights[index];
  }
  return kCheckCharacters[sum % 11];
}

Result<CitizenId> ParseCitizenId(std::string_view text) {
  YIWANG_RETURN_IF_ERROR(CheckCharacters(text));
  if (text[0] == '0' || !IsProvincePrefix(DigitsValue(text, 0, 2))) {
    return Invalid("area code " + std::string(text.substr(0, 6)) + " has no valid province prefix");
  }
  Result<CivilDate> birth_date = ParseBirthDate(text);
  if (!birth_date.ok()) return birth_date.status();

  std::string normalised(text);
  if (normalised[17] == 'x') normalised[17] = 'X';
  const char expected = ComputeCheckCharacter(std::string_view(normalised).substr(0, 17));
  if (normalised[17] != expected) {
    return Invalid(std::string("check character should be ") + expected + ", got " +
                   normalised[17]);
  }
  return CitizenId(std::move(normalised), *birth_date);
}

Status CheckBirthDateNotAfter(const CitizenId& id, CivilDate today) {
  if (id.birth_date() > today) {
    return Invalid("birth date " + FormatDate(id.birth_date()) + " is after today " +
                   FormatDate(today));
  }
  return Status::Ok();
}

Result<CitizenId> ParseCitizenId(std::string_view text, CivilDate today) {
  Result<CitizenId> id = ParseCitizenId(text);
  if (!id.ok()) return id;
  YIWANG_RETURN_IF_ERROR(CheckBirthDateNotAfter(*id, today));
  return id;
}

std::string MaskCitizenId(std::string_view text) {
  if (text.size() <= kMaskKeepPrefixChars + kMaskKeepSuffixChars) {
    return std::string(text.size(), '*');
  }
  std::string masked(text);
  for (size_t index = kMaskKeepPrefixChars; index < text.size() - kMaskKeepSuffixChars; ++index) {
    masked[index] = '*';
  }
  return masked;
}

}  // namespace yiwang
