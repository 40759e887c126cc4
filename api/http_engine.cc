#include "api/internal/http_engine.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/internal/http_wire.h"

namespace yiwang::api::internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kListenBacklog = 1024;
constexpr size_t kReadChunkBytes = 64 * 1024;
constexpr int kEpollEventsMax = 128;
constexpr std::chrono::milliseconds kSweepInterval{250};
constexpr std::chrono::milliseconds kLingerTime{2'000};
constexpr size_t kLingerBytesMax = 64 * 1024 * 1024;
constexpr uint64_t kWakeTag = UINT64_MAX;  // epoll data of a loop's eventfd
constexpr uint64_t kListenTag = UINT64_MAX - 1;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

struct Connection {
  int fd = -1;
  int epoll = -1;  // the epoll of the loop that watches it
  std::string in;  // received, not yet consumed
  std::string remote_addr;
  int remote_port = 0;
  size_t requests = 0;
  bool sent_continue = false;
  std::atomic<bool> busy{false};  // a thread owns it (handling an event or a request)
  std::atomic<int64_t> last_activity_ms{0};
  std::atomic<bool> request_started{false};  // part of a request has arrived
};

// A FIFO of tasks run by a fixed set of threads.
class WorkerPool {
 public:
  void Start(size_t threads) {
    for (size_t index = 0; index < threads; ++index) {
      threads_.emplace_back([this, index] {
        NameThisThread("http-worker-" + std::to_string(index));
        Run();
      });
    }
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }
  // Runs what is queued, then ends the threads.
  void StopAndJoin() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

class HttpEngine::Impl {
 public:
  Impl(const HttpEngineOptions& options, HttpEngineHandlers handlers)
      : options_(options), handlers_(std::move(handlers)) {
    limits_.head_bytes_max = options.request_head_bytes_max;
    limits_.body_bytes_max = options.request_body_bytes_max;
  }

  Status Listen();
  void StartThreads();
  void Stop();
  void Wait();
  int port() const { return port_; }

 private:
  void LoopMain(size_t index);
  void Accept(size_t loop_index);
  void OnReadable(Connection* connection);
  // Serves the complete requests buffered in `connection`, then re-arms it (or closes it).
  void Serve(Connection* connection, bool on_loop);
  // Runs one request and sends its response; false when the connection must close.
  bool Respond(Connection* connection, WireRequest& wire);
  bool StreamChunked(Connection* connection, httplib::Response& response);
  bool SendAll(Connection* connection, std::string_view bytes);
  // Sends a final answer, then reads and drops what the client still sends before closing
  // (a "lingering close", RFC 9112 §9.6): closing with unread bytes would reset the connection,
  // and the client could lose the answer or die of SIGPIPE while still writing its body.
  void AnswerAndLinger(Connection* connection, std::string_view answer);
  void Rearm(Connection* connection);
  void Close(Connection* connection);
  void SweepIdle();
  void Refuse(int fd, int status, const std::string& message);

  HttpEngineOptions options_;
  HttpEngineHandlers handlers_;
  WireLimits limits_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> epolls_;
  std::vector<int> wake_fds_;
  std::vector<std::thread> loops_;
  std::thread sweeper_;
  WorkerPool workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> next_loop_{0};

  std::mutex connections_mutex_;
  std::unordered_set<Connection*> connections_;  // guarded by connections_mutex_
  std::mutex sweep_mutex_;                       // only for stop_signal_
  std::condition_variable stop_signal_;
  std::mutex join_mutex_;
  bool joined_ = false;  // guarded by join_mutex_
};

Status HttpEngine::Impl::Listen() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options_.port);
  if (getaddrinfo(options_.host.c_str(), port_text.c_str(), &hints, &found) != 0 || !found) {
    return Unavailable("cannot resolve " + options_.host);
  }
  std::string error = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int yes = 1;
    // SO_REUSEADDR only: a quick restart may bind, a second server may not share the port.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 &&
        ::listen(fd, kListenBacklog) == 0) {
      listen_fd_ = fd;
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return Unavailable("cannot bind " + options_.host + ":" + port_text + ": " + error);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  for (size_t index = 0; index < options_.loop_threads; ++index) {
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll < 0 || wake < 0) return Unavailable(std::string("epoll: ") + std::strerror(errno));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeTag;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event);
    epolls_.push_back(epoll);
    wake_fds_.push_back(wake);
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenTag;
  ::epoll_ctl(epolls_[0], EPOLL_CTL_ADD, listen_fd_, &event);
  return Status::Ok();
}

