// HTTP/1.1 on the wire for HttpEngine: parsing a request from received bytes and writing a
// response (RFC 9112), into and out of cpp-httplib's Request/Response types. Pure functions.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace yiwang::api::internal {

struct WireLimits {
  size_t head_bytes_max = 16 * 1024;
  size_t body_bytes_max = 1024 * 1024;
};

enum class WireParse {
  kIncomplete,  // more bytes needed
  kComplete,    // *request filled, *consumed bytes belong to it
  kError,       // *error_status and *error_message say why; the connection must close
};

struct WireRequest {
  httplib::Request request;
  size_t consumed = 0;           // bytes of the input this request used (kComplete)
  bool keep_alive = true;        // the client allows another request on the connection
  bool expects_continue = false;  // "Expect: 100-continue" and the body has not arrived
  int error_status = 0;
  std::string error_message;
};

// Parses the request at the start of `input`. On kIncomplete, `out->expects_continue` tells
// whether the client waits for "100 Continue" before sending its body.
WireParse ParseRequest(std::string_view input, const WireLimits& limits, WireRequest* out);

// Percent-decoding; with `plus_is_space`, '+' decodes to ' ' (query strings). Invalid escapes
// are kept as they are.
std::string UrlDecode(std::string_view text, bool plus_is_space);

// The status line and headers of `response` (Content-Length from its body unless `chunked`),
// then the body unless `head_only`.
std::string SerializeResponse(const httplib::Response& response, bool keep_alive, bool chunked,
                              bool head_only);

std::string_view ReasonPhrase(int status);

}  // namespace yiwang::api::internal
