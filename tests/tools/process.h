// Test helpers that run the built `yiwang` binary as a separate process, as a user would.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace yiwang::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// The value of the first `"name":` member of a JSON body, unescaped strings without their quotes
// and other values as written; empty when absent. Enough for the flat bodies tests look at.
std::string JsonField(const std::string& body, const std::string& name);

// argv for exec: `program`, then `args`, then nullptr; it points into the strings.
std::vector<char*> ArgvOf(const std::string& program, const std::vector<std::string>& args);
// The exit code of a waitpid status; 128 + the signal when the process was killed.
int ExitCodeOf(int wait_status);
// A file's whole content; empty when it is missing.
std::string ReadFile(const std::string& path);

// Runs `yiwang args…` to completion.
CommandResult RunYiwang(const std::vector<std::string>& args);

// A --calendar-dir that `serve`, `replay` and `import` get from RunYiwang and ServerProcess
// unless the test names one: the years after data/calendar's last, up to the year after next,
// each weekends only. Tests run on today's date; in December a deadline or notice date reaches
// into a year whose State Council notice is not in data/calendar yet, and the SLA view would be
// empty (2026-12-06: an extended deadline fell in 2027). Synthetic, for tests only.
const std::string& TestCalendarDir();

// `yiwang serve …` in the background. The constructor waits for the "serving on" line and
// parses the port; the destructor sends SIGTERM and waits.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> args);
  ~ServerProcess();
  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  // Sends SIGTERM, waits, returns the exit code.
  int Stop();
  const std::string& startup_output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string output_;
};

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace yiwang::testing
