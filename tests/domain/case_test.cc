// The Case aggregate: whole lifecycles, role rules, input validation, once-only rules and the
// acceptance deadline of 行政许可法 §32. Every state x command cell is in case_transitions_test.cc.
#include "domain/case.h"

#include <gtest/gtest.h>

#include "domain/case_number.h"
#include "tests/domain/case_fixtures.h"

namespace yiwang {
namespace {

using S = CaseStatus;
using test::CaseLog;
using test::Date;
using test::LocalTime;

std::vector<std::string_view> Types(const std::vector<RecordedCaseEvent>& records) {
  std::vector<std::string_view> types;
  for (const RecordedCaseEvent& record : records) types.push_back(EventTypeName(record.event));
  return types;
}

void ExpectStatus(const Result<std::vector<CaseEvent>>& result, StatusCode code,
                  std::string_view reason, std::string_view field = {}) {
  ASSERT_FALSE(result.ok()) << "expected " << reason;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_EQ(result.status().reason(), reason) << result.status().ToString();
  EXPECT_EQ(result.status().field(), field) << result.status().ToString();
}

TEST(CaseTest, OnlineApplicationApprovedAndDeliveredByExpress) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  EXPECT_EQ(log.state().case_number, "3301062026021000017");
  EXPECT_EQ(log.state().applicant_id_number, test::ValidIdNumber());
  log.Must(AcceptCommand{"SL-1", true}, LocalTime(2026, 3, 2, 10), test::Officer());
  log.Must(StartReviewCommand{}, LocalTime(2026, 3, 3, 9), test::Officer());
  for (const char* step : {"undertake", "audit", "approve"}) {
    log.Must(ReviewStepCommand{step, "同意", ""}, LocalTime(2026, 3, 4, 9), test::Officer());
  }
  log.Must(ApproveCommand{""}, LocalTime(2026, 3, 5, 9), test::Officer());
  log.Must(IssueCommand{"CERT-1", "express", "SF100"}, LocalTime(2026, 3, 5, 10), test::Officer());
  log.Must(DeliverCommand{"签收"}, LocalTime(2026, 3, 6, 9), test::Officer());
  log.Must(CloseCommand{""}, LocalTime(2026, 3, 6, 10), test::Officer());
  log.Must(EvaluateCommand{5, "很好"}, LocalTime(2026, 3, 6, 11), test::Citizen());

  const CaseState& state = log.state();
  EXPECT_EQ(state.status, S::kClosed);
  EXPECT_EQ(state.result_code, kResultApproved);
  EXPECT_EQ(state.version, 11u);
  EXPECT_EQ(state.trips, 0);  // 不见面: online, delivered by express
  EXPECT_EQ(state.review_steps.size(), 3u);
  EXPECT_EQ(state.evaluation_grade, 5);
  EXPECT_TRUE(state.open_rectifications.empty());
  ASSERT_TRUE(state.certificate.has_value());
  EXPECT_EQ(state.certificate->tracking_number, "SF100");
  ASSERT_TRUE(state.acceptance.has_value());
  EXPECT_EQ(state.acceptance->clock_start, LocalTime(2026, 3, 2, 10));
  EXPECT_EQ(state.acceptance->deadline, Date(2026, 3, 16));  // 10 working days after 3-02
  EXPECT_EQ(state.acceptance->legal_deadline, Date(2026, 3, 30));
}

TEST(CaseTest, WindowApplicationWithMaterialsRequestedThenDenied) {
  CaseLog log(test::NormalItem());
  SubmitCommand submit = test::OnlineSubmit(log.item());
  submit.channel = "window";
  log.Must(submit, LocalTime(2026, 3, 2, 9), test::Officer());
  log.Must(RequestMaterialsCommand{{"户口簿"}, "一次性告知"}, LocalTime(2026, 3, 2, 10),
           test::Officer());
  EXPECT_EQ(log.state().supplement_due, Date(2026, 3, 16));
  log.Must(SupplementCommand{{"M02"}}, LocalTime(2026, 3, 4, 9), test::Officer());
  log.Must(AcceptCommand{"SL-2", false}, LocalTime(2026, 3, 4, 10), test::Officer());
  log.Must(DenyCommand{"不符合迁移条件", ""}, LocalTime(2026, 3, 5, 9), test::Officer());
  log.Must(CloseCommand{"不予许可"}, LocalTime(2026, 3, 5, 10), test::Officer());
  EXPECT_EQ(Types(log.records()),
            (std::vector<std::string_view>{"CaseSubmitted", "TripRecorded", "MaterialsRequested",
                                           "MaterialsSupplemented", "TripRecorded", "CaseAccepted",
                                           "CaseDenied", "CaseClosed"}));
  EXPECT_EQ(log.state().trips, 2);
  EXPECT_EQ(log.state().materials, (std::vector<std::string>{"M01", "M02"}));
  EXPECT_EQ(log.state().result_code, kResultDenied);
  const auto& denied = std::get<CaseDenied>(log.records()[6].event);
  EXPECT_EQ(denied.appeal_notice, kDefaultAppealNotice);
}

TEST(CaseTest, NotSuppliedInTimeIsClosedOnlyAfterTheDueDate) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(RequestMaterialsCommand{{"户口簿"}, ""}, LocalTime(2026, 3, 2, 10), test::Officer());
  ExpectStatus(log.Run(CloseCommand{""}, LocalTime(2026, 3, 16, 18), test::Officer()),
               StatusCode::kFailedPrecondition, "supplement_not_due");
  log.Must(CloseCommand{"补正不来办结"}, LocalTime(2026, 3, 17, 0),
           Actor{"system", "system", "", "system", ""});
  EXPECT_EQ(log.state().result_code, kResultNotSupplemented);
}

