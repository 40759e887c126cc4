// DecodeEventData: strict parsing of event data.
//
// Two steps: simdjson's on-demand parser turns the bytes into a small tree (depth and size
// bounded, duplicate keys refused), then a per-type decoder takes each member it knows from the
// tree, checking its JSON type and limits, and finally refuses members it did not take. Taking
// from a tree instead of streaming keeps the per-type decoders independent of member order.
#include <simdjson.h>

#include <utility>

#include "domain/events.h"

namespace yiwang {
namespace {

// data {applicant {…}} is the deepest shape: the root object, a nested object, its scalars.
constexpr int kDataDepthMax = 3;
constexpr size_t kDataMembersMax = 128;

struct Node {
  enum class Kind { kNull, kBool, kInt, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  std::string text;
  std::vector<Node> items;
  std::vector<std::pair<std::string, Node>> members;
};

Status Bad(std::string message, std::string field) {
  return InvalidArgument("event data: " + message, std::move(field))
      .WithReason("invalid_event_data");
}

std::string Join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

Status ParseNode(simdjson::ondemand::value value, int depth, const std::string& path, Node* out);

Status ParseObject(simdjson::ondemand::object object, int depth, const std::string& path,
                   Node* out) {
  out->kind = Node::Kind::kObject;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Bad("malformed key", path);
    std::string member_path = Join(path, key);
    for (const auto& [existing, ignored] : out->members) {
      if (existing == key) return Bad("duplicate member '" + member_path + "'", member_path);
    }
    if (out->members.size() >= kDataMembersMax) return Bad("too many members", path);
    out->members.emplace_back(std::string(key), Node{});
    simdjson::ondemand::value member;
    if (field.value().get(member) != simdjson::SUCCESS) {
      return Bad("malformed value of '" + member_path + "'", member_path);
    }
    YIWANG_RETURN_IF_ERROR(ParseNode(member, depth + 1, member_path, &out->members.back().second));
  }
  return Status::Ok();
}

Status ParseArray(simdjson::ondemand::array array, int depth, const std::string& path, Node* out) {
  out->kind = Node::Kind::kArray;
  for (auto element : array) {
    if (out->items.size() >= kDataMembersMax) return Bad("too many elements", path);
    simdjson::ondemand::value item;
    if (std::move(element).get(item) != simdjson::SUCCESS) return Bad("malformed array", path);
    out->items.emplace_back();
    YIWANG_RETURN_IF_ERROR(ParseNode(item, depth + 1, path, &out->items.back()));
  }
  return Status::Ok();
}

Status ParseNode(simdjson::ondemand::value value, int depth, const std::string& path, Node* out) {
  if (depth > kDataDepthMax) return Bad("nested too deeply", path);
  simdjson::ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return Bad("malformed value", path);
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return Bad("malformed object", path);
      return ParseObject(object, depth, path, out);
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return Bad("malformed array", path);
      return ParseArray(array, depth, path, out);
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return Bad("malformed string", path);
      out->kind = Node::Kind::kString;
      out->text.assign(text);
      return Status::Ok();
    }
    case simdjson::ondemand::json_type::number: {
      if (value.get_int64().get(out->integer) != simdjson::SUCCESS) {
        return Bad("'" + path + "' must be an integer", path);
      }
      out->kind = Node::Kind::kInt;
      return Status::Ok();
    }
    case simdjson::ondemand::json_type::boolean:
      if (value.get_bool().get(out->boolean) != simdjson::SUCCESS)
        return Bad("malformed bool", path);
      out->kind = Node::Kind::kBool;
      return Status::Ok();
    case simdjson::ondemand::json_type::null:
      if (!value.is_null()) return Bad("malformed null", path);
      out->kind = Node::Kind::kNull;
      return Status::Ok();
  }
  return Bad("malformed value", path);
}

