#include "tests/kafka/publish_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

constexpr int kStartupTimeoutMs = 30'000;
constexpr int kCommandTimeoutMs = 10'000;

std::string UniquePath(const std::string& stem) {
  std::random_device random;
  return (std::filesystem::temp_directory_path() /
          (stem + std::to_string(getpid()) + "-" + std::to_string(random())))
      .string();
}

// The numeric value of `"name":N` in a JSON text (first occurrence), or -1.
int64_t NumberField(const std::string& body, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  const size_t at = body.find(needle);
  if (at == std::string::npos) return -1;
  return std::strtoll(body.c_str() + at + needle.size(), nullptr, 10);
}

}  // namespace

ControlledKafkaDev::ControlledKafkaDev(std::vector<std::string> extra_args) {
  extra_args.insert(extra_args.begin(), "kafka-dev");
  const std::string program = YIWANG_BINARY;
  std::vector<char*> argv = ArgvOf(program, extra_args);
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
  stdout_fd_ = out_pipe[0];
  const std::string line = ReadLine(kStartupTimeoutMs);
  const std::string marker = "kafka-dev bootstrap ";
  if (line.starts_with(marker)) bootstrap_ = line.substr(marker.size());
}

ControlledKafkaDev::~ControlledKafkaDev() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  ::close(stdin_fd_);
  ::close(stdout_fd_);
}

std::string ControlledKafkaDev::ReadLine(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (output_.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{stdout_fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[1024];
    const ssize_t count = ::read(stdout_fd_, buffer, sizeof(buffer));
    if (count <= 0) break;
    output_.append(buffer, count);
  }
  const size_t end = output_.find('\n');
  if (end == std::string::npos) return "";
  std::string line = output_.substr(0, end);
  output_.erase(0, end + 1);
  return line;
}

std::string ControlledKafkaDev::Command(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return "error: kafka-dev is gone";
  }
  return ReadLine(kCommandTimeoutMs);
}

KillableServe::KillableServe(const std::string& data_dir,
                             const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"serve",        "--demo", "--listen", "127.0.0.1:0",
                                   "--durability", "os",     "--data",   data_dir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const std::string program = YIWANG_BINARY;
  std::vector<char*> argv = ArgvOf(program, args);
  log_path_ = UniquePath("yiwang-serve-log-");
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    const int err = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  std::string output;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartupTimeoutMs);
  const std::string marker = "serving on http://127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline && port_ == 0) {
    pollfd poll_fd{out_pipe[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[1024];
    const ssize_t count = ::read(out_pipe[0], buffer, sizeof(buffer));
    if (count <= 0) break;
    output.append(buffer, count);
    const size_t at = output.find(marker);
    if (at != std::string::npos && output.find(' ', at + marker.size()) != std::string::npos) {
      port_ = std::atoi(output.c_str() + at + marker.size());
    }
  }
  ::close(out_pipe[0]);
}

KillableServe::~KillableServe() {
  Kill(SIGTERM);
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

std::string KillableServe::log() const { return ReadFile(log_path_); }

int KillableServe::Kill(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

int RunCaseWorkload(int port, int count, int clients) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  const httplib::Headers citizen = {{"Authorization", "Bearer demo-citizen"}};
  const httplib::Headers officer = {{"Authorization", "Bearer demo-officer"}};
  const std::string submit =
      R"({"service_code":"GA-JZZ-SL","channel":"online","applicant":{"id_number":"11010519491231002X","name":"张三"},"materials":["M01","M02","M03","M04"]})";
  std::vector<std::thread> threads;
  for (int client_index = 0; client_index < clients; ++client_index) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(30, 0);
      while (next.fetch_add(1) < count) {
        httplib::Result created = client.Post("/api/v1/cases", citizen, submit, "application/json");
        if (!created || created->status != 201) {
          failures.fetch_add(1);
          continue;
        }
        const std::string path = "/api/v1/cases/" + JsonField(created->body, "case_number");
        httplib::Result accepted =
            client.Post(path + "/accept", officer,
                        R"({"acceptance_number":"杭西公受字〔2026〕1号"})", "application/json");
        if (!accepted || accepted->status != 200) failures.fetch_add(1);
        httplib::Result review =
            client.Post(path + "/start-review", officer, "{}", "application/json");
        if (!review || review->status != 200) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return failures.load();
}

bool ReadPublication(int port, uint64_t* published, uint64_t* head, uint64_t* lag_positions) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Result ready = client.Get("/readyz");
  if (!ready) return false;
  const size_t kafka = ready->body.find("\"kafka\":");
  if (kafka == std::string::npos) return false;
  const std::string section = ready->body.substr(kafka);
  const int64_t head_value = NumberField(ready->body, "head_position");
  const int64_t published_value = NumberField(section, "published_position");
  const int64_t lag_value = NumberField(section, "lag_positions");
  if (head_value < 0 || published_value < 0 || lag_value < 0) return false;
  *head = static_cast<uint64_t>(head_value);
  *published = static_cast<uint64_t>(published_value);
  if (lag_positions != nullptr) *lag_positions = static_cast<uint64_t>(lag_value);
  return true;
}

bool WaitForFullPublication(int port, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    uint64_t published = 0, head = 0;
    if (ReadPublication(port, &published, &head, nullptr) && head > 0 && published == head) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<ConsumedMessage> ConsumeWithKcat(const std::string& bootstrap,
                                             const std::string& topic) {
  const std::string out_path = UniquePath("yiwang-kcat-");
  const std::vector<std::string> args = {"-C", "-b", bootstrap, "-t",          topic,
                                         "-e", "-q", "-f",      "%k\t%h\t%s\n"};
  const std::string program = "/usr/bin/kcat";
  std::vector<char*> argv = ArgvOf(program, args);
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string text = ReadFile(out_path);
  std::filesystem::remove(out_path);
  EXPECT_EQ(ExitCodeOf(status), 0) << "kcat failed on " << topic;
  std::vector<ConsumedMessage> messages;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t key_end = line.find('\t');
    const size_t headers_end = line.find('\t', key_end + 1);
    if (key_end == std::string::npos || headers_end == std::string::npos) {
      ADD_FAILURE() << "kcat line without key and headers: " << line.substr(0, 200);
      continue;
    }
    ConsumedMessage message;
    message.key = line.substr(0, key_end);
    message.value = line.substr(headers_end + 1);
    std::istringstream headers(line.substr(key_end + 1, headers_end - key_end - 1));
    for (std::string header; std::getline(headers, header, ',');) {
      const size_t equals = header.find('=');
      const std::string name = header.substr(0, equals);
      const std::string value = equals == std::string::npos ? "" : header.substr(equals + 1);
      if (name == "type") message.type = value;
      if (name == "position") message.position = std::strtoull(value.c_str(), nullptr, 10);
      if (name == "hash") message.hash = value;
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

std::string ExportLog(const std::string& data_dir) {
  CommandResult exported = RunYiwang({"export", "--data", data_dir});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  return exported.out;
}

}  // namespace yiwang::testing
