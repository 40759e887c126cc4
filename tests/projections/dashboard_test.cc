// The dashboard projection: every KPI of DESIGN.md §7 on a small history whose figures are worked
// out by hand below (never from the code), the scopes, the window edges, restart and rebuild.
//
// Calendar (tests/domain/case_fixtures.h): February 2026 starts on a Sunday; Sat 14 Feb is a
// make-up working day; 15–23 Feb are the Spring Festival; Sat 28 Feb is a make-up working day.
// Working days of February: 2-6, 9-14, 24-28.
#include "projections/dashboard.h"

#include <gtest/gtest.h>

#include <cmath>

#include "domain/sla.h"
#include "projections/dashboard_internal.h"
#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using projections::Dashboard;
using projections::DashboardQuery;
using projections::DashboardReport;
using projections::Ratio;

// Items beside the fixture's NormalItem (A: GA-HJ-QY, county, 330106-GA-HZ, online, one window,
// 2 of 5 materials, 10/20 days) and ImmediateItem (B: GA-SFZ-LS, the same but immediate).
CatalogItem CityItem() {  // C: city, window only, not one-window, 1 of 4 materials
  CatalogItem item = NormalItem();
  item.code = "GA-CRJ-HZ";
  item.level = 3;
  item.department = "330100-GA-CRJ";
  item.materials = {{"M01", "护照", true}};
  item.baseline_materials = 4;
  item.promised_days = 5;
  item.channels = {"window"};
  item.one_window = false;
  return item;
}
CatalogItem ProvinceItem() {  // D: province, online, 3 of 3 materials, 15/20 days
  CatalogItem item = NormalItem();
  item.code = "GA-SZ-JZ";
  item.level = 2;
  item.department = "330000-GA-JJ";
  item.materials = {{"M01", "a", true}, {"M02", "b", false}, {"M03", "c", false}};
  item.baseline_materials = 3;
  item.promised_days = 15;
  item.channels = {"window", "online"};
  item.one_window = false;
  return item;
}
CatalogItem RetiredItem() {  // E: published then retired: in no catalog figure
  CatalogItem item = NormalItem();
  item.code = "GA-OLD";
  return item;
}

Actor OfficerOf(const std::string& department) {
  Actor actor = Officer();
  actor.department = department;
  return actor;
}
Actor CitizenOn(const std::string& channel) {
  Actor actor = Citizen();
  actor.channel = channel;
  return actor;
}

