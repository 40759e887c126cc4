// `yiwang serve`: opens the event store, builds the read models, serves HTTP until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/log.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/node.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang serve [flags]\n"
    "\n"
    "  --listen HOST:PORT     address to serve on (default 127.0.0.1:8080; port 0 picks a free\n"
    "                         port and prints it)\n"
    "  --data DIR             data directory (default ./yiwang-data): the event log in DIR/log,\n"
    "                         the read models in DIR/read (rebuilt from the log when missing)\n"
    "  --durability MODE      fsync (default): acknowledge after the disk sync; os: page cache\n"
    "  --demo                 publish the demo catalog on first start (loopback addresses only)\n"
    "  --calendar-dir DIR     extra working-day calendar years (<year>.txt) beside the built-in\n"
    "  --auth-file FILE       bearer tokens as hashed secrets (format in api/README.md)\n"
    "  --threads N            HTTP worker threads: commands and waiting reads in flight\n"
    "                         (default 64)\n"
    "  --body-limit BYTES     largest request body accepted (default 1048576)\n"
    "  --sse-clients N        open GET /events/live streams at most (default 32, capped at\n"
    "                         half of --threads); more answer 503\n"
    "  --sse-heartbeat-ms MS  idle time before a `: keep-alive` comment (default 15000)\n"
    "  --log-level LEVEL      debug|info|warning|error (default info)\n"
    "  --read-only            a read replica: every command answers 503 read_only; with\n"
    "                         --kafka-brokers the log follows the Kafka topics (yiwang import)\n"
    "  --kafka-brokers LIST   HOST:PORT,… of the Kafka cluster; a writable node publishes every\n"
    "                         event there (from the cursor kept in the log, so a backlog built\n"
    "                         while running without brokers is published in order)\n"
    "  --topic-prefix P       topics P.case-events and P.catalog-events (default yiwang)\n";

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Status ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("--listen must be HOST:PORT, got '" + text + "'");
  }
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const long value = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || value < 0 || value > 65535) {
    return InvalidArgument("--listen port must be 0..65535, got '" + port_text + "'");
  }
  *port = static_cast<int>(value);
  return Status::Ok();
}

int Fail(const Status& status) {
  api::LogError("serve: " + status.ToString());
  return 1;
}

}  // namespace

int RunServe(int argc, char** argv) {
  Result<Flags> parsed = Flags::Parse(
      argc, argv,
      {"listen", "data", "durability", "calendar-dir", "auth-file", "threads", "body-limit",
       "log-level", "sse-clients", "sse-heartbeat-ms", "kafka-brokers", "topic-prefix"},
      {"demo", "help", "read-only"});
  if (!parsed.ok()) return UsageError("serve", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!flags.positional().empty()) return UsageError("serve", "unexpected argument", kUsage);

  api::HttpServerOptions http;
  if (Status status = ParseListen(flags.Get("listen", "127.0.0.1:8080"), &http.host, &http.port);
      !status.ok()) {
    return UsageError("serve", status.message(), kUsage);
  }
  const bool demo = flags.Has("demo");
  if (demo && !IsLoopbackHost(http.host)) {
    return UsageError("serve",
                      "--demo uses fixed, public demo credentials and serves only on a loopback "
                      "address (127.0.0.1, ::1, localhost), not " +
                          http.host,
                      kUsage);
  }
  Result<int64_t> threads = flags.GetInt("threads", 64, 2, 4096);
  Result<int64_t> body_limit =
      flags.GetInt("body-limit", api::kRequestBodyBytesMaxDefault, 1024, 64 * 1024 * 1024);
  if (!threads.ok()) return UsageError("serve", threads.status().message(), kUsage);
  if (!body_limit.ok()) return UsageError("serve", body_limit.status().message(), kUsage);
  http.worker_threads = static_cast<size_t>(*threads);
  Result<int64_t> sse_clients = flags.GetInt("sse-clients", 32, 0, 2048);
  Result<int64_t> sse_heartbeat = flags.GetInt("sse-heartbeat-ms", 15'000, 10, 3'600'000);
  if (!sse_clients.ok()) return UsageError("serve", sse_clients.status().message(), kUsage);
  if (!sse_heartbeat.ok()) return UsageError("serve", sse_heartbeat.status().message(), kUsage);
  http.sse_clients_max = static_cast<size_t>(*sse_clients);
  http.sse_heartbeat_ms = static_cast<int>(*sse_heartbeat);
  http.request_body_bytes_max = static_cast<size_t>(*body_limit);
  api::LogLevel level = api::LogLevel::kInfo;
  if (!api::ParseLogLevel(flags.Get("log-level", "info"), &level)) {
    return UsageError("serve", "--log-level must be debug, info, warning or error", kUsage);
  }
  api::SetLogLevel(level);

  NodeOptions node_options;
  node_options.data_dir = flags.Get("data", "./yiwang-data");
  Result<Durability> durability = ParseDurability(flags.Get("durability", "fsync"));
  if (!durability.ok()) return UsageError("serve", durability.status().message(), kUsage);
  node_options.durability = *durability;
  node_options.calendar_dir = flags.Get("calendar-dir");
  node_options.publish_demo_catalog = demo;
  node_options.read_only = flags.Has("read-only");
  node_options.topic_prefix = flags.Get("topic-prefix", "yiwang");
  if (node_options.read_only) node_options.replicate_brokers = flags.Get("kafka-brokers");
  if (!node_options.read_only) node_options.publish_brokers = flags.Get("kafka-brokers");
  Result<api::TokenRegistry> tokens = LoadTokens(flags.Get("auth-file"), demo);
  if (!tokens.ok()) return Fail(tokens.status());

  const sigset_t stop_signals = BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);  // a client or a reader of stdout going away is not our end
  Result<std::unique_ptr<Node>> node = Node::Open(node_options);
  if (!node.ok()) return Fail(node.status());
  api::HttpServerDependencies dependencies = (*node)->Dependencies(&*tokens);
  Result<std::unique_ptr<api::HttpServer>> server =
      api::HttpServer::Start(http, std::move(dependencies));
  if (!server.ok()) return Fail(server.status());
  std::printf("yiwang serving on http://%s:%d (data %s)\n", http.host.c_str(), (*server)->port(),
              node_options.data_dir.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  api::LogInfo(std::string("stopping on ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
  (*server)->Stop();
  (*server)->Wait();
  (*node)->Stop();
  return 0;
}

}  // namespace yiwang::tools
