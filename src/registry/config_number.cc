#include "registry/config_number.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

namespace wirt::registry {

namespace {

// How a rejected value is shown in an error: numbers as written, strings quoted (cut short).
std::string shown(const core::Value& v) {
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return fmt::format("{}", v.as_float());
  if (v.is_string()) {
    const std::string& s = v.as_string();
    return s.size() <= 40 ? fmt::format("\"{}\"", s) : fmt::format("\"{}…\"", s.substr(0, 40));
  }
  return fmt::format("a {}", v.type_name());
}

std::string int_range(int64_t min, int64_t max) {
  if (min == kNoMin && max == kNoMax) return "an integer";
  if (min == kNoMin) return fmt::format("an integer at most {}", max);
  if (max == kNoMax) return fmt::format("an integer at least {}", min);
  return fmt::format("an integer between {} and {}", min, max);
}

}  // namespace

core::Result<std::optional<int64_t>> checked_int(const core::Value* v, std::string_view field, int64_t min,
                                                 int64_t max) {
  if (!v || v->is_nil()) return std::optional<int64_t>();
  auto bad = [&] { return core::invalid(fmt::format("{} must be {}, got {}", field, int_range(min, max), shown(*v))); };
  int64_t n;
  if (v->is_int()) {
    n = v->as_int();
  } else if (v->is_float()) {
    double d = v->as_float();
    // Compared as doubles before the cast: casting 1e30 (or NaN) to int64 is undefined.
    // 2^63 itself is not representable, hence the strict bound.
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
      return bad();
    n = static_cast<int64_t>(d);
  } else {
    return bad();
  }
  if (n < min || n > max) return bad();
  return std::optional<int64_t>(n);
}

core::Result<std::optional<core::Nanos>> checked_duration(const core::Value* v, std::string_view field,
                                                          core::Nanos min, core::Nanos max) {
  if (!v || v->is_nil()) return std::optional<core::Nanos>();
  auto bad = [&] {
    return core::invalid(fmt::format("{} must be a duration between {} and {} such as \"30s\", got {}", field,
                                     core::format_duration(min), core::format_duration(max), shown(*v)));
  };
  if (!v->is_string()) return bad();
  auto d = core::parse_duration(v->as_string());
  if (!d || *d < min || *d > max) return bad();
  return std::optional<core::Nanos>(*d);
}

core::Result<core::Nanos> test_timeout(const core::Value& meta) {
  auto d = checked_duration(meta.find("timeout"), "meta.timeout", std::chrono::milliseconds(1), std::chrono::hours(24));
  if (!d) return std::move(d).error();
  return d->value_or(std::chrono::seconds(60));
}

}  // namespace wirt::registry
