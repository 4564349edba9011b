// wasi:http client side: see http_outgoing.h.
#include "wasi/http_outgoing.h"

#include <fmt/format.h>

#include <algorithm>

#include "http_client/permissions.h"
#include "http_client/transfer.h"
#include "wasi/call_state.h"
#include "wasi/try_let.h"
#include "wasi/wit_values.h"

namespace wirt::wasi {

namespace hc = http_client;
using component::HostCall;
using core::Value;

// The client resources lent in one call, by rep (reps come from CallState::next_rep, so they
// never collide with the server side's).
struct ClientBody {
  bool taken = false, stream_taken = false, finished = false;
  std::string buffered;                   // written before handle()
  std::shared_ptr<hc::BodyPipe> pipe;     // after handle(): streamed to the transfer
  std::shared_ptr<FieldMap> trailers;     // given to finish
};

struct ClientRequest {
  std::string method = "GET";
  std::optional<std::string> scheme, authority, path;
  std::shared_ptr<FieldMap> headers;
  std::shared_ptr<ClientBody> body = std::make_shared<ClientBody>();
};

struct ClientOptions {
  std::optional<int64_t> connect, first_byte, between;  // nanoseconds (WIT duration)
};

struct ClientFuture {
  std::shared_ptr<hc::Transfer> transfer;
  std::optional<Value> immediate_error;  // an error-code known before any transfer
  bool taken = false;
};

struct HttpClientState {
  std::map<uint32_t, std::shared_ptr<ClientRequest>> requests;
  std::map<uint32_t, std::shared_ptr<ClientBody>> bodies;
  std::map<uint32_t, ClientOptions> options;
  std::map<uint32_t, ClientFuture> futures;
  std::map<uint32_t, std::shared_ptr<hc::Transfer>> responses;        // incoming-response
  std::map<uint32_t, std::shared_ptr<hc::Transfer>> response_consumed;  // rep → consumed once
  std::map<uint32_t, std::shared_ptr<hc::Transfer>> incoming_bodies;
  std::map<uint32_t, bool> body_stream_taken;
  std::map<uint32_t, std::pair<std::shared_ptr<hc::Transfer>, bool>> trailers;  // bool: taken

