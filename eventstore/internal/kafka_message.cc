#include "eventstore/internal/kafka_message.h"

#include "domain/envelope.h"

namespace yiwang::eventstore_internal {
namespace {

// The string value of the first `"name":"` member at or after `from`, when it holds no escape.
// Canonical JSON escapes every quote inside a string, so the first quote after the opening one
// closes it; a backslash before it means an escape, which this fast path leaves to the decoder.
bool FindPlainString(std::string_view bytes, std::string_view name, size_t from,
                     std::string_view* value, size_t* end) {
  const std::string needle = "\"" + std::string(name) + "\":\"";
  const size_t at = bytes.find(needle, from);
  if (at == std::string_view::npos) return false;
  const size_t start = at + needle.size();
  const size_t close = bytes.find('"', start);
  if (close == std::string_view::npos) return false;
  *value = bytes.substr(start, close - start);
  *end = close + 1;
  return value->find('\\') == std::string_view::npos;
}

Result<KafkaMessageFields> Decode(std::string_view bytes) {
  Result<EventEnvelope> envelope = DecodeEnvelope(bytes);
  if (!envelope.ok()) return DataLoss("not an event envelope: " + envelope.status().message());
  return KafkaMessageFields{envelope->stream, envelope->type, envelope->hash,
                            envelope->recorded_at.unix_ms};
}

}  // namespace

Result<KafkaMessageFields> ParseKafkaMessageFields(std::string_view bytes) {
  constexpr std::string_view kHashMember = ",\"hash\":\"";
  std::string_view stream, type, recorded_at;
  size_t end = 0;
  if (!FindPlainString(bytes, "stream", 0, &stream, &end) ||
      !FindPlainString(bytes, "type", end, &type, &end) ||
      !FindPlainString(bytes, "recorded_at", end, &recorded_at, &end)) {
    return Decode(bytes);
  }
  const size_t hash_at = bytes.rfind(kHashMember);
  if (hash_at == std::string_view::npos || hash_at < end ||
      bytes.size() != hash_at + kHashMember.size() + kHashHexLength + 2) {
    return Decode(bytes);
  }
  const std::string_view hash = bytes.substr(hash_at + kHashMember.size(), kHashHexLength);
  Result<Timestamp> recorded = ParseTimestamp(recorded_at);
  if (!recorded.ok() || !IsLowerHex(hash)) return Decode(bytes);
  return KafkaMessageFields{std::string(stream), std::string(type), std::string(hash),
                            recorded->unix_ms};
}

}  // namespace yiwang::eventstore_internal
