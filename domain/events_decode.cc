// DecodeEventData: strict parsing of event data.
//
// Two steps: simdjson's on-demand parser turns the bytes into a flat array of nodes (depth and
// size bounded, duplicate keys refused, every number an integer), then a per-type decoder takes
// each member it knows from that array, checking its JSON type and limits, and finally refuses
// members it did not take. Taking from a tree instead of streaming keeps the per-type decoders
// independent of member order.
//
// Cost: replay and import decode every stored event, so nothing here allocates per member. The
// node array and the padded input buffer are thread_local and only grow; keys and strings are
// string_views into the parser's own buffer (valid until the thread's next parse), and paths for
// error messages are built only when there is an error. The typed structs' strings are the only
// allocations left.
#include <simdjson.h>

#include <array>
#include <bitset>
#include <cstring>
#include <utility>

#include "domain/events.h"
#include "domain/internal/canonical_scanner.h"
#include "domain/internal/padded_copy.h"

namespace yiwang {
namespace {

// data {applicant {…}} is the deepest shape: the root object, a nested object, its scalars.
constexpr int kDataDepthMax = 3;
constexpr size_t kDataMembersMax = 128;

// One JSON value. Nodes are stored in document order in one array: a container's members or
// items follow it, and each node's subtree ends just before `end`, so siblings are found by
// jumping from one `end` to the next.
struct Node {
  enum class Kind { kNull, kBool, kInt, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  std::string_view key;   // the member's name, when the node is a member of an object
  std::string_view text;  // a string's value
  uint32_t end = 0;       // index one past the last node of this subtree
  uint32_t children = 0;  // members of an object, items of an array
};

// The parsed document: nodes[0] is the root object. Views point into the parser's buffers.
using Nodes = std::vector<Node>;

// The path of a member for error messages ("applicant.name"), kept as a chain of keys on the
// stack and joined only when an error needs it. Array items share their array's path.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;
};

Status Bad(std::string message, std::string field) {
  return InvalidArgument("event data: " + message, std::move(field))
      .WithReason("invalid_event_data");
}

std::string Join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

std::string PathOf(const PathLink* link) {
  return link == nullptr ? std::string() : Join(PathOf(link->parent), link->key);
}

Status ParseNode(simdjson::ondemand::value value, int depth, const PathLink* path, Nodes* nodes);

// Whether the object at `object` already has a member named `key`.
bool HasMember(const Nodes& nodes, size_t object, std::string_view key) {
  for (size_t child = object + 1; child < nodes.size(); child = nodes[child].end) {
    if (nodes[child].key == key) return true;
  }
  return false;
}

// Parses an object whose node is already at nodes->back(); its members follow it.
Status ParseObject(simdjson::ondemand::object object, int depth, const PathLink* path,
                   Nodes* nodes) {
  const size_t self = nodes->size() - 1;
  (*nodes)[self].kind = Node::Kind::kObject;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return Bad("malformed key", PathOf(path));
    }
    const PathLink member_path{path, key};
    if (HasMember(*nodes, self, key)) {
      std::string text = PathOf(&member_path);
      return Bad("duplicate member '" + text + "'", text);
    }
    if ((*nodes)[self].children >= kDataMembersMax) return Bad("too many members", PathOf(path));
    ++(*nodes)[self].children;
    simdjson::ondemand::value member;
    if (field.value().get(member) != simdjson::SUCCESS) {
      std::string text = PathOf(&member_path);
      return Bad("malformed value of '" + text + "'", text);
    }
    nodes->emplace_back().key = key;
    YIWANG_RETURN_IF_ERROR(ParseNode(member, depth + 1, &member_path, nodes));
  }
  (*nodes)[self].end = static_cast<uint32_t>(nodes->size());
  return Status::Ok();
}

