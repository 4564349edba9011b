// The `http_client` module (reference runtime/lua/modules/httpclient/spec.md): get, post, put,
// delete, patch, head, request, request_batch, encode_uri, decode_uri.
//
// Every request goes through src/http_client/ (libcurl on the worker's asio loop): the calling
// fiber suspends, never the worker thread. Permissions as the reference: `http_client.request`
// on the URL, `http_client.private_ip` on each connected loopback/private address (checked on
// the address curl actually connects to), `http_client.unix_socket` on the socket path,
// `http_client.insecure_tls` on the URL for tls.insecure_skip_verify. A wait that reaches the
// call's deadline ends the call with Timeout, as time.sleep does.
//
// Responses are plain tables {status_code, url, body, body_size, headers, cookies, stream}.
// With `stream = true` the body is not buffered: resp.stream:read(n) returns the next piece
// (nil, nil at the end) as it arrives, holding one 256 KiB window in memory.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/duration.h"
#include "http_client/permissions.h"
#include "http_client/transfer.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/runtime.h"
#include "lua/state_limits.h"

namespace wirt::lua {

namespace {

namespace hc = http_client;

constexpr const char* kStreamClass = "wirt.http_client.stream";

struct Stream {
  std::shared_ptr<hc::Transfer> transfer;
};

const sched::CallContext* current_context(lua_State* L) {
  return static_cast<const sched::CallContext*>(state_env(L)->call);
}

// Go's url.QueryEscape: unreserved bytes stay, space becomes '+', the rest %XX.
std::string query_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else if (c == ' ') out += '+';
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's url.QueryUnescape, with its error text for a bad escape.
core::Result<std::string> query_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return core::invalid(fmt::format("invalid URL escape \"{}\"", s.substr(i, std::min<size_t>(3, s.size() - i))));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Go's http.CanonicalHeaderKey ("content-type" → "Content-Type"), as the reference's headers.
std::string canonical_header(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

// A {name = value} table of strings (numbers and booleans are converted), sorted by name.
core::Result<std::map<std::string, std::string>> string_map(lua_State* L, int tbl, const char* field) {
  std::map<std::string, std::string> out;
  lua_getfield(L, tbl, field);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return out;
  }
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return core::invalid(fmt::format("options.{} must be a table", field));
  }
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) == LUA_TSTRING && (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)) {
      out[lua_tostring(L, -2)] = lua_tostring(L, -1);
    } else if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TBOOLEAN) {
      out[lua_tostring(L, -2)] = lua_toboolean(L, -1) ? "true" : "false";
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return out;
}

std::optional<std::string> string_field(lua_State* L, int tbl, const char* field) {
  lua_getfield(L, tbl, field);
  std::optional<std::string> out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t n = 0;
    const char* s = lua_tolstring(L, -1, &n);
    out.emplace(s, n);
  }
  lua_pop(L, 1);
  return out;
}

// timeout: integer = seconds, string = Go duration (spec "Timeout formats").
core::Result<std::optional<core::Nanos>> duration_field(lua_State* L, int tbl, const char* field) {
  lua_getfield(L, tbl, field);
  std::optional<core::Nanos> out;
  if (lua_type(L, -1) == LUA_TNUMBER) {
    double secs = lua_tonumber(L, -1);
    if (secs > 0) out = core::Nanos(static_cast<int64_t>(secs * 1e9));
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    auto d = core::parse_duration(lua_tostring(L, -1));
    if (!d) {
      lua_pop(L, 1);
      return core::invalid(fmt::format("options.{}: {}", field, d.error().message()));
    }
    if (d->count() > 0) out = *d;
  }
  lua_pop(L, 1);
  return out;
}

struct Parsed {
  hc::Request request;
  bool stream = false;
  bool insecure = false;
};

std::string encode_pairs(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += '&';
    out += query_escape(k) + "=" + query_escape(v);
  }
  return out;
}

bool has_header(const hc::Headers& h, std::string_view name) {
  return std::any_of(h.begin(), h.end(), [&](const auto& p) { return strcasecmp(p.first.c_str(), std::string(name).c_str()) == 0; });
}