void HttpEngine::Impl::StartThreads() {
  workers_.Start(options_.worker_threads);
  for (size_t index = 0; index < epolls_.size(); ++index) {
    loops_.emplace_back([this, index] { LoopMain(index); });
  }
  sweeper_ = std::thread([this] {
    NameThisThread("http-sweeper");
    std::unique_lock lock(sweep_mutex_);
    while (!stopping_.load()) {
      stop_signal_.wait_for(lock, kSweepInterval);
      if (!stopping_.load()) SweepIdle();
    }
  });
}

void HttpEngine::Impl::LoopMain(size_t index) {
  NameThisThread("http-loop-" + std::to_string(index));
  epoll_event events[kEpollEventsMax];
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int ready = ::epoll_wait(epolls_[index], events, kEpollEventsMax, -1);
    for (int at = 0; at < ready; ++at) {
      const uint64_t tag = events[at].data.u64;
      if (tag == kWakeTag) continue;
      if (tag == kListenTag) {
        Accept(index);
        continue;
      }
      OnReadable(static_cast<Connection*>(events[at].data.ptr));
    }
  }
}

void HttpEngine::Impl::Refuse(int fd, int status, const std::string& message) {
  httplib::Request request;
  httplib::Response response;
  response.status = status;
  handlers_.engine_error(request, response, message);
  const std::string bytes = SerializeResponse(response, false, false, false);
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

void HttpEngine::Impl::Accept(size_t loop_index) {
  (void)loop_index;
  while (!stopping_.load()) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all taken; other errors: the next event retries
    size_t open = 0;
    {
      std::lock_guard lock(connections_mutex_);
      open = connections_.size();
    }
    if (open >= options_.connections_max) {
      Refuse(fd, 503, "too many open connections");
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto* connection = new Connection();
    connection->fd = fd;
    char text[INET6_ADDRSTRLEN] = {};
    if (peer.ss_family == AF_INET6) {
      const auto* address = reinterpret_cast<sockaddr_in6*>(&peer);
      ::inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof(text));
      connection->remote_port = ntohs(address->sin6_port);
    } else {
      const auto* address = reinterpret_cast<sockaddr_in*>(&peer);
      ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
      connection->remote_port = ntohs(address->sin_port);
    }
    connection->remote_addr = text;
    connection->epoll = epolls_[next_loop_.fetch_add(1) % epolls_.size()];
    connection->last_activity_ms.store(NowMs());
    {
      std::lock_guard lock(connections_mutex_);
      connections_.insert(connection);
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.ptr = connection;
    ::epoll_ctl(connection->epoll, EPOLL_CTL_ADD, fd, &event);
  }
}

void HttpEngine::Impl::OnReadable(Connection* connection) {
  connection->busy.store(true);
  char buffer[kReadChunkBytes];
  const ssize_t got = ::recv(connection->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    Rearm(connection);
    return;
  }
  if (got <= 0) {
    Close(connection);
    return;
  }
  connection->in.append(buffer, static_cast<size_t>(got));
  Serve(connection, /*on_loop=*/true);
}

void HttpEngine::Impl::Serve(Connection* connection, bool on_loop) {
  while (!connection->in.empty()) {
    auto wire = std::make_shared<WireRequest>();
    const WireParse parsed = ParseRequest(connection->in, limits_, wire.get());
    if (parsed == WireParse::kIncomplete) {
      if (wire->expects_continue && !connection->sent_continue) {
        connection->sent_continue = true;
        if (!SendAll(connection, "HTTP/1.1 100 Continue\r\n\r\n")) return Close(connection);
      }
      break;
    }
    if (parsed == WireParse::kError) {
      wire->request.remote_addr = connection->remote_addr;
      wire->request.remote_port = connection->remote_port;
      httplib::Response response;
      response.status = wire->error_status;
      handlers_.engine_error(wire->request, response, wire->error_message);
      auto answer = std::make_shared<std::string>(SerializeResponse(response, false, false, false));
      // On a worker: the client may still be sending (a body over the limit), and lingering
      // waits for it to stop.
      workers_.Post([this, connection, answer] { AnswerAndLinger(connection, *answer); });
      return;
    }
    connection->in.erase(0, wire->consumed);
    connection->sent_continue = false;
    wire->request.remote_addr = connection->remote_addr;
    wire->request.remote_port = connection->remote_port;
    if (on_loop && !handlers_.run_inline(wire->request)) {
      workers_.Post([this, connection, wire] {
        if (!Respond(connection, *wire)) return Close(connection);
        Serve(connection, /*on_loop=*/false);
      });
      return;  // the worker owns the connection now
    }
    if (!Respond(connection, *wire)) return Close(connection);
  }
  connection->request_started.store(!connection->in.empty());
  Rearm(connection);
}

bool HttpEngine::Impl::Respond(Connection* connection, WireRequest& wire) {
  httplib::Response response;
  handlers_.handle(wire.request, response);
  ++connection->requests;
  const bool keep_alive = wire.keep_alive && !stopping_.load() &&
                          connection->requests < options_.keep_alive_requests_max;
  const bool head_only = wire.request.method == "HEAD";
  if (response.content_provider_ && response.is_chunked_content_provider_ && !head_only) {
    return StreamChunked(connection, response) && keep_alive;
  }
  if (!SendAll(connection, SerializeResponse(response, keep_alive, false, head_only))) return false;
  return keep_alive;
}

bool HttpEngine::Impl::StreamChunked(Connection* connection, httplib::Response& response) {
  if (!SendAll(connection, SerializeResponse(response, true, true, false))) return false;
  bool ok = true;
  bool done = false;
  size_t offset = 0;
  httplib::DataSink sink;
  sink.write = [&](const char* data, size_t length) {
    if (!ok || stopping_.load()) return ok = false;
    if (length == 0) return true;
    char size_line[32];
    const int size_length = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", length);
    std::string chunk(size_line, static_cast<size_t>(size_length));
    chunk.append(data, length).append("\r\n");
    ok = SendAll(connection, chunk);
    offset += length;
    return ok;
  };
  sink.is_writable = [&] { return ok && !stopping_.load(); };
  sink.done = [&] {
    if (done) return;
    done = true;
    ok = ok && SendAll(connection, "0\r\n\r\n");
  };
  while (ok && !done) {
    if (!response.content_provider_(offset, 0, sink)) ok = false;
  }
  // ~Response() calls the provider's releaser with this.
  response.content_provider_success_ = ok && done;
  return ok && done;
}

bool HttpEngine::Impl::SendAll(Connection* connection, std::string_view bytes) {
  const Clock::time_point deadline = Clock::now() + options_.write_timeout;
  while (!bytes.empty()) {
    const ssize_t sent =
        ::send(connection->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 || stopping_.load()) return false;  // the client stopped reading
      pollfd waiting{connection->fd, POLLOUT, 0};
      ::poll(&waiting, 1, static_cast<int>(std::min<int64_t>(left, 200)));
      continue;
    }
    return false;
  }
  connection->last_activity_ms.store(NowMs());
  return true;
}

