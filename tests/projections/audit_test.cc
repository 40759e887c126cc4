#include "projections/audit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "projections/audit_format.h"
#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using projections::AuditFilter;
using projections::AuditPage;
using projections::AuditTrail;
using projections::SupervisionFilter;
using projections::SupervisionOrder;
using projections::SupervisionPage;

constexpr char kCaseA[] = "3301062026020200001";
constexpr char kCaseB[] = "3301062026020200002";
constexpr char kExitEntry[] = "330106-GA-CRJ";  // the department case A is transferred to

Actor ExitEntryOfficer() {
  return Actor{"officer-0777", "officer", kExitEntry, "window", "330106-HALL-02"};
}

Timestamp SystemNow() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

// A read store holding only the audit trail, fed by its own runner.
struct AuditSide {
  AuditSide(CaseLogStore* log, const std::string& path, bool attach_log = true) {
    projections::ReadStoreOptions options;
    options.path = path;
    options.families = {std::string(projections::kAuditFamily)};
    Result<std::unique_ptr<projections::ReadStore>> opened = projections::ReadStore::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    read_store = std::move(opened).value();
    audit = std::make_unique<AuditTrail>(read_store.get());
    if (attach_log) audit->AttachLog(&log->store());
    Result<std::unique_ptr<projections::ProjectionRunner>> created =
        projections::ProjectionRunner::Create(&log->store(), read_store.get(), {audit.get()});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    runner = std::move(created).value();
  }
  std::unique_ptr<projections::ReadStore> read_store;
  std::unique_ptr<AuditTrail> audit;
  std::unique_ptr<projections::ProjectionRunner> runner;  // destroyed first
};

std::vector<uint64_t> Positions(const AuditPage& page) {
  std::vector<uint64_t> positions;
  for (const projections::AuditItem& item : page.items) positions.push_back(item.event.position);
  return positions;
}

class AuditTrailTest : public ::testing::Test {
 protected:
  AuditTrailTest() : side_(&log_, log_.Path("read")) {}

  AuditPage Query(const AuditFilter& filter, const std::string& cursor = "", size_t limit = 100) {
    Result<AuditPage> page = side_.audit->Query(filter, cursor, limit);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? std::move(page).value() : AuditPage{};
  }

  // Case A: submitted (citizen), accepted (officer, 330106-GA-HZ), transferred to exit-entry
  // (officer), reviewed and denied there (exit-entry officer). Case B: submitted and accepted.
  void WriteHistory() {
    a_submitted_ =
        log_.Run(kCaseA, OnlineSubmit(NormalItem()), LocalTime(2026, 2, 2, 9), Citizen());
    a_accepted_ =
        log_.Run(kCaseA, AcceptCommand{"SL-1", false}, LocalTime(2026, 2, 2, 10), Officer());
    b_submitted_ =
        log_.Run(kCaseB, OnlineSubmit(NormalItem()), LocalTime(2026, 2, 2, 11), Citizen());
    a_transferred_ = log_.Run(kCaseA, TransferCommand{kExitEntry, "转出入境"},
                              LocalTime(2026, 2, 3, 9), Officer());
    a_review_ =
        log_.Run(kCaseA, StartReviewCommand{}, LocalTime(2026, 2, 3, 10), ExitEntryOfficer());
    b_accepted_ =
        log_.Run(kCaseB, AcceptCommand{"SL-2", false}, LocalTime(2026, 2, 3, 11), Officer());
    a_denied_ = log_.Run(kCaseA, DenyCommand{"不符合条件", ""}, LocalTime(2026, 2, 4, 9),
                         ExitEntryOfficer());
    ASSERT_TRUE(side_.runner->CatchUp().ok()) << side_.runner->status().ToString();
  }

  CaseLogStore log_;
  AuditSide side_;
  uint64_t a_submitted_ = 0, a_accepted_ = 0, b_submitted_ = 0, a_transferred_ = 0, a_review_ = 0,
           b_accepted_ = 0, a_denied_ = 0;
};

// The stored type codes are a frozen table; the fast path for case events takes the variant
// index. Both must name the same type for every case event.
template <size_t... I>
std::vector<CaseEvent> OneOfEachCaseEvent(std::index_sequence<I...>) {
  return {CaseEvent(std::in_place_index<I>)...};
}

TEST(AuditFormatTest, CaseEventCodesFollowTheStoredTable) {
  for (const CaseEvent& event :
       OneOfEachCaseEvent(std::make_index_sequence<std::variant_size_v<CaseEvent>>())) {
    EXPECT_EQ(projections::audit_format::CaseEventTypeCode(event),
              projections::audit_format::TypeCode(EventTypeName(event)))
        << EventTypeName(event);
  }
  EXPECT_EQ(projections::audit_format::TypeCode("CaseSubmitted"), 1);
  EXPECT_EQ(projections::audit_format::TypeCode("NoSuchEvent"),
            projections::audit_format::kOtherType);
}

