// The event-loop HTTP engine over real loopback sockets: keep-alive, pipelining, the worker hand
// off, 100-continue, limits, idle connections, streaming, stopping, clients that stop reading.
#include "api/internal/http_engine.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace yiwang::api::internal {
namespace {

using namespace std::chrono_literals;

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `predicate(received)` holds, the peer closes, or `timeout`.
  std::string ReadUntil(const std::function<bool(const std::string&)>& predicate,
                        std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate(received_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd waiting{fd_, POLLIN, 0};
      if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[65536];
      const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (got <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buffer, static_cast<size_t>(got));
    }
    return received_;
  }
  std::string ReadResponses(size_t count) {
    return ReadUntil([count](const std::string& in) { return Count(in, "HTTP/1.1 ") >= count; });
  }
  bool WaitClosed(std::chrono::milliseconds timeout = 5s) {
    ReadUntil([](const std::string&) { return false; }, timeout);
    return closed_;
  }
  static size_t Count(const std::string& text, std::string_view what) {
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++count;
    }
    return count;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class HttpEngineTest : public ::testing::Test {
 protected:
  void Start(HttpEngineOptions options = {}) {
    options.port = 0;
    HttpEngineHandlers handlers;
    handlers.handle = [this](httplib::Request& request, httplib::Response& response) {
      if (handle_) return handle_(request, response);
      response.status = 200;
      response.set_content(request.method + " " + request.path + " " + request.body, "text/plain");
    };
    handlers.run_inline = [](const httplib::Request& request) {
      return request.path.starts_with("/inline");
    };
    handlers.engine_error = [](const httplib::Request&, httplib::Response& response,
                               const std::string& message) {
      response.set_content("engine: " + message, "text/plain");
    };
    Result<std::unique_ptr<HttpEngine>> started = HttpEngine::Start(options, handlers);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    engine_ = std::move(started).value();
  }
  int port() const { return engine_->port(); }

  std::function<void(httplib::Request&, httplib::Response&)> handle_;
  std::unique_ptr<HttpEngine> engine_;
};

TEST_F(HttpEngineTest, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.connected());
  client.Send("GET /inline/a HTTP/1.1\r\n\r\n");
  EXPECT_NE(client.ReadResponses(1).find("GET /inline/a"), std::string::npos);
  client.Send(
      "POST /worker/b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /inline/c HTTP/1.1\r\n\r\n"
      "GET /worker/d HTTP/1.1\r\n\r\n");
  const std::string all = client.ReadResponses(4);
  const size_t b = all.find("POST /worker/b xyz");
  const size_t c = all.find("GET /inline/c");
  const size_t d = all.find("GET /worker/d");
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(c, std::string::npos) << all;
  ASSERT_NE(d, std::string::npos) << all;
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
}

TEST_F(HttpEngineTest, ABlockedWorkerDoesNotStallInlineRequests) {
  std::atomic<bool> release{false};
  handle_ = [&](httplib::Request& request, httplib::Response& response) {
    if (request.path == "/worker/block") {
      while (!release.load()) std::this_thread::sleep_for(1ms);
    }
    response.status = 200;
    response.set_content(request.path, "text/plain");
  };
  Start();
  Client blocked(port());
  blocked.Send("GET /worker/block HTTP/1.1\r\n\r\n");
  Client quick(port());
  quick.Send("GET /inline/quick HTTP/1.1\r\n\r\n");
  EXPECT_NE(quick.ReadResponses(1).find("/inline/quick"), std::string::npos);
  release.store(true);
  EXPECT_NE(blocked.ReadResponses(1).find("/worker/block"), std::string::npos);
}

TEST_F(HttpEngineTest, ExpectContinueGetsAnInterimResponse) {
  Start();
  Client client(port());
  client.Send("POST /worker/x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_NE(client.ReadResponses(1).find("HTTP/1.1 100 Continue\r\n\r\n"), std::string::npos);
  client.Send("hello");
  EXPECT_NE(client.ReadResponses(2).find("POST /worker/x hello"), std::string::npos);
}

TEST_F(HttpEngineTest, BadRequestsGetTheirStatusAndTheConnectionCloses) {
  HttpEngineOptions options;
  options.request_body_bytes_max = 8;
  Start(options);
  for (const auto& [request, status] : std::vector<std::pair<std::string, std::string>>{
           {"POST /x HTTP/1.1\r\nContent-Length: 9\r\n\r\n", "413"},
           {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "411"},
           {"NONSENSE\r\n\r\n", "400"},
           {"GET /x HTTP/3\r\n\r\n", "505"}}) {
    Client client(port());
    client.Send(request);
    const std::string answer = client.ReadResponses(1);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + status)) << request << " -> " << answer;
    EXPECT_NE(answer.find("engine: "), std::string::npos);
    EXPECT_TRUE(client.WaitClosed()) << request;
  }
}