// Parses an array whose node is already at nodes->back(); its items follow it.
Status ParseArray(simdjson::ondemand::array array, int depth, const PathLink* path, Nodes* nodes) {
  const size_t self = nodes->size() - 1;
  (*nodes)[self].kind = Node::Kind::kArray;
  for (auto element : array) {
    if ((*nodes)[self].children >= kDataMembersMax) return Bad("too many elements", PathOf(path));
    simdjson::ondemand::value item;
    if (std::move(element).get(item) != simdjson::SUCCESS) {
      return Bad("malformed array", PathOf(path));
    }
    ++(*nodes)[self].children;
    nodes->emplace_back();
    YIWANG_RETURN_IF_ERROR(ParseNode(item, depth + 1, path, nodes));
  }
  (*nodes)[self].end = static_cast<uint32_t>(nodes->size());
  return Status::Ok();
}

// Fills nodes->back() (a scalar, or a container and its subtree) from `value`.
Status ParseNode(simdjson::ondemand::value value, int depth, const PathLink* path, Nodes* nodes) {
  if (depth > kDataDepthMax) return Bad("nested too deeply", PathOf(path));
  auto malformed = [path](std::string_view what) {
    return Bad("malformed " + std::string(what), PathOf(path));
  };
  using Type = simdjson::ondemand::json_type;
  Type type;
  if (value.type().get(type) != simdjson::SUCCESS) return malformed("value");
  Node& node = nodes->back();
  node.end = static_cast<uint32_t>(nodes->size());
  switch (type) {
    case Type::object: {
      simdjson::ondemand::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return malformed("object");
      return ParseObject(object, depth, path, nodes);
    }
    case Type::array: {
      simdjson::ondemand::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return malformed("array");
      return ParseArray(array, depth, path, nodes);
    }
    case Type::string:
      node.kind = Node::Kind::kString;
      if (value.get_string().get(node.text) != simdjson::SUCCESS) return malformed("string");
      return Status::Ok();
    case Type::number:
      node.kind = Node::Kind::kInt;
      if (value.get_int64().get(node.integer) == simdjson::SUCCESS) return Status::Ok();
      return Bad("'" + PathOf(path) + "' must be an integer", PathOf(path));
    case Type::boolean:
      node.kind = Node::Kind::kBool;
      if (value.get_bool().get(node.boolean) != simdjson::SUCCESS) return malformed("bool");
      return Status::Ok();
    case Type::null: {
      // is_null() converted straight to bool throws (and ends the process) on "nul", "nulx".
      bool is_null = false;
      if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return malformed("null");
      node.kind = Node::Kind::kNull;
      return Status::Ok();
    }
  }
  return malformed("value");
}

