#include "projections/applicants.h"

#include <gtest/gtest.h>

#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using projections::ApplicantCase;
using projections::ApplicantCertificate;
using projections::ApplicantPage;

class ApplicantIndexTest : public ::testing::Test {
 protected:
  ApplicantIndexTest() : read_(&log_, log_.Path("read")) {}

  ApplicantPage<ApplicantCase> Cases(const std::string& id, const std::string& cursor,
                                     size_t limit) {
    Result<ApplicantPage<ApplicantCase>> page = read_.applicants->ListCases(id, cursor, limit);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? std::move(page).value() : ApplicantPage<ApplicantCase>{};
  }

  CaseLogStore log_;
  ReadSide read_;
  const std::string other_id_ = IdNumber("11010119900101002");
};

TEST_F(ApplicantIndexTest, ListsCasesWithCurrentStateInPages) {
  log_.SubmitAndAccept("3301062026020200003", ValidIdNumber());
  log_.SubmitAndAccept("3301062026020200001", ValidIdNumber());
  log_.SubmitAndAccept("3301062026020200002", other_id_);
  log_.Run("3301062026020200005", OnlineSubmit(NormalItem()), LocalTime(2026, 2, 3, 9), Citizen());
  log_.Run("3301062026020200001", WithdrawCommand{"不再需要"}, LocalTime(2026, 2, 4, 9), Citizen());
  ASSERT_TRUE(read_.runner->CatchUp().ok());

  ApplicantPage<ApplicantCase> first = Cases(ValidIdNumber(), "", 2);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0], (ApplicantCase{"3301062026020200001", NormalItem().code,
                                           CaseStatus::kWithdrawn, LocalTime(2026, 2, 2, 9), 3}));
  EXPECT_EQ(first.items[1].case_number, "3301062026020200003");
  EXPECT_EQ(first.items[1].state, CaseStatus::kAccepted);
  EXPECT_EQ(first.next_cursor, "3301062026020200003");

  ApplicantPage<ApplicantCase> second = Cases(ValidIdNumber(), first.next_cursor, 2);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].case_number, "3301062026020200005");
  EXPECT_EQ(second.items[0].state, CaseStatus::kSubmitted);
  EXPECT_EQ(second.next_cursor, "");
  EXPECT_EQ(projections::WriteApplicantCasesJson(second),
            R"({"items":[{"case_number":"3301062026020200005","service_code":"GA-HJ-QY",)"
            R"("state":"Submitted","submitted_at":"2026-02-03T01:00:00.000Z","version":1}],)"
            R"("next_cursor":null})");

  ApplicantPage<ApplicantCase> other = Cases(other_id_, "", 100);
  ASSERT_EQ(other.items.size(), 1u);
  EXPECT_EQ(other.items[0].case_number, "3301062026020200002");
  EXPECT_TRUE(Cases(IdNumber("44030419800101001"), "", 10).items.empty());
  // A lowercase check character is the same applicant.
  std::string lowercase = ValidIdNumber();
  if (lowercase.back() == 'X') lowercase.back() = 'x';
  EXPECT_EQ(Cases(lowercase, "", 10).items.size(), 3u);
}

TEST_F(ApplicantIndexTest, ListsIssuedCertificates) {
  const std::string case_number = "3301062026020200007";
  log_.SubmitAndAccept(case_number, ValidIdNumber());
  log_.Run(case_number, StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  log_.Run(case_number, ApproveCommand{}, LocalTime(2026, 2, 4, 9), Officer());
  log_.Run(case_number, IssueCommand{"CERT-9", "pickup", ""}, LocalTime(2026, 2, 5, 9), Officer());
  ASSERT_TRUE(read_.runner->CatchUp().ok());
  Result<ApplicantPage<ApplicantCertificate>> certificates =
      read_.applicants->ListCertificates(ValidIdNumber(), "", 10);
  ASSERT_TRUE(certificates.ok());
  ASSERT_EQ(certificates->items.size(), 1u);
  EXPECT_EQ(certificates->items[0],
            (ApplicantCertificate{"CERT-9", NormalItem().code, case_number, Delivery::kPickup,
                                  LocalTime(2026, 2, 5, 9)}));
  EXPECT_EQ(Cases(ValidIdNumber(), "", 10).items[0].state, CaseStatus::kIssued);
  EXPECT_EQ(Cases(ValidIdNumber(), "", 10).items.size(), 1u);  // certificates are not cases
  EXPECT_EQ(projections::WriteApplicantCertificatesJson(*certificates),
            R"({"items":[{"certificate_id":"CERT-9","service_code":"GA-HJ-QY",)"
            R"("case_number":"3301062026020200007","delivery":"pickup",)"
            R"("issued_at":"2026-02-05T01:00:00.000Z"}],"next_cursor":null})");
}

TEST_F(ApplicantIndexTest, RefusesBadRequests) {
  const auto code = [&](std::string_view id, std::string_view cursor, size_t limit) {
    return read_.applicants->ListCases(id, cursor, limit).status().code();
  };
  EXPECT_EQ(code("330106198503071230", "", 10), StatusCode::kInvalidArgument);  // check char
  EXPECT_EQ(code("", "", 10), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ValidIdNumber(), "33010 6", 10), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ValidIdNumber(), std::string("3301\0", 5), 10), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ValidIdNumber(), std::string(65, '1'), 10), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ValidIdNumber(), "", 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ValidIdNumber(), "", projections::kApplicantPageItemsMax + 1),
            StatusCode::kInvalidArgument);
  Result<ApplicantPage<ApplicantCase>> bad_cursor =
      read_.applicants->ListCases(ValidIdNumber(), "é", 10);
  EXPECT_EQ(bad_cursor.status().field(), "cursor");
  EXPECT_EQ(read_.applicants->ListCertificates("123", "", 10).status().field(), "id_number");
}

}  // namespace
}  // namespace yiwang::test