TEST_F(AuditTrailTest, FiltersByCaseActorTypeAndDepartment) {
  WriteHistory();
  // The two catalog items are positions 1 and 2.
  ASSERT_EQ(a_submitted_, 3u);
  EXPECT_EQ(Positions(Query({})),
            (std::vector<uint64_t>{1, 2, 3, a_accepted_, b_submitted_, a_transferred_, a_review_,
                                   b_accepted_, a_denied_}));

  AuditFilter by_case;
  by_case.case_number = kCaseA;
  EXPECT_EQ(
      Positions(Query(by_case)),
      (std::vector<uint64_t>{a_submitted_, a_accepted_, a_transferred_, a_review_, a_denied_}));
  by_case.case_number = "3301062026020299999";
  EXPECT_TRUE(Query(by_case).items.empty());

  AuditFilter by_actor;
  by_actor.actor = "officer-0777";
  EXPECT_EQ(Positions(Query(by_actor)), (std::vector<uint64_t>{a_review_, a_denied_}));
  by_actor.actor = "officer-0192";
  EXPECT_EQ(Positions(Query(by_actor)),
            (std::vector<uint64_t>{a_accepted_, a_transferred_, b_accepted_}));

  AuditFilter by_type;
  by_type.type = "CaseSubmitted";
  EXPECT_EQ(Positions(Query(by_type)), (std::vector<uint64_t>{a_submitted_, b_submitted_}));
  by_type.case_number = kCaseB;
  EXPECT_EQ(Positions(Query(by_type)), (std::vector<uint64_t>{b_submitted_}));

  // The department in charge when the event was recorded: the transfer belongs to the sender,
  // what follows to the receiver; the citizen's submissions to the item's department.
  AuditFilter by_department;
  by_department.department = kExitEntry;
  AuditPage exit_entry = Query(by_department);
  EXPECT_EQ(Positions(exit_entry), (std::vector<uint64_t>{a_review_, a_denied_}));
  EXPECT_EQ(exit_entry.items[0].department, kExitEntry);
  by_department.department = "330106-GA-HZ";
  EXPECT_EQ(Positions(Query(by_department)),
            (std::vector<uint64_t>{1, 2, a_submitted_, a_accepted_, b_submitted_, a_transferred_,
                                   b_accepted_}));
  // A supervisor's scope is a division prefix; a department outside it matches nothing.
  AuditFilter scoped;
  scoped.division_prefix = "330106-GA-C";
  EXPECT_EQ(Positions(Query(scoped)), (std::vector<uint64_t>{a_review_, a_denied_}));
  scoped.department = "330106-GA-HZ";
  EXPECT_TRUE(Query(scoped).items.empty());
  by_department.department = "999999-NONE";
  EXPECT_TRUE(Query(by_department).items.empty());
}