  size_t live() const {
    return requests.size() + bodies.size() + options.size() + futures.size() + responses.size() +
           incoming_bodies.size() + trailers.size();
  }
};

namespace {

constexpr const char* kTypes = "wasi:http/types@0.2.8";
constexpr const char* kHandler = "wasi:http/outgoing-handler@0.2.8";
constexpr uint64_t kWriteWindow = 256 << 10;

uint32_t rep_of(const Value& v) { return static_cast<uint32_t>(v.as_int()); }
using wit::err;
using wit::ok;
using wit::variant;

CallState& call_state(HostCall& c) { return *static_cast<CallState*>(c.user_data); }
sched::Deadline deadline_of(const CallState& st) { return sched::deadline_from_ns(st.deadline_ns); }
bool past(const sched::Deadline& d) { return d && std::chrono::steady_clock::now() >= *d; }

HttpClientState& client_of(HttpState& hs) {
  if (!hs.client) hs.client = std::make_shared<HttpClientState>();
  return *hs.client;
}

core::Result<uint32_t> new_rep(HostCall& c, HttpState& hs) {
  if (hs.live() + client_of(hs).live() >= kMaxLiveResources)
    return core::invalid(fmt::format("wasi:http: more than {} resources alive in one call", kMaxLiveResources));
  return call_state(c).next_rep++;
}

core::Result<uint32_t> lend_fields(HostCall& c, HttpState& hs, std::shared_ptr<FieldMap> map) {
  WIRT_TRY_LET(rep, new_rep(c, hs));
  hs.fields[rep] = std::move(map);
  return rep;
}

// The WIT error-code for a failed transfer (types.wit `variant error-code`).
Value error_code(hc::Failure f, const core::Error& e) {
  switch (f) {
    case hc::Failure::Denied:
      if (e.message().starts_with("not allowed: private IP")) return Value("destination-IP-prohibited");
      return Value("HTTP-request-denied");
    case hc::Failure::DnsError: {
      Value payload = Value::map();
      payload.set("rcode", Value(std::string("NXDOMAIN")));
      payload.set("info-code", Value());
      return variant("DNS-error", std::move(payload));
    }
    case hc::Failure::ConnectionRefused: return Value("connection-refused");
    case hc::Failure::ConnectionTimeout: return Value("connection-timeout");
    case hc::Failure::Timeout: return Value("HTTP-response-timeout");
    case hc::Failure::TlsCertificate: return Value("TLS-certificate-error");
    case hc::Failure::TlsProtocol: return Value("TLS-protocol-error");
    case hc::Failure::ResponseTooLarge: return variant("HTTP-response-body-size", Value());
    case hc::Failure::InvalidUrl: return Value("HTTP-request-URI-invalid");
    case hc::Failure::Protocol: return Value("HTTP-protocol-error");
    case hc::Failure::TooManyRedirects: return Value("loop-detected");
    default: return variant("internal-error", Value(e.message()));
  }
}

// A payload-less variant case arrives lifted as {case = true} (canonical_abi.h), or as its
// bare name; `other` carries its text and is not a case name here.
std::optional<std::string> case_name(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_map() && v.as_map().size() == 1 && v.as_map()[0].first != "other") return v.as_map()[0].first;
  return std::nullopt;
}

std::string method_text(const Value& m) {
  if (auto name = case_name(m)) {
    std::string s = *name;
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
  }
  if (const Value* other = m.find("other")) return other->as_string();
  return "GET";
}
Value method_value(const std::string& m) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    if (m == known) {
      std::string lower = m;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return Value(lower);
    }
  }
  return variant("other", Value(m));
}
std::optional<std::string> scheme_text(const Value& v) {
  if (v.is_nil()) return std::nullopt;
  if (auto name = case_name(v)) return *name == "HTTPS" ? "https" : "http";
  if (const Value* other = v.find("other")) return other->as_string();
  return std::nullopt;
}
Value scheme_value(const std::optional<std::string>& s) {
  if (!s) return Value();
  if (*s == "http") return Value("HTTP");
  if (*s == "https") return Value("HTTPS");
  return variant("other", Value(*s));
}
bool valid_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  });
}

using Impl = core::Result<Value> (*)(HostCall&, HttpState&, HttpClientState&, const core::Array&);

HttpState* http_state(HostCall& c) {
  auto* st = static_cast<CallState*>(c.user_data);
  return st ? st->http : nullptr;
}

void add(component::HostImports& imports, const std::string& iface, const char* func, Impl fn) {
  imports.add(iface + "#" + func, {nullptr, [fn, func](HostCall& c, const core::Array& a) -> core::Result<Value> {
                 HttpState* hs = http_state(c);
                 if (!hs) return core::internal(fmt::format("wasi:http {}: no wasi:http state in this call", func));
                 return fn(c, *hs, client_of(*hs), a);
               }});
}

// A function whose name the server side serves too: reps this side lent are served by `fn`
// (which returns nullopt for others), the rest by the server side's implementation.
using SharedImpl = std::optional<core::Result<Value>> (*)(HostCall&, HttpState&, HttpClientState&, const core::Array&);
void add_shared(component::HostImports& imports, const component::HostImports& server, const char* func, SharedImpl fn) {
  const component::HostImplementation* found = server.find(kTypes, func);
  component::HostImplementation fallback = found ? *found : component::HostImplementation{};
  imports.add(std::string(kTypes) + "#" + func,
              {nullptr, [fn, fallback, func](HostCall& c, const core::Array& a) -> core::Result<Value> {
                 HttpState* hs = http_state(c);
                 if (hs && hs->client) {
                   if (auto r = fn(c, *hs, *hs->client, a)) return std::move(*r);
                 }
                 if (fallback.fn_with_call) return fallback.fn_with_call(c, a);
                 if (fallback.fn) return fallback.fn(a);
                 return core::internal(fmt::format("wasi:http {}: unknown resource", func));
               }});
}

// ---- streams ----

