// Node: one yiwang node assembled the way `serve` runs it: the event store, the in-memory catalog
// view following the log, the durable read models fed by a runner, and the command handler.
// `serve` and the HTTP benchmark both build it here, so a benchmark measures the served thing.
//
// Open() returns once the catalog view and the read models have caught up with the log head and
// follow it live. Stop() (also run by the destructor) stops the followers and closes the store.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/auth.h"
#include "api/command_handler.h"
#include "api/http_server.h"
#include "domain/calendar.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "eventstore/kafka_importer.h"
#include "eventstore/kafka_publisher.h"
#include "projections/catalog_view.h"
#include "projections/read_models.h"
#include "projections/runner.h"

namespace yiwang::tools {

struct NodeOptions {
  std::string data_dir;  // the log in <data_dir>/log, the read models in <data_dir>/read
  Durability durability = Durability::kFsync;
  std::string calendar_dir;  // extra calendar years; empty: built-in years only
  bool publish_demo_catalog = false;  // ignored when read_only
  // A read replica: every command route answers 503 read_only. With `replicate_brokers`, a
  // KafkaImporter (eventstore/kafka_importer.h) follows the topics in-process and feeds the log.
  // A log that holds replicated events always opens read-only.
  bool read_only = false;
  std::string replicate_brokers;
  std::string topic_prefix = "yiwang";
  // A writable node with `publish_brokers` runs the Kafka publisher (eventstore/kafka_publisher.h)
  // to those brokers; without, the cursor stays put and the backlog waits in the log.
  std::string publish_brokers;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> Open(const NodeOptions& options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // What the HTTP server reads and writes through; `tokens` must outlive the server.
  api::HttpServerDependencies Dependencies(const api::TokenRegistry* tokens);

  EventStore& store() { return *store_; }
  const WorkingCalendar& calendar() const { return calendar_; }
  projections::CatalogView& catalog() { return catalog_; }
  projections::ReadModels& read_models() { return *read_models_; }
  projections::ProjectionRunner& runner() { return *runner_; }
  api::CommandHandler& commands() { return *commands_; }

  bool read_only() const { return read_only_; }
  // The importer of a replica (nullptr otherwise); OK while it runs or after it was stopped.
  Status replication_status() const;

  // Stops the importer, the runner and the catalog follower, then closes the store. Idempotent.
  void Stop();

 private:
  class CatalogFollower;
  Node() = default;
  Status StartReplication(const NodeOptions& options);
  Status StartPublisher(const NodeOptions& options);

  WorkingCalendar calendar_;
  // Destroyed in reverse order: everything below points into the store.
  std::unique_ptr<EventStore> store_;
  projections::CatalogView catalog_;
  std::unique_ptr<CatalogFollower> follower_;
  std::unique_ptr<projections::ReadModels> read_models_;
  std::unique_ptr<projections::ProjectionRunner> runner_;
  std::unique_ptr<api::CommandHandler> commands_;
  bool read_only_ = false;
  std::unique_ptr<KafkaImporter> importer_;
  std::unique_ptr<KafkaPublisher> publisher_;
  std::thread importer_thread_;
  mutable std::mutex replication_mutex_;
  Status replication_status_;  // guarded by replication_mutex_
};

}  // namespace yiwang::tools
