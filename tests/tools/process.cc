#include "tests/tools/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "domain/builtin_data.h"
#include "domain/calendar.h"

namespace yiwang::testing {
namespace {

constexpr int kStartupTimeoutMs = 30'000;

const std::string kBinary = YIWANG_BINARY;

std::vector<char*> Argv(const std::vector<std::string>& args) { return ArgvOf(kBinary, args); }

// args with TestCalendarDir() added for the commands that load the working-day calendar.
std::vector<std::string> WithTestCalendar(std::vector<std::string> args) {
  static const std::vector<std::string> kCalendarCommands = {"serve", "replay", "import"};
  if (args.empty() ||
      std::find(kCalendarCommands.begin(), kCalendarCommands.end(), args[0]) ==
          kCalendarCommands.end() ||
      std::find(args.begin(), args.end(), "--calendar-dir") != args.end()) {
    return args;
  }
  args.insert(args.begin() + 1, {"--calendar-dir", TestCalendarDir()});
  return args;
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[65536];
  ssize_t count;
  while ((count = ::read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, count);
  return text;
}

}  // namespace

std::vector<char*> ArgvOf(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string JsonField(const std::string& body, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  size_t at = body.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  if (body[at] == '"') return body.substr(at + 1, body.find('"', at + 1) - at - 1);
  return body.substr(at, body.find_first_of(",}", at) - at);
}

const std::string& TestCalendarDir() {
  static const TempDir dir;  // removed at exit, after the test's servers have stopped
  static const std::string path = [] {
    WorkingCalendar builtin;
    for (const BuiltinFile& file : BuiltinCalendarFiles()) (void)builtin.AddYear(file.text);
    const int last_builtin = builtin.years().empty() ? 0 : builtin.years().back();
    const std::chrono::year_month_day today{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    const int next_but_one = static_cast<int>(today.year()) + 2;
    for (int year = last_builtin + 1; year <= next_but_one; ++year) {
      std::ofstream(dir.path() / (std::to_string(year) + ".txt"))
          << "year " << year << "\nsource synthetic test calendar: weekends only\n";
    }
    return dir.str();
  }();
  return path;
}

CommandResult RunYiwang(const std::vector<std::string>& given) {
  TempDir scratch;
  const std::string out_path = (scratch.path() / "out").string();
  const std::string err_path = (scratch.path() / "err").string();
  const std::vector<std::string> args = WithTestCalendar(given);
  std::vector<char*> argv = Argv(args);
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = ExitCodeOf(status);
  int out = ::open(out_path.c_str(), O_RDONLY);
  int err = ::open(err_path.c_str(), O_RDONLY);
  result.out = ReadAll(out);
  result.err = ReadAll(err);
  ::close(out);
  ::close(err);
  return result;
}

ServerProcess::ServerProcess(std::vector<std::string> args) {
  args.insert(args.begin(), "serve");
  args = WithTestCalendar(std::move(args));
  std::vector<char*> argv = Argv(args);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartupTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t count = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (count <= 0) break;  // the server exited
    output_.append(buffer, count);
    // "yiwang serving on http://127.0.0.1:PORT (data …)"
    const size_t at = output_.find("serving on http://");
    const size_t space = at == std::string::npos ? at : output_.find(' ', at + 18);
    if (space != std::string::npos) {
      const size_t colon = output_.rfind(':', space);
      port_ = std::atoi(output_.substr(colon + 1, space - colon - 1).c_str());
      break;
    }
  }
  ::close(pipe_fds[0]);
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

ServerProcess::~ServerProcess() { Stop(); }

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("yiwang-test-" + std::to_string(getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace yiwang::testing
