#include "lua/retry_policy.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace wirt::lua {

namespace {

// Reference toDuration: numbers are milliseconds, strings Go durations.
core::Result<core::Nanos> delay_value(const core::Value& v, const char* field) {
  if (v.is_number()) return core::Nanos(static_cast<int64_t>(v.as_number() * 1e6));
  if (v.is_string()) {
    auto d = core::parse_duration(v.as_string());
    if (!d) return core::invalid(fmt::format("with_options: retry.{}: {}", field, d.error().message()));
    return *d;
  }
  return core::invalid(fmt::format("with_options: retry.{} must be milliseconds or a duration string", field));
}

core::Result<std::vector<std::string>> kinds(const core::Value& v, const char* field) {
  std::vector<std::string> out;
  if (v.is_map() && v.as_map().empty()) return out;  // {} converts as an empty map
  if (!v.is_array()) return core::invalid(fmt::format("with_options: retry.{} must be a list of error kinds", field));
  for (const auto& k : v.as_array()) {
    if (!k.is_string()) return core::invalid(fmt::format("with_options: retry.{} must be a list of error kinds", field));
    out.push_back(k.as_string());
  }
  return out;
}

}  // namespace

core::Result<std::optional<RetryPolicy>> RetryPolicy::from_options(const core::Value& options) {
  const core::Value* r = options.is_map() ? options.find("retry") : nullptr;
  if (!r || r->is_nil()) return std::optional<RetryPolicy>();
  if (!r->is_map()) return core::invalid("with_options: retry must be a table");
  RetryPolicy p;
  if (const core::Value* v = r->find("max_attempts")) {
    if (!v->is_number()) return core::invalid("with_options: retry.max_attempts must be a number");
    p.max_attempts = static_cast<int>(std::clamp(v->as_number(), 0.0, 1000.0));
  }
  if (const core::Value* v = r->find("initial_delay")) {
    auto d = delay_value(*v, "initial_delay");
    if (!d) return std::move(d).error();
    if (d->count() > 0) p.initial_delay = *d;
  }
  if (const core::Value* v = r->find("max_delay")) {
    auto d = delay_value(*v, "max_delay");
    if (!d) return std::move(d).error();
    if (d->count() > 0) p.max_delay = *d;
  }
  if (const core::Value* v = r->find("backoff_factor")) {
    if (!v->is_number()) return core::invalid("with_options: retry.backoff_factor must be a number");
    if (v->as_number() > 0) p.backoff_factor = v->as_number();
  }
  if (const core::Value* v = r->find("jitter")) {
    if (!v->is_number()) return core::invalid("with_options: retry.jitter must be a number");
    p.jitter = std::clamp(v->as_number(), 0.0, 1.0);
  }
  if (const core::Value* v = r->find("retry_kinds")) {
    auto k = kinds(*v, "retry_kinds");
    if (!k) return std::move(k).error();
    p.retry_kinds = std::move(*k);
  }
  if (const core::Value* v = r->find("skip_kinds")) {
    auto k = kinds(*v, "skip_kinds");
    if (!k) return std::move(k).error();
    p.skip_kinds = std::move(*k);
  }
  return std::optional<RetryPolicy>(std::move(p));
}

// "Timeout", "TIMEOUT", "RATE_LIMITED", "RateLimited" alike: the kind strings (errors.TIMEOUT
// is "Timeout") and the constant names both work in retry_kinds / skip_kinds.
static std::string normalized_kind(std::string_view k) {
  std::string out;
  for (char c : k)
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool RetryPolicy::should_retry(const core::Error& e) const {
  if (e.retryable() == false) return false;
  std::string kind = normalized_kind(core::kind_name(e.kind()));
  auto has = [&](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& k) { return normalized_kind(k) == kind; });
  };
  if (!skip_kinds.empty() && has(skip_kinds)) return false;
  if (!retry_kinds.empty()) return has(retry_kinds);
  switch (e.kind()) {
    case core::ErrorKind::Invalid:
    case core::ErrorKind::PermissionDenied:
    case core::ErrorKind::Internal: return false;
    default: return true;
  }
}

core::Nanos RetryPolicy::delay(int k, double unit) const {
  double base = static_cast<double>(initial_delay.count()) * std::pow(backoff_factor, k);
  base = std::min(base, static_cast<double>(max_delay.count()));
  double spread = base * jitter * (2 * unit - 1);
  return core::Nanos(static_cast<int64_t>(std::max(0.0, base + spread)));
}

}  // namespace wirt::lua