// The members of one object, taken one by one by a type decoder.
class Members {
 public:
  Members(const Node& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)), taken_(object.members.size(), false) {}

  Status String(std::string_view key, size_t bytes_max, std::string* out) {
    return TakeString(key, bytes_max, /*required=*/true, out);
  }
  Status OptionalString(std::string_view key, size_t bytes_max, std::string* out) {
    return TakeString(key, bytes_max, /*required=*/false, out);
  }
  Status Int(std::string_view key, int min, int max, int* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kInt, "an integer", /*required=*/true, &node));
    if (node->integer < min || node->integer > max) {
      return Bad("'" + Path(key) + "' out of range", Path(key));
    }
    *out = static_cast<int>(node->integer);
    return Status::Ok();
  }
  Status Bool(std::string_view key, bool* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kBool, "a boolean", /*required=*/true, &node));
    *out = node->boolean;
    return Status::Ok();
  }
  Status Date(std::string_view key, CivilDate* out) {
    std::string text;
    YIWANG_RETURN_IF_ERROR(String(key, kEventIdBytesMax, &text));
    return ConvertDate(key, text, out);
  }
  Status OptionalDate(std::string_view key, std::optional<CivilDate>* out) {
    std::string text;
    YIWANG_RETURN_IF_ERROR(OptionalString(key, kEventIdBytesMax, &text));
    if (text.empty()) return Status::Ok();
    CivilDate date;
    YIWANG_RETURN_IF_ERROR(ConvertDate(key, text, &date));
    *out = date;
    return Status::Ok();
  }
  Status Time(std::string_view key, Timestamp* out) {
    std::string text;
    YIWANG_RETURN_IF_ERROR(String(key, kEventIdBytesMax, &text));
    Result<Timestamp> parsed = ParseTimestamp(text);
    if (!parsed.ok()) return Bad("'" + Path(key) + "' is not a timestamp", Path(key));
    *out = *parsed;
    return Status::Ok();
  }
  Status StringList(std::string_view key, size_t items_max, size_t bytes_max,
                    std::vector<std::string>* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kArray, "an array", /*required=*/true, &node));
    if (node->items.size() > items_max) return Bad("'" + Path(key) + "' too long", Path(key));
    for (const Node& item : node->items) {
      if (item.kind != Node::Kind::kString || item.text.size() > bytes_max) {
        return Bad("'" + Path(key) + "' must hold strings within limits", Path(key));
      }
      out->push_back(item.text);
    }
    return Status::Ok();
  }
  Status Object(std::string_view key, const Node** out) {
    return Take(key, Node::Kind::kObject, "an object", /*required=*/true, out);
  }
  std::string Path(std::string_view key) const { return Join(prefix_, key); }

  // Fails on the first member no decoder took.
  Status Finish() const {
    for (size_t index = 0; index < taken_.size(); ++index) {
      if (!taken_[index]) {
        std::string path = Path(object_.members[index].first);
        return Bad("unknown member '" + path + "'", path);
      }
    }
    return Status::Ok();
  }

 private:
  Status Take(std::string_view key, Node::Kind kind, std::string_view kind_name, bool required,
              const Node** out) {
    for (size_t index = 0; index < object_.members.size(); ++index) {
      if (object_.members[index].first != key) continue;
      taken_[index] = true;
      if (object_.members[index].second.kind != kind) {
        return Bad("'" + Path(key) + "' must be " + std::string(kind_name), Path(key));
      }
      *out = &object_.members[index].second;
      return Status::Ok();
    }
    if (required) return Bad("missing member '" + Path(key) + "'", Path(key));
    return Status::Ok();
  }
  Status TakeString(std::string_view key, size_t bytes_max, bool required, std::string* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kString, "a string", required, &node));
    if (node == nullptr) return Status::Ok();
    if (node->text.size() > bytes_max) return Bad("'" + Path(key) + "' too long", Path(key));
    *out = node->text;
    return Status::Ok();
  }
  Status ConvertDate(std::string_view key, const std::string& text, CivilDate* out) {
    Result<CivilDate> parsed = ParseDate(text);
    if (!parsed.ok()) return Bad("'" + Path(key) + "' is not a date", Path(key));
    *out = *parsed;
    return Status::Ok();
  }

  const Node& object_;
  std::string prefix_;
  std::vector<bool> taken_;
};

template <typename Enum>
Status TakeEnum(Members& members, std::string_view key,
                std::optional<Enum> (*parse)(std::string_view), Enum* out) {
  std::string text;
  YIWANG_RETURN_IF_ERROR(members.String(key, kEventIdBytesMax, &text));
  std::optional<Enum> parsed = parse(text);
  if (!parsed.has_value())
    return Bad("'" + members.Path(key) + "' has an unknown value", members.Path(key));
  *out = *parsed;
  return Status::Ok();
}

Status DecodeApplicant(Members& members, Applicant* out) {
  const Node* node = nullptr;
  YIWANG_RETURN_IF_ERROR(members.Object("applicant", &node));
  Members applicant(*node, members.Path("applicant"));
  YIWANG_RETURN_IF_ERROR(applicant.String("id_number", kEventIdBytesMax, &out->id_number));
  YIWANG_RETURN_IF_ERROR(applicant.String("name", kEventNameBytesMax, &out->name));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("phone", kEventNameBytesMax, &out->phone));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("address", kEventTextBytesMax, &out->address));
  return applicant.Finish();
}