TEST(CaseTest, MaterialsAreRequestedOnlyOnceAndTheDeadlineExtendedOnlyOnce) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(RequestMaterialsCommand{{"户口簿"}, ""}, LocalTime(2026, 3, 2, 10), test::Officer());
  log.Must(SupplementCommand{{"M02"}}, LocalTime(2026, 3, 3, 9), test::Citizen());
  ExpectStatus(
      log.Run(RequestMaterialsCommand{{"照片"}, ""}, LocalTime(2026, 3, 3, 10), test::Officer()),
      StatusCode::kFailedPrecondition, "materials_already_requested");
  log.Must(AcceptCommand{"SL-3", false}, LocalTime(2026, 3, 3, 11), test::Officer());
  log.Must(ExtendCommand{10, "需要调查"}, LocalTime(2026, 3, 4, 9), test::Officer());
  ExpectStatus(log.Run(ExtendCommand{1, "再延"}, LocalTime(2026, 3, 5, 9), test::Officer()),
               StatusCode::kFailedPrecondition, "extension_already_granted");
  EXPECT_EQ(log.state().extension_working_days, 10);
}

TEST(CaseTest, ClockPausesAreRecordedAndClosedByResumeOrWithdrawal) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-4", false}, LocalTime(2026, 3, 2, 10), test::Officer());
  log.Must(SpecialProcedureCommand{"testing", "检测"}, LocalTime(2026, 3, 3, 9), test::Officer());
  log.Must(ResumeCommand{}, LocalTime(2026, 3, 5, 9), test::Officer());
  log.Must(SuspendCommand{"等待申请人"}, LocalTime(2026, 3, 6, 9), test::Officer());
  log.Must(WithdrawCommand{"不办了"}, LocalTime(2026, 3, 9, 9), test::Citizen());
  log.Must(CloseCommand{""}, LocalTime(2026, 3, 9, 10), test::Officer());
  const CaseState& state = log.state();
  ASSERT_EQ(state.pauses.size(), 2u);
  EXPECT_EQ(state.pauses[0],
            (ClockPause{LocalTime(2026, 3, 3, 9), LocalTime(2026, 3, 5, 9), S::kSpecialProcedure}));
  EXPECT_EQ(state.pauses[1],
            (ClockPause{LocalTime(2026, 3, 6, 9), LocalTime(2026, 3, 9, 9), S::kSuspended}));
  EXPECT_EQ(state.result_code, kResultWithdrawn);
}