void HttpEngine::Impl::AnswerAndLinger(Connection* connection, std::string_view answer) {
  if (SendAll(connection, answer)) {
    ::shutdown(connection->fd, SHUT_WR);
    const Clock::time_point deadline = Clock::now() + kLingerTime;
    size_t drained = 0;
    char buffer[kReadChunkBytes];
    while (drained < kLingerBytesMax && !stopping_.load()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd waiting{connection->fd, POLLIN, 0};
      if (::poll(&waiting, 1, static_cast<int>(std::min<int64_t>(left, 200))) < 0) break;
      const ssize_t got = ::recv(connection->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        break;
      }
      if (got > 0) drained += static_cast<size_t>(got);
    }
  }
  Close(connection);
}

void HttpEngine::Impl::Rearm(Connection* connection) {
  connection->last_activity_ms.store(NowMs());
  connection->busy.store(false);
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = connection;
  ::epoll_ctl(connection->epoll, EPOLL_CTL_MOD, connection->fd, &event);
}

void HttpEngine::Impl::Close(Connection* connection) {
  {
    // Out of the set before the descriptor is closed: the sweeper only shuts down descriptors
    // of connections in the set, so it never touches a closed (or reused) number.
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection);
  }
  ::epoll_ctl(connection->epoll, EPOLL_CTL_DEL, connection->fd, nullptr);
  ::close(connection->fd);
  delete connection;
}

