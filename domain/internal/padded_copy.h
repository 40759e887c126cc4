// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input. Copying into a buffer
// that only ever grows (one per thread and caller; callers refuse inputs over kEventBytesMax
// first, which bounds it) costs a memcpy instead of an allocation per parse; the padding is
// zeroed as simdjson::padded_string does. Internal to domain/ (the only module that parses with
// simdjson here besides its own private uses).
#pragma once

#include <simdjson.h>

#include <cstring>
#include <string_view>
#include <vector>

namespace yiwang::internal {

// `bytes` copied into `buffer`, padded; valid until the next call with the same buffer.
inline simdjson::padded_string_view PaddedCopy(std::string_view bytes, std::vector<char>* buffer) {
  const size_t capacity = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (buffer->size() < capacity) buffer->resize(capacity);
  std::memcpy(buffer->data(), bytes.data(), bytes.size());
  std::memset(buffer->data() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(buffer->data(), bytes.size(), buffer->size());
}

}  // namespace yiwang::internal