TEST(CaseTest, FoldingTheSameEventsGivesTheSameState) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-5", false}, LocalTime(2026, 3, 2, 10), test::Officer());
  log.Must(SuspendCommand{"等待"}, LocalTime(2026, 3, 3, 10), test::Officer());
  CaseState replayed;
  for (const RecordedCaseEvent& record : log.records()) replayed = Evolve(replayed, record);
  EXPECT_EQ(replayed, log.state());
  EXPECT_EQ(replayed.version, 3u);
}

TEST(CaseTest, BadEvaluationOpensARectificationAndTheAnswerClosesIt) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(NotAcceptCommand{"不属于本机关"}, LocalTime(2026, 3, 2, 10), test::Officer());
  log.Must(EvaluateCommand{2, "不满意"}, LocalTime(2026, 3, 2, 11), test::Citizen());
  ASSERT_EQ(log.state().open_rectifications.size(), 1u);
  const auto& [id, due] = *log.state().open_rectifications.begin();
  EXPECT_EQ(id, "rect-3");
  EXPECT_EQ(due, Date(2026, 3, 23));  // 15 working days after 2026-03-02
  ExpectStatus(log.Run(EvaluateCommand{5, ""}, LocalTime(2026, 3, 2, 12), test::Citizen()),
               StatusCode::kFailedPrecondition, "already_evaluated");
  ExpectStatus(log.Run(RectifyCommand{"rect-9", "x"}, LocalTime(2026, 3, 3, 9), test::Officer()),
               StatusCode::kFailedPrecondition, "unknown_rectification");
  log.Must(RectifyCommand{"rect-3", "已约谈整改"}, LocalTime(2026, 3, 3, 9), test::Officer());
  EXPECT_TRUE(log.state().open_rectifications.empty());
}

TEST(CaseTest, SupervisionOrdersOpenAndAreAnswered) {
  CaseLog log(test::NormalItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 2, 9), test::Citizen());
  log.Must(SuperviseCommand{"请加快", Date(2026, 3, 5)}, LocalTime(2026, 3, 2, 10),
           test::Supervisor());
  ASSERT_TRUE(log.state().open_supervision_orders.contains("order-2"));
  ExpectStatus(
      log.Run(AnswerSupervisionCommand{"order-7", "x"}, LocalTime(2026, 3, 2, 11), test::Officer()),
      StatusCode::kFailedPrecondition, "unknown_order");
  ExpectStatus(log.Run(SuperviseCommand{"x", Date(2026, 3, 1)}, LocalTime(2026, 3, 2, 11),
                       test::Supervisor()),
               StatusCode::kInvalidArgument, "invalid_value", "due");
  ExpectStatus(log.Run(SuperviseCommand{"x", Date(2026, 2, 30)}, LocalTime(2026, 3, 2, 11),
                       test::Supervisor()),
               StatusCode::kInvalidArgument, "invalid_value", "due");
  log.Must(AnswerSupervisionCommand{"order-2", "已加快"}, LocalTime(2026, 3, 2, 11),
           test::Officer());
  EXPECT_TRUE(log.state().open_supervision_orders.empty());
}

TEST(CaseTest, RolesAreEnforced) {
  CaseLog log(test::NormalItem());
  const Timestamp now = LocalTime(2026, 3, 2, 9);
  for (const char* role : {"admin", "analyst", "supervisor", "system", ""}) {
    ExpectStatus(log.Run(test::OnlineSubmit(log.item()), now, test::WithRole(role)),
                 StatusCode::kPermissionDenied, "role_not_allowed");
  }
  log.Must(test::OnlineSubmit(log.item()), now, test::Citizen());
  ExpectStatus(log.Run(AcceptCommand{"SL", false}, now, test::Citizen()),
               StatusCode::kPermissionDenied, "role_not_allowed");
  ExpectStatus(log.Run(AcceptCommand{"SL", false}, now, test::Supervisor()),
               StatusCode::kPermissionDenied, "role_not_allowed");
  ExpectStatus(log.Run(SuperviseCommand{"x", Date(2026, 3, 9)}, now, test::Officer()),
               StatusCode::kPermissionDenied, "role_not_allowed");
  ExpectStatus(log.Run(ConsultCommand{"q", "a"}, now, test::Citizen()),
               StatusCode::kPermissionDenied, "role_not_allowed");
  log.Must(NotAcceptCommand{"x"}, now, test::Officer());
  ExpectStatus(log.Run(EvaluateCommand{1, ""}, now, test::Officer()), StatusCode::kPermissionDenied,
               "role_not_allowed");
  // The role is checked before the state: a citizen learns nothing about the state.
  ExpectStatus(log.Run(ApproveCommand{""}, now, test::Citizen()), StatusCode::kPermissionDenied,
               "role_not_allowed");
}

