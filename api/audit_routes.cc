// The 一网监督 audit trail over HTTP (DESIGN.md §7, §8):
//   GET /api/v1/audit?case=&actor=&department=&type=&from=&to=&cursor=&limit=&min_position=
//   GET /api/v1/audit/supervision?case=&department=&status=&cursor=&limit=&min_position=
// Scope: admins and analysts read everything (analysts with personal data masked), supervisors
// their division prefix, officers their own department; citizens are refused.
#include <charconv>

#include "api/internal/routes.h"
#include "projections/audit.h"
#include "projections/runner.h"

namespace yiwang::api::internal {
namespace {

Result<uint64_t> ParseNumber(const std::string& text, const std::string& name) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(name + " must be a whole number", name).WithReason("invalid_value");
  }
  return value;
}

Result<size_t> ParseLimit(const httplib::Request& request) {
  if (!request.has_param("limit")) return projections::kAuditPageItemsDefault;
  Result<uint64_t> limit = ParseNumber(request.get_param_value("limit"), "limit");
  if (!limit.ok()) return limit.status();
  if (*limit < 1 || *limit > projections::kAuditPageItemsMax) {
    return InvalidArgument("limit must be 1.." + std::to_string(projections::kAuditPageItemsMax),
                           "limit")
        .WithReason("invalid_value");
  }
  return static_cast<size_t>(*limit);
}

// An ISO 8601 UTC instant, or a date (a whole day in China Standard Time: `from` its start,
// `to` its last millisecond).
Result<std::optional<Timestamp>> ParseTime(const httplib::Request& request, const std::string& name,
                                           bool end_of_day) {
  if (!request.has_param(name)) return std::optional<Timestamp>();
  const std::string text = request.get_param_value(name);
  if (Result<Timestamp> time = ParseTimestamp(text); time.ok()) {
    return std::optional<Timestamp>(*time);
  }
  Result<CivilDate> date = ParseDate(text);
  if (!date.ok()) {
    return InvalidArgument(name + " must be an ISO 8601 UTC time (2026-11-27T09:31:05Z) or a date",
                           name)
        .WithReason("invalid_value");
  }
  if (!end_of_day) return std::optional<Timestamp>(StartOfLocalDay(*date));
  return std::optional<Timestamp>(Timestamp{StartOfLocalDay(AddDays(*date, 1)).unix_ms - 1});
}

// Narrows the request to the principal's scope: sets the department or the division prefix.
Status Scope(const Principal& principal, std::string* department, std::string* division_prefix) {
  if (principal.role == "admin" || principal.role == "analyst") return Status::Ok();
  if (principal.role == "officer") {
    if (!department->empty() && *department != principal.department) {
      return PermissionDenied("an officer reads the audit trail of department " +
                              principal.department + " only")
          .WithReason("forbidden");
    }
    *department = principal.department;
    return Status::Ok();
  }
  if (principal.role == "supervisor") {
    if (!department->empty() && !department->starts_with(principal.division_prefix)) {
      return PermissionDenied("department " + *department + " is outside division " +
                              principal.division_prefix)
          .WithReason("forbidden");
    }
    *division_prefix = principal.division_prefix;
    return Status::Ok();
  }
  return PermissionDenied("the audit trail is for officers, supervisors, analysts and admins")
      .WithReason("forbidden");
}

// Authenticates, scopes and waits for min_position; false (response sent) when refused.
bool Admit(const HttpServerDependencies& dependencies, const httplib::Request& request,
           httplib::Response& response, Principal* principal) {
  if (dependencies.audit == nullptr || dependencies.runner == nullptr ||
      dependencies.tokens == nullptr) {
    SendError(response, Unavailable("this server has no audit trail"));
    return false;
  }
  Result<Principal> authenticated = Authenticate(dependencies, request, response);
  if (!authenticated.ok()) return false;
  *principal = std::move(authenticated).value();
  if (principal->role == "citizen") {
    SendError(response,
              PermissionDenied("citizens do not read the audit trail").WithReason("forbidden"));
    return false;
  }
  if (Status waited = AwaitMinPosition(dependencies, request); !waited.ok()) {
    SendError(response, waited);
    return false;
  }
  return true;
}

void GetAudit(const HttpServerDependencies& dependencies, const httplib::Request& request,
              httplib::Response& response) {
  Principal principal;
  if (!Admit(dependencies, request, response, &principal)) return;
  projections::AuditFilter filter;
  filter.case_number = request.get_param_value("case");
  filter.actor = request.get_param_value("actor");
  filter.department = request.get_param_value("department");
  filter.type = request.get_param_value("type");
  if (Status scoped = Scope(principal, &filter.department, &filter.division_prefix); !scoped.ok()) {
    return SendError(response, scoped);
  }
  Result<std::optional<Timestamp>> from = ParseTime(request, "from", false);
  if (!from.ok()) return SendError(response, from.status());
  Result<std::optional<Timestamp>> to = ParseTime(request, "to", true);
  if (!to.ok()) return SendError(response, to.status());
  filter.from = *from;
  filter.to = *to;
  Result<size_t> limit = ParseLimit(request);
  if (!limit.ok()) return SendError(response, limit.status());
  Result<projections::AuditPage> page =
      dependencies.audit->Query(filter, request.get_param_value("cursor"), *limit);
  if (!page.ok()) return SendError(response, page.status());
  Result<std::string> body =
      projections::WriteAuditPageJson(*page, /*mask_personal_data=*/principal.role == "analyst");
  if (!body.ok()) return SendError(response, body.status());
  SendJson(response, 200, std::move(body).value());
}

void GetSupervision(const HttpServerDependencies& dependencies, const httplib::Request& request,
                    httplib::Response& response) {
  Principal principal;
  if (!Admit(dependencies, request, response, &principal)) return;
  projections::SupervisionFilter filter;
  filter.case_number = request.get_param_value("case");
  filter.department = request.get_param_value("department");
  filter.status = request.get_param_value("status");
  if (Status scoped = Scope(principal, &filter.department, &filter.division_prefix); !scoped.ok()) {
    return SendError(response, scoped);
  }
  Result<size_t> limit = ParseLimit(request);
  if (!limit.ok()) return SendError(response, limit.status());
  const Timestamp now = Now(dependencies);
  Result<projections::SupervisionPage> page =
      dependencies.audit->Supervision(filter, request.get_param_value("cursor"), *limit, now);
  if (!page.ok()) return SendError(response, page.status());
  SendJson(response, 200, projections::WriteSupervisionPageJson(*page, now));
}

}  // namespace

void RegisterAuditRoutes(Router& server, const HttpServerDependencies& dependencies) {
  const HttpServerDependencies* deps = &dependencies;
  server.Get("/api/v1/audit", [deps](const httplib::Request& request, httplib::Response& response) {
    GetAudit(*deps, request, response);
  });
  server.Get("/api/v1/audit/supervision",
             [deps](const httplib::Request& request, httplib::Response& response) {
               GetSupervision(*deps, request, response);
             });
}

}  // namespace yiwang::api::internal