Status DecodeForm(Members& members, std::map<std::string, std::string>* out) {
  const Node* node = nullptr;
  YIWANG_RETURN_IF_ERROR(members.Object("form", &node));
  if (node->members.size() > kFormFieldsMax) return Bad("'form' has too many fields", "form");
  for (const auto& [key, value] : node->members) {
    std::string path = "form." + key;
    if (key.empty() || key.size() > kEventIdBytesMax) return Bad("bad form key", path);
    if (value.kind != Node::Kind::kString || value.text.size() > kFormValueBytesMax) {
      return Bad("'" + path + "' must be a string within limits", path);
    }
    (*out)[key] = value.text;
  }
  return Status::Ok();
}

// One Decode overload per event type: the schema-1 layout written by events.cc.
Status Decode(Members& m, CaseSubmitted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("case_number", kEventIdBytesMax, &out->case_number));
  YIWANG_RETURN_IF_ERROR(m.String("query_code_hash", kEventNameBytesMax, &out->query_code_hash));
  YIWANG_RETURN_IF_ERROR(m.String("service_code", kEventIdBytesMax, &out->service_code));
  YIWANG_RETURN_IF_ERROR(m.String("channel", kEventIdBytesMax, &out->channel));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("outlet", kEventIdBytesMax, &out->outlet));
  YIWANG_RETURN_IF_ERROR(DecodeApplicant(m, &out->applicant));
  YIWANG_RETURN_IF_ERROR(
      m.StringList("materials", kEventListItemsMax, kEventNameBytesMax, &out->materials));
  return DecodeForm(m, &out->form);
}
Status Decode(Members& m, MaterialsRequested* out) {
  YIWANG_RETURN_IF_ERROR(
      m.StringList("missing", kEventListItemsMax, kEventNameBytesMax, &out->missing));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
Status Decode(Members& m, MaterialsSupplemented* out) {
  return m.StringList("materials", kEventListItemsMax, kEventNameBytesMax, &out->materials);
}
Status Decode(Members& m, CaseAccepted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("acceptance_number", kEventIdBytesMax, &out->acceptance_number));
  YIWANG_RETURN_IF_ERROR(m.Int("promised_days", 0, kEventDaysMax, &out->promised_days));
  YIWANG_RETURN_IF_ERROR(m.Int("legal_days", 0, kEventDaysMax, &out->legal_days));
  YIWANG_RETURN_IF_ERROR(m.Bool("immediate", &out->immediate));
  YIWANG_RETURN_IF_ERROR(m.Bool("comprehensive_window", &out->comprehensive_window));
  YIWANG_RETURN_IF_ERROR(m.Time("clock_start", &out->clock_start));
  YIWANG_RETURN_IF_ERROR(m.Date("deadline", &out->deadline));
  return m.Date("legal_deadline", &out->legal_deadline);
}
Status Decode(Members& m, CaseNotAccepted* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members& m, CaseTransferred* out) {
  YIWANG_RETURN_IF_ERROR(m.String("department", kEventNameBytesMax, &out->department));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
Status Decode(Members&, ReviewStarted*) { return Status::Ok(); }
Status Decode(Members& m, ReviewStepCompleted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "step", &ParseReviewStep, &out->step));
  YIWANG_RETURN_IF_ERROR(m.String("opinion", kEventTextBytesMax, &out->opinion));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
