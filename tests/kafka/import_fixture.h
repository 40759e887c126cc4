// Helpers of the import tests: a `yiwang kafka-dev` process, a background `yiwang` process, a
// producer that writes events into the topics the way the publisher does (or deliberately not),
// and small accessors of canonical event lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace yiwang::testing {

// `yiwang kafka-dev --port-base 0` (free ports); the destructor stops it.
class KafkaDevProcess {
 public:
  explicit KafkaDevProcess(int partitions = 3);
  ~KafkaDevProcess();
  KafkaDevProcess(const KafkaDevProcess&) = delete;
  KafkaDevProcess& operator=(const KafkaDevProcess&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }  // empty when it did not start

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;  // kept open: its control channel
  std::string bootstrap_;
};

// `yiwang args…` in the background, stdout and stderr to files; Stop() sends SIGTERM.
class BackgroundYiwang {
 public:
  explicit BackgroundYiwang(const std::vector<std::string>& args);
  ~BackgroundYiwang();
  BackgroundYiwang(const BackgroundYiwang&) = delete;
  BackgroundYiwang& operator=(const BackgroundYiwang&) = delete;
  // SIGTERM, wait, return the exit code (128 + signal when killed).
  int Stop();
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
};

struct EventMessage {
  std::string topic;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// The message the publisher would send for a canonical event line (DESIGN.md §6).
EventMessage MessageFor(const std::string& line, const std::string& prefix = "yiwang");
// Produces the messages in order (idempotent producer, acks=all) and waits for delivery.
// Returns an empty string or the error.
std::string Produce(const std::string& bootstrap, const std::vector<EventMessage>& messages);

// Fields of a canonical event line.
uint64_t PositionOf(const std::string& line);
std::string StreamOf(const std::string& line);
std::string HashOf(const std::string& line);
// The lines of NDJSON text.
std::vector<std::string> Lines(const std::string& text);

}  // namespace yiwang::testing
