#pragma once
// Leveled logging in Redis's line format: "<pid>:M 21 Nov 2026 16:37:12.123 * message".
// Thread-safe (one mutex around the write). Level and file are set once at startup; the level
// can change at runtime (CONFIG SET loglevel).

#include <string>

namespace ringkv {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

LogLevel ParseLogLevel(const std::string& name);
void SetLogLevel(LogLevel level);
// Empty path = standard output. Returns false (and keeps stdout) if the file cannot be opened.
bool SetLogFile(const std::string& path);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace ringkv

#define RINGKV_LOG(level, ...)                               \
  do {                                                       \
    if (::ringkv::LogEnabled(::ringkv::LogLevel::level))     \
      ::ringkv::Log(::ringkv::LogLevel::level, __VA_ARGS__); \
  } while (0)
