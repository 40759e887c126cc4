#include "domain/calendar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace yiwang {
namespace {

std::string ReadDataFile(const std::string& relative_path) {
  std::ifstream file(std::string(YIWANG_SOURCE_DIR) + "/" + relative_path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

CivilDate D(int year, int month, int day) { return CivilDate{year, month, day}; }

class RealCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string text_2025 = ReadDataFile("data/calendar/2025.txt");
    const std::string text_2026 = ReadDataFile("data/calendar/2026.txt");
    ASSERT_FALSE(text_2025.empty());
    ASSERT_FALSE(text_2026.empty());
    // Load out of order on purpose: the calendar sorts its years.
    ASSERT_TRUE(calendar_.AddYear(text_2026).ok());
    ASSERT_TRUE(calendar_.AddYear(text_2025).ok());
  }

  CivilDate Add(CivilDate from, int count) {
    Result<CivilDate> result = calendar_.AddWorkingDays(from, count);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : CivilDate{};
  }
  int Between(CivilDate from, CivilDate to) {
    Result<int> result = calendar_.WorkingDaysBetween(from, to);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : -999;
  }

  WorkingCalendar calendar_;
};

TEST_F(RealCalendarTest, CoversBothYears) {
  EXPECT_EQ(calendar_.years(), (std::vector<int>{2025, 2026}));
  EXPECT_TRUE(calendar_.Covers(D(2025, 1, 1)));
  EXPECT_TRUE(calendar_.Covers(D(2026, 12, 31)));
  EXPECT_FALSE(calendar_.Covers(D(2024, 12, 31)));
  EXPECT_FALSE(calendar_.Covers(D(2027, 1, 1)));
  EXPECT_FALSE(calendar_.Covers(D(2026, 2, 30)));
}

TEST_F(RealCalendarTest, WholeYearsHave248WorkingDays) {
  // Independently counted (365 days - 104 weekend days - weekday holidays + make-up days):
  // 2025: 261 weekdays - 18 weekday holidays + 5 make-up days = 248;
  // 2026: 261 weekdays - 19 weekday holidays + 6 make-up days = 248.
  // 1 January is a holiday, so leaving it out of (from, to] changes nothing.
  EXPECT_EQ(Between(D(2025, 1, 1), D(2025, 12, 31)), 248);
  EXPECT_EQ(Between(D(2025, 12, 31), D(2026, 12, 31)), 248);
}

TEST_F(RealCalendarTest, SpringFestival2026WithMakeUpDays) {
  EXPECT_TRUE(*calendar_.IsWorkingDay(D(2026, 2, 14)));   // Saturday, 春节调休
  EXPECT_FALSE(*calendar_.IsWorkingDay(D(2026, 2, 16)));  // Monday, 春节
  EXPECT_TRUE(*calendar_.IsWorkingDay(D(2026, 2, 28)));   // Saturday, 春节调休
  EXPECT_FALSE(*calendar_.IsWorkingDay(D(2026, 3, 1)));   // an ordinary Sunday
  EXPECT_EQ(Add(D(2026, 2, 13), 1), D(2026, 2, 14));
  EXPECT_EQ(Add(D(2026, 2, 13), 2), D(2026, 2, 24));
  EXPECT_EQ(Add(D(2026, 2, 14), 1), D(2026, 2, 24));
  EXPECT_EQ(Add(D(2026, 2, 16), 1), D(2026, 2, 24));  // from inside the holiday
  EXPECT_EQ(Add(D(2026, 2, 24), 4), D(2026, 2, 28));  // Wed Thu Fri, then the Saturday make-up
  EXPECT_EQ(Add(D(2026, 2, 24), -1), D(2026, 2, 14));
  EXPECT_EQ(Add(D(2026, 2, 24), -2), D(2026, 2, 13));
  // 2/13, 2/14, 2/24, 2/25, 2/26, 2/27, 2/28.
  EXPECT_EQ(Between(D(2026, 2, 12), D(2026, 2, 28)), 7);
  EXPECT_EQ(Between(D(2026, 2, 28), D(2026, 2, 12)), -7);
  EXPECT_EQ(Between(D(2026, 2, 14), D(2026, 2, 23)), 0);
  EXPECT_EQ(calendar_.NoteFor(D(2026, 2, 14)), "春节调休");
  EXPECT_EQ(calendar_.NoteFor(D(2026, 2, 20)), "春节");
  EXPECT_EQ(calendar_.NoteFor(D(2026, 3, 3)), "");
}

TEST_F(RealCalendarTest, AcrossYearEnd) {
  // 2025-12-31 is a Wednesday; 2026-01-01..03 are 元旦 and Sunday 01-04 is a make-up day.
  EXPECT_EQ(Add(D(2025, 12, 31), 1), D(2026, 1, 4));
  EXPECT_EQ(Add(D(2025, 12, 30), 2), D(2026, 1, 4));
  EXPECT_EQ(Add(D(2025, 12, 31), 2), D(2026, 1, 5));
  EXPECT_EQ(Add(D(2026, 1, 4), -1), D(2025, 12, 31));
  EXPECT_EQ(Add(D(2026, 1, 2), -1), D(2025, 12, 31));
  EXPECT_EQ(Between(D(2025, 12, 31), D(2026, 1, 5)), 2);
  // Backwards: 12-30, 12-31, 01-04 and 01-05 lie in (12-29, 01-05].
  EXPECT_EQ(Between(D(2026, 1, 5), D(2025, 12, 29)), -4);
}

TEST_F(RealCalendarTest, WeekendsAndCountZero) {
  // 2026-03-06 is a Friday.
  EXPECT_EQ(Add(D(2026, 3, 6), 1), D(2026, 3, 9));
  EXPECT_EQ(Add(D(2026, 3, 7), 1), D(2026, 3, 9));  // from a Saturday
  EXPECT_EQ(Add(D(2026, 3, 7), 0), D(2026, 3, 9));  // count 0 on a day off: the next working day
  EXPECT_EQ(Add(D(2026, 3, 6), 0), D(2026, 3, 6));  // count 0 on a working day: itself
  EXPECT_EQ(Add(D(2026, 3, 9), -1), D(2026, 3, 6));
  EXPECT_EQ(Add(D(2026, 3, 8), -1), D(2026, 3, 6));  // from a Sunday
  EXPECT_EQ(Add(D(2026, 3, 9), -5), D(2026, 3, 2));
  EXPECT_EQ(Between(D(2026, 3, 6), D(2026, 3, 8)), 0);
  EXPECT_EQ(Between(D(2026, 3, 6), D(2026, 3, 6)), 0);
  EXPECT_EQ(*calendar_.NextWorkingDayOnOrAfter(D(2026, 10, 1)), D(2026, 10, 8));
  EXPECT_EQ(*calendar_.NextWorkingDayOnOrAfter(D(2026, 10, 8)), D(2026, 10, 8));
}

// The fast paths must agree with stepping one day at a time through IsWorkingDay.
TEST_F(RealCalendarTest, AgreesWithDayByDayStepping) {
  const int64_t first = DaysFromCivil(D(2025, 1, 1));
  const int64_t last = DaysFromCivil(D(2026, 12, 31));
  for (int64_t day = first; day <= last; day += 7) {
    const CivilDate from = CivilFromDays(day);
    for (int count : {1, 3, 10, 60}) {
      int64_t cursor = day;
      int found = 0;
      while (found < count && cursor < last) {
        ++cursor;
        if (*calendar_.IsWorkingDay(CivilFromDays(cursor))) ++found;
      }
      if (found < count) continue;  // would leave 2026
      ASSERT_EQ(Add(from, count), CivilFromDays(cursor)) << FormatDate(from) << " + " << count;
      ASSERT_EQ(Between(from, CivilFromDays(cursor)), count);
      // Stepping back from the result lands on the last working day on or before `from`.
      Result<CivilDate> back = calendar_.AddWorkingDays(CivilFromDays(cursor), -count);
      int64_t expected_back = day;
      while (expected_back >= first && !*calendar_.IsWorkingDay(CivilFromDays(expected_back))) {
        --expected_back;
      }
      if (expected_back < first) {
        ASSERT_EQ(back.status().code(), StatusCode::kOutOfRange);
      } else {
        ASSERT_TRUE(back.ok()) << back.status().ToString();
        ASSERT_EQ(*back, CivilFromDays(expected_back));
      }
    }
  }
}

TEST_F(RealCalendarTest, OutOfRangeNamesDateAndYears) {
  Result<bool> before = calendar_.IsWorkingDay(D(2024, 12, 31));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(before.status().message().find("2024-12-31"), std::string::npos);
  EXPECT_NE(before.status().message().find("2025, 2026"), std::string::npos);

  // 2026-12-31 is a Thursday; the next working day is in 2027.
  EXPECT_EQ(calendar_.AddWorkingDays(D(2026, 12, 31), 1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.AddWorkingDays(D(2025, 1, 2), -1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.AddWorkingDays(D(2025, 6, 1), 100000).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.WorkingDaysBetween(D(2026, 1, 1), D(2027, 1, 1)).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.NextWorkingDayOnOrAfter(D(2027, 3, 1)).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.IsWorkingDay(D(2026, 2, 29)).status().code(), StatusCode::kInvalidArgument);
}

// ParseTimestamp remembers the last valid date per thread; what it remembers must never let a
// bad date or time through, and every field must still count.
TEST(TimestampTest, ParsesEveryFieldAndRefusesBadDatesAfterGoodOnes) {
  const int64_t day = 20'147;  // 2025-02-28
  EXPECT_EQ(ParseTimestamp("2025-02-28T10:11:12.345Z")->unix_ms,
            day * kMillisPerDay + 10 * 3'600'000 + 11 * 60'000 + 12'345);
  EXPECT_EQ(ParseTimestamp("2025-02-28T00:00:00Z")->unix_ms, day * kMillisPerDay);
  EXPECT_EQ(ParseTimestamp("2025-03-01T00:00:00.000Z")->unix_ms, (day + 1) * kMillisPerDay);
  EXPECT_EQ(ParseTimestamp("2025-02-28T23:59:59.999Z")->unix_ms,
            (day + 1) * kMillisPerDay - 1);  // back to a remembered day
  EXPECT_EQ(ParseTimestamp("1969-12-31T23:59:59.000Z")->unix_ms, -1000);
  EXPECT_EQ(ParseTimestamp("1969-12-31T00:00:00.000Z")->unix_ms, -kMillisPerDay);
  EXPECT_EQ(ParseTimestamp("2024-02-29T00:00:00.000Z")->unix_ms, 19'782 * kMillisPerDay);
  for (const char* bad : {
           "2025-02-29T00:00:00.000Z",  // not a leap year, right after a good day
           "2025-02-28T24:00:00.000Z", "2025-02-28T10:60:00.000Z", "2025-02-28T10:00:60.000Z",
           "2025-02-28T10:00:00.00xZ", "2025-02-28T10:00:00,000Z", "2025-02-28t10:00:00.000Z",
           "2025-02-28T10:00:00.000", "2025-02-2xT10:00:00.000Z", "2025-13-01T00:00:00.000Z",
           "2025-02-28 10:00:00.000Z", "2025-02-28T10:00:00.0000Z", "2025-02-28T10:00Z", "",
           "0000-01-01T00:00:00.000Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
    Timestamp untouched{7};
    EXPECT_FALSE(ParseTimestampInto(bad, &untouched)) << bad;
  }
  EXPECT_EQ(ParseTimestamp("2025-02-28T10:11:12.345Z")->unix_ms,
            day * kMillisPerDay + 10 * 3'600'000 + 11 * 60'000 + 12'345);
}

// Two days taking turns (an event's occurred_at and recorded_at around midnight), then a third:
// each remembered day gives its own days, and a bad date never passes for one of them.
TEST(TimestampTest, TwoDaysTakingTurnsAndAThirdParseExactly) {
  const int64_t day = 20'147;  // 2025-02-28
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(ParseTimestamp("2025-02-28T23:59:59.000Z")->unix_ms,
              (day + 1) * kMillisPerDay - 1000);
    EXPECT_EQ(ParseTimestamp("2025-03-01T00:00:01.000Z")->unix_ms,
              (day + 1) * kMillisPerDay + 1000);
    EXPECT_FALSE(ParseTimestamp("2025-02-29T00:00:00.000Z").ok());
  }
  EXPECT_EQ(ParseTimestamp("2025-03-02T00:00:00Z")->unix_ms, (day + 2) * kMillisPerDay);
  EXPECT_EQ(ParseTimestamp("2025-02-28T00:00:00Z")->unix_ms, day * kMillisPerDay);
  EXPECT_EQ(ParseTimestamp("2025-03-01T00:00:00Z")->unix_ms, (day + 1) * kMillisPerDay);
}

// Every byte of the clock part, changed to every other value: the parse agrees with a plain
// reading of the text (two digits, a colon, two digits, a colon, two digits, in range).
TEST(TimestampTest, EveryByteOfTheClockCounts) {
  const std::string base = "2025-02-28T10:11:12.345Z";
  const int64_t day = 20'147;
  auto expected = [&](const std::string& text) -> std::optional<int64_t> {
    auto digit = [&](size_t at) { return text[at] >= '0' && text[at] <= '9'; };
    for (size_t at : {11, 12, 14, 15, 17, 18}) {
      if (!digit(at)) return std::nullopt;
    }
    if (text[13] != ':' || text[16] != ':') return std::nullopt;
    auto two = [&](size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
    if (two(11) > 23 || two(14) > 59 || two(17) > 59) return std::nullopt;
    return day * kMillisPerDay + two(11) * 3'600'000LL + two(14) * 60'000LL + two(17) * 1000LL +
           345;
  };
  int accepted = 0;
  for (size_t at = 11; at <= 18; ++at) {
    for (int value = 0; value < 256; ++value) {
      std::string text = base;
      text[at] = static_cast<char>(value);
      Timestamp parsed{7};
      const bool ok = ParseTimestampInto(text, &parsed);
      const std::optional<int64_t> want = expected(text);
      ASSERT_EQ(ok, want.has_value()) << text;
      if (ok) {
        EXPECT_EQ(parsed.unix_ms, *want) << text;
        ++accepted;
      } else {
        EXPECT_EQ(parsed.unix_ms, 7) << text;
      }
    }
  }
  EXPECT_EQ(accepted, 3 + 10 + 1 + 6 + 10 + 1 + 6 + 10);  // hour tens 0-2, ... second units
}

TEST(WorkingCalendarTest, EmptyCalendarCoversNothing) {
  WorkingCalendar calendar;
  EXPECT_TRUE(calendar.years().empty());
  Result<CivilDate> result = calendar.AddWorkingDays(D(2026, 1, 5), 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(result.status().message().find("no years"), std::string::npos);
}

TEST(WorkingCalendarTest, GapBetweenYearsIsOutOfRange) {
  WorkingCalendar calendar;
  ASSERT_TRUE(calendar.AddYear("year 2025\nsource test\n").ok());
  ASSERT_TRUE(calendar.AddYear("year 2027\nsource test\n").ok());
  Result<CivilDate> across = calendar.AddWorkingDays(D(2025, 12, 31), 1);
  ASSERT_FALSE(across.ok());
  EXPECT_EQ(across.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(across.status().message().find("2026"), std::string::npos);
  EXPECT_EQ(calendar.AddWorkingDays(D(2027, 1, 1), -1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(calendar.WorkingDaysBetween(D(2025, 6, 1), D(2027, 6, 1)).status().code(),
            StatusCode::kOutOfRange);
  // Without holidays, plain weekends: 2027-01-01 is a Friday.
  EXPECT_EQ(*calendar.AddWorkingDays(D(2027, 1, 1), 1), D(2027, 1, 4));
}

// Expects AddYear to fail cleanly on `text` with a message containing `part`.
void ExpectRejected(std::string_view text, std::string_view part) {
  WorkingCalendar calendar;
  Status status = calendar.AddYear(text);
  ASSERT_FALSE(status.ok()) << text;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(part), std::string::npos)
      << "message: " << status.message() << "\nexpected to contain: " << part;
  EXPECT_TRUE(calendar.years().empty());
}

TEST(WorkingCalendarTest, AcceptsCommentsRangesAndSingleDays) {
  WorkingCalendar calendar;
  ASSERT_TRUE(calendar
                  .AddYear("# a comment\n\n  year 2030  \r\nsource notice # trailing comment\n"
                           "holiday 2030-01-01 元旦\nholiday 2030-02-04 2030-02-06 春节\n"
                           "workday 2030-02-09 春节调休\n")
                  .ok());
  EXPECT_FALSE(*calendar.IsWorkingDay(D(2030, 1, 1)));
  EXPECT_FALSE(*calendar.IsWorkingDay(D(2030, 2, 5)));
  EXPECT_TRUE(*calendar.IsWorkingDay(D(2030, 2, 9)));  // a Saturday
  EXPECT_EQ(calendar.NoteFor(D(2030, 2, 6)), "春节");
}

TEST(WorkingCalendarTest, RejectsMalformedFiles) {
  ExpectRejected("", "no 'year' line");
  ExpectRejected("# only a comment\n", "no 'year' line");
  ExpectRejected("source x\nyear 2026\n", "line 1: the first line must be");
  ExpectRejected("year 2026\nsource x\nyear 2026\n", "line 3: a second 'year'");
  ExpectRejected("year 26\nsource x\n", "line 1: 'year' needs a year");
  ExpectRejected("year 2026x\nsource x\n", "line 1: 'year' needs a year");
  ExpectRejected("year 2026\n", "no 'source' line");
  ExpectRejected("year 2026\nsource a\nsource b\n", "line 3: a second 'source'");
  ExpectRejected("year 2026\nsource\n", "line 2: 'source' needs");
  ExpectRejected("year 2026\nsource x\nholiday 2027-01-01 元旦\n",
                 "line 3: date 2027-01-01 is outside the year 2026");
  ExpectRejected("year 2026\nsource x\nholiday 2026-12-31 2027-01-02 元旦\n",
                 "line 3: date 2027-01-02 is outside the year 2026");
  ExpectRejected("year 2026\nsource x\nworkday 2025-12-28 调休\n",
                 "line 3: date 2025-12-28 is outside the year 2026");
  ExpectRejected("year 2026\nsource x\nholiday 2026-02-23 2026-02-15 春节\n",
                 "line 3: holiday range ends before it starts");
  ExpectRejected("year 2026\nsource x\nworkday 2026-02-13 调休\n",
                 "line 3: workday 2026-02-13 is not a Saturday or Sunday");
  ExpectRejected("year 2026\nsource x\nholiday 2026-02-14 春节\nworkday 2026-02-14 调休\n",
                 "line 4: 2026-02-14 is already a holiday");
  ExpectRejected(
      "year 2026\nsource x\nworkday 2026-02-14 调休\nholiday 2026-02-13 2026-02-15 春节\n",
      "line 4: 2026-02-14 is already a workday");
  ExpectRejected("year 2026\nsource x\nholiday 2026-02-15 2026-02-17 a\nholiday 2026-02-17 b\n",
                 "line 4: 2026-02-17 is listed twice");
  ExpectRejected("year 2026\nsource x\nworkday 2026-02-14 a\nworkday 2026-02-14 b\n",
                 "line 4: 2026-02-14 is listed twice");
  ExpectRejected("year 2026\nsource x\nholiday 2026-02-30 春节\n", "line 3: bad date '2026-02-30'");
  ExpectRejected("year 2026\nsource x\nholiday 2026-02-15\n", "line 3: holiday needs a note");
  ExpectRejected("year 2026\nsource x\nworkday 2026-02-14\n", "line 3: workday needs a note");
  ExpectRejected("year 2026\nsource x\nvacation 2026-02-15 春节\n",
                 "line 3: unknown keyword 'vacation'");
  ExpectRejected("year 2026\nsource x\n" + std::string(70000, '#'), "larger than");
}

TEST(WorkingCalendarTest, RejectsAYearLoadedTwiceAndKeepsTheFirst) {
  WorkingCalendar calendar;
  ASSERT_TRUE(calendar.AddYear("year 2026\nsource x\nholiday 2026-03-02 a\n").ok());
  Status again = calendar.AddYear("year 2026\nsource y\n");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(*calendar.IsWorkingDay(D(2026, 3, 2)));
  EXPECT_EQ(calendar.years(), std::vector<int>{2026});
}

// The serve warning's test: the calendar must reach `days` ahead, through every year between.
TEST(CalendarTest, CoversAheadNeedsEveryYearUpToTheHorizon) {
  WorkingCalendar calendar;
  ASSERT_TRUE(calendar.AddYear("year 2026\nsource test\n").ok());
  EXPECT_TRUE(calendar.CoversAhead(CivilDate{2026, 10, 1}, 60));   // 2026-11-30
  EXPECT_TRUE(calendar.CoversAhead(CivilDate{2026, 11, 1}, 60));   // 2026-12-31
  EXPECT_FALSE(calendar.CoversAhead(CivilDate{2026, 11, 2}, 60));  // 2027-01-01
  EXPECT_FALSE(calendar.CoversAhead(CivilDate{2026, 12, 6}, 60));
  EXPECT_FALSE(calendar.CoversAhead(CivilDate{2025, 12, 31}, 1));  // today itself uncovered
  ASSERT_TRUE(calendar.AddYear("year 2028\nsource test\n").ok());
  EXPECT_FALSE(calendar.CoversAhead(CivilDate{2026, 12, 6}, 400));  // 2027 missing between
  ASSERT_TRUE(calendar.AddYear("year 2027\nsource test\n").ok());
  EXPECT_TRUE(calendar.CoversAhead(CivilDate{2026, 12, 6}, 400));
  EXPECT_FALSE(WorkingCalendar().CoversAhead(CivilDate{2026, 1, 1}, 0));
}

}  // namespace
}  // namespace yiwang
