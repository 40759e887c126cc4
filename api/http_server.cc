#include "api/http_server.h"

#include <httplib.h>

#include <chrono>

#include "api/errors.h"
#include "api/internal/http_engine.h"
#include "api/internal/routes.h"
#include "api/log.h"
#include "api/metrics.h"
#include "domain/json.h"

namespace yiwang::api {
namespace {

void WriteCatalogEntry(const projections::CatalogEntry& entry, JsonWriter* writer) {
  const CatalogItem& item = entry.item;
  writer->BeginObject()
      .Field("code", item.code)
      .Field("name", item.name)
      .Field("level", item.level)
      .Field("department", item.department)
      .StringArray("conditions", item.conditions)
      .Field("promised_days", item.promised_days)
      .Field("legal_days", item.legal_days)
      .Field("immediate", item.immediate)
      .Field("online", item.AllowsOnline())
      .StringArray("channels", item.channels)
      .Field("one_window", item.one_window)
      .Field("needs_site_visit", item.needs_site_visit);
  writer->Key("materials").BeginArray();
  for (const Material& material : item.materials) {
    writer->BeginObject()
        .Field("code", material.code)
        .Field("name", material.name)
        .Field("original_required", material.original_required)
        .EndObject();
  }
  writer->EndArray()
      .Field("baseline_materials", item.baseline_materials)
      .Field("version", entry.version)
      .Field("position", entry.position)
      .Field("updated_at", FormatTimestamp(entry.updated_at))
      .EndObject();
}

// Requests that run on an event-loop thread: quick reads that never wait. Everything else
// (commands wait for the group commit's fsync, reads with min_position wait for the projections,
// streams, log reads, dashboards and audit scans can be long) runs on the worker pool.
bool RunsInline(const httplib::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  if (request.has_param("min_position")) return false;
  const std::string& path = request.path;
  return path == "/healthz" || path == "/readyz" || path == "/metrics" ||
         path.starts_with("/api/v1/catalog") || path.starts_with("/api/v1/cases/") ||
         path.starts_with("/api/v1/progress") || path.starts_with("/api/v1/applicants/");
}

// The "code" of a §8 error body, {"error":{"code":"…", or empty.
std::string_view ErrorCodeOf(std::string_view body) {
  constexpr std::string_view kPrefix = R"({"error":{"code":")";
  if (!body.starts_with(kPrefix)) return {};
  body.remove_prefix(kPrefix.size());
  return body.substr(0, body.find('"'));
}

}  // namespace

namespace internal {

void SendJson(httplib::Response& response, int status, std::string body) {
  response.status = status;
  response.set_content(std::move(body), std::string(kJsonType));
}

void SendError(httplib::Response& response, const Status& status) {
  SendJson(response, HttpStatusFor(status), ErrorBody(status));
}

}  // namespace internal

using internal::SendError;
using internal::SendJson;

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpServerDependencies dependencies;
  Router server;
  HttpMetrics metrics;
  std::unique_ptr<internal::HttpEngine> engine;

  void Routes();
  // Routing, the request's metrics and its log line.
  void Handle(httplib::Request& request, httplib::Response& response);
  // The §8 error body of an error the engine answers itself (unreadable request, too large…).
  void EngineError(const httplib::Request& request, httplib::Response& response,
                   const std::string& message);
  void Record(const httplib::Request& request, const httplib::Response& response,
              std::chrono::steady_clock::time_point started);
};

void HttpServer::Impl::Routes() {
  // GET /metrics is open (no token), like most Prometheus endpoints: it carries counts and
  // latencies, no personal data and no case numbers. Bind to loopback or filter at the proxy.
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    std::string body = metrics.Render();
    for (const std::function<std::string()>& source : dependencies.metrics_sources) {
      body += source();
    }
    response.status = 200;
    response.set_content(std::move(body), std::string(kMetricsContentType));
  });
  internal::RegisterCommandRoutes(server, dependencies);
  internal::RegisterEventRoutes(server, dependencies);
  internal::RegisterQueryRoutes(server, dependencies);
  internal::RegisterAuditRoutes(server, dependencies);
  internal::RegisterLiveRoutes(server, dependencies, options);
  internal::RegisterDashboardRoutes(server, dependencies);
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
    HealthInfo health = dependencies.health ? dependencies.health() : HealthInfo{};
    JsonWriter writer;
    writer.BeginObject()
        .Field("status", "ok")
        .Field("head_position", health.head_position)
        .Field("head_hash", health.head_hash)
        .Field("catalog_position", health.catalog_position)
        .EndObject();
    SendJson(response, 200, writer.Take());
  });
  server.Get("/api/v1/catalog", [this](const httplib::Request&, httplib::Response& response) {
    JsonWriter writer(16 * 1024);
    writer.BeginObject().Key("items").BeginArray();
    for (const projections::CatalogEntry& entry : dependencies.catalog->List()) {
      WriteCatalogEntry(entry, &writer);
    }
    writer.EndArray().EndObject();
    SendJson(response, 200, writer.Take());
  });
  server.Get(R"(/api/v1/catalog/([A-Za-z0-9\-]{1,64}))", [this](const httplib::Request& request,
                                                                httplib::Response& response) {
    std::optional<projections::CatalogEntry> entry =
        dependencies.catalog->Find(PathParam(request, 1));
    if (!entry.has_value()) {
      SendError(response, NotFound("no catalog item '" + std::string(PathParam(request, 1)) + "'")
                              .WithReason("unknown_item"));
      return;
    }
    JsonWriter writer;
    WriteCatalogEntry(*entry, &writer);
    SendJson(response, 200, writer.Take());
  });
}

