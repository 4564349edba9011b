#include "wasi/http_types.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "wasi/call_state.h"
#include "wasi/try_let.h"
#include "wasi/wit_values.h"

namespace wirt::wasi {

namespace {

using component::HostCall;
using core::Value;

// Host version registered; any guest 0.2.x is served by it (component.h version matching).
constexpr const char* kTypes = "wasi:http/types@0.2.8";
// How much of the request body one read from the Exchange asks for.
constexpr size_t kBodyChunk = 64 * 1024;
// What check-write allows once the response streams (each write is flushed before it returns).
constexpr uint64_t kWriteWindow = 1 << 20;

using Impl = core::Result<Value> (*)(HostCall&, HttpState&, const core::Array&);

// The request being served, or an error naming the function when there is none (a component
// importing wasi:http/types called through funcs.call).
void add(component::HostImports& imports, const char* func, Impl fn) {
  imports.add(std::string(kTypes) + "#" + func,
              {nullptr, [fn](HostCall& c, const core::Array& a) -> core::Result<Value> {
                 auto* st = static_cast<CallState*>(c.user_data);
                 if (!st || !st->http)
                   return core::invalid(fmt::format("{}: no HTTP request is being served (only a wasi:http/incoming-handler "
                                                    "call through an http endpoint or `wirt serve` has one)",
                                                    c.function.qualified()));
                 return fn(c, *st->http, a);
               }});
}

// Resource drops also run from ComponentInstance::reset() with no call (user_data null).
using DropImpl = void (*)(HttpState&, uint32_t rep);
void add_drop(component::HostImports& imports, const char* resource, DropImpl fn) {
  imports.add(std::string(kTypes) + "#[resource-drop]" + resource,
              {nullptr, [fn](HostCall& c, const core::Array& a) -> core::Result<Value> {
                 auto* st = static_cast<CallState*>(c.user_data);
                 if (st && st->http) fn(*st->http, static_cast<uint32_t>(a[0].as_int()));
                 return Value();
               }});
}

CallState& call_state(HostCall& c) { return *static_cast<CallState*>(c.user_data); }
uint32_t rep_of(const Value& v) { return static_cast<uint32_t>(v.as_int()); }

std::string_view bytes_of(const Value& v) {
  return v.is_bytes() ? std::string_view(v.as_bytes().data) : std::string_view(v.as_string());
}

using wit::err;
using wit::ok;
Value header_result(const std::optional<HeaderError>& e) { return e ? err(Value(header_error_name(*e))) : ok(); }

core::Status check_budget(const HttpState& hs) {
  if (hs.live() >= kMaxLiveResources)
    return core::invalid(fmt::format("wasi:http: more than {} resources alive in one request", kMaxLiveResources));
  return {};
}

core::Result<uint32_t> lend_fields(HostCall& c, HttpState& hs, std::shared_ptr<FieldMap> map) {
  WIRT_TRY(check_budget(hs));
  uint32_t rep = call_state(c).next_rep++;
  hs.fields[rep] = std::move(map);
  return rep;
}

core::Result<FieldMap*> fields_of(HttpState& hs, const Value& v) {
  auto it = hs.fields.find(rep_of(v));
  if (it == hs.fields.end()) return core::internal("wasi:http: unknown fields resource");
  return it->second.get();
}

// Takes an own<fields> the guest passed (its handle is gone from the guest's table).
core::Result<std::shared_ptr<FieldMap>> take_fields(HttpState& hs, const Value& v) {
  auto it = hs.fields.find(rep_of(v));
  if (it == hs.fields.end()) return core::internal("wasi:http: unknown fields resource");
  auto map = std::move(it->second);
  hs.fields.erase(it);
  return map;
}

// ---- fields ----

void define_fields(component::HostImports& imports) {
  add(imports, "[constructor]fields", [](HostCall& c, HttpState& hs, const core::Array&) -> core::Result<Value> {
    WIRT_TRY_LET(rep, lend_fields(c, hs, std::make_shared<FieldMap>()));
    return Value(int64_t{rep});
  });
  add(imports, "[static]fields.from-list", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    const auto& list = a[0].as_array();
    if (list.size() > FieldMap::kMaxEntries)
      return core::invalid(fmt::format("wasi:http fields: more than {} entries", FieldMap::kMaxEntries));
    FieldMap::Entries entries;
    for (const auto& e : list) entries.emplace_back(e.as_array()[0].as_string(), std::string(bytes_of(e.as_array()[1])));
    WIRT_TRY_LET(made, FieldMap::from_list(entries));
    if (made.second) return err(Value(header_error_name(*made.second)));
    WIRT_TRY_LET(rep, lend_fields(c, hs, std::make_shared<FieldMap>(std::move(made.first))));
    return ok(Value(int64_t{rep}));
  });
  add(imports, "[method]fields.get", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    core::Array out;
    for (auto& v : f->get(a[1].as_string())) out.emplace_back(core::Bytes{std::move(v)});
    return Value(std::move(out));
  });
  add(imports, "[method]fields.has", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    return Value(f->has(a[1].as_string()));
  });
  add(imports, "[method]fields.set", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    std::vector<std::string> values;
    for (const auto& v : a[2].as_array()) values.emplace_back(bytes_of(v));
    WIRT_TRY_LET(e, f->set(a[1].as_string(), values));
    return header_result(e);
  });
  add(imports, "[method]fields.delete", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    return header_result(f->remove(a[1].as_string()));
  });
  add(imports, "[method]fields.append", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    WIRT_TRY_LET(e, f->append(a[1].as_string(), bytes_of(a[2])));
    return header_result(e);
  });
  add(imports, "[method]fields.entries", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    core::Array out;
    for (const auto& [k, v] : f->entries()) out.emplace_back(core::Array{Value(k), Value(core::Bytes{v})});
    return Value(std::move(out));
  });
  add(imports, "[method]fields.clone", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(f, fields_of(hs, a[0]));
    WIRT_TRY_LET(rep, lend_fields(c, hs, std::make_shared<FieldMap>(f->clone())));
    return Value(int64_t{rep});
  });
  add_drop(imports, "fields", [](HttpState& hs, uint32_t rep) { hs.fields.erase(rep); });
}

