// A small HTTP/1.1 keep-alive load generator for `yiwang bench http`.
//
// One thread drives every connection through epoll: each connection sends one request, waits for
// its whole response (status line, Content-Length body), records the latency and asks its script
// for the next request. The requests are plain bytes prepared by the scripts, and responses are
// parsed only as far as the status and the body, so a request costs the client a few microseconds
// and the cores of the machine go to the server under test (a thread-per-connection client such
// as cpp-httplib's costs about as much CPU per request as the server does).
//
// Not a general HTTP client: no chunked responses, no redirects, no TLS; a response without
// Content-Length or a closed connection is an error for that connection, which then stops.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace yiwang::tools {

inline constexpr size_t kLoadResponseBytesMax = 4 * 1024 * 1024;

struct HttpExchange {
  int status = 0;
  std::string_view body;
};

// What one connection sends. Called on the load thread only.
class LoadScript {
 public:
  virtual ~LoadScript() = default;
  // Writes the next request (complete HTTP/1.1 bytes) to `request`; `previous` is the response to
  // the last one (nullptr before the first). Leaving `request` empty ends this connection.
  virtual void Next(const HttpExchange* previous, std::string* request) = 0;
};

struct LoadFigures {
  uint64_t requests = 0;  // completed, errors included
  uint64_t errors = 0;    // status >= 300, unreadable responses, dropped connections
  double seconds = 0;     // from the first request to the last response
  std::vector<double> latencies_ms;
  std::string first_error;  // for people; empty when there was none
};

// Runs every script on its own connection to 127.0.0.1:`port` until `duration` has passed (no
// request is started after it; those in flight are awaited, at most `drain_timeout`).
Result<LoadFigures> RunLoad(int port, std::vector<std::unique_ptr<LoadScript>>& scripts,
                            std::chrono::milliseconds duration,
                            std::chrono::milliseconds drain_timeout = std::chrono::seconds(30));

// "POST <path> HTTP/1.1" with Host, Authorization: Bearer <token>, a JSON body.
std::string FormatPost(std::string_view path, std::string_view token, std::string_view body);
// "GET <path> HTTP/1.1" with Host and Authorization: Bearer <token>.
std::string FormatGet(std::string_view path, std::string_view token);

}  // namespace yiwang::tools
