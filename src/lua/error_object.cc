#include "lua/error_object.h"

#include "core/json.h"
#include "lua/convert.h"

namespace wirt::lua {

namespace {

ErrorObject* check(lua_State* L, int idx) { return check_udata<ErrorObject>(L, idx, kErrorClass); }

int err_kind(lua_State* L) {
  auto k = core::kind_name(check(L, 1)->error.kind());
  lua_pushlstring(L, k.data(), k.size());
  return 1;
}

int err_message(lua_State* L) {
  const auto& m = check(L, 1)->error.message();
  lua_pushlstring(L, m.data(), m.size());
  return 1;
}

int err_retryable(lua_State* L) {
  auto r = check(L, 1)->error.retryable();
  if (r) lua_pushboolean(L, *r);
  else lua_pushnil(L);
  return 1;
}

int err_details(lua_State* L) {
  const core::Value* d = check(L, 1)->error.details();
  if (d) push_value(L, *d);
  else lua_pushnil(L);
  return 1;
}

int err_stack(lua_State* L) {
  const auto& s = check(L, 1)->stack;
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

int err_concat(lua_State* L) {
  luaL_tolstring(L, 1, nullptr);
  luaL_tolstring(L, 2, nullptr);
  lua_concat(L, 2);
  return 1;
}

int err_eq(lua_State* L) {
  const ErrorObject* a = test_error(L, 1);
  const ErrorObject* b = test_error(L, 2);
  lua_pushboolean(L, a && b && a->error.kind() == b->error.kind() && a->error.message() == b->error.message());
  return 1;
}

// errors.new("msg") or errors.new{message=, kind=, retryable=, details=}
int errors_new(lua_State* L) {
  if (lua_type(L, 1) == LUA_TSTRING) {
    push_error(L, core::Error(core::ErrorKind::Unknown, lua_tostring(L, 1)));
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "message");
  if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "errors.new: message is required");
  core::Error e(core::ErrorKind::Unknown, lua_tostring(L, -1));
  lua_getfield(L, 1, "kind");
  if (lua_type(L, -1) == LUA_TSTRING) e = core::Error(core::kind_from_name(lua_tostring(L, -1)), e.message());
  lua_getfield(L, 1, "retryable");
  if (lua_type(L, -1) == LUA_TBOOLEAN) e.with_retryable(lua_toboolean(L, -1));
  lua_getfield(L, 1, "details");
  if (!lua_isnil(L, -1)) {
    auto d = to_value(L, -1, "details");
    if (!d) raise_error(L, std::move(d).error());
    e.with_details(std::move(*d));
  }
  push_error(L, std::move(e));
  return 1;
}

// errors.wrap(err|string, "context"): keeps kind, retryable and details.
int errors_wrap(lua_State* L) {
  core::Error e = error_from_lua(L, 1);
  if (!lua_isnoneornil(L, 2)) e.wrap(luaL_checkstring(L, 2));
  push_error(L, std::move(e));
  return 1;
}

int errors_is(lua_State* L) {
  const ErrorObject* e = test_error(L, 1);
  const char* kind = luaL_checkstring(L, 2);
  lua_pushboolean(L, e && core::kind_name(e->error.kind()) == kind);
  return 1;
}

int errors_call_stack(lua_State* L) {
  const ErrorObject* e = test_error(L, 1);
  if (!e) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, e->stack.data(), e->stack.size());
  return 1;
}

}  // namespace

void push_error(lua_State* L, core::Error error) {
  luaL_traceback(L, L, nullptr, 1);
  std::string stack = lua_tostring(L, -1);
  lua_pop(L, 1);
  new_udata<ErrorObject>(L, kErrorClass, ErrorObject{std::move(error), std::move(stack)});
}

const ErrorObject* test_error(lua_State* L, int idx) { return test_udata<ErrorObject>(L, idx, kErrorClass); }

int push_nil_error(lua_State* L, core::Error error) {
  lua_pushnil(L);
  push_error(L, std::move(error));
  return 2;
}

core::Error error_from_lua(lua_State* L, int idx) {
  if (const ErrorObject* e = test_error(L, idx)) return e->error;
  if (lua_type(L, idx) == LUA_TSTRING) return core::Error(core::ErrorKind::Unknown, lua_tostring(L, idx));
  if (lua_isnoneornil(L, idx)) return core::Error(core::ErrorKind::Unknown, "nil error");
  // Any other raised value (a table, a number): describe it as text.
  auto v = to_value(L, idx, "error");
  if (v) return core::Error(core::ErrorKind::Unknown, core::to_json(*v));
  return core::Error(core::ErrorKind::Unknown, std::string("error object of type ") + luaL_typename(L, idx));
}

void raise_error(lua_State* L, core::Error err) {
  push_error(L, std::move(err));
  lua_error(L);
  __builtin_unreachable();
}

void open_errors(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"kind", err_kind},       {"message", err_message}, {"retryable", err_retryable},
      {"details", err_details}, {"stack", err_stack},     {"__tostring", err_message},
      {"__concat", err_concat}, {"__eq", err_eq},         {nullptr, nullptr},
  };
  define_class(L, kErrorClass, methods, destroy_udata<ErrorObject>);

  static const luaL_Reg funcs[] = {
      {"new", errors_new}, {"wrap", errors_wrap}, {"is", errors_is}, {"call_stack", errors_call_stack}, {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  static const char* const kConstants[][2] = {
      {"NOT_FOUND", "NotFound"},   {"ALREADY_EXISTS", "AlreadyExists"}, {"INVALID", "Invalid"},
      {"PERMISSION_DENIED", "PermissionDenied"}, {"UNAVAILABLE", "Unavailable"}, {"INTERNAL", "Internal"},
      {"CANCELED", "Canceled"},    {"CONFLICT", "Conflict"},            {"TIMEOUT", "Timeout"},
      {"RATE_LIMITED", "RateLimited"}, {"UNKNOWN", ""},
  };
  for (const auto& c : kConstants) {
    lua_pushstring(L, c[1]);
    lua_setfield(L, -2, c[0]);
  }
  lua_setglobal(L, "errors");
}

}  // namespace wirt::lua
