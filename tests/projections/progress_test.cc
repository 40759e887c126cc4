#include "projections/progress.h"

#include <gtest/gtest.h>

#include "projections/internal/binary_codec.h"
#include "projections/progress_record.h"
#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using projections::ProgressView;

constexpr char kCase[] = "3301062026020200001";

class ProgressTest : public ::testing::Test {
 protected:
  ProgressTest() : read_(&log_, log_.Path("read")) {}

  ProgressView Get(Timestamp now) {
    EXPECT_TRUE(read_.runner->CatchUp().ok()) << read_.runner->status().ToString();
    Result<ProgressView> view = read_.progress->Get(kCase, now);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? std::move(view).value() : ProgressView{};
  }

  void SubmitWithMaterialsRequest() {
    log_.Run(kCase, OnlineSubmit(NormalItem()), LocalTime(2026, 2, 2, 9), Citizen());
    log_.Run(kCase, RequestMaterialsCommand{{"M02"}, "请补交户口簿"}, LocalTime(2026, 2, 2, 10),
             Officer());
  }

  CaseLogStore log_;
  ReadSide read_;
};

TEST_F(ProgressTest, SubmittedCaseWaitsForAcceptance) {
  log_.Run(kCase, OnlineSubmit(NormalItem()), LocalTime(2026, 2, 2, 9), Citizen());
  ProgressView view = Get(LocalTime(2026, 2, 3, 9));
  EXPECT_EQ(view.record->state.status, CaseStatus::kSubmitted);
  EXPECT_EQ(view.record->query_code_hash, std::string("hash-") + kCase);
  EXPECT_EQ(view.record->item_department, NormalItem().department);
  EXPECT_EQ(view.record->state.applicant_id_number, ValidIdNumber());
  ASSERT_TRUE(view.sla.acceptance_notice_due.has_value());
  EXPECT_EQ(view.next_step,
            "等待受理，最迟 " + FormatDate(*view.sla.acceptance_notice_due) + " 前答复");
  EXPECT_TRUE(projections::QueryCodeHashMatches(view, std::string("hash-") + kCase));
  EXPECT_FALSE(projections::QueryCodeHashMatches(view, std::string("hash-") + kCase + "0"));
  EXPECT_FALSE(projections::QueryCodeHashMatches(view, "hash-3301062026020200002"));
}