std::string Number(int n) {
  std::string digits = std::to_string(n);
  return "33010620260201" + std::string(5 - digits.size(), '0') + digits;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Publish(CityItem());
    log_.Publish(ProvinceItem());
    log_.Publish(RetiredItem());
    NewEvent retire;
    retire.type = std::string(kCatalogItemRetired);
    retire.occurred_at = LocalTime(2026, 1, 6, 9);
    retire.actor = Actor{"admin-1", "admin", "330106-GA", "online", ""};
    retire.data = "{}";
    AppendRequest request;
    request.stream = "catalog-GA-OLD";
    request.events.push_back(std::move(retire));
    ASSERT_TRUE(log_.store().Append(std::move(request)).ok());
  }

  void Submit(int n, const CatalogItem& item, const std::string& channel, Timestamp at,
              const Actor& actor) {
    SubmitCommand submit = OnlineSubmit(item);
    submit.channel = channel;
    submit.materials = {item.materials.front().code};
    log_.Run(Number(n), submit, at, actor);
  }
  void Run(int n, const CaseCommand& command, Timestamp at, const Actor& actor = Officer()) {
    log_.Run(Number(n), command, at, actor);
  }
  uint32_t Version(int n) {
    Result<std::vector<EventEnvelope>> events =
        log_.store().ReadStream("case-" + Number(n), 1, 1000);
    return events.ok() ? static_cast<uint32_t>(events->size()) : 0;
  }
  // Evaluates; a bad grade's rectification id is "rect-<version of the evaluation>".
  std::string Evaluate(int n, int grade, Timestamp at) {
    const std::string rectification = "rect-" + std::to_string(Version(n) + 1);
    Run(n, EvaluateCommand{grade, ""}, at, Citizen());
    return rectification;
  }

  // The history of the file comment of each case; `now` for the lists is 26 Feb 10:00.
  void WriteHistory() {
    const CatalogItem a = NormalItem(), b = ImmediateItem(), c = CityItem(), d = ProvinceItem();
    const Actor crj = OfficerOf("330100-GA-CRJ");
    // 1: A online 2 Feb, accepted 2 Feb, approved 4 Feb (2 working days, deadline 14 Feb),
    //    picked up (1 trip) and closed 5 Feb, graded 5 on 6 Feb.
    Submit(1, a, "online", LocalTime(2026, 2, 2, 9), Citizen());
    Run(1, AcceptCommand{"SL-1", false}, LocalTime(2026, 2, 2, 10));
    Run(1, StartReviewCommand{}, LocalTime(2026, 2, 3, 9));
    Run(1, ApproveCommand{}, LocalTime(2026, 2, 4, 10));
    Run(1, IssueCommand{"C-1", "pickup", ""}, LocalTime(2026, 2, 5, 9));
    Run(1, DeliverCommand{}, LocalTime(2026, 2, 5, 10));
    Run(1, CloseCommand{}, LocalTime(2026, 2, 5, 11));
    Evaluate(1, 5, LocalTime(2026, 2, 6, 9));
    // 2: B (immediate) at the window 3 Feb (1 trip), accepted at a comprehensive window and
    //    approved the same day, delivered by express, closed 4 Feb, graded 2 on 5 Feb (open).
    Submit(2, b, "window", LocalTime(2026, 2, 3, 9), Officer());
    Run(2, AcceptCommand{"SL-2", true}, LocalTime(2026, 2, 3, 9));
    Run(2, ApproveCommand{}, LocalTime(2026, 2, 3, 11));
    Run(2, IssueCommand{"C-2", "express", "SF1"}, LocalTime(2026, 2, 3, 15));
    Run(2, DeliverCommand{}, LocalTime(2026, 2, 4, 10));
    Run(2, CloseCommand{}, LocalTime(2026, 2, 4, 11));
    Evaluate(2, 2, LocalTime(2026, 2, 5, 9));
    // 3: C at the window 2 Feb (1 trip), accepted 2 Feb (not comprehensive), suspended 3 Feb,
    //    resumed 6 Feb (3 paused working days: 4, 5, 6), approved 12 Feb: 8 working days minus
    //    3 = 5; deadline 9 Feb + 3 = 12 Feb: on time. Picked up 13 Feb (2 trips), closed,
    //    graded 1 on 13 Feb, rectified 14 Feb.
    Submit(3, c, "window", LocalTime(2026, 2, 2, 9), crj);
    Run(3, AcceptCommand{"SL-3", false}, LocalTime(2026, 2, 2, 10), crj);
    Run(3, StartReviewCommand{}, LocalTime(2026, 2, 2, 11), crj);
    Run(3, SuspendCommand{"等待"}, LocalTime(2026, 2, 3, 10), crj);
    Run(3, ResumeCommand{}, LocalTime(2026, 2, 6, 10), crj);
    Run(3, ApproveCommand{}, LocalTime(2026, 2, 12, 10), crj);
    Run(3, IssueCommand{"C-3", "pickup", ""}, LocalTime(2026, 2, 13, 9), crj);
    Run(3, DeliverCommand{}, LocalTime(2026, 2, 13, 10), crj);
    Run(3, CloseCommand{}, LocalTime(2026, 2, 13, 11), crj);
    const std::string rectification = Evaluate(3, 1, LocalTime(2026, 2, 13, 12));
    Run(3, RectifyCommand{rectification, "已整改"}, LocalTime(2026, 2, 14, 9), crj);
    // 4: A mobile 4 Feb, accepted 4 Feb (deadline 25 Feb), denied 26 Feb 09:00: 11 working
    //    days (5, 6, 9-14, 24, 25, 26), late. Closed 26 Feb 09:30 with no trip.
    Submit(4, a, "mobile", LocalTime(2026, 2, 4, 9), CitizenOn("mobile"));
    Run(4, AcceptCommand{"SL-4", false}, LocalTime(2026, 2, 4, 10));
    Run(4, StartReviewCommand{}, LocalTime(2026, 2, 4, 11));
    Run(4, DenyCommand{"不符合条件", ""}, LocalTime(2026, 2, 26, 9));
    Run(4, CloseCommand{}, Timestamp{LocalTime(2026, 2, 26, 9).unix_ms + 30 * 60'000});
    // 5: A online 5 Feb, accepted 5 Feb (deadline 26 Feb), extended by 2 (28 Feb): open.
    Submit(5, a, "online", LocalTime(2026, 2, 5, 9), Citizen());
    Run(5, AcceptCommand{"SL-5", false}, LocalTime(2026, 2, 5, 10));
    Run(5, StartReviewCommand{}, LocalTime(2026, 2, 5, 11));
    Run(5, ExtendCommand{2, "复杂"}, LocalTime(2026, 2, 6, 9));
    // 6: D online 2 Feb, accepted by 330000-GA-JJ 2 Feb (deadline 15 working days: 28 Feb).
    Submit(6, d, "online", LocalTime(2026, 2, 2, 9), Citizen());
    Run(6, AcceptCommand{"SL-6", false}, LocalTime(2026, 2, 2, 10), OfficerOf("330000-GA-JJ"));
    Run(6, StartReviewCommand{}, LocalTime(2026, 2, 2, 11), OfficerOf("330000-GA-JJ"));
    // 7: A online 2 Feb, accepted 2 Feb (deadline 14 Feb): open, overdue on 26 Feb.
    Submit(7, a, "online", LocalTime(2026, 2, 2, 9), Citizen());
    Run(7, AcceptCommand{"SL-7", false}, LocalTime(2026, 2, 2, 10));
    Run(7, StartReviewCommand{}, LocalTime(2026, 2, 2, 11));
    // 8: A online 24 Feb, accepted 24 Feb, suspended 25 Feb: paused, no warning.
    Submit(8, a, "online", LocalTime(2026, 2, 24, 9), Citizen());
    Run(8, AcceptCommand{"SL-8", false}, LocalTime(2026, 2, 24, 10));
    Run(8, SuspendCommand{"等待"}, LocalTime(2026, 2, 25, 10));
    // 9: A online 3 Feb, withdrawn 3 Feb, closed 4 Feb: closed with no trip.
    Submit(9, a, "online", LocalTime(2026, 2, 3, 9), Citizen());
    Run(9, WithdrawCommand{"不办了"}, LocalTime(2026, 2, 3, 10), Citizen());
    Run(9, CloseCommand{}, LocalTime(2026, 2, 4, 9));
    // 10: C at the window 5 Feb (1 trip), not accepted 5 Feb, closed 6 Feb.
    Submit(10, c, "window", LocalTime(2026, 2, 5, 9), crj);
    Run(10, NotAcceptCommand{"不属于本机关"}, LocalTime(2026, 2, 5, 10), crj);
    Run(10, CloseCommand{}, LocalTime(2026, 2, 6, 9), crj);
    // 11: A online 20 Jan, accepted 20 Jan, approved 22 Jan: outside a February window.
    Submit(11, a, "online", LocalTime(2026, 1, 20, 9), Citizen());
    Run(11, AcceptCommand{"SL-11", false}, LocalTime(2026, 1, 20, 10));
    Run(11, StartReviewCommand{}, LocalTime(2026, 1, 20, 11));
    Run(11, ApproveCommand{}, LocalTime(2026, 1, 22, 10));
  }

  std::unique_ptr<projections::ReadStore> OpenReadStore(const std::string& name) {
    projections::ReadStoreOptions options;
    options.path = log_.Path(name);
    options.families = {std::string(projections::kDashboardFamily)};
    Result<std::unique_ptr<projections::ReadStore>> store = projections::ReadStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Applies the whole log to `dashboard` over `store` (one runner, caught up, stopped).
  void CatchUp(projections::ReadStore* store, Dashboard* dashboard) {
    Result<std::unique_ptr<projections::ProjectionRunner>> runner =
        projections::ProjectionRunner::Create(&log_.store(), store, {dashboard});
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    Status status = (*runner)->CatchUp();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  DashboardQuery February() const {
    DashboardQuery query;
    query.from_ms = StartOfLocalDay(Date(2026, 2, 1)).unix_ms;
    query.to_ms = StartOfLocalDay(Date(2026, 3, 1)).unix_ms;
    query.now = LocalTime(2026, 2, 26, 10);
    return query;
  }

  DashboardReport Query(const Dashboard& dashboard, const DashboardQuery& query) {
    Result<DashboardReport> report = dashboard.Query(query);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(report).value() : DashboardReport{};
  }

  CaseLogStore log_;
};

// The handling days of the decided cases, sorted (the report keeps a histogram).
std::vector<int> HandlingDays(const DashboardReport& report) {
  std::vector<int> days;
  for (size_t value = 0; value < report.handling_days.size(); ++value) {
    days.insert(days.end(), static_cast<size_t>(report.handling_days[value]),
                static_cast<int>(value));
  }
  return days;
}

int64_t CountOf(const DashboardReport& report, CaseStatus status) {
  return report.counts_by_state[static_cast<size_t>(status)];
}

TEST_F(DashboardTest, EveryKpiOfAHandComputedFebruary) {
  WriteHistory();
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);
  const DashboardReport report = Query(dashboard, February());

  // Submitted in February: cases 1-10 (11 was submitted in January).
  EXPECT_EQ(report.submitted, 10);
  // Now: Closed 1, 2, 3, 4, 9, 10; UnderReview 5, 6, 7; Suspended 8.
  EXPECT_EQ(CountOf(report, CaseStatus::kClosed), 6);
  EXPECT_EQ(CountOf(report, CaseStatus::kUnderReview), 3);
  EXPECT_EQ(CountOf(report, CaseStatus::kSuspended), 1);
  EXPECT_EQ(CountOf(report, CaseStatus::kSubmitted), 0);
  // Online or mobile: 1, 4, 5, 6, 7, 8, 9 of 10.
  EXPECT_EQ(report.online, (Ratio{7, 10}));
  // Catalog now (E retired): province D online 1/1, city C not online 0/1, county A, B 2/2.
  EXPECT_EQ(report.online_capable[0], (Ratio{1, 1}));
  EXPECT_EQ(report.online_capable[1], (Ratio{0, 1}));
  EXPECT_EQ(report.online_capable[2], (Ratio{2, 2}));
  EXPECT_EQ(report.online_capable_all, (Ratio{3, 4}));
  // One-window items A, B of A-D; window cases accepted in February: 2 (comprehensive), 3.
  EXPECT_EQ(report.one_window_items, (Ratio{2, 4}));
  EXPECT_EQ(report.one_window_cases, (Ratio{1, 2}));
  // Decided in February: 1 (Feb 4), 2 (Feb 3, same day), 3 (Feb 12), 4 (Feb 26, late).
  EXPECT_EQ(report.immediate, (Ratio{1, 4}));
  EXPECT_EQ(report.on_time, (Ratio{3, 4}));
  // Handling working days: 2 → 2, 1 → 2, 3 → 5, 4 → 11.
  EXPECT_EQ(HandlingDays(report), (std::vector<int>{0, 2, 5, 11}));
  // Materials: A and B cases (1, 2, 4, 5, 7, 8, 9) 1 - 2/5 = 0.6; C (3, 10) 1 - 1/4 = 0.75;
  // D (6) 1 - 3/3 = 0: (7 × 0.6 + 2 × 0.75 + 0) / 10 = 0.57.
  EXPECT_EQ(report.materials_reduction_cases, 10);
  EXPECT_NEAR(report.materials_reduction_sum / 10, 0.57, 1e-12);
  // Closed in February: 1 (1 trip), 2 (1), 3 (2), 4 (0), 9 (0), 10 (1).
  EXPECT_EQ(report.zero_trip, (Ratio{2, 6}));
  EXPECT_EQ(report.at_most_one_trip, (Ratio{5, 6}));
  // Evaluated in February: 1 → 5, 2 → 2 (open), 3 → 1 (rectified).
  EXPECT_EQ(report.grades, (std::array<int64_t, 6>{0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(report.evaluated, 3);
  EXPECT_EQ(report.bad_grades, 2);
  EXPECT_EQ(report.open_rectifications, 1);
  // On 26 Feb: 7 is 3 working days past 14 Feb (24, 25, 26); 5 (28 Feb, 2 left, yellow at
  // ≤ max(1, 20% of 10) = 2) and 6 (28 Feb, 2 left, yellow at ≤ 3); 8 is paused.
  ASSERT_EQ(report.overdue.size(), 1u);
  EXPECT_EQ(report.overdue[0].case_number, Number(7));
  EXPECT_EQ(report.overdue[0].working_days, 3);
  EXPECT_EQ(report.overdue[0].deadline, Date(2026, 2, 14));
  EXPECT_EQ(report.overdue[0].department, "330106-GA-HZ");
  EXPECT_EQ(report.overdue[0].service_code, "GA-HJ-QY");
  EXPECT_FALSE(report.overdue[0].legal_overdue);
  ASSERT_EQ(report.warning.size(), 2u);
  EXPECT_EQ(report.warning[0].case_number, Number(5));
  EXPECT_EQ(report.warning[1].case_number, Number(6));
  EXPECT_EQ(report.warning[1].department, "330000-GA-JJ");
  for (const auto& entry : report.warning) {
    EXPECT_EQ(entry.working_days, 2);
    EXPECT_EQ(entry.deadline, Date(2026, 2, 28));
  }
  EXPECT_EQ(report.overdue_total, 1);
  EXPECT_EQ(report.warning_total, 2);
  EXPECT_EQ(report.decisions_uncomputed, 0);
  EXPECT_EQ(report.sla_uncomputed, 0);
}

TEST_F(DashboardTest, JsonHasTheFieldNamesOfDesignSection8) {
  WriteHistory();
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);
  const DashboardQuery query = February();
  const std::string json = projections::WriteDashboardJson(query, Query(dashboard, query));
  for (const char* needle :
       {"\"scope\":{", "\"counts_by_state\":{", "\"kpis\":{\"online_rate\":0.7,",
        "\"online_capable_rate\":{\"province\":1,\"city\":0,\"county\":1,\"all\":0.75}",
        "\"one_window_rate\":{\"items\":0.5,\"cases\":0.5}", "\"immediate_rate\":0.25",
        "\"materials_reduction\":0.57", "\"zero_trip_rate\":0.3333333333333333",
        "\"at_most_one_trip_rate\":0.8333333333333334", "\"on_time_rate\":0.75",
        "\"handling_days\":{\"mean\":4.5,\"p50\":2,\"p90\":11,\"count\":4}",
        "\"satisfaction\":{\"1\":1,\"2\":1,\"3\":0,\"4\":0,\"5\":1,\"evaluated\":3,"
        "\"bad_share\":0.6666666666666666,\"open_rectifications\":1}",
        "\"overdue\":[{\"case_number\":\"3301062026020100007\",\"service_code\":\"GA-HJ-QY\"",
        "\"deadline\":\"2026-02-14\",\"days_over\":3,\"legal_overdue\":false}]", "\"days_left\":2",
        "\"Closed\":6", "\"from\":\"2026-01-31T16:00:00.000Z\""}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << "\n" << json;
  }
}

TEST_F(DashboardTest, ScopesNarrowEveryFigure) {
  WriteHistory();
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);

  DashboardQuery county = February();
  county.level = 4;  // A and B: cases 1, 2, 4, 5, 7, 8, 9; online all but 2
  DashboardReport report = Query(dashboard, county);
  EXPECT_EQ(report.online, (Ratio{6, 7}));
  EXPECT_EQ(report.online_capable_all, (Ratio{2, 2}));
  EXPECT_EQ(report.online_capable[0], (Ratio{0, 0}));
  EXPECT_EQ(report.overdue.size(), 1u);
  EXPECT_EQ(report.warning.size(), 1u);  // 6 is a province case

  DashboardQuery division = February();
  division.division = "3301";  // every department but 330000-GA-JJ: all cases but 6
  report = Query(dashboard, division);
  EXPECT_EQ(report.online, (Ratio{6, 9}));
  EXPECT_EQ(report.online_capable_all, (Ratio{2, 3}));  // A, B, C

  DashboardQuery department = February();
  department.department = "330100-GA-CRJ";  // cases 3 and 10
  report = Query(dashboard, department);
  EXPECT_EQ(report.submitted, 2);
  EXPECT_EQ(report.online, (Ratio{0, 2}));
  EXPECT_EQ(HandlingDays(report), (std::vector<int>{5}));
  EXPECT_EQ(report.online_capable_all, (Ratio{0, 1}));

  DashboardQuery item = February();
  item.item = "GA-SFZ-LS";  // case 2
  report = Query(dashboard, item);
  EXPECT_EQ(report.submitted, 1);
  EXPECT_EQ(report.immediate, (Ratio{1, 1}));
  EXPECT_EQ(report.bad_grades, 1);

  DashboardQuery window = February();
  window.channel = "window";  // cases 2, 3, 10: trips 1, 2, 1
  report = Query(dashboard, window);
  EXPECT_EQ(report.submitted, 3);
  EXPECT_EQ(report.zero_trip, (Ratio{0, 3}));
  EXPECT_EQ(report.at_most_one_trip, (Ratio{2, 3}));
  EXPECT_EQ(report.online_capable_all, (Ratio{3, 4}));  // the catalog ignores the channel

  DashboardQuery unknown = February();
  unknown.item = "GA-NONE";
  report = Query(dashboard, unknown);
  EXPECT_EQ(report.submitted, 0);
  EXPECT_EQ(report.online, (Ratio{0, 0}));
  EXPECT_TRUE(report.overdue.empty());
}

TEST_F(DashboardTest, WindowEdgesAndTheChinaStandardTimeDay) {
  // Submitted at 00:00 CST on 3 Feb (16:00 UTC on 2 Feb) and at 23:59:59.999 CST on 3 Feb.
  Submit(1, NormalItem(), "online", StartOfLocalDay(Date(2026, 2, 3)), Citizen());
  Submit(2, NormalItem(), "online", Timestamp{StartOfLocalDay(Date(2026, 2, 4)).unix_ms - 1},
         Citizen());
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);
  const auto submitted = [&](std::string_view from, std::string_view to) {
    DashboardQuery query;
    Result<int64_t> from_ms = projections::ParseWindowBound(from, false, "from");
    Result<int64_t> to_ms = projections::ParseWindowBound(to, true, "to");
    EXPECT_TRUE(from_ms.ok() && to_ms.ok()) << from << " " << to;
    query.from_ms = *from_ms;
    query.to_ms = *to_ms;
    return Query(dashboard, query).submitted;
  };
  EXPECT_EQ(submitted("2026-02-03", "2026-02-03"), 2);  // the whole CST day
  EXPECT_EQ(submitted("2026-02-02", "2026-02-02"), 0);  // the UTC day of case 1 is not it
  EXPECT_EQ(submitted("2026-02-04", "2026-02-04"), 0);
  // Timestamps: from inclusive, to exclusive.
  EXPECT_EQ(submitted("2026-02-02T16:00:00Z", "2026-02-02T16:00:00.001Z"), 1);
  EXPECT_EQ(submitted("2026-02-02T16:00:00.001Z", "2026-02-03T15:59:59.999Z"), 0);
  EXPECT_EQ(submitted("2026-02-02T16:00:00.001Z", "2026-02-03T16:00:00Z"), 1);

  for (std::string_view bad : {"2026-02-30", "2026/02/03", "yesterday", "2026-02-03T25:00:00Z", "",
                               "2026-02-03T10:00:00+08:00"}) {
    Result<int64_t> bound = projections::ParseWindowBound(bad, false, "from");
    ASSERT_FALSE(bound.ok()) << bad;
    EXPECT_EQ(bound.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bound.status().field(), "from");
  }
  DashboardQuery backwards;
  backwards.from_ms = 10;
  backwards.to_ms = 10;
  EXPECT_EQ(dashboard.Query(backwards).status().code(), StatusCode::kInvalidArgument);
  DashboardQuery too_long;
  too_long.list_items_max = projections::kDashboardListItemsMax + 1;
  EXPECT_EQ(dashboard.Query(too_long).status().code(), StatusCode::kInvalidArgument);
  too_long.list_items_max = 0;
  EXPECT_EQ(dashboard.Query(too_long).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DashboardTest, ListsAreBoundedAndMostUrgentFirst) {
  // Accepted 2 Feb (deadline 14 Feb), 3 Feb (24 Feb) and 4 Feb (25 Feb): on 26 Feb they are
  // 3, 2 and 1 working days over.
  for (int n = 1; n <= 3; ++n) {
    Submit(n, NormalItem(), "online", LocalTime(2026, 2, 1 + n, 9), Citizen());
    Run(n, AcceptCommand{"SL", false}, LocalTime(2026, 2, 1 + n, 10));
  }
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);
  DashboardQuery query;
  query.now = LocalTime(2026, 2, 26, 10);
  query.list_items_max = 2;
  const DashboardReport report = Query(dashboard, query);
  EXPECT_EQ(report.overdue_total, 3);
  ASSERT_EQ(report.overdue.size(), 2u);
  EXPECT_EQ(report.overdue[0].case_number, Number(1));
  EXPECT_EQ(report.overdue[0].working_days, 3);
  EXPECT_EQ(report.overdue[1].case_number, Number(2));
  EXPECT_EQ(report.overdue[1].working_days, 2);
}

TEST_F(DashboardTest, OpenCaseListsAgreeWithTheProgressSlaClock) {
  WriteHistory();
  ReadSide read_side(&log_, log_.Path("progress"));
  ASSERT_TRUE(read_side.runner->CatchUp().ok());
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  CatchUp(store.get(), &dashboard);
  // For every day of February and March, each open case is listed exactly when progress warns.
  for (int day = 0; day < 40; ++day) {
    const Timestamp now{LocalTime(2026, 2, 1, 10).unix_ms + day * kMillisPerDay};
    DashboardQuery query;
    query.now = now;
    const DashboardReport report = Query(dashboard, query);
    for (int n = 1; n <= 11; ++n) {
      Result<projections::ProgressView> view = read_side.progress->Get(Number(n), now);
      ASSERT_TRUE(view.ok());
      int listed = 0;
      for (const auto& entry : report.overdue) {
        if (entry.case_number != Number(n)) continue;
        ++listed;
        EXPECT_EQ(view->sla.warning, SlaWarning::kRed);
        EXPECT_EQ(entry.working_days, -view->sla.working_days_left);
        EXPECT_EQ(entry.deadline, *view->sla.deadline);
      }
      for (const auto& entry : report.warning) {
        if (entry.case_number != Number(n)) continue;
        ++listed;
        EXPECT_EQ(view->sla.warning, SlaWarning::kYellow);
        EXPECT_EQ(entry.working_days, view->sla.working_days_left);
      }
      EXPECT_EQ(listed, view->sla.warning == SlaWarning::kNone ? 0 : 1) << n << " day " << day;
    }
  }
}

TEST_F(DashboardTest, RestartLoadsTheStoredRowsAndRebuildAgrees) {
  WriteHistory();
  const DashboardQuery query = February();
  std::string live;
  {
    auto store = OpenReadStore("read");
    Dashboard dashboard(store.get(), &log_.calendar());
    CatchUp(store.get(), &dashboard);
    live = projections::WriteDashboardJson(query, Query(dashboard, query));
  }
  auto store = OpenReadStore("read");
  Dashboard reopened(store.get(), &log_.calendar());
  EXPECT_EQ(projections::WriteDashboardJson(query, Query(reopened, query)), live);
  EXPECT_EQ(reopened.case_count(), 11u);

  ASSERT_TRUE(projections::ProjectionRunner::Rebuild(store.get(), &reopened).ok());
  EXPECT_EQ(reopened.case_count(), 0u);
  CatchUp(store.get(), &reopened);
  EXPECT_EQ(projections::WriteDashboardJson(query, Query(reopened, query)), live);
}

TEST_F(DashboardTest, LiveBatchesCountEachEventOnce) {
  auto store = OpenReadStore("read");
  Dashboard dashboard(store.get(), &log_.calendar());
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(&log_.store(), store.get(), {&dashboard});
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->Start().ok());
  WriteHistory();
  ASSERT_TRUE((*runner)->WaitForPosition(log_.store().HeadPosition(), std::chrono::seconds(10)));
  (*runner)->Stop();
  auto fresh_store = OpenReadStore("fresh");
  Dashboard fresh(fresh_store.get(), &log_.calendar());
  CatchUp(fresh_store.get(), &fresh);
  const DashboardQuery query = February();
  EXPECT_EQ(projections::WriteDashboardJson(query, Query(dashboard, query)),
            projections::WriteDashboardJson(query, Query(fresh, query)));
}

}  // namespace
}  // namespace yiwang::test