class RequestBodyStream final : public HostOutputStream {
 public:
  RequestBodyStream(std::shared_ptr<ClientBody> body, CallState& st) : body_(std::move(body)), st_(st) {}
  uint64_t check_write() const override {
    if (body_->pipe) return kWriteWindow;
    return kMaxRequestBodyBeforeHandle - std::min(kMaxRequestBodyBeforeHandle, body_->buffered.size());
  }
  core::Result<bool> write(std::string_view bytes) override {
    if (body_->finished) return false;
    if (!body_->pipe) {
      if (body_->buffered.size() + bytes.size() > kMaxRequestBodyBeforeHandle)
        return core::invalid(fmt::format("wasi:http: more than {} bytes of request body written before "
                                         "outgoing-handler.handle",
                                         kMaxRequestBodyBeforeHandle));
      body_->buffered.append(bytes);
      return true;
    }
    auto s = body_->pipe->write(bytes, deadline_of(st_));
    if (!s) {
      if (s.error().kind() == core::ErrorKind::Unavailable) return false;  // the request ended
      return s.error();
    }
    return true;
  }

 private:
  std::shared_ptr<ClientBody> body_;
  CallState& st_;
};

class ResponseBodyStream final : public HostInputStream {
 public:
  ResponseBodyStream(std::shared_ptr<hc::Transfer> t, CallState& st) : t_(std::move(t)), st_(st) {}
  core::Result<StreamRead> read(size_t max) override {
    StreamRead r;
    auto piece = t_->read(max, deadline_of(st_));
    if (!piece) return std::move(piece).error();  // traps: a failed body is not a clean end
    if (piece->empty()) r.closed = true;
    r.data = std::move(*piece);
    return r;
  }
  bool ready() const override { return t_->body_ready(); }
  core::Status wait() override { return t_->wait_body(deadline_of(st_)); }

 private:
  std::shared_ptr<hc::Transfer> t_;
  CallState& st_;
};

// ---- outgoing-request, request-options ----

core::Result<std::shared_ptr<ClientRequest>> request_of(HttpClientState& cs, const Value& v) {
  auto it = cs.requests.find(rep_of(v));
  if (it == cs.requests.end()) return core::internal("wasi:http: unknown outgoing-request");
  return it->second;
}

core::Result<ClientOptions*> options_of(HttpClientState& cs, const Value& v) {
  auto it = cs.options.find(rep_of(v));
  if (it == cs.options.end()) return core::internal("wasi:http: unknown request-options");
  return &it->second;
}