TEST_F(AuditTrailTest, PagesByCursorWithoutGapsOrDuplicates) {
  WriteHistory();
  std::vector<uint64_t> all = Positions(Query({}));
  ASSERT_EQ(all.size(), 9u);
  std::vector<uint64_t> paged;
  std::string cursor;
  int pages = 0;
  do {
    AuditPage page = Query({}, cursor, 2);
    EXPECT_LE(page.items.size(), 2u);
    for (uint64_t position : Positions(page)) paged.push_back(position);
    cursor = page.next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(paged, all);
  EXPECT_EQ(pages, 5);

  AuditFilter by_case;
  by_case.case_number = kCaseA;
  AuditPage first = Query(by_case, "", 3);
  EXPECT_EQ(Positions(first), (std::vector<uint64_t>{a_submitted_, a_accepted_, a_transferred_}));
  AuditPage second = Query(by_case, first.next_cursor, 3);
  EXPECT_EQ(Positions(second), (std::vector<uint64_t>{a_review_, a_denied_}));
  EXPECT_EQ(second.next_cursor, "");
}

TEST_F(AuditTrailTest, TimeRangesFollowRecordedAt) {
  const uint64_t first =
      log_.Run(kCaseA, OnlineSubmit(NormalItem()), LocalTime(2026, 2, 2, 9), Citizen());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const Timestamp between = SystemNow();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t second =
      log_.Run(kCaseA, AcceptCommand{"SL-1", false}, LocalTime(2026, 2, 2, 10), Officer());
  const uint64_t third =
      log_.Run(kCaseA, StartReviewCommand{}, LocalTime(2026, 2, 2, 11), Officer());
  ASSERT_TRUE(side_.runner->CatchUp().ok());

  AuditFilter after;
  after.from = between;
  EXPECT_EQ(Positions(Query(after)), (std::vector<uint64_t>{second, third}));
  AuditFilter before;
  before.to = between;
  EXPECT_EQ(Positions(Query(before)), (std::vector<uint64_t>{1, 2, first}));
  AuditFilter nothing;
  nothing.from = Timestamp{between.unix_ms + 3'600'000};
  EXPECT_TRUE(Query(nothing).items.empty());
  AuditFilter backwards;
  backwards.from = between;
  backwards.to = Timestamp{between.unix_ms - 1};
  EXPECT_EQ(side_.audit->Query(backwards, "", 10).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AuditTrailTest, RefusesBadRequests) {
  WriteHistory();
  AuditFilter unknown_type;
  unknown_type.type = "NoSuchEvent";
  EXPECT_EQ(side_.audit->Query(unknown_type, "", 10).status().field(), "type");
  EXPECT_EQ(side_.audit->Query({}, "x1", 10).status().field(), "cursor");
  EXPECT_EQ(side_.audit->Query({}, "0", 10).status().field(), "cursor");
  EXPECT_EQ(side_.audit->Query({}, "", 0).status().field(), "limit");
  EXPECT_EQ(side_.audit->Query({}, "", 1001).status().field(), "limit");
  AuditFilter long_actor;
  long_actor.actor = std::string(200, 'a');
  EXPECT_EQ(side_.audit->Query(long_actor, "", 10).status().field(), "actor");
  EXPECT_EQ(side_.audit->Supervision({}, "", 10, SystemNow()).ok(), true);
  SupervisionFilter bad_status;
  bad_status.status = "late";
  EXPECT_EQ(side_.audit->Supervision(bad_status, "", 10, SystemNow()).status().field(), "status");
}

// 督办: answered on or before `due` (a China Standard Time date) is in time.
TEST_F(AuditTrailTest, SupervisionOrdersInTimeLateAndOpen) {
  log_.SubmitAndAccept(kCaseA, ValidIdNumber());
  log_.SubmitAndAccept(kCaseB, ValidIdNumber());
  const std::string case_c = "3301062026020200003";
  log_.SubmitAndAccept(case_c, ValidIdNumber());
  const Actor supervisor = Supervisor();
  const CivilDate due{2026, 2, 10};
  log_.Run(kCaseA, SuperviseCommand{"请加快", due}, LocalTime(2026, 2, 3, 9), supervisor);
  log_.Run(kCaseB, SuperviseCommand{"请说明", due}, LocalTime(2026, 2, 3, 9), supervisor);
  log_.Run(case_c, SuperviseCommand{"请办结", due}, LocalTime(2026, 2, 3, 9), supervisor);
  // Case A answered at 02:00 on the due day (the previous day in UTC): in time. Case B at 07:00
  // the day after (still the due day in UTC): late.
  log_.Run(kCaseA, AnswerSupervisionCommand{"order-3", "已加快"}, LocalTime(2026, 2, 10, 2),
           Officer());
  log_.Run(kCaseB, AnswerSupervisionCommand{"order-3", "已说明"}, LocalTime(2026, 2, 11, 7),
           Officer());
  ASSERT_TRUE(side_.runner->CatchUp().ok()) << side_.runner->status().ToString();

  Result<SupervisionPage> page = side_.audit->Supervision({}, "", 10, LocalTime(2026, 2, 10, 20));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 3u);
  const SupervisionOrder& a = page->items[0];
  EXPECT_EQ(a.case_number, kCaseA);
  EXPECT_EQ(a.order_id, "order-3");
  EXPECT_EQ(a.note, "请加快");
  EXPECT_EQ(a.answer, "已加快");
  EXPECT_EQ(a.department, "330106-GA-HZ");
  EXPECT_EQ(a.ordered_by, "supervisor-01");
  EXPECT_EQ(a.answered_at, LocalTime(2026, 2, 10, 2));
  const Timestamp due_evening = LocalTime(2026, 2, 10, 20);
  EXPECT_EQ(projections::SupervisionStatus(a, due_evening), "answered_in_time");
  EXPECT_EQ(projections::SupervisionStatus(page->items[1], due_evening), "answered_late");
  EXPECT_EQ(projections::SupervisionStatus(page->items[2], due_evening), "open");
  EXPECT_EQ(projections::SupervisionStatus(page->items[2], LocalTime(2026, 2, 11, 0)), "overdue");

  SupervisionFilter late;
  late.status = "answered_late";
  Result<SupervisionPage> late_page = side_.audit->Supervision(late, "", 10, due_evening);
  ASSERT_TRUE(late_page.ok());
  ASSERT_EQ(late_page->items.size(), 1u);
  EXPECT_EQ(late_page->items[0].case_number, kCaseB);
  SupervisionFilter other_division;
  other_division.division_prefix = "3302";
  EXPECT_TRUE(side_.audit->Supervision(other_division, "", 10, due_evening)->items.empty());

  Result<SupervisionPage> first = side_.audit->Supervision({}, "", 2, due_evening);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  Result<SupervisionPage> rest = side_.audit->Supervision({}, first->next_cursor, 2, due_evening);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].case_number, case_c);
  EXPECT_EQ(rest->next_cursor, "");
  const std::string json = projections::WriteSupervisionPageJson(*late_page, due_evening);
  EXPECT_NE(json.find(R"("status":"answered_late","in_time":false)"), std::string::npos) << json;
}

