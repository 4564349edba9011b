// wirt::lua::RetryPolicy — the `retry` option of funcs.new():with_options{...}, as the
// reference's retry interceptor reads it (reference-platform §3 funcs; system/function/
// interceptor/retry): {max_attempts, initial_delay, max_delay, backoff_factor, jitter,
// retry_kinds, skip_kinds}.
//
// - A failed call is tried again up to max_attempts calls in all (<= 1: no retry).
// - An error with retryable == false is never retried. Otherwise skip_kinds wins, then
//   retry_kinds (when given, only those kinds), else every kind except Invalid,
//   PermissionDenied and Internal. Kinds are the errors.* strings ("Timeout") or the constant
//   names ("TIMEOUT").
// - The k-th retry (k = 1, 2, ...) waits initial_delay × backoff_factor^k, capped at max_delay,
//   ± jitter × that (defaults 100ms, 10s, 2.0, 0.1). A number of delay is milliseconds, a string
//   a Go duration ("250ms").
// Immutable value; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/error.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::lua {

struct RetryPolicy {
  int max_attempts = 1;
  core::Nanos initial_delay = std::chrono::milliseconds(100);
  core::Nanos max_delay = std::chrono::seconds(10);
  double backoff_factor = 2.0;
  double jitter = 0.1;
  std::vector<std::string> retry_kinds;
  std::vector<std::string> skip_kinds;

  // The policy in options.retry; nullopt when there is none. Invalid (naming the field, e.g.
  // "retry.max_attempts") for a value of the wrong type.
  static core::Result<std::optional<RetryPolicy>> from_options(const core::Value& options);
  bool should_retry(const core::Error& e) const;
  // The wait before retry number k (k >= 1), jitter applied with `unit` in [0, 1).
  core::Nanos delay(int k, double unit) const;
};

}  // namespace wirt::lua
