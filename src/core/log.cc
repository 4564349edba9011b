#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace wirt::core {

namespace {
std::atomic<LogLevel> g_level{LogLevel::Warn};

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

bool parse_log_level(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off}) {
    if (text == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void log_line(LogLevel level, std::string_view message) {
  if (level < log_level()) return;
  std::string line = fmt::format("wirt: {}: {}\n", level_name(level), message);
  // One write per line keeps lines from different threads whole.
  [[maybe_unused]] ssize_t n = ::write(2, line.data(), line.size());
}

}  // namespace wirt::core
