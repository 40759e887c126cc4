// The applicant-facing rendering of a progress record: next step text and the JSON of
// GET /cases/{no}.
#include <string>

#include "domain/json.h"
#include "projections/progress.h"

namespace yiwang::projections {

namespace {

// FormatDate without snprintf: a query renders several dates, and snprintf dominated its cost.
std::string DateText(CivilDate date) {
  if (date.year < 0 || date.year > 9999) return FormatDate(date);
  std::string text = "0000-00-00";
  const auto put = [&text](size_t end, int value, int width) {
    for (int digit = 0; digit < width; ++digit, value /= 10) text[end - digit] = '0' + value % 10;
  };
  put(3, date.year, 4);
  put(6, date.month, 2);
  put(9, date.day, 2);
  return text;
}

std::string JoinCodes(const std::vector<std::string>& codes) {
  std::string out;
  for (const std::string& code : codes) {
    if (!out.empty()) out += "、";
    out += code;
  }
  return out;
}

std::string DeadlineSuffix(const SlaView& sla) {
  if (!sla.deadline.has_value()) return {};
  return "，承诺办结日期 " + DateText(*sla.deadline);
}

std::string IssuedStep(const CaseState& state) {
  if (state.certificate.has_value() && state.certificate->delivery == Delivery::kExpress) {
    std::string text = "证件已快递寄出";
    if (!state.certificate->tracking_number.empty()) {
      text += "，运单号 " + state.certificate->tracking_number;
    }
    return text + "，请注意签收";
  }
  return "证件已制作完成，请到窗口领取";
}

// When the calendar does not cover a date the SLA needs (a deadline in a year whose holiday
// notice is not loaded), the view is empty: "sla_unavailable" says why, and "clock" is left out
// rather than shown as "not_started".
void WriteSla(const ProgressView& view, JsonWriter* json) {
  const SlaView& sla = view.sla;
  if (sla.deadline.has_value()) json->Field("deadline", DateText(*sla.deadline));
  if (sla.legal_deadline.has_value()) {
    json->Field("legal_deadline", DateText(*sla.legal_deadline));
  }
  if (sla.deadline.has_value()) json->Field("working_days_left", sla.working_days_left);
  json->Field("warning", SlaWarningName(sla.warning));
  json->Field("legal_overdue", sla.legal_overdue);
  if (view.sla_status.ok()) {
    json->Field("clock", ClockStateName(sla.clock));
  } else {
    json->Field("sla_unavailable", view.sla_status.message());
  }
  if (sla.acceptance_notice_due.has_value()) {
    json->Field("acceptance_notice_due", DateText(*sla.acceptance_notice_due));
  }
  if (sla.issue_due.has_value()) json->Field("issue_due", DateText(*sla.issue_due));
}

}  // namespace

std::string NextStepText(const ProgressRecord& record, const SlaView& sla) {
  const CaseState& state = record.state;
  switch (state.status) {
    case CaseStatus::kNone:
      return {};
    case CaseStatus::kSubmitted:
      if (sla.acceptance_notice_due.has_value()) {
        return "等待受理，最迟 " + DateText(*sla.acceptance_notice_due) + " 前答复";
      }
      return "等待受理";
    case CaseStatus::kMaterialsRequested: {
      std::string text = "请补正材料：" + JoinCodes(record.missing);
      if (state.supplement_due.has_value()) {
        text += "，补正期限 " + DateText(*state.supplement_due);
      }
      return text;
    }
    case CaseStatus::kAccepted:
      return "已受理，等待审查" + DeadlineSuffix(sla);
    case CaseStatus::kTransferred:
    case CaseStatus::kUnderReview:
      return "审查中" + DeadlineSuffix(sla);
    case CaseStatus::kSpecialProcedure:
      return "特别程序进行中（听证、检验、检测、专家评审），所需时间不计入办理时限";
    case CaseStatus::kSuspended:
      return "办理已挂起，请按通知补充有关事项";
    case CaseStatus::kApproved:
      return "准予许可，等待出件";
    case CaseStatus::kDenied:
      return "不予许可，可依法申请行政复议或提起行政诉讼";
    case CaseStatus::kNotAccepted:
      return "不予受理，详见不予受理通知书";
    case CaseStatus::kIssued:
      return IssuedStep(state);
    case CaseStatus::kDelivered:
      return "已送达，欢迎评价";
    case CaseStatus::kWithdrawn:
      return "申请已撤回";
    case CaseStatus::kClosed:
      return state.evaluation_grade == 0 ? "已办结，欢迎评价" : "已办结";
  }
  return {};
}

std::string WriteProgressJson(const ProgressView& view) {
  const ProgressRecord& record = *view.record;
  const CaseState& state = record.state;
  JsonWriter json(1024);
  json.BeginObject()
      .Field("case_number", state.case_number)
      .Field("service_code", state.service_code)
      .Field("state", CaseStatusName(state.status))
      .Field("version", state.version)
      .Field("channel", state.channel);
  if (state.accepted_at.has_value()) json.Field("accepted_at", FormatTimestamp(*state.accepted_at));
  WriteSla(view, &json);
  json.Field("next_step", view.next_step).OptionalField("department", state.department);
  if (state.status == CaseStatus::kMaterialsRequested) {
    json.StringArray("missing", record.missing);
    if (state.supplement_due.has_value()) {
      json.Field("supplement_due", DateText(*state.supplement_due));
    }
  }
  if (state.certificate.has_value()) {
    json.Key("certificate")
        .BeginObject()
        .Field("certificate_id", state.certificate->certificate_id)
        .Field("delivery", DeliveryName(state.certificate->delivery))
        .OptionalField("tracking_number", state.certificate->tracking_number)
        .EndObject();
  }
  json.Key("timeline");
  if (view.timeline_json.empty()) {
    json.Raw(WriteTimelineJson(record.timeline));
  } else {
    json.Raw(view.timeline_json);
  }
  json.EndObject();
  return json.Take();
}

std::string WriteTimelineJson(const std::vector<TimelineEntry>& timeline) {
  JsonWriter json(64 + 160 * timeline.size());
  json.BeginArray();
  for (const TimelineEntry& entry : timeline) {
    json.BeginObject()
        .Field("type", entry.type)
        .Field("at", FormatTimestamp(entry.at))
        .Field("actor_role", entry.actor_role)
        .OptionalField("department", entry.department)
        .OptionalField("note", entry.note)
        .EndObject();
  }
  json.EndArray();
  return json.Take();
}

bool QueryCodeHashMatches(const ProgressView& view, std::string_view hash) {
  const std::string& stored = view.record->query_code_hash;
  if (stored.empty() || stored.size() != hash.size()) return false;
  unsigned char difference = 0;
  for (size_t index = 0; index < stored.size(); ++index) {
    difference |= static_cast<unsigned char>(stored[index] ^ hash[index]);
  }
  return difference == 0;
}

}  // namespace yiwang::projections
