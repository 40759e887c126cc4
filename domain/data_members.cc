// ParseData: event data into the flat node array that Members reads (data_members.h).
//
// Cost: replay and import decode every stored event, so nothing here allocates per member. The
// node array and the padded input buffer are thread_local and only grow; keys and strings are
// string_views into the parser's own buffer (valid until the thread's next parse), and paths for
// error messages are built only when there is an error.
#include <simdjson.h>

#include "domain/internal/data_members.h"
#include "domain/internal/padded_copy.h"

namespace yiwang::internal {

Status Bad(std::string message, std::string field) {
  return InvalidArgument("event data: " + message, std::move(field))
      .WithReason("invalid_event_data");
}

std::string Join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

namespace {

// The path of a member for error messages ("applicant.name"), kept as a chain of keys on the
// stack and joined only when an error needs it. Array items share their array's path.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;
};

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

}  // namespace

Result<const Nodes*> ParseData(std::string_view data_json) {
  if (data_json.size() > kEventBytesMax) return Bad("larger than kEventBytesMax", "");
  thread_local simdjson::ondemand::parser parser;
  thread_local std::vector<char> padded;  // see PaddedCopy
  thread_local Nodes nodes;
  simdjson::ondemand::document document;
  if (parser.iterate(PaddedCopy(data_json, &padded)).get(document) != simdjson::SUCCESS) {
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

}  // namespace yiwang::internal
