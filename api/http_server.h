// The HTTP front door (DESIGN.md §8): every route of api/README.md, over an epoll event loop
// (api/internal/http_engine.h) with cpp-httplib's request/response types and handler model
// (api/router.h). Unknown paths answer 404 with the §8 error body; every request is logged in
// one line and counted in GET /metrics.
//
// The server owns its listening socket and threads; the read models and callbacks it is given
// are not owned and must outlive it. Start() returns once the socket is bound, so port() is known
// (useful with port 0) and requests are served from then on. Thread-safe: Stop() may be called
// from any thread (e.g. a signal watcher), more than once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/command_handler.h"
#include "domain/status.h"
#include "projections/applicants.h"
#include "projections/audit.h"
#include "projections/catalog_view.h"
#include "projections/dashboard.h"
#include "projections/progress.h"
#include "projections/runner.h"

namespace yiwang::api {

inline constexpr size_t kRequestBodyBytesMaxDefault = 1024 * 1024;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port
  // Event-loop threads own the connections and run the quick reads; workers run commands and
  // everything that may wait (api/internal/http_engine.h). A stream (SSE) holds a worker.
  size_t loop_threads = 2;
  size_t worker_threads = 64;
  size_t connections_max = 4096;
  size_t request_body_bytes_max = kRequestBodyBytesMaxDefault;
  size_t keep_alive_requests_max = 10'000;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  // GET /events/live: open streams at most (each holds a pool thread; capped at half the pool,
  // 503 past it) and the idle time after which a `: keep-alive` comment is sent.
  size_t sse_clients_max = 32;
  int sse_heartbeat_ms = 15'000;
};

// Kafka publication for GET /readyz (eventstore/kafka_publisher.h's figures).
struct PublicationInfo {
  uint64_t published_position = 0;
  uint64_t lag_positions = 0;
  double lag_seconds = 0;
  uint64_t delivery_errors = 0;
  std::string last_error;
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
  const projections::AuditTrail* audit = nullptr;  // GET /audit, /audit/supervision
  EventStore* live_store = nullptr;  // GET /events/live: one subscription per client
  const projections::Dashboard* dashboard = nullptr;  // GET /dashboard
  const projections::ProjectionRunner* runner = nullptr;
  std::function<Timestamp()> clock;  // `now` of SLA computations; default: the system clock
  // Extra GET /metrics sections: each returns complete Prometheus text lines (# HELP, # TYPE and
  // samples, newline-terminated). Called on a request thread, so each must be thread-safe.
  std::vector<std::function<std::string()>> metrics_sources;
  // Kafka publication, reported by GET /readyz (never a reason to be unready: appends go on
  // while Kafka is away). Empty when the node does not publish. Must be thread-safe.
  std::function<PublicationInfo()> publication;
  // A read replica: every command route answers 503 {"error":{"code":"read_only",…}}.
  bool read_only = false;
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
