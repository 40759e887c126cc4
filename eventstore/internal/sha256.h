// SHA-256 for the hash chain, without exposing the crypto library.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "eventstore/internal/keys.h"

namespace yiwang::eventstore_internal {

// SHA-256 of the concatenation of `parts`. Thread-safe.
Hash256 Sha256(std::initializer_list<std::string_view> parts);
// The chain step: SHA-256(prev_hash raw bytes || hashed_bytes || tail).
inline Hash256 ChainHash(const Hash256& prev_hash, std::string_view hashed_bytes,
                         std::string_view tail = {}) {
  return Sha256(
      {std::string_view(reinterpret_cast<const char*>(prev_hash.data()), prev_hash.size()),
       hashed_bytes, tail});
}

std::string HexOf(const Hash256& hash);
// Parses 64 lowercase hex digits; false otherwise.
bool ParseHex(std::string_view hex, Hash256* hash);

}  // namespace yiwang::eventstore_internal