// Reads the options table at `idx` (may be none/nil) into a request.
core::Result<Parsed> parse_options(lua_State* L, std::string method, std::string url, int idx) {
  Parsed p;
  hc::Request& r = p.request;
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.method = std::move(method);
  r.url = std::move(url);
  if (lua_isnoneornil(L, idx)) return p;
  if (!lua_istable(L, idx)) return core::invalid("options must be a table");
  int t = lua_absindex(L, idx);

  auto headers = string_map(L, t, "headers");
  if (!headers) return std::move(headers).error();
  for (auto& [k, v] : *headers) r.headers.emplace_back(k, v);
  if (auto body = string_field(L, t, "body")) r.body = std::move(*body);

  auto timeout = duration_field(L, t, "timeout");
  if (!timeout) return std::move(timeout).error();
  r.options.timeout = *timeout;
  auto connect_timeout = duration_field(L, t, "connect_timeout");
  if (!connect_timeout) return std::move(connect_timeout).error();
  r.options.connect_timeout = *connect_timeout;

  auto query = string_map(L, t, "query");
  if (!query) return std::move(query).error();
  if (!query->empty()) {
    size_t hash = r.url.find('#');
    std::string fragment = hash == std::string::npos ? "" : r.url.substr(hash);
    if (hash != std::string::npos) r.url.resize(hash);
    r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + encode_pairs(*query) + fragment;
  }

  auto cookies = string_map(L, t, "cookies");
  if (!cookies) return std::move(cookies).error();
  if (!cookies->empty()) {
    std::string line;
    for (const auto& [k, v] : *cookies) line += (line.empty() ? "" : "; ") + k + "=" + v;
    r.headers.emplace_back("Cookie", line);
  }

  auto form = string_map(L, t, "form");
  if (!form) return std::move(form).error();
  lua_getfield(L, t, "files");
  bool has_files = lua_istable(L, -1);
  if (has_files) {
    int files = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, files, i) != LUA_TNIL; ++i) {
      if (!lua_istable(L, -1)) {
        lua_pop(L, 2);
        return core::invalid(fmt::format("options.files[{}] must be a table", i));
      }
      int f = lua_gettop(L);
      hc::MimePart part;
      part.name = string_field(L, f, "name").value_or("");
      part.filename = string_field(L, f, "filename").value_or("");
      part.content_type = string_field(L, f, "content_type").value_or("application/octet-stream");
      part.data = string_field(L, f, "content").value_or("");
      lua_pop(L, 1);
      if (part.name.empty()) {
        lua_pop(L, 2);
        return core::invalid(fmt::format("options.files[{}].name is required", i));
      }
      if (part.filename.empty()) part.filename = part.name;
      r.multipart.push_back(std::move(part));
    }
    lua_pop(L, 1);  // the nil that ended the array
  }
  lua_pop(L, 1);
  if (!r.multipart.empty()) {
    // form fields first, then the files (as Go's multipart writer in the reference).
    std::vector<hc::MimePart> parts;
    for (const auto& [k, v] : *form) parts.push_back({k, "", "", v});
    for (auto& f : r.multipart) parts.push_back(std::move(f));
    r.multipart = std::move(parts);
    r.body.reset();
  } else if (!form->empty()) {
    r.body = encode_pairs(*form);
    if (!has_header(r.headers, "Content-Type")) r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  }

  lua_getfield(L, t, "auth");
  if (lua_istable(L, -1)) {
    r.options.username = string_field(L, lua_gettop(L), "user").value_or("");
    r.options.password = string_field(L, lua_gettop(L), "pass").value_or("");
  }
  lua_pop(L, 1);

  lua_getfield(L, t, "stream");
  p.stream = lua_toboolean(L, -1);
  lua_pop(L, 1);

  lua_getfield(L, t, "max_response_body");
  if (lua_isnumber(L, -1) && lua_tointeger(L, -1) > 0) r.options.max_response_bytes = lua_tointeger(L, -1);
  lua_pop(L, 1);

  lua_getfield(L, t, "max_redirects");
  if (lua_isnumber(L, -1)) r.options.max_redirects = std::max<lua_Integer>(0, lua_tointeger(L, -1));
  lua_pop(L, 1);
  lua_getfield(L, t, "follow_redirects");
  if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) r.options.max_redirects = 0;
  lua_pop(L, 1);

  if (auto s = string_field(L, t, "unix_socket")) r.options.unix_socket = *s;
  if (auto s = string_field(L, t, "proxy")) r.options.proxy = *s;

  lua_getfield(L, t, "tls");
  if (lua_istable(L, -1)) {
    int tls = lua_gettop(L);
    r.options.ca_pem = string_field(L, tls, "ca").value_or("");
    r.options.ca_file = string_field(L, tls, "ca_file").value_or("");
    r.options.client_cert_pem = string_field(L, tls, "cert").value_or("");
    r.options.client_key_pem = string_field(L, tls, "key").value_or("");
    lua_getfield(L, tls, "insecure_skip_verify");
    p.insecure = lua_toboolean(L, -1);
    lua_pop(L, 1);
    r.options.verify_tls = !p.insecure;
  }
  lua_pop(L, 1);
  return p;
}

