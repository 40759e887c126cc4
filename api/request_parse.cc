#include "api/request_parse.h"

#include <simdjson.h>

#include <functional>
#include <initializer_list>
#include <utility>

#include "domain/events.h"

namespace yiwang::api {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status FieldError(std::string_view reason, const std::string& field, const std::string& message) {
  return InvalidArgument(message, field).WithReason(std::string(reason));
}

// Typed access to the members of one JSON object, with paths for errors.
class BodyReader {
 public:
  BodyReader(object value, std::string prefix) : object_(value), prefix_(std::move(prefix)) {}

  // Every member must be one of `allowed`.
  Status OnlyMembers(std::initializer_list<std::string_view> allowed) const {
    for (auto [key, value] : object_) {
      bool known = false;
      for (std::string_view name : allowed) known = known || key == name;
      if (!known) {
        return FieldError("unknown_field", Path(key), "unknown member '" + Path(key) + "'");
      }
    }
    return Status::Ok();
  }

  Status String(std::string_view key, std::string* out, bool required,
                size_t bytes_max = kEventTextBytesMax) const {
    element value;
    if (!Find(key, &value)) return Missing(key, required);
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return WrongType(key, "a string");
    if (text.size() > bytes_max) {
      return FieldError("too_long", Path(key),
                        Path(key) + " is longer than " + std::to_string(bytes_max) + " bytes");
    }
    out->assign(text);
    return Status::Ok();
  }

  Status StringList(std::string_view key, std::vector<std::string>* out, bool required) const {
    element value;
    if (!Find(key, &value)) return Missing(key, required);
    simdjson::dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS)
      return WrongType(key, "an array of strings");
    if (array.size() > kEventListItemsMax) {
      return FieldError(
          "too_long", Path(key),
          Path(key) + " has more than " + std::to_string(kEventListItemsMax) + " entries");
    }
    for (element item : array) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS)
        return WrongType(key, "an array of strings");
      if (text.size() > kEventIdBytesMax)
        return FieldError("too_long", Path(key), Path(key) + " entry too long");
      out->emplace_back(text);
    }
    return Status::Ok();
  }

  Status Int(std::string_view key, int* out, bool required, int min, int max) const {
    element value;
    if (!Find(key, &value)) return Missing(key, required);
    int64_t number = 0;
    if (value.get_int64().get(number) != simdjson::SUCCESS) return WrongType(key, "a whole number");
    if (number < min || number > max) {
      return FieldError(
          "invalid_value", Path(key),
          Path(key) + " must be from " + std::to_string(min) + " to " + std::to_string(max));
    }
    *out = static_cast<int>(number);
    return Status::Ok();
  }

  Status Bool(std::string_view key, bool* out) const {
    element value;
    if (!Find(key, &value)) return Status::Ok();
    if (value.get_bool().get(*out) != simdjson::SUCCESS) return WrongType(key, "true or false");
    return Status::Ok();
  }

  Status Date(std::string_view key, CivilDate* out, bool required) const {
    std::string text;
    YIWANG_RETURN_IF_ERROR(String(key, &text, required, kEventIdBytesMax));
    if (text.empty() && !required) return Status::Ok();
    Result<CivilDate> date = ParseDate(text);
    if (!date.ok()) return FieldError("invalid_value", Path(key), date.status().message());
    *out = *date;
    return Status::Ok();
  }

  // A nested object member; `found` false when absent and optional.
  Result<BodyReader> Object(std::string_view key, bool required, bool* found) const {
    element value;
    *found = Find(key, &value);
    if (!*found) {
      if (required) return Missing(key, true);
      return BodyReader(object_, prefix_);  // unused by the caller
    }
    object nested;
    if (value.get_object().get(nested) != simdjson::SUCCESS) return WrongType(key, "an object");
    return BodyReader(nested, Path(key) + ".");
  }

  object raw() const { return object_; }
  std::string Path(std::string_view key) const { return prefix_ + std::string(key); }

 private:
  bool Find(std::string_view key, element* value) const {
    return object_.at_key(key).get(*value) == simdjson::SUCCESS && !value->is_null();
  }
  Status Missing(std::string_view key, bool required) const {
    if (!required) return Status::Ok();
    return FieldError("missing_value", Path(key), Path(key) + " is required");
  }
  Status WrongType(std::string_view key, std::string_view expected) const {
    return FieldError("wrong_type", Path(key), Path(key) + " must be " + std::string(expected));
  }

  object object_;
  std::string prefix_;
};