// ---- incoming-request, incoming-body, future-trailers ----

// The request body as a wasi:io input-stream.
class RequestBodyStream final : public HostInputStream {
 public:
  explicit RequestBodyStream(HttpState& hs) : hs_(hs) {}
  core::Result<StreamRead> read(size_t max) override {
    if (hs_.body_buffer.empty() && !hs_.body_ended) WIRT_TRY(hs_.fill_body());
    StreamRead r;
    if (hs_.body_buffer.empty()) {
      r.closed = true;
      return r;
    }
    size_t n = std::min(max, hs_.body_buffer.size());
    r.data = hs_.body_buffer.substr(0, n);
    hs_.body_buffer.erase(0, n);
    return r;
  }
  bool ready() const override { return !hs_.body_buffer.empty() || hs_.body_ended; }
  core::Status wait() override { return ready() ? core::ok_status() : hs_.fill_body(); }

 private:
  HttpState& hs_;
};

Value method_value(const std::string& m) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 9> kKnown = {{{"GET", "get"},
                                                                                      {"HEAD", "head"},
                                                                                      {"POST", "post"},
                                                                                      {"PUT", "put"},
                                                                                      {"DELETE", "delete"},
                                                                                      {"CONNECT", "connect"},
                                                                                      {"OPTIONS", "options"},
                                                                                      {"TRACE", "trace"},
                                                                                      {"PATCH", "patch"}}};
  for (const auto& [name, wit] : kKnown) {
    if (m == name) return Value(wit);
  }
  Value v = Value::map();
  v.set("other", Value(m));
  return v;
}

core::Status check_request(const HttpState& hs, const Value& self) {
  if (hs.request_rep == 0 || rep_of(self) != hs.request_rep) return core::internal("wasi:http: unknown incoming-request");
  return {};
}