TEST_F(AuditTrailTest, JsonNamesWhoWhenWhatAndMasksForAnalysts) {
  WriteHistory();
  AuditFilter filter;
  filter.type = "CaseSubmitted";
  filter.case_number = kCaseA;
  AuditPage page = Query(filter);
  Result<std::string> clear = projections::WriteAuditPageJson(page, false);
  Result<std::string> masked = projections::WriteAuditPageJson(page, true);
  ASSERT_TRUE(clear.ok() && masked.ok());
  EXPECT_NE(clear->find(ValidIdNumber()), std::string::npos) << *clear;
  EXPECT_EQ(masked->find(ValidIdNumber()), std::string::npos) << *masked;
  EXPECT_NE(masked->find("330106********"), std::string::npos) << *masked;
  for (const char* field :
       {R"("position":3,)", R"("case_number":"3301062026020200001")", R"("type":"CaseSubmitted")",
        R"("actor":"citizen-330106********1234")", R"("role":"citizen")",
        R"("case_department":"330106-GA-HZ")", R"("channel":"online")",
        R"("occurred_at":"2026-02-02T01:00:00.000Z")", R"("recorded_at":")", R"("hash":")",
        R"("prev_hash":")", R"("next_cursor":null)"}) {
    EXPECT_NE(masked->find(field), std::string::npos) << field << " in " << *masked;
  }
  filter.type = "CaseDenied";
  Result<std::string> denied = projections::WriteAuditPageJson(Query(filter), false);
  ASSERT_TRUE(denied.ok());
  EXPECT_NE(denied->find(R"("what":"denied: 不符合条件")"), std::string::npos) << *denied;
}

// A crash between the runner's commit and the audit trail's own leaves the index behind its
// checkpoint: the next batch re-reads the missing positions from the log.
TEST_F(AuditTrailTest, CatchesUpFromTheLogWhenBehindItsCheckpoint) {
  WriteHistory();
  const std::vector<uint64_t> before = Positions(Query({}));
  {
    std::unique_ptr<projections::ReadBatch> lose = side_.read_store->NewBatch();
    ASSERT_TRUE(
        lose->Delete(projections::kAuditFamily, std::string("b") + std::string(8, '\0')).ok());
    ASSERT_TRUE(lose->Put(projections::kAuditFamily, "P", std::string(8, '\0')).ok());
    ASSERT_TRUE(side_.read_store->Commit(lose.get()).ok());
  }
  EXPECT_TRUE(Query({}).items.empty());
  const uint64_t closed =
      log_.Run(kCaseA, CloseCommand{}, LocalTime(2026, 2, 5, 9), ExitEntryOfficer());
  side_.runner.reset();
  side_.audit = std::make_unique<AuditTrail>(side_.read_store.get());
  side_.audit->AttachLog(&log_.store());
  side_.runner = std::move(projections::ProjectionRunner::Create(
                               &log_.store(), side_.read_store.get(), {side_.audit.get()}))
                     .value();
  ASSERT_TRUE(side_.runner->CatchUp().ok()) << side_.runner->status().ToString();
  std::vector<uint64_t> expected = before;
  expected.push_back(closed);
  EXPECT_EQ(Positions(Query({})), expected);
  AuditFilter exit_entry;
  exit_entry.department = kExitEntry;
  EXPECT_EQ(Positions(Query(exit_entry)), (std::vector<uint64_t>{a_review_, a_denied_, closed}));
}

TEST_F(AuditTrailTest, WithoutALogItCannotCatchUpAndSaysSo) {
  WriteHistory();
  {
    std::unique_ptr<projections::ReadBatch> lose = side_.read_store->NewBatch();
    ASSERT_TRUE(lose->Put(projections::kAuditFamily, "P", std::string(8, '\0')).ok());
    ASSERT_TRUE(side_.read_store->Commit(lose.get()).ok());
  }
  log_.Run(kCaseA, CloseCommand{}, LocalTime(2026, 2, 5, 9), ExitEntryOfficer());
  side_.runner.reset();
  side_.audit = std::make_unique<AuditTrail>(side_.read_store.get());
  side_.runner = std::move(projections::ProjectionRunner::Create(
                               &log_.store(), side_.read_store.get(), {side_.audit.get()}))
                     .value();
  Status status = side_.runner->CatchUp();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_EQ(side_.audit->Query({}, "", 10).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace yiwang::test
