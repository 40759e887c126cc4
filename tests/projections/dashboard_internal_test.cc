// The dashboard's internals: the event-type table against the domain, the stored row format.
#include "projections/dashboard_internal.h"

#include <gtest/gtest.h>

#include <utility>
#include <variant>

#include "domain/case.h"
#include "domain/events.h"

namespace yiwang::test {
namespace {

TEST(DashboardInternalTest, StatusByTypeAgreesWithTheDomain) {
  // Every alternative of CaseEvent, default-built: the projection's type table must move a case
  // where domain StatusAfter does, from any state.
  const auto check = [](const CaseEvent& event) {
    for (CaseStatus before : {CaseStatus::kAccepted, CaseStatus::kSuspended}) {
      const CaseStatus domain = StatusAfter(before, event);
      const std::optional<CaseStatus> table =
          projections::dashboard_internal::StatusAfterType(EventTypeName(event));
      EXPECT_EQ(table.value_or(before), domain) << EventTypeName(event);
      EXPECT_EQ(projections::dashboard_internal::StatusAfterEvent(event), table)
          << EventTypeName(event);
    }
  };
  [&]<size_t... kIndex>(std::index_sequence<kIndex...>) {
    (check(CaseEvent(std::in_place_index<kIndex>)), ...);
  }
  (std::make_index_sequence<std::variant_size_v<CaseEvent>>());
}

TEST(DashboardInternalTest, MalformedRowsAreDataLoss) {
  projections::dashboard_internal::Table table;
  projections::dashboard_internal::Row row;
  row.item = table.ItemIndex("GA-1");
  row.department = table.departments.Intern("330106-GA-HZ");
  row.status = CaseStatus::kAccepted;
  row.pauses.push_back(ClockPause{Timestamp{5}, std::nullopt, CaseStatus::kSuspended});
  const std::string bytes = projections::dashboard_internal::EncodeRow(row, table);
  projections::dashboard_internal::Row decoded;
  ASSERT_TRUE(projections::dashboard_internal::DecodeRow(bytes, &table, &decoded).ok());
  EXPECT_EQ(projections::dashboard_internal::EncodeRow(decoded, table), bytes);
  for (size_t size = 0; size < bytes.size(); ++size) {
    projections::dashboard_internal::Row partial;
    Status status =
        projections::dashboard_internal::DecodeRow(bytes.substr(0, size), &table, &partial);
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << size;
  }
}

}  // namespace
}  // namespace yiwang::test