TEST(CaseTest, SubmissionInputIsValidated) {
  CaseLog log(test::NormalItem());
  const Timestamp now = LocalTime(2026, 3, 2, 9);
  auto expect = [&](SubmitCommand command, std::string_view reason, std::string_view field,
                    Actor actor = test::Citizen()) {
    SCOPED_TRACE(field);
    ExpectStatus(log.Run(command, now, actor), StatusCode::kInvalidArgument, reason, field);
  };
  SubmitCommand command = test::OnlineSubmit(log.item());
  command.applicant.id_number = "330106198503071230";  // wrong check character
  if (command.applicant.id_number == test::ValidIdNumber()) command.applicant.id_number[17] = '1';
  expect(command, "invalid_id_number", "applicant.id_number");
  command = test::OnlineSubmit(log.item());
  command.applicant.id_number = "33010620300307123";  // 17 characters
  expect(command, "invalid_id_number", "applicant.id_number");
  command = test::OnlineSubmit(log.item());
  command.service_code = "GA-NOPE";
  expect(command, "unknown_item", "service_code");
  command = test::OnlineSubmit(log.item());
  command.channel = "fax";
  expect(command, "invalid_value", "channel");
  command = test::OnlineSubmit(log.item());
  command.channel = "window";
  expect(command, "channel_not_allowed", "channel");  // a citizen at a window: officer enters it
  command = test::OnlineSubmit(log.item());
  command.applicant.name = "  ";
  expect(command, "missing_value", "applicant.name");
  command = test::OnlineSubmit(log.item());
  command.applicant.phone = "call me";
  expect(command, "invalid_value", "applicant.phone");
  command = test::OnlineSubmit(log.item());
  command.materials = {"M01", "M01"};
  expect(command, "invalid_value", "materials[1]");
  command = test::OnlineSubmit(log.item());
  command.materials = {"M01", "M99"};
  expect(command, "unknown_material", "materials[1]");
  command = test::OnlineSubmit(log.item());
  command.form["note"] = std::string(kFormValueBytesMax + 1, 'x');
  expect(command, "too_long", "form.note");
  command = test::OnlineSubmit(log.item());
  command.applicant.address = "\xe6\x9d";  // truncated UTF-8: the event would be unreadable
  expect(command, "invalid_value", "applicant.address");
  command = test::OnlineSubmit(log.item());
  command.channel = "window";
  Actor officer = test::Officer();
  officer.outlet = std::string(kEventIdBytesMax + 1, 'H');  // goes into TripRecorded
  expect(command, "too_long", "actor.outlet", officer);
  EXPECT_EQ(log.state().version, 0u);
}

TEST(CaseTest, ChannelsTheItemDoesNotOfferAreRefused) {
  CatalogItem item = test::NormalItem();
  item.channels = {"window"};
  CaseLog log(item);
  ExpectStatus(log.Run(test::OnlineSubmit(item), LocalTime(2026, 3, 2, 9), test::Citizen()),
               StatusCode::kInvalidArgument, "channel_not_allowed", "channel");
}

