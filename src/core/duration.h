// Durations as the reference's `time` module takes them (reference-platform §3 "time"):
// a number of nanoseconds, or a Go duration string ("100ms", "1h30m", "1.5s", "-2us").
#pragma once

#include <chrono>
#include <string_view>

#include "core/result.h"

namespace wirt::core {

using Nanos = std::chrono::nanoseconds;

// Parses a Go-style duration string. Units: ns, us (µs, μs), ms, s, m, h. "0" alone is allowed.
Result<Nanos> parse_duration(std::string_view text);
// Formats like Go's Duration.String(): "1h2m3.5s", "150ms", "0s".
std::string format_duration(Nanos d);

}  // namespace wirt::core
