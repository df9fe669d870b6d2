#include "log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ringkv {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::mutex g_mu;
FILE* g_file = nullptr;  // nullptr = stdout

}  // namespace

LogLevel ParseLogLevel(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "verbose") return LogLevel::kVerbose;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "nothing") return LogLevel::kNothing;
  return LogLevel::kNotice;
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool SetLogFile(const std::string& path) {
  std::lock_guard<std::mutex> g(g_mu);
  if (path.empty()) return true;
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return false;
  g_file = f;
  return true;
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, const char* fmt, ...) {
  static const char kMarks[] = ".-*#";
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t off = std::strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
  std::snprintf(when + off, sizeof(when) - off, "%03d", static_cast<int>(tv.tv_usec / 1000));

  std::lock_guard<std::mutex> g(g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  std::fprintf(out, "%d:M %s %c %s\n", static_cast<int>(getpid()), when,
               kMarks[static_cast<int>(level) > 3 ? 3 : static_cast<int>(level)], msg);
  std::fflush(out);
}

}  // namespace ringkv
