// `yiwang bench http`: HTTP commands/s and latency at N keep-alive connections for a mixed
// lifecycle workload (submit, accept, start-review, approve, issue, deliver, close), against a
// server started in this process on loopback with its own scratch data directory and fsync
// durability. Method and figures: BENCHMARKS.md.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "api/log.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/node.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang bench http [flags]\n"
    "\n"
    "  --data DIR          scratch directory, emptied and removed (default ./yiwang-bench-http)\n"
    "  --seconds N         seconds per run (default 5)\n"
    "  --connections N     concurrent keep-alive connections (default 64)\n"
    "  --runs K            runs; the median is printed (default 3)\n"
    "  --durability MODE   fsync (default) or os\n";

using Clock = std::chrono::steady_clock;

constexpr char kSubmitBody[] =
    R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X",)"
    R"("name":"张三","phone":"13800000000","address":"浙江省杭州市西湖区文三路100号"},)"
    R"("materials":["M01","M02","M03","M04"],"form":{"reason":"就业"}})";

struct Step {
  const char* action;
  const char* body;
};
constexpr Step kSteps[] = {
    {"accept", R"({"acceptance_number":"杭西公受字〔2026〕17号","comprehensive_window":true})"},
    {"start-review", "{}"},
    {"approve", R"({"note":"准予"})"},
    {"issue",
     R"({"certificate_id":"JZZ-330106-0001","delivery":"express","tracking_number":"SF1"})"},
    {"deliver", R"({"note":"本人签收"})"},
    {"close", "{}"},
};

double Percentile(std::vector<double>* values, double fraction) {
  if (values->empty()) return 0;
  const size_t index = std::min(values->size() - 1, static_cast<size_t>(fraction * values->size()));
  std::nth_element(values->begin(), values->begin() + index, values->end());
  return (*values)[index];
}

// One connection: whole cases, one command at a time, until the deadline.
void ClientLoop(int port, Clock::time_point deadline, std::vector<double>* latencies_ms,
                std::atomic<uint64_t>* errors, std::vector<std::string>* case_numbers) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // else Nagle holds the body back for a delayed ACK (40 ms)
  client.set_read_timeout(30, 0);
  const httplib::Headers citizen{{"Authorization", "Bearer demo-citizen"}};
  const httplib::Headers officer{{"Authorization", "Bearer demo-officer"}};
  auto timed = [&](const std::string& path, const httplib::Headers& headers, const char* body,
                   std::string* response_body) {
    const Clock::time_point start = Clock::now();
    httplib::Result result = client.Post(path, headers, body, "application/json");
    latencies_ms->push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!result || result->status >= 300) {
      if (errors->fetch_add(1) < 3) {
        std::fprintf(stderr, "bench http: %s %s -> %s\n", path.c_str(), body,
                     result ? (std::to_string(result->status) + " " + result->body).c_str()
                            : httplib::to_string(result.error()).c_str());
      }
      return false;
    }
    if (response_body != nullptr) *response_body = result->body;
    return true;
  };
  while (Clock::now() < deadline) {
    std::string created;
    if (!timed("/api/v1/cases", citizen, kSubmitBody, &created)) continue;
    const size_t at = created.find("\"case_number\":\"") + 15;
    case_numbers->push_back(created.substr(at, created.find('"', at) - at));
    const std::string base = "/api/v1/cases/" + case_numbers->back() + "/";
    for (const Step& step : kSteps) {
      if (Clock::now() >= deadline || !timed(base + step.action, officer, step.body, nullptr))
        break;
    }
  }
}

// One connection reading progress (GET /cases/{no}) of the cases the command phase made.
void QueryLoop(int port, Clock::time_point deadline, const std::vector<std::string>* case_numbers,
               size_t offset, std::vector<double>* latencies_ms, std::atomic<uint64_t>* errors) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(30, 0);
  const httplib::Headers officer{{"Authorization", "Bearer demo-officer"}};
  for (size_t index = offset; Clock::now() < deadline; index += 7919) {
    const std::string& number = (*case_numbers)[index % case_numbers->size()];
    const Clock::time_point start = Clock::now();
    httplib::Result result = client.Get("/api/v1/cases/" + number, officer);
    latencies_ms->push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!result || result->status != 200) ++*errors;
  }
}

struct PhaseFigures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t errors = 0;
};

