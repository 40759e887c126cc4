#include "tools/node.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "api/log.h"
#include "api/metrics.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr std::chrono::milliseconds kFollowPollWait{200};

}  // namespace

// Applies the log to the catalog view: first what is stored, then live until stopped.
class Node::CatalogFollower {
 public:
  CatalogFollower(EventStore* store, projections::CatalogView* view)
      : view_(view), subscription_(store->Subscribe(view->position() + 1)) {}
  ~CatalogFollower() { Stop(); }

  // Applies everything committed up to `head_position` (before the server takes requests).
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

Result<std::unique_ptr<Node>> Node::Open(const NodeOptions& options) {
  std::unique_ptr<Node> node(new Node());
  Result<WorkingCalendar> calendar = LoadCalendar(options.calendar_dir);
  if (!calendar.ok()) return calendar.status();
  node->calendar_ = std::move(calendar).value();
  if (std::string warning = CalendarEndWarning(node->calendar_, LocalDateOf(SystemNow()));
      !warning.empty()) {
    api::LogWarning(warning);
  }

  std::error_code directory_error;
  std::filesystem::create_directories(options.data_dir, directory_error);
  if (directory_error) {
    return Unavailable("cannot create " + options.data_dir + ": " + directory_error.message());
  }
  EventStoreOptions store_options;
  store_options.path = LogPath(options.data_dir);
  store_options.durability = options.durability;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  node->store_ = std::move(store).value();
  api::LogInfo("event store " + store_options.path + ": head position " +
               std::to_string(node->store_->HeadPosition()) + ", head hash " +
               node->store_->HeadHash());
  node->read_only_ = options.read_only || node->store_->IsReplica();
  if (options.publish_demo_catalog && !node->read_only_) {
    Result<int> published = PublishDemoCatalog(node->store_.get());
    if (!published.ok()) return published.status();
    if (*published > 0) {
      api::LogInfo("published the demo catalog: " + std::to_string(*published) + " items");
    }
  }

  node->follower_ = std::make_unique<CatalogFollower>(node->store_.get(), &node->catalog_);
  YIWANG_RETURN_IF_ERROR(node->follower_->CatchUp(node->store_->HeadPosition()));
  node->follower_->StartLive();

  Result<std::unique_ptr<projections::ReadModels>> read_models =
      projections::ReadModels::Open(ReadModelsPath(options.data_dir), &node->calendar_);
  if (!read_models.ok()) return read_models.status();
  node->read_models_ = std::move(read_models).value();
  // The audit trail reads matching events back from the log.
  node->read_models_->audit().AttachLog(node->store_.get());
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(node->store_.get(), node->read_models_->store(),
                                            node->read_models_->all());
  if (!runner.ok()) return runner.status();
  node->runner_ = std::move(runner).value();
  YIWANG_RETURN_IF_ERROR(node->runner_->Start());

  node->commands_ = std::make_unique<api::CommandHandler>(node->store_.get(), &node->calendar_,
                                                          api::CommandHandlerOptions{});
  if (!options.replicate_brokers.empty()) YIWANG_RETURN_IF_ERROR(node->StartReplication(options));
  if (!options.publish_brokers.empty()) YIWANG_RETURN_IF_ERROR(node->StartPublisher(options));
  return node;
}

Node::~Node() { Stop(); }

api::HttpServerDependencies Node::Dependencies(const api::TokenRegistry* tokens) {
  api::HttpServerDependencies dependencies;
  dependencies.catalog = &catalog_;
  dependencies.commands = commands_.get();
  dependencies.tokens = tokens;
  dependencies.store = store_.get();
  dependencies.progress = &read_models_->progress();
  dependencies.applicants = &read_models_->applicants();
  dependencies.dashboard = &read_models_->dashboard();
  dependencies.audit = &read_models_->audit();
  dependencies.live_store = store_.get();
  dependencies.runner = runner_.get();
  dependencies.read_only = read_only_;
  EventStore* store = store_.get();
  projections::CatalogView* catalog = &catalog_;
  dependencies.health = [store, catalog] {
    return api::HealthInfo{store->HeadPosition(), store->HeadHash(), catalog->position()};
  };
  const projections::ProjectionRunner* runner = runner_.get();
  dependencies.metrics_sources.push_back([store] { return api::RenderStoreMetrics(*store); });
  dependencies.metrics_sources.push_back(
      [store, runner] { return api::RenderRunnerMetrics(*runner, store->HeadPosition()); });
  if (const KafkaPublisher* publisher = publisher_.get(); publisher != nullptr) {
    dependencies.metrics_sources.push_back(
        [publisher] { return KafkaMetricsText(publisher->GetStats()); });
    dependencies.publication = [publisher] {
      const KafkaPublisherStats stats = publisher->GetStats();
      return api::PublicationInfo{stats.published_position, stats.lag_positions,
                                  stats.lag_seconds, stats.delivery_errors, stats.last_error};
    };
  }
  return dependencies;
}

Status Node::StartReplication(const NodeOptions& options) {
  if (!read_only_) return InvalidArgument("a node replicating from Kafka must be read-only");
  KafkaImporterOptions importer_options;
  importer_options.brokers = options.replicate_brokers;
  importer_options.topic_prefix = options.topic_prefix;
  importer_options.follow = true;
  Result<std::unique_ptr<KafkaImporter>> importer =
      KafkaImporter::Create(store_.get(), importer_options);
  if (!importer.ok()) return importer.status();
  importer_ = std::move(importer).value();
  importer_thread_ = std::thread([this] {
    Status status = importer_->Run();
    if (!status.ok()) {
      api::LogError("replication from Kafka stopped: " + status.ToString());
      std::lock_guard<std::mutex> lock(replication_mutex_);
      replication_status_ = std::move(status);
    }
  });
  api::LogInfo("read replica following Kafka at " + options.replicate_brokers);
  return Status::Ok();
}

Status Node::replication_status() const {
  std::lock_guard<std::mutex> lock(replication_mutex_);
  return replication_status_;
}

Status Node::StartPublisher(const NodeOptions& options) {
  if (read_only_) return InvalidArgument("a read-only node does not publish to Kafka");
  KafkaPublisherOptions publisher_options;
  publisher_options.brokers = options.publish_brokers;
  publisher_options.topic_prefix = options.topic_prefix;
  publisher_options.log = [](const std::string& problem) {
    api::LogWarning("kafka publisher: " + problem);
  };
  Result<std::unique_ptr<KafkaPublisher>> publisher =
      KafkaPublisher::Start(store_.get(), publisher_options);
  if (!publisher.ok()) return publisher.status();
  publisher_ = std::move(publisher).value();
  const KafkaPublisherStats stats = publisher_->GetStats();
  api::LogInfo("publishing to Kafka at " + options.publish_brokers + " from position " +
               std::to_string(stats.published_position + 1) + " (" +
               std::to_string(stats.lag_positions) + " events behind)");
  return Status::Ok();
}

void Node::Stop() {
  if (publisher_) publisher_->Stop();
  if (importer_) importer_->Stop();
  if (importer_thread_.joinable()) importer_thread_.join();
  if (runner_) runner_->Stop();
  if (follower_) follower_->Stop();
  if (store_) store_->Close();
}

}  // namespace yiwang::tools
