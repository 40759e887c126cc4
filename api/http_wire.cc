#include "api/internal/http_wire.h"

#include <strings.h>

#include <algorithm>
#include <charconv>

namespace yiwang::api::internal {
namespace {

constexpr std::string_view kCrLf = "\r\n";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

WireParse Fail(WireRequest* out, int status, std::string message) {
  out->error_status = status;
  out->error_message = std::move(message);
  return WireParse::kError;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void ParseQuery(std::string_view query, httplib::Params* params) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    const std::string_view key = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    params->emplace(UrlDecode(key, true), UrlDecode(value, true));
  }
}

// The request line "METHOD SP target SP HTTP/1.x".
WireParse ParseRequestLine(std::string_view line, WireRequest* out) {
  const size_t first = line.find(' ');
  const size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return Fail(out, 400, "malformed request line");
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return Fail(out, 400, "malformed request method");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Fail(out, 505, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (target.empty() || target.front() != '/') return Fail(out, 400, "malformed request target");
  httplib::Request& request = out->request;
  request.method = method;
  request.version = version;
  request.target = target;
  const size_t question = target.find('?');
  request.path = UrlDecode(target.substr(0, question), false);
  if (question != std::string_view::npos) ParseQuery(target.substr(question + 1), &request.params);
  out->keep_alive = version == "HTTP/1.1";
  return WireParse::kComplete;
}

}  // namespace

std::string UrlDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '%' && at + 2 < text.size()) {
      const int high = HexValue(text[at + 1]);
      const int low = HexValue(text[at + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        at += 2;
        continue;
      }
    }
    decoded.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return decoded;
}

WireParse ParseRequest(std::string_view input, const WireLimits& limits, WireRequest* out) {
  // Blank lines before a request are allowed (RFC 9112 §2.2).
  size_t start = 0;
  while (input.substr(start, 2) == kCrLf) start += 2;
  const size_t head_end = input.find("\r\n\r\n", start);
  if (head_end == std::string_view::npos) {
    if (input.size() - start > limits.head_bytes_max) {
      return Fail(out, 431,
                  "the request head exceeds " + std::to_string(limits.head_bytes_max) + " bytes");
    }
    return WireParse::kIncomplete;
  }
  if (head_end - start > limits.head_bytes_max) {
    return Fail(out, 431,
                "the request head exceeds " + std::to_string(limits.head_bytes_max) + " bytes");
  }
  const std::string_view head = input.substr(start, head_end - start);
  const size_t line_end = head.find(kCrLf);
  if (ParseRequestLine(head.substr(0, line_end), out) == WireParse::kError) {
    return WireParse::kError;
  }
  httplib::Request& request = out->request;
  bool has_length = false;
  size_t length = 0;
  bool expect_continue = false;
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    const size_t end = rest.find(kCrLf);
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(line.begin(), line.begin() + static_cast<long>(colon), IsTokenChar)) {
      return Fail(out, 400, "malformed header line");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Length")) {
      size_t parsed = 0;
      const auto [end_of_number, error] =
          std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc() || end_of_number != value.data() + value.size() || value.empty() ||
          (has_length && parsed != length)) {
        return Fail(out, 400, "malformed Content-Length");
      }
      has_length = true;
      length = parsed;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return Fail(out, 411, "chunked request bodies are not accepted; send Content-Length");
    } else if (EqualsIgnoreCase(name, "Connection")) {
      if (EqualsIgnoreCase(value, "close")) out->keep_alive = false;
      if (EqualsIgnoreCase(value, "keep-alive")) out->keep_alive = true;
    } else if (EqualsIgnoreCase(name, "Expect")) {
      if (!EqualsIgnoreCase(value, "100-continue")) return Fail(out, 417, "unsupported Expect");
      expect_continue = true;
    }
    request.headers.emplace(std::string(name), std::string(value));
  }
  if (length > limits.body_bytes_max) {
    return Fail(out, 413,
                "the request body exceeds " + std::to_string(limits.body_bytes_max) + " bytes");
  }
  const size_t body_start = head_end + 4;
  if (input.size() - body_start < length) {
    out->expects_continue = expect_continue && input.size() == body_start;
    return WireParse::kIncomplete;
  }
  request.body.assign(input.substr(body_start, length));
  out->consumed = body_start + length;
  return WireParse::kComplete;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

std::string SerializeResponse(const httplib::Response& response, bool keep_alive, bool chunked,
                              bool head_only) {
  std::string out;
  out.reserve(192 + (head_only ? 0 : response.body.size()));
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out.append(ReasonPhrase(response.status)).append(kCrLf);
  for (const auto& [name, value] : response.headers) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    out.append(name).append(": ").append(value).append(kCrLf);
  }
  if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    out.append("Content-Length: ").append(std::to_string(response.body.size())).append(kCrLf);
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append(kCrLf);
  if (!head_only && !chunked) out.append(response.body);
  return out;
}

}  // namespace yiwang::api::internal
