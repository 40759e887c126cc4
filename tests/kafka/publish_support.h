// Helpers of the publication tests: `yiwang kafka-dev` with its control channel, `yiwang serve`
// that can be killed with SIGKILL, a concurrent HTTP case workload, and reading a topic back with
// kcat (an independent Kafka client).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace yiwang::testing {

// `yiwang kafka-dev` with stdin and stdout kept: Command() sends a control line and returns the
// reply ("ok: …" / "error: …"). The destructor stops it.
class ControlledKafkaDev {
 public:
  ControlledKafkaDev(std::vector<std::string> extra_args = {"--port-base", "0"});
  ~ControlledKafkaDev();
  ControlledKafkaDev(const ControlledKafkaDev&) = delete;
  ControlledKafkaDev& operator=(const ControlledKafkaDev&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }  // empty when it did not start
  const std::string& output() const { return output_; }
  std::string Command(const std::string& line);

 private:
  std::string ReadLine(int timeout_ms);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string output_;  // read from stdout, not yet returned as a line
  std::string bootstrap_;
};

// `yiwang serve --demo --listen 127.0.0.1:0 --durability os --data DIR extra…`, stderr to a file.
class KillableServe {
 public:
  KillableServe(const std::string& data_dir, const std::vector<std::string>& extra_args);
  ~KillableServe();
  KillableServe(const KillableServe&) = delete;
  KillableServe& operator=(const KillableServe&) = delete;
  int port() const { return port_; }  // 0 when it did not start
  std::string log() const;            // its stderr so far
  int Kill(int signal_number);        // sends the signal, waits, returns the exit code

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// Runs `count` cases (submit, accept, start-review: 3 events each) over HTTP with `clients`
// concurrent connections. Returns the number of failed requests.
int RunCaseWorkload(int port, int count, int clients);

// GET /readyz's kafka.published_position and the head; false when unavailable.
bool ReadPublication(int port, uint64_t* published, uint64_t* head, uint64_t* lag_positions);
// Waits until everything committed is published; false on timeout.
bool WaitForFullPublication(int port, int timeout_ms);

struct ConsumedMessage {
  std::string key;
  std::string type;       // header
  uint64_t position = 0;  // header
  std::string hash;       // header
  std::string value;
};
// Every message of `topic` in consumption order (partition by partition interleaved, each
// partition in offset order), read by `kcat -C … -e`. Fails the test on a kcat error.
std::vector<ConsumedMessage> ConsumeWithKcat(const std::string& bootstrap,
                                             const std::string& topic);

// `yiwang export --data DIR` (run while no server holds the directory, or beside one).
std::string ExportLog(const std::string& data_dir);

}  // namespace yiwang::testing
