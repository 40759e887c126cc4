// Route registration shared by the files of api/ (internal: names cpp-httplib types).
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/router.h"
#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/status.h"

namespace yiwang::api::internal {

inline constexpr std::string_view kJsonType = "application/json; charset=utf-8";

void SendJson(httplib::Response& response, int status, std::string body);
void SendError(httplib::Response& response, const Status& status);
// `now` for SLA computations: the dependencies' clock, else the system clock.
Timestamp Now(const HttpServerDependencies& dependencies);
// Read-your-writes: waits, at most kMinPositionWaitMax, until the read models have applied
// ?min_position=N. OK without the parameter; 400 invalid_value for a malformed one, 503
// not_caught_up when the wait runs out.
inline constexpr std::chrono::milliseconds kMinPositionWaitMax{5000};
Status AwaitMinPosition(const HttpServerDependencies& dependencies,
                        const httplib::Request& request);
// The caller's principal, or sends 401 and returns an error.
Result<Principal> Authenticate(const HttpServerDependencies& dependencies,
                               const httplib::Request& request, httplib::Response& response);

// May `principal` see or act on this case? A citizen only on its own (else the same 404 as a
// missing case), an officer in its department, a supervisor in its division prefix; analysts
// and admins pass here (the domain refuses their commands; reads mask for analysts).
Status AuthorizeOnCase(const Principal& principal, const CaseState& state, const CatalogItem* item);

// GET /api/v1/events, GET /api/v1/streams/{id}.
void RegisterEventRoutes(Router& server, const HttpServerDependencies& dependencies);

// GET /api/v1/cases/{no}, /progress, /applicants/{id}/…, /readyz.
void RegisterQueryRoutes(Router& server, const HttpServerDependencies& dependencies);

// POST /api/v1/cases and POST /api/v1/cases/{no}/{action}.
void RegisterCommandRoutes(Router& server, const HttpServerDependencies& dependencies);

// GET /api/v1/dashboard.
void RegisterDashboardRoutes(Router& server, const HttpServerDependencies& dependencies);

// GET /api/v1/audit and /api/v1/audit/supervision (api/audit_routes.cc).
void RegisterAuditRoutes(Router& server, const HttpServerDependencies& dependencies);

// GET /api/v1/events/live, Server-Sent Events (api/live_routes.cc).
void RegisterLiveRoutes(Router& server, const HttpServerDependencies& dependencies,
                        const HttpServerOptions& options);

}  // namespace yiwang::api::internal