TEST(CaseTest, CommandInputIsValidated) {
  CaseLog log(test::NormalItem());
  const Timestamp now = LocalTime(2026, 3, 2, 9);
  log.Must(test::OnlineSubmit(log.item()), now, test::Citizen());
  auto expect = [&](const CaseCommand& command, std::string_view reason, std::string_view field) {
    SCOPED_TRACE(CommandActionName(command));
    ExpectStatus(log.Run(command, now, test::Officer()), StatusCode::kInvalidArgument, reason,
                 field);
  };
  expect(AcceptCommand{"", false}, "missing_value", "acceptance_number");
  expect(NotAcceptCommand{""}, "missing_value", "reason");
  expect(RequestMaterialsCommand{{}, ""}, "missing_value", "missing");
  expect(RequestMaterialsCommand{{"a", ""}, ""}, "missing_value", "missing[1]");
  expect(RequestMaterialsCommand{std::vector<std::string>(kEventListItemsMax + 1, "x"), ""},
         "too_long", "missing");
  log.Must(AcceptCommand{"SL-6", false}, now, test::Officer());
  expect(ExtendCommand{0, "x"}, "invalid_value", "working_days");
  expect(ExtendCommand{kExtensionWorkingDaysMax + 1, "x"}, "invalid_value", "working_days");
  expect(ExtendCommand{5, ""}, "missing_value", "reason");
  expect(SpecialProcedureCommand{"party", "x"}, "invalid_value", "kind");
  expect(TransferCommand{"", ""}, "missing_value", "department");
  expect(DenyCommand{std::string(kEventTextBytesMax + 1, 'x'), ""}, "too_long", "reason");
  log.Must(StartReviewCommand{}, now, test::Officer());
  expect(ReviewStepCommand{"sign", "ok", ""}, "invalid_value", "step");
  log.Must(ApproveCommand{""}, now, test::Officer());
  expect(IssueCommand{"CERT", "express", ""}, "missing_value", "tracking_number");
  expect(IssueCommand{"CERT", "pickup", "SF1"}, "invalid_value", "tracking_number");
  expect(IssueCommand{"CERT", "drone", ""}, "invalid_value", "delivery");
  expect(IssueCommand{"", "pickup", ""}, "missing_value", "certificate_id");
  ExpectStatus(log.Run(EvaluateCommand{0, ""}, now, test::Citizen()), StatusCode::kInvalidArgument,
               "invalid_value", "grade");
  ExpectStatus(log.Run(EvaluateCommand{6, ""}, now, test::Citizen()), StatusCode::kInvalidArgument,
               "invalid_value", "grade");
}

TEST(CaseTest, MissingContextIsAnErrorNotACrash) {
  CaseLog log(test::NormalItem());
  const Timestamp now = LocalTime(2026, 3, 2, 9);
  log.Must(test::OnlineSubmit(log.item()), now, test::Citizen());
  DecideContext context = log.Context(now, test::Officer());
  context.calendar = nullptr;
  ExpectStatus(Decide(log.state(), AcceptCommand{"SL", false}, context),
               StatusCode::kFailedPrecondition, "context_missing");
  context = log.Context(now, test::Officer());
  context.item = nullptr;
  ExpectStatus(Decide(log.state(), AcceptCommand{"SL", false}, context),
               StatusCode::kFailedPrecondition, "unknown_item");
  context = log.Context(now, test::Citizen());
  context.case_number.clear();
  ExpectStatus(Decide(CaseState{}, test::OnlineSubmit(log.item()), context),
               StatusCode::kFailedPrecondition, "context_missing");
  // A calendar that does not reach the date: kOutOfRange from the calendar, passed on.
  WorkingCalendar empty;
  context = log.Context(now, test::Officer());
  context.calendar = &empty;
  Result<std::vector<CaseEvent>> events = Decide(log.state(), AcceptCommand{"SL", false}, context);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), StatusCode::kOutOfRange);
}