// The members of one object, taken one by one by a type decoder.
class Members {
 public:
  Members(const Nodes& nodes, size_t object, std::string prefix)
      : nodes_(nodes), object_(object), prefix_(std::move(prefix)) {}

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
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(TakeText(key, kEventIdBytesMax, /*required=*/true, &node));
    return ConvertDate(key, node->text, out);
  }
  Status OptionalDate(std::string_view key, std::optional<CivilDate>* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(TakeText(key, kEventIdBytesMax, /*required=*/false, &node));
    if (node == nullptr || node->text.empty()) return Status::Ok();
    CivilDate date;
    YIWANG_RETURN_IF_ERROR(ConvertDate(key, node->text, &date));
    *out = date;
    return Status::Ok();
  }
  Status Time(std::string_view key, Timestamp* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(TakeText(key, kEventIdBytesMax, /*required=*/true, &node));
    Result<Timestamp> parsed = ParseTimestamp(node->text);
    if (!parsed.ok()) return Bad("'" + Path(key) + "' is not a timestamp", Path(key));
    *out = *parsed;
    return Status::Ok();
  }
  Status StringList(std::string_view key, size_t items_max, size_t bytes_max,
                    std::vector<std::string>* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kArray, "an array", /*required=*/true, &node));
    if (node->children > items_max) return Bad("'" + Path(key) + "' too long", Path(key));
    out->reserve(out->size() + node->children);
    for (size_t item = Index(node) + 1; item < node->end; item = nodes_[item].end) {
      if (nodes_[item].kind != Node::Kind::kString || nodes_[item].text.size() > bytes_max) {
        return Bad("'" + Path(key) + "' must hold strings within limits", Path(key));
      }
      out->emplace_back(nodes_[item].text);
    }
    return Status::Ok();
  }
  Status Object(std::string_view key, const Node** out) {
    return Take(key, Node::Kind::kObject, "an object", /*required=*/true, out);
  }
  // The members of `object` (taken as `key`), named "key.member" in errors.
  Members Nested(std::string_view key, const Node* object) const {
    return Members(nodes_, Index(object), Path(key));
  }
  // Calls fn(key, value) for each member of `object` in document order; stops at an error.
  template <typename Fn>
  Status ForEachMember(const Node* object, Fn fn) const {
    for (size_t child = Index(object) + 1; child < object->end; child = nodes_[child].end) {
      YIWANG_RETURN_IF_ERROR(fn(nodes_[child].key, nodes_[child]));
    }
    return Status::Ok();
  }
  std::string Path(std::string_view key) const { return Join(prefix_, key); }

  // Fails on the first member no decoder took.
  Status Finish() const {
    size_t ordinal = 0;
    for (size_t child = object_ + 1; child < nodes_[object_].end; child = nodes_[child].end) {
      if (!taken_[ordinal++]) {
        std::string path = Path(nodes_[child].key);
        return Bad("unknown member '" + path + "'", path);
      }
    }
    return Status::Ok();
  }

 private:
  size_t Index(const Node* node) const { return static_cast<size_t>(node - nodes_.data()); }

  Status Take(std::string_view key, Node::Kind kind, std::string_view kind_name, bool required,
              const Node** out) {
    size_t ordinal = 0;
    for (size_t child = object_ + 1; child < nodes_[object_].end;
         child = nodes_[child].end, ++ordinal) {
      if (nodes_[child].key != key) continue;
      taken_[ordinal] = true;
      if (nodes_[child].kind != kind) {
        return Bad("'" + Path(key) + "' must be " + std::string(kind_name), Path(key));
      }
      *out = &nodes_[child];
      return Status::Ok();
    }
    if (required) return Bad("missing member '" + Path(key) + "'", Path(key));
    return Status::Ok();
  }
  // A string member within bytes_max; *out stays null when it is optional and absent.
  Status TakeText(std::string_view key, size_t bytes_max, bool required, const Node** out) {
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kString, "a string", required, out));
    if (*out != nullptr && (*out)->text.size() > bytes_max) {
      return Bad("'" + Path(key) + "' too long", Path(key));
    }
    return Status::Ok();
  }
  Status TakeString(std::string_view key, size_t bytes_max, bool required, std::string* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(TakeText(key, bytes_max, required, &node));
    if (node != nullptr) out->assign(node->text);
    return Status::Ok();
  }
  Status ConvertDate(std::string_view key, std::string_view text, CivilDate* out) {
    Result<CivilDate> parsed = ParseDate(text);
    if (!parsed.ok()) return Bad("'" + Path(key) + "' is not a date", Path(key));
    *out = *parsed;
    return Status::Ok();
  }

  const Nodes& nodes_;
  size_t object_;  // index of the object in nodes_
  std::string prefix_;
  std::bitset<kDataMembersMax> taken_;  // by member ordinal; parsing allows at most this many
};