void define_incoming(component::HostImports& imports) {
  add(imports, "[method]incoming-request.method", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_request(hs, a[0]));
    return method_value(hs.exchange.request().method);
  });
  add(imports, "[method]incoming-request.path-with-query",
      [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY(check_request(hs, a[0]));
        return Value(hs.exchange.request().target);
      });
  add(imports, "[method]incoming-request.scheme", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_request(hs, a[0]));
    const std::string& s = hs.exchange.request().scheme;
    if (s == "http") return Value("HTTP");
    if (s == "https") return Value("HTTPS");
    Value v = Value::map();
    v.set("other", Value(s));
    return v;
  });
  add(imports, "[method]incoming-request.authority", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_request(hs, a[0]));
    const std::string& auth = hs.exchange.request().authority;
    return auth.empty() ? Value() : Value(auth);
  });
  // The headers are immutable (types.wit: "The returned headers resource is immutable").
  add(imports, "[method]incoming-request.headers", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_request(hs, a[0]));
    if (!hs.request_headers)
      hs.request_headers = std::make_shared<FieldMap>(FieldMap::trusted(hs.exchange.request().headers, true));
    WIRT_TRY_LET(rep, lend_fields(c, hs, hs.request_headers));
    return Value(int64_t{rep});
  });
  // consume: the body once ("fails on the second call").
  add(imports, "[method]incoming-request.consume", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_request(hs, a[0]));
    if (hs.consumed) return err();
    hs.consumed = true;
    hs.incoming_body_rep = call_state(c).next_rep++;
    return ok(Value(int64_t{hs.incoming_body_rep}));
  });
  add_drop(imports, "incoming-request", [](HttpState& hs, uint32_t rep) {
    if (rep == hs.request_rep) hs.request_rep = 0;
  });

  add(imports, "[method]incoming-body.stream", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    if (hs.incoming_body_rep == 0 || rep_of(a[0]) != hs.incoming_body_rep)
      return core::internal("wasi:http: unknown incoming-body");
    if (hs.body_stream_taken) return err();
    hs.body_stream_taken = true;
    CallState& st = call_state(c);
    uint32_t rep = st.next_rep++;
    st.inputs[rep] = std::make_unique<RequestBodyStream>(hs);
    return ok(Value(int64_t{rep}));
  });
  add(imports, "[static]incoming-body.finish", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    if (hs.incoming_body_rep == 0 || rep_of(a[0]) != hs.incoming_body_rep)
      return core::internal("wasi:http: unknown incoming-body");
    hs.incoming_body_rep = 0;
    WIRT_TRY(check_budget(hs));
    uint32_t rep = call_state(c).next_rep++;
    hs.future_trailers[rep] = false;
    return Value(int64_t{rep});
  });
  add_drop(imports, "incoming-body", [](HttpState& hs, uint32_t rep) {
    if (rep == hs.incoming_body_rep) hs.incoming_body_rep = 0;
  });

  // Trailers come after the body: ready once it has ended; blocking reads (and drops) the rest.
  add(imports, "[method]future-trailers.subscribe", [](HostCall& c, HttpState&, const core::Array&) -> core::Result<Value> {
    CallState& st = call_state(c);
    CallState* s = &st;
    Pollable p;
    p.ready = [s] { return !s->http || s->http->body_ended; };
    p.block = [s]() -> core::Status {
      while (s->http && !s->http->body_ended) {
        s->http->body_buffer.clear();
        WIRT_TRY(s->http->fill_body());
      }
      return {};
    };
    WIRT_TRY_LET(rep, st.add_pollable(std::move(p)));
    return Value(int64_t{rep});
  });
  // get: none until ready; then some(ok(ok(trailers?))) once, some(err) after (types.wit).
  add(imports, "[method]future-trailers.get", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    auto it = hs.future_trailers.find(rep_of(a[0]));
    if (it == hs.future_trailers.end()) return core::internal("wasi:http: unknown future-trailers");
    if (!hs.body_ended) return Value();
    if (it->second) return err();
    it->second = true;
    const http::Fields& t = hs.exchange.request_trailers();
    if (t.empty()) return ok(ok(Value()));
    WIRT_TRY_LET(rep, lend_fields(c, hs, std::make_shared<FieldMap>(FieldMap::trusted(t, true))));
    return ok(ok(Value(int64_t{rep})));
  });
  add_drop(imports, "future-trailers", [](HttpState& hs, uint32_t rep) { hs.future_trailers.erase(rep); });
}

// ---- outgoing-response, outgoing-body, response-outparam ----

