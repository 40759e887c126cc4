// Queries of the read models (DESIGN.md §7, §8): GET /cases/{no}, GET /progress?case=&code=,
// GET /applicants/{id}/cases and /certificates, GET /readyz. Every query takes min_position and
// waits, bounded, for the read models to reach it (read-your-writes).
#include <charconv>

#include "api/internal/routes.h"
#include "domain/id_number.h"
#include "domain/json.h"
#include "eventstore/digest.h"
#include "projections/applicants.h"
#include "projections/progress.h"
#include "projections/runner.h"

namespace yiwang::api::internal {
namespace {

constexpr uint64_t kReadyLagEventsMax = 10'000;
constexpr size_t kApplicantPageDefault = 20;

// Sends the error of AwaitMinPosition; false when it sent one.
bool MinPositionReached(const HttpServerDependencies& dependencies, const httplib::Request& request,
                        httplib::Response& response) {
  Status waited = AwaitMinPosition(dependencies, request);
  if (!waited.ok()) SendError(response, waited);
  return waited.ok();
}

bool ReadModelsReady(const HttpServerDependencies& dependencies, httplib::Response& response) {
  if (dependencies.progress == nullptr || dependencies.applicants == nullptr ||
      dependencies.runner == nullptr || dependencies.tokens == nullptr) {
    SendError(response, Unavailable("this server has no read models"));
    return false;
  }
  return true;
}

// The scope of a progress record: as for commands (AuthorizeOnCase), with the department the
// record keeps for its catalog item.
Status AuthorizeRead(const Principal& principal, const projections::ProgressView& view) {
  const CaseState& state = view.record->state;
  if (principal.role == "citizen") {
    if (state.applicant_id_number != principal.id_number) {
      return NotFound("no case " + state.case_number).WithReason("not_found");
    }
    return Status::Ok();
  }
  const std::string& department =
      state.department.empty() ? view.record->item_department : state.department;
  if (principal.role == "officer" && department != principal.department) {
    return PermissionDenied("the case belongs to department " + department).WithReason("forbidden");
  }
  if (principal.role == "supervisor" && !department.starts_with(principal.division_prefix)) {
    return PermissionDenied("the case is outside division " + principal.division_prefix)
        .WithReason("forbidden");
  }
  return Status::Ok();  // analysts and admins: progress holds no personal data
}

void GetCase(const HttpServerDependencies& dependencies, const httplib::Request& request,
             httplib::Response& response, const std::string& case_number) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok() || !MinPositionReached(dependencies, request, response)) return;
  Result<projections::ProgressView> view =
      dependencies.progress->Get(case_number, Now(dependencies));
  if (!view.ok()) {
    if (view.status().code() == StatusCode::kNotFound) {
      return SendError(response, NotFound("no case " + case_number).WithReason("not_found"));
    }
    return SendError(response, view.status());
  }
  Status allowed = AuthorizeRead(*principal, *view);
  if (!allowed.ok()) return SendError(response, allowed);
  response.set_header("ETag", "\"" + std::to_string(view->record->state.version) + "\"");
  SendJson(response, 200, projections::WriteProgressJson(*view));
}

// The citizen's way in without an account: case number + query code. Wrong code and unknown
// case get the same 404, so the endpoint confirms nothing.
void GetProgress(const HttpServerDependencies& dependencies, const httplib::Request& request,
                 httplib::Response& response) {
  const std::string case_number = request.get_param_value("case");
  const std::string code = request.get_param_value("code");
  const Status not_found =
      NotFound("no case with that number and query code").WithReason("not_found");
  if (case_number.empty() || code.empty() || case_number.size() > 64 || code.size() > 64) {
    return SendError(response, not_found);
  }
  if (!MinPositionReached(dependencies, request, response)) return;
  Result<projections::ProgressView> view =
      dependencies.progress->Get(case_number, Now(dependencies));
  if (!view.ok()) {
    return SendError(response,
                     view.status().code() == StatusCode::kDataLoss ? view.status() : not_found);
  }
  if (!projections::QueryCodeHashMatches(*view, Sha256Hex(case_number + ":" + code))) {
    return SendError(response, not_found);
  }
  SendJson(response, 200, projections::WriteProgressJson(*view));
}

