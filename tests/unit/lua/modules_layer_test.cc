// The layers of the reference-named modules that can be tested without an app: the retry
// policy of funcs with_options (src/lua/retry_policy.cc), the logger module's lines
// (src/lua/logger_module.cc) and the end-of-call cleanup (src/lua/call_cleanup.cc).
#include <gtest/gtest.h>

#include "core/log.h"
#include "core/value.h"
#include "lua/call_cleanup.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/retry_policy.h"

namespace wirt::lua {
namespace {

core::Value retry(core::Value r) {
  core::Value options = core::Value::map();
  options.set("retry", std::move(r));
  return options;
}

TEST(RetryPolicy, AbsentWithoutRetryOption) {
  auto p = RetryPolicy::from_options(core::Value::map());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());
}

TEST(RetryPolicy, ReferenceDefaultsAndFields) {
  core::Value r = core::Value::map();
  r.set("max_attempts", core::Value(int64_t(4)));
  auto p = RetryPolicy::from_options(retry(r));
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->max_attempts, 4);
  EXPECT_EQ((*p)->initial_delay, std::chrono::milliseconds(100));
  EXPECT_EQ((*p)->max_delay, std::chrono::seconds(10));
  EXPECT_DOUBLE_EQ((*p)->backoff_factor, 2.0);
  EXPECT_DOUBLE_EQ((*p)->jitter, 0.1);

  // numbers are milliseconds, strings Go durations (reference toDuration)
  r.set("initial_delay", core::Value(int64_t(250)));
  r.set("max_delay", core::Value("1s"));
  r.set("jitter", core::Value(0.0));
  p = RetryPolicy::from_options(retry(r));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->initial_delay, std::chrono::milliseconds(250));
  EXPECT_EQ((*p)->max_delay, std::chrono::seconds(1));
  // k-th retry waits initial × factor^k, capped at max_delay
  EXPECT_EQ((*p)->delay(1, 0.5), std::chrono::milliseconds(500));
  EXPECT_EQ((*p)->delay(2, 0.5), std::chrono::seconds(1));
  EXPECT_EQ((*p)->delay(5, 0.5), std::chrono::seconds(1));
}

TEST(RetryPolicy, JitterSpreadsAroundTheBase) {
  core::Value r = core::Value::map();
  r.set("initial_delay", core::Value(int64_t(100)));
  r.set("backoff_factor", core::Value(1.0));
  r.set("jitter", core::Value(0.5));
  auto p = RetryPolicy::from_options(retry(r));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->delay(1, 0.0), std::chrono::milliseconds(50));
  EXPECT_EQ((*p)->delay(1, 0.5), std::chrono::milliseconds(100));
  EXPECT_NEAR(static_cast<double>((*p)->delay(1, 0.999).count()), 150e6, 1e6);
}

TEST(RetryPolicy, WhichErrorsAreRetried) {
  RetryPolicy p;
  EXPECT_TRUE(p.should_retry(core::unavailable("x")));
  EXPECT_TRUE(p.should_retry(core::timeout("x")));
  EXPECT_TRUE(p.should_retry(core::not_found("x")));
  EXPECT_FALSE(p.should_retry(core::invalid("x")));
  EXPECT_FALSE(p.should_retry(core::permission_denied("x")));
  EXPECT_FALSE(p.should_retry(core::internal("x")));
  EXPECT_FALSE(p.should_retry(core::unavailable("x").with_retryable(false)));
  p.retry_kinds = {"INVALID"};
  EXPECT_TRUE(p.should_retry(core::invalid("x")));
  EXPECT_FALSE(p.should_retry(core::unavailable("x")));
  p.retry_kinds.clear();
  p.skip_kinds = {"TIMEOUT"};
  EXPECT_FALSE(p.should_retry(core::timeout("x")));
  EXPECT_TRUE(p.should_retry(core::unavailable("x")));
}

TEST(RetryPolicy, MalformedFieldsAreNamed) {
  core::Value r = core::Value::map();
  r.set("max_attempts", core::Value("many"));
  auto p = RetryPolicy::from_options(retry(r));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("retry.max_attempts"), std::string::npos);
  core::Value r2 = core::Value::map();
  r2.set("initial_delay", core::Value("soon"));
  p = RetryPolicy::from_options(retry(r2));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("retry.initial_delay"), std::string::npos);
  p = RetryPolicy::from_options(retry(core::Value(int64_t(3))));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind(), core::ErrorKind::Invalid);
}

