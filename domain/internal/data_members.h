// The two readers of event data that the per-type decoders in events_decode.cc take members
// from, each with the same calls (String, Int, Date, Nested, StringPairs, Finish…) so that one
// decoder template serves both:
// - Members: over the flat node array ParseData builds with simdjson's on-demand parser (depth
//   and size bounded, duplicate keys refused, every number an integer); members in any order,
//   each error naming its member ("applicant.name").
// - CanonicalMembers: over the bytes, for data exactly as EncodeEventData writes it (the fast
//   path); it only says whether the data was so, and the parser then decides.
// Internal to domain/.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/internal/canonical_scanner.h"
#include "domain/status.h"
#include "domain/time.h"

namespace yiwang::internal {

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

// InvalidArgument with the event-data prefix, `field` the member's path, reason
// invalid_event_data.
Status Bad(std::string message, std::string field);
// "prefix.key", or "key" with no prefix.
std::string Join(std::string_view prefix, std::string_view key);

// Parses `data_json` into this thread's node array (nodes[0] is the root object). The nodes are
// valid until the thread's next ParseData.
Result<const Nodes*> ParseData(std::string_view data_json);

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
  // The object member `key`: a reader of its members, named "key.member" in errors.
  Status Nested(std::string_view key, std::optional<Members>* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kObject, "an object", /*required=*/true, &node));
    out->emplace(nodes_, Index(node), Path(key));
    return Status::Ok();
  }
  // The object member `key` of strings (CaseSubmitted.form) into `out`, whatever its keys.
  Status StringPairs(std::string_view key, size_t pairs_max, size_t key_bytes_max,
                     size_t value_bytes_max, std::map<std::string, std::string>* out) {
    const Node* node = nullptr;
    YIWANG_RETURN_IF_ERROR(Take(key, Node::Kind::kObject, "an object", /*required=*/true, &node));
    if (node->children > pairs_max) {
      return Bad("'" + Path(key) + "' has too many fields", Path(key));
    }
    for (size_t child = Index(node) + 1; child < node->end; child = nodes_[child].end) {
      const Node& value = nodes_[child];
      if (value.key.empty() || value.key.size() > key_bytes_max) {
        return Bad("bad " + std::string(key) + " key", Join(Path(key), value.key));
      }
      if (value.kind != Node::Kind::kString || value.text.size() > value_bytes_max) {
        std::string path = Join(Path(key), value.key);
        return Bad("'" + path + "' must be a string within limits", path);
      }
      // Parsing refused duplicate keys; canonical forms come sorted, so the hint is exact.
      out->emplace_hint(out->end(), value.key, value.text);
    }
    return Status::Ok();
  }
  std::string Path(std::string_view key) const { return Join(prefix_, key); }

  // The end of this object: fails on the first member no decoder took.
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
  explicit CanonicalMembers(CanonicalScanner* scan) : scan_(scan) {}
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
  // `"key":{`: a reader of the nested object's members, up to its Finish.
  Status Nested(std::string_view key, std::optional<CanonicalMembers>* out) {
    if (!Member(key) || !scan_->Char('{')) return NotCanonical();
    out->emplace(scan_);
    return Status::Ok();
  }
  // The object member `key` of strings (CaseSubmitted.form), its keys in increasing order as
  // JsonWriter writes a std::map.
  Status StringPairs(std::string_view key, size_t pairs_max, size_t key_bytes_max,
                     size_t value_bytes_max, std::map<std::string, std::string>* out) {
    if (!Member(key) || !scan_->Char('{')) return NotCanonical();
    if (scan_->Char('}')) return Status::Ok();
    std::string_view last;
    size_t pairs = 0;
    do {
      std::string_view name, value;
      if (++pairs > std::min(pairs_max, kDataMembersMax) || !scan_->Char('"') ||
          !scan_->String(&name) || name.empty() || name.size() > key_bytes_max ||
          (pairs > 1 && name <= last) || !scan_->Char(':') || !scan_->Char('"') ||
          !scan_->String(&value) || value.size() > value_bytes_max) {
        return NotCanonical();
      }
      out->emplace_hint(out->end(), name, value);
      last = name;
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

  CanonicalScanner* scan_;
  bool first_ = true;  // no member read yet: the next one has no comma before it
};

}  // namespace yiwang::internal