void HttpEngine::Impl::SweepIdle() {
  const int64_t now = NowMs();
  std::lock_guard lock(connections_mutex_);
  for (Connection* connection : connections_) {
    if (connection->busy.load()) continue;
    const int64_t idle = now - connection->last_activity_ms.load();
    const int64_t limit = connection->request_started.load() ? options_.read_timeout.count()
                                                             : options_.idle_timeout.count();
    // Shutting the socket down makes it readable: its loop reads end-of-stream and closes it.
    if (idle > limit) ::shutdown(connection->fd, SHUT_RDWR);
  }
}

void HttpEngine::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(sweep_mutex_);  // the sweeper is waiting or will see stopping_
  }
  stop_signal_.notify_all();
  for (int wake : wake_fds_) {
    const uint64_t one = 1;
    (void)!::write(wake, &one, sizeof(one));
  }
  // Ends streams and unblocks writers: every socket's next send or recv fails.
  std::lock_guard lock(connections_mutex_);
  for (Connection* connection : connections_) ::shutdown(connection->fd, SHUT_RDWR);
}

void HttpEngine::Impl::Wait() {
  std::lock_guard join_lock(join_mutex_);
  if (joined_) return;
  for (std::thread& loop : loops_) loop.join();
  if (sweeper_.joinable()) sweeper_.join();
  workers_.StopAndJoin();
  joined_ = true;
  std::lock_guard lock(connections_mutex_);
  for (Connection* connection : connections_) {
    ::close(connection->fd);
    delete connection;
  }
  connections_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : epolls_) ::close(fd);
  for (int fd : wake_fds_) ::close(fd);
  listen_fd_ = -1;
  epolls_.clear();
  wake_fds_.clear();
}

Result<std::unique_ptr<HttpEngine>> HttpEngine::Start(const HttpEngineOptions& options,
                                                      HttpEngineHandlers handlers) {
  if (!handlers.handle || !handlers.run_inline || !handlers.engine_error) {
    return InvalidArgument("HttpEngine needs handle, run_inline and engine_error");
  }
  if (options.loop_threads < 1 || options.worker_threads < 1) {
    return InvalidArgument("HttpEngine needs at least one loop thread and one worker");
  }
  auto impl = std::make_unique<Impl>(options, std::move(handlers));
  YIWANG_RETURN_IF_ERROR(impl->Listen());
  impl->StartThreads();
  return std::unique_ptr<HttpEngine>(new HttpEngine(std::move(impl)));
}

HttpEngine::HttpEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpEngine::~HttpEngine() {
  Stop();
  Wait();
}

int HttpEngine::port() const { return impl_->port(); }
void HttpEngine::Stop() { impl_->Stop(); }
void HttpEngine::Wait() { impl_->Wait(); }

}  // namespace yiwang::api::internal
