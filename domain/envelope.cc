#include "domain/envelope.h"

#include <simdjson.h>

#include <cstring>
#include <optional>
#include <vector>

#include "domain/internal/canonical_scanner.h"
#include "domain/internal/padded_copy.h"
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

// The readers below run for every member of every decoded event, so they report failure as a
// bool plus a message written only then: an OK member builds no Status and no string.
// DecodeEnvelopeInto turns the message into Malformed(message).

template <typename T>
bool ReadInto(simdjson::simdjson_result<T> result, T* out, std::string_view member,
              std::string* error) {
  if (std::move(result).get(*out) == simdjson::SUCCESS) return true;
  *error = "member '" + std::string(member) + "' has the wrong type";
  return false;
}

bool ReadString(simdjson::ondemand::value value, std::string* out, std::string_view member,
                std::string* error) {
  std::string_view text;
  if (!ReadInto(value.get_string(), &text, member, error)) return false;
  out->assign(text);
  return true;
}

bool ReadTimestamp(simdjson::ondemand::value value, Timestamp* out, std::string_view member,
                   std::string* error) {
  std::string_view text;
  if (!ReadInto(value.get_string(), &text, member, error)) return false;
  Result<Timestamp> parsed = ParseTimestamp(text);
  if (!parsed.ok()) {
    *error = "member '" + std::string(member) + "': " + parsed.status().message();
    return false;
  }
  *out = *parsed;
  return true;
}

bool ReadActor(simdjson::ondemand::value value, Actor* actor, std::string* error) {
  simdjson::ondemand::object object;
  if (!ReadInto(value.get_object(), &object, "actor", error)) return false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      *error = "bad key in actor";
      return false;
    }
    std::string* target = key == "id"           ? &actor->id
                          : key == "role"       ? &actor->role
                          : key == "department" ? &actor->department
                          : key == "channel"    ? &actor->channel
                          : key == "outlet"     ? &actor->outlet
                                                : nullptr;
    if (target == nullptr) {
      *error = "unknown member 'actor." + std::string(key) + "'";
      return false;
    }
    std::string_view text;
    if (field.value().get_string().get(text) != simdjson::SUCCESS) {
      *error = "member 'actor." + std::string(key) + "' has the wrong type";
      return false;
    }
    target->assign(text);
  }
  return true;
}

bool ReadUint32(simdjson::ondemand::value value, uint64_t max, uint32_t* out,
                std::string_view member, std::string* error) {
  uint64_t number = 0;
  if (!ReadInto(value.get_uint64(), &number, member, error)) return false;
  if (number == 0 || number > max) {
    *error = std::string(member) + " out of range";
    return false;
  }
  *out = static_cast<uint32_t>(number);
  return true;
}

bool ReadRawObject(simdjson::ondemand::value value, std::string* out, std::string* error) {
  simdjson::ondemand::object data;
  if (!ReadInto(value.get_object(), &data, "data", error)) return false;
  std::string_view raw;
  if (data.raw_json().get(raw) != simdjson::SUCCESS) {
    *error = "bad data member";
    return false;
  }
  out->assign(raw);
  return true;
}

// Bits of `seen` in DecodeEnvelopeInto, one per required member.
enum RequiredMember : uint32_t {
  kPosition,
  kStream,
  kVersion,
  kType,
  kSchema,
  kOccurredAt,
  kRecordedAt,
  kActor,
  kData,
  kPrevHash,
  kHash,
  kRequiredMembers,
};

// Reads one top-level member into `event` and marks required ones in `seen`.
bool ReadMember(std::string_view key, simdjson::ondemand::value value, EventEnvelope* event,
                uint32_t* seen, std::string* error) {
  std::optional<RequiredMember> required;
  bool ok = false;
  if (key == "position") {
    ok = ReadInto(value.get_uint64(), &event->position, key, error);
    required = kPosition;
  } else if (key == "stream") {
    ok = ReadString(value, &event->stream, key, error);
    required = kStream;
  } else if (key == "version") {
    ok = ReadUint32(value, UINT32_MAX, &event->version, key, error);
    required = kVersion;
  } else if (key == "type") {
    ok = ReadString(value, &event->type, key, error);
    required = kType;
  } else if (key == "schema") {
    ok = ReadUint32(value, kEnvelopeSchemaMax, &event->schema, key, error);
    required = kSchema;
  } else if (key == "occurred_at") {
    ok = ReadTimestamp(value, &event->occurred_at, key, error);
    required = kOccurredAt;
  } else if (key == "recorded_at") {
    ok = ReadTimestamp(value, &event->recorded_at, key, error);
    required = kRecordedAt;
  } else if (key == "actor") {
    ok = ReadActor(value, &event->actor, error);
    required = kActor;
  } else if (key == "correlation_id") {
    ok = ReadString(value, &event->correlation_id, key, error);
  } else if (key == "causation_id") {
    ok = ReadString(value, &event->causation_id, key, error);
  } else if (key == "idempotency_key") {
    ok = ReadString(value, &event->idempotency_key, key, error);
  } else if (key == "data") {
    ok = ReadRawObject(value, &event->data, error);
    required = kData;
  } else if (key == "prev_hash") {
    ok = ReadString(value, &event->prev_hash, key, error);
    required = kPrevHash;
  } else if (key == "hash") {
    ok = ReadString(value, &event->hash, key, error);
    required = kHash;
  } else {
    *error = "unknown member '" + std::string(key) + "'";
  }
  if (ok && required.has_value()) *seen |= 1u << *required;
  return ok;
}

