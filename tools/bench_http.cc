// `yiwang bench http`: HTTP commands/s and latency at N keep-alive connections for a mixed
// lifecycle workload (submit, accept, start-review, approve, issue, deliver, close), against a
// server started in this process on loopback with its own scratch data directory and fsync
// durability. Method and figures: BENCHMARKS.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "api/http_server.h"
#include "api/log.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/http_load.h"
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

// One connection running whole cases, one command at a time: submit as the citizen, then each
// step as the officer. A refused step starts a new case (the refusal is counted as an error).
class LifecycleScript : public LoadScript {
 public:
  explicit LifecycleScript(std::vector<std::string>* created) : created_(created) {}

  void Next(const HttpExchange* previous, std::string* request) override {
    if (previous != nullptr && next_step_ == 0) {  // the submit's answer
      const size_t at = previous->body.find("\"case_number\":\"");
      if (previous->status == 201 && at != std::string_view::npos) {
        const size_t start = at + 15;
        const size_t end = previous->body.find('"', start);
        created_->emplace_back(previous->body.substr(start, end - start));
        base_ = "/api/v1/cases/" + created_->back() + "/";
        next_step_ = 1;
      }
    } else if (previous != nullptr && (previous->status >= 300 || next_step_ > kStepCount)) {
      next_step_ = 0;
    }
    if (next_step_ == 0) {
      *request = FormatPost("/api/v1/cases", "demo-citizen", kSubmitBody);
      return;
    }
    const Step& step = kSteps[next_step_ - 1];
    *request = FormatPost(base_ + step.action, "demo-officer", step.body);
    ++next_step_;
  }

 private:
  static constexpr int kStepCount = static_cast<int>(std::size(kSteps));
  std::vector<std::string>* created_;
  int next_step_ = 0;  // 0: submit; k: kSteps[k - 1]
  std::string base_;
};

// One connection reading progress (GET /cases/{no}) of the cases the command phase made.
class ProgressScript : public LoadScript {
 public:
  ProgressScript(const std::vector<std::string>* numbers, size_t offset)
      : numbers_(numbers), index_(offset) {}
  void Next(const HttpExchange*, std::string* request) override {
    index_ += 7919;  // a prime stride spreads the connections over the cases
    *request = FormatGet("/api/v1/cases/" + (*numbers_)[index_ % numbers_->size()], "demo-officer");
  }

 private:
  const std::vector<std::string>* numbers_;
  size_t index_;
};

struct PhaseFigures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t errors = 0;
};

Result<PhaseFigures> RunPhase(int port, std::vector<std::unique_ptr<LoadScript>> scripts,
                              std::chrono::seconds duration) {
  Result<LoadFigures> load = RunLoad(port, scripts, duration);
  if (!load.ok()) return load.status();
  if (!load->first_error.empty()) {
    std::fprintf(stderr, "bench http: %llu errors, the first: %s\n",
                 static_cast<unsigned long long>(load->errors), load->first_error.c_str());
  }
  PhaseFigures figures;
  figures.per_second = load->seconds > 0 ? static_cast<double>(load->requests) / load->seconds : 0;
  figures.p50_ms = Percentile(&load->latencies_ms, 0.50);
  figures.p99_ms = Percentile(&load->latencies_ms, 0.99);
  figures.errors = load->errors;
  return figures;
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
    std::vector<std::unique_ptr<LoadScript>> lifecycles;
    for (auto& numbers : created) lifecycles.push_back(std::make_unique<LifecycleScript>(&numbers));
    Result<PhaseFigures> commands = RunPhase(port, std::move(lifecycles), duration);
    if (!commands.ok()) return commands.status();
    figures.commands = *commands;
    std::vector<std::string> numbers;
    for (auto& one : created) numbers.insert(numbers.end(), one.begin(), one.end());
    if (numbers.empty()) return Internal("the command phase created no case");
    if (!server.node->runner().WaitForPosition(server.node->store().HeadPosition(),
                                               std::chrono::seconds(60))) {
      return Unavailable("the read models did not catch up within 60 s");
    }
    std::vector<std::unique_ptr<LoadScript>> readers;
    for (int index = 0; index < connections; ++index) {
      readers.push_back(std::make_unique<ProgressScript>(&numbers, static_cast<size_t>(index)));
    }
    Result<PhaseFigures> queries = RunPhase(port, std::move(readers), duration);
    if (!queries.ok()) return queries.status();
    figures.queries = *queries;
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
