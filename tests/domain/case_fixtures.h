// Shared fixtures for the case, event and SLA tests: a 2026 calendar with the Spring Festival,
// two catalog items, actors, and a CaseLog that runs commands through Decide, round-trips every
// event through its canonical bytes and folds it with Evolve.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/events.h"
#include "domain/id_number.h"
#include "domain/time.h"

namespace yiwang {

// Readable test failures.
inline void PrintTo(CaseStatus status, std::ostream* out) { *out << CaseStatusName(status); }

}  // namespace yiwang

namespace yiwang::test {

// 2026 as the State Council published it, up to the Spring Festival (enough for these tests).
inline constexpr std::string_view kCalendar2026 =
    "year 2026\n"
    "source 国务院办公厅关于2026年部分节假日安排的通知\n"
    "holiday 2026-01-01 2026-01-03 元旦\n"
    "workday 2026-01-04 元旦调休\n"
    "holiday 2026-02-15 2026-02-23 春节\n"
    "workday 2026-02-14 春节调休\n"
    "workday 2026-02-28 春节调休\n";

inline WorkingCalendar MakeCalendar() {
  WorkingCalendar calendar;
  Status status = calendar.AddYear(kCalendar2026);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return calendar;
}

inline CivilDate Date(int year, int month, int day) { return CivilDate{year, month, day}; }

// An instant at `hour` o'clock China Standard Time.
inline Timestamp LocalTime(int year, int month, int day, int hour) {
  return Timestamp{StartOfLocalDay(Date(year, month, day)).unix_ms + hour * 3'600'000LL};
}

// A valid ID number (born 1985-03-07 in 330106).
inline std::string ValidIdNumber() {
  const std::string first17 = "33010619850307123";
  return first17 + ComputeCheckCharacter(first17);
}

inline CatalogItem NormalItem() {
  CatalogItem item;
  item.code = "GA-HJ-QY";
  item.name = "户口迁移";
  item.level = 4;
  item.department = "330106-GA-HZ";
  item.materials = {{"M01", "居民身份证", true}, {"M02", "户口簿", true}};
  item.baseline_materials = 5;
  item.legal_days = 20;
  item.promised_days = 10;
  item.channels = {"online", "mobile", "window", "kiosk", "partner"};
  item.one_window = true;
  return item;
}

inline CatalogItem ImmediateItem() {
  CatalogItem item = NormalItem();
  item.code = "GA-SFZ-LS";
  item.name = "临时居民身份证";
  item.immediate = true;
  item.promised_days = 0;
  item.legal_days = 5;
  return item;
}

inline Actor Officer() {
  return Actor{"officer-0192", "officer", "330106-GA-HZ", "window", "330106-HALL-01"};
}
inline Actor Citizen() { return Actor{"citizen-330106********1234", "citizen", "", "online", ""}; }
inline Actor Supervisor() {
  return Actor{"supervisor-01", "supervisor", "330106-JD", "online", ""};
}
inline Actor WithRole(std::string role) {
  Actor actor = Officer();
  actor.role = std::move(role);
  return actor;
}

inline SubmitCommand OnlineSubmit(const CatalogItem& item) {
  SubmitCommand command;
  command.service_code = item.code;
  command.channel = "online";
  command.applicant = Applicant{ValidIdNumber(), "张三", "13800000000", "杭州市西湖区"};
  command.materials = {"M01"};
  command.form = {{"reason", "工作调动"}, {"to", "杭州"}};
  return command;
}

// A case folded from the events its commands produced.
class CaseLog {
 public:
  explicit CaseLog(const CatalogItem& item) : item_(item), calendar_(MakeCalendar()) {}

  DecideContext Context(Timestamp now, Actor actor) const {
    DecideContext context;
    context.now = now;
    context.actor = std::move(actor);
    context.item = &item_;
    context.calendar = &calendar_;
    context.case_number = "3301062026021000017";
    context.query_code_hash = "salt:0123abcd";
    context.order_id = "order-" + std::to_string(state_.version + 1);
    context.rectification_id = "rect-" + std::to_string(state_.version + 1);
    return context;
  }

  // Decides and folds; the events pass through their canonical bytes first.
  Result<std::vector<CaseEvent>> Run(const CaseCommand& command, Timestamp now, Actor actor) {
    DecideContext context = Context(now, std::move(actor));
    Result<std::vector<CaseEvent>> events = Decide(state_, command, context);
    if (!events.ok()) return events;
    for (const CaseEvent& event : *events) {
      const std::string data = EncodeEventData(event);
      Result<CaseEvent> decoded = DecodeEventData(EventTypeName(event), EventSchema(event), data);
      EXPECT_TRUE(decoded.ok()) << EventTypeName(event) << ": " << decoded.status().ToString();
      if (!decoded.ok()) return decoded.status();
      EXPECT_EQ(*decoded, event);
      EXPECT_EQ(EncodeEventData(*decoded), data);
      Fold(*decoded, now, context.actor);
    }
    return events;
  }

  // Run, failing the test when the command is refused.
  void Must(const CaseCommand& command, Timestamp now, Actor actor) {
    Result<std::vector<CaseEvent>> events = Run(command, now, std::move(actor));
    ASSERT_TRUE(events.ok()) << CommandActionName(command) << ": " << events.status().ToString();
  }

  void Fold(const CaseEvent& event, Timestamp now, const Actor& actor) {
    // Kept for records_, whose actors view them (a deque: they stay where they are).
    const Actor& kept = actors_.emplace_back(actor);
    RecordedCaseEvent recorded{state_.version + 1, now, ActorView::Of(kept), event};
    records_.push_back(recorded);
    state_ = Evolve(std::move(state_), recorded);
  }

  const CaseState& state() const { return state_; }
  const std::vector<RecordedCaseEvent>& records() const { return records_; }
  const WorkingCalendar& calendar() const { return calendar_; }
  const CatalogItem& item() const { return item_; }

 private:
  CatalogItem item_;
  WorkingCalendar calendar_;
  CaseState state_;
  std::deque<Actor> actors_;
  std::vector<RecordedCaseEvent> records_;
};

}  // namespace yiwang::test
