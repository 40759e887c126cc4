#include "domain/id_number.h"

#include <gtest/gtest.h>

namespace yiwang {
namespace {

// Check characters below were computed by hand with the GB 11643-1999 weights
// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 and the table 1 0 X 9 8 7 6 5 4 3 2.

// 11010519491231002X, the example printed in GB 11643-1999 itself:
//   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 0*8
//   + 0*4 + 2*2 = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> 'X'.
constexpr std::string_view kStandardExampleX = "11010519491231002X";
// 440524188001010014, the standard's other example (born 1880, so rejected here by the
// 1900-01-01 floor although its check character is right):
//   4*7+4*9+0+5*5+2*8+4*4+1*2+8*1+8*6+0+0+1*9+0+1*5+0+0+1*2 = 28+36+25+16+16+2+8+48+9+5+2 = 195;
//   195 mod 11 = 8 -> '4'.
constexpr std::string_view kStandardExample = "440524188001010014";
// 330106198501010036 (sequence 003, male): 3*7+3*9+0*10+1*5+0*8+6*4+1*2+9*1+8*6+5*3+0*7+1*9
//   +0*10+1*5+0*8+0*4+3*2 = 21+27+5+24+2+9+48+15+9+5+6 = 171; 171 mod 11 = 6 -> '6'.
constexpr std::string_view kHangzhouMale = "330106198501010036";
// Sequence 001: the same sum with 1*2 instead of 3*2 = 167; 167 mod 11 = 2 -> 'X'.
constexpr std::string_view kHangzhouX = "33010619850101001X";
// Sequence 002 (female): 169; 169 mod 11 = 4 -> '8'.
constexpr std::string_view kHangzhouFemale = "330106198501010028";
// Born on a leap day: 4*7+4*9+0+3*5+0+4*4+2*2+0+0+0+0+2*9+2*10+9*5+0+5*4+1*2 = 204;
//   204 mod 11 = 6 -> '6'.
constexpr std::string_view kLeapDay = "440304200002290516";

void ExpectInvalid(std::string_view text, std::string_view message_part) {
  Result<CitizenId> id = ParseCitizenId(text);
  ASSERT_FALSE(id.ok()) << text;
  EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(id.status().reason(), "invalid_id_number");
  EXPECT_NE(id.status().message().find(message_part), std::string::npos) << id.status().message();
}

TEST(ComputeCheckCharacterTest, MatchesHandComputedValues) {
  EXPECT_EQ(ComputeCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(ComputeCheckCharacter("44052418800101001"), '4');
  EXPECT_EQ(ComputeCheckCharacter("33010619850101003"), '6');
  EXPECT_EQ(ComputeCheckCharacter("33010619850101001"), 'X');
  EXPECT_EQ(ComputeCheckCharacter("33010619850101002"), '8');
  EXPECT_EQ(ComputeCheckCharacter("44030420000229051"), '6');
  // 1*7+1*9+0+1*5+0+1*4+1*2+9*1+8*6+0+0+1*9+0+1*5+0+0+1*2 = 100; 100 mod 11 = 1 -> '0'.
  EXPECT_EQ(ComputeCheckCharacter("11010119800101001"), '0');
}

TEST(ComputeCheckCharacterTest, RejectsMalformedInput) {
  EXPECT_EQ(ComputeCheckCharacter("1101051949123100"), '\0');
  EXPECT_EQ(ComputeCheckCharacter("1101051949123100A"), '\0');
}

TEST(ParseCitizenIdTest, AcceptsValidNumbers) {
  for (std::string_view text :
       {kStandardExampleX, kHangzhouMale, kHangzhouX, kHangzhouFemale, kLeapDay}) {
    Result<CitizenId> id = ParseCitizenId(text);
    ASSERT_TRUE(id.ok()) << text << ": " << id.status().ToString();
    EXPECT_EQ(id->text(), text);
  }
}

TEST(ParseCitizenIdTest, ExposesAreaBirthDateAndSex) {
  Result<CitizenId> male = ParseCitizenId(kHangzhouMale);
  ASSERT_TRUE(male.ok());
  EXPECT_EQ(male->area_code(), "330106");
  EXPECT_EQ(male->birth_date(), (CivilDate{1985, 1, 1}));
  EXPECT_TRUE(male->is_male());  // sequence 003

  Result<CitizenId> female = ParseCitizenId(kHangzhouFemale);
  ASSERT_TRUE(female.ok());
  EXPECT_FALSE(female->is_male());  // sequence 002

  Result<CitizenId> leap = ParseCitizenId(kLeapDay);
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->birth_date(), (CivilDate{2000, 2, 29}));
}

TEST(ParseCitizenIdTest, NormalisesLowercaseX) {
  Result<CitizenId> id = ParseCitizenId("11010519491231002x");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->text(), kStandardExampleX);
  EXPECT_EQ(*id, *ParseCitizenId(kStandardExampleX));
}

TEST(ParseCitizenIdTest, RejectsWrongCheckCharacter) {
  ExpectInvalid("330106198501010035", "check character should be 6, got 5");
  ExpectInvalid("110105194912310020", "check character should be X, got 0");
  ExpectInvalid("33010619850101003X", "check character should be 6, got X");
}

TEST(ParseCitizenIdTest, RejectsWrongLength) {
  ExpectInvalid("", "must be 18 characters, got 0");
  ExpectInvalid("33010619850101003", "must be 18 characters, got 17");
  ExpectInvalid("3301061985010100366", "must be 18 characters, got 19");
  // A 15-digit first-generation number is not accepted.
  ExpectInvalid("330106850101003", "must be 18 characters, got 15");
}

TEST(ParseCitizenIdTest, RejectsNonDigits) {
  ExpectInvalid("3301061985010100a6", "character 17 must be a digit");
  ExpectInvalid("X30106198501010036", "character 1 must be a digit");
  ExpectInvalid("33010619850101003Y", "character 18 must be a digit or X");
  ExpectInvalid("33010 198501010036", "character 6 must be a digit");
}

TEST(ParseCitizenIdTest, RejectsImpossibleBirthDates) {
  // The check character is made valid each time, so only the date is wrong.
  auto with_check = [](std::string first17) { return first17 + ComputeCheckCharacter(first17); };
  ExpectInvalid(with_check("33010619900230001"), "19900230 is not a calendar date");  // Feb 30
  ExpectInvalid(with_check("33010620230229001"),
                "20230229 is not a calendar date");  // 2023 not leap
  ExpectInvalid(with_check("33010619001329001"), "19001329 is not a calendar date");  // month 13
  ExpectInvalid(with_check("33010619900001001"), "19900001 is not a calendar date");  // month 0
  ExpectInvalid(with_check("33010619900100001"), "19900100 is not a calendar date");  // day 0
  ExpectInvalid(with_check("33010618991231001"), "before 1900-01-01");
  ExpectInvalid(kStandardExample, "birth date 1880-01-01 is before 1900-01-01");
  // 1900 is not a leap year (divisible by 100, not by 400); 2000 is.
  ExpectInvalid(with_check("33010619000229001"), "19000229 is not a calendar date");
  EXPECT_TRUE(ParseCitizenId(with_check("33010620000229001")).ok());
  EXPECT_TRUE(ParseCitizenId(with_check("33010619000101001")).ok());
}

TEST(ParseCitizenIdTest, RejectsBadAreaCodes) {
  auto with_check = [](std::string first17) { return first17 + ComputeCheckCharacter(first17); };
  ExpectInvalid(with_check("03010619850101003"), "area code 030106");
  ExpectInvalid(with_check("10010619850101003"), "area code 100106");
  ExpectInvalid(with_check("16010619850101003"), "area code 160106");
  ExpectInvalid(with_check("99010619850101003"), "area code 990106");
  ExpectInvalid(with_check("72010619850101003"), "area code 720106");
  for (std::string_view prefix : {"11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61",
                                  "65", "71", "81", "82", "91"}) {
    const std::string text = with_check(std::string(prefix) + "010619850101003");
    EXPECT_TRUE(ParseCitizenId(text).ok()) << text;
  }
}

TEST(ParseCitizenIdTest, RejectsBirthDateAfterToday) {
  auto with_check = [](std::string first17) { return first17 + ComputeCheckCharacter(first17); };
  const std::string born = with_check("33010620261128001");  // born 2026-11-28
  ASSERT_TRUE(ParseCitizenId(born).ok());
  Result<CitizenId> future = ParseCitizenId(born, CivilDate{2026, 11, 27});
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.status().reason(), "invalid_id_number");
  EXPECT_NE(future.status().message().find("after today 2026-11-27"), std::string::npos);
  EXPECT_TRUE(ParseCitizenId(born, CivilDate{2026, 11, 28}).ok());  // born today is fine
  EXPECT_TRUE(CheckBirthDateNotAfter(*ParseCitizenId(born), CivilDate{2027, 1, 1}).ok());
}

TEST(MaskCitizenIdTest, KeepsFirstSixAndLastFour) {
  EXPECT_EQ(MaskCitizenId("330106198501011234"), "330106********1234");
  EXPECT_EQ(MaskCitizenId(kStandardExampleX), "110105********002X");
  EXPECT_EQ(MaskCitizenId("12345678901"), "123456*8901");
  EXPECT_EQ(MaskCitizenId("1234567890"), "**********");
  EXPECT_EQ(MaskCitizenId(""), "");
}

}  // namespace
}  // namespace yiwang
