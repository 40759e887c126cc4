// What the Kafka publisher needs from an event's stored bytes: the key (stream), the headers
// (type, hash) and recorded_at (for the lag in seconds). Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace yiwang::eventstore_internal {

struct KafkaMessageFields {
  std::string stream;
  std::string type;
  std::string hash;  // 64 lowercase hex
  int64_t recorded_at_ms = 0;
};

// Reads the fields from canonical envelope bytes. The envelope's fixed key order lets the common
// case be a few substring searches; values with JSON escapes fall back to the full decoder.
// kDataLoss when the bytes are not an envelope.
Result<KafkaMessageFields> ParseKafkaMessageFields(std::string_view bytes);

}  // namespace yiwang::eventstore_internal
