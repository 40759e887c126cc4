// The mock cluster: librdkafka's rdkafka_mock.h behind our Status API, with fixed ports.
#include "eventstore/kafka_mock_cluster.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "eventstore/kafka_publisher.h"

namespace yiwang {
namespace {

// The port plan: while Create() runs, binds by its thread of AF_INET loopback sockets to port 0
// take the next planned port. librdkafka 2.0.2's mock brokers bind 127.0.0.1:0 from the thread
// that calls rd_kafka_mock_cluster_new and have no API to choose a port; a broker brought back
// up re-binds its own, already known, port. Only that one thread's port-0 binds are rewritten,
// so nothing else in the process (the HTTP server, clients) is affected.
struct PortPlan {
  std::mutex mutex;
  std::thread::id thread;
  int next_port = 0;  // 0: no plan active
};
PortPlan& ThePortPlan() {
  static PortPlan plan;
  return plan;
}

int PlannedPort() {
  PortPlan& plan = ThePortPlan();
  std::lock_guard<std::mutex> lock(plan.mutex);
  if (plan.next_port == 0 || plan.thread != std::this_thread::get_id()) return 0;
  return plan.next_port++;
}

// Sets the plan for the current thread for the lifetime of the object.
class ScopedPortPlan {
 public:
  explicit ScopedPortPlan(int first_port) {
    PortPlan& plan = ThePortPlan();
    std::lock_guard<std::mutex> lock(plan.mutex);
    plan.thread = std::this_thread::get_id();
    plan.next_port = first_port;
  }
  ~ScopedPortPlan() {
    PortPlan& plan = ThePortPlan();
    std::lock_guard<std::mutex> lock(plan.mutex);
    plan.next_port = 0;
  }
  ScopedPortPlan(const ScopedPortPlan&) = delete;
  ScopedPortPlan& operator=(const ScopedPortPlan&) = delete;
};

constexpr int16_t kProduceApiKey = 0;
// How long a broker going down keeps sending the answers it owes (SetBrokerDown).
constexpr std::chrono::milliseconds kBrokerDrainWait{100};

struct ApiKey {
  const char* name;
  int16_t key;
};
// Kafka protocol API keys (the protocol's, stable), for the request-error control.
constexpr std::array<ApiKey, 8> kApiKeys{{{"Produce", kProduceApiKey},
                                          {"Fetch", 1},
                                          {"ListOffsets", 2},
                                          {"Metadata", 3},
                                          {"OffsetCommit", 8},
                                          {"OffsetFetch", 9},
                                          {"FindCoordinator", 10},
                                          {"InitProducerId", 22}}};

Result<rd_kafka_resp_err_t> ParseError(std::string_view name) {
  if (name.starts_with("ERR_")) name.remove_prefix(4);
  const rd_kafka_err_desc* descriptions = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descriptions, &count);
  for (size_t index = 0; index < count; ++index) {
    if (descriptions[index].name != nullptr && name == descriptions[index].name) {
      return descriptions[index].code;
    }
  }
  return InvalidArgument("unknown Kafka error '" + std::string(name) +
                         "' (e.g. NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, _TRANSPORT)");
}

Result<int> ParseInt(std::string_view text, int min, int max, const char* what) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return InvalidArgument(std::string(what) + " must be a whole number from " +
                           std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                           std::string(text) + "'");
  }
  return value;
}

