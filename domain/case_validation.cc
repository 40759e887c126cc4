// Checks shared by the command handlers, and the acceptance deadlines.
#include <simdjson.h>

#include <set>

#include "domain/case_internal.h"
#include "domain/id_number.h"

namespace yiwang::case_internal {
namespace {

constexpr size_t kPhoneBytesMax = 32;

Status BadInput(std::string field, std::string message, std::string reason) {
  return InvalidArgument(std::move(message), std::move(field)).WithReason(std::move(reason));
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

bool IsPhoneText(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ')) return false;
  }
  return true;
}

}  // namespace

Status Illegal(const CaseState& state, std::string_view action, std::string_view why) {
  std::string message = "cannot " + std::string(action) + " a case in state " +
                        std::string(CaseStatusName(state.status));
  if (!why.empty()) message += ": " + std::string(why);
  return FailedPrecondition(std::move(message)).WithReason("illegal_transition");
}

Status Precondition(std::string message, std::string reason) {
  return FailedPrecondition(std::move(message)).WithReason(std::move(reason));
}

Status Gate(const CaseState& state, const DecideContext& context, std::string_view action,
            std::initializer_list<std::string_view> roles,
            std::initializer_list<CaseStatus> states) {
  bool role_ok = false;
  for (std::string_view role : roles) role_ok = role_ok || context.actor.role == role;
  if (!role_ok) {
    return PermissionDenied("role '" + context.actor.role + "' may not " + std::string(action) +
                            " a case")
        .WithReason("role_not_allowed");
  }
  for (CaseStatus allowed : states) {
    if (allowed == state.status) return Status::Ok();
  }
  return Illegal(state, action);
}

Result<const WorkingCalendar*> NeedCalendar(const DecideContext& context) {
  if (context.calendar == nullptr) {
    return Precondition("no working calendar in the decide context", "context_missing");
  }
  return context.calendar;
}

Status InvalidValue(std::string field, std::string message) {
  std::string full = "'" + field + "' " + message;
  return BadInput(std::move(field), std::move(full), "invalid_value");
}

Status CheckText(std::string_view value, std::string field, size_t bytes_max, bool required) {
  if (required && IsBlank(value)) {
    std::string message = "'" + field + "' is required";
    return BadInput(std::move(field), std::move(message), "missing_value");
  }
  // Event data must stay readable JSON: text that is not UTF-8 would make the stored event
  // undecodable, so it is refused here rather than discovered on replay.
  if (!simdjson::validate_utf8(value.data(), value.size())) {
    std::string message = "'" + field + "' is not valid UTF-8";
    return BadInput(std::move(field), std::move(message), "invalid_value");
  }
  if (value.size() > bytes_max) {
    std::string message = "'" + field + "' is longer than " + std::to_string(bytes_max) + " bytes";
    return BadInput(std::move(field), std::move(message), "too_long");
  }
  return Status::Ok();
}

Status CheckList(const std::vector<std::string>& values, std::string field, bool required) {
  if (required && values.empty()) {
    std::string message = "'" + field + "' must list at least one entry";
    return BadInput(std::move(field), std::move(message), "missing_value");
  }
  if (values.size() > kEventListItemsMax) {
    std::string message =
        "'" + field + "' has more than " + std::to_string(kEventListItemsMax) + " entries";
    return BadInput(std::move(field), std::move(message), "too_long");
  }
  std::set<std::string_view> seen;
  for (size_t index = 0; index < values.size(); ++index) {
    std::string path = field + "[" + std::to_string(index) + "]";
    YIWANG_RETURN_IF_ERROR(CheckText(values[index], path, kEventNameBytesMax, true));
    if (!seen.insert(values[index]).second) return InvalidValue(path, "is listed twice");
  }
  return Status::Ok();
}

Status CheckForm(const std::map<std::string, std::string>& form) {
  if (form.size() > kFormFieldsMax) {
    return BadInput("form", "'form' has more than " + std::to_string(kFormFieldsMax) + " fields",
                    "too_long");
  }
  for (const auto& [key, value] : form) {
    std::string path = "form." + key;
    YIWANG_RETURN_IF_ERROR(CheckText(key, path, kEventIdBytesMax, true));
    YIWANG_RETURN_IF_ERROR(CheckText(value, path, kFormValueBytesMax, false));
  }
  return Status::Ok();
}

Status CheckApplicant(const Applicant& applicant) {
  YIWANG_RETURN_IF_ERROR(CheckText(applicant.name, "applicant.name", kEventNameBytesMax, true));
  YIWANG_RETURN_IF_ERROR(CheckText(applicant.phone, "applicant.phone", kPhoneBytesMax, false));
  if (!IsPhoneText(applicant.phone)) {
    return InvalidValue("applicant.phone", "may hold only digits, '+', '-' and spaces");
  }
  return CheckText(applicant.address, "applicant.address", kEventTextBytesMax, false);
}

Status CheckSubmitChannel(const SubmitCommand& command, const DecideContext& context) {
  if (context.item == nullptr || context.item->code != command.service_code) {
    return BadInput("service_code",
                    "no catalog item '" + command.service_code.substr(0, kEventIdBytesMax) + "'",
                    "unknown_item");
  }
  if (!IsKnownChannel(command.channel)) {
    return InvalidValue("channel", "must be online, mobile, window, kiosk or partner");
  }
  if (!context.item->AllowsChannel(command.channel)) {
    return BadInput(
        "channel",
        "item " + context.item->code + " does not take applications by " + command.channel,
        "channel_not_allowed");
  }
  // Citizens apply themselves online, by mobile or at a self-service kiosk; at a window or a
  // partner point an officer enters the application on their behalf.
  const bool self_service =
      command.channel == "online" || command.channel == "mobile" || command.channel == "kiosk";
  if (context.actor.role == "citizen" && !self_service) {
    return BadInput("channel", "citizens submit online, by mobile or at a kiosk",
                    "channel_not_allowed");
  }
  return Status::Ok();
}

Status CheckSubmittedMaterials(const std::vector<std::string>& materials, const CatalogItem& item) {
  YIWANG_RETURN_IF_ERROR(CheckList(materials, "materials", /*required=*/false));
  for (size_t index = 0; index < materials.size(); ++index) {
    bool known = false;
    for (const Material& material : item.materials)
      known = known || material.code == materials[index];
    if (!known) {
      std::string path = "materials[" + std::to_string(index) + "]";
      return BadInput(path,
                      "item " + item.code + " requires no material '" + materials[index] + "'",
                      "unknown_material");
    }
  }
  return Status::Ok();
}

Result<TripRecorded> MakeTrip(const DecideContext& context, std::string_view outlet,
                              std::string purpose) {
  std::string where = outlet.empty() ? context.actor.outlet : std::string(outlet);
  YIWANG_RETURN_IF_ERROR(CheckText(where, "actor.outlet", kEventIdBytesMax, false));
  return TripRecorded{std::move(where), std::move(purpose)};
}

Result<std::string> NormalizedIdNumber(std::string_view text, Timestamp now) {
  Result<CitizenId> id = ParseCitizenId(text, LocalDateOf(now));
  if (!id.ok()) {
    return BadInput("applicant.id_number", id.status().message(),
                    std::string(kInvalidIdNumberReason));
  }
  return id->text();
}

Result<Timestamp> AcceptanceNoticeBase(const CaseState& state, const WorkingCalendar& calendar) {
  if (!state.supplemented_at.has_value() || !state.materials_requested_at.has_value()) {
    return state.submitted_at;
  }
  Result<CivilDate> first_due =
      calendar.AddWorkingDays(LocalDateOf(state.submitted_at), kAcceptanceNoticeWorkingDays);
  if (!first_due.ok()) return first_due.status();
  // A materials request sent too late does not restart anything: the application counts as
  // accepted from its receipt (§32).
  if (LocalDateOf(*state.materials_requested_at) > *first_due) return state.submitted_at;
  return *state.supplemented_at;
}

Result<CivilDate> AcceptanceNoticeDue(const CaseState& state, const WorkingCalendar& calendar) {
  Result<Timestamp> base = AcceptanceNoticeBase(state, calendar);
  if (!base.ok()) return base.status();
  return calendar.AddWorkingDays(LocalDateOf(*base), kAcceptanceNoticeWorkingDays);
}

Result<CivilDate> DeadlineAfter(const WorkingCalendar& calendar, CivilDate start, int days,
                                bool immediate) {
  if (immediate) return calendar.NextWorkingDayOnOrAfter(start);
  return calendar.AddWorkingDays(start, days);
}

Result<CaseAccepted> MakeAcceptance(const CaseState& state, const CatalogItem& item,
                                    const WorkingCalendar& calendar, Timestamp now) {
  Result<Timestamp> base = AcceptanceNoticeBase(state, calendar);
  if (!base.ok()) return base.status();
  Result<CivilDate> notice_due = AcceptanceNoticeDue(state, calendar);
  if (!notice_due.ok()) return notice_due.status();
  CaseAccepted accepted;
  accepted.promised_days = item.promised_days;
  accepted.legal_days = item.legal_days;
  accepted.immediate = item.immediate;
  // §32: acceptance after the notice limit counts from the receipt of the application.
  accepted.clock_start = LocalDateOf(now) > *notice_due ? *base : now;
  const CivilDate start = LocalDateOf(accepted.clock_start);
  Result<CivilDate> deadline = DeadlineAfter(calendar, start, item.promised_days, item.immediate);
  if (!deadline.ok()) return deadline.status();
  accepted.deadline = *deadline;
  Result<CivilDate> legal =
      item.legal_days > 0 ? calendar.AddWorkingDays(start, item.legal_days) : deadline;
  if (!legal.ok()) return legal.status();
  accepted.legal_deadline = std::max(*legal, *deadline);
  return accepted;
}

}  // namespace yiwang::case_internal
