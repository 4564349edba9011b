// wasi:http/outgoing-handler and the client side of wasi:http/types (WASI 0.2 types.wit,
// outgoing-handler.wit; reference-wasm-runtime §7.1–7.2), served by src/http_client/ (libcurl on
// the worker's asio loop: a request suspends the calling fiber, never the worker):
//   outgoing-request   constructor(headers), method/scheme/authority/path-with-query getters and
//                      setters, headers (the request's own mutable fields), body
//   request-options    connect-timeout, first-byte-timeout, between-bytes-timeout (+ setters)
//   outgoing-body      write (output-stream; bytes written before handle are held, at most
//                      kMaxRequestBodyBeforeHandle, then streamed with back-pressure), finish
//                      with trailers
//   outgoing-handler   handle(request, options) → future-incoming-response
//   future-incoming-response  subscribe, get
//   incoming-response  status, headers (immutable), consume
//   incoming-body      stream (input-stream, delivered as it arrives), finish → future-trailers
//   future-trailers    subscribe, get
// Failures map onto error-code (DNS-error, connection-refused, connection-timeout,
// HTTP-response-timeout, TLS-certificate-error, TLS-protocol-error, HTTP-request-denied,
// destination-IP-prohibited, HTTP-response-body-size, HTTP-protocol-error, internal-error).
// Redirects are not followed (the guest sees the 3xx, as wasmtime-wasi-http).
//
// Permissions (the reference's http_client ones): `http_client.request` on the URL (handle
// returns HTTP-request-denied, nothing is sent) and `http_client.private_ip` on every connected
// loopback/private/link-local address (destination-IP-prohibited). Every wait ends at the
// call's deadline (CallState::deadline_ns) with the guest trapped on Timeout.
//
// The names of outgoing-body, incoming-body and future-trailers are shared with the server
// side (http_types.h): define_http_client wraps those functions and serves the reps it lent,
// passing the others on. State lives in HttpState::client (made on first use).
// Thread-safety: none (one fiber per call).
#pragma once

#include <memory>

#include "component/component.h"
#include "http/exchange.h"
#include "wasi/http_types.h"

namespace wirt::wasi {

struct CallState;

inline constexpr size_t kMaxRequestBodyBeforeHandle = 16 << 20;

// Registers the client functions; call before define_http_types on the same imports (the
// first registration of a name serves it).
void define_http_client(component::HostImports& imports);

// The wasi:http state of a call that serves no request (a component importing wasi:http called
// through funcs.call): its fields and client resources. Sets scope.http for its lifetime.
class ClientOnlyHttp {
 public:
  explicit ClientOnlyHttp(CallState& scope);
  ~ClientOnlyHttp();
  ClientOnlyHttp(const ClientOnlyHttp&) = delete;
  ClientOnlyHttp& operator=(const ClientOnlyHttp&) = delete;

 private:
  class NoRequest;
  CallState& scope_;
  std::unique_ptr<NoRequest> exchange_;
  std::unique_ptr<HttpState> state_;
};

}  // namespace wirt::wasi