// librdkafka 2.0.2 asserts (aborts) when a mock broker cannot bind, so ports are checked first,
// the way the mock binds them (SO_REUSEADDR, 127.0.0.1).
Status CheckPortFree(int port) {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  if (probe < 0) return Unavailable(std::string("cannot create a socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const int bound = ::bind(probe, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int bind_errno = errno;
  ::close(probe);
  if (bound != 0) {
    return Unavailable("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                       std::strerror(bind_errno));
  }
  return Status::Ok();
}

Status FromKafka(rd_kafka_resp_err_t error, const std::string& what) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Unavailable(what + ": " + rd_kafka_err2str(error));
}

}  // namespace

struct KafkaMockCluster::Handles {
  rd_kafka_t* client = nullptr;  // the handle the mock cluster runs in
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Handles() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (client != nullptr) rd_kafka_destroy(client);
  }
};

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Create(
    const KafkaMockClusterOptions& options) {
  if (options.brokers < 1 || options.brokers > kMockBrokersMax) {
    return InvalidArgument("brokers must be 1.." + std::to_string(kMockBrokersMax), "brokers");
  }
  if (options.partitions < 1 || options.partitions > kMockPartitionsMax) {
    return InvalidArgument("partitions must be 1.." + std::to_string(kMockPartitionsMax),
                           "partitions");
  }
  if (options.port_base < 0 || options.port_base + options.brokers - 1 > 65535 ||
      (options.port_base > 0 && options.port_base < 1024)) {
    return InvalidArgument("port base must be 0 or 1024..65535 minus the brokers", "port_base");
  }
  if (options.topic_prefix.empty()) return InvalidArgument("topic prefix is empty", "prefix");
  for (int index = 0; options.port_base > 0 && index < options.brokers; ++index) {
    YIWANG_RETURN_IF_ERROR(CheckPortFree(options.port_base + index));
  }
  auto handles = std::make_unique<Handles>();
  char error_text[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Notices (e.g. "no bootstrap.servers", true of the handle hosting the mock) are noise here.
  rd_kafka_conf_set(conf, "log_level", "4", error_text, sizeof(error_text));
  handles->client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error_text, sizeof(error_text));
  if (handles->client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("cannot create the mock cluster's client: ") + error_text);
  }
  {
    ScopedPortPlan plan(options.port_base);
    handles->cluster = rd_kafka_mock_cluster_new(handles->client, options.brokers);
  }
  if (handles->cluster == nullptr) {
    return Unavailable("cannot start " + std::to_string(options.brokers) + " mock brokers");
  }
  for (const std::string& topic :
       {CaseEventsTopic(options.topic_prefix), CatalogEventsTopic(options.topic_prefix)}) {
    YIWANG_RETURN_IF_ERROR(
        FromKafka(rd_kafka_mock_topic_create(handles->cluster, topic.c_str(), options.partitions,
                                             options.brokers),
                  "cannot create topic " + topic));
  }
  std::unique_ptr<KafkaMockCluster> cluster(new KafkaMockCluster(std::move(handles)));
  cluster->bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster->handles_->cluster);
  cluster->brokers_ = options.brokers;
  return cluster;
}

KafkaMockCluster::KafkaMockCluster(std::unique_ptr<Handles> handles)
    : handles_(std::move(handles)) {}

KafkaMockCluster::~KafkaMockCluster() = default;

Status KafkaMockCluster::CheckBroker(int broker_id) const {
  if (broker_id < 1 || broker_id > brokers_) {
    return InvalidArgument("no broker " + std::to_string(broker_id) + " (brokers are 1.." +
                           std::to_string(brokers_) + ")");
  }
  return Status::Ok();
}

Status KafkaMockCluster::SetBrokerDown(int broker_id) {
  YIWANG_RETURN_IF_ERROR(CheckBroker(broker_id));
  // A broker closed between appending a produce request and sending its answer makes the
  // idempotent producer send the batch again. A real broker drops the repeat by its sequence
  // number; librdkafka's mock checks sequences only for transactional producers, so it would
  // append the batch twice. So the broker first stops appending (the next produce requests it
  // reads are refused with a retriable error, before any append), lets the answers it owes reach
  // the client, and only then closes, as a broker's controlled shutdown does. Refusals left over
  // after the close meet the producer's next requests once the broker is up: retried, harmless.
  const rd_kafka_resp_err_t refuse = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
  YIWANG_RETURN_IF_ERROR(FromKafka(
      rd_kafka_mock_broker_push_request_error_rtts(handles_->cluster, broker_id, kProduceApiKey,
                                                   4, refuse, 0, refuse, 0, refuse, 0, refuse, 0),
      "broker down"));
  std::this_thread::sleep_for(kBrokerDrainWait);
  return FromKafka(rd_kafka_mock_broker_set_down(handles_->cluster, broker_id), "broker down");
}

