#include "domain/envelope.h"

#include <simdjson.h>

#include "domain/json.h"

namespace yiwang {
namespace {

constexpr std::string_view kHashMemberHead = ",\"hash\":\"";
// ,"hash":" + 64 hex + "}
constexpr size_t kHashMemberBytes = kHashMemberHead.size() + kHashHexLength + 2;

void EncodeWithoutHash(const EventEnvelope& event, JsonWriter* writer) {
  writer->BeginObject()
      .Field("position", event.position)
      .Field("stream", event.stream)
      .Field("version", event.version)
      .Field("type", event.type)
      .Field("schema", event.schema)
      .Field("occurred_at", FormatTimestamp(event.occurred_at))
      .Field("recorded_at", FormatTimestamp(event.recorded_at));
  writer->Key("actor").BeginObject();
  writer->OptionalField("id", event.actor.id)
      .OptionalField("role", event.actor.role)
      .OptionalField("department", event.actor.department)
      .OptionalField("channel", event.actor.channel)
      .OptionalField("outlet", event.actor.outlet)
      .EndObject();
  writer->OptionalField("correlation_id", event.correlation_id)
      .OptionalField("causation_id", event.causation_id)
      .OptionalField("idempotency_key", event.idempotency_key);
  writer->Key("data").Raw(event.data.empty() ? std::string_view("{}") : event.data);
  writer->Field("prev_hash", event.prev_hash).EndObject();
}

Status Malformed(std::string message) {
  return DataLoss("malformed event envelope: " + std::move(message));
}

template <typename T>
Status ReadInto(simdjson::simdjson_result<T> result, T* out, std::string_view member) {
  if (std::move(result).get(*out) != simdjson::SUCCESS) {
    return Malformed("member '" + std::string(member) + "' has the wrong type");
  }
  return Status::Ok();
}

Status ReadString(simdjson::ondemand::value value, std::string* out, std::string_view member) {
  std::string_view text;
  YIWANG_RETURN_IF_ERROR(ReadInto(value.get_string(), &text, member));
  out->assign(text);
  return Status::Ok();
}

Status ReadTimestamp(simdjson::ondemand::value value, Timestamp* out, std::string_view member) {
  std::string_view text;
  YIWANG_RETURN_IF_ERROR(ReadInto(value.get_string(), &text, member));
  Result<Timestamp> parsed = ParseTimestamp(text);
  if (!parsed.ok())
    return Malformed("member '" + std::string(member) + "': " + parsed.status().message());
  *out = *parsed;
  return Status::Ok();
}

Status ReadActor(simdjson::ondemand::value value, Actor* actor) {
  simdjson::ondemand::object object;
  YIWANG_RETURN_IF_ERROR(ReadInto(value.get_object(), &object, "actor"));
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Malformed("bad key in actor");
    std::string* target = key == "id"           ? &actor->id
                          : key == "role"       ? &actor->role
                          : key == "department" ? &actor->department
                          : key == "channel"    ? &actor->channel
                          : key == "outlet"     ? &actor->outlet
                                                : nullptr;
    if (target == nullptr) return Malformed("unknown member 'actor." + std::string(key) + "'");
    YIWANG_RETURN_IF_ERROR(ReadString(field.value(), target, "actor." + std::string(key)));
  }
  return Status::Ok();
}

}  // namespace

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string EncodeEnvelopeForHash(const EventEnvelope& event) {
  JsonWriter writer(512 + event.data.size());
  EncodeWithoutHash(event, &writer);
  return writer.Take();
}

void AppendHashMember(std::string* bytes, std::string_view hash_hex) {
  assert(!bytes->empty() && bytes->back() == '}');
  bytes->pop_back();
  bytes->append(kHashMemberHead);
  bytes->append(hash_hex);
  bytes->append("\"}");
}

std::string EncodeEnvelope(const EventEnvelope& event) {
  std::string bytes = EncodeEnvelopeForHash(event);
  AppendHashMember(&bytes, event.hash);
  return bytes;
}