void define_request(component::HostImports& imports) {
  add(imports, kTypes, "[constructor]outgoing-request",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        auto it = hs.fields.find(rep_of(a[0]));
        if (it == hs.fields.end()) return core::internal("wasi:http: unknown fields resource");
        auto req = std::make_shared<ClientRequest>();
        req->headers = std::move(it->second);  // own<headers>: the request owns them now
        hs.fields.erase(it);
        WIRT_TRY_LET(rep, new_rep(c, hs));
        cs.requests[rep] = std::move(req);
        return Value(int64_t{rep});
      });
  add(imports, kTypes, "[method]outgoing-request.body",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        if (req->body->taken) return err();
        WIRT_TRY_LET(rep, new_rep(c, hs));
        req->body->taken = true;
        cs.bodies[rep] = req->body;
        return ok(Value(int64_t{rep}));
      });
  add(imports, kTypes, "[method]outgoing-request.method",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        return method_value(req->method);
      });
  add(imports, kTypes, "[method]outgoing-request.set-method",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        std::string m = method_text(a[1]);
        if (!valid_token(m)) return err();
        req->method = std::move(m);
        return ok();
      });
  add(imports, kTypes, "[method]outgoing-request.path-with-query",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        return req->path ? Value(*req->path) : Value();
      });
  add(imports, kTypes, "[method]outgoing-request.set-path-with-query",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        if (a[1].is_nil()) {
          req->path.reset();
          return ok();
        }
        const std::string& p = a[1].as_string();
        if (p.find_first_of(" \r\n\t#") != std::string::npos || (!p.empty() && p[0] != '/')) return err();
        req->path = p;
        return ok();
      });
  add(imports, kTypes, "[method]outgoing-request.scheme",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        return scheme_value(req->scheme);
      });
  add(imports, kTypes, "[method]outgoing-request.set-scheme",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        auto s = scheme_text(a[1]);
        if (s && *s != "http" && *s != "https") return err();  // only HTTP(S) is served
        req->scheme = s;
        return ok();
      });
  add(imports, kTypes, "[method]outgoing-request.authority",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        return req->authority ? Value(*req->authority) : Value();
      });
  add(imports, kTypes, "[method]outgoing-request.set-authority",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        if (a[1].is_nil()) {
          req->authority.reset();
          return ok();
        }
        const std::string& auth = a[1].as_string();
        if (auth.empty() || auth.find_first_of("/?#@ \r\n\t") != std::string::npos) return err();
        req->authority = auth;
        return ok();
      });
  // types.wit 0.2: "The returned headers resource is immutable".
  add(imports, kTypes, "[method]outgoing-request.headers",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        WIRT_TRY_LET(req, request_of(cs, a[0]));
        auto view = std::make_shared<FieldMap>(FieldMap::trusted(req->headers->entries(), true));
        WIRT_TRY_LET(rep, lend_fields(c, hs, std::move(view)));
        return Value(int64_t{rep});
      });
  add(imports, kTypes, "[resource-drop]outgoing-request",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        cs.requests.erase(rep_of(a[0]));
        return Value();
      });

  add(imports, kTypes, "[constructor]request-options",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array&) -> core::Result<Value> {
        WIRT_TRY_LET(rep, new_rep(c, hs));
        cs.options[rep] = ClientOptions{};
        return Value(int64_t{rep});
      });
  struct Field {
    const char* get;
    const char* set;
    std::optional<int64_t> ClientOptions::*member;
  };
  static const Field kFields[] = {
      {"[method]request-options.connect-timeout", "[method]request-options.set-connect-timeout", &ClientOptions::connect},
      {"[method]request-options.first-byte-timeout", "[method]request-options.set-first-byte-timeout",
       &ClientOptions::first_byte},
      {"[method]request-options.between-bytes-timeout", "[method]request-options.set-between-bytes-timeout",
       &ClientOptions::between},
  };
  for (const Field& f : kFields) {
    auto member = f.member;
    imports.add(std::string(kTypes) + "#" + f.get,
                {nullptr, [member](HostCall& c, const core::Array& a) -> core::Result<Value> {
                   HttpState* hs = http_state(c);
                   if (!hs) return core::internal("wasi:http: no state");
                   WIRT_TRY_LET(o, options_of(client_of(*hs), a[0]));
                   return (o->*member) ? Value(*(o->*member)) : Value();
                 }});
    imports.add(std::string(kTypes) + "#" + f.set,
                {nullptr, [member](HostCall& c, const core::Array& a) -> core::Result<Value> {
                   HttpState* hs = http_state(c);
                   if (!hs) return core::internal("wasi:http: no state");
                   WIRT_TRY_LET(o, options_of(client_of(*hs), a[0]));
                   if (a[1].is_nil()) (o->*member).reset();
                   else (o->*member) = a[1].as_int();
                   return ok();
                 }});
  }
  add(imports, kTypes, "[resource-drop]request-options",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        cs.options.erase(rep_of(a[0]));
        return Value();
      });
}

// ---- outgoing-handler.handle ----