// The members of one object of event data exactly as EncodeEventData writes it, read in the
// order the Decode overloads ask for them, which is the order Encode writes them: DecodeEventData's
// fast path. Anything else (another order, whitespace, an escape, a sign, a limit exceeded, an
// unknown member) fails, and DecodeEventData then decodes the data with the parser and Members,
// which accept valid JSON in any member order and name what is wrong. So only the successes of
// this reader must agree with Members: every check Members makes is made here too.
class CanonicalMembers {
 public:
  explicit CanonicalMembers(internal::CanonicalScanner* scan) : scan_(scan) {}
  Status String(std::string_view key, size_t bytes_max, std::string* out) {
    std::string_view text;
    if (!Text(key, &text) || text.size() > bytes_max) return NotCanonical();
    out->assign(text);
    return Status::Ok();
  }
  Status OptionalString(std::string_view key, size_t bytes_max, std::string* out) {
    return Has(key) ? String(key, bytes_max, out) : Status::Ok();
  }
  Status Int(std::string_view key, int min, int max, int* out) {
    uint64_t value = 0;
    if (max < 0 || !Member(key) || !scan_->Unsigned(&value) ||
        value > static_cast<uint64_t>(max) || static_cast<int64_t>(value) < min) {
      return NotCanonical();
    }
    *out = static_cast<int>(value);
    return Status::Ok();
  }
  Status Bool(std::string_view key, bool* out) {
    if (!Member(key)) return NotCanonical();
    if (scan_->Literal("true")) {
      *out = true;
    } else if (scan_->Literal("false")) {
      *out = false;
    } else {
      return NotCanonical();
    }
    return Status::Ok();
  }
  Status Date(std::string_view key, CivilDate* out) {
    std::string_view text;
    if (!Text(key, &text)) return NotCanonical();
    return ConvertDate(text, out);
  }
  Status OptionalDate(std::string_view key, std::optional<CivilDate>* out) {
    if (!Has(key)) return Status::Ok();
    std::string_view text;
    if (!Text(key, &text)) return NotCanonical();
    if (text.empty()) return Status::Ok();
    CivilDate date;
    YIWANG_RETURN_IF_ERROR(ConvertDate(text, &date));
    *out = date;
    return Status::Ok();
  }
  Status Time(std::string_view key, Timestamp* out) {
    std::string_view text;
    if (!Text(key, &text) || text.size() > kEventIdBytesMax || !ParseTimestampInto(text, out)) {
      return NotCanonical();
    }
    return Status::Ok();
  }
  Status StringList(std::string_view key, size_t items_max, size_t bytes_max,
                    std::vector<std::string>* out) {
    if (!Member(key) || !scan_->Char('[')) return NotCanonical();
    if (scan_->Char(']')) return Status::Ok();
    size_t items = 0;
    do {
      std::string_view text;
      if (++items > std::min(items_max, kDataMembersMax) || !scan_->Char('"') ||
          !scan_->String(&text) || text.size() > bytes_max) {
        return NotCanonical();
      }
      out->emplace_back(text);
    } while (scan_->Char(','));
    return scan_->Char(']') ? Status::Ok() : NotCanonical();
  }
  // `"key":{`: a nested object, whose members a Nested() reader takes, up to its Finish.
  Status Enter(std::string_view key) {
    return Member(key) && scan_->Char('{') ? Status::Ok() : NotCanonical();
  }
  CanonicalMembers Nested() const { return CanonicalMembers(scan_); }
  // The members of an object of strings (CaseSubmitted.form), in increasing key order as
  // JsonWriter writes a std::map, up to the object's end.
  Status StringPairs(size_t pairs_max, size_t key_bytes_max, size_t value_bytes_max,
                     std::map<std::string, std::string>* out) {
    if (scan_->Char('}')) return Status::Ok();
    std::string_view last;
    size_t pairs = 0;
    do {
      std::string_view key, value;
      if (++pairs > std::min(pairs_max, kDataMembersMax) || !scan_->Char('"') ||
          !scan_->String(&key) || key.empty() || key.size() > key_bytes_max ||
          (pairs > 1 && key <= last) || !scan_->Char(':') || !scan_->Char('"') ||
          !scan_->String(&value) || value.size() > value_bytes_max) {
        return NotCanonical();
      }
      out->emplace_hint(out->end(), key, value);
      last = key;
    } while (scan_->Char(','));
    return scan_->Char('}') ? Status::Ok() : NotCanonical();
  }
  // The end of this object: nothing is left that no decoder took.
  Status Finish() { return scan_->Char('}') ? Status::Ok() : NotCanonical(); }
  std::string Path(std::string_view key) const { return std::string(key); }