Result<std::string_view> PrefixBeforeHashMember(std::string_view full_bytes) {
  if (full_bytes.size() < kHashMemberBytes + 2) return Malformed("too short to hold a hash");
  const size_t head_at = full_bytes.size() - kHashMemberBytes;
  if (full_bytes.substr(head_at, kHashMemberHead.size()) != kHashMemberHead ||
      full_bytes.substr(full_bytes.size() - 2) != "\"}" ||
      !IsLowerHex(full_bytes.substr(head_at + kHashMemberHead.size(), kHashHexLength))) {
    return Malformed("does not end in a \"hash\" member of 64 lowercase hex digits");
  }
  return full_bytes.substr(0, head_at);
}

Result<EventEnvelope> DecodeEnvelope(std::string_view bytes) {
  if (bytes.size() > kEventBytesMax) return Malformed("larger than kEventBytesMax");
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; copy into a padded buffer.
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(bytes);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return Malformed("not JSON");
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return Malformed("not a JSON object");

  EventEnvelope event;
  uint32_t seen = 0;  // bit per required member
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Malformed("bad key");
    simdjson::ondemand::value value = field.value();
    if (key == "position") {
      YIWANG_RETURN_IF_ERROR(ReadInto(value.get_uint64(), &event.position, key));
      seen |= 1u << 0;
    } else if (key == "stream") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.stream, key));
      seen |= 1u << 1;
    } else if (key == "version") {
      uint64_t version = 0;
      YIWANG_RETURN_IF_ERROR(ReadInto(value.get_uint64(), &version, key));
      if (version == 0 || version > UINT32_MAX) return Malformed("version out of range");
      event.version = static_cast<uint32_t>(version);
      seen |= 1u << 2;
    } else if (key == "type") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.type, key));
      seen |= 1u << 3;
    } else if (key == "schema") {
      uint64_t schema = 0;
      YIWANG_RETURN_IF_ERROR(ReadInto(value.get_uint64(), &schema, key));
      if (schema == 0 || schema > 1000) return Malformed("schema out of range");
      event.schema = static_cast<uint32_t>(schema);
      seen |= 1u << 4;
    } else if (key == "occurred_at") {
      YIWANG_RETURN_IF_ERROR(ReadTimestamp(value, &event.occurred_at, key));
      seen |= 1u << 5;
    } else if (key == "recorded_at") {
      YIWANG_RETURN_IF_ERROR(ReadTimestamp(value, &event.recorded_at, key));
      seen |= 1u << 6;
    } else if (key == "actor") {
      YIWANG_RETURN_IF_ERROR(ReadActor(value, &event.actor));
      seen |= 1u << 7;
    } else if (key == "correlation_id") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.correlation_id, key));
    } else if (key == "causation_id") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.causation_id, key));
    } else if (key == "idempotency_key") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.idempotency_key, key));
    } else if (key == "data") {
      simdjson::ondemand::object data;
      YIWANG_RETURN_IF_ERROR(ReadInto(value.get_object(), &data, key));
      std::string_view raw;
      if (data.raw_json().get(raw) != simdjson::SUCCESS) return Malformed("bad data member");
      event.data.assign(raw);
      seen |= 1u << 8;
    } else if (key == "prev_hash") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.prev_hash, key));
      seen |= 1u << 9;
    } else if (key == "hash") {
      YIWANG_RETURN_IF_ERROR(ReadString(value, &event.hash, key));
      seen |= 1u << 10;
    } else {
      return Malformed("unknown member '" + std::string(key) + "'");
    }
  }
  if (seen != (1u << 11) - 1) return Malformed("a required member is missing");
  if (event.position == 0) return Malformed("position must be at least 1");
  if (event.stream.empty() || event.stream.size() > kStreamIdBytesMax)
    return Malformed("bad stream id");
  if (event.prev_hash.size() != kHashHexLength || !IsLowerHex(event.prev_hash) ||
      event.hash.size() != kHashHexLength || !IsLowerHex(event.hash)) {
    return Malformed("prev_hash and hash must be 64 lowercase hex digits");
  }
  return event;
}

}  // namespace yiwang
