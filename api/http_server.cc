#include "api/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "api/errors.h"
#include "api/internal/routes.h"
#include "api/log.h"
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

// Debian's cpp-httplib is a compiled library built with a listen backlog of 5: 64 clients
// connecting at once overflow it, and the kernel drops SYNs that the clients retry only after a
// second. The listening socket is protected in httplib::Server, so a subclass can widen it.
class Server : public httplib::Server {
 public:
  void WidenListenBacklog(int backlog) { ::listen(svr_sock_, backlog); }
};

constexpr int kListenBacklog = 1024;

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
  Server server;
  std::thread listener;
  int port = 0;

  void Routes();
  void Hooks();
};

void HttpServer::Impl::Routes() {
  internal::RegisterCommandRoutes(server, dependencies);
  internal::RegisterEventRoutes(server, dependencies);
  internal::RegisterQueryRoutes(server, dependencies);
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
    std::optional<projections::CatalogEntry> entry = dependencies.catalog->Find(request.matches[1]);
    if (!entry.has_value()) {
      SendError(response, NotFound("no catalog item '" + std::string(request.matches[1]) + "'")
                              .WithReason("unknown_item"));
      return;
    }
    JsonWriter writer;
    WriteCatalogEntry(*entry, &writer);
    SendJson(response, 200, writer.Take());
  });
}

void HttpServer::Impl::Hooks() {
  // Fills in the §8 error body for errors cpp-httplib produces itself (404 for unknown routes,
  // 413 for bodies over the limit, 400 for unparseable requests) and leaves ours alone.
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    switch (response.status) {
      case 404:
        SendJson(response, 404,
                 ErrorBody("not_found", "no route for " + request.method + " " + request.path));
        break;
      case 413:
        SendJson(response, 413, ErrorBody("body_too_large", "the request body exceeds the limit"));
        break;
      default:
        SendJson(response, response.status,
                 ErrorBody("bad_request", "the request could not be read"));
    }
  });
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& exception) {
          what = exception.what();
        } catch (...) {
        }
        LogError("unhandled exception in " + request.method + " " + request.path + ": " + what);
        SendJson(response, 500, ErrorBody("internal", "internal error"));
      });
  server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
    LogInfo(request.method + " " + request.path + " " + std::to_string(response.status) + " " +
            std::to_string(response.body.size()) + "B " + request.remote_addr);
  });
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
  Server& server = impl->server;
  const size_t threads = options.worker_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.request_body_bytes_max);
  server.set_keep_alive_max_count(options.keep_alive_requests_max);
  server.set_read_timeout(options.read_timeout_seconds, 0);
  server.set_write_timeout(options.write_timeout_seconds, 0);
  server.set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT too, which lets a second server bind the same port
  // and silently share its traffic. SO_REUSEADDR alone allows a quick restart and nothing more.
  server.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  impl->Routes();
  impl->Hooks();

  if (options.port == 0) {
    impl->port = server.bind_to_any_port(options.host);
    if (impl->port <= 0) return Unavailable("cannot bind " + options.host + " to a free port");
  } else {
    if (!server.bind_to_port(options.host, options.port)) {
      return Unavailable("cannot bind " + options.host + ":" + std::to_string(options.port) +
                         " (in use, or not an address of this machine)");
    }
    impl->port = options.port;
  }
  server.WidenListenBacklog(kListenBacklog);
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] { raw->server.listen_after_bind(); });
  // Stop() is a no-op until the accept loop runs; wait for it so a Stop() right after Start()
  // cannot be lost.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() { impl_->server.stop(); }

void HttpServer::Wait() {
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace yiwang::api