class ResponseBodyStream final : public HostOutputStream {
 public:
  ResponseBodyStream(HttpState& hs, std::shared_ptr<ResponseBody> body) : hs_(hs), body_(std::move(body)) {}
  uint64_t check_write() const override {
    bool live = hs_.response && hs_.response->body == body_;
    return live ? kWriteWindow : kMaxBufferedBeforeSet - std::min(kMaxBufferedBeforeSet, body_->pending.size());
  }
  core::Result<bool> write(std::string_view bytes) override {
    if (body_->finished) return false;
    return hs_.write_body(*body_, bytes);
  }

 private:
  HttpState& hs_;
  std::shared_ptr<ResponseBody> body_;
};

core::Result<std::shared_ptr<OutgoingResponse>> response_of(HttpState& hs, const Value& v) {
  auto it = hs.responses.find(rep_of(v));
  if (it == hs.responses.end()) return core::internal("wasi:http: unknown outgoing-response");
  return it->second;
}

core::Result<std::shared_ptr<ResponseBody>> body_of(HttpState& hs, const Value& v) {
  auto it = hs.bodies.find(rep_of(v));
  if (it == hs.bodies.end()) return core::internal("wasi:http: unknown outgoing-body");
  return it->second;
}

// The error-code variant as text for the log and the 500 body: "internal-error: message",
// "HTTP-request-denied", …
std::string error_code_text(const Value& code) {
  if (code.is_string()) return code.as_string();
  if (code.is_map() && code.as_map().size() == 1) {
    const auto& [name, payload] = code.as_map()[0];
    if (payload.is_string()) return name + ": " + payload.as_string();
    return name;
  }
  return "error";
}

void define_outgoing(component::HostImports& imports) {
  add(imports, "[constructor]outgoing-response", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY(check_budget(hs));
    auto resp = std::make_shared<OutgoingResponse>();
    WIRT_TRY_LET(headers, take_fields(hs, a[0]));
    // The response owns the headers from now on: no handle can change them any more (headers()
    // lends immutable views).
    resp->headers = std::move(headers);
    uint32_t rep = call_state(c).next_rep++;
    hs.responses[rep] = std::move(resp);
    return Value(int64_t{rep});
  });
  add(imports, "[method]outgoing-response.status-code",
      [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(resp, response_of(hs, a[0]));
        return Value(int64_t{resp->status});
      });
  // A final response needs a status of 200–999 here: 1xx are interim responses, which the
  // server sends itself (100-continue); wasmtime accepts 100–999 via http::StatusCode.
  add(imports, "[method]outgoing-response.set-status-code",
      [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(resp, response_of(hs, a[0]));
        int64_t s = a[1].as_int();
        if (s < 200 || s > 999) return err();
        resp->status = static_cast<int>(s);
        return ok();
      });
  // types.wit: "The returned headers resource is immutable" (wasmtime lends a mutable view
  // instead). Nothing else can change the response's headers, so an immutable copy is the same.
  add(imports, "[method]outgoing-response.headers", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(resp, response_of(hs, a[0]));
    auto view = std::make_shared<FieldMap>(FieldMap::trusted(resp->headers->entries(), true));
    WIRT_TRY_LET(rep, lend_fields(c, hs, std::move(view)));
    return Value(int64_t{rep});
  });
  add(imports, "[method]outgoing-response.body", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(resp, response_of(hs, a[0]));
    if (resp->body->taken) return err();
    WIRT_TRY(check_budget(hs));
    resp->body->taken = true;
    uint32_t rep = call_state(c).next_rep++;
    hs.bodies[rep] = resp->body;
    return ok(Value(int64_t{rep}));
  });
  add_drop(imports, "outgoing-response", [](HttpState& hs, uint32_t rep) { hs.responses.erase(rep); });

  add(imports, "[method]outgoing-body.write", [](HostCall& c, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(body, body_of(hs, a[0]));
    if (body->stream_taken) return err();
    body->stream_taken = true;
    CallState& st = call_state(c);
    uint32_t rep = st.next_rep++;
    st.outputs[rep] = std::make_unique<ResponseBodyStream>(hs, body);
    return ok(Value(int64_t{rep}));
  });
  add(imports, "[static]outgoing-body.finish", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(body, body_of(hs, a[0]));
    hs.bodies.erase(rep_of(a[0]));
    body->finished = true;
    body->dropped = true;
    if (!a[1].is_nil()) {
      WIRT_TRY_LET(trailers, take_fields(hs, a[1]));
      body->trailers = std::move(trailers);
    }
    WIRT_TRY(hs.finish_body(*body));
    return ok();
  });
  // Dropped without finish: the response is incomplete (types.wit outgoing-body); the bridge
  // reports it when the handler returns.
  add_drop(imports, "outgoing-body", [](HttpState& hs, uint32_t rep) {
    auto it = hs.bodies.find(rep);
    if (it == hs.bodies.end()) return;
    it->second->dropped = true;
    hs.bodies.erase(it);
  });

  add(imports, "[static]response-outparam.set", [](HostCall&, HttpState& hs, const core::Array& a) -> core::Result<Value> {
    if (hs.outparam_rep == 0 || rep_of(a[0]) != hs.outparam_rep)
      return core::internal("wasi:http: unknown response-outparam");
    hs.outparam_rep = 0;
    hs.outparam_set = true;
    const Value& result = a[1];
    if (const Value* e = result.find("err")) {
      hs.error_code = error_code_text(*e);
      return Value();
    }
    const Value* okv = result.find("ok");
    if (!okv) return core::internal("wasi:http: response-outparam.set: malformed result");
    auto it = hs.responses.find(rep_of(*okv));
    if (it == hs.responses.end()) return core::internal("wasi:http: unknown outgoing-response");
    hs.response = std::move(it->second);
    hs.responses.erase(it);
    ResponseBody& body = *hs.response->body;
    if (!body.pending.empty()) {
      std::string pending = std::move(body.pending);
      body.pending.clear();
      WIRT_TRY_LET(open, hs.write_body(body, pending));
      (void)open;
    }
    if (body.finished) WIRT_TRY(hs.finish_body(body));
    return Value();
  });
  add_drop(imports, "response-outparam", [](HttpState& hs, uint32_t rep) {
    if (rep == hs.outparam_rep) hs.outparam_rep = 0;
  });

  // No io-error this host lends carries an HTTP error code.
  add(imports, "http-error-code", [](HostCall&, HttpState&, const core::Array&) -> core::Result<Value> { return Value(); });
}