core::Result<Value> handle(HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) {
  CallState& st = call_state(c);
  auto it = cs.requests.find(rep_of(a[0]));
  if (it == cs.requests.end()) return core::internal("wasi:http: unknown outgoing-request");
  std::shared_ptr<ClientRequest> req = std::move(it->second);
  cs.requests.erase(it);
  ClientOptions opts;
  if (!a[1].is_nil()) {
    auto o = cs.options.find(rep_of(a[1]));
    if (o == cs.options.end()) return core::internal("wasi:http: unknown request-options");
    opts = o->second;
    cs.options.erase(o);
  }
  if (!req->authority) return err(Value("HTTP-request-URI-invalid"));
  std::string scheme = req->scheme.value_or("https");
  std::string url = scheme + "://" + *req->authority + req->path.value_or("/");

  hc::Request r;
  r.method = req->method;
  r.url = url;
  r.options.max_redirects = 0;  // the guest sees redirects (wasi:http does not follow them)
  if (opts.connect) r.options.connect_timeout = core::Nanos(*opts.connect);
  if (opts.first_byte) r.options.first_byte_timeout = core::Nanos(*opts.first_byte);
  if (opts.between) r.options.between_bytes_timeout = core::Nanos(*opts.between);
  std::optional<uint64_t> content_length;
  for (const auto& [k, v] : req->headers->entries()) {
    if (same_field_name(k, "content-length")) {  // curl frames the body itself
      try {
        content_length = std::stoull(v);
      } catch (...) {
        return err(Value("HTTP-request-length-required"));
      }
      continue;
    }
    r.headers.emplace_back(k, v);
  }
  if (st.policies && st.ctx) {
    if (!hc::check_request(*st.policies, *st.ctx, url)) return err(Value("HTTP-request-denied"));
    hc::install_policy_hooks(r, *st.policies, *st.ctx);
  }
  ClientBody& body = *req->body;
  if (!body.taken || body.finished) {
    if (!body.buffered.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH")
      r.body = std::move(body.buffered);
    body.buffered.clear();
  } else {
    body.pipe = std::make_shared<hc::BodyPipe>(std::max<size_t>(256 << 10, body.buffered.size()));
    if (!body.buffered.empty()) WIRT_TRY(body.pipe->write(body.buffered, deadline_of(st)));
    body.buffered.clear();
    r.body_pipe = body.pipe;
    r.body_length = content_length;
    std::shared_ptr<ClientBody> keep = req->body;
    r.trailers = [keep]() {
      hc::Headers out;
      if (keep->trailers)
        for (const auto& [k, v] : keep->trailers->entries()) out.emplace_back(k, v);
      return out;
    };
  }
  ClientFuture future;
  auto started = hc::Transfer::start(std::move(r));
  if (!started) {
    future.immediate_error = started.error().kind() == core::ErrorKind::Invalid ? Value("HTTP-request-URI-invalid")
                                                                                 : variant("internal-error", Value(started.error().message()));
  } else {
    future.transfer = std::move(*started);
  }
  WIRT_TRY_LET(rep, new_rep(c, hs));
  cs.futures[rep] = std::move(future);
  return ok(Value(int64_t{rep}));
}

// ---- future-incoming-response, incoming-response ----

// Waits for the head; a wait cut by the call's deadline traps (Timeout), any other failure is
// the future's error-code.
core::Status wait_head(CallState& st, hc::Transfer& t) {
  sched::Deadline d = deadline_of(st);
  auto s = t.wait_response(d);
  if (!s && s.error().kind() == core::ErrorKind::Timeout && past(d)) return s;
  return {};
}

void define_responses(component::HostImports& imports) {
  add(imports, kTypes, "[method]future-incoming-response.subscribe",
      [](HostCall& c, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        auto it = cs.futures.find(rep_of(a[0]));
        if (it == cs.futures.end()) return core::internal("wasi:http: unknown future-incoming-response");
        CallState& st = call_state(c);
        std::shared_ptr<hc::Transfer> t = it->second.transfer;
        Pollable p;
        CallState* s = &st;
        p.ready = [t] { return !t || t->response_ready(); };
        p.block = [t, s]() -> core::Status { return t ? wait_head(*s, *t) : core::ok_status(); };
        WIRT_TRY_LET(rep, st.add_pollable(std::move(p)));
        return Value(int64_t{rep});
      });
  // get: none until ready; some(ok(ok(response) | err(code))) once; some(err) after.
  add(imports, kTypes, "[method]future-incoming-response.get",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        auto it = cs.futures.find(rep_of(a[0]));
        if (it == cs.futures.end()) return core::internal("wasi:http: unknown future-incoming-response");
        ClientFuture& f = it->second;
        if (f.taken) return err();
        if (f.immediate_error) {
          f.taken = true;
          return ok(err(*f.immediate_error));
        }
        hc::Transfer& t = *f.transfer;
        if (!t.response_ready()) return Value();
        f.taken = true;
        auto s = t.wait_response(deadline_of(call_state(c)));  // ready: does not suspend
        if (!s) return ok(err(error_code(t.failure(), s.error())));
        WIRT_TRY_LET(rep, new_rep(c, hs));
        cs.responses[rep] = f.transfer;
        return ok(ok(Value(int64_t{rep})));
      });
  add(imports, kTypes, "[resource-drop]future-incoming-response",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        cs.futures.erase(rep_of(a[0]));
        return Value();
      });

  add(imports, kTypes, "[method]incoming-response.status",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        auto it = cs.responses.find(rep_of(a[0]));
        if (it == cs.responses.end()) return core::internal("wasi:http: unknown incoming-response");
        return Value(int64_t{it->second->status()});
      });
  add(imports, kTypes, "[method]incoming-response.headers",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        auto it = cs.responses.find(rep_of(a[0]));
        if (it == cs.responses.end()) return core::internal("wasi:http: unknown incoming-response");
        auto map = std::make_shared<FieldMap>(FieldMap::trusted(it->second->headers(), true));
        WIRT_TRY_LET(rep, lend_fields(c, hs, std::move(map)));
        return Value(int64_t{rep});
      });
  add(imports, kTypes, "[method]incoming-response.consume",
      [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        uint32_t self = rep_of(a[0]);
        auto it = cs.responses.find(self);
        if (it == cs.responses.end()) return core::internal("wasi:http: unknown incoming-response");
        if (cs.response_consumed.count(self)) return err();
        cs.response_consumed[self] = it->second;
        WIRT_TRY_LET(rep, new_rep(c, hs));
        cs.incoming_bodies[rep] = it->second;
        return ok(Value(int64_t{rep}));
      });
  add(imports, kTypes, "[resource-drop]incoming-response",
      [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> core::Result<Value> {
        cs.responses.erase(rep_of(a[0]));
        cs.response_consumed.erase(rep_of(a[0]));
        return Value();
      });
}