 private:
  static Status NotCanonical() { return Bad("not in canonical form", ""); }
  // `,"key":` (no comma before the first member), consumed only when it is next.
  bool Member(std::string_view key) {
    const size_t begin = scan_->at();
    if ((!first_ && !scan_->Char(',')) || !scan_->Name(key)) {
      scan_->Seek(begin);
      return false;
    }
    first_ = false;
    return true;
  }
  bool Has(std::string_view key) {
    const size_t begin = scan_->at();
    const bool first = first_;
    const bool found = Member(key);
    scan_->Seek(begin);
    first_ = first;
    return found;
  }
  bool Text(std::string_view key, std::string_view* out) {
    return Member(key) && scan_->Char('"') && scan_->String(out);
  }
  static Status ConvertDate(std::string_view text, CivilDate* out) {
    if (text.size() > kEventIdBytesMax) return NotCanonical();
    Result<CivilDate> parsed = ParseDate(text);
    if (!parsed.ok()) return NotCanonical();
    *out = *parsed;
    return Status::Ok();
  }

  internal::CanonicalScanner* scan_;
  bool first_ = true;  // no member read yet: the next one has no comma before it
};

template <typename M, typename Enum>
Status TakeEnum(M& members, std::string_view key,
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
  Members applicant = members.Nested("applicant", node);
  YIWANG_RETURN_IF_ERROR(applicant.String("id_number", kEventIdBytesMax, &out->id_number));
  YIWANG_RETURN_IF_ERROR(applicant.String("name", kEventNameBytesMax, &out->name));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("phone", kEventNameBytesMax, &out->phone));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("address", kEventTextBytesMax, &out->address));
  return applicant.Finish();
}

Status DecodeForm(Members& members, std::map<std::string, std::string>* out) {
  const Node* node = nullptr;
  YIWANG_RETURN_IF_ERROR(members.Object("form", &node));
  if (node->children > kFormFieldsMax) return Bad("'form' has too many fields", "form");
  return members.ForEachMember(node, [out](std::string_view key, const Node& value) {
    if (key.empty() || key.size() > kEventIdBytesMax) {
      return Bad("bad form key", "form." + std::string(key));
    }
    if (value.kind != Node::Kind::kString || value.text.size() > kFormValueBytesMax) {
      std::string path = "form." + std::string(key);
      return Bad("'" + path + "' must be a string within limits", path);
    }
    // Parsing refused duplicate keys; canonical forms come sorted, so the hint is exact.
    out->emplace_hint(out->end(), key, value.text);
    return Status::Ok();
  });
}

Status DecodeApplicant(CanonicalMembers& members, Applicant* out) {
  YIWANG_RETURN_IF_ERROR(members.Enter("applicant"));
  CanonicalMembers applicant = members.Nested();
  YIWANG_RETURN_IF_ERROR(applicant.String("id_number", kEventIdBytesMax, &out->id_number));
  YIWANG_RETURN_IF_ERROR(applicant.String("name", kEventNameBytesMax, &out->name));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("phone", kEventNameBytesMax, &out->phone));
  YIWANG_RETURN_IF_ERROR(applicant.OptionalString("address", kEventTextBytesMax, &out->address));
  return applicant.Finish();
}

Status DecodeForm(CanonicalMembers& members, std::map<std::string, std::string>* out) {
  YIWANG_RETURN_IF_ERROR(members.Enter("form"));
  return members.Nested().StringPairs(kFormFieldsMax, kEventIdBytesMax, kFormValueBytesMax, out);
}

