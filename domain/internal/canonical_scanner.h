// The canonical scanner: reads JSON exactly as JsonWriter writes it (no whitespace, members in
// the writer's order, strings without escapes), for the decoders' fast paths. Every reader says
// only whether the bytes were so; the caller then falls back to a parser, which accepts any
// valid JSON and says what is wrong with the rest.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstring>
#include <string_view>

#include "domain/time.h"

namespace yiwang::internal {

class CanonicalScanner {
 public:
  explicit CanonicalScanner(std::string_view bytes) : bytes_(bytes) {}

  size_t at() const { return at_; }
  void Seek(size_t at) { at_ = at; }
  // The literals are compile-time constants: a comparison of known length compiles to a few
  // loads instead of a call to memcmp (which was ~1.5 % of a replay).
  template <size_t N>
  bool Next(const char (&text)[N]) const {
    if (bytes_.size() - at_ < N - 1) return false;
    // Eight bytes at a time, the last (overlapping) word covering the rest: GCC kept calling
    // memcmp for these lengths.
    const char* at = bytes_.data() + at_;
    if constexpr (N - 1 >= 8) {
      uint64_t mismatch = 0;
      for (size_t offset = 0; offset + 8 < N - 1; offset += 8) {
        mismatch |= Word(at + offset) ^ Word(text + offset);
      }
      return (mismatch | (Word(at + N - 9) ^ Word(text + N - 9))) == 0;
    } else {
      return std::memcmp(at, text, N - 1) == 0;
    }
  }
  static uint64_t Word(const char* bytes) {
    uint64_t word;
    std::memcpy(&word, bytes, sizeof(word));
    return word;
  }
  template <size_t N>
  bool Literal(const char (&text)[N]) {
    if (!Next(text)) return false;
    at_ += N - 1;
    return true;
  }
  // The same for a text known only at run time (a member name passed down to a decoder).
  bool Literal(std::string_view text) {
    if (bytes_.size() - at_ < text.size() ||
        std::memcmp(bytes_.data() + at_, text.data(), text.size()) != 0) {
      return false;
    }
    at_ += text.size();
    return true;
  }
  bool Char(char c) {
    if (at_ == bytes_.size() || bytes_[at_] != c) return false;
    ++at_;
    return true;
  }
  bool Peek(char c) const { return at_ < bytes_.size() && bytes_[at_] == c; }
  bool AtEnd() const { return at_ == bytes_.size(); }
  // `"name":`, the member name written as JsonWriter writes it (names need no escapes).
  bool Name(std::string_view name) {
    const size_t begin = at_;
    if (Char('"') && Literal(name) && Char('"') && Char(':')) return true;
    at_ = begin;
    return false;
  }
  // `separator` (empty or ",") then `key`, consumed only when both are there.
  template <size_t N>
  bool Key(bool comma, const char (&key)[N]) {
    if (comma && !Literal(",")) return false;
    if (Literal(key)) return true;
    at_ -= comma ? 1 : 0;
    return false;
  }
  // Digits without a leading zero, no sign, no fraction, no overflow.
  bool Unsigned(uint64_t* out) {
    const size_t begin = at_;
    uint64_t value = 0;
    while (at_ < bytes_.size() && bytes_[at_] >= '0' && bytes_[at_] <= '9') {
      const uint64_t digit = static_cast<uint64_t>(bytes_[at_] - '0');
      if (value > (UINT64_MAX - digit) / 10) return false;
      value = value * 10 + digit;
      ++at_;
    }
    if (at_ == begin || (bytes_[begin] == '0' && at_ - begin > 1)) return false;
    *out = value;
    return true;
  }
  // The rest of a string whose opening quote was read, up to and past its closing quote. An
  // escape or a control character (which the canonical form escapes) is left to the parser.
  bool String(std::string_view* out) {
    const size_t begin = at_;
#if defined(__SSE2__)
    // Sixteen bytes at a time: the first quote, backslash or control byte ends the skip.
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i below_space = _mm_set1_epi8(0x1f);
    while (bytes_.size() - at_ >= 16) {
      const __m128i block =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes_.data() + at_));
      const __m128i special = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)),
          _mm_cmpeq_epi8(_mm_min_epu8(block, below_space), block));  // byte <= 0x1f
      const int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        at_ += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      at_ += 16;
    }
#endif
    for (; at_ < bytes_.size(); ++at_) {
      const unsigned char byte = static_cast<unsigned char>(bytes_[at_]);
      if (byte == '"') {
        *out = bytes_.substr(begin, at_ - begin);
        ++at_;
        return true;
      }
      if (byte < 0x20 || byte == '\\') return false;
    }
    return false;
  }
  bool Timestamp(yiwang::Timestamp* out) {
    std::string_view text;
    return String(&text) && ParseTimestampInto(text, out);
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

// Whether every byte is below 0x80 (then it is UTF-8): the envelope before the data nearly always
// is, and this spares a call through simdjson's dispatch for ~330 bytes.
inline bool IsAscii(std::string_view bytes) {
  size_t at = 0;
#if defined(__SSE2__)
  __m128i any_block = _mm_setzero_si128();
  for (; at + 16 <= bytes.size(); at += 16) {
    any_block = _mm_or_si128(any_block,
                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + at)));
  }
  if (_mm_movemask_epi8(any_block) != 0) return false;
#endif
  uint64_t any = 0;
  for (; at + 8 <= bytes.size(); at += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + at, sizeof(word));
    any |= word;
  }
  for (; at < bytes.size(); ++at) any |= static_cast<unsigned char>(bytes[at]);
  return (any & 0x8080808080808080ULL) == 0;
}

}  // namespace yiwang::internal
