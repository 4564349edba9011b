// The wasi:http/incoming-handler bridge (the wasi:http/proxy world, as `wasmtime serve` runs it;
// DESIGN §1.5a): serving one HTTP request by calling a component's
//   wasi:http/incoming-handler@0.2.x#handle(request: own<incoming-request>,
//                                           response-out: own<response-outparam>)
// over an http::Exchange, with the wasi:http/types resources of http_types.h.
//
// How the handler's outcome becomes the HTTP response:
//   * response-outparam.set(ok(response)): its status, headers and body (streamed as the guest
//     writes it; trailers from outgoing-body.finish);
//   * response-outparam.set(err(code)): 500, the error code in the body and the log;
//   * handle returns without calling set: 500 ("the component did not set a response");
//   * a trap, or an error of the host (e.g. a resource bound): 500; the execution deadline
//     (limits.max_execution_ms or the caller's): 504; a request body over the service's limit:
//     413 — each only while the response head is not sent yet. After that the error is returned
//     so that the server ends the connection (the client sees an incomplete response), as it is
//     for a body dropped without outgoing-body.finish.
// The instance is left with the guest's leftover handles; the pool resets it before reuse.
//
// Thread-safety: one call on one fiber.
#pragma once

#include <string>

#include "component/component.h"
#include "component/component_instance.h"
#include "core/result.h"
#include "http/exchange.h"

namespace wirt::wasi {

struct CallState;

// The export index of `wasi:http/incoming-handler@0.2.x#handle` (any 0.2.x) in `c`, or -1.
int find_incoming_handler(const component::Component& c);
// True when the component imports the interface "wasi:http/…" (any version).
bool imports_wasi_http(const component::Component& c);

// Serves the request of `ex` with `inst` (whose user_data must point at `st`; `st` carries the
// guest environment and deadline). `entry` names the component in log lines and messages.
// Returns ok once a response was sent; an error when the response could not be completed.
[[nodiscard]] core::Status serve_incoming(component::ComponentInstance& inst, int export_index, CallState& st,
                                          http::Exchange& ex, const std::string& entry);

}  // namespace wirt::wasi
