// `yiwang bench kafka`: Kafka publication throughput (a pre-filled log published from cursor 0)
// and end-to-end lag (append acknowledged → consumed from Kafka) at a fixed offered load, against
// an in-process mock cluster (the code of `yiwang kafka-dev`). Method and figures: BENCHMARKS.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"
#include "eventstore/kafka_mock_cluster.h"
#include "eventstore/kafka_publisher.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang bench kafka [flags]\n"
    "\n"
    "  --data DIR        scratch directory, emptied and removed (default ./yiwang-bench-kafka)\n"
    "  --events N        events in the pre-filled log for publication (default 200000)\n"
    "  --rate R          offered load of the lag run, events/s (default 10000)\n"
    "  --seconds S       length of the lag run (default 5)\n"
    "  --runs K          runs per figure; the median is printed (default 3)\n";

constexpr size_t kFillAppendEvents = 8;  // events per append while pre-filling
constexpr int kPartitions = 3;
constexpr auto kPublishTimeout = std::chrono::minutes(5);
using Clock = std::chrono::steady_clock;

NewEvent SampleEvent(uint64_t index) {
  NewEvent event;
  event.type = "ReviewStepCompleted";
  event.occurred_at = Timestamp{1'796'000'000'000 + static_cast<int64_t>(index)};
  event.actor = Actor{"officer-0192", "officer", "330106-GA-CRJ", "window", "330106-HALL-01"};
  event.correlation_id = "corr-" + std::to_string(index);
  event.data =
      R"({"step":"审核","opinion":"材料齐全，符合受理条件，同意进入下一环节","officer":"officer-0192"})";
  return event;
}

