// The HTTP front door (DESIGN.md §8), on cpp-httplib. This issue serves the foundation routes:
//   GET /healthz                 liveness plus the log head
//   GET /api/v1/catalog          the service catalog (read model)
//   GET /api/v1/catalog/{code}   one item
//   POST /api/v1/cases, POST /api/v1/cases/{no}/{action}   every case command (bearer tokens)
// Every other path answers 404 with the §8 error body; every request is logged in one line.
//
// The server owns its listening socket and worker threads; the read models and callbacks it is
// given are not owned and must outlive it. Start() returns once the socket is bound, so port()
// is known (useful with port 0) and requests are served from then on. Thread-safe: Stop() may be
// called from any thread (e.g. a signal watcher), more than once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/command_handler.h"
#include "domain/status.h"
#include "projections/applicants.h"
#include "projections/catalog_view.h"
#include "projections/progress.h"
#include "projections/runner.h"

namespace yiwang::api {

inline constexpr size_t kRequestBodyBytesMaxDefault = 1024 * 1024;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port
  // cpp-httplib serves a connection on one pool thread for as long as it lives (keep-alive),
  // so the pool bounds the number of connections served at once.
  size_t worker_threads = 64;
  size_t request_body_bytes_max = kRequestBodyBytesMaxDefault;
  size_t keep_alive_requests_max = 10'000;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
};

struct HealthInfo {
  uint64_t head_position = 0;
  std::string head_hash;
  uint64_t catalog_position = 0;
};

struct HttpServerDependencies {
  const projections::CatalogView* catalog = nullptr;
  std::function<HealthInfo()> health;
  // The write side and the tokens; without them the command routes answer 503.
  CommandHandler* commands = nullptr;
  const TokenRegistry* tokens = nullptr;
  const EventStore* store = nullptr;  // GET /events, /streams
  // The read models and the runner that feeds them; without them queries answer 503.
  const projections::Progress* progress = nullptr;
  const projections::ApplicantIndex* applicants = nullptr;
  const projections::ProjectionRunner* runner = nullptr;
  std::function<Timestamp()> clock;  // `now` of SLA computations; default: the system clock
};

class HttpServer {
 public:
  // Binds host:port and starts serving on background threads. Fails with kUnavailable when the
  // address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpServerDependencies dependencies);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  void Stop();
  // Blocks until the server has stopped (after Stop()).
  void Wait();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yiwang::api
