// Bearer-token authentication and the role scopes of DESIGN.md §8.
//
// Tokens are configured in a file of hashed secrets (`--auth-file`), never in clear:
//   {"tokens":[{"sha256":"<64 hex of the token>","role":"officer","subject":"officer-0192",
//               "department":"330106-GA-HZ","division_prefix":"330106","id_number":"…"}…]}
// role: citizen | officer | supervisor | analyst | admin. citizen needs id_number (the cases it
// may see); officer needs department; supervisor needs division_prefix. `serve --demo` adds the
// fixed demo tokens (DemoTokens()), which is why --demo refuses non-loopback addresses.
//
// Thread-safe after construction (immutable).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace yiwang::api {

inline constexpr size_t kAuthFileBytesMax = 4 * 1024 * 1024;
inline constexpr size_t kTokensMax = 100'000;
inline constexpr size_t kTokenBytesMax = 256;

struct Principal {
  std::string role;             // citizen | officer | supervisor | analyst | admin
  std::string subject;          // who: "officer-0192", "citizen-…"
  std::string department;       // officer: the department whose cases it handles
  std::string division_prefix;  // supervisor: the divisions it oversees ("330106", "3301")
  std::string id_number;        // citizen: the applicant it is
};

struct DemoToken {
  std::string token;
  Principal principal;
};
// demo-admin, demo-officer, demo-supervisor, demo-analyst, demo-citizen (README lists them).
std::vector<DemoToken> DemoTokens();

class TokenRegistry {
 public:
  // Parses an auth file (format above); kInvalidArgument naming the entry on any error.
  static Result<TokenRegistry> FromFile(std::string_view json);
  static TokenRegistry Empty() { return TokenRegistry(); }

  void AddDemoTokens();
  // `authorization` is the Authorization header's value. kUnauthenticated when it is missing,
  // not "Bearer <token>", or the token is unknown.
  Result<Principal> Authenticate(std::string_view authorization) const;
  size_t size() const { return by_hash_.size(); }

 private:
  std::map<std::string, Principal> by_hash_;  // sha256 hex of the token -> principal
};

bool IsKnownRole(std::string_view role);

}  // namespace yiwang::api
