// Minimal structured logging to stderr: one line per call,
// "2026-11-27T09:31:05.123Z INFO message". Thread-safe (one write(2) per line).
#pragma once

#include <string_view>

namespace yiwang::api {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
bool ParseLogLevel(std::string_view text, LogLevel* level);
void Log(LogLevel level, std::string_view message);
// Whether a message at `level` would be written (to skip building it).
bool LogEnabled(LogLevel level);

inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(std::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace yiwang::api
