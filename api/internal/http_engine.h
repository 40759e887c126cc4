// HttpEngine: the connection handling under HttpServer: HTTP/1.1 over epoll.
//
// Why not cpp-httplib's own server: it serves each connection on one pool thread for the
// connection's whole life and makes about 13 system calls per request (poll before every read,
// poll in its keep-alive wait plus a 1 ms sleep when idle, getpeername and getsockname per
// request, headers and body in two sends). On 2 cores that, and waking one of 64+ threads per
// request, cost more than yiwang's own work (BENCHMARKS.md, "HTTP"). Here a few loop threads own
// all connections through epoll (EPOLLONESHOT: one thread handles a connection at a time) and a
// request costs one recv and one send. Handlers keep cpp-httplib's model and types
// (httplib::Request/Response, see api/router.h).
//
// Which thread runs a handler: quick, non-blocking requests (run_inline says which) run on the loop
// thread that read them; everything else (commands, which wait for the group commit's fsync; reads
// that wait for a position; streams) runs on a worker pool, so a blocked handler never stalls the
// loop. A streaming response (set_chunked_content_provider, e.g. Server-Sent Events) holds its
// worker for as long as it streams: the pool size bounds streams plus concurrent commands.
//
// Limits: request head bytes, body bytes (413), requests per connection, connections (past it a
// new connection gets 503 and is closed), idle keep-alive time, time to receive a started request
// and to send a response (write timeout; a client that stops reading is dropped).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "domain/status.h"

namespace yiwang::api::internal {

struct HttpEngineOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free port
  size_t loop_threads = 2;
  size_t worker_threads = 64;
  size_t request_head_bytes_max = 16 * 1024;
  size_t request_body_bytes_max = 1024 * 1024;
  size_t keep_alive_requests_max = 10'000;
  size_t connections_max = 4096;
  std::chrono::milliseconds idle_timeout{5'000};   // an idle keep-alive connection is closed
  std::chrono::milliseconds read_timeout{10'000};  // a started request must arrive within
  std::chrono::milliseconds write_timeout{10'000};
};

struct HttpEngineHandlers {
  // Fills `response` for a parsed request (routing, authorization, logging). Must not throw.
  std::function<void(httplib::Request& request, httplib::Response& response)> handle;
  // True when `handle` is quick and never blocks for this request: it then runs on a loop thread.
  std::function<bool(const httplib::Request& request)> run_inline;
  // Fills the body of an error the engine answers itself (response.status is set: 400, 408, 411,
  // 413, 431, 503, 505); `message` says what was wrong. Also the place to log it.
  std::function<void(const httplib::Request& request, httplib::Response& response,
                     const std::string& message)>
      engine_error;
};

class HttpEngine {
 public:
  // Binds and listens (kUnavailable when the address cannot be bound), then serves on background
  // threads until Stop().
  static Result<std::unique_ptr<HttpEngine>> Start(const HttpEngineOptions& options,
                                                   HttpEngineHandlers handlers);
  ~HttpEngine();  // Stop() and Wait()
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  int port() const;
  // Stops accepting, wakes every thread, ends streams; any thread, idempotent.
  void Stop();
  // Blocks until every thread has ended and every connection is closed (after Stop()).
  void Wait();

 private:
  class Impl;
  explicit HttpEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yiwang::api::internal
