// Every command from every state: the lifecycle table of DESIGN.md §4, cell by cell.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "domain/case.h"
#include "tests/domain/case_fixtures.h"

namespace yiwang {
namespace {

using S = CaseStatus;
using test::CaseLog;
using test::LocalTime;

constexpr S kAllStates[] = {
    S::kNone,        S::kSubmitted,        S::kMaterialsRequested, S::kAccepted,  S::kTransferred,
    S::kUnderReview, S::kSpecialProcedure, S::kSuspended,          S::kApproved,  S::kDenied,
    S::kNotAccepted, S::kIssued,           S::kDelivered,          S::kWithdrawn, S::kClosed};

// Brings a fresh case to `target` through the commands a real case would see.
void BuildCase(S target, CaseLog* log) {
  int64_t hour = 0;
  auto next = [&hour] { return Timestamp{LocalTime(2026, 3, 3, 9).unix_ms + 3'600'000 * hour++}; };
  if (target == S::kNone) return;
  log->Must(test::OnlineSubmit(log->item()), next(), test::Citizen());
  switch (target) {
    case S::kSubmitted:
      return;
    case S::kMaterialsRequested:
      return log->Must(RequestMaterialsCommand{{"户口簿"}, ""}, next(), test::Officer());
    case S::kNotAccepted:
      return log->Must(NotAcceptCommand{"不符合受理条件"}, next(), test::Officer());
    case S::kWithdrawn:
      return log->Must(WithdrawCommand{"不办了"}, next(), test::Citizen());
    default:
      break;
  }
  log->Must(AcceptCommand{"SL-0001", true}, next(), test::Officer());
  if (target == S::kAccepted) return;
  if (target == S::kTransferred) {
    return log->Must(TransferCommand{"330100-GA-CRJ", ""}, next(), test::Officer());
  }
  log->Must(StartReviewCommand{}, next(), test::Officer());
  switch (target) {
    case S::kUnderReview:
      return;
    case S::kSpecialProcedure:
      return log->Must(SpecialProcedureCommand{"inspection", "实地核查"}, next(), test::Officer());
    case S::kSuspended:
      return log->Must(SuspendCommand{"等待说明"}, next(), test::Officer());
    case S::kDenied:
    case S::kClosed:
      log->Must(DenyCommand{"不符合条件", ""}, next(), test::Officer());
      if (target == S::kClosed) log->Must(CloseCommand{""}, next(), test::Officer());
      return;
    default:
      break;
  }
  log->Must(ApproveCommand{""}, next(), test::Officer());
  if (target == S::kApproved) return;
  log->Must(IssueCommand{"CERT-1", "pickup", ""}, next(), test::Officer());
  if (target == S::kIssued) return;
  log->Must(DeliverCommand{""}, next(), test::Officer());
}

struct Attempt {
  CaseCommand command;
  Actor actor;
};

// A valid command of each action, run by a role that may run it.
std::vector<Attempt> AllAttempts(const CatalogItem& item) {
  return {
      {test::OnlineSubmit(item), test::Citizen()},
      {AcceptCommand{"SL-0002", false}, test::Officer()},
      {NotAcceptCommand{"材料不齐"}, test::Officer()},
      {RequestMaterialsCommand{{"户口簿"}, "请补充"}, test::Officer()},
      {SupplementCommand{{"M02"}}, test::Citizen()},
      {TransferCommand{"330100-GA-CRJ", "市局审批"}, test::Officer()},
      {StartReviewCommand{}, test::Officer()},
      {ReviewStepCommand{"undertake", "同意", ""}, test::Officer()},
      {SpecialProcedureCommand{"hearing", "听证"}, test::Officer()},
      {SuspendCommand{"等待申请人"}, test::Officer()},
      {ResumeCommand{}, test::Officer()},
      {ExtendCommand{5, "情况复杂"}, test::Officer()},
      {ApproveCommand{"准予"}, test::Officer()},
      {DenyCommand{"不符合条件", ""}, test::Officer()},
      {IssueCommand{"CERT-9", "express", "SF1234567890"}, test::Officer()},
      {DeliverCommand{"已签收"}, test::Officer()},
      {WithdrawCommand{"不办了"}, test::Citizen()},
      {CloseCommand{""}, test::Officer()},
      {SuperviseCommand{"请加快", test::Date(2026, 5, 6)}, test::Supervisor()},
      {AnswerSupervisionCommand{"order-pre", "已加快"}, test::Officer()},
      {EvaluateCommand{4, "满意"}, test::Citizen()},
      {RectifyCommand{"rect-pre", "已整改"}, test::Officer()},
      {RecordTripCommand{"330106-HALL-01", "咨询"}, test::Officer()},
      {ConsultCommand{"要带什么材料?", "身份证和户口簿"}, test::Officer()},
  };
}

struct Rule {
  std::set<S> from;
  std::optional<S> to;  // empty: the state stays
  std::string_view event_type;
};

const std::set<S> kExisting = {
    S::kSubmitted,        S::kMaterialsRequested, S::kAccepted,  S::kTransferred, S::kUnderReview,
    S::kSpecialProcedure, S::kSuspended,          S::kApproved,  S::kDenied,      S::kNotAccepted,
    S::kIssued,           S::kDelivered,          S::kWithdrawn, S::kClosed};
std::set<S> ExistingBut(S excluded) {
  std::set<S> states = kExisting;
  states.erase(excluded);
  return states;
}

// DESIGN.md §4, written out independently of the implementation.
const std::map<std::string_view, Rule>& Rules() {
  static const auto* rules = new std::map<std::string_view, Rule>{
      {"submit", {{S::kNone}, S::kSubmitted, "CaseSubmitted"}},
      {"accept", {{S::kSubmitted}, S::kAccepted, "CaseAccepted"}},
      {"not-accept", {{S::kSubmitted}, S::kNotAccepted, "CaseNotAccepted"}},
      {"request-materials", {{S::kSubmitted}, S::kMaterialsRequested, "MaterialsRequested"}},
      {"supplement", {{S::kMaterialsRequested}, S::kSubmitted, "MaterialsSupplemented"}},
      {"transfer", {{S::kAccepted, S::kUnderReview}, S::kTransferred, "CaseTransferred"}},
      {"start-review", {{S::kAccepted, S::kTransferred}, S::kUnderReview, "ReviewStarted"}},
      {"review-step", {{S::kUnderReview}, std::nullopt, "ReviewStepCompleted"}},
      {"special-procedure",
       {{S::kAccepted, S::kUnderReview}, S::kSpecialProcedure, "SpecialProcedureStarted"}},
      {"suspend", {{S::kAccepted, S::kUnderReview}, S::kSuspended, "CaseSuspended"}},
      {"resume", {{S::kSuspended, S::kSpecialProcedure}, S::kUnderReview, "CaseResumed"}},
      {"extend",
       {{S::kAccepted, S::kTransferred, S::kUnderReview}, std::nullopt, "DeadlineExtended"}},
      // From Accepted only for immediate items; NormalItem() is not one.
      {"approve", {{S::kUnderReview}, S::kApproved, "CaseApproved"}},
      {"deny", {{S::kAccepted, S::kUnderReview}, S::kDenied, "CaseDenied"}},
      {"issue", {{S::kApproved}, S::kIssued, "CertificateIssued"}},
      {"deliver", {{S::kIssued}, S::kDelivered, "CaseDelivered"}},
      {"withdraw",
       {{S::kSubmitted, S::kMaterialsRequested, S::kAccepted, S::kSuspended},
        S::kWithdrawn,
        "CaseWithdrawn"}},
      {"close",
       {{S::kDenied, S::kNotAccepted, S::kDelivered, S::kWithdrawn, S::kMaterialsRequested},
        S::kClosed,
        "CaseClosed"}},
      {"supervise", {ExistingBut(S::kClosed), std::nullopt, "SupervisionOrdered"}},
      {"answer-supervision", {kExisting, std::nullopt, "SupervisionAnswered"}},
      {"evaluate",
       {{S::kApproved, S::kDenied, S::kNotAccepted, S::kIssued, S::kDelivered, S::kWithdrawn,
         S::kClosed},
        std::nullopt,
        "Evaluated"}},
      {"rectify", {kExisting, std::nullopt, "RectificationRecorded"}},
      {"record-trip", {ExistingBut(S::kClosed), std::nullopt, "TripRecorded"}},
      {"consult", {kExisting, std::nullopt, "Consulted"}},
  };
  return *rules;
}

// Facts that refer to an earlier fact need it folded in first.
void Prepare(const CaseCommand& command, CaseLog* log) {
  const Timestamp at = LocalTime(2026, 3, 20, 9);
  if (std::holds_alternative<AnswerSupervisionCommand>(command)) {
    log->Fold(SupervisionOrdered{"order-pre", "请加快", test::Date(2026, 4, 30)}, at,
              test::Supervisor());
  }
  if (std::holds_alternative<RectifyCommand>(command)) {
    log->Fold(Evaluated{1, "太慢", "rect-pre", test::Date(2026, 4, 30)}, at, test::Citizen());
  }
}

TEST(CaseTransitionsTest, EveryCommandFromEveryState) {
  const CatalogItem item = test::NormalItem();
  // Late enough that the supplement period (10 working days from 2026-03-03) is over.
  const Timestamp now = LocalTime(2026, 4, 1, 10);
  ASSERT_EQ(Rules().size(), std::variant_size_v<CaseCommand>);
  int allowed_count = 0;
  for (S from : kAllStates) {
    for (const Attempt& attempt : AllAttempts(item)) {
      const std::string_view action = CommandActionName(attempt.command);
      SCOPED_TRACE(std::string(CaseStatusName(from)) + " / " + std::string(action));
      CaseLog log(item);
      BuildCase(from, &log);
      ASSERT_EQ(log.state().status, from);
      Prepare(attempt.command, &log);
      const CaseState before = log.state();
      Result<std::vector<CaseEvent>> events = log.Run(attempt.command, now, attempt.actor);
      const Rule& rule = Rules().at(action);
      if (rule.from.contains(from)) {
        ++allowed_count;
        ASSERT_TRUE(events.ok()) << events.status().ToString();
        ASSERT_FALSE(events->empty());
        EXPECT_EQ(EventTypeName(events->front()), rule.event_type);
        EXPECT_EQ(log.state().status, rule.to.value_or(from));
        EXPECT_EQ(log.state().version, before.version + events->size());
      } else {
        ASSERT_FALSE(events.ok());
        EXPECT_EQ(events.status().code(), StatusCode::kFailedPrecondition);
        EXPECT_EQ(events.status().reason(), "illegal_transition") << events.status().ToString();
        EXPECT_NE(events.status().message().find(CaseStatusName(from)), std::string::npos);
        EXPECT_NE(events.status().message().find(action), std::string::npos);
        EXPECT_EQ(log.state(), before);
      }
    }
  }
  // 33 lifecycle cells (submit, review-step and extend included) and 75 recorded-fact cells.
  EXPECT_EQ(allowed_count, 108);
}

TEST(CaseTransitionsTest, ImmediateItemsAreApprovedStraightFromAccepted) {
  CaseLog log(test::ImmediateItem());
  log.Must(test::OnlineSubmit(log.item()), LocalTime(2026, 3, 3, 9), test::Citizen());
  log.Must(AcceptCommand{"SL-0003", true}, LocalTime(2026, 3, 3, 10), test::Officer());
  log.Must(ApproveCommand{"即办"}, LocalTime(2026, 3, 3, 11), test::Officer());
  EXPECT_EQ(log.state().status, S::kApproved);
}

TEST(CaseTransitionsTest, StatusNamesRoundTrip) {
  for (S status : kAllStates) {
    EXPECT_EQ(ParseCaseStatus(CaseStatusName(status)), status);
  }
  EXPECT_FALSE(ParseCaseStatus("Pending").has_value());
}

}  // namespace
}  // namespace yiwang
