// Key and value encodings of the event store's RocksDB column families (grammar in
// eventstore/README.md). Big-endian integers so that byte order is numeric order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yiwang::eventstore_internal {

inline constexpr char kEventsFamily[] = "events";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kHeadsFamily[] = "heads";
inline constexpr char kIdempotencyFamily[] = "idempotency";
inline constexpr char kMetaFamily[] = "meta";

inline constexpr std::string_view kMetaFormatVersionKey = "format_version";
inline constexpr std::string_view kMetaChainHeadKey = "chain_head";
inline constexpr std::string_view kMetaKafkaCursorKey = "kafka_cursor";
// Present (value "1") once the log holds replicated events: it then refuses local appends.
inline constexpr std::string_view kMetaReplicaKey = "replica";
inline constexpr uint32_t kFormatVersion = 1;

inline constexpr size_t kHashBytes = 32;
using Hash256 = std::array<uint8_t, kHashBytes>;

inline void PutBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}
inline void PutBigEndian32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}
inline uint64_t GetBigEndian64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t index = 0; index < 8; ++index)
    value = value << 8 | static_cast<uint8_t>(bytes[index]);
  return value;
}
inline uint32_t GetBigEndian32(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t index = 0; index < 4; ++index)
    value = value << 8 | static_cast<uint8_t>(bytes[index]);
  return value;
}

// events: position (8 bytes BE).
inline std::string EventKey(uint64_t position) {
  std::string key;
  key.reserve(8);
  PutBigEndian64(&key, position);
  return key;
}
inline std::optional<uint64_t> ParseEventKey(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return GetBigEndian64(key);
}

// streams: stream id, 0x00, version (4 bytes BE). Stream ids contain no control characters, so
// the 0x00 ends the id unambiguously and one stream's keys are contiguous in version order.
inline std::string StreamPrefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}
inline std::string StreamKey(std::string_view stream, uint32_t version) {
  std::string key = StreamPrefix(stream);
  PutBigEndian32(&key, version);
  return key;
}

// idempotency value: first position (8 BE), first version (4 BE), event count (4 BE), stream id.
struct IdempotencyRecord {
  uint64_t first_position = 0;
  uint32_t first_version = 0;
  uint32_t event_count = 0;
  std::string stream;
};
inline std::string EncodeIdempotencyRecord(const IdempotencyRecord& record) {
  std::string value;
  value.reserve(16 + record.stream.size());
  PutBigEndian64(&value, record.first_position);
  PutBigEndian32(&value, record.first_version);
  PutBigEndian32(&value, record.event_count);
  value.append(record.stream);
  return value;
}
inline std::optional<IdempotencyRecord> DecodeIdempotencyRecord(std::string_view value) {
  if (value.size() < 17) return std::nullopt;
  IdempotencyRecord record;
  record.first_position = GetBigEndian64(value);
  record.first_version = GetBigEndian32(value.substr(8));
  record.event_count = GetBigEndian32(value.substr(12));
  record.stream.assign(value.substr(16));
  if (record.first_position == 0 || record.first_version == 0 || record.event_count == 0) {
    return std::nullopt;
  }
  return record;
}

// meta chain_head: position (8 BE), hash (32 raw bytes).
inline std::string EncodeChainHead(uint64_t position, const Hash256& hash) {
  std::string value;
  value.reserve(8 + kHashBytes);
  PutBigEndian64(&value, position);
  value.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return value;
}

}  // namespace yiwang::eventstore_internal