// ---- the names shared with the server side ----

void define_shared(component::HostImports& imports, const component::HostImports& server) {
  add_shared(imports, server, "[method]incoming-body.stream",
             [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               uint32_t self = rep_of(a[0]);
               auto it = cs.incoming_bodies.find(self);
               if (it == cs.incoming_bodies.end()) return std::nullopt;
               if (cs.body_stream_taken[self]) return core::Result<Value>(err());
               cs.body_stream_taken[self] = true;
               auto rep = new_rep(c, hs);
               if (!rep) return core::Result<Value>(rep.error());
               CallState& st = call_state(c);
               st.inputs[*rep] = std::make_unique<ResponseBodyStream>(it->second, st);
               return core::Result<Value>(ok(Value(int64_t{*rep})));
             });
  add_shared(imports, server, "[static]incoming-body.finish",
             [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.incoming_bodies.find(rep_of(a[0]));
               if (it == cs.incoming_bodies.end()) return std::nullopt;
               auto t = std::move(it->second);
               cs.incoming_bodies.erase(it);
               cs.body_stream_taken.erase(rep_of(a[0]));
               auto rep = new_rep(c, hs);
               if (!rep) return core::Result<Value>(rep.error());
               cs.trailers[*rep] = {std::move(t), false};
               return core::Result<Value>(Value(int64_t{*rep}));
             });
  add_shared(imports, server, "[resource-drop]incoming-body",
             [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               if (!cs.incoming_bodies.erase(rep_of(a[0]))) return std::nullopt;
               cs.body_stream_taken.erase(rep_of(a[0]));
               return core::Result<Value>(Value());
             });
  // Trailers follow the body: ready once the transfer ended; blocking reads the rest of the body.
  add_shared(imports, server, "[method]future-trailers.subscribe",
             [](HostCall& c, HttpState&, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.trailers.find(rep_of(a[0]));
               if (it == cs.trailers.end()) return std::nullopt;
               std::shared_ptr<hc::Transfer> t = it->second.first;
               CallState& st = call_state(c);
               CallState* s = &st;
               Pollable p;
               p.ready = [t] { return t->finished(); };
               p.block = [t, s]() -> core::Status {
                 while (!t->finished()) {
                   auto piece = t->read(1 << 20, deadline_of(*s));
                   if (!piece) {
                     if (piece.error().kind() == core::ErrorKind::Timeout && past(deadline_of(*s))) return piece.error();
                     break;
                   }
                 }
                 return {};
               };
               auto rep = st.add_pollable(std::move(p));
               if (!rep) return core::Result<Value>(rep.error());
               return core::Result<Value>(Value(int64_t{*rep}));
             });
  add_shared(imports, server, "[method]future-trailers.get",
             [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.trailers.find(rep_of(a[0]));
               if (it == cs.trailers.end()) return std::nullopt;
               auto& [t, taken] = it->second;
               if (!t->finished()) return core::Result<Value>(Value());
               if (taken) return core::Result<Value>(err());
               taken = true;
               if (t->failure() != hc::Failure::None) {
                 core::Error e = core::unavailable("the response body failed");
                 return core::Result<Value>(ok(err(error_code(t->failure(), e))));
               }
               if (t->trailers().empty()) return core::Result<Value>(ok(ok(Value())));
               auto rep = lend_fields(c, hs, std::make_shared<FieldMap>(FieldMap::trusted(t->trailers(), true)));
               if (!rep) return core::Result<Value>(rep.error());
               return core::Result<Value>(ok(ok(Value(int64_t{*rep}))));
             });
  add_shared(imports, server, "[resource-drop]future-trailers",
             [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               if (!cs.trailers.erase(rep_of(a[0]))) return std::nullopt;
               return core::Result<Value>(Value());
             });

  add_shared(imports, server, "[method]outgoing-body.write",
             [](HostCall& c, HttpState& hs, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.bodies.find(rep_of(a[0]));
               if (it == cs.bodies.end()) return std::nullopt;
               if (it->second->stream_taken) return core::Result<Value>(err());
               it->second->stream_taken = true;
               auto rep = new_rep(c, hs);
               if (!rep) return core::Result<Value>(rep.error());
               CallState& st = call_state(c);
               st.outputs[*rep] = std::make_unique<RequestBodyStream>(it->second, st);
               return core::Result<Value>(ok(Value(int64_t{*rep})));
             });
  add_shared(imports, server, "[static]outgoing-body.finish",
             [](HostCall&, HttpState& hs, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.bodies.find(rep_of(a[0]));
               if (it == cs.bodies.end()) return std::nullopt;
               std::shared_ptr<ClientBody> body = std::move(it->second);
               cs.bodies.erase(it);
               if (!a[1].is_nil()) {
                 auto f = hs.fields.find(rep_of(a[1]));
                 if (f == hs.fields.end()) return core::Result<Value>(core::internal("wasi:http: unknown fields resource"));
                 body->trailers = std::move(f->second);
                 hs.fields.erase(f);
               }
               body->finished = true;
               if (body->pipe) body->pipe->finish();
               return core::Result<Value>(ok());
             });
  // Dropped without finish: the request body is cut short (types.wit): the transfer fails.
  add_shared(imports, server, "[resource-drop]outgoing-body",
             [](HostCall&, HttpState&, HttpClientState& cs, const core::Array& a) -> std::optional<core::Result<Value>> {
               auto it = cs.bodies.find(rep_of(a[0]));
               if (it == cs.bodies.end()) return std::nullopt;
               if (!it->second->finished && it->second->pipe) it->second->pipe->finish();
               it->second->finished = true;
               cs.bodies.erase(it);
               return core::Result<Value>(Value());
             });
}

}  // namespace

