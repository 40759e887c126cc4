// Citizen ID numbers (公民身份号码, GB 11643-1999): the key of the applicant index (一证通).
//
// 18 characters: a 6-digit area code (地址码), an 8-digit birth date yyyymmdd (出生日期码), a
// 3-digit sequence (顺序码; odd for men, even for women) and an ISO 7064 MOD 11-2 check
// character (校验码, a digit or 'X'). A lowercase 'x' is accepted and normalised to 'X'.
//
// Parsing is pure: it cannot know today's date, so a birth date in the future is caught only by
// CheckBirthDateNotAfter(), which takes `today` from the caller.
// Every error is kInvalidArgument with reason "invalid_id_number".
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

inline constexpr size_t kCitizenIdLength = 18;
inline constexpr std::string_view kInvalidIdNumberReason = "invalid_id_number";

// A validated, normalised citizen ID number. Built only by ParseCitizenId.
class CitizenId {
 public:
  // The 18 characters, check character uppercase.
  const std::string& text() const { return text_; }
  std::string_view area_code() const { return std::string_view(text_).substr(0, 6); }
  CivilDate birth_date() const { return birth_date_; }
  // Odd sequence numbers are assigned to men, even ones to women.
  bool is_male() const { return (text_[16] - '0') % 2 == 1; }

  bool operator==(const CitizenId& other) const { return text_ == other.text_; }

 private:
  friend Result<CitizenId> ParseCitizenId(std::string_view text);
  CitizenId(std::string text, CivilDate birth_date)
      : text_(std::move(text)), birth_date_(birth_date) {}

  std::string text_;
  CivilDate birth_date_;
};

// Validates length, characters, area code shape (a real province prefix), birth date (a real
// date, not before 1900-01-01) and the check character.
Result<CitizenId> ParseCitizenId(std::string_view text);
// ParseCitizenId plus CheckBirthDateNotAfter(today).
Result<CitizenId> ParseCitizenId(std::string_view text, CivilDate today);
// Fails when the holder would be born after `today` (the caller's local date).
Status CheckBirthDateNotAfter(const CitizenId& id, CivilDate today);

// The MOD 11-2 check character ('0'..'9' or 'X') of 17 digits; '\0' when `first17` is not
// exactly 17 ASCII digits.
char ComputeCheckCharacter(std::string_view first17);

// "330106********1234": first 6 and last 4 characters kept, the rest replaced by '*'. Texts of
// 10 characters or fewer are masked entirely, so nothing short leaks.
std::string MaskCitizenId(std::string_view text);

}  // namespace yiwang
