#include "tools/http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace yiwang::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunkBytes = 64 * 1024;
constexpr int kEpollEventsMax = 256;
constexpr int kEpollWaitMs = 10;
constexpr size_t kLatencyReserve = 1 << 20;

struct Connection {
  int fd = -1;
  LoadScript* script = nullptr;
  std::string request;
  size_t sent = 0;
  std::string in;
  Clock::time_point started;
  bool busy = false;  // a request is in flight
  bool done = false;
};

// The parsed head of a response in `in`, when the whole response has arrived.
struct ParsedResponse {
  int status = 0;
  size_t body_offset = 0;
  size_t body_length = 0;
};

enum class Parse { kIncomplete, kComplete, kBad };

Parse ParseResponse(const std::string& in, ParsedResponse* out) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return in.size() > kLoadResponseBytesMax ? Parse::kBad : Parse::kIncomplete;
  }
  // "HTTP/1.1 200 OK"
  if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0) return Parse::kBad;
  const size_t space = in.find(' ');
  if (space == std::string::npos || space + 4 > head_end) return Parse::kBad;
  out->status = std::atoi(in.c_str() + space + 1);
  constexpr std::string_view kLength = "\r\ncontent-length:";
  size_t length_at = std::string::npos;
  for (size_t at = in.find("\r\n"); at < head_end; at = in.find("\r\n", at + 2)) {
    if (strncasecmp(in.data() + at, kLength.data(), kLength.size()) == 0) {
      length_at = at + kLength.size();
      break;
    }
  }
  if (length_at == std::string::npos) return Parse::kBad;
  const long long length = std::atoll(in.c_str() + length_at);
  if (length < 0 || static_cast<size_t>(length) > kLoadResponseBytesMax) return Parse::kBad;
  out->body_offset = head_end + 4;
  out->body_length = static_cast<size_t>(length);
  return in.size() >= out->body_offset + out->body_length ? Parse::kComplete : Parse::kIncomplete;
}

Result<int> Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    return Unavailable("connect to 127.0.0.1:" + std::to_string(port) + ": " + error);
  }
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  return fd;
}

