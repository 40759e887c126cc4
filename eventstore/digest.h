// SHA-256 for other modules (e.g. hashing query codes), without exposing the crypto library:
// only eventstore links OpenSSL. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace yiwang {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace yiwang