void GetApplicant(const HttpServerDependencies& dependencies, const httplib::Request& request,
                  httplib::Response& response, const std::string& id, const std::string& what) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  if (principal->role == "analyst") {
    return SendError(response,
                     PermissionDenied("analysts see no applicant's list").WithReason("forbidden"));
  }
  Result<CitizenId> citizen_id = ParseCitizenId(id);
  if (!citizen_id.ok()) return SendError(response, citizen_id.status());
  if (principal->role == "citizen" && citizen_id->text() != principal->id_number) {
    return SendError(response,
                     PermissionDenied("a citizen sees only its own cases").WithReason("forbidden"));
  }
  if (!MinPositionReached(dependencies, request, response)) return;
  size_t limit = kApplicantPageDefault;
  if (request.has_param("limit")) {
    const std::string text = request.get_param_value("limit");
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) limit = 0;
  }
  const std::string cursor = request.get_param_value("cursor");
  if (what == "cases") {
    auto page = dependencies.applicants->ListCases(citizen_id->text(), cursor, limit);
    if (!page.ok()) return SendError(response, page.status());
    return SendJson(response, 200, projections::WriteApplicantCasesJson(*page));
  }
  auto page = dependencies.applicants->ListCertificates(citizen_id->text(), cursor, limit);
  if (!page.ok()) return SendError(response, page.status());
  SendJson(response, 200, projections::WriteApplicantCertificatesJson(*page));
}

}  // namespace

void RegisterQueryRoutes(Router& server, const HttpServerDependencies& dependencies) {
  const HttpServerDependencies* deps = &dependencies;
  server.Get(R"(/api/v1/cases/([0-9A-Za-z\-]{1,40}))",
             [deps](const httplib::Request& request, httplib::Response& response) {
               if (ReadModelsReady(*deps, response))
                 GetCase(*deps, request, response, PathParam(request, 1));
             });
  server.Get("/api/v1/progress",
             [deps](const httplib::Request& request, httplib::Response& response) {
               if (ReadModelsReady(*deps, response)) GetProgress(*deps, request, response);
             });
  server.Get(R"(/api/v1/applicants/([0-9Xx]{1,18})/(cases|certificates))",
             [deps](const httplib::Request& request, httplib::Response& response) {
               if (ReadModelsReady(*deps, response)) {
                 GetApplicant(*deps, request, response, PathParam(request, 1),
                              PathParam(request, 2));
               }
             });
  server.Get("/readyz", [deps](const httplib::Request&, httplib::Response& response) {
    if (deps->runner == nullptr || deps->store == nullptr) {
      return SendError(response, Unavailable("no read models"));
    }
    const uint64_t head = deps->store->HeadPosition();
    const uint64_t applied = deps->runner->position();
    const Status runner = deps->runner->status();
    const bool ready = runner.ok() && head - std::min(head, applied) <= kReadyLagEventsMax;
    JsonWriter writer;
    writer.BeginObject()
        .Field("ready", ready)
        .Field("head_position", head)
        .Field("projection_position", applied)
        .Field("projection_lag", head - std::min(head, applied));
    if (!runner.ok()) writer.Field("error", runner.ToString());
    if (deps->publication) {
      const PublicationInfo kafka = deps->publication();
      writer.Key("kafka")
          .BeginObject()
          .Field("published_position", kafka.published_position)
          .Field("lag_positions", kafka.lag_positions)
          .Field("lag_ms", static_cast<int64_t>(kafka.lag_seconds * 1000))
          .Field("delivery_errors", kafka.delivery_errors)
          .OptionalField("last_error", kafka.last_error)
          .EndObject();
    }
    writer.EndObject();
    SendJson(response, ready ? 200 : 503, writer.Take());
  });
}

Timestamp Now(const HttpServerDependencies& dependencies) {
  if (dependencies.clock) return dependencies.clock();
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

Status AwaitMinPosition(const HttpServerDependencies& dependencies,
                        const httplib::Request& request) {
  if (!request.has_param("min_position")) return Status::Ok();
  const std::string text = request.get_param_value("min_position");
  uint64_t position = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("min_position must be a whole number", "min_position")
        .WithReason("invalid_value");
  }
  if (!dependencies.runner->WaitForPosition(position, kMinPositionWaitMax)) {
    return Unavailable("the read models have not reached position " + text + " within 5 s (at " +
                       std::to_string(dependencies.runner->position()) + ")")
        .WithReason("not_caught_up");
  }
  return Status::Ok();
}

}  // namespace yiwang::api::internal
