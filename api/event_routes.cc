// GET /api/v1/events (the global log) and GET /api/v1/streams/{id} (one stream), as NDJSON of
// the stored event bytes; analysts get personal data masked.
#include <charconv>

#include "api/internal/routes.h"
#include "api/masking.h"
#include "domain/case_number.h"
#include "eventstore/event_store.h"

namespace yiwang::api::internal {
namespace {

constexpr uint64_t kEventsPageMax = 1000;
constexpr uint64_t kEventsPageDefault = 100;
constexpr std::string_view kNdjsonType = "application/x-ndjson; charset=utf-8";

Result<uint64_t> QueryNumber(const httplib::Request& request, const std::string& name,
                             uint64_t fallback, uint64_t min, uint64_t max) {
  if (!request.has_param(name)) return fallback;
  const std::string text = request.get_param_value(name);
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return InvalidArgument(name + " must be a whole number from " + std::to_string(min) + " to " +
                               std::to_string(max),
                           name)
        .WithReason("invalid_value");
  }
  return value;
}

// Writes the events as NDJSON, masked for analysts. `next` is the value to continue from.
void SendEvents(httplib::Response& response, const Principal& principal,
                const std::vector<StoredEvent>& events, const std::string& next_header,
                uint64_t next) {
  std::string body;
  for (const StoredEvent& event : events) {
    if (principal.role == "analyst") {
      Result<std::string> masked = MaskedEventBytes(event.bytes);
      if (!masked.ok()) return SendError(response, masked.status());
      body += *masked;
    } else {
      body += event.bytes;
    }
    body += '\n';
  }
  response.set_header(next_header, std::to_string(next));
  response.status = 200;
  response.set_content(std::move(body), std::string(kNdjsonType));
}

void GetEvents(const HttpServerDependencies& dependencies, const httplib::Request& request,
               httplib::Response& response) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  if (principal->role != "admin" && principal->role != "analyst") {
    return SendError(
        response,
        PermissionDenied("the global log is for analysts and admins").WithReason("forbidden"));
  }
  Result<uint64_t> from = QueryNumber(request, "from", 1, 1, UINT64_MAX - 1);
  Result<uint64_t> limit = QueryNumber(request, "limit", kEventsPageDefault, 1, kEventsPageMax);
  if (!from.ok()) return SendError(response, from.status());
  if (!limit.ok()) return SendError(response, limit.status());
  Result<std::vector<StoredEvent>> events = dependencies.store->ReadAll(*from, *limit);
  if (!events.ok()) return SendError(response, events.status());
  const uint64_t next = events->empty() ? *from : events->back().position + 1;
  SendEvents(response, *principal, *events, "X-Next-From", next);
}

void GetStream(const HttpServerDependencies& dependencies, const httplib::Request& request,
               httplib::Response& response, const std::string& stream) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  Result<std::string> case_number = CaseNumberFromStreamId(stream);
  const bool catalog = stream.starts_with(kCatalogStreamPrefix);
  if (!catalog && principal->role != "admin" && principal->role != "analyst") {
    // Case streams: the same scope as the case itself; other streams: admins and analysts.
    if (!case_number.ok()) {
      return SendError(response, PermissionDenied("not a case stream").WithReason("forbidden"));
    }
    Result<CaseState> state = dependencies.commands->LoadCase(*case_number);
    if (!state.ok()) return SendError(response, state.status());
    Result<CatalogItem> item = dependencies.commands->LoadCatalogItem(state->service_code);
    Status allowed = AuthorizeOnCase(*principal, *state, item.ok() ? &*item : nullptr);
    if (!allowed.ok()) return SendError(response, allowed);
  }
  Result<uint64_t> from = QueryNumber(request, "from_version", 1, 1, UINT32_MAX);
  Result<uint64_t> limit = QueryNumber(request, "limit", kEventsPageDefault, 1, kEventsPageMax);
  if (!from.ok()) return SendError(response, from.status());
  if (!limit.ok()) return SendError(response, limit.status());
  Result<std::vector<StoredEvent>> events =
      dependencies.store->ReadStreamRaw(stream, static_cast<uint32_t>(*from), *limit);
  if (!events.ok()) return SendError(response, events.status());
  if (events->empty() && *from == 1) {
    return SendError(response, NotFound("no stream " + stream).WithReason("not_found"));
  }
  SendEvents(response, *principal, *events, "X-Next-Version", *from + events->size());
}

}  // namespace

void RegisterEventRoutes(Router& server, const HttpServerDependencies& dependencies) {
  const HttpServerDependencies* deps = &dependencies;
  server.Get("/api/v1/events",
             [deps](const httplib::Request& request, httplib::Response& response) {
               if (deps->store == nullptr || deps->tokens == nullptr) {
                 return SendError(response, Unavailable("this server has no event store"));
               }
               GetEvents(*deps, request, response);
             });
  server.Get(R"(/api/v1/streams/([0-9A-Za-z\-_.:]{1,128}))",
             [deps](const httplib::Request& request, httplib::Response& response) {
               if (deps->store == nullptr || deps->tokens == nullptr || deps->commands == nullptr) {
                 return SendError(response, Unavailable("this server has no event store"));
               }
               GetStream(*deps, request, response, PathParam(request, 1));
             });
}

}  // namespace yiwang::api::internal