// One Decode overload per event type: the schema-1 layout written by events.cc.
template <typename M>
Status Decode(M& m, CaseSubmitted* out) {
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
template <typename M>
Status Decode(M& m, MaterialsRequested* out) {
  YIWANG_RETURN_IF_ERROR(
      m.StringList("missing", kEventListItemsMax, kEventNameBytesMax, &out->missing));
  YIWANG_RETURN_IF_ERROR(m.OptionalString("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
template <typename M>
Status Decode(M& m, MaterialsSupplemented* out) {
  return m.StringList("materials", kEventListItemsMax, kEventNameBytesMax, &out->materials);
}
template <typename M>
Status Decode(M& m, CaseAccepted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("acceptance_number", kEventIdBytesMax, &out->acceptance_number));
  YIWANG_RETURN_IF_ERROR(m.Int("promised_days", 0, kEventDaysMax, &out->promised_days));
  YIWANG_RETURN_IF_ERROR(m.Int("legal_days", 0, kEventDaysMax, &out->legal_days));
  YIWANG_RETURN_IF_ERROR(m.Bool("immediate", &out->immediate));
  YIWANG_RETURN_IF_ERROR(m.Bool("comprehensive_window", &out->comprehensive_window));
  YIWANG_RETURN_IF_ERROR(m.Time("clock_start", &out->clock_start));
  YIWANG_RETURN_IF_ERROR(m.Date("deadline", &out->deadline));
  return m.Date("legal_deadline", &out->legal_deadline);
}
template <typename M>
Status Decode(M& m, CaseNotAccepted* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseTransferred* out) {
  YIWANG_RETURN_IF_ERROR(m.String("department", kEventNameBytesMax, &out->department));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M&, ReviewStarted*) { return Status::Ok(); }
template <typename M>
Status Decode(M& m, ReviewStepCompleted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "step", &ParseReviewStep, &out->step));
  YIWANG_RETURN_IF_ERROR(m.String("opinion", kEventTextBytesMax, &out->opinion));
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, SpecialProcedureStarted* out) {
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "kind", &ParseSpecialProcedureKind, &out->kind));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseSuspended* out) {
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M&, CaseResumed*) { return Status::Ok(); }
template <typename M>
Status Decode(M& m, DeadlineExtended* out) {
  YIWANG_RETURN_IF_ERROR(m.Int("working_days", 1, kExtensionWorkingDaysMax, &out->working_days));
  return m.String("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseApproved* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, CaseDenied* out) {
  YIWANG_RETURN_IF_ERROR(m.String("reason", kEventTextBytesMax, &out->reason));
  return m.String("appeal_notice", kEventTextBytesMax, &out->appeal_notice);
}
template <typename M>
Status Decode(M& m, CertificateIssued* out) {
  YIWANG_RETURN_IF_ERROR(m.String("certificate_id", kEventIdBytesMax, &out->certificate_id));
  YIWANG_RETURN_IF_ERROR(TakeEnum(m, "delivery", &ParseDelivery, &out->delivery));
  YIWANG_RETURN_IF_ERROR(
      m.OptionalString("tracking_number", kEventIdBytesMax, &out->tracking_number));
  if (out->tracking_number.empty() != (out->delivery == Delivery::kPickup)) {
    return Bad("tracking_number goes with express delivery only", "tracking_number");
  }
  return Status::Ok();
}
template <typename M>
Status Decode(M& m, CaseDelivered* out) {
  return m.OptionalString("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, CaseWithdrawn* out) {
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, CaseClosed* out) {
  YIWANG_RETURN_IF_ERROR(m.String("result_code", kEventIdBytesMax, &out->result_code));
  return m.OptionalString("reason", kEventTextBytesMax, &out->reason);
}
template <typename M>
Status Decode(M& m, SupervisionOrdered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  YIWANG_RETURN_IF_ERROR(m.String("note", kEventTextBytesMax, &out->note));
  return m.Date("due", &out->due);
}
template <typename M>
Status Decode(M& m, SupervisionAnswered* out) {
  YIWANG_RETURN_IF_ERROR(m.String("order_id", kEventIdBytesMax, &out->order_id));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
template <typename M>
Status Decode(M& m, Consulted* out) {
  YIWANG_RETURN_IF_ERROR(m.String("question", kEventTextBytesMax, &out->question));
  return m.String("answer", kEventTextBytesMax, &out->answer);
}
template <typename M>
Status Decode(M& m, Evaluated* out) {
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
template <typename M>
Status Decode(M& m, RectificationRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.String("rectification_id", kEventIdBytesMax, &out->rectification_id));
  return m.String("note", kEventTextBytesMax, &out->note);
}
template <typename M>
Status Decode(M& m, TripRecorded* out) {
  YIWANG_RETURN_IF_ERROR(m.OptionalString("outlet", kEventIdBytesMax, &out->outlet));
  return m.String("purpose", kEventNameBytesMax, &out->purpose);
}

// Decodes the alternative `index` of CaseEvent (found by its type name) from `root`.
template <size_t I = 0>
Result<CaseEvent> DecodeAlternative(size_t index, const Nodes& nodes) {
  if constexpr (I < std::variant_size_v<CaseEvent>) {
    if (index != I) return DecodeAlternative<I + 1>(index, nodes);
    std::variant_alternative_t<I, CaseEvent> event;
    Members members(nodes, /*object=*/0, "");
    YIWANG_RETURN_IF_ERROR(Decode(members, &event));
    YIWANG_RETURN_IF_ERROR(members.Finish());
    return CaseEvent(std::in_place_index<I>, std::move(event));
  } else {
    return Internal("event type index out of range");
  }
}

// DecodeEventData's fast path for the alternative I: decoded in place into `out`, from data in
// the shape EncodeEventData writes; false when the data is not so (then `out` holds a partly
// decoded event, and the parser decides).
template <size_t I>
bool DecodeCanonicalAt(std::string_view data_json, CaseEvent* out) {
  internal::CanonicalScanner scan(data_json);
  if (!scan.Char('{')) return false;
  CanonicalMembers members(&scan);
  auto& event = out->template emplace<I>();
  return Decode(members, &event).ok() && members.Finish().ok() && scan.AtEnd();
}

using CanonicalDecoder = bool (*)(std::string_view, CaseEvent*);

template <size_t... I>
constexpr std::array<CanonicalDecoder, sizeof...(I)> CanonicalDecoders(std::index_sequence<I...>) {
  return {&DecodeCanonicalAt<I>...};
}

// By alternative index: one indirect call instead of a chain of index comparisons.
constexpr std::array<CanonicalDecoder, std::variant_size_v<CaseEvent>> kCanonicalDecoders =
    CanonicalDecoders(std::make_index_sequence<std::variant_size_v<CaseEvent>>());

// The fast path's checks of the whole data, then its decode. The data must be UTF-8, as the
// parser requires; the scanner refuses escapes, control bytes and whitespace by itself.
bool DecodeCanonical(size_t index, std::string_view data_json, CaseEvent* out) {
  if (data_json.size() > kEventBytesMax) return false;
  if (!internal::IsAscii(data_json) &&
      !simdjson::validate_utf8(data_json.data(), data_json.size())) {
    return false;
  }
  return kCanonicalDecoders[index](data_json, out);
}

// The names of CaseEvent's alternatives in a small open-addressing table: the hash only picks
// where to start comparing. Built once at start-up, not as a function-local static: the guard
// check and an optional<size_t> return (a byte stored, then read back as a word) had made this
// lookup, made twice for every replayed event, the decoder thread's costliest function in perf.
constexpr size_t kEventTypeSlots = 64;
static_assert(std::variant_size_v<CaseEvent> < kEventTypeSlots / 2, "keep probe sequences short");

struct EventTypeSlot {
  std::string_view name;  // empty: a free slot
  int index = 0;
};

constexpr size_t EventTypeHash(std::string_view name) {
  const size_t middle = name.empty() ? 0 : static_cast<unsigned char>(name[name.size() / 2]);
  return (name.size() * 31 + middle) % kEventTypeSlots;
}

template <size_t... I>
std::array<EventTypeSlot, kEventTypeSlots> EventTypeTable(std::index_sequence<I...>) {
  std::array<EventTypeSlot, kEventTypeSlots> table{};
  auto insert = [&table](std::string_view name, int index) {
    size_t slot = EventTypeHash(name);
    while (!table[slot].name.empty()) slot = (slot + 1) % kEventTypeSlots;
    table[slot] = EventTypeSlot{name, index};
  };
  (insert(EventTypeName(CaseEvent(std::in_place_index<I>)), static_cast<int>(I)), ...);
  return table;
}

const std::array<EventTypeSlot, kEventTypeSlots> kEventTypes =
    EventTypeTable(std::make_index_sequence<std::variant_size_v<CaseEvent>>());

// The index of `type` among CaseEvent's alternatives; -1 when it is none of them.
int EventTypeIndex(std::string_view type) {
  for (size_t slot = EventTypeHash(type); !kEventTypes[slot].name.empty();
       slot = (slot + 1) % kEventTypeSlots) {
    if (kEventTypes[slot].name == type) return kEventTypes[slot].index;
  }
  return -1;
}

// Parses `data_json` into this thread's node array (nodes[0] is the root object). The nodes are
// valid until the thread's next ParseData.
Result<const Nodes*> ParseData(std::string_view data_json) {
  if (data_json.size() > kEventBytesMax) return Bad("larger than kEventBytesMax", "");
  thread_local simdjson::ondemand::parser parser;
  thread_local std::vector<char> padded;  // see internal::PaddedCopy
  thread_local Nodes nodes;
  simdjson::ondemand::document document;
  if (parser.iterate(internal::PaddedCopy(data_json, &padded)).get(document) != simdjson::SUCCESS) {
    return Bad("not JSON", "");
  }
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return Bad("not a JSON object", "");
  nodes.clear();
  nodes.emplace_back();
  YIWANG_RETURN_IF_ERROR(ParseObject(object, 1, /*path=*/nullptr, &nodes));
  // After the root object the document must be at its end: anything else is trailing garbage.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return Bad("trailing content after the object", "");
  }
  return &nodes;
}

}  // namespace

// Asked for every event the runner reads: the hash table, not a scan of the names.
bool IsCaseEventType(std::string_view type) { return EventTypeIndex(type) >= 0; }

bool DecodeCanonicalEventData(std::string_view type, uint32_t schema, std::string_view data_json,
                              CaseEvent* out) {
  const int index = EventTypeIndex(type);
  return index >= 0 && schema == 1 && DecodeCanonical(static_cast<size_t>(index), data_json, out);
}

namespace {

Status DecodeDataInto(std::string_view type, uint32_t schema, std::string_view data_json,
                      bool canonical_first, CaseEvent* out) {
  const int index = EventTypeIndex(type);
  if (index < 0) {
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
  if (canonical_first && DecodeCanonical(static_cast<size_t>(index), data_json, out)) {
    return Status::Ok();
  }
  Result<const Nodes*> nodes = ParseData(data_json);
  if (!nodes.ok()) return nodes.status();
  Result<CaseEvent> decoded = DecodeAlternative(static_cast<size_t>(index), **nodes);
  if (!decoded.ok()) return decoded.status();
  *out = std::move(decoded).value();
  return Status::Ok();
}

}  // namespace

Status DecodeEventDataInto(std::string_view type, uint32_t schema, std::string_view data_json,
                           CaseEvent* out) {
  return DecodeDataInto(type, schema, data_json, /*canonical_first=*/true, out);
}

Result<CaseEvent> DecodeEventData(std::string_view type, uint32_t schema,
                                  std::string_view data_json) {
  CaseEvent event;
  YIWANG_RETURN_IF_ERROR(DecodeDataInto(type, schema, data_json, /*canonical_first=*/true, &event));
  return event;
}

Result<CaseEvent> DecodeEventDataWithParser(std::string_view type, uint32_t schema,
                                            std::string_view data_json) {
  CaseEvent event;
  YIWANG_RETURN_IF_ERROR(
      DecodeDataInto(type, schema, data_json, /*canonical_first=*/false, &event));
  return event;
}

}  // namespace yiwang
