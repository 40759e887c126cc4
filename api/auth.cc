#include "api/auth.h"

#include <simdjson.h>

#include "domain/envelope.h"
#include "domain/id_number.h"
#include "eventstore/digest.h"

namespace yiwang::api {
namespace {

constexpr std::string_view kBearer = "Bearer ";

Status EntryError(size_t index, const std::string& member, const std::string& message) {
  return InvalidArgument(
             "auth file: tokens[" + std::to_string(index) + "]." + member + ": " + message,
             "tokens[" + std::to_string(index) + "]." + member)
      .WithReason("invalid_auth_file");
}

Status ParseEntry(simdjson::ondemand::object entry, size_t index, std::string* hash,
                  Principal* principal) {
  for (auto field : entry) {
    std::string_view key;
    std::string_view value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return EntryError(index, "?", "bad member name");
    }
    if (field.value().get_string().get(value) != simdjson::SUCCESS) {
      return EntryError(index, std::string(key), "must be a string");
    }
    if (key == "sha256")
      hash->assign(value);
    else if (key == "role")
      principal->role.assign(value);
    else if (key == "subject")
      principal->subject.assign(value);
    else if (key == "department")
      principal->department.assign(value);
    else if (key == "division_prefix")
      principal->division_prefix.assign(value);
    else if (key == "id_number")
      principal->id_number.assign(value);
    else
      return EntryError(index, std::string(key), "unknown member");
  }
  if (hash->size() != kHashHexLength || !IsLowerHex(*hash)) {
    return EntryError(index, "sha256", "must be 64 lowercase hex digits");
  }
  if (!IsKnownRole(principal->role)) {
    return EntryError(index, "role", "must be citizen, officer, supervisor, analyst or admin");
  }
  if (principal->subject.empty()) return EntryError(index, "subject", "is required");
  if (principal->role == "citizen") {
    Result<CitizenId> id = ParseCitizenId(principal->id_number);
    if (!id.ok()) return EntryError(index, "id_number", id.status().message());
    principal->id_number = id->text();
  }
  if (principal->role == "officer" && principal->department.empty()) {
    return EntryError(index, "department", "is required for an officer");
  }
  if (principal->role == "supervisor" && principal->division_prefix.empty()) {
    return EntryError(index, "division_prefix", "is required for a supervisor");
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownRole(std::string_view role) {
  return role == "citizen" || role == "officer" || role == "supervisor" || role == "analyst" ||
         role == "admin";
}

std::vector<DemoToken> DemoTokens() {
  return {
      {"demo-admin", Principal{"admin", "admin-demo", "", "", ""}},
      {"demo-officer", Principal{"officer", "officer-demo", "330106-GA-HZ", "", ""}},
      {"demo-supervisor", Principal{"supervisor", "supervisor-demo", "", "3301", ""}},
      {"demo-analyst", Principal{"analyst", "analyst-demo", "", "", ""}},
      // GB 11643-1999's own example number: valid, and nobody's real one.
      {"demo-citizen", Principal{"citizen", "citizen-demo", "", "", "11010519491231002X"}},
  };
}

Result<TokenRegistry> TokenRegistry::FromFile(std::string_view json) {
  if (json.size() > kAuthFileBytesMax) return InvalidArgument("auth file larger than 4 MiB");
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  simdjson::ondemand::object root;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_object().get(root) != simdjson::SUCCESS) {
    return InvalidArgument("auth file: not a JSON object");
  }
  TokenRegistry registry;
  for (auto member : root) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS || key != "tokens") {
      return InvalidArgument("auth file: the only member is \"tokens\"");
    }
    simdjson::ondemand::array tokens;
    if (member.value().get_array().get(tokens) != simdjson::SUCCESS) {
      return InvalidArgument("auth file: \"tokens\" must be an array");
    }
    size_t index = 0;
    for (auto element : tokens) {
      simdjson::ondemand::object entry;
      if (element.get_object().get(entry) != simdjson::SUCCESS) {
        return EntryError(index, "", "must be an object");
      }
      std::string hash;
      Principal principal;
      YIWANG_RETURN_IF_ERROR(ParseEntry(entry, index, &hash, &principal));
      if (!registry.by_hash_.emplace(hash, std::move(principal)).second) {
        return EntryError(index, "sha256", "the same token appears twice");
      }
      if (++index > kTokensMax) return InvalidArgument("auth file: more than 100,000 tokens");
    }
  }
  return registry;
}

void TokenRegistry::AddDemoTokens() {
  for (DemoToken& demo : DemoTokens()) {
    by_hash_[Sha256Hex(demo.token)] = std::move(demo.principal);
  }
}

Result<Principal> TokenRegistry::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) {
    return Status(StatusCode::kUnauthenticated,
                  "an Authorization: Bearer <token> header is required")
        .WithReason("unauthenticated");
  }
  if (!authorization.starts_with(kBearer) ||
      authorization.size() > kBearer.size() + kTokenBytesMax) {
    return Status(StatusCode::kUnauthenticated, "the Authorization header must be Bearer <token>")
        .WithReason("unauthenticated");
  }
  auto found = by_hash_.find(Sha256Hex(authorization.substr(kBearer.size())));
  if (found == by_hash_.end()) {
    return Status(StatusCode::kUnauthenticated, "unknown token").WithReason("unauthenticated");
  }
  return found->second;
}

}  // namespace yiwang::api