Status KafkaMockCluster::SetBrokerUp(int broker_id) {
  YIWANG_RETURN_IF_ERROR(CheckBroker(broker_id));
  return FromKafka(rd_kafka_mock_broker_set_up(handles_->cluster, broker_id), "broker up");
}

Status KafkaMockCluster::SetBrokerRtt(int broker_id, int rtt_ms) {
  YIWANG_RETURN_IF_ERROR(CheckBroker(broker_id));
  if (rtt_ms < 0 || rtt_ms > kMockRttMsMax) {
    return InvalidArgument("rtt must be 0.." + std::to_string(kMockRttMsMax) + " ms");
  }
  return FromKafka(rd_kafka_mock_broker_set_rtt(handles_->cluster, broker_id, rtt_ms),
                   "broker rtt");
}

Status KafkaMockCluster::PushRequestErrors(std::string_view api, int count,
                                           std::string_view error) {
  const ApiKey* found = nullptr;
  for (const ApiKey& key : kApiKeys) {
    if (api == key.name) found = &key;
  }
  if (found == nullptr) {
    std::string names;
    for (const ApiKey& key : kApiKeys) names += std::string(names.empty() ? "" : ", ") + key.name;
    return InvalidArgument("unknown request type '" + std::string(api) + "' (one of " + names +
                           ")");
  }
  if (count < 1 || count > kMockRequestErrorsMax) {
    return InvalidArgument("error count must be 1.." + std::to_string(kMockRequestErrorsMax));
  }
  Result<rd_kafka_resp_err_t> code = ParseError(error);
  if (!code.ok()) return code.status();
  const std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(count), *code);
  rd_kafka_mock_push_request_errors_array(handles_->cluster, found->key, errors.size(),
                                          errors.data());
  return Status::Ok();
}

Result<std::string> KafkaMockCluster::RunCommand(std::string_view line) {
  std::istringstream words{std::string(line)};
  std::vector<std::string> parts;
  for (std::string word; words >> word;) parts.push_back(word);
  if (parts.empty()) return InvalidArgument("empty command");
  const std::string& verb = parts[0];
  if ((verb == "down" || verb == "up") && parts.size() == 2) {
    Result<int> id = ParseInt(parts[1], 1, kMockBrokersMax, "broker id");
    if (!id.ok()) return id.status();
    YIWANG_RETURN_IF_ERROR(verb == "down" ? SetBrokerDown(*id) : SetBrokerUp(*id));
    return "broker " + parts[1] + " " + verb;
  }
  if (verb == "rtt" && parts.size() == 3) {
    Result<int> id = ParseInt(parts[1], 1, kMockBrokersMax, "broker id");
    if (!id.ok()) return id.status();
    Result<int> rtt = ParseInt(parts[2], 0, kMockRttMsMax, "rtt");
    if (!rtt.ok()) return rtt.status();
    YIWANG_RETURN_IF_ERROR(SetBrokerRtt(*id, *rtt));
    return "broker " + parts[1] + " rtt " + parts[2] + " ms";
  }
  if (verb == "leader" && parts.size() == 4) {
    Result<int> partition = ParseInt(parts[2], 0, kMockPartitionsMax - 1, "partition");
    if (!partition.ok()) return partition.status();
    Result<int> id = ParseInt(parts[3], 1, kMockBrokersMax, "broker id");
    if (!id.ok()) return id.status();
    YIWANG_RETURN_IF_ERROR(CheckBroker(*id));
    YIWANG_RETURN_IF_ERROR(FromKafka(
        rd_kafka_mock_partition_set_leader(handles_->cluster, parts[1].c_str(), *partition, *id),
        "partition leader"));
    return parts[1] + " [" + parts[2] + "] led by broker " + parts[3];
  }
  if (verb == "errors" && parts.size() == 4) {
    Result<int> count = ParseInt(parts[2], 1, kMockRequestErrorsMax, "error count");
    if (!count.ok()) return count.status();
    YIWANG_RETURN_IF_ERROR(PushRequestErrors(parts[1], *count, parts[3]));
    return "next " + parts[2] + " " + parts[1] + " requests fail with " + parts[3];
  }
  return InvalidArgument("unknown command '" + std::string(line) +
                         "' (down ID | up ID | rtt ID MS | leader TOPIC PARTITION ID | errors API "
                         "COUNT ERROR | quit)");
}