// 行政许可法 §32: without a notice within 5 working days the application counts as accepted
// from its receipt. Submitted Thursday 2026-02-12: the five working days are 02-13, 02-14 (a
// make-up Saturday), then after the Spring Festival 02-24, 02-25, 02-26.
TEST(CaseTest, LateAcceptanceCountsFromTheSubmission) {
  const Timestamp submitted = LocalTime(2026, 2, 12, 9);
  {
    CaseLog log(test::NormalItem());
    log.Must(test::OnlineSubmit(log.item()), submitted, test::Citizen());
    log.Must(AcceptCommand{"SL-7", false}, LocalTime(2026, 2, 26, 17), test::Officer());
    EXPECT_EQ(log.state().acceptance->clock_start, LocalTime(2026, 2, 26, 17));
  }
  {
    CaseLog log(test::NormalItem());
    log.Must(test::OnlineSubmit(log.item()), submitted, test::Citizen());
    log.Must(AcceptCommand{"SL-8", false}, LocalTime(2026, 2, 27, 9), test::Officer());
    EXPECT_EQ(log.state().acceptance->clock_start, submitted);
    // 10 working days after 02-12: 02-13, 02-14, 02-24..02-28 (02-28 a make-up day), 03-02..03-04.
    EXPECT_EQ(log.state().acceptance->deadline, Date(2026, 3, 4));
  }
  {
    // A materials request in time restarts the notice period at the supplement.
    CaseLog log(test::NormalItem());
    log.Must(test::OnlineSubmit(log.item()), submitted, test::Citizen());
    log.Must(RequestMaterialsCommand{{"户口簿"}, ""}, LocalTime(2026, 2, 13, 9), test::Officer());
    log.Must(SupplementCommand{{"M02"}}, LocalTime(2026, 3, 2, 9), test::Citizen());
    log.Must(AcceptCommand{"SL-9", false}, LocalTime(2026, 3, 6, 9), test::Officer());
    EXPECT_EQ(log.state().acceptance->clock_start, LocalTime(2026, 3, 6, 9));
  }
  {
    // A materials request sent too late changes nothing: still counted from the submission.
    CaseLog log(test::NormalItem());
    log.Must(test::OnlineSubmit(log.item()), submitted, test::Citizen());
    log.Must(RequestMaterialsCommand{{"户口簿"}, ""}, LocalTime(2026, 2, 27, 9), test::Officer());
    log.Must(SupplementCommand{{"M02"}}, LocalTime(2026, 3, 2, 9), test::Citizen());
    log.Must(AcceptCommand{"SL-10", false}, LocalTime(2026, 3, 2, 10), test::Officer());
    EXPECT_EQ(log.state().acceptance->clock_start, submitted);
  }
}

TEST(CaseNumberTest, FormatParseAndStreamIds) {
  Result<std::string> number = FormatCaseNumber("330106", Date(2026, 11, 27), 17);
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(*number, "3301062026112700017");
  Result<CaseNumberParts> parts = ParseCaseNumber(*number);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(*parts, (CaseNumberParts{"330106", Date(2026, 11, 27), 17}));
  EXPECT_EQ(CaseStreamId(*number), "case-3301062026112700017");
  EXPECT_EQ(CaseNumberFromStreamId("case-3301062026112700017").value(), *number);
  EXPECT_FALSE(CaseNumberFromStreamId("catalog-GA").ok());
  EXPECT_FALSE(CaseNumberFromStreamId("case-").ok());
  EXPECT_FALSE(FormatCaseNumber("33010", Date(2026, 1, 1), 1).ok());
  EXPECT_FALSE(FormatCaseNumber("33010a", Date(2026, 1, 1), 1).ok());
  EXPECT_FALSE(FormatCaseNumber("330106", Date(2026, 2, 29), 1).ok());
  EXPECT_FALSE(FormatCaseNumber("330106", Date(2026, 1, 1), 0).ok());
  EXPECT_FALSE(FormatCaseNumber("330106", Date(2026, 1, 1), kDailySequenceMax + 1).ok());
  EXPECT_EQ(FormatCaseNumber("330106", Date(2026, 1, 1), kDailySequenceMax).value(),
            "3301062026010199999");
  for (std::string_view bad :
       {"", "330106202611270001", "33010620261127000170", "3301062026133100017",
        "3301062026112700000", "33010620261127O0017"}) {
    EXPECT_FALSE(ParseCaseNumber(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseCaseNumber("x").status().reason(), "invalid_case_number");
  EXPECT_TRUE(IsWellFormedCaseNumber("ZJ-2026-0001"));
  EXPECT_FALSE(IsWellFormedCaseNumber("a/b"));
}

}  // namespace
}  // namespace yiwang
