// `transport: wasi-http` (reference-wasm-runtime §3): a WASM function serving an http.endpoint
// takes the request body as its one string argument (none when the body is empty) and its
// result becomes the response (write_value: nil → 204, bytes → octet-stream, string →
// text/plain, else JSON). Called without a request — funcs.call — it behaves as the payload
// transport (DESIGN §1.4), where the reference fails.
#pragma once

#include <cstdint>

#include "sched/functions.h"

namespace wirt::http {

// Wraps the function's payload handler. `max_body` bounds the body read into the argument.
sched::FunctionHandler wasi_http_transport(sched::FunctionHandler inner, uint64_t max_body = 120ull << 20);

}  // namespace wirt::http