struct KafkaPositionConsumer::State {
  rd_kafka_t* consumer = nullptr;
  std::function<void(uint64_t)> on_message;
  std::atomic<bool> stopping{false};
  std::thread thread;
  ~State() {
    stopping.store(true);
    if (thread.joinable()) thread.join();
    if (consumer != nullptr) rd_kafka_destroy(consumer);
  }
  void Run() {
    while (!stopping.load()) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
      if (message == nullptr) continue;
      rd_kafka_headers_t* headers = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, "position", &value, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
        uint64_t position = 0;
        const char* text = static_cast<const char*>(value);
        std::from_chars(text, text + size, position);
        on_message(position);
      }
      rd_kafka_message_destroy(message);
    }
  }
};

Result<std::unique_ptr<KafkaPositionConsumer>> KafkaPositionConsumer::Start(
    const std::string& brokers, const std::string& topic_prefix, int partitions,
    std::function<void(uint64_t position)> on_message) {
  char error_text[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] :
       {std::pair<const char*, std::string>{"bootstrap.servers", brokers},
        {"group.id", "yiwang-position-consumer"},
        {"enable.auto.commit", "false"},
        {"fetch.wait.max.ms", "5"},
        {"log_level", "4"}}) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), error_text, sizeof(error_text)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument(std::string("consumer property ") + name + ": " + error_text);
    }
  }
  auto state = std::make_unique<State>();
  state->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error_text, sizeof(error_text));
  if (state->consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("cannot create a Kafka consumer: ") + error_text);
  }
  rd_kafka_poll_set_consumer(state->consumer);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(2 * partitions);
  for (const std::string& topic :
       {CaseEventsTopic(topic_prefix), CatalogEventsTopic(topic_prefix)}) {
    for (int partition = 0; partition < partitions; ++partition) {
      rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset =
          RD_KAFKA_OFFSET_END;
    }
  }
  const rd_kafka_resp_err_t assigned = rd_kafka_assign(state->consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  YIWANG_RETURN_IF_ERROR(FromKafka(assigned, "assigning the consumer's partitions"));
  state->on_message = std::move(on_message);
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<KafkaPositionConsumer>(new KafkaPositionConsumer(std::move(state)));
}

KafkaPositionConsumer::KafkaPositionConsumer(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

KafkaPositionConsumer::~KafkaPositionConsumer() = default;

}  // namespace yiwang

// Interposes the C library's bind() for the whole process (the executable's definition wins over
// libc's for librdkafka's calls). Everything but the port plan's own binds passes through as is.
extern "C" int bind(int socket, const struct sockaddr* address, socklen_t length) {
  using BindFunction = int (*)(int, const struct sockaddr*, socklen_t);
  static const BindFunction real_bind =
      reinterpret_cast<BindFunction>(dlsym(RTLD_NEXT, "bind"));  // NOLINT
  if (address != nullptr && address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in inet;
    std::memcpy(&inet, address, sizeof(inet));
    if (inet.sin_port == 0 && inet.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
      if (const int port = yiwang::PlannedPort(); port > 0) {
        inet.sin_port = htons(static_cast<uint16_t>(port));
        return real_bind(socket, reinterpret_cast<const sockaddr*>(&inet), sizeof(inet));
      }
    }
  }
  return real_bind(socket, address, length);
}