class LoadRun {
 public:
  LoadRun(std::chrono::milliseconds duration, std::chrono::milliseconds drain_timeout)
      : duration_(duration), drain_timeout_(drain_timeout) {
    figures_.latencies_ms.reserve(kLatencyReserve);
  }
  ~LoadRun() {
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) ::close(connection.fd);
    }
    if (epoll_ >= 0) ::close(epoll_);
  }

  Status Open(int port, std::vector<std::unique_ptr<LoadScript>>& scripts) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return Unavailable(std::string("epoll_create1: ") + std::strerror(errno));
    connections_.resize(scripts.size());
    for (size_t index = 0; index < scripts.size(); ++index) {
      Result<int> fd = Connect(port);
      if (!fd.ok()) return fd.status();
      connections_[index].fd = *fd;
      connections_[index].script = scripts[index].get();
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = index;
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, *fd, &event) != 0) {
        return Unavailable(std::string("epoll_ctl: ") + std::strerror(errno));
      }
    }
    return Status::Ok();
  }

  LoadFigures Run() {
    start_ = Clock::now();
    deadline_ = start_ + duration_;
    for (Connection& connection : connections_) SendNext(&connection, nullptr);
    const Clock::time_point drain_deadline = deadline_ + drain_timeout_;
    epoll_event events[kEpollEventsMax];
    while (busy_ > 0 && Clock::now() < drain_deadline) {
      const int ready = ::epoll_wait(epoll_, events, kEpollEventsMax, kEpollWaitMs);
      for (int index = 0; index < ready; ++index) {
        Connection& connection = connections_[events[index].data.u64];
        if (events[index].events & EPOLLOUT) Flush(&connection);
        if (events[index].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Receive(&connection);
      }
    }
    figures_.seconds = std::chrono::duration<double>(last_response_ - start_).count();
    return std::move(figures_);
  }

 private:
  void Fail(Connection* connection, const std::string& what) {
    ++figures_.errors;
    if (figures_.first_error.empty()) figures_.first_error = what;
    if (connection->busy) --busy_;
    connection->busy = false;
    connection->done = true;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, connection->fd, nullptr);
  }

  void SendNext(Connection* connection, const HttpExchange* previous) {
    connection->request.clear();
    if (Clock::now() < deadline_) connection->script->Next(previous, &connection->request);
    if (connection->request.empty()) {
      connection->done = true;
      return;
    }
    connection->sent = 0;
    connection->busy = true;
    ++busy_;
    connection->started = Clock::now();
    Flush(connection);
  }

  void Flush(Connection* connection) {
    while (connection->sent < connection->request.size()) {
      const ssize_t written =
          ::send(connection->fd, connection->request.data() + connection->sent,
                 connection->request.size() - connection->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (written > 0) {
        connection->sent += static_cast<size_t>(written);
        continue;
      }
      if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.u64 = static_cast<uint64_t>(connection - connections_.data());
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, connection->fd, &event);
        return;
      }
      Fail(connection, std::string("send: ") + std::strerror(errno));
      return;
    }
  }

  void Receive(Connection* connection) {
    if (connection->done) return;
    char buffer[kReadChunkBytes];
    const ssize_t got = ::recv(connection->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {
      Fail(connection, got == 0 ? "the server closed a connection" : std::strerror(errno));
      return;
    }
    connection->in.append(buffer, static_cast<size_t>(got));
    ParsedResponse parsed;
    const Parse result = ParseResponse(connection->in, &parsed);
    if (result == Parse::kIncomplete) return;
    if (result == Parse::kBad || !connection->busy) {
      Fail(connection, "an unreadable or unexpected response");
      return;
    }
    const Clock::time_point now = Clock::now();
    last_response_ = now;
    figures_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(now - connection->started).count());
    ++figures_.requests;
    connection->busy = false;
    --busy_;
    const HttpExchange exchange{
        parsed.status,
        std::string_view(connection->in).substr(parsed.body_offset, parsed.body_length)};
    if (parsed.status >= 300) {
      ++figures_.errors;
      if (figures_.first_error.empty()) {
        figures_.first_error = "HTTP " + std::to_string(parsed.status) + " " +
                               std::string(exchange.body) + " for " + connection->request;
      }
    }
    std::string rest = connection->in.substr(parsed.body_offset + parsed.body_length);
    SendNext(connection, &exchange);
    connection->in = std::move(rest);
  }

  std::chrono::milliseconds duration_;
  std::chrono::milliseconds drain_timeout_;
  int epoll_ = -1;
  std::vector<Connection> connections_;
  size_t busy_ = 0;
  Clock::time_point start_;
  Clock::time_point deadline_;
  Clock::time_point last_response_;
  LoadFigures figures_;
};

void AppendHead(std::string* out, std::string_view method, std::string_view path,
                std::string_view token) {
  out->append(method).append(" ").append(path).append(
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ");
  out->append(token).append("\r\n");
}

}  // namespace

Result<LoadFigures> RunLoad(int port, std::vector<std::unique_ptr<LoadScript>>& scripts,
                            std::chrono::milliseconds duration,
                            std::chrono::milliseconds drain_timeout) {
  LoadRun run(duration, drain_timeout);
  YIWANG_RETURN_IF_ERROR(run.Open(port, scripts));
  return run.Run();
}

std::string FormatPost(std::string_view path, std::string_view token, std::string_view body) {
  std::string request;
  request.reserve(160 + path.size() + body.size());
  AppendHead(&request, "POST", path, token);
  request.append("Content-Type: application/json\r\nContent-Length: ")
      .append(std::to_string(body.size()))
      .append("\r\n\r\n")
      .append(body);
  return request;
}

std::string FormatGet(std::string_view path, std::string_view token) {
  std::string request;
  request.reserve(100 + path.size());
  AppendHead(&request, "GET", path, token);
  request.append("\r\n");
  return request;
}

}  // namespace yiwang::tools
