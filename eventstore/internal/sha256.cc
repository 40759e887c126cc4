#include "eventstore/internal/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <cassert>
#include <cstdlib>
#include <memory>

namespace yiwang::eventstore_internal {
namespace {

// Fetching the algorithm once and reusing one context per thread avoids OpenSSL 3's per-call
// provider lookup, which costs more than hashing a 600-byte event.
const EVP_MD* FetchedSha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct ContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
  return context.get();
}

// Value of each lowercase hex digit, -1 for every other byte: two hashes are parsed per imported
// event, and the branchy digit test showed in its profile.
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
  return table;
}();

int HexValue(char c) { return kHexValues[static_cast<unsigned char>(c)]; }

}  // namespace

Hash256 Sha256(std::initializer_list<std::string_view> parts) {
  const EVP_MD* md = FetchedSha256();
  EVP_MD_CTX* context = ThreadContext();
  // Failure here means the crypto library is broken (no SHA-256): not recoverable, not input.
  if (md == nullptr || context == nullptr || EVP_DigestInit_ex(context, md, nullptr) != 1) abort();
  for (std::string_view part : parts) {
    if (!part.empty() && EVP_DigestUpdate(context, part.data(), part.size()) != 1) abort();
  }
  Hash256 hash;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context, hash.data(), &length) != 1 || length != kHashBytes) abort();
  return hash;
}

std::string HexOf(const Hash256& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(hash.size() * 2, '0');
  for (size_t index = 0; index < hash.size(); ++index) {
    hex[2 * index] = kDigits[hash[index] >> 4];
    hex[2 * index + 1] = kDigits[hash[index] & 0xf];
  }
  return hex;
}

bool ParseHex(std::string_view hex, Hash256* hash) {
  if (hex.size() != 2 * kHashBytes) return false;
  int invalid = 0;  // checked once at the end: no branch per digit
  for (size_t index = 0; index < kHashBytes; ++index) {
    const int high = HexValue(hex[2 * index]);
    const int low = HexValue(hex[2 * index + 1]);
    invalid |= high | low;
    (*hash)[index] = static_cast<uint8_t>(high << 4 | low);
  }
  return invalid >= 0;
}

}  // namespace yiwang::eventstore_internal