TEST_F(HttpEngineTest, AnOversizedBodyIsDrainedSoTheClientGetsThe413) {
  HttpEngineOptions options;
  options.request_body_bytes_max = 1024;
  Start(options);
  Client client(port());
  const std::string body(4 << 20, 'x');
  // Without a lingering close the server would reset the connection while the client is still
  // writing: the send below would fail (EPIPE / ECONNRESET) and the answer would be lost.
  client.Send("POST /worker/big HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n" + body);
  const std::string answer = client.ReadResponses(1);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpEngineTest, IdleAndHalfSentConnectionsAreClosed) {
  HttpEngineOptions options;
  options.idle_timeout = 300ms;
  options.read_timeout = 300ms;
  Start(options);
  Client idle(port());
  idle.Send("GET /inline/a HTTP/1.1\r\n\r\n");
  idle.ReadResponses(1);
  EXPECT_TRUE(idle.WaitClosed(5s));
  Client half(port());
  half.Send("GET /inline/a HTTP/1.1\r\nHost: x\r\n");
  EXPECT_TRUE(half.WaitClosed(5s));
}

TEST_F(HttpEngineTest, ConnectionsOverTheLimitGet503) {
  HttpEngineOptions options;
  options.connections_max = 2;
  Start(options);
  Client first(port());
  Client second(port());
  first.Send("GET /inline/1 HTTP/1.1\r\n\r\n");
  second.Send("GET /inline/2 HTTP/1.1\r\n\r\n");
  first.ReadResponses(1);
  second.ReadResponses(1);
  Client third(port());
  EXPECT_TRUE(third.ReadResponses(1).starts_with("HTTP/1.1 503")) << third.ReadResponses(1);
  EXPECT_TRUE(third.WaitClosed());
}

TEST_F(HttpEngineTest, ChunkedStreamsAreFramedAndStopEndsThem) {
  std::atomic<int> streams_ended{0};
  handle_ = [&](httplib::Request& request, httplib::Response& response) {
    response.status = 200;
    const bool endless = request.path == "/worker/endless";
    response.set_chunked_content_provider(
        "text/event-stream",
        [endless, sent = 0](size_t, httplib::DataSink& sink) mutable {
          if (!endless && sent == 3) {
            sink.done();
            return true;
          }
          ++sent;
          if (endless) std::this_thread::sleep_for(5ms);
          return sink.write("data: x\n\n", 9);
        },
        [&](bool) { streams_ended.fetch_add(1); });
  };
  Start();
  Client finite(port());
  finite.Send("GET /worker/finite HTTP/1.1\r\n\r\n");
  const std::string body = finite.ReadUntil(
      [](const std::string& in) { return in.find("\r\n0\r\n\r\n") != std::string::npos; });
  EXPECT_NE(body.find("Transfer-Encoding: chunked"), std::string::npos) << body;
  EXPECT_EQ(Client::Count(body, "9\r\ndata: x\n\n\r\n"), 3u) << body;

  Client endless(port());
  endless.Send("GET /worker/endless HTTP/1.1\r\n\r\n");
  endless.ReadUntil([](const std::string& in) { return Client::Count(in, "data: x") >= 2; });
  engine_->Stop();
  engine_->Wait();
  EXPECT_EQ(streams_ended.load(), 2);
}

TEST_F(HttpEngineTest, AClientThatStopsReadingIsDroppedAndFreesItsWorker) {
  HttpEngineOptions options;
  options.worker_threads = 1;
  options.write_timeout = 300ms;
  handle_ = [](httplib::Request& request, httplib::Response& response) {
    response.status = 200;
    response.set_content(std::string(request.path == "/worker/big" ? 64 << 20 : 2, 'x'),
                         "text/plain");
  };
  Start(options);
  Client stuck(port());
  stuck.Send("GET /worker/big HTTP/1.1\r\n\r\n");  // and never reads
  Client next(port());
  next.Send("GET /worker/small HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(next.ReadResponses(1).starts_with("HTTP/1.1 200"));
}

}  // namespace
}  // namespace yiwang::api::internal
