// `yiwang serve`: opens the event store, builds the read models, serves HTTP until SIGINT/SIGTERM.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/auth.h"
#include "api/command_handler.h"
#include "api/http_server.h"
#include "api/log.h"
#include "domain/builtin_data.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "eventstore/event_store.h"
#include "projections/applicants.h"
#include "projections/catalog_view.h"
#include "projections/progress.h"
#include "projections/read_store.h"
#include "projections/runner.h"
#include "tools/commands.h"
#include "tools/flags.h"
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
    "  --threads N            HTTP worker threads, the bound on open connections (default 64)\n"
    "  --body-limit BYTES     largest request body accepted (default 1048576)\n"
    "  --log-level LEVEL      debug|info|warning|error (default info)\n";

constexpr std::chrono::milliseconds kFollowPollWait{200};

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Applies the log to the catalog view: first what is stored, then live until stopped.
class CatalogFollower {
 public:
  CatalogFollower(EventStore* store, projections::CatalogView* view)
      : view_(view), subscription_(store->Subscribe(view->position() + 1)) {}
  ~CatalogFollower() { Stop(); }

  // Applies everything committed up to now (before the server takes requests).
  Status CatchUp(uint64_t head_position) {
    while (view_->position() < head_position) YIWANG_RETURN_IF_ERROR(PollOnce());
    return Status::Ok();
  }
  void StartLive() {
    thread_ = std::thread([this] {
      while (!stopping_.load()) {
        Status status = PollOnce();
        if (status.code() == StatusCode::kFailedPrecondition) return;  // closed
        if (!status.ok()) {
          api::LogError("catalog view stopped following the log: " + status.ToString());
          return;
        }
      }
    });
  }
  void Stop() {
    stopping_.store(true);
    subscription_->Close();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Status PollOnce() {
    Result<std::vector<StoredEvent>> events = subscription_->Poll(kReadEventsMax, kFollowPollWait);
    if (!events.ok()) return events.status();
    for (const StoredEvent& stored : *events) {
      Result<EventEnvelope> envelope = DecodeEnvelope(stored.bytes);
      if (!envelope.ok()) return envelope.status();
      YIWANG_RETURN_IF_ERROR(view_->Apply(*envelope));
    }
    return Status::Ok();
  }

  projections::CatalogView* view_;
  std::unique_ptr<Subscription> subscription_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

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

// Blocks SIGINT/SIGTERM in every thread (call before starting any) and waits for one.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int Fail(const Status& status) {
  api::LogError("serve: " + status.ToString());
  return 1;
}

}  // namespace

int RunServe(int argc, char** argv) {
  Result<Flags> parsed = Flags::Parse(argc, argv,
                                      {"listen", "data", "durability", "calendar-dir", "auth-file",
                                       "threads", "body-limit", "log-level"},
                                      {"demo", "help"});
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
  http.request_body_bytes_max = static_cast<size_t>(*body_limit);
  api::LogLevel level = api::LogLevel::kInfo;
  if (!api::ParseLogLevel(flags.Get("log-level", "info"), &level)) {
    return UsageError("serve", "--log-level must be debug, info, warning or error", kUsage);
  }
  api::SetLogLevel(level);

  EventStoreOptions store_options;
  const std::string data_dir = flags.Get("data", "./yiwang-data");
  store_options.path = LogPath(data_dir);
  Result<Durability> durability = ParseDurability(flags.Get("durability", "fsync"));
  if (!durability.ok()) return UsageError("serve", durability.status().message(), kUsage);
  store_options.durability = *durability;

  Result<WorkingCalendar> calendar = LoadCalendar(flags.Get("calendar-dir"));
  if (!calendar.ok()) return Fail(calendar.status());
  Result<api::TokenRegistry> tokens = LoadTokens(flags.Get("auth-file"), demo);
  if (!tokens.ok()) return Fail(tokens.status());

  const sigset_t stop_signals = BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);  // a client or a reader of stdout going away is not our end
  std::error_code directory_error;
  std::filesystem::create_directories(data_dir, directory_error);
  if (directory_error)
    return Fail(Unavailable("cannot create " + data_dir + ": " + directory_error.message()));
  Result<std::unique_ptr<EventStore>> opened = EventStore::Open(store_options);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<EventStore> store = std::move(opened).value();
  api::LogInfo("event store " + store_options.path + ": head position " +
               std::to_string(store->HeadPosition()) + ", head hash " + store->HeadHash());

  if (demo) {
    Result<int> published = PublishDemoCatalog(store.get());
    if (!published.ok()) return Fail(published.status());
    if (*published > 0)
      api::LogInfo("published the demo catalog: " + std::to_string(*published) + " items");
  }

  projections::CatalogView catalog;
  CatalogFollower follower(store.get(), &catalog);
  if (Status status = follower.CatchUp(store->HeadPosition()); !status.ok()) return Fail(status);
  follower.StartLive();

  // The read models: their own RocksDB instance, fed from the log by one runner.
  projections::ReadStoreOptions read_options;
  read_options.path = ReadModelsPath(data_dir);
  read_options.families = {std::string(projections::kProgressFamily)};
  for (const std::string& family : projections::ApplicantIndex(nullptr).families()) {
    read_options.families.push_back(family);
  }
  Result<std::unique_ptr<projections::ReadStore>> read_store =
      projections::ReadStore::Open(read_options);
  if (!read_store.ok()) return Fail(read_store.status());
  projections::Progress progress(read_store->get(), &*calendar);
  projections::ApplicantIndex applicants(read_store->get());
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(store.get(), read_store->get(),
                                            {&progress, &applicants});
  if (!runner.ok()) return Fail(runner.status());
  if (Status status = (*runner)->Start(); !status.ok()) return Fail(status);

  api::CommandHandler commands(store.get(), &*calendar, api::CommandHandlerOptions{});
  api::HttpServerDependencies dependencies;
  dependencies.catalog = &catalog;
  dependencies.commands = &commands;
  dependencies.tokens = &*tokens;
  dependencies.store = store.get();
  dependencies.progress = &progress;
  dependencies.applicants = &applicants;
  dependencies.runner = runner->get();
  EventStore* store_pointer = store.get();
  dependencies.health = [store_pointer, &catalog] {
    return api::HealthInfo{store_pointer->HeadPosition(), store_pointer->HeadHash(),
                           catalog.position()};
  };
  Result<std::unique_ptr<api::HttpServer>> server =
      api::HttpServer::Start(http, std::move(dependencies));
  if (!server.ok()) return Fail(server.status());
  std::printf("yiwang serving on http://%s:%d (data %s)\n", http.host.c_str(), (*server)->port(),
              store_options.path.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  api::LogInfo(std::string("stopping on ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
  (*server)->Stop();
  (*server)->Wait();
  (*runner)->Stop();
  follower.Stop();
  store->Close();
  return 0;
}

}  // namespace yiwang::tools
