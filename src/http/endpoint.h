// http.endpoint handlers: a request calls the endpoint's function with no arguments and the
// request in its context (reference-platform §http.endpoint), and what the function returns
// — or the error it fails with — becomes the response when the function wrote none itself.
//
// Status rules (README "HTTP"): a call error → 500 with the error text (504 for a Timeout,
// e.g. limits.max_execution_ms), logged; a result when nothing was written → write_value.
// Thread-safety: handlers are immutable; each call runs on the request's fiber.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "http/exchange.h"
#include "http/router.h"
#include "sched/functions.h"

namespace wirt::http {

// Writes a value as the response body, by the wasi-http transport's rules
// (reference-wasm-runtime §3): nil → 204 (or the status the handler set, empty body);
// bytes → application/octet-stream; a string → text/plain; charset=utf-8; anything else →
// JSON (application/json). Content-Type only when the handler has not set one.
[[nodiscard]] core::Status write_value(Exchange& ex, const core::Value& v);

// Answers a failed call: 500 with the message (504 for Timeout) when no head was sent; logs
// the error either way (the connection closes if the head was sent).
void write_error(Exchange& ex, const core::Error& e, const std::string& func);

struct EndpointIdentity {
  std::optional<sched::Actor> actor;                // the service's lifecycle.security
  std::optional<std::vector<std::string>> scope;
};

// The handler of an endpoint calling `func` (which must be in `functions`), in the function
// generation current when the handler is made.
Handler endpoint_handler(const sched::FunctionTable* functions, std::string func, EndpointIdentity identity);

}  // namespace wirt::http
