// POST /api/v1/cases and POST /api/v1/cases/{no}/{action}: JSON -> command -> CommandHandler.
#include <charconv>

#include "api/errors.h"
#include "api/internal/routes.h"
#include "api/request_parse.h"
#include "domain/catalog.h"
#include "domain/json.h"

namespace yiwang::api::internal {
namespace {

constexpr size_t kIdempotencyKeyHeaderBytesMax = 100;

Status Forbidden(std::string message) {
  return PermissionDenied(std::move(message)).WithReason("forbidden");
}

// A citizen must not learn whether another applicant's case exists: the same 404 as for a
// case that does not exist.
Status NoSuchCase(const std::string& case_number) {
  return NotFound("no case " + case_number).WithReason("not_found");
}

// The department a case belongs to for scope checks: its handling department once accepted
// (or transferred), else the department of its catalog item.
std::string CaseDepartment(const CaseState& state, const CatalogItem* item) {
  if (!state.department.empty()) return state.department;
  return item != nullptr ? item->department : std::string();
}

Status AuthorizeSubmit(const Principal& principal, const SubmitCommand& submit,
                       const CommandHandler& commands) {
  if (principal.role == "citizen") {
    // Compare the normalised form: a lowercase check character is the same number.
    std::string id = submit.applicant.id_number;
    if (!id.empty() && id.back() == 'x') id.back() = 'X';
    if (id != principal.id_number) {
      return Forbidden("a citizen submits only for the ID number of its own token")
          .WithReason("forbidden");
    }
  } else if (principal.role == "officer") {
    Result<CatalogItem> item = commands.LoadCatalogItem(submit.service_code);
    if (item.ok() && item->department != principal.department) {
      return Forbidden("item " + submit.service_code + " is handled by " + item->department);
    }
  }
  return Status::Ok();  // other roles: the domain refuses submit by role
}

// Channel and outlet of the actor: the submission's own for submit; for other commands the
// optional X-Yiwang-Channel / X-Yiwang-Outlet headers, else online for citizens and window for
// officers.
Result<Actor> ActorOf(const Principal& principal, const httplib::Request& request,
                      const CaseCommand& command) {
  Actor actor{principal.subject, principal.role, principal.department, "", ""};
  if (const auto* submit = std::get_if<SubmitCommand>(&command)) {
    actor.channel = submit->channel;
    actor.outlet = submit->outlet;
    return actor;
  }
  actor.channel = request.get_header_value("X-Yiwang-Channel");
  actor.outlet = request.get_header_value("X-Yiwang-Outlet");
  if (actor.channel.empty()) actor.channel = principal.role == "citizen" ? "online" : "window";
  if (!IsKnownChannel(actor.channel)) {
    return InvalidArgument("X-Yiwang-Channel must be one of online, mobile, window, kiosk, partner",
                           "X-Yiwang-Channel")
        .WithReason("invalid_value");
  }
  if (actor.outlet.size() > 64) {
    return InvalidArgument("X-Yiwang-Outlet is too long", "X-Yiwang-Outlet").WithReason("too_long");
  }
  return actor;
}

// If-Match: "<version>" (quotes optional). Absent: no pin.
Result<std::optional<uint32_t>> ParseIfMatch(const httplib::Request& request) {
  if (!request.has_header("If-Match")) return std::optional<uint32_t>();
  std::string text = request.get_header_value("If-Match");
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  uint32_t version = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("If-Match must be a version in quotes, like \"3\"", "If-Match")
        .WithReason("invalid_value");
  }
  return std::optional<uint32_t>(version);
}

Result<std::string> ParseIdempotencyKey(const httplib::Request& request,
                                        const Principal& principal) {
  const std::string key = request.get_header_value("Idempotency-Key");
  if (key.empty()) return std::string();
  if (key.size() > kIdempotencyKeyHeaderBytesMax) {
    return InvalidArgument("Idempotency-Key is longer than 100 bytes", "Idempotency-Key")
        .WithReason("too_long");
  }
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument("Idempotency-Key must be printable ASCII", "Idempotency-Key")
          .WithReason("invalid_value");
    }
  }
  // Keys are scoped by the caller: two clients cannot collide or replay each other's results.
  return principal.subject + "/" + key;
}

void SendOutcome(httplib::Response& response, int status, const CommandOutcome& outcome,
                 const CaseState* state_for_deadline) {
  (void)state_for_deadline;
  JsonWriter writer;
  writer.BeginObject().Field("case_number", outcome.case_number);
  if (!outcome.query_code.empty()) writer.Field("query_code", outcome.query_code);
  writer.Field("state", CaseStatusName(outcome.status))
      .Field("version", outcome.version)
      .Field("position", outcome.position)
      .Field("duplicate", outcome.duplicate)
      .EndObject();
  response.set_header("ETag", "\"" + std::to_string(outcome.version) + "\"");
  SendJson(response, status, writer.Take());
}

void SendCommandError(httplib::Response& response, const CommandError& error) {
  if (error.status.code() != StatusCode::kAborted) {
    SendError(response, error.status);
    return;
  }
  // 412 carries the current version so the client can re-read and decide again.
  std::string body = ErrorBody(error.status);
  body.pop_back();
  body += ",\"current_version\":" + std::to_string(error.actual_version) + "}";
  response.set_header("ETag", "\"" + std::to_string(error.actual_version) + "\"");
  SendJson(response, 412, std::move(body));
}

