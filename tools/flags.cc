#include "tools/flags.h"

#include <charconv>
#include <cstdio>

namespace yiwang::tools {

Result<Flags> Flags::Parse(int argc, char** argv, const std::set<std::string>& valued,
                           const std::set<std::string>& switches) {
  Flags flags;
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    if (!argument.starts_with("--")) {
      flags.positional_.push_back(argument);
      continue;
    }
    std::string name = argument.substr(2);
    std::optional<std::string> value;
    if (size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (switches.contains(name)) {
      if (value.has_value()) return InvalidArgument("--" + name + " takes no value");
      flags.values_[name] = "true";
    } else if (valued.contains(name)) {
      if (!value.has_value()) {
        if (index + 1 >= argc) return InvalidArgument("--" + name + " needs a value");
        value = argv[++index];
      }
      flags.values_[name] = *value;
    } else {
      return InvalidArgument("unknown flag --" + name);
    }
  }
  return flags;
}

std::string Flags::Get(const std::string& name, const std::string& fallback) const {
  auto found = values_.find(name);
  return found == values_.end() ? fallback : found->second;
}

Result<int64_t> Flags::GetInt(const std::string& name, int64_t fallback, int64_t min,
                              int64_t max) const {
  auto found = values_.find(name);
  if (found == values_.end()) return fallback;
  const std::string& text = found->second;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return InvalidArgument("--" + name + " must be a whole number from " + std::to_string(min) +
                           " to " + std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

Result<std::pair<uint64_t, uint64_t>> Flags::GetPositionRange() const {
  Result<int64_t> from = GetInt("from", 1, 1, INT64_MAX);
  if (!from.ok()) return from.status();
  Result<int64_t> to = GetInt("to", INT64_MAX, 1, INT64_MAX);
  if (!to.ok()) return to.status();
  if (*from > *to) return InvalidArgument("--from must not be after --to");
  return std::pair<uint64_t, uint64_t>(static_cast<uint64_t>(*from), static_cast<uint64_t>(*to));
}

int UsageError(const std::string& subcommand, const std::string& message, const char* usage) {
  std::fprintf(stderr, "yiwang %s: %s\n\n%s", subcommand.c_str(), message.c_str(), usage);
  return 2;
}

}  // namespace yiwang::tools
