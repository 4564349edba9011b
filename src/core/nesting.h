// The one nesting limit for host code that recurses over data a guest, a request or an app
// author controls (JSON, Value conversions, WIT types, Lua tables).
//
// Host recursion runs on fiber stacks of 2 MiB; a 10,000-deep JSON array used to overflow
// one (SIGSEGV). Like Lua's LUAI_MAXCCALLS (200), every recursive walk stops at kMaxNesting
// with an Invalid error naming the limit, so the depth of any core::Value a producer builds is
// bounded and the consumers (printers, converters, the recursive destructor) need no guard of
// their own. Plain constants and pure functions: thread-safe.
#pragma once

#include <string_view>

#include <fmt/format.h>

#include "core/error.h"

namespace wirt::core {

inline constexpr int kMaxNesting = 200;

// The Invalid error every depth check returns: "<what>: nesting deeper than 200 levels".
inline Error nesting_error(std::string_view what) {
  return invalid(fmt::format("{}: nesting deeper than {} levels", what, kMaxNesting));
}

}  // namespace wirt::core