// Empties every member but keeps the strings' capacity, so that decoding event after event into
// one envelope stops allocating once the strings have grown to the largest event's sizes.
void Reset(EventEnvelope* event) {
  event->position = 0;
  event->stream.clear();
  event->version = 0;
  event->type.clear();
  event->schema = 1;
  event->occurred_at = Timestamp{};
  event->recorded_at = Timestamp{};
  for (std::string* text :
       {&event->actor.id, &event->actor.role, &event->actor.department, &event->actor.channel,
        &event->actor.outlet, &event->correlation_id, &event->causation_id, &event->idempotency_key,
        &event->data, &event->prev_hash, &event->hash}) {
    text->clear();
  }
}

// Whether every byte of `word` is '0'..'9' or 'a'..'f', eight bytes at once: adding a per-byte
// constant moves each byte's answer into its top bit, and no carry crosses into the next byte
// because bytes with the top bit set are refused first.
bool IsLowerHexWord(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kTopBits = kOnes * 0x80;
  if ((word & kTopBits) != 0) return false;
  const uint64_t digit = (word + kOnes * (0x80 - '0')) & ~(word + kOnes * (0x7f - '9'));
  const uint64_t letter = (word + kOnes * (0x80 - 'a')) & ~(word + kOnes * (0x7f - 'f'));
  return ((digit | letter) & kTopBits) == kTopBits;
}

}  // namespace

bool IsLowerHex(std::string_view text) {
  // Hashes are checked on every decoded event (two per event): sixteen bytes at a time, then a
  // word at a time, then the last few bytes. The word loop alone was ~2 % of a replay's
  // instructions.
  size_t at = 0;
#if defined(__SSE2__)
  // Unsigned byte <= limit as min(byte, limit) == byte; '0'..'9' and 'a'..'f' shifted to 0.
  const __m128i digit_base = _mm_set1_epi8('0');
  const __m128i letter_base = _mm_set1_epi8('a');
  const __m128i digit_last = _mm_set1_epi8(9);
  const __m128i letter_last = _mm_set1_epi8(5);
  for (; at + 16 <= text.size(); at += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    const __m128i digit = _mm_sub_epi8(block, digit_base);
    const __m128i letter = _mm_sub_epi8(block, letter_base);
    const __m128i hex =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(digit, digit_last), digit),
                     _mm_cmpeq_epi8(_mm_min_epu8(letter, letter_last), letter));
    if (_mm_movemask_epi8(hex) != 0xffff) return false;
  }
