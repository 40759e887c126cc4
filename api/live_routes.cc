// GET /api/v1/events/live: new events as Server-Sent Events (DESIGN.md §8), scoped by role as the
// other reads are, resumable with Last-Event-ID (or ?from=), with `: keep-alive` heartbeats.
//
// Each client reads through its own EventStore subscription, so the writer never waits for it.
// cpp-httplib serves the stream on one pool thread for as long as it lasts: the number of
// streams is bounded (HttpServerOptions::sse_clients_max, at most half the pool, 503 past it),
// a client whose socket write times out is dropped, and so is one that falls more than
// kLiveBacklogEventsMax events behind the head (it resumes with Last-Event-ID or reads
// GET /events). Each call of the content provider waits at most kLivePollWaitMs, so a stream
// ends promptly when the server stops.
#include <atomic>
#include <charconv>
#include <chrono>
#include <memory>

#include "api/internal/routes.h"
#include "api/masking.h"
#include "domain/json.h"
#include "eventstore/event_store.h"

namespace yiwang::api::internal {
namespace {

constexpr uint64_t kLiveBacklogEventsMax = 100'000;
constexpr std::chrono::milliseconds kLivePollWaitMs{200};
constexpr std::chrono::milliseconds kLiveReadModelWaitMax{2000};
constexpr size_t kLivePollEventsMax = 256;
constexpr std::string_view kEventStreamType = "text/event-stream; charset=utf-8";

using Clock = std::chrono::steady_clock;

struct LiveLimits {
  size_t clients_max;
  std::chrono::milliseconds heartbeat;
  std::atomic<size_t> open{0};
};

Result<uint64_t> ParsePosition(const std::string& text, const std::string& name, uint64_t max) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max) {
    return InvalidArgument(name + " must be a position from 0 to " + std::to_string(max), name)
        .WithReason("invalid_value");
  }
  return value;
}

// The first position to send: after Last-Event-ID, else ?from=, else the next new event.
Result<uint64_t> StartPosition(const httplib::Request& request, uint64_t head) {
  if (request.has_header("Last-Event-ID")) {
    Result<uint64_t> last =
        ParsePosition(request.get_header_value("Last-Event-ID"), "Last-Event-ID", head);
    if (!last.ok()) return last.status();
    return *last + 1;
  }
  if (request.has_param("from")) {
    Result<uint64_t> from = ParsePosition(request.get_param_value("from"), "from", head + 1);
    if (!from.ok()) return from.status();
    if (*from == 0) return InvalidArgument("from starts at 1", "from").WithReason("invalid_value");
    return *from;
  }
  return head + 1;
}

// One client's stream: its subscription and its scope.
class LiveStream {
 public:
  LiveStream(const HttpServerDependencies& dependencies, Principal principal,
             std::unique_ptr<Subscription> subscription, std::chrono::milliseconds heartbeat)
      : dependencies_(dependencies),
        principal_(std::move(principal)),
        subscription_(std::move(subscription)),
        heartbeat_(heartbeat) {}

  // One round of the content provider; false drops the client.
  bool Pump(httplib::DataSink& sink) {
    if (!greeted_) {
      greeted_ = true;
      return Write(sink, ": connected\nretry: 3000\n\n");
    }
    Result<std::vector<StoredEvent>> events =
        subscription_->Poll(kLivePollEventsMax, std::min(kLivePollWaitMs, heartbeat_));
    if (!events.ok()) return End(sink, "the event store closed");
    for (const StoredEvent& event : *events) {
      Result<std::string> message = Message(event);
      if (!message.ok()) return End(sink, message.status().message());
      if (!message->empty() && !Write(sink, *message)) return false;
    }
    const uint64_t head = dependencies_.live_store->HeadPosition();
    if (head >= subscription_->next_position() + kLiveBacklogEventsMax) {
      return End(sink, "more than " + std::to_string(kLiveBacklogEventsMax) +
                           " events behind; resume with Last-Event-ID");
    }
    if (Clock::now() - last_write_ >= heartbeat_) return Write(sink, ": keep-alive\n\n");
    return true;
  }

 private:
  bool Write(httplib::DataSink& sink, std::string_view text) {
    last_write_ = Clock::now();
    return sink.write(text.data(), text.size());
  }

  // A last `event: end` with the reason, then the end of the response.
  bool End(httplib::DataSink& sink, const std::string& reason) {
    JsonWriter json;
    json.BeginObject().Field("reason", reason).EndObject();
    const bool written = Write(sink, "event: end\ndata: " + json.Take() + "\n\n");
    sink.done();
    return written;
  }