void HttpServer::Impl::Handle(httplib::Request& request, httplib::Response& response) {
  const auto started = std::chrono::steady_clock::now();
  const RouteHandler* handler = server.Match(request);
  if (handler == nullptr) {
    SendJson(response, 404,
             ErrorBody("not_found", "no route for " + request.method + " " + request.path));
  } else {
    try {
      (*handler)(request, response);
    } catch (const std::exception& exception) {
      LogError("unhandled exception in " + request.method + " " + request.path + ": " +
               exception.what());
      response = httplib::Response();
      SendJson(response, 500, ErrorBody("internal", "internal error"));
    }
    if (response.status == -1) response.status = 200;
  }
  Record(request, response, started);
}

void HttpServer::Impl::EngineError(const httplib::Request& request, httplib::Response& response,
                                   const std::string& message) {
  const char* code = "bad_request";
  switch (response.status) {
    case 408:
      code = "request_timeout";
      break;
    case 411:
      code = "length_required";
      break;
    case 413:
      code = "body_too_large";
      break;
    case 431:
      code = "head_too_large";
      break;
    case 503:
      code = "unavailable";
      break;
    case 505:
      code = "http_version";
      break;
  }
  SendJson(response, response.status, ErrorBody(code, message));
  Record(request, response, std::chrono::steady_clock::now());
}

void HttpServer::Impl::Record(const httplib::Request& request, const httplib::Response& response,
                              std::chrono::steady_clock::time_point started) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics.Record(request.method, request.path, response.status, seconds,
                 response.status == 401 || response.status == 403 ? ErrorCodeOf(response.body)
                                                                  : std::string_view());
  if (!LogEnabled(LogLevel::kInfo)) return;
  LogInfo(request.method + " " + request.path + " " + std::to_string(response.status) + " " +
          std::to_string(response.body.size()) + "B " + request.remote_addr);
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
  Wait();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpServerDependencies dependencies) {
  if (dependencies.catalog == nullptr) return InvalidArgument("HttpServer needs a catalog view");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->dependencies = std::move(dependencies);
  impl->Routes();
  internal::HttpEngineOptions engine;
  engine.host = options.host;
  engine.port = options.port;
  engine.loop_threads = options.loop_threads;
  engine.worker_threads = options.worker_threads;
  engine.request_body_bytes_max = options.request_body_bytes_max;
  engine.keep_alive_requests_max = options.keep_alive_requests_max;
  engine.read_timeout = std::chrono::seconds(options.read_timeout_seconds);
  engine.write_timeout = std::chrono::seconds(options.write_timeout_seconds);
  engine.connections_max = options.connections_max;
  Impl* raw = impl.get();
  internal::HttpEngineHandlers handlers;
  handlers.handle = [raw](httplib::Request& request, httplib::Response& response) {
    raw->Handle(request, response);
  };
  handlers.run_inline = RunsInline;
  handlers.engine_error = [raw](const httplib::Request& request, httplib::Response& response,
                                const std::string& message) {
    raw->EngineError(request, response, message);
  };
  Result<std::unique_ptr<internal::HttpEngine>> started =
      internal::HttpEngine::Start(engine, std::move(handlers));
  if (!started.ok()) return started.status();
  impl->engine = std::move(started).value();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->engine->port(); }

void HttpServer::Stop() { impl_->engine->Stop(); }

void HttpServer::Wait() { impl_->engine->Wait(); }

}  // namespace yiwang::api
