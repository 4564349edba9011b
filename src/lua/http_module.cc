// The `http` module (reference runtime/lua/modules/http/spec.md): http.request() and
// http.response() for the function an http.endpoint calls, plus METHOD/STATUS/CONTENT/TRANSFER/
// ERROR constants.
//
// The objects work on the request of the call that created them: the Exchange in the call's
// context (sched::CallContext::exchange), which only the endpoint's own function has. An
// object kept past its call (say in a global) fails with "request context is no longer
// active" instead of touching a finished request.
//
// Responses: write/write_json gather the body and it is sent with Content-Length when the
// function returns; flush(), set_transfer("chunked"|"sse") and write_event send at once
// (chunked transfer), so streamed data and server-sent events reach the client as written.
#include <algorithm>

#include <fmt/format.h>

#include "core/json.h"
#include "http/exchange.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "sched/call_context.h"

namespace wirt::lua {

namespace {

constexpr const char* kRequestClass = "wirt.http.request";
constexpr const char* kResponseClass = "wirt.http.response";
constexpr const char* kBodyReaderClass = "wirt.http.body_reader";
// The reference's default max_body for request reads (120 MiB); the service's limit applies too.
constexpr uint64_t kDefaultMaxBody = 125829120;

http::Exchange* current_exchange(lua_State* L) {
  const auto* ctx = static_cast<const sched::CallContext*>(state_env(L)->call);
  return ctx ? ctx->exchange : nullptr;
}

struct Request {
  http::Exchange* ex = nullptr;
  uint64_t max_body = kDefaultMaxBody;
  bool body_read = false;
  std::string body;  // kept once read: body() and body_json() may both be called
};

struct Response {
  http::Exchange* ex = nullptr;
  enum Mode { Buffered, Chunked, Sse } mode = Buffered;
};

struct BodyReader {
  http::Exchange* ex = nullptr;
  uint64_t max_body = kDefaultMaxBody;
  uint64_t read = 0;
};

// The exchange an object belongs to, when it is still the current call's; raises otherwise
// (a programming error, as using a closed file).
template <typename T>
http::Exchange* live(lua_State* L, T* obj) {
  http::Exchange* ex = current_exchange(L);
  if (!ex || ex != obj->ex) raise_error(L, core::internal("http: request context is no longer active"));
  return obj->ex;
}

Request* check_request(lua_State* L) { return check_udata<Request>(L, 1, kRequestClass); }
Response* check_response(lua_State* L) { return check_udata<Response>(L, 1, kResponseClass); }

void push_string(lua_State* L, std::string_view s) { lua_pushlstring(L, s.data(), s.size()); }

int push_status(lua_State* L, const core::Status& st) {
  if (st) return 0;
  push_error(L, st.error());
  return 1;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding of a query component ('+' is a space).
std::string query_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < q.size()) {
    size_t j = q.find('&', i);
    if (j == std::string_view::npos) j = q.size();
    std::string_view part = q.substr(i, j - i);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out.emplace_back(query_unescape(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : query_unescape(part.substr(eq + 1)));
    }
    i = j + 1;
  }
  return out;
}

// Every value of a header, joined with ", " (RFC 9110 §5.3); nullopt when absent.
std::optional<std::string> header_value(const http::RequestHead& head, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : head.headers) {
    if (!http::find_field({{k, v}}, name)) continue;
    if (out) *out += ", " + v;
    else out = v;
  }
  return out;
}

// Reads the whole body (at most max_body bytes) into req->body, once.
core::Status read_all(Request* req) {
  if (req->body_read) return {};
  for (;;) {
    auto piece = req->ex->read_body(64 * 1024);
    if (!piece) return core::Error(piece.error()).wrap("read failed");
    if (piece->empty()) break;
    if (req->body.size() + piece->size() > req->max_body) {
      return core::invalid(fmt::format("body too large (max_body {} bytes)", req->max_body));
    }
    req->body += *piece;
  }
  req->body_read = true;
  return {};
}

