// The `logger` module (runtime/lua/modules/logger/spec.md): structured lines at debug, info,
// warn and error levels into wirt's log (core/log.h), with fields, child loggers carrying fields
// (`logger:with{...}`) and names (`logger:named("x")`, chained with dots as the reference's zap
// loggers are).
//
// A line reads `[name] message {"field":value,...}`: the fields are one JSON object (sorted
// keys), so lines stay machine-readable; tables become JSON values, an `error` field holding an
// error object becomes its message, and every line carries `location` (the function running)
// and `pid` when the call runs in a process. Lines below the process's log level (`--log-level`)
// are skipped before anything is formatted. Logger objects are immutable values.
#include <map>
#include <string>

#include <fmt/format.h>

#include "core/json.h"
#include "core/log.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "sched/call_context.h"

namespace wirt::lua {

namespace {

constexpr const char* kLoggerClass = "wirt.logger";

using Fields = std::map<std::string, core::Value>;  // sorted: stable, diffable lines

struct Logger {
  std::string name;
  Fields fields;
};

// Adds the string-keyed entries of the table at idx to `out` (spec: non-string keys ignored).
void collect_fields(lua_State* L, int idx, Fields& out) {
  if (!lua_istable(L, idx)) return;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      std::string key = lua_tostring(L, -2);
      if (const ErrorObject* e = test_error(L, -1)) {
        out[key] = core::Value(e->error.message());
      } else if (auto v = to_value(L, -1, key)) {
        out[key] = std::move(*v);
      } else {
        // Functions, userdata: their printable form rather than a failed log call.
        size_t n;
        const char* s = luaL_tolstring(L, -1, &n);
        out[key] = core::Value(std::string(s, n));
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
}

// self:level(message, fields?) or logger.level(message, fields?) on the module table itself.
int log_at(lua_State* L, core::LogLevel level) {
  const Logger* self = test_udata<Logger>(L, 1, kLoggerClass);
  int first = self ? 2 : 1;
  if (level < core::log_level()) return 0;
  size_t n;
  const char* msg = luaL_tolstring(L, first, &n);
  std::string message(msg, n);
  lua_pop(L, 1);
  Fields fields = self ? self->fields : Fields{};
  collect_fields(L, first + 1, fields);
  if (const auto* ctx = static_cast<const sched::CallContext*>(state_env(L)->call)) {
    if (!ctx->frame_id.empty()) fields["location"] = core::Value(ctx->frame_id);
    if (!ctx->pid.empty()) fields["pid"] = core::Value(ctx->pid);
  }
  std::string line = self && !self->name.empty() ? fmt::format("[{}] {}", self->name, message) : message;
  if (!fields.empty()) {
    core::Value object = core::Value::map();
    for (auto& [k, v] : fields) object.set(k, std::move(v));
    line += " " + core::to_json(object);
  }
  core::log_line(level, line);
  return 0;
}

int l_debug(lua_State* L) { return log_at(L, core::LogLevel::Debug); }
int l_info(lua_State* L) { return log_at(L, core::LogLevel::Info); }
int l_warn(lua_State* L) { return log_at(L, core::LogLevel::Warn); }
int l_error(lua_State* L) { return log_at(L, core::LogLevel::Error); }

int l_with(lua_State* L) {
  const Logger* self = test_udata<Logger>(L, 1, kLoggerClass);
  int arg = self ? 2 : 1;
  luaL_checktype(L, arg, LUA_TTABLE);
  Logger child = self ? *self : Logger{};
  collect_fields(L, arg, child.fields);
  new_udata<Logger>(L, kLoggerClass, std::move(child));
  return 1;
}

int l_named(lua_State* L) {
  const Logger* self = test_udata<Logger>(L, 1, kLoggerClass);
  int arg = self ? 2 : 1;
  std::string name = luaL_checkstring(L, arg);
  if (name.empty()) return luaL_error(L, "name cannot be empty");
  Logger child = self ? *self : Logger{};
  child.name = child.name.empty() ? name : child.name + "." + name;
  new_udata<Logger>(L, kLoggerClass, std::move(child));
  return 1;
}

int l_tostring(lua_State* L) {
  const Logger* self = check_udata<Logger>(L, 1, kLoggerClass);
  lua_pushfstring(L, "logger: %s", self->name.empty() ? "(root)" : self->name.c_str());
  return 1;
}

}  // namespace

int open_logger(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"debug", l_debug}, {"info", l_info}, {"warn", l_warn}, {"error", l_error},
      {"with", l_with},   {"named", l_named}, {"__tostring", l_tostring}, {nullptr, nullptr},
  };
  define_class(L, kLoggerClass, methods, destroy_udata<Logger>);
  // The module is the root logger itself, so both logger:info(...) and logger.info(...) work.
  new_udata<Logger>(L, kLoggerClass);
  return 1;
}

}  // namespace wirt::lua
