// Checked numbers for entry configuration (issue 9 item 6): every numeric config field of
// every entry kind (function.wasm/wat limits and pool sizes, function.lua limits, http.service
// limits and timeouts, meta.timeout of tests) is read through these, so that no value is
// silently truncated, wrapped or rounded: `max_execution_ms: 4294967296` used to wrap to 0 (no
// limit at all). Errors name the field path; callers add the entry (the boot prefixes
// "<file>: entry <id>:").
//
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "core/duration.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::registry {

inline constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();

// An integer field: absent or nil → nullopt. Accepted: an integer, or a float whose value is
// an integer (`1e3`, `16.0`), within [min, max]. Anything else (a fraction, a string, a number
// out of range) is Invalid: "<field> must be an integer between <min> and <max>, got <value>"
// ("at least"/"at most" when one bound is open).
core::Result<std::optional<int64_t>> checked_int(const core::Value* v, std::string_view field, int64_t min,
                                                 int64_t max);

// A duration field: a Go duration string ("30s", "1h30m"), within [min, max]. Absent or nil →
// nullopt. Numbers are refused (is 30 seconds or nanoseconds meant?), as are malformed or
// out-of-range strings: "<field> must be a duration between <min> and <max> such as \"30s\",
// got <value>".
core::Result<std::optional<core::Nanos>> checked_duration(const core::Value* v, std::string_view field,
                                                          core::Nanos min, core::Nanos max);

// `meta.timeout` of a test entry (`meta.type: test`, run by `wirt test`): 60 s when absent,
// otherwise a duration between 1 ms and 24 h. Checked at boot (so `wirt check` names a bad
// one) and read by `wirt test`; a malformed timeout used to be ignored silently.
core::Result<core::Nanos> test_timeout(const core::Value& meta);

}  // namespace wirt::registry
