#include "tools/node.h"

#include <atomic>
#include <filesystem>
#include <thread>

#include "api/log.h"
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
  if (options.publish_demo_catalog) {
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
  Result<std::unique_ptr<projections::ProjectionRunner>> runner =
      projections::ProjectionRunner::Create(node->store_.get(), node->read_models_->store(),
                                            node->read_models_->all());
  if (!runner.ok()) return runner.status();
  node->runner_ = std::move(runner).value();
  YIWANG_RETURN_IF_ERROR(node->runner_->Start());

  node->commands_ = std::make_unique<api::CommandHandler>(node->store_.get(), &node->calendar_,
                                                          api::CommandHandlerOptions{});
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
  dependencies.runner = runner_.get();
  EventStore* store = store_.get();
  projections::CatalogView* catalog = &catalog_;
  dependencies.health = [store, catalog] {
    return api::HealthInfo{store->HeadPosition(), store->HeadHash(), catalog->position()};
  };
  return dependencies;
}

void Node::Stop() {
  if (runner_) runner_->Stop();
  if (follower_) follower_->Stop();
  if (store_) store_->Close();
}

}  // namespace yiwang::tools