// Permission checks made before the request starts (reference module.go order).
core::Status check_allowed(lua_State* L, const sched::CallContext& ctx, Parsed& p) {
  const sched::Policies* policies = state_env(L)->runtime->policies();
  const std::string& url = p.request.url;
  if (!p.request.options.unix_socket.empty() &&
      !policies->allowed(ctx, "http_client.unix_socket", p.request.options.unix_socket)) {
    return core::permission_denied("not allowed: unix socket " + p.request.options.unix_socket).with_retryable(false);
  }
  if (p.insecure && !policies->allowed(ctx, "http_client.insecure_tls", url)) {
    return core::permission_denied("not allowed: insecure TLS for " + url).with_retryable(false);
  }
  if (auto st = hc::check_request(*policies, ctx, url); !st) return st;
  hc::install_policy_hooks(p.request, *policies, ctx);
  if (!p.request.options.unix_socket.empty()) p.request.check_address = nullptr;  // local IPC, no host
  return {};
}

// A wait that ended because the call's own deadline passed ends the call (as time.sleep);
// any other failure is returned.
int fail(lua_State* L, core::Error err) {
  sched::Deadline d = call_deadline(L);
  if (err.kind() == core::ErrorKind::Timeout && d && std::chrono::steady_clock::now() >= *d) raise_timeout(L);
  return push_nil_error(L, std::move(err));
}

void push_response(lua_State* L, hc::Transfer& t, const std::string* body) {
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, t.status());
  lua_setfield(L, -2, "status_code");
  std::string url = t.effective_url();
  lua_pushlstring(L, url.data(), url.size());
  lua_setfield(L, -2, "url");
  if (body) {
    lua_pushlstring(L, body->data(), body->size());
    lua_setfield(L, -2, "body");
  }
  lua_pushinteger(L, body ? static_cast<lua_Integer>(body->size()) : -1);
  lua_setfield(L, -2, "body_size");
  lua_createtable(L, 0, static_cast<int>(t.headers().size()));
  for (const auto& [name, value] : t.headers()) {
    std::string key = canonical_header(name);
    lua_getfield(L, -1, key.c_str());
    bool first = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!first) continue;  // the first value, as the reference
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, key.c_str());
  }
  lua_setfield(L, -2, "headers");
  lua_newtable(L);
  for (const auto& [name, value] : t.headers()) {
    if (strcasecmp(name.c_str(), "set-cookie") != 0) continue;
    std::string_view v = value;
    v = v.substr(0, v.find(';'));
    size_t eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string k(v.substr(0, eq));
    std::string_view val = v.substr(eq + 1);
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
    lua_pushlstring(L, val.data(), val.size());
    lua_setfield(L, -2, k.c_str());
  }
  lua_setfield(L, -2, "cookies");
}

int perform(lua_State* L, std::string method, int url_idx, int opts_idx) {
  std::string url = luaL_checkstring(L, url_idx);
  const sched::CallContext* ctx = current_context(L);
  if (!ctx) return push_nil_error(L, core::internal("no context").with_retryable(false));
  auto parsed = parse_options(L, std::move(method), std::move(url), opts_idx);
  if (!parsed) return push_nil_error(L, std::move(parsed).error());
  if (auto st = check_allowed(L, *ctx, *parsed); !st) return push_nil_error(L, std::move(st).error());
  bool stream = parsed->stream;
  auto started = hc::Transfer::start(std::move(parsed->request));
  if (!started) return push_nil_error(L, std::move(started).error());
  std::shared_ptr<hc::Transfer> t = std::move(*started);
  sched::Deadline deadline = call_deadline(L);
  if (auto st = t->wait_response(deadline); !st) return fail(L, std::move(st).error());
  if (stream) {
    push_response(L, *t, nullptr);
    new_udata<Stream>(L, kStreamClass, Stream{t});
    lua_setfield(L, -2, "stream");
    return 1;
  }
  auto body = t->read_all(deadline);
  if (!body) return fail(L, std::move(body).error());
  push_response(L, *t, &*body);
  return 1;
}

template <const char* Method>
int method_fn(lua_State* L) {
  return perform(L, Method, 1, 2);
}

constexpr char kGet[] = "GET", kPost[] = "POST", kPut[] = "PUT", kDelete[] = "DELETE", kHead[] = "HEAD",
               kPatch[] = "PATCH";

int hc_request(lua_State* L) { return perform(L, luaL_checkstring(L, 1), 2, 3); }