TEST_F(ProgressTest, MaterialsRequestTellsWhatToSupply) {
  SubmitWithMaterialsRequest();
  ProgressView view = Get(LocalTime(2026, 2, 3, 9));
  EXPECT_EQ(view.record->state.status, CaseStatus::kMaterialsRequested);
  ASSERT_TRUE(view.record->state.supplement_due.has_value());
  EXPECT_EQ(view.next_step,
            "请补正材料：M02，补正期限 " + FormatDate(*view.record->state.supplement_due));
  const std::string json = projections::WriteProgressJson(view);
  EXPECT_NE(json.find(R"("state":"MaterialsRequested","version":2,"channel":"online")"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("missing":["M02"])"), std::string::npos) << json;
  EXPECT_NE(
      json.find(R"("type":"MaterialsRequested","at":"2026-02-02T02:00:00.000Z",)"
                R"("actor_role":"officer","department":"330106-GA-HZ","note":"请补交户口簿"})"),
      std::string::npos)
      << json;
  // No personal data and no query code hash in the view.
  EXPECT_EQ(json.find(ValidIdNumber()), std::string::npos);
  EXPECT_EQ(json.find("张三"), std::string::npos);
  EXPECT_EQ(json.find("hash-"), std::string::npos);
}

TEST_F(ProgressTest, AcceptedCaseHasDeadlineAndWarningByInjectedNow) {
  SubmitWithMaterialsRequest();
  log_.Run(kCase, SupplementCommand{{"M02"}}, LocalTime(2026, 2, 2, 11), Citizen());
  log_.Run(kCase, AcceptCommand{"SL-1", true}, LocalTime(2026, 2, 2, 14), Officer());

  // 10 promised working days from Monday 2026-02-02: the 14th is a make-up working day (调休).
  ProgressView early = Get(LocalTime(2026, 2, 3, 9));
  ASSERT_TRUE(early.sla.deadline.has_value());
  EXPECT_EQ(FormatDate(*early.sla.deadline), "2026-02-14");
  EXPECT_EQ(early.sla.warning, SlaWarning::kNone);
  EXPECT_EQ(early.next_step, "已受理，等待审查，承诺办结日期 2026-02-14");
  const std::string json = projections::WriteProgressJson(early);
  EXPECT_NE(json.find(R"("accepted_at":"2026-02-02T06:00:00.000Z","deadline":"2026-02-14",)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("working_days_left":9,"warning":"none")"), std::string::npos) << json;

  EXPECT_EQ(Get(LocalTime(2026, 2, 13, 9)).sla.warning, SlaWarning::kYellow);
  ProgressView late = Get(LocalTime(2026, 2, 24, 9));
  EXPECT_EQ(late.sla.warning, SlaWarning::kRed);
  EXPECT_NE(projections::WriteProgressJson(late).find(R"("warning":"red")"), std::string::npos);

  std::vector<std::string> types;
  for (const projections::TimelineEntry& entry : late.record->timeline) types.push_back(entry.type);
  EXPECT_EQ(types, (std::vector<std::string>{"CaseSubmitted", "MaterialsRequested",
                                             "MaterialsSupplemented", "CaseAccepted"}));
  EXPECT_EQ(late.record->state.department, Officer().department);
}

TEST_F(ProgressTest, IssuedByExpressShowsTrackingNumber) {
  log_.SubmitAndAccept(kCase, ValidIdNumber());
  log_.Run(kCase, StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  log_.Run(kCase, ApproveCommand{"符合条件"}, LocalTime(2026, 2, 4, 9), Officer());
  EXPECT_EQ(Get(LocalTime(2026, 2, 4, 10)).next_step, "准予许可，等待出件");
  log_.Run(kCase, IssueCommand{"CERT-1", "express", "SF123"}, LocalTime(2026, 2, 5, 9), Officer());
  ProgressView view = Get(LocalTime(2026, 2, 5, 10));
  EXPECT_EQ(view.record->state.status, CaseStatus::kIssued);
  EXPECT_EQ(view.next_step, "证件已快递寄出，运单号 SF123，请注意签收");
  const std::string json = projections::WriteProgressJson(view);
  EXPECT_NE(json.find(R"("certificate":{"certificate_id":"CERT-1","delivery":"express",)"
                      R"("tracking_number":"SF123"})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("note":"符合条件")"), std::string::npos) << json;
}

TEST_F(ProgressTest, BadInput) {
  log_.SubmitAndAccept(kCase, ValidIdNumber());
  ASSERT_TRUE(read_.runner->CatchUp().ok());
  EXPECT_EQ(read_.progress->Get("3301062026020299999", LocalTime(2026, 2, 3, 9)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(read_.progress->Get("", LocalTime(2026, 2, 3, 9)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(read_.progress->Get(std::string(65, '1'), LocalTime(2026, 2, 3, 9)).status().code(),
            StatusCode::kInvalidArgument);
  // A date the calendar does not cover degrades the SLA part only.
  Result<ProgressView> uncovered = read_.progress->Get(kCase, LocalTime(2031, 1, 6, 9));
  ASSERT_TRUE(uncovered.ok());
  EXPECT_EQ(uncovered->sla_status.code(), StatusCode::kOutOfRange);
  // The answer says so instead of showing a clock that has not started.
  const std::string json = projections::WriteProgressJson(*uncovered);
  EXPECT_NE(json.find(R"("sla_unavailable":"date 2031-01-06 is outside the working calendar)"),
            std::string::npos)
      << json;
  EXPECT_EQ(json.find(R"("clock")"), std::string::npos) << json;
  EXPECT_EQ(json.find(R"("deadline")"), std::string::npos) << json;
  // A covered date: a clock and no such field.
  const std::string covered = projections::WriteProgressJson(Get(LocalTime(2026, 2, 3, 9)));
  EXPECT_NE(covered.find(R"("clock":"running")"), std::string::npos) << covered;
  EXPECT_EQ(covered.find("sla_unavailable"), std::string::npos) << covered;
}

TEST_F(ProgressTest, RecordRoundTripsAndRefusesMalformedBytes) {
  SubmitWithMaterialsRequest();
  log_.Run(kCase, SupplementCommand{{"M02"}}, LocalTime(2026, 2, 2, 11), Citizen());
  log_.Run(kCase, AcceptCommand{"SL-1", true}, LocalTime(2026, 2, 2, 14), Officer());
  log_.Run(kCase, SuspendCommand{"等待申请人补充说明"}, LocalTime(2026, 2, 3, 9), Officer());
  log_.Run(kCase, ResumeCommand{}, LocalTime(2026, 2, 5, 9), Officer());
  log_.Run(kCase, ExtendCommand{5, "情况复杂"}, LocalTime(2026, 2, 5, 10), Officer());
  log_.Run(kCase, SuperviseCommand{"加快办理", Date(2026, 2, 10)}, LocalTime(2026, 2, 5, 11),
           Supervisor());
  ProgressView view = Get(LocalTime(2026, 2, 6, 9));
  ASSERT_EQ(view.record->state.pauses.size(), 1u);
  ASSERT_EQ(view.record->state.open_supervision_orders.size(), 1u);
  const std::string bytes = projections::EncodeProgressRecord(*view.record);
  Result<projections::ProgressRecord> decoded = projections::DecodeProgressRecord(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, *view.record);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_EQ(projections::DecodeProgressRecord(bytes.substr(0, length)).status().code(),
              StatusCode::kDataLoss);
  }
  EXPECT_EQ(projections::DecodeProgressRecord(bytes + "x").status().code(), StatusCode::kDataLoss);

  // The projection's draft (timeline kept encoded) reads and writes the same bytes.
  Result<projections::ProgressDraft> draft = projections::DecodeProgressDraft(bytes);
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(draft->timeline_entries, view.record->timeline.size());
  EXPECT_EQ(draft->state, view.record->state);
  EXPECT_EQ(projections::EncodeProgressDraft(*draft), bytes);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_EQ(projections::DecodeProgressDraft(bytes.substr(0, length)).status().code(),
              StatusCode::kDataLoss);
  }
  EXPECT_EQ(projections::DecodeProgressDraft(bytes + "x").status().code(), StatusCode::kDataLoss);
}

// A timeline entry of a case event's type takes its type as one byte and short strings with
// one-byte lengths; any other type keeps its name; long notes take longer lengths. An entry's
// type byte past the last case event type, or a record of format 1, is kDataLoss.
TEST(ProgressRecordTest, TimelineEntriesAreCompactAndKeepEveryTypeAndNote) {
  projections::ProgressRecord record;
  const std::string empty = projections::EncodeProgressRecord(record);
  record.timeline.push_back(
      {"CaseAccepted", Timestamp{1'796'000'000'000}, "officer", "330106-GA", ""});
  const std::string one = projections::EncodeProgressRecord(record);
  // type 1 + time 8 + "officer" 1+7 + "330106-GA" 1+9 + "" 1
  EXPECT_EQ(one.size() - empty.size(), 28u);

  record.timeline.push_back({"LegacyEvent", Timestamp{1}, "system", "", std::string(200, 'n')});
  record.timeline.push_back({"Evaluated", Timestamp{-5}, "", "", std::string(20'000, 'm')});
  const std::string bytes = projections::EncodeProgressRecord(record);
  Result<projections::ProgressRecord> decoded = projections::DecodeProgressRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, record);

  std::string unknown_type = one;
  unknown_type[empty.size()] = static_cast<char>(200);
  EXPECT_EQ(projections::DecodeProgressRecord(unknown_type).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(projections::DecodeProgressDraft(unknown_type).status().code(), StatusCode::kDataLoss);
  std::string format_one = one;
  format_one[0] = 1;
  EXPECT_EQ(projections::DecodeProgressRecord(format_one).status().code(), StatusCode::kDataLoss);
}

// Var: 7 bits a byte, least significant first; a value past 32 bits, or a sixth byte, fails.
TEST(BinaryCodecTest, VarRoundTripsAndRefusesOverlongValues) {
  for (uint32_t value : {0u, 1u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 4'294'967'295u}) {
    projections::internal::Writer out;
    out.Var(value);
    out.VarStr("ab");
    const std::string bytes = out.Take();
    EXPECT_EQ(bytes.size(), (value < 128         ? 1
                             : value < 16'384    ? 2
                             : value < 2'097'152 ? 3
                                                 : 5) +
                                3u);
    projections::internal::Reader in(bytes);
    EXPECT_EQ(in.Var(), value);
    EXPECT_EQ(in.VarStrView(), "ab");
    EXPECT_TRUE(in.at_end() && !in.failed());
  }
  for (const std::string& bytes :
       {std::string("\xff\xff\xff\xff\x10", 5), std::string("\x80\x80\x80\x80\x80\x00", 6),
        std::string("\x80", 1),
        std::string("\x05"
                    "abc",
                    4)}) {
    projections::internal::Reader in(bytes);
    in.VarStrView();
    EXPECT_TRUE(in.failed()) << bytes.size();
  }
}

// A draft's appended entries encode as a record's timeline does; past kTimelineEntriesMax the
// oldest entry after the submission goes.
TEST(ProgressDraftTest, AppendedEntriesEncodeAsTheRecordAndKeepTheSubmission) {
  projections::ProgressDraft draft;
  projections::ProgressRecord record;
  const size_t appended = projections::kTimelineEntriesMax + 44;
  for (size_t index = 0; index < appended; ++index) {
    projections::TimelineEntry entry;
    entry.type = index == 0 ? "CaseSubmitted" : "E" + std::to_string(index);
    entry.at = Timestamp{static_cast<int64_t>(index) * 1000};
    entry.actor_role = index == 0 ? "citizen" : "officer";
    entry.department = index == 0 ? "" : "330106-GA-HZ";
    entry.note = index % 3 == 0 ? "" : "备注 " + std::to_string(index);
    projections::AppendTimelineEntry(
        {entry.type, entry.at, entry.actor_role, entry.department, entry.note}, &draft);
    if (index < 5) {
      record.timeline.push_back(entry);
      EXPECT_EQ(projections::EncodeProgressDraft(draft), projections::EncodeProgressRecord(record));
    }
  }
  EXPECT_EQ(draft.timeline_entries, projections::kTimelineEntriesMax);
  Result<projections::ProgressRecord> decoded =
      projections::DecodeProgressRecord(projections::EncodeProgressDraft(draft));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->timeline.size(), projections::kTimelineEntriesMax);
  EXPECT_EQ(decoded->timeline.front().type, "CaseSubmitted");
  EXPECT_EQ(decoded->timeline.front().actor_role, "citizen");
  EXPECT_EQ(decoded->timeline[1].type,
            "E" + std::to_string(appended - projections::kTimelineEntriesMax + 1));
  EXPECT_EQ(decoded->timeline.back().type, "E" + std::to_string(appended - 1));
  EXPECT_EQ(decoded->timeline.back().note, "备注 " + std::to_string(appended - 1));
  EXPECT_EQ(decoded->timeline.back().at.unix_ms, static_cast<int64_t>(appended - 1) * 1000);
}

}  // namespace
}  // namespace yiwang::test
