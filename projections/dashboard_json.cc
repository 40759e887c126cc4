// JSON of GET /api/v1/dashboard (DESIGN.md §8 field names; the full shape is in
// projections/README.md).
#include <algorithm>
#include <charconv>

#include "domain/json.h"
#include "projections/dashboard.h"

namespace yiwang::projections {
namespace {

constexpr std::string_view kLevelNames[] = {"province", "city", "county"};

// Shortest decimal that reads back as the same double.
void Number(double value, JsonWriter* json) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof(text), value);
  json->Raw(error == std::errc() ? std::string_view(text, end - text) : "null");
}

void Rate(std::string_view key, const Ratio& ratio, JsonWriter* json) {
  json->Key(key);
  if (ratio.denominator == 0) {
    json->Null();
    return;
  }
  Number(static_cast<double>(ratio.numerator) / static_cast<double>(ratio.denominator), json);
}

void Counts(std::string_view key, const Ratio& ratio, JsonWriter* json) {
  json->Key(key).BeginObject();
  json->Field("numerator", ratio.numerator).Field("denominator", ratio.denominator).EndObject();
}

void OptionalText(std::string_view key, std::string_view value, JsonWriter* json) {
  json->Key(key);
  if (value.empty()) {
    json->Null();
  } else {
    json->String(value);
  }
}

void WriteScope(const DashboardQuery& query, JsonWriter* json) {
  json->Key("scope").BeginObject();
  json->Key("from");
  if (query.from_ms == std::numeric_limits<int64_t>::min()) {
    json->Null();
  } else {
    json->String(FormatTimestamp(Timestamp{query.from_ms}));
  }
  json->Key("to");
  if (query.to_ms == std::numeric_limits<int64_t>::max()) {
    json->Null();
  } else {
    json->String(FormatTimestamp(Timestamp{query.to_ms}));
  }
  const int level_slot = query.level - static_cast<int>(ServiceLevel::kProvince);
  OptionalText("level", level_slot >= 0 && level_slot < 3 ? kLevelNames[level_slot] : "", json);
  OptionalText("division", query.division, json);
  OptionalText("department", query.department, json);
  OptionalText("item", query.item, json);
  OptionalText("channel", query.channel, json);
  json->Field("now", FormatTimestamp(query.now)).EndObject();
}

void WriteKpis(const DashboardReport& report, JsonWriter* json) {
  json->Key("kpis").BeginObject();
  Rate("online_rate", report.online, json);
  json->Key("online_capable_rate").BeginObject();
  for (size_t slot = 0; slot < 3; ++slot)
    Rate(kLevelNames[slot], report.online_capable[slot], json);
  Rate("all", report.online_capable_all, json);
  json->EndObject();
  json->Key("one_window_rate").BeginObject();
  Rate("items", report.one_window_items, json);
  Rate("cases", report.one_window_cases, json);
  json->EndObject();
  Rate("immediate_rate", report.immediate, json);
  json->Key("materials_reduction");
  if (report.materials_reduction_cases == 0) {
    json->Null();
  } else {
    Number(report.materials_reduction_sum / static_cast<double>(report.materials_reduction_cases),
           json);
  }
  Rate("zero_trip_rate", report.zero_trip, json);
  Rate("at_most_one_trip_rate", report.at_most_one_trip, json);
  Rate("on_time_rate", report.on_time, json);
  json->EndObject();
}

void WriteKpiCounts(const DashboardReport& report, JsonWriter* json) {
  json->Key("kpi_counts").BeginObject();
  Counts("online_rate", report.online, json);
  for (size_t slot = 0; slot < 3; ++slot) {
    Counts("online_capable_" + std::string(kLevelNames[slot]), report.online_capable[slot], json);
  }
  Counts("online_capable_all", report.online_capable_all, json);
  Counts("one_window_items", report.one_window_items, json);
  Counts("one_window_cases", report.one_window_cases, json);
  Counts("immediate_rate", report.immediate, json);
  Counts("on_time_rate", report.on_time, json);
  Counts("zero_trip_rate", report.zero_trip, json);
  Counts("at_most_one_trip_rate", report.at_most_one_trip, json);
  json->Field("materials_reduction_cases", report.materials_reduction_cases);
  json->Field("decisions_uncomputed", report.decisions_uncomputed);
  json->Field("sla_uncomputed", report.sla_uncomputed).EndObject();
  json->Key("materials_reduction_by_item").BeginObject();
  for (const auto& [code, reduction] : report.materials_reduction_by_item) {
    json->Key(code);
    Number(reduction, json);
  }
  json->EndObject();
}