// request_batch({{method, url, options?}, ...}): all requests run at once on this worker's
// loop; results in request order.
int hc_request_batch(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  if (n == 0) return luaL_argerror(L, 1, "requests table cannot be empty");
  const sched::CallContext* ctx = current_context(L);
  if (!ctx) return push_nil_error(L, core::internal("no context").with_retryable(false));
  std::vector<Parsed> parsed;
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, 1, i);
    int e = lua_gettop(L);
    if (!lua_istable(L, e)) return push_nil_error(L, core::invalid("each request must be a table"));
    lua_rawgeti(L, e, 1);
    lua_rawgeti(L, e, 2);
    if (lua_type(L, -2) != LUA_TSTRING) return push_nil_error(L, core::invalid("method must be a string"));
    if (lua_type(L, -1) != LUA_TSTRING) return push_nil_error(L, core::invalid("URL must be a string"));
    std::string method = lua_tostring(L, -2), url = lua_tostring(L, -1);
    lua_rawgeti(L, e, 3);
    auto p = parse_options(L, method, url, lua_gettop(L));
    if (!p) return push_nil_error(L, std::move(p).error());
    if (p->stream) return push_nil_error(L, core::invalid("streaming not supported in batch requests"));
    if (auto st = check_allowed(L, *ctx, *p); !st) return push_nil_error(L, std::move(st).error());
    parsed.push_back(std::move(*p));
    lua_settop(L, e - 1);
  }
  std::vector<core::Result<std::shared_ptr<hc::Transfer>>> started;
  for (auto& p : parsed) started.push_back(hc::Transfer::start(std::move(p.request)));
  sched::Deadline deadline = call_deadline(L);
  lua_createtable(L, static_cast<int>(n), 0);
  int responses = lua_gettop(L);
  lua_createtable(L, static_cast<int>(n), 0);
  int errors = lua_gettop(L);
  bool any_error = false;
  for (lua_Integer i = 1; i <= n; ++i) {
    auto& s = started[i - 1];
    std::optional<core::Error> err;
    if (!s) {
      err = s.error();
    } else if (auto st = (*s)->wait_response(deadline); !st) {
      err = st.error();
    } else if (auto body = (*s)->read_all(deadline); !body) {
      err = body.error();
    } else {
      push_response(L, **s, &*body);
      lua_rawseti(L, responses, i);
    }
    if (err) {
      if (err->kind() == core::ErrorKind::Timeout && deadline && std::chrono::steady_clock::now() >= *deadline) {
        raise_timeout(L);
      }
      any_error = true;
      push_error(L, *err);
      lua_rawseti(L, errors, i);
    }
  }
  if (!any_error) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  return 2;
}

int hc_encode_uri(lua_State* L) {
  size_t n = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  std::string out = query_escape({s, n});
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

int hc_decode_uri(lua_State* L) {
  size_t n = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  auto out = query_unescape({s, n});
  if (!out) return push_nil_error(L, std::move(out).error().with_retryable(false));
  lua_pushlstring(L, out->data(), out->size());
  return 1;
}

Stream* check_stream(lua_State* L) {
  auto* s = check_udata<Stream>(L, 1, kStreamClass);
  if (s->transfer && !s->transfer->owned_by_current_worker()) {
    raise_error(L, core::invalid("http_client: stream used outside the call that opened it"));
  }
  return s;
}

int stream_read(lua_State* L) {
  Stream* s = check_stream(L);
  lua_Integer size = luaL_optinteger(L, 2, 0);
  if (!s->transfer) {
    lua_pushnil(L);
    lua_pushnil(L);
    return 2;
  }
  auto piece = s->transfer->read(size > 0 ? static_cast<size_t>(size) : 0, call_deadline(L));
  if (!piece) return fail(L, std::move(piece).error());
  if (piece->empty()) {  // EOF: nil, nil (stream spec)
    lua_pushnil(L);
    lua_pushnil(L);
    return 2;
  }
  lua_pushlstring(L, piece->data(), piece->size());
  return 1;
}

int stream_close(lua_State* L) {
  Stream* s = check_stream(L);
  if (s->transfer) {
    s->transfer->cancel();
    s->transfer.reset();
  }
  lua_pushboolean(L, 1);
  return 1;
}

int stream_gc(lua_State* L) {
  auto* s = static_cast<Stream*>(lua_touserdata(L, 1));
  hc::Transfer::release(std::move(s->transfer));
  s->~Stream();
  return 0;
}

}  // namespace

int open_http_client(lua_State* L) {
  if (luaL_newmetatable(L, kStreamClass)) {
    static const luaL_Reg methods[] = {{"read", stream_read}, {"close", stream_close}, {nullptr, nullptr}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, stream_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  static const luaL_Reg fns[] = {
      {"get", method_fn<kGet>},         {"post", method_fn<kPost>},   {"put", method_fn<kPut>},
      {"delete", method_fn<kDelete>},   {"head", method_fn<kHead>},   {"patch", method_fn<kPatch>},
      {"request", hc_request},          {"request_batch", hc_request_batch},
      {"encode_uri", hc_encode_uri},    {"decode_uri", hc_decode_uri}, {nullptr, nullptr},
  };
  luaL_newlib(L, fns);
  return 1;
}

}  // namespace wirt::lua