#endif
  for (; at + sizeof(uint64_t) <= text.size(); at += sizeof(uint64_t)) {
    uint64_t word;
    std::memcpy(&word, text.data() + at, sizeof word);
    if (!IsLowerHexWord(word)) return false;
  }
  for (; at < text.size(); ++at) {
    const char c = text[at];
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

namespace {

// Reads the canonical form left to right; every method answers false on the first byte that is
// not what EncodeEnvelope would have written there.
// `,"prev_hash":"<64 hex>"`, the end of the hashed bytes (PrefixBeforeHashMember).
constexpr std::string_view kPrevHashMemberHead = ",\"prev_hash\":\"";
constexpr size_t kPrevHashMemberBytes = kPrevHashMemberHead.size() + kHashHexLength + 1;

}  // namespace

EnvelopeView::EnvelopeView(const EventEnvelope& event)
    : position(event.position),
      stream(event.stream),
      version(event.version),
      type(event.type),
      schema(event.schema),
      occurred_at(event.occurred_at),
      recorded_at(event.recorded_at),
      actor(ActorView::Of(event.actor)),
      correlation_id(event.correlation_id),
      causation_id(event.causation_id),
      idempotency_key(event.idempotency_key),
      data(event.data),
      prev_hash(event.prev_hash),
      hash(event.hash) {}

bool DecodeCanonicalEnvelopeView(std::string_view bytes, EnvelopeView* out) {
  if (bytes.size() > kEventBytesMax) return false;
  // The fixed-length end first: `…,"prev_hash":"<64 hex>"` and the hash member after it.
  Result<std::string_view> hashed = PrefixBeforeHashMember(bytes);
  if (!hashed.ok() || hashed->size() < kPrevHashMemberBytes) return false;
  const size_t data_end = hashed->size() - kPrevHashMemberBytes;
  const std::string_view prev_member = hashed->substr(data_end);
  const std::string_view prev_hash =
      prev_member.substr(kPrevHashMemberHead.size(), kHashHexLength);
  if (!prev_member.starts_with(kPrevHashMemberHead) || !prev_member.ends_with('"') ||
      !IsLowerHex(prev_hash)) {
    return false;
  }
  internal::CanonicalScanner scan(bytes);
  uint64_t version = 0;
  uint64_t schema = 0;
  if (!scan.Literal("{\"position\":") || !scan.Unsigned(&out->position) ||
      out->position == 0 || !scan.Literal(",\"stream\":\"") || !scan.String(&out->stream) ||
      out->stream.empty() || out->stream.size() > kStreamIdBytesMax ||
      !scan.Literal(",\"version\":") || !scan.Unsigned(&version) || version == 0 ||
      version > UINT32_MAX || !scan.Literal(",\"type\":\"") || !scan.String(&out->type) ||
      !scan.Literal(",\"schema\":") || !scan.Unsigned(&schema) || schema == 0 ||
      schema > kEnvelopeSchemaMax || !scan.Literal(",\"occurred_at\":\"") ||
      !scan.Timestamp(&out->occurred_at) || !scan.Literal(",\"recorded_at\":\"") ||
      !scan.Timestamp(&out->recorded_at) || !scan.Literal(",\"actor\":{")) {
    return false;
  }
  out->version = static_cast<uint32_t>(version);
  out->schema = static_cast<uint32_t>(schema);
  // The actor's members in the canonical order, each present only when not empty. Each key is
  // written with its quotes, colon and the value's opening quote. False: not canonical.
  bool first = true;
  auto actor = [&](const auto& key, std::string_view* target) {
    *target = {};
    if (!scan.Key(!first, key)) return true;
    first = false;
    return scan.String(target);
  };
  auto optional = [&](const auto& key, std::string_view* target) {
    *target = {};
    if (!scan.Literal(key)) return true;
    return scan.String(target);
  };
  if (!actor("\"id\":\"", &out->actor.id) || !actor("\"role\":\"", &out->actor.role) ||
      !actor("\"department\":\"", &out->actor.department) ||
      !actor("\"channel\":\"", &out->actor.channel) ||
      !actor("\"outlet\":\"", &out->actor.outlet) || !scan.Literal("}") ||
      !optional(",\"correlation_id\":\"", &out->correlation_id) ||
      !optional(",\"causation_id\":\"", &out->causation_id) ||
      !optional(",\"idempotency_key\":\"", &out->idempotency_key)) {
    return false;
  }
  if (!scan.Literal(",\"data\":")) return false;
  // Everything before the data is what the scanner checked; its strings must be UTF-8, as a
  // JSON parser would require.
  if (!internal::IsAscii(bytes.substr(0, scan.at())) &&
      !simdjson::validate_utf8(bytes.data(), scan.at())) {
    return false;
  }
  if (data_end < scan.at() + 2 || bytes[scan.at()] != '{' || bytes[data_end - 1] != '}') {
    return false;
  }
  out->data = bytes.substr(scan.at(), data_end - scan.at());
  out->prev_hash = prev_hash;
  out->hash = bytes.substr(hashed->size() + kHashMemberHead.size(), kHashHexLength);
  return true;
}

Status DecodeEnvelopeInto(std::string_view bytes, EventEnvelope* out) {
  if (bytes.size() > kEventBytesMax) return Malformed("larger than kEventBytesMax");
  thread_local simdjson::ondemand::parser parser;
  thread_local std::vector<char> padded;  // see internal::PaddedCopy
  simdjson::ondemand::document document;
  if (parser.iterate(internal::PaddedCopy(bytes, &padded)).get(document) != simdjson::SUCCESS) {
    return Malformed("not JSON");
  }
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return Malformed("not a JSON object");

  Reset(out);
  uint32_t seen = 0;  // bit per required member
  std::string error;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Malformed("bad key");
    if (!ReadMember(key, field.value(), out, &seen, &error)) return Malformed(std::move(error));
  }
  if (seen != (1u << kRequiredMembers) - 1) return Malformed("a required member is missing");
  if (out->position == 0) return Malformed("position must be at least 1");
  if (out->stream.empty() || out->stream.size() > kStreamIdBytesMax)
    return Malformed("bad stream id");
  if (out->prev_hash.size() != kHashHexLength || !IsLowerHex(out->prev_hash) ||
      out->hash.size() != kHashHexLength || !IsLowerHex(out->hash)) {
    return Malformed("prev_hash and hash must be 64 lowercase hex digits");
  }
  return Status::Ok();
}

Result<EventEnvelope> DecodeEnvelope(std::string_view bytes) {
  EventEnvelope event;
  YIWANG_RETURN_IF_ERROR(DecodeEnvelopeInto(bytes, &event));
  return event;
}

}  // namespace yiwang