void define_http_client(component::HostImports& imports) {
  component::HostImports server;
  define_http_types(server);
  define_request(imports);
  define_responses(imports);
  define_shared(imports, server);
  add(imports, kHandler, "handle", handle);
}

// ---- ClientOnlyHttp ----

class ClientOnlyHttp::NoRequest final : public http::Exchange {
 public:
  const http::RequestHead& request() const override { return head_; }
  core::Result<std::string> read_body(size_t) override { return std::string(); }
  const http::Fields& request_trailers() const override { return none_; }
  core::Status set_status(int) override { return refuse(); }
  core::Status add_header(std::string, std::string) override { return refuse(); }
  core::Status set_header(std::string, std::string) override { return refuse(); }
  bool head_sent() const override { return false; }
  core::Status write(std::string_view) override { return refuse(); }
  core::Status finish(const http::Fields&) override { return refuse(); }
  bool finished() const override { return false; }

 private:
  static core::Status refuse() { return core::invalid("wasi:http: no HTTP request is being served in this call"); }
  http::RequestHead head_;
  http::Fields none_;
};

ClientOnlyHttp::ClientOnlyHttp(CallState& scope)
    : scope_(scope), exchange_(std::make_unique<NoRequest>()), state_(std::make_unique<HttpState>(*exchange_)) {
  scope_.http = state_.get();
}

ClientOnlyHttp::~ClientOnlyHttp() { scope_.http = nullptr; }

}  // namespace wirt::wasi
