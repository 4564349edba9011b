#include "lua/convert.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lua/error_object.h"

namespace wirt::lua {

namespace {

constexpr int kMaxDepth = 100;

core::Result<core::Value> convert(lua_State* L, int idx, const std::string& path, int depth);

core::Result<core::Value> convert_table(lua_State* L, int idx, const std::string& path, int depth) {
  if (depth > kMaxDepth) return core::invalid(fmt::format("{}: table nesting deeper than {} (a cycle?)", path, kMaxDepth));
  if (!lua_checkstack(L, 4)) return core::internal("Lua stack exhausted converting " + path);
  idx = lua_absindex(L, idx);
  // Count entries and check whether the keys are exactly 1..n.
  lua_Integer count = 0, max_int_key = 0;
  bool only_int_keys = true;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    ++count;
    if (lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2)) {
      lua_Integer k = lua_tointeger(L, -2);
      if (k >= 1 && k > max_int_key) max_int_key = k;
      if (k < 1) only_int_keys = false;
    } else {
      only_int_keys = false;
    }
    lua_pop(L, 1);
  }
  if (count > 0 && only_int_keys && max_int_key == count) {
    core::Array arr;
    arr.reserve(static_cast<size_t>(count));
    for (lua_Integer i = 1; i <= count; ++i) {
      lua_rawgeti(L, idx, i);
      auto v = convert(L, -1, fmt::format("{}[{}]", path, i), depth + 1);
      lua_pop(L, 1);
      if (!v) return std::move(v).error();
      arr.push_back(std::move(*v));
    }
    return core::Value(std::move(arr));
  }
  core::Map map;
  map.reserve(static_cast<size_t>(count));
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    std::string key;
    switch (lua_type(L, -2)) {
      case LUA_TSTRING: {
        size_t len;
        const char* s = lua_tolstring(L, -2, &len);
        key.assign(s, len);
        break;
      }
      case LUA_TNUMBER:
        key = lua_isinteger(L, -2) ? std::to_string(lua_tointeger(L, -2)) : fmt::format("{}", lua_tonumber(L, -2));
        break;
      case LUA_TBOOLEAN: key = lua_toboolean(L, -2) ? "true" : "false"; break;
      default: {
        std::string type = luaL_typename(L, -2);
        lua_pop(L, 2);
        return core::invalid(fmt::format("{}: table key of type {} cannot be converted", path, type));
      }
    }
    auto v = convert(L, -1, path.empty() ? key : path + "." + key, depth + 1);
    lua_pop(L, 1);
    if (!v) {
      lua_pop(L, 1);
      return std::move(v).error();
    }
    map.emplace_back(std::move(key), std::move(*v));
  }
  // Lua iterates in hash order; sorted keys make output (JSON, logs) deterministic.
  std::sort(map.begin(), map.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return core::Value(std::move(map));
}

core::Result<core::Value> convert(lua_State* L, int idx, const std::string& path, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE: return core::Value();
    case LUA_TBOOLEAN: return core::Value(static_cast<bool>(lua_toboolean(L, idx)));
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) return core::Value(static_cast<int64_t>(lua_tointeger(L, idx)));
      return core::Value(static_cast<double>(lua_tonumber(L, idx)));
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, idx, &len);
      return core::Value(std::string(s, len));
    }
    case LUA_TTABLE: return convert_table(L, idx, path, depth);
    case LUA_TUSERDATA:
      if (const ErrorObject* e = test_error(L, idx)) {
        core::Map m;
        m.emplace_back("kind", core::Value(std::string(core::kind_name(e->error.kind()))));
        m.emplace_back("message", core::Value(e->error.message()));
        if (e->error.details()) m.emplace_back("details", *e->error.details());
        return core::Value(std::move(m));
      }
      [[fallthrough]];
    default:
      return core::invalid(fmt::format("{}: a Lua {} cannot be passed as a value", path.empty() ? "value" : path,
                                       luaL_typename(L, idx)));
  }
}

}  // namespace

core::Result<core::Value> to_value(lua_State* L, int idx, const std::string& path) {
  return convert(L, idx, path, 0);
}

void push_value(lua_State* L, const core::Value& v) {
  luaL_checkstack(L, 3, "converting value");
  switch (v.type()) {
    case core::Value::Type::Nil: lua_pushnil(L); break;
    case core::Value::Type::Bool: lua_pushboolean(L, v.as_bool()); break;
    case core::Value::Type::Int: lua_pushinteger(L, v.as_int()); break;
    case core::Value::Type::Float: lua_pushnumber(L, v.as_float()); break;
    case core::Value::Type::String: lua_pushlstring(L, v.as_string().data(), v.as_string().size()); break;
    case core::Value::Type::Bytes: lua_pushlstring(L, v.as_bytes().data.data(), v.as_bytes().data.size()); break;
    case core::Value::Type::Array: {
      const auto& a = v.as_array();
      lua_createtable(L, static_cast<int>(a.size()), 0);
      for (size_t i = 0; i < a.size(); ++i) {
        push_value(L, a[i]);
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
      }
      break;
    }
    case core::Value::Type::Map: {
      const auto& m = v.as_map();
      lua_createtable(L, 0, static_cast<int>(m.size()));
      for (const auto& [k, e] : m) {
        lua_pushlstring(L, k.data(), k.size());
        push_value(L, e);
        lua_rawset(L, -3);
      }
      break;
    }
  }
}

}  // namespace wirt::lua