  // The SSE message of `event`, empty when the principal may not see it.
  Result<std::string> Message(const StoredEvent& event) {
    Result<EventEnvelope> envelope = DecodeEnvelope(event.bytes);
    if (!envelope.ok()) return envelope.status();
    Result<bool> visible = Visible(*envelope);
    if (!visible.ok()) return visible.status();
    if (!*visible) return std::string();
    std::string data = event.bytes;
    if (principal_.role == "analyst") {
      Result<std::string> masked = MaskedEventBytes(event.bytes);
      if (!masked.ok()) return masked.status();
      data = std::move(masked).value();
    }
    return "id: " + std::to_string(event.position) + "\nevent: " + envelope->type +
           "\ndata: " + data + "\n\n";
  }

  // The scope of GET /cases/{no}: a citizen its own cases, an officer its department's, a
  // supervisor its division's (the case's department from the progress read model, once it
  // has applied the event); analysts and admins everything. Catalog events: all but citizens.
  Result<bool> Visible(const EventEnvelope& event) {
    if (principal_.role == "admin" || principal_.role == "analyst") return true;
    if (!event.stream.starts_with(kCaseStreamPrefix)) return principal_.role != "citizen";
    if (!dependencies_.runner->WaitForPosition(event.position, kLiveReadModelWaitMax)) {
      return Unavailable("the read models are behind the log");
    }
    const std::string case_number = event.stream.substr(kCaseStreamPrefix.size());
    Result<projections::ProgressView> view = dependencies_.progress->Get(case_number, Timestamp{});
    if (!view.ok()) {
      if (view.status().code() == StatusCode::kNotFound) return false;
      return view.status();
    }
    const CaseState& state = view->record->state;
    if (principal_.role == "citizen") return state.applicant_id_number == principal_.id_number;
    const std::string& department =
        state.department.empty() ? view->record->item_department : state.department;
    if (principal_.role == "officer") return department == principal_.department;
    if (principal_.role == "supervisor") return department.starts_with(principal_.division_prefix);
    return false;
  }

  const HttpServerDependencies& dependencies_;
  const Principal principal_;
  std::unique_ptr<Subscription> subscription_;
  const std::chrono::milliseconds heartbeat_;
  Clock::time_point last_write_ = Clock::now();
  bool greeted_ = false;
};

void GetLive(const HttpServerDependencies& dependencies, const std::shared_ptr<LiveLimits>& limits,
             const httplib::Request& request, httplib::Response& response) {
  Result<Principal> principal = Authenticate(dependencies, request, response);
  if (!principal.ok()) return;
  const uint64_t head = dependencies.live_store->HeadPosition();
  Result<uint64_t> from = StartPosition(request, head);
  if (!from.ok()) return SendError(response, from.status());
  if (head >= *from + kLiveBacklogEventsMax) {
    return SendError(response,
                     FailedPrecondition("more than " + std::to_string(kLiveBacklogEventsMax) +
                                        " events behind the head: page through "
                                        "GET /api/v1/events first")
                         .WithReason("too_far_behind"));
  }
  if (limits->open.fetch_add(1) >= limits->clients_max) {
    limits->open.fetch_sub(1);
    return SendError(response, Unavailable("too many live clients (" +
                                           std::to_string(limits->clients_max) + "); retry later")
                                   .WithReason("too_many_live_clients"));
  }
  auto stream =
      std::make_shared<LiveStream>(dependencies, std::move(principal).value(),
                                   dependencies.live_store->Subscribe(*from), limits->heartbeat);
  response.set_header("Cache-Control", "no-cache");
  response.set_header("X-Accel-Buffering", "no");
  response.set_chunked_content_provider(
      std::string(kEventStreamType),
      [stream](size_t, httplib::DataSink& sink) { return stream->Pump(sink); },
      // Runs when the response is destroyed, whether or not the stream ever started.
      [stream, limits](bool) { limits->open.fetch_sub(1); });
}

}  // namespace

void RegisterLiveRoutes(Router& server, const HttpServerDependencies& dependencies,
                        const HttpServerOptions& options) {
  auto limits = std::make_shared<LiveLimits>();
  // Each stream holds a pool thread: leave at least half of them to commands and queries.
  limits->clients_max = std::min(options.sse_clients_max, options.worker_threads / 2);
  limits->heartbeat = std::chrono::milliseconds(std::max(options.sse_heartbeat_ms, 10));
  const HttpServerDependencies* deps = &dependencies;
  server.Get("/api/v1/events/live",
             [deps, limits](const httplib::Request& request, httplib::Response& response) {
               if (deps->live_store == nullptr || deps->tokens == nullptr ||
                   deps->runner == nullptr || deps->progress == nullptr) {
                 return SendError(response, Unavailable("this server has no live feed"));
               }
               GetLive(*deps, limits, request, response);
             });
}

}  // namespace yiwang::api::internal
