// Command-line flags of the subcommands: `--name value` or `--name=value`, booleans as `--name`.
// Unknown flags and missing values are usage errors, reported with the subcommand's usage text.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "domain/status.h"

namespace yiwang::tools {

class Flags {
 public:
  // `valued` flags take a value, `switches` do not. argv[0] (the subcommand) is skipped.
  static Result<Flags> Parse(int argc, char** argv, const std::set<std::string>& valued,
                             const std::set<std::string>& switches);

  bool Has(const std::string& name) const { return values_.contains(name); }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // The value parsed as a whole number in [min, max]; InvalidArgument naming the flag otherwise.
  Result<int64_t> GetInt(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // --from / --to as an inclusive range of log positions (defaults 1 and the end of the log);
  // InvalidArgument when either is not a position or from > to.
  Result<std::pair<uint64_t, uint64_t>> GetPositionRange() const;

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// Prints "yiwang <subcommand>: <message>" and the usage to stderr; returns exit code 2.
int UsageError(const std::string& subcommand, const std::string& message, const char* usage);

}  // namespace yiwang::tools
