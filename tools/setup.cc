#include "tools/setup.h"

#include <pthread.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/builtin_data.h"
#include "domain/catalog.h"

namespace yiwang::tools {

std::string LogPath(const std::string& data_dir) { return data_dir + "/log"; }
std::string ReadModelsPath(const std::string& data_dir) { return data_dir + "/read"; }

Result<Durability> ParseDurability(const std::string& text) {
  if (text == "fsync") return Durability::kFsync;
  if (text == "os") return Durability::kOs;
  return InvalidArgument("--durability must be fsync or os, got '" + text + "'");
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return Unavailable("cannot read " + path);
  return text.str();
}

Result<WorkingCalendar> LoadCalendar(const std::string& extra_dir) {
  WorkingCalendar calendar;
  for (const BuiltinFile& file : BuiltinCalendarFiles()) {
    Status status = calendar.AddYear(file.text);
    if (!status.ok())
      return Internal("built-in calendar " + std::string(file.name) + ": " + status.message());
  }
  if (extra_dir.empty()) return calendar;
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(extra_dir, error)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  if (error) return NotFound("--calendar-dir " + extra_dir + ": " + error.message());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    Result<std::string> text = ReadFile(path.string());
    if (!text.ok()) return text.status();
    Status status = calendar.AddYear(*text);
    if (!status.ok()) return InvalidArgument(path.string() + ": " + status.message());
  }
  return calendar;
}

Timestamp SystemNow() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

std::string CalendarEndWarning(const WorkingCalendar& calendar, CivilDate today) {
  if (calendar.CoversAhead(today, kCalendarWarningDays)) return {};
  const std::vector<int> years = calendar.years();
  const std::string last = years.empty() ? "no year" : std::to_string(years.back());
  return "the working-day calendar ends with " + last + ", within " +
         std::to_string(kCalendarWarningDays) +
         " days: deadlines past it are not computed; add the next year's State Council holiday "
         "notice as <year>.txt with --calendar-dir (format: domain/README.md)";
}

Result<api::TokenRegistry> LoadTokens(const std::string& auth_file, bool demo) {
  api::TokenRegistry tokens = api::TokenRegistry::Empty();
  if (!auth_file.empty()) {
    Result<std::string> text = ReadFile(auth_file);
    if (!text.ok()) return text.status();
    Result<api::TokenRegistry> parsed = api::TokenRegistry::FromFile(*text);
    if (!parsed.ok()) return InvalidArgument(auth_file + ": " + parsed.status().message());
    tokens = std::move(parsed).value();
  }
  if (demo) tokens.AddDemoTokens();
  return tokens;
}

Result<int> PublishDemoCatalog(EventStore* store) {
  Result<std::vector<CatalogItem>> items = ParseCatalogFile(BuiltinDemoCatalog());
  if (!items.ok()) return Internal("built-in demo catalog: " + items.status().message());
  const Timestamp occurred_at = SystemNow();
  int published = 0;
  for (const CatalogItem& item : *items) {
    AppendRequest request;
    request.stream = std::string(kCatalogStreamPrefix) + item.code;
    request.expected = ExpectedVersion::NoStream();
    request.idempotency_key = "demo-catalog:" + item.code;
    NewEvent event;
    event.type = std::string(kCatalogItemPublished);
    event.occurred_at = occurred_at;
    event.actor = Actor{"system-demo", "system", "", "system", ""};
    event.data = EncodeCatalogItem(item);
    request.events.push_back(std::move(event));
    uint32_t actual_version = 0;
    Result<AppendResult> result = store->Append(std::move(request), &actual_version);
    if (!result.ok()) {
      // The item exists already (published by an earlier start or by an admin): keep it.
      if (result.status().code() == StatusCode::kAborted) continue;
      return result.status();
    }
    if (!result->duplicate) ++published;
  }
  return published;
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace yiwang::tools
