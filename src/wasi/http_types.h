// wasi:http/types (WASI 0.2, wasi-http types.wit) on the server side: the host resources a
// wasi:http/incoming-handler#handle call works with, over one http::Exchange (DESIGN §1.5a):
//   fields             constructor, from-list, get, has, set, append, delete, entries, clone
//                      (FieldMap: validation, forbidden names, immutability, bounds)
//   incoming-request   method, path-with-query, scheme, authority, headers (immutable), consume
//   incoming-body      stream (input-stream reading Exchange::read_body), finish → future-trailers
//   future-trailers    subscribe (ready once the body has ended; blocking drains the body), get
//   outgoing-response  constructor(headers), status-code, set-status-code, headers, body
//   outgoing-body      write (output-stream writing Exchange::write), finish(trailers)
//   response-outparam  set(ok(response) | err(error-code))
//   http-error-code    none (no error this host lends carries an error-code)
// Client-side resources (outgoing-request, request-options, incoming-response,
// future-incoming-response) and wasi:http/outgoing-handler are served by http_outgoing.h.
//
// The response head goes to the Exchange when its first body byte is written or its body is
// finished (the "commit"), not at response-outparam.set: until then a failing guest can still be
// answered with a clean 500. Body bytes written before set are buffered (at most
// kMaxBufferedBeforeSet, then the guest traps). The head leaves out framing and hop-by-hop
// fields a guest could smuggle in through fields.clone of the request's headers (connection,
// keep-alive, proxy-connection, transfer-encoding, upgrade): the server frames the response.
//
// Bounds: at most kMaxLiveResources http resources lent per call (beyond: the guest traps).
//
// State lives in HttpState, reached through CallState::http; host functions called while no
// request is served (CallState::http null) trap with a message naming the function.
// Thread-safety: none (one fiber per call).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "component/component.h"
#include "http/exchange.h"
#include "wasi/http_fields.h"

namespace wirt::wasi {

struct CallState;
struct HttpClientState;  // wasi/http_outgoing.cc

inline constexpr size_t kMaxBufferedBeforeSet = 1 << 20;
inline constexpr size_t kMaxLiveResources = 10000;

// The body of an outgoing-response: buffered until the response is set, then streamed.
struct ResponseBody {
  bool taken = false;      // outgoing-response.body() was called
  bool stream_taken = false;
  bool finished = false;   // outgoing-body.finish was called
  bool dropped = false;    // the outgoing-body was dropped (finished or not)
  std::string pending;     // written before the response was set
  std::shared_ptr<FieldMap> trailers;  // given to finish
};

struct OutgoingResponse {
  int status = 200;
  std::shared_ptr<FieldMap> headers;
  std::shared_ptr<ResponseBody> body = std::make_shared<ResponseBody>();
};

struct HttpState {
  explicit HttpState(http::Exchange& ex) : exchange(ex) {}

  http::Exchange& exchange;

  // Lent resources, by rep (reps come from CallState::next_rep).
  std::map<uint32_t, std::shared_ptr<FieldMap>> fields;
  std::map<uint32_t, std::shared_ptr<OutgoingResponse>> responses;
  std::map<uint32_t, std::shared_ptr<ResponseBody>> bodies;
  uint32_t request_rep = 0;        // the incoming-request (0 once dropped)
  uint32_t outparam_rep = 0;       // the response-outparam (0 once set or dropped)
  uint32_t incoming_body_rep = 0;  // the incoming-body (0 before consume / after finish or drop)
  std::map<uint32_t, bool> future_trailers;  // rep → trailers already taken by get

  // The request side.
  std::shared_ptr<FieldMap> request_headers;  // immutable, made on first use
  bool consumed = false;          // incoming-request.consume was called
  bool body_stream_taken = false;
  std::string body_buffer;        // read from the Exchange, not yet given to the guest
  bool body_ended = false;
  std::optional<core::ErrorKind> body_error;  // why reading the body failed (the guest trapped)

  // The outcome of response-outparam.set.
  bool outparam_set = false;
  std::shared_ptr<OutgoingResponse> response;  // set(ok(…))
  std::string error_code;                      // set(err(…)): the error-code as text
  bool committed = false;                      // the head went to the Exchange

  // The client side (outgoing-handler) resources of this call; made on first use.
  std::shared_ptr<HttpClientState> client;

  size_t live() const { return fields.size() + responses.size() + bodies.size() + future_trailers.size(); }

  // Reads more of the request body into body_buffer (suspends); sets body_ended at the end.
  [[nodiscard]] core::Status fill_body();
  // Sends the set response's status and headers to the Exchange (once).
  [[nodiscard]] core::Status commit();
  // Writes body bytes of `body`: to the Exchange when it is the set response's (committing the
  // head first), else into its pending buffer. False when the client went away.
  [[nodiscard]] core::Result<bool> write_body(ResponseBody& body, std::string_view bytes);
  // Ends the set response's body with its trailers (committing the head first).
  [[nodiscard]] core::Status finish_body(ResponseBody& body);
};

// Registers the wasi:http/types host functions above (served for any guest 0.2.x).
void define_http_types(component::HostImports& imports);

}  // namespace wirt::wasi
