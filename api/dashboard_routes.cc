// GET /api/v1/dashboard (DESIGN.md §7, §8): the supervision KPIs for a window and a scope.
//
// Parameters (all optional, each at most once; anything else is a 400):
//   from, to     YYYY-MM-DD (a whole day in China Standard Time: from its start, to its end) or an
//                ISO 8601 UTC timestamp (from inclusive, to exclusive); from must be before to
//   level        province | city | county (or 2 | 3 | 4)
//   division     prefix of the department code ("3301")
//   department   exact department code;  item  exact item code;  channel  one of kChannels
//   limit        1..1000 entries of each of the overdue and warning lists (default 100)
//   min_position read-your-writes, as on every query
// Roles: citizens 403; officers see their own department only (another department asked for is
// 403); supervisors their division prefix (a wider or different division or department is 403,
// never silently clamped, so a figure is never mistaken for a larger scope's); analysts and
// admins everything.
#include <charconv>
#include <chrono>

#include "api/internal/routes.h"
#include "domain/events.h"
#include "projections/dashboard.h"
#include "projections/runner.h"

namespace yiwang::api::internal {
namespace {

constexpr size_t kDivisionBytesMax = 32;
constexpr std::string_view kParameters[] = {"from", "to",      "level", "division",    "department",
                                            "item", "channel", "limit", "min_position"};

Status Invalid(std::string message, std::string field) {
  return InvalidArgument(std::move(message), std::move(field)).WithReason("invalid_value");
}

bool IsCodeText(std::string_view text, size_t bytes_max) {
  if (text.empty() || text.size() > bytes_max) return false;
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<int> ParseLevel(const std::string& text) {
  if (text == "province" || text == "2") return 2;
  if (text == "city" || text == "3") return 3;
  if (text == "county" || text == "4") return 4;
  return Invalid("level must be province, city or county (2, 3 or 4)", "level");
}

Result<size_t> ParseLimit(const std::string& text) {
  size_t limit = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || limit < 1 ||
      limit > projections::kDashboardListItemsMax) {
    return Invalid("limit must be 1.." + std::to_string(projections::kDashboardListItemsMax),
                   "limit");
  }
  return limit;
}

Status CheckParameterNames(const httplib::Request& request) {
  for (const auto& [name, value] : request.params) {
    bool known = false;
    for (std::string_view parameter : kParameters) known = known || name == parameter;
    if (!known) return Invalid("unknown parameter '" + name + "'", name);
    if (request.get_param_value_count(name) > 1) return Invalid(name + " given twice", name);
  }
  return Status::Ok();
}

Status ParseScope(const httplib::Request& request, projections::DashboardQuery* query) {
  const auto param = [&](const char* name) { return request.get_param_value(name); };
  if (request.has_param("division")) {
    query->division = param("division");
    if (!IsCodeText(query->division, kDivisionBytesMax)) {
      return Invalid(
          "division must be 1.." + std::to_string(kDivisionBytesMax) + " letters, digits or '-'",
          "division");
    }
  }
  if (request.has_param("department")) {
    query->department = param("department");
    if (!IsCodeText(query->department, kEventNameBytesMax)) {
      return Invalid("department must be a department code", "department");
    }
  }
  if (request.has_param("item")) {
    query->item = param("item");
    if (!IsCodeText(query->item, kEventIdBytesMax))
      return Invalid("item must be an item code", "item");
  }
  if (request.has_param("channel")) {
    query->channel = param("channel");
    if (!IsKnownChannel(query->channel)) {
      return Invalid("channel must be online, mobile, window, kiosk or partner", "channel");
    }
  }
  return Status::Ok();
}

Result<projections::DashboardQuery> ParseQuery(const httplib::Request& request) {
  YIWANG_RETURN_IF_ERROR(CheckParameterNames(request));
  projections::DashboardQuery query;
  if (request.has_param("from")) {
    Result<int64_t> from =
        projections::ParseWindowBound(request.get_param_value("from"), false, "from");
    if (!from.ok()) return from.status();
    query.from_ms = *from;
  }
  if (request.has_param("to")) {
    Result<int64_t> to = projections::ParseWindowBound(request.get_param_value("to"), true, "to");
    if (!to.ok()) return to.status();
    query.to_ms = *to;
  }
  if (query.from_ms >= query.to_ms) return Invalid("from must be before to", "from");
  if (request.has_param("level")) {
    Result<int> level = ParseLevel(request.get_param_value("level"));
    if (!level.ok()) return level.status();
    query.level = *level;
  }
  if (request.has_param("limit")) {
    Result<size_t> limit = ParseLimit(request.get_param_value("limit"));
    if (!limit.ok()) return limit.status();
    query.list_items_max = *limit;
  }
  YIWANG_RETURN_IF_ERROR(ParseScope(request, &query));
  return query;
}

// Narrows the query to what the principal may see, or refuses a scope beyond it.
Status LimitToRole(const Principal& principal, projections::DashboardQuery* query) {
  if (principal.role == "analyst" || principal.role == "admin") return Status::Ok();
  if (principal.role == "officer") {
    if (!query->department.empty() && query->department != principal.department) {
      return PermissionDenied("an officer sees the dashboard of department " +
                              principal.department + " only")
          .WithReason("forbidden");
    }
    query->department = principal.department;
    return Status::Ok();
  }
  if (principal.role == "supervisor") {
    const std::string& prefix = principal.division_prefix;
    if ((!query->division.empty() && !query->division.starts_with(prefix)) ||
        (!query->department.empty() && !query->department.starts_with(prefix))) {
      return PermissionDenied("a supervisor sees division " + prefix + " only")
          .WithReason("forbidden");
    }
    if (query->division.empty()) query->division = prefix;
    return Status::Ok();
  }
  return PermissionDenied("the dashboard is for officers, supervisors, analysts and admins")
      .WithReason("forbidden");
}

void GetDashboard(const HttpServerDependencies& dependencies, const httplib::Request& request,
                  httplib::Response& response) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  if (principal->role == "citizen") {
    return SendError(response,
                     PermissionDenied("citizens have no dashboard").WithReason("forbidden"));
  }
  Result<projections::DashboardQuery> query = ParseQuery(request);
  if (!query.ok()) return SendError(response, query.status());
  Status allowed = LimitToRole(*principal, &*query);
  if (!allowed.ok()) return SendError(response, allowed);
  if (Status waited = AwaitMinPosition(dependencies, request); !waited.ok()) {
    return SendError(response, waited);
  }
  query->now = Now(dependencies);
  Result<projections::DashboardReport> report = dependencies.dashboard->Query(*query);
  if (!report.ok()) return SendError(response, report.status());
  SendJson(response, 200, projections::WriteDashboardJson(*query, *report));
}

}  // namespace

void RegisterDashboardRoutes(Router& server, const HttpServerDependencies& dependencies) {
  const HttpServerDependencies* deps = &dependencies;
  server.Get(
      "/api/v1/dashboard", [deps](const httplib::Request& request, httplib::Response& response) {
        if (deps->dashboard == nullptr || deps->runner == nullptr || deps->tokens == nullptr) {
          return SendError(response, Unavailable("this server has no dashboard read model"));
        }
        GetDashboard(*deps, request, response);
      });
}

}  // namespace yiwang::api::internal