Status Decode(Members& m, SpecialProcedureStarted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "kind", &ParseSpecialProcedureKind, &out->kind));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members& m, CaseSuspended* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members&, CaseResumed*) { return Status::Ok(); }
Status Decode(Members& m, DeadlineExtended* out) {
  YIWANG_RETURN_IF_ERROR(m.Int("working_days", 1, kExtensionWorkingDaysMax, &out->working_days));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members& m, CaseApproved* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
Status Decode(Members& m, CaseDenied* out) {
  YIWANG_RETURN_IF_ERROR(m.String("reason", kEventTextBytesMax, &out->reason));
  return m.String("appeal_notice", kEventTextBytesMax, &out->appeal_notice);
}
Status Decode(Members& m, CertificateIssued* out) {
  YIWANG_RETURN_IF_ERROR(m.String("certificate_id", kEventIdBytesMax, &out->certificate_id));
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "delivery", &ParseDelivery, &out->delivery));
  YIWANG_RETURN_IF_ERROR(
      m.OptionalString("tracking_number", kEventIdBytesMax, &out->tracking_number));
  if (out->tracking_number.empty() != (out->delivery == Delivery::kPickup)) {
    return Bad("tracking_number goes with express delivery only", "tracking_number");
  }
  return Status::Ok();
}
Status Decode(Members& m, CaseDelivered* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
Status Decode(Members& m, CaseWithdrawn* out) {
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members& m, CaseClosed* out) {
  YIWANG_RETURN_IF_ERROR(m.String("result_code", kEventIdBytesMax, &out->result_code));
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
Status Decode(Members& m, SupervisionOrdered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  YIWANG_RETURN_IF_ERROR(m.String("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
Status Decode(Members& m, SupervisionAnswered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
Status Decode(Members& m, Consulted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("question", kEventTextBytesMax, &out->question));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
Status Decode(Members& m, Evaluated* out) {
  YIWANG_RETURN_IF_ERROR(m.Int("grade", kEvaluationGradeMin, kEvaluationGradeMax, &out->grade));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("comment", kEventTextBytesMax, &out->comment));
  YIWANG_RETURN_IF_ERROR(
      m.OptionalString("rectification_id", kEventIdBytesMax, &out->rectification_id));
  YIWANG_RETURN_IF_ERROR(m.OptionalDate("rectification_due", &out->rectification_due));
  // A 差评 and only a 差评 carries its rectification.
  const bool bad = out->grade <= kBadEvaluationGradeMax;
  if (bad != !out->rectification_id.empty() || bad != out->rectification_due.has_value()) {
    return Bad("rectification_id and rectification_due go with grades 1 and 2", "rectification_id");
  }
  return Status::Ok();
}
Status Decode(Members& m, RectificationRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.String("rectification_id", kEventIdBytesMax, &out->rectification_id));
  return m.String("note", kEventTextBytesMax, &out->note);
}
Status Decode(Members& m, TripRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.OptionalString("outlet", kEventIdBytesMax, &out->outlet));
  return m.String("purpose", kEventNameBytesMax, &out->purpose);
}

// Decodes the alternative `index` of CaseEvent (found by its type name) from `root`.
template <size_t I = 0>
Result<CaseEvent> DecodeAlternative(size_t index, const Node& root) {
  if constexpr (I < std::variant_size_v<CaseEvent>) {
    if (index != I) return DecodeAlternative<I + 1>(index, root);
    std::variant_alternative_t<I, CaseEvent> event;
    Members members(root, "");
    YIWANG_RETURN_IF_ERROR(Decode(members, &event));
    YIWANG_RETURN_IF_ERROR(members.Finish());
    return CaseEvent(std::in_place_index<I>, std::move(event));
  } else {
    return Internal("event type index out of range");
  }
}

std::optional<size_t> EventTypeIndex(std::string_view type) {
  // The names, in alternative order, from EventTypeName of a default value of each alternative.
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    auto add = [&names]<size_t... I>(std::index_sequence<I...>) {
      (names.push_back(EventTypeName(CaseEvent(std::in_place_index<I>))), ...);
    };
    add(std::make_index_sequence<std::variant_size_v<CaseEvent>>());
    return names;
  }();
  for (size_t index = 0; index < kNames.size(); ++index) {
    if (kNames[index] == type) return index;
  }
  return std::nullopt;
}

Result<Node> ParseData(std::string_view data_json) {
  if (data_json.size() > kEventBytesMax) return Bad("larger than kEventBytesMax", "");
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(data_json);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return Bad("not JSON", "");
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return Bad("not a JSON object", "");
  Node root;
  YIWANG_RETURN_IF_ERROR(ParseObject(object, 1, "", &root));
  // After the root object the document must be at its end: anything else is trailing garbage.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return Bad("trailing content after the object", "");
  }
  return root;
}

}  // namespace

Result<CaseEvent> DecodeEventData(std::string_view type, uint32_t schema,
                                  std::string_view data_json) {
  std::optional<size_t> index = EventTypeIndex(type);
  if (!index.has_value()) {
    return InvalidArgument(
               "unknown event type '" + std::string(type.substr(0, kEventIdBytesMax)) + "'", "type")
        .WithReason("unknown_event_type");
  }
  // Upcasting hook: when a type's layout changes, decode its older schemas here into the current
  // struct (defaults for what the old layout lacked). No type has an older schema yet.
  if (schema != 1) {
    return InvalidArgument("unsupported schema " + std::to_string(schema) + " for event type '" +
                               std::string(type) + "' (this build reads schema 1)",
                           "schema")
        .WithReason("unsupported_schema");
  }
  Result<Node> root = ParseData(data_json);
  if (!root.ok()) return root.status();
  return DecodeAlternative(*index, *root);
}

}  // namespace yiwang