// Nearest-rank percentile of a histogram (histogram[d] values equal d): the value at rank
// ceil(percent/100 · count).
int64_t Percentile(const std::vector<int64_t>& histogram, int64_t count, int percent) {
  const int64_t rank = std::max<int64_t>(1, (count * percent + 99) / 100);
  int64_t seen = 0;
  for (size_t days = 0; days < histogram.size(); ++days) {
    seen += histogram[days];
    if (seen >= rank) return static_cast<int64_t>(days);
  }
  return static_cast<int64_t>(histogram.size()) - 1;
}

void WriteHandlingDays(const std::vector<int64_t>& histogram, JsonWriter* json) {
  int64_t count = 0;
  int64_t total = 0;
  for (size_t days = 0; days < histogram.size(); ++days) {
    count += histogram[days];
    total += histogram[days] * static_cast<int64_t>(days);
  }
  json->Key("handling_days").BeginObject();
  if (count == 0) {
    json->Key("mean").Null().Key("p50").Null().Key("p90").Null();
  } else {
    json->Key("mean");
    Number(static_cast<double>(total) / static_cast<double>(count), json);
    json->Field("p50", Percentile(histogram, count, 50))
        .Field("p90", Percentile(histogram, count, 90));
  }
  json->Field("count", count).EndObject();
}

void WriteSatisfaction(const DashboardReport& report, JsonWriter* json) {
  json->Key("satisfaction").BeginObject();
  for (int grade = kEvaluationGradeMin; grade <= kEvaluationGradeMax; ++grade) {
    json->Field(std::to_string(grade), report.grades[static_cast<size_t>(grade)]);
  }
  json->Field("evaluated", report.evaluated);
  Rate("bad_share", Ratio{report.bad_grades, report.evaluated}, json);
  json->Field("open_rectifications", report.open_rectifications).EndObject();
}

void WriteList(std::string_view key, std::string_view days_key,
               const std::vector<DashboardListEntry>& entries, JsonWriter* json) {
  json->Key(key).BeginArray();
  for (const DashboardListEntry& entry : entries) {
    json->BeginObject()
        .Field("case_number", entry.case_number)
        .Field("service_code", entry.service_code)
        .Field("item_name", entry.item_name)
        .Field("department", entry.department)
        .Field("deadline", FormatDate(entry.deadline))
        .Field(days_key, entry.working_days)
        .Field("legal_overdue", entry.legal_overdue)
        .EndObject();
  }
  json->EndArray();
}

}  // namespace

std::string WriteDashboardJson(const DashboardQuery& query, const DashboardReport& report) {
  JsonWriter json(4096 + 256 * (report.overdue.size() + report.warning.size()));
  json.BeginObject();
  WriteScope(query, &json);
  json.Key("counts_by_state").BeginObject();
  for (int status = 1; status < kCaseStatusCount; ++status) {
    json.Field(CaseStatusName(static_cast<CaseStatus>(status)),
               report.counts_by_state[static_cast<size_t>(status)]);
  }
  json.EndObject().Field("submitted", report.submitted);
  WriteKpis(report, &json);
  WriteKpiCounts(report, &json);
  WriteHandlingDays(report.handling_days, &json);
  WriteSatisfaction(report, &json);
  WriteList("overdue", "days_over", report.overdue, &json);
  json.Field("overdue_total", report.overdue_total);
  WriteList("warning", "days_left", report.warning, &json);
  json.Field("warning_total", report.warning_total).EndObject();
  return json.Take();
}

}  // namespace yiwang::projections