std::string StreamOf(uint64_t index) {
  return "case-33010620261127" + std::to_string(10000 + index % 5000);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

struct Scratch {
  explicit Scratch(std::string path) : path(std::move(path)) {
    std::filesystem::remove_all(this->path);
  }
  ~Scratch() { std::filesystem::remove_all(path); }
  std::string path;
};

Result<std::unique_ptr<EventStore>> OpenStore(const std::string& path) {
  EventStoreOptions options;
  options.path = path;
  options.durability = Durability::kOs;
  return EventStore::Open(options);
}

Result<std::unique_ptr<KafkaMockCluster>> StartCluster() {
  KafkaMockClusterOptions options;
  options.port_base = 0;
  options.partitions = kPartitions;
  return KafkaMockCluster::Create(options);
}

// Appends `count` events in appends of kFillAppendEvents; returns the head.
Status Fill(EventStore* store, uint64_t count) {
  std::atomic<uint64_t> failed{0};
  for (uint64_t index = 0; index < count; index += kFillAppendEvents) {
    AppendRequest request;
    request.stream = StreamOf(index / kFillAppendEvents);
    for (uint64_t offset = 0; offset < kFillAppendEvents && index + offset < count; ++offset) {
      request.events.push_back(SampleEvent(index + offset));
    }
    store->AppendAsync(std::move(request), [&failed](AppendOutcome outcome) {
      if (!outcome.status.ok()) failed.fetch_add(1);
    });
  }
  if (!store->WaitForCommit(count, std::chrono::minutes(5)) || failed.load() > 0) {
    return Internal("pre-filling the log failed");
  }
  return Status::Ok();
}

// Publication of a pre-filled log from cursor 0: events/s.
Result<double> PublishRun(const std::string& path, uint64_t events) {
  Scratch scratch(path);
  Result<std::unique_ptr<EventStore>> store = OpenStore(path);
  if (!store.ok()) return store.status();
  YIWANG_RETURN_IF_ERROR(Fill(store->get(), events));
  Result<std::unique_ptr<KafkaMockCluster>> cluster = StartCluster();
  if (!cluster.ok()) return cluster.status();
  KafkaPublisherOptions options;
  options.brokers = (*cluster)->bootstrap();
  const auto start = Clock::now();
  Result<std::unique_ptr<KafkaPublisher>> publisher = KafkaPublisher::Start(store->get(), options);
  if (!publisher.ok()) return publisher.status();
  if (!(*publisher)->WaitForPublished(events, kPublishTimeout)) {
    return Internal("publication did not finish: " + (*publisher)->GetStats().last_error);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (*publisher)->Stop();
  return events / seconds;
}

struct LagFigures {
  double p50_ms = 0;
  double p99_ms = 0;
  double offered_per_second = 0;
};

// Single-event appends paced at `rate`/s for `seconds`; lag = consumed - acknowledged.
Result<LagFigures> LagRun(const std::string& path, int rate, int seconds) {
  Scratch scratch(path);
  Result<std::unique_ptr<EventStore>> store = OpenStore(path);
  if (!store.ok()) return store.status();
  Result<std::unique_ptr<KafkaMockCluster>> cluster = StartCluster();
  if (!cluster.ok()) return cluster.status();
  const size_t total = static_cast<size_t>(rate) * seconds;
  std::vector<std::atomic<int64_t>> acked_ns(total + 1);
  std::vector<int64_t> consumed_ns(total + 1, 0);
  std::mutex consumed_mutex;
  const auto epoch = Clock::now();
  auto since_epoch = [epoch] { return (Clock::now() - epoch).count(); };
  Result<std::unique_ptr<KafkaPositionConsumer>> consumer = KafkaPositionConsumer::Start(
      (*cluster)->bootstrap(), kDefaultKafkaTopicPrefix, kPartitions, [&](uint64_t position) {
        std::lock_guard<std::mutex> lock(consumed_mutex);
        if (position <= total && consumed_ns[position] == 0) consumed_ns[position] = since_epoch();
      });
  if (!consumer.ok()) return consumer.status();
  KafkaPublisherOptions options;
  options.brokers = (*cluster)->bootstrap();
  Result<std::unique_ptr<KafkaPublisher>> publisher = KafkaPublisher::Start(store->get(), options);
  if (!publisher.ok()) return publisher.status();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // consumer assigned, producer connected
  const auto start = Clock::now();
  for (size_t index = 0; index < total; ++index) {
    std::this_thread::sleep_until(start + std::chrono::nanoseconds(1'000'000'000LL * index / rate));
    AppendRequest request;
    request.stream = StreamOf(index);
    request.events.push_back(SampleEvent(index));
    (*store)->AppendAsync(std::move(request), [&](AppendOutcome outcome) {
      if (outcome.status.ok() && outcome.result.first_position <= total) {
        acked_ns[outcome.result.first_position].store(since_epoch());
      }
    });
  }
  const double offered = total / std::chrono::duration<double>(Clock::now() - start).count();
  if (!(*publisher)->WaitForPublished(total, kPublishTimeout)) {
    return Internal("publication did not finish: " + (*publisher)->GetStats().last_error);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the consumer catches up
  std::vector<double> lags_ms;
  {
    std::lock_guard<std::mutex> lock(consumed_mutex);
    for (size_t position = 1; position <= total; ++position) {
      if (consumed_ns[position] == 0 || acked_ns[position].load() == 0) continue;
      lags_ms.push_back(std::max<int64_t>(0, consumed_ns[position] - acked_ns[position].load()) /
                        1e6);
    }
  }
  if (lags_ms.size() < total * 99 / 100) {
    return Internal("the consumer saw only " + std::to_string(lags_ms.size()) + " of " +
                    std::to_string(total) + " events");
  }
  std::sort(lags_ms.begin(), lags_ms.end());
  return LagFigures{lags_ms[lags_ms.size() / 2], lags_ms[lags_ms.size() * 99 / 100], offered};
}

}  // namespace

int RunBenchKafka(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "events", "rate", "seconds", "runs"}, {"help"});
  if (!parsed.ok()) return UsageError("bench kafka", parsed.status().message(), kUsage);
  if (parsed->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<int64_t> events = parsed->GetInt("events", 200'000, 1'000, 10'000'000);
  Result<int64_t> rate = parsed->GetInt("rate", 10'000, 100, 200'000);
  Result<int64_t> seconds = parsed->GetInt("seconds", 5, 1, 600);
  Result<int64_t> runs = parsed->GetInt("runs", 3, 1, 21);
  for (const Result<int64_t>* value : {&events, &rate, &seconds, &runs}) {
    if (!value->ok()) return UsageError("bench kafka", value->status().message(), kUsage);
  }
  const std::string path = parsed->Get("data", "./yiwang-bench-kafka");
  std::vector<double> publish_rates, p50s, p99s, offered;
  for (int64_t run = 0; run < *runs; ++run) {
    Result<double> publish = PublishRun(path, static_cast<uint64_t>(*events));
    if (!publish.ok()) {
      std::fprintf(stderr, "bench kafka: %s\n", publish.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "run %lld: publication %.0f events/s\n", static_cast<long long>(run + 1),
                 *publish);
    publish_rates.push_back(*publish);
    Result<LagFigures> lag = LagRun(path, static_cast<int>(*rate), static_cast<int>(*seconds));
    if (!lag.ok()) {
      std::fprintf(stderr, "bench kafka: %s\n", lag.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "run %lld: lag p50 %.1f ms p99 %.1f ms at %.0f events/s\n",
                 static_cast<long long>(run + 1), lag->p50_ms, lag->p99_ms,
                 lag->offered_per_second);
    p50s.push_back(lag->p50_ms);
    p99s.push_back(lag->p99_ms);
    offered.push_back(lag->offered_per_second);
  }
  std::printf("kafka publication (%lld-event log from cursor 0): %.0f events/s\n",
              static_cast<long long>(*events), Median(publish_rates));
  std::printf("kafka end-to-end lag at %.0f events/s offered: p50 %.1f ms, p99 %.1f ms\n",
              Median(offered), Median(p50s), Median(p99s));
  return 0;
}

}  // namespace yiwang::tools