Result<CaseCommand> ParseSubmit(const BodyReader& body) {
  YIWANG_RETURN_IF_ERROR(
      body.OnlyMembers({"service_code", "channel", "outlet", "applicant", "materials", "form"}));
  SubmitCommand command;
  YIWANG_RETURN_IF_ERROR(
      body.String("service_code", &command.service_code, true, kEventIdBytesMax));
  YIWANG_RETURN_IF_ERROR(body.String("channel", &command.channel, true, kEventIdBytesMax));
  YIWANG_RETURN_IF_ERROR(body.String("outlet", &command.outlet, false, kEventIdBytesMax));
  bool found = false;
  Result<BodyReader> applicant = body.Object("applicant", true, &found);
  if (!applicant.ok()) return applicant.status();
  YIWANG_RETURN_IF_ERROR(applicant->OnlyMembers({"id_number", "name", "phone", "address"}));
  YIWANG_RETURN_IF_ERROR(
      applicant->String("id_number", &command.applicant.id_number, true, kEventIdBytesMax));
  YIWANG_RETURN_IF_ERROR(
      applicant->String("name", &command.applicant.name, true, kEventNameBytesMax));
  YIWANG_RETURN_IF_ERROR(
      applicant->String("phone", &command.applicant.phone, false, kEventNameBytesMax));
  YIWANG_RETURN_IF_ERROR(
      applicant->String("address", &command.applicant.address, false, kEventNameBytesMax));
  YIWANG_RETURN_IF_ERROR(body.StringList("materials", &command.materials, true));
  Result<BodyReader> form = body.Object("form", false, &found);
  if (!form.ok()) return form.status();
  if (found) {
    for (auto [key, value] : form->raw()) {
      const std::string path = "form." + std::string(key);
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) {
        return FieldError("wrong_type", path, path + " must be a string");
      }
      if (command.form.size() >= kFormFieldsMax) {
        return FieldError("too_long", "form",
                          "form has more than " + std::to_string(kFormFieldsMax) + " members");
      }
      command.form[std::string(key)] = std::string(text);
    }
  }
  return CaseCommand(std::move(command));
}

// Actions whose bodies are a few strings: `targets` point into `command`, one per member.
template <typename Command>
Result<CaseCommand> ParseTexts(const BodyReader& body,
                               std::initializer_list<std::pair<std::string_view, bool>> members,
                               std::initializer_list<std::string*> targets, Command& command) {
  std::vector<std::string_view> names;
  for (const auto& member : members) names.push_back(member.first);
  for (auto [key, value] : body.raw()) {
    bool known = false;
    for (std::string_view name : names) known = known || key == name;
    if (!known)
      return FieldError("unknown_field", body.Path(key), "unknown member '" + body.Path(key) + "'");
  }
  auto target = targets.begin();
  for (const auto& [name, required] : members) {
    YIWANG_RETURN_IF_ERROR(body.String(name, *target++, required));
  }
  return CaseCommand(std::move(command));
}

