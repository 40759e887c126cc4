// Length-prefixed binary encoding of projection records (read store values): fixed-width
// little-endian integers, u32-length-prefixed strings (or Var-length-prefixed, VarStr), u8
// presence flags. The read store is rebuilt from the log, so the byte order of the machine that
// wrote it is the one that reads it.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/time.h"

namespace yiwang::projections::internal {

// A read-store key: one tag byte naming the kind of record, then its id ('c' + case number).
inline std::string TaggedKey(char tag, std::string_view id) {
  std::string key(1, tag);
  key.append(id);
  return key;
}

// 8 bytes, most significant first, so that keys and values sort by the number.
inline std::string BigEndian(uint64_t value) {
  std::string out(8, '\0');
  for (int index = 7; index >= 0; --index) {
    out[index] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}
// The number of BigEndian's (at most the first 8 bytes).
inline uint64_t FromBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (char byte : bytes.substr(0, 8)) value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

class Writer {
 public:
  Writer() = default;
  // Room for `reserve` bytes up front: an encoding that grows by appending reallocates and
  // copies itself several times (progress records ~3.6 times each in a replay).
  explicit Writer(size_t reserve) { out_.reserve(reserve); }
  // Goes on after the bytes of `start` (its memory is reused; Take gives it back).
  explicit Writer(std::string&& start) : out_(std::move(start)) {}
  void U8(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void U32(uint32_t value) { Fixed(value); }
  void I64(int64_t value) { Fixed(value); }
  void Int(int value) { Fixed(static_cast<int32_t>(value)); }
  void Bool(bool value) { U8(value ? 1 : 0); }
  void Str(std::string_view value) {
    U32(static_cast<uint32_t>(value.size()));
    out_.append(value);
  }
  // A u32 in 1-5 bytes, 7 bits each, least significant first (LEB128): lengths of short
  // strings take one byte instead of four.
  void Var(uint32_t value) {
    while (value >= 0x80) {
      U8(static_cast<uint8_t>(value | 0x80));
      value >>= 7;
    }
    U8(static_cast<uint8_t>(value));
  }
  // A string prefixed with its Var length.
  void VarStr(std::string_view value) {
    Var(static_cast<uint32_t>(value.size()));
    out_.append(value);
  }
  void Time(Timestamp value) { I64(value.unix_ms); }
  void Date(CivilDate value) { I64(DaysFromCivil(value)); }
  // Bytes another Writer wrote, as they are.
  void Raw(std::string_view bytes) { out_.append(bytes); }
  void OptTime(const std::optional<Timestamp>& value) {
    Bool(value.has_value());
    if (value) Time(*value);
  }
  void OptDate(const std::optional<CivilDate>& value) {
    Bool(value.has_value());
    if (value) Date(*value);
  }
  void Strings(const std::vector<std::string>& values) {
    U32(static_cast<uint32_t>(values.size()));
    for (const std::string& value : values) Str(value);
  }
  void DateMap(const std::map<std::string, CivilDate>& values) {
    U32(static_cast<uint32_t>(values.size()));
    for (const auto& [key, date] : values) {
      Str(key);
      Date(date);
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  template <typename T>
  void Fixed(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }
  std::string out_;
};

// Reads what Writer wrote; any short read marks the reader failed and returns zero values.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  bool failed() const { return failed_; }
  // Marks the bytes malformed (a value read is out of its range).
  void Reject() { failed_ = true; }
  bool at_end() const { return rest_.empty(); }
  // The bytes not read yet.
  std::string_view rest() const { return rest_; }

  uint8_t U8() { return Fixed<uint8_t>(); }
  uint32_t U32() { return Fixed<uint32_t>(); }
  int64_t I64() { return Fixed<int64_t>(); }
  int Int() { return Fixed<int32_t>(); }
  bool Bool() {
    const uint8_t value = U8();
    if (value > 1) failed_ = true;
    return value == 1;
  }
  std::string Str() { return std::string(StrView()); }
  // The same, viewing the bytes read.
  std::string_view StrView() { return Bytes(U32()); }
  uint32_t Var() {
    uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const uint8_t byte = U8();
      if (failed_) return 0;
      // The fifth byte carries the top 4 bits only.
      if (shift == 28 && byte > 0x0f) return Fail<uint32_t>();
      value |= static_cast<uint32_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Fail<uint32_t>();
  }
  // What Writer::VarStr wrote, viewing the bytes read.
  std::string_view VarStrView() { return Bytes(Var()); }
  Timestamp Time() { return Timestamp{I64()}; }
  CivilDate Date() { return CivilFromDays(I64()); }
  std::optional<Timestamp> OptTime() {
    if (!Bool()) return std::nullopt;
    return Time();
  }
  std::optional<CivilDate> OptDate() {
    if (!Bool()) return std::nullopt;
    return Date();
  }
  // Counts are bounded by the bytes left: every element takes at least one byte.
  uint32_t Count() {
    const uint32_t count = U32();
    if (count > rest_.size()) return Fail<uint32_t>();
    return count;
  }
  std::vector<std::string> Strings() {
    std::vector<std::string> values(Count());
    for (std::string& value : values) value = Str();
    return values;
  }
  std::map<std::string, CivilDate> DateMap() {
    std::map<std::string, CivilDate> values;
    for (uint32_t count = Count(); count > 0 && !failed_; --count) {
      std::string key = Str();
      values[std::move(key)] = Date();
    }
    return values;
  }

 private:
  template <typename T>
  T Fail() {
    failed_ = true;
    return T{};
  }
  // The next `size` bytes (a string's, its length just read).
  std::string_view Bytes(uint32_t size) {
    if (failed_ || size > rest_.size()) return Fail<std::string_view>();
    std::string_view value = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return value;
  }
  template <typename T>
  T Fixed() {
    if (failed_ || rest_.size() < sizeof(T)) return Fail<T>();
    T value;
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return value;
  }
  std::string_view rest_;
  bool failed_ = false;
};

}  // namespace yiwang::projections::internal