// Runs `loop(index, deadline, latencies, errors)` on `connections` threads for `duration`.
template <typename Loop>
PhaseFigures RunPhase(int connections, std::chrono::seconds duration, Loop loop) {
  std::vector<std::vector<double>> latencies(connections);
  std::atomic<uint64_t> errors{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> clients;
  for (int index = 0; index < connections; ++index) {
    clients.emplace_back([&, index] { loop(index, start + duration, &latencies[index], &errors); });
  }
  for (std::thread& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& one : latencies) all.insert(all.end(), one.begin(), one.end());
  return PhaseFigures{static_cast<double>(all.size()) / seconds, Percentile(&all, 0.50),
                      Percentile(&all, 0.99), errors.load()};
}

// A whole server in this process, as `serve` builds it, on a scratch directory.
struct BenchServer {
  api::TokenRegistry tokens = api::TokenRegistry::Empty();
  std::unique_ptr<Node> node;
  std::unique_ptr<api::HttpServer> http;

  ~BenchServer() {
    if (http) http->Stop();
    if (node) node->Stop();
  }
};

// The node exactly as `serve --demo` builds it, in a fresh directory.
Status StartServer(const std::string& directory, Durability durability, int connections,
                   BenchServer* server) {
  std::filesystem::remove_all(directory);
  NodeOptions options;
  options.data_dir = directory;
  options.durability = durability;
  options.publish_demo_catalog = true;
  Result<std::unique_ptr<Node>> node = Node::Open(options);
  if (!node.ok()) return node.status();
  server->node = std::move(node).value();
  server->tokens.AddDemoTokens();
  api::HttpServerOptions http;
  http.port = 0;
  http.worker_threads = static_cast<size_t>(connections) + 8;
  Result<std::unique_ptr<api::HttpServer>> started =
      api::HttpServer::Start(http, server->node->Dependencies(&server->tokens));
  if (!started.ok()) return started.status();
  server->http = std::move(started).value();
  return Status::Ok();
}

struct RunFigures {
  PhaseFigures commands;
  PhaseFigures queries;
};

Result<RunFigures> RunOnce(const std::string& directory, Durability durability, int connections,
                           std::chrono::seconds duration) {
  RunFigures figures;
  {
    BenchServer server;
    YIWANG_RETURN_IF_ERROR(StartServer(directory, durability, connections, &server));
    const int port = server.http->port();
    std::vector<std::vector<std::string>> created(connections);
    figures.commands = RunPhase(connections, duration,
                                [&](int index, Clock::time_point deadline,
                                    std::vector<double>* latencies, std::atomic<uint64_t>* errors) {
                                  ClientLoop(port, deadline, latencies, errors, &created[index]);
                                });
    std::vector<std::string> numbers;
    for (auto& one : created) numbers.insert(numbers.end(), one.begin(), one.end());
    if (numbers.empty()) return Internal("the command phase created no case");
    if (!server.node->runner().WaitForPosition(server.node->store().HeadPosition(),
                                               std::chrono::seconds(60))) {
      return Unavailable("the read models did not catch up within 60 s");
    }
    figures.queries = RunPhase(connections, duration,
                               [&](int index, Clock::time_point deadline,
                                   std::vector<double>* latencies, std::atomic<uint64_t>* errors) {
                                 QueryLoop(port, deadline, &numbers, static_cast<size_t>(index),
                                           latencies, errors);
                               });
  }
  std::filesystem::remove_all(directory);
  return figures;
}

}  // namespace

int RunBenchHttp(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "seconds", "connections", "runs", "durability"}, {"help"});
  if (!parsed.ok()) return UsageError("bench http", parsed.status().message(), kUsage);
  if (parsed->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<int64_t> seconds = parsed->GetInt("seconds", 5, 1, 3600);
  Result<int64_t> connections = parsed->GetInt("connections", 64, 1, 1024);
  Result<int64_t> runs = parsed->GetInt("runs", 3, 1, 100);
  Result<Durability> durability = ParseDurability(parsed->Get("durability", "fsync"));
  for (const Status& status :
       {seconds.status(), connections.status(), runs.status(), durability.status()}) {
    if (!status.ok()) return UsageError("bench http", status.message(), kUsage);
  }
  api::SetLogLevel(api::LogLevel::kWarning);  // one line per request would measure the terminal
  const std::string directory = parsed->Get("data", "./yiwang-bench-http");
  std::vector<RunFigures> results;
  for (int64_t run = 0; run < *runs; ++run) {
    Result<RunFigures> figures = RunOnce(directory, *durability, static_cast<int>(*connections),
                                         std::chrono::seconds(*seconds));
    if (!figures.ok()) {
      std::fprintf(stderr, "yiwang bench http: %s\n", figures.status().ToString().c_str());
      return 1;
    }
    std::printf(
        "http run %lld: commands %.0f/s p50 %.2f ms p99 %.2f ms errors %llu; "
        "progress queries %.0f/s p50 %.2f ms p99 %.2f ms errors %llu\n",
        static_cast<long long>(run + 1), figures->commands.per_second, figures->commands.p50_ms,
        figures->commands.p99_ms, static_cast<unsigned long long>(figures->commands.errors),
        figures->queries.per_second, figures->queries.p50_ms, figures->queries.p99_ms,
        static_cast<unsigned long long>(figures->queries.errors));
    results.push_back(*figures);
  }
  const std::string mode = parsed->Get("durability", "fsync");
  auto report = [&](const char* name, PhaseFigures RunFigures::*phase) {
    std::sort(results.begin(), results.end(), [&](const RunFigures& a, const RunFigures& b) {
      return (a.*phase).per_second < (b.*phase).per_second;
    });
    const PhaseFigures& median = results[results.size() / 2].*phase;
    std::printf("http %s (%lld connections, %s, median of %lld): %.0f/s p50 %.2f ms p99 %.2f ms\n",
                name, static_cast<long long>(*connections), mode.c_str(),
                static_cast<long long>(*runs), median.per_second, median.p50_ms, median.p99_ms);
  };
  report("commands", &RunFigures::commands);
  report("progress queries", &RunFigures::queries);
  return 0;
}

}  // namespace yiwang::tools