// Framing and hop-by-hop fields the server owns (RFC 9110 §7.6.1).
bool server_owned(std::string_view name) {
  for (std::string_view n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    if (same_field_name(name, n)) return true;
  }
  return false;
}

}  // namespace

core::Status HttpState::fill_body() {
  if (body_ended) return {};
  auto chunk_result = exchange.read_body(kBodyChunk);
  if (!chunk_result) {
    body_error = chunk_result.error().kind();
    return std::move(chunk_result).error();
  }
  std::string& chunk = *chunk_result;
  if (chunk.empty()) body_ended = true;
  body_buffer += chunk;
  return {};
}

core::Status HttpState::commit() {
  if (committed) return {};
  committed = true;
  WIRT_TRY(exchange.set_status(response->status));
  for (const auto& [k, v] : response->headers->entries()) {
    if (!server_owned(k)) WIRT_TRY(exchange.add_header(k, v));
  }
  return {};
}

core::Result<bool> HttpState::write_body(ResponseBody& body, std::string_view bytes) {
  bool live = response && response->body.get() == &body;
  if (!live) {
    if (body.pending.size() + bytes.size() > kMaxBufferedBeforeSet)
      return core::invalid(fmt::format("wasi:http: more than {} bytes written to a response body before "
                                       "response-outparam.set",
                                       kMaxBufferedBeforeSet));
    body.pending.append(bytes);
    return true;
  }
  WIRT_TRY(commit());
  if (bytes.empty()) return true;
  core::Status s = exchange.write(bytes);
  if (!s) {
    if (s.error().kind() == core::ErrorKind::Unavailable) return false;  // the client went away
    return s.error();
  }
  return true;
}

core::Status HttpState::finish_body(ResponseBody& body) {
  bool live = response && response->body.get() == &body;
  if (!live || exchange.finished()) return {};
  WIRT_TRY(commit());
  http::Fields trailers;
  if (body.trailers) {
    for (const auto& [k, v] : body.trailers->entries()) trailers.emplace_back(k, v);
  }
  return exchange.finish(trailers);
}

void define_http_types(component::HostImports& imports) {
  define_fields(imports);
  define_incoming(imports);
  define_outgoing(imports);
}

}  // namespace wirt::wasi