class LoggerLayer : public ::testing::Test {
 protected:
  void SetUp() override {
    L = luaL_newstate();
    luaL_openlibs(L);
    *static_cast<StateEnv**>(lua_getextraspace(L)) = &env;
    open_errors(L);
    luaL_requiref(L, "logger", open_logger, 1);
    lua_pop(L, 1);
    saved = core::log_level();
  }
  void TearDown() override {
    core::set_log_level(saved);
    lua_close(L);
  }
  std::string run(const char* code) {
    ::testing::internal::CaptureStderr();
    int st = luaL_dostring(L, code);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(st, LUA_OK) << (st == LUA_OK ? "" : lua_tostring(L, -1));
    return err;
  }
  StateEnv env;
  lua_State* L = nullptr;
  core::LogLevel saved = core::LogLevel::Warn;
};

TEST_F(LoggerLayer, FieldsAreOneSortedJsonObject) {
  core::set_log_level(core::LogLevel::Debug);
  EXPECT_EQ(run("logger:info('started', {port = 8080, host = 'h', [3] = 'ignored'})"),
            "wirt: info: started {\"host\":\"h\",\"port\":8080}\n");
  EXPECT_EQ(run("logger:debug('plain')"), "wirt: debug: plain\n");
  EXPECT_EQ(run("logger:error('failed', {error = errors.new('boom'), detail = {a = 1}})"),
            "wirt: error: failed {\"detail\":{\"a\":1},\"error\":\"boom\"}\n");
}

TEST_F(LoggerLayer, ChildrenCarryFieldsAndDottedNames) {
  core::set_log_level(core::LogLevel::Info);
  EXPECT_EQ(run("local a = logger:with({svc = 'api'}); a:named('auth'):named('jwt'):warn('x', {user = 'u'}); "
                "logger:info('root unchanged')"),
            "wirt: warn: [auth.jwt] x {\"svc\":\"api\",\"user\":\"u\"}\n"
            "wirt: info: root unchanged\n");
  // call fields override inherited ones
  EXPECT_EQ(run("logger:with({k = 1}):info('m', {k = 2})"), "wirt: info: m {\"k\":2}\n");
}

TEST_F(LoggerLayer, LevelsBelowTheProcessLevelAreSkipped) {
  core::set_log_level(core::LogLevel::Warn);
  EXPECT_EQ(run("logger:debug('d'); logger:info('i'); logger:warn('w')"), "wirt: warn: w\n");
}

TEST_F(LoggerLayer, EmptyNameIsAnError) {
  EXPECT_NE(luaL_dostring(L, "logger:named('')"), LUA_OK);
  EXPECT_NE(std::string(lua_tostring(L, -1)).find("name cannot be empty"), std::string::npos);
}

int count_cleanup(lua_State* L) {
  lua_getglobal(L, "cleaned");
  lua_Integer n = lua_tointeger(L, -1);
  lua_pushinteger(L, n + 1);
  lua_setglobal(L, "cleaned");
  lua_pop(L, 1);
  return 0;
}

TEST(CallCleanup, RunsEachRegisteredObjectOnceThenForgetsThem) {
  lua_State* L = luaL_newstate();
  StateEnv env;
  *static_cast<StateEnv**>(lua_getextraspace(L)) = &env;
  lua_pushinteger(L, 0);
  lua_setglobal(L, "cleaned");
  for (int i = 0; i < 3; ++i) {
    lua_newuserdatauv(L, 8, 0);
    register_call_cleanup(L, -1, count_cleanup);
    lua_pop(L, 1);
  }
  run_call_cleanups(L);
  lua_getglobal(L, "cleaned");
  EXPECT_EQ(lua_tointeger(L, -1), 3);
  lua_pop(L, 1);
  run_call_cleanups(L);  // nothing left
  lua_getglobal(L, "cleaned");
  EXPECT_EQ(lua_tointeger(L, -1), 3);
  EXPECT_EQ(lua_gettop(L), 1);
  lua_close(L);
}

}  // namespace
}  // namespace wirt::lua