int req_method(lua_State* L) {
  push_string(L, live(L, check_request(L))->request().method);
  return 1;
}
int req_path(lua_State* L) {
  push_string(L, live(L, check_request(L))->request().path);
  return 1;
}
int req_query(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  std::string key = luaL_checkstring(L, 2);
  for (const auto& [k, v] : parse_query(ex->request().query)) {
    if (k == key) {
      push_string(L, v);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}
int req_query_params(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  std::vector<std::pair<std::string, std::string>> joined;  // repeated keys joined with ","
  for (auto& [k, v] : parse_query(ex->request().query)) {
    auto it = std::find_if(joined.begin(), joined.end(), [&](const auto& p) { return p.first == k; });
    if (it == joined.end()) joined.emplace_back(k, v);
    else it->second += "," + v;
  }
  lua_createtable(L, 0, static_cast<int>(joined.size()));
  for (const auto& [k, v] : joined) {
    push_string(L, v);
    lua_setfield(L, -2, k.c_str());
  }
  return 1;
}
int req_header(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  auto v = header_value(ex->request(), luaL_checkstring(L, 2));
  if (v) push_string(L, *v);
  else lua_pushnil(L);
  return 1;
}
int req_headers(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  lua_newtable(L);
  for (const auto& [k, v] : ex->request().headers) {
    if (lua_getfield(L, -1, k.c_str()) == LUA_TSTRING) {
      std::string joined = std::string(lua_tostring(L, -1)) + ", " + v;
      lua_pop(L, 1);
      push_string(L, joined);
    } else {
      lua_pop(L, 1);
      push_string(L, v);
    }
    lua_setfield(L, -2, k.c_str());
  }
  return 1;
}
int req_content_type(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  auto v = header_value(ex->request(), "content-type");
  if (v) push_string(L, *v);
  else lua_pushnil(L);
  return 1;
}
int req_content_length(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  const auto& cl = ex->request().content_length;
  lua_pushinteger(L, cl ? static_cast<lua_Integer>(*cl) : -1);  // -1: unknown (chunked), as Go's
  return 1;
}
int req_host(lua_State* L) {
  push_string(L, live(L, check_request(L))->request().authority);
  return 1;
}
int req_remote_addr(lua_State* L) {
  push_string(L, live(L, check_request(L))->request().remote_addr);
  return 1;
}
int req_has_body(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  const auto& cl = ex->request().content_length;
  lua_pushboolean(L, !cl || *cl > 0);
  return 1;
}
int req_body(lua_State* L) {
  Request* req = check_request(L);
  live(L, req);
  if (auto st = read_all(req); !st) return push_nil_error(L, st.error());
  push_string(L, req->body);
  return 1;
}
int req_body_json(lua_State* L) {
  Request* req = check_request(L);
  live(L, req);
  if (auto st = read_all(req); !st) return push_nil_error(L, st.error());
  if (req->body.empty()) return push_nil_error(L, core::invalid("no body"));
  auto v = core::from_json(req->body);
  if (!v) return push_nil_error(L, core::invalid("invalid JSON: " + v.error().message()));
  push_value(L, *v);
  return 1;
}
int req_accepts(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  std::string want = luaL_checkstring(L, 2);
  auto accept = header_value(ex->request(), "accept");
  lua_pushboolean(L, accept && (accept->find(want) != std::string::npos || accept->find("*/*") != std::string::npos));
  return 1;
}
int req_is_content_type(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  std::string want = luaL_checkstring(L, 2);
  auto ct = header_value(ex->request(), "content-type");
  lua_pushboolean(L, ct && ct->rfind(want, 0) == 0);
  return 1;
}
int req_param(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  std::string name = luaL_checkstring(L, 2);
  for (const auto& [k, v] : ex->request().params) {
    if (k == name) {
      push_string(L, v);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}
int req_params(lua_State* L) {
  http::Exchange* ex = live(L, check_request(L));
  lua_newtable(L);
  for (const auto& [k, v] : ex->request().params) {
    push_string(L, v);
    lua_setfield(L, -2, k.c_str());
  }
  return 1;
}
// stream(): the body piece by piece — reader:read(n?) → string, or nil at the end.
int req_stream(lua_State* L) {
  Request* req = check_request(L);
  live(L, req);
  if (req->body_read) return push_nil_error(L, core::invalid("body already read"));
  auto* r = new_udata<BodyReader>(L, kBodyReaderClass);
  r->ex = req->ex;
  r->max_body = req->max_body;
  return 1;
}
int reader_read(lua_State* L) {
  auto* r = check_udata<BodyReader>(L, 1, kBodyReaderClass);
  live(L, r);
  lua_Integer n = luaL_optinteger(L, 2, 64 * 1024);
  if (n <= 0) return luaL_argerror(L, 2, "must be positive");
  auto piece = r->ex->read_body(static_cast<size_t>(n));
  if (!piece) return push_nil_error(L, core::Error(piece.error()).wrap("read failed"));
  r->read += piece->size();
  if (r->read > r->max_body) return push_nil_error(L, core::invalid(fmt::format("body too large (max_body {} bytes)", r->max_body)));
  if (piece->empty()) {
    lua_pushnil(L);
    return 1;
  }
  push_string(L, *piece);
  return 1;
}
int reader_close(lua_State*) { return 0; }

int resp_set_status(lua_State* L) {
  http::Exchange* ex = live(L, check_response(L));
  return push_status(L, ex->set_status(static_cast<int>(luaL_checkinteger(L, 2))));
}
int resp_set_header(lua_State* L) {
  http::Exchange* ex = live(L, check_response(L));
  return push_status(L, ex->set_header(luaL_checkstring(L, 2), luaL_checkstring(L, 3)));
}
int resp_set_content_type(lua_State* L) {
  http::Exchange* ex = live(L, check_response(L));
  return push_status(L, ex->set_header("Content-Type", luaL_checkstring(L, 2)));
}
core::Status send(Response* res, std::string_view bytes) {
  if (res->mode == Response::Buffered) return res->ex->buffer(bytes);
  return res->ex->write(bytes);
}
int resp_write(lua_State* L) {
  Response* res = check_response(L);
  live(L, res);
  size_t len;
  const char* s = luaL_tolstring(L, 2, &len);  // numbers are written as text, as the reference
  auto st = send(res, std::string_view(s, len));
  if (!st) return push_status(L, core::Error(st.error()).wrap("write failed"));
  return 0;
}
int resp_write_json(lua_State* L) {
  Response* res = check_response(L);
  http::Exchange* ex = live(L, res);
  auto v = to_value(L, 2, "value");
  if (!v) return push_status(L, core::invalid("JSON encoding failed: " + v.error().message()));
  if (!ex->head_sent()) {
    const http::Fields* h = ex->response_headers();
    if (!h || !http::find_field(*h, "content-type")) (void)ex->set_header("Content-Type", "application/json");
  }
  auto st = send(res, core::to_json(*v));
  if (!st) return push_status(L, core::Error(st.error()).wrap("write failed"));
  return 0;
}
int resp_flush(lua_State* L) {
  Response* res = check_response(L);
  http::Exchange* ex = live(L, res);
  res->mode = res->mode == Response::Buffered ? Response::Chunked : res->mode;
  return push_status(L, ex->write(""));  // sends the head and whatever was gathered
}
core::Status start_sse(http::Exchange* ex, Response* res) {
  if (ex->head_sent()) return core::invalid("SSE mode after headers sent");
  // text/event-stream (HTML Living Standard §9.2); no caching of a live stream.
  WIRT_TRY(ex->set_header("Content-Type", "text/event-stream"));
  WIRT_TRY(ex->set_header("Cache-Control", "no-cache"));
  res->mode = Response::Sse;
  return {};
}
int resp_set_transfer(lua_State* L) {
  Response* res = check_response(L);
  http::Exchange* ex = live(L, res);
  std::string mode = luaL_checkstring(L, 2);
  if (ex->head_sent()) return push_status(L, core::invalid("headers already sent"));
  if (mode == "chunked") res->mode = Response::Chunked;
  else if (mode == "sse") return push_status(L, start_sse(ex, res));
  else return push_status(L, core::invalid("unknown transfer mode: " + mode + " (chunked or sse)"));
  return 0;
}
int resp_write_event(lua_State* L) {
  Response* res = check_response(L);
  http::Exchange* ex = live(L, res);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (res->mode != Response::Sse) {
    if (auto st = start_sse(ex, res); !st) return push_status(L, st.error());
  }
  lua_getfield(L, 2, "name");
  std::string name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (name.empty()) return push_status(L, core::invalid("missing event name"));
  lua_getfield(L, 2, "data");
  if (lua_isnil(L, -1)) return push_status(L, core::invalid("missing event data"));
  std::string data;
  if (lua_type(L, -1) == LUA_TSTRING) {
    data = lua_tostring(L, -1);  // text goes as is; other values as JSON (README "HTTP")
  } else {
    auto v = to_value(L, -1, "data");
    if (!v) return push_status(L, core::invalid("JSON encoding failed: " + v.error().message()));
    data = core::to_json(*v);
  }
  lua_pop(L, 1);
  // One `data:` line per line of the payload (event-stream format, HTML §9.2.5).
  std::string frame = "event: " + name + "\n";
  for (size_t i = 0;;) {
    size_t j = data.find('\n', i);
    frame += "data: " + data.substr(i, j == std::string::npos ? std::string::npos : j - i) + "\n";
    if (j == std::string::npos) break;
    i = j + 1;
  }
  frame += "\n";
  auto st = ex->write(frame);
  if (!st) return push_status(L, core::Error(st.error()).wrap("write failed"));
  return 0;
}

int http_request(lua_State* L) {
  http::Exchange* ex = current_exchange(L);
  if (!state_env(L)->call) return push_nil_error(L, core::internal("no context available"));
  if (!ex) return push_nil_error(L, core::internal("no HTTP request context"));
  uint64_t max_body = kDefaultMaxBody;
  if (lua_istable(L, 1)) {
    lua_getfield(L, 1, "max_body");
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) max_body = static_cast<uint64_t>(lua_tointeger(L, -1));
    lua_pop(L, 1);
  }
  auto* req = new_udata<Request>(L, kRequestClass);
  req->ex = ex;
  req->max_body = max_body;
  return 1;
}

int http_response(lua_State* L) {
  http::Exchange* ex = current_exchange(L);
  if (!state_env(L)->call) return push_nil_error(L, core::internal("no context available"));
  if (!ex) return push_nil_error(L, core::internal("no HTTP request context"));
  auto* res = new_udata<Response>(L, kResponseClass);
  res->ex = ex;
  return 1;
}

void set_strings(lua_State* L, const char* table, std::initializer_list<std::pair<const char*, const char*>> kv) {
  lua_createtable(L, 0, static_cast<int>(kv.size()));
  for (const auto& [k, v] : kv) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
  }
  lua_setfield(L, -2, table);
}

}  // namespace

int open_http(lua_State* L) {
  static const luaL_Reg request_methods[] = {
      {"method", req_method}, {"path", req_path}, {"query", req_query}, {"query_params", req_query_params},
      {"header", req_header}, {"headers", req_headers}, {"content_type", req_content_type},
      {"content_length", req_content_length}, {"host", req_host}, {"remote_addr", req_remote_addr},
      {"body", req_body}, {"body_json", req_body_json}, {"has_body", req_has_body}, {"accepts", req_accepts},
      {"is_content_type", req_is_content_type}, {"param", req_param}, {"params", req_params},
      {"stream", req_stream}, {nullptr, nullptr}};
  static const luaL_Reg response_methods[] = {
      {"set_status", resp_set_status}, {"set_header", resp_set_header},
      {"set_content_type", resp_set_content_type}, {"write", resp_write}, {"write_json", resp_write_json},
      {"flush", resp_flush}, {"set_transfer", resp_set_transfer}, {"write_event", resp_write_event},
      {nullptr, nullptr}};
  static const luaL_Reg reader_methods[] = {{"read", reader_read}, {"close", reader_close}, {nullptr, nullptr}};
  define_class(L, kRequestClass, request_methods, destroy_udata<Request>);
  define_class(L, kResponseClass, response_methods, destroy_udata<Response>);
  define_class(L, kBodyReaderClass, reader_methods, destroy_udata<BodyReader>);

  static const luaL_Reg funcs[] = {{"request", http_request}, {"response", http_response}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  set_strings(L, "METHOD", {{"GET", "GET"}, {"POST", "POST"}, {"PUT", "PUT"}, {"DELETE", "DELETE"},
                            {"PATCH", "PATCH"}, {"HEAD", "HEAD"}, {"OPTIONS", "OPTIONS"}});
  static const std::pair<const char*, int> kStatus[] = {
      {"OK", 200}, {"CREATED", 201}, {"ACCEPTED", 202}, {"NO_CONTENT", 204}, {"PARTIAL_CONTENT", 206},
      {"MOVED_PERMANENTLY", 301}, {"FOUND", 302}, {"SEE_OTHER", 303}, {"NOT_MODIFIED", 304},
      {"TEMPORARY_REDIRECT", 307}, {"PERMANENT_REDIRECT", 308}, {"BAD_REQUEST", 400}, {"UNAUTHORIZED", 401},
      {"PAYMENT_REQUIRED", 402}, {"FORBIDDEN", 403}, {"NOT_FOUND", 404}, {"METHOD_NOT_ALLOWED", 405},
      {"NOT_ACCEPTABLE", 406}, {"CONFLICT", 409}, {"GONE", 410}, {"UNPROCESSABLE", 422},
      {"TOO_MANY_REQUESTS", 429}, {"INTERNAL_ERROR", 500}, {"NOT_IMPLEMENTED", 501}, {"BAD_GATEWAY", 502},
      {"SERVICE_UNAVAILABLE", 503}, {"GATEWAY_TIMEOUT", 504}, {"VERSION_NOT_SUPPORTED", 505}};
  lua_createtable(L, 0, static_cast<int>(std::size(kStatus)));
  for (const auto& [k, v] : kStatus) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
  }
  lua_setfield(L, -2, "STATUS");
  set_strings(L, "CONTENT", {{"JSON", "application/json"}, {"FORM", "application/x-www-form-urlencoded"},
                             {"MULTIPART", "multipart/form-data"}, {"TEXT", "text/plain"},
                             {"STREAM", "application/octet-stream"}});
  set_strings(L, "TRANSFER", {{"CHUNKED", "chunked"}, {"SSE", "sse"}});
  set_strings(L, "ERROR", {{"PARSE_FAILED", "PARSE_FAILED"}, {"INVALID_STATE", "INVALID_STATE"},
                           {"WRITE_FAILED", "WRITE_FAILED"}, {"STREAM_ERROR", "STREAM_ERROR"}});
  return 1;
}

}  // namespace wirt::lua
