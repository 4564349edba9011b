// The Lua layer directly (src/lua/convert.cc, error_object.cc): Lua values ↔ core::Value by
// the rules of convert.h (reference-platform §7 "Value mapping"), on a bare lua_State.
#include <gtest/gtest.h>

#include "core/json.h"
#include "lua/convert.h"
#include "lua/error_object.h"

namespace wirt::lua {
namespace {

class LuaState : public ::testing::Test {
 protected:
  void SetUp() override {
    L = luaL_newstate();
    luaL_openlibs(L);
    open_errors(L);
  }
  void TearDown() override { lua_close(L); }
  // Evaluates `return <expr>` and converts the result.
  core::Result<core::Value> eval(const std::string& expr) {
    std::string code = "return " + expr;
    if (luaL_dostring(L, code.c_str()) != LUA_OK) {
      std::string err = lua_tostring(L, -1);
      lua_pop(L, 1);
      return core::invalid(err);
    }
    auto v = to_value(L, -1, "arg 1");
    lua_settop(L, 0);
    return v;
  }
  lua_State* L = nullptr;
};

TEST_F(LuaState, ScalarsMapDirectly) {
  EXPECT_TRUE(eval("nil")->is_nil());
  EXPECT_EQ(eval("true")->as_bool(), true);
  EXPECT_EQ(eval("42")->as_int(), 42);
  EXPECT_DOUBLE_EQ(eval("1.5")->as_float(), 1.5);
  EXPECT_EQ(eval("'hé'")->as_string(), "hé");
  EXPECT_EQ(eval("math.mininteger")->as_int(), INT64_MIN);
}

TEST_F(LuaState, SequencesBecomeArraysOtherTablesMaps) {
  EXPECT_EQ(core::to_json(*eval("{1, 'a', true}")), "[1,\"a\",true]");
  EXPECT_EQ(core::to_json(*eval("{a = 1}")), "{\"a\":1}");
  // keys that are not exactly 1..n: a map, integer keys in decimal
  auto sparse = eval("{[1] = 'x', [3] = 'y'}");
  ASSERT_TRUE(sparse.ok());
  ASSERT_TRUE(sparse->is_map());
  EXPECT_EQ(sparse->find("3")->as_string(), "y");
  // `{}` is an empty Map (typed consumers read it as an empty list)
  auto empty = eval("{}");
  ASSERT_TRUE(empty->is_map());
  EXPECT_TRUE(empty->as_map().empty());
}

TEST_F(LuaState, UnconvertibleValuesNameTheirPath) {
  auto f = eval("{users = {{id = 1}, {id = print}}}");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(f.error().message().find("arg 1.users[2].id"), std::string::npos) << f.error().message();
  auto co = eval("coroutine.create(function() end)");
  ASSERT_FALSE(co.ok());
}

TEST_F(LuaState, ErrorObjectsBecomeKindAndMessage) {
  push_error(L, core::not_found("no such thing"));
  auto v = to_value(L, -1, "err");
  lua_settop(L, 0);
  ASSERT_TRUE(v.ok()) << v.error().message();
  ASSERT_TRUE(v->is_map());
  EXPECT_EQ(v->find("message")->as_string(), "no such thing");
  EXPECT_FALSE(v->find("kind")->as_string().empty());
}

TEST_F(LuaState, PushThenConvertRoundTrips) {
  auto in = core::from_json(R"({"a":[1,2.5,"x",{"b":false}],"c":{}})");
  ASSERT_TRUE(in.ok());
  push_value(L, *in);
  auto out = to_value(L, -1, "v");
  lua_settop(L, 0);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(core::to_json(*out), core::to_json(*in));
  // Bytes push as Lua strings
  push_value(L, core::Value(core::Bytes{std::string("\x00\xff", 2)}));
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  EXPECT_EQ(std::string(s, len), std::string("\x00\xff", 2));
  lua_settop(L, 0);
}

TEST_F(LuaState, DeepNestingIsAnErrorNotACrash) {
  // A self-referencing table must not recurse forever.
  auto cyc = eval("(function() local t = {}; t.self = t; return t end)()");
  EXPECT_FALSE(cyc.ok());
}

}  // namespace
}  // namespace wirt::lua
