// Route registration shared by the files of api/ (internal: names cpp-httplib types).
#pragma once

#include <httplib.h>

#include <string>

#include "api/auth.h"
#include "api/http_server.h"
#include "domain/status.h"

namespace yiwang::api::internal {

inline constexpr std::string_view kJsonType = "application/json; charset=utf-8";

void SendJson(httplib::Response& response, int status, std::string body);
void SendError(httplib::Response& response, const Status& status);
// The caller's principal, or sends 401 and returns an error.
Result<Principal> Authenticate(const HttpServerDependencies& dependencies,
                               const httplib::Request& request, httplib::Response& response);

// POST /api/v1/cases and POST /api/v1/cases/{no}/{action}.
void RegisterCommandRoutes(httplib::Server& server, const HttpServerDependencies& dependencies);

}  // namespace yiwang::api::internal
