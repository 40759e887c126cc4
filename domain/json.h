// Canonical JSON writing. Every event's bytes are produced here, so that the bytes stored in
// RocksDB, sent to Kafka, exported and hashed are identical for identical events.
//
// Canonical form (the grammar is in domain/README.md):
//   - no whitespace; object keys in the order the encoder writes them (fixed per type);
//   - strings: '"' and '\' escaped with a backslash; \b \f \n \r \t as such; other control
//     characters below 0x20 as \u00xx (lowercase hex); everything else, including non-ASCII
//     UTF-8, raw. '/' is not escaped.
//   - numbers: integers only, in shortest decimal form. Events carry no floating point.
// Thread-compatible: one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yiwang {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(size_t reserve_bytes) { out_.reserve(reserve_bytes); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts text that is already canonical JSON (an encoded sub-object).
  JsonWriter& Raw(std::string_view canonical_json);

  // Key(key) followed by the value.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const std::string& value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, uint32_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  // Writes the field only when the value is not empty (the canonical way to omit optionals).
  JsonWriter& OptionalField(std::string_view key, std::string_view value) {
    if (!value.empty()) Field(key, value);
    return *this;
  }
  JsonWriter& StringArray(std::string_view key, const std::vector<std::string>& values);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_in_container_;
  bool after_key_ = false;
};

// Appends `value` to `out` as a canonical JSON string literal (with the quotes).
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace yiwang
