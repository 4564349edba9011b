// wirt::core logging: leveled lines on stderr ("wirt: warn: message").
// Thread-safe: each line is written with one write(2). The level is process-wide.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace wirt::core {

enum class LogLevel { Debug, Info, Warn, Error, Off };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug|info|warn|error|off"; returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel* out);
void log_line(LogLevel level, std::string_view message);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < log_level()) return;
  log_line(level, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Debug, f, std::forward<Args>(a)...); }
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Info, f, std::forward<Args>(a)...); }
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Warn, f, std::forward<Args>(a)...); }
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Error, f, std::forward<Args>(a)...); }

}  // namespace wirt::core