Result<CaseCommand> ParseAction(std::string_view action, const BodyReader& body) {
  if (action == "submit") return ParseSubmit(body);
  if (action == "accept") {
    AcceptCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"acceptance_number", "comprehensive_window"}));
    YIWANG_RETURN_IF_ERROR(
        body.String("acceptance_number", &command.acceptance_number, true, kEventIdBytesMax));
    YIWANG_RETURN_IF_ERROR(body.Bool("comprehensive_window", &command.comprehensive_window));
    return CaseCommand(command);
  }
  if (action == "not-accept") {
    NotAcceptCommand command;
    return ParseTexts(body, {{"reason", true}}, {&command.reason}, command);
  }
  if (action == "request-materials") {
    RequestMaterialsCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"missing", "note"}));
    YIWANG_RETURN_IF_ERROR(body.StringList("missing", &command.missing, true));
    YIWANG_RETURN_IF_ERROR(body.String("note", &command.note, false));
    return CaseCommand(command);
  }
  if (action == "supplement") {
    SupplementCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"materials"}));
    YIWANG_RETURN_IF_ERROR(body.StringList("materials", &command.materials, true));
    return CaseCommand(command);
  }
  if (action == "transfer") {
    TransferCommand command;
    return ParseTexts(body, {{"department", true}, {"note", false}},
                      {&command.department, &command.note}, command);
  }
  if (action == "start-review") {
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({}));
    return CaseCommand(StartReviewCommand{});
  }
  if (action == "review-step") {
    ReviewStepCommand command;
    return ParseTexts(body, {{"step", true}, {"opinion", true}, {"note", false}},
                      {&command.step, &command.opinion, &command.note}, command);
  }
  if (action == "special-procedure") {
    SpecialProcedureCommand command;
    return ParseTexts(body, {{"kind", true}, {"reason", true}}, {&command.kind, &command.reason},
                      command);
  }
  if (action == "suspend") {
    SuspendCommand command;
    return ParseTexts(body, {{"reason", true}}, {&command.reason}, command);
  }
  if (action == "resume") {
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({}));
    return CaseCommand(ResumeCommand{});
  }
  if (action == "extend") {
    ExtendCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"working_days", "reason"}));
    YIWANG_RETURN_IF_ERROR(
        body.Int("working_days", &command.working_days, true, 1, kExtensionWorkingDaysMax));
    YIWANG_RETURN_IF_ERROR(body.String("reason", &command.reason, true));
    return CaseCommand(command);
  }
  if (action == "approve") {
    ApproveCommand command;
    return ParseTexts(body, {{"note", false}}, {&command.note}, command);
  }
  if (action == "deny") {
    DenyCommand command;
    return ParseTexts(body, {{"reason", true}, {"appeal_notice", false}},
                      {&command.reason, &command.appeal_notice}, command);
  }
  if (action == "issue") {
    IssueCommand command;
    return ParseTexts(
        body, {{"certificate_id", true}, {"delivery", true}, {"tracking_number", false}},
        {&command.certificate_id, &command.delivery, &command.tracking_number}, command);
  }
  if (action == "deliver") {
    DeliverCommand command;
    return ParseTexts(body, {{"note", false}}, {&command.note}, command);
  }
  if (action == "withdraw") {
    WithdrawCommand command;
    return ParseTexts(body, {{"reason", false}}, {&command.reason}, command);
  }
  if (action == "close") {
    CloseCommand command;
    return ParseTexts(body, {{"reason", false}}, {&command.reason}, command);
  }
  if (action == "supervise") {
    SuperviseCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"note", "due"}));
    YIWANG_RETURN_IF_ERROR(body.String("note", &command.note, true));
    YIWANG_RETURN_IF_ERROR(body.Date("due", &command.due, true));
    return CaseCommand(command);
  }
  if (action == "answer-supervision") {
    AnswerSupervisionCommand command;
    return ParseTexts(body, {{"order_id", true}, {"answer", true}},
                      {&command.order_id, &command.answer}, command);
  }
  if (action == "evaluate") {
    EvaluateCommand command;
    YIWANG_RETURN_IF_ERROR(body.OnlyMembers({"grade", "comment"}));
    YIWANG_RETURN_IF_ERROR(
        body.Int("grade", &command.grade, true, kEvaluationGradeMin, kEvaluationGradeMax));
    YIWANG_RETURN_IF_ERROR(body.String("comment", &command.comment, false));
    return CaseCommand(command);
  }
  if (action == "rectify") {
    RectifyCommand command;
    return ParseTexts(body, {{"rectification_id", true}, {"note", true}},
                      {&command.rectification_id, &command.note}, command);
  }
  if (action == "record-trip") {
    RecordTripCommand command;
    return ParseTexts(body, {{"outlet", false}, {"purpose", true}},
                      {&command.outlet, &command.purpose}, command);
  }
  if (action == "consult") {
    ConsultCommand command;
    return ParseTexts(body, {{"question", true}, {"answer", true}},
                      {&command.question, &command.answer}, command);
  }
  return Status(StatusCode::kNotFound, "no action '" + std::string(action.substr(0, 64)) + "'")
      .WithReason("unknown_action");
}

template <size_t... kIndex>
std::optional<CaseCommand> EmptyCommandOf(std::string_view action, std::index_sequence<kIndex...>) {
  std::optional<CaseCommand> found;
  auto try_one = [&](auto index) {
    CaseCommand candidate(std::in_place_index<decltype(index)::value>);
    if (!found && CommandActionName(candidate) == action) found = std::move(candidate);
  };
  (try_one(std::integral_constant<size_t, kIndex>{}), ...);
  return found;
}

}  // namespace

std::optional<CaseCommand> EmptyCommand(std::string_view action) {
  return EmptyCommandOf(action, std::make_index_sequence<std::variant_size_v<CaseCommand>>{});
}

Result<CaseCommand> ParseCommandBody(std::string_view action, std::string_view body) {
  // Actions without members may come with an empty body.
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return FieldError("malformed_json", "", "the body is not valid JSON (UTF-8)");
  }
  object fields;
  if (root.get_object().get(fields) != simdjson::SUCCESS) {
    return FieldError("malformed_json", "", "the body must be a JSON object");
  }
  return ParseAction(action, BodyReader(fields, ""));
}

}  // namespace yiwang::api