// A body that does not parse is answered like a valid one would be as far as access goes: a
// caller outside the case's scope, or whose role may not run the action, learns that and
// nothing about the body. Decide checks the role before anything else (domain/case.h).
Status RefusalBeforeInput(const HttpServerDependencies& dependencies, const Principal& principal,
                          const std::string& case_number, std::string_view action) {
  std::optional<CaseCommand> empty = EmptyCommand(action);
  if (!empty.has_value()) return Status::Ok();
  DecideContext context;
  context.actor = Actor{principal.subject, principal.role, principal.department, "", ""};
  CaseState state;
  std::optional<CatalogItem> item;
  if (!case_number.empty()) {
    Result<CaseState> loaded = dependencies.commands->LoadCase(case_number);
    if (!loaded.ok()) return loaded.status();
    state = std::move(loaded).value();
    Result<CatalogItem> found = dependencies.commands->LoadCatalogItem(state.service_code);
    if (found.ok()) item = std::move(found).value();
    YIWANG_RETURN_IF_ERROR(AuthorizeOnCase(principal, state, item ? &*item : nullptr));
  }
  Result<std::vector<CaseEvent>> decided = Decide(state, *empty, context);
  if (!decided.ok() && decided.status().code() == StatusCode::kPermissionDenied) {
    return decided.status();
  }
  return Status::Ok();
}

void HandleCommand(const HttpServerDependencies& dependencies, const httplib::Request& request,
                   httplib::Response& response, const std::string& case_number,
                   const std::string& action) {
  if (dependencies.commands == nullptr || dependencies.tokens == nullptr) {
    SendError(response, Unavailable("this server takes no commands"));
    return;
  }
  if (dependencies.read_only) {
    // A read replica's log only takes events from its origin, or it would diverge from it.
    SendError(response, Unavailable("this node is a read replica (serve --read-only): send "
                                    "commands to the origin server")
                            .WithReason("read_only"));
    return;
  }
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  Result<CaseCommand> command = ParseCommandBody(action, request.body);
  if (!command.ok()) {
    Status refusal = RefusalBeforeInput(dependencies, *principal, case_number, action);
    return SendError(response, refusal.ok() ? command.status() : refusal);
  }
  Result<Actor> actor = ActorOf(*principal, request, *command);
  if (!actor.ok()) return SendError(response, actor.status());
  Result<std::optional<uint32_t>> if_match = ParseIfMatch(request);
  if (!if_match.ok()) return SendError(response, if_match.status());
  Result<std::string> idempotency_key = ParseIdempotencyKey(request, *principal);
  if (!idempotency_key.ok()) return SendError(response, idempotency_key.status());

  CommandRequest command_request;
  command_request.case_number = case_number;
  command_request.actor = std::move(actor).value();
  command_request.if_match = *if_match;
  command_request.idempotency_key = *idempotency_key;
  command_request.correlation_id = request.get_header_value("X-Correlation-Id").substr(0, 64);
  if (const auto* submit = std::get_if<SubmitCommand>(&*command)) {
    Status allowed = AuthorizeSubmit(*principal, *submit, *dependencies.commands);
    if (!allowed.ok()) return SendError(response, allowed);
  } else {
    command_request.authorize = [principal = *principal](const CaseState& state,
                                                         const CatalogItem* item) {
      return AuthorizeOnCase(principal, state, item);
    };
  }
  command_request.command = std::move(command).value();

  auto outcome = dependencies.commands->Handle(command_request);
  if (const auto* error = std::get_if<CommandError>(&outcome)) {
    // A citizen asking about someone else's case learns nothing, not even a version.
    return SendCommandError(response, *error);
  }
  const CommandOutcome& done = std::get<CommandOutcome>(outcome);
  if (case_number.empty()) {
    response.set_header("Location", "/api/v1/cases/" + done.case_number);
    return SendOutcome(response, done.duplicate ? 200 : 201, done, nullptr);
  }
  SendOutcome(response, 200, done, nullptr);
}

}  // namespace

Status AuthorizeOnCase(const Principal& principal, const CaseState& state,
                       const CatalogItem* item) {
  if (principal.role == "citizen") {
    if (state.applicant_id_number != principal.id_number) return NoSuchCase(state.case_number);
    return Status::Ok();
  }
  const std::string department = CaseDepartment(state, item);
  if (principal.role == "officer" && department != principal.department) {
    return Forbidden("the case belongs to department " + department + ", not " +
                     principal.department);
  }
  if (principal.role == "supervisor" && !department.starts_with(principal.division_prefix)) {
    return Forbidden("the case is outside division " + principal.division_prefix);
  }
  return Status::Ok();  // analyst and admin: the domain refuses their commands by role
}

Result<Principal> Authenticate(const HttpServerDependencies& dependencies,
                               const httplib::Request& request, httplib::Response& response) {
  Result<Principal> principal =
      dependencies.tokens->Authenticate(request.get_header_value("Authorization"));
  if (!principal.ok()) {
    response.set_header("WWW-Authenticate", "Bearer");
    SendError(response, principal.status());
  }
  return principal;
}

void RegisterCommandRoutes(Router& server, const HttpServerDependencies& dependencies) {
  const HttpServerDependencies* deps = &dependencies;
  server.Post("/api/v1/cases",
              [deps](const httplib::Request& request, httplib::Response& response) {
                HandleCommand(*deps, request, response, "", "submit");
              });
  server.Post(R"(/api/v1/cases/([0-9A-Za-z\-]{1,40})/([a-z\-]{1,32}))",
              [deps](const httplib::Request& request, httplib::Response& response) {
                const std::string action = PathParam(request, 2);
                if (action == "submit") {
                  SendError(response,
                            NotFound("submit is POST /api/v1/cases").WithReason("unknown_action"));
                  return;
                }
                HandleCommand(*deps, request, response, PathParam(request, 1), action);
              });
}

}  // namespace yiwang::api::internal
