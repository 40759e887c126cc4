#include "tests/kafka/import_fixture.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

constexpr int kStartupTimeoutMs = 20'000;
constexpr int kDeliveryTimeoutMs = 20'000;

const std::string kBinary = YIWANG_BINARY;

}  // namespace

KafkaDevProcess::KafkaDevProcess(int partitions) {
  std::vector<std::string> args = {"kafka-dev", "--port-base", "0", "--partitions",
                                   std::to_string(partitions)};
  std::vector<char*> argv = ArgvOf(kBinary, args);
  int in_pipe[2];
  int out_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  stdin_fd_ = in_pipe[1];
  std::string output;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartupTimeoutMs);
  const std::string marker = "kafka-dev bootstrap ";
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{out_pipe[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[1024];
    const ssize_t count = ::read(out_pipe[0], buffer, sizeof(buffer));
    if (count <= 0) break;
    output.append(buffer, count);
    const size_t at = output.find(marker);
    const size_t end = at == std::string::npos ? at : output.find('\n', at);
    if (end != std::string::npos) {
      bootstrap_ = output.substr(at + marker.size(), end - at - marker.size());
      break;
    }
  }
  ::close(out_pipe[0]);  // kafka-dev ignores a closed stdout reader (SIGPIPE ignored or unused)
}

KafkaDevProcess::~KafkaDevProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
}

BackgroundYiwang::BackgroundYiwang(const std::vector<std::string>& args) {
  std::random_device random;
  const std::string base =
      (std::filesystem::temp_directory_path() /
       ("yiwang-bg-" + std::to_string(getpid()) + "-" + std::to_string(random())))
          .string();
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  std::vector<char*> argv = ArgvOf(kBinary, args);
  pid_ = fork();
  if (pid_ == 0) {
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

BackgroundYiwang::~BackgroundYiwang() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove(out_path_, ignored);
  std::filesystem::remove(err_path_, ignored);
}

int BackgroundYiwang::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

std::string BackgroundYiwang::out() const { return ReadFile(out_path_); }
std::string BackgroundYiwang::err() const { return ReadFile(err_path_); }

EventMessage MessageFor(const std::string& line, const std::string& prefix) {
  EventMessage message;
  message.key = StreamOf(line);
  message.topic =
      prefix + (message.key.starts_with("catalog-") ? ".catalog-events" : ".case-events");
  message.value = line;
  message.headers = {{"type", JsonField(line, "type")},
                     {"position", std::to_string(PositionOf(line))},
                     {"hash", HashOf(line)}};
  return message;
}

std::string Produce(const std::string& bootstrap, const std::vector<EventMessage>& messages) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "1"}}) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return error;
    }
  }
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) return error;
  std::string failure;
  for (const EventMessage& message : messages) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(message.headers.size());
    for (const auto& [name, value] : message.headers) {
      rd_kafka_header_add(headers, name.c_str(), -1, value.data(), value.size());
    }
    const rd_kafka_resp_err_t produced = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(message.topic.c_str()),
        RD_KAFKA_V_KEY(message.key.data(), message.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (produced != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);
      failure = rd_kafka_err2str(produced);
      break;
    }
    rd_kafka_poll(producer, 0);
  }
  if (rd_kafka_flush(producer, kDeliveryTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR &&
      failure.empty()) {
    failure = "messages not delivered in time";
  }
  rd_kafka_destroy(producer);
  return failure;
}

uint64_t PositionOf(const std::string& line) {
  return std::strtoull(line.c_str() + std::string("{\"position\":").size(), nullptr, 10);
}

std::string StreamOf(const std::string& line) { return JsonField(line, "stream"); }

std::string HashOf(const std::string& line) {
  const size_t at = line.rfind("\"hash\":\"");
  return at == std::string::npos ? "" : line.substr(at + 8, 64);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace yiwang::testing
