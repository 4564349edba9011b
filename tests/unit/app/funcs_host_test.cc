// The `funcs` host interface (wippy:runtime/funcs@0.1.0, reference-wasm-runtime §7.5, plus
// wirt's call-json) and `imports:` gating (DESIGN §1.5), through a booted app: a component
// (tests/fixtures/components/funcs-caller) whose exports hand their two arguments to
// call-string / call-bytes / call-json and return the host's answer unchanged.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/app.h"
#include "core/json.h"
#include "temp_app.h"

namespace fs = std::filesystem;
using namespace wirt;
using wirt::testing::TempApp;

namespace {

const char* kHash = "sha256:09e37ad3a5b19c9e77af3a1961813b6aa0961ce5a4deb94ba061bf726928ce01";

// The component entries (with `imports` as given) and Lua callees.
std::string funcs_app(const std::string& imports) {
  std::string entry = std::string("kind: function.wasm, fs: t:fx, path: /funcs-caller.wasm, hash: \"") + kHash +
                      "\", imports: " + imports;
  return std::string(R"(namespace: t
entries:
  - {name: fx, kind: fs.directory, directory: ")") + WIRT_SOURCE_DIR + R"(/tests/fixtures/components/funcs-caller"}
  - {name: via_string, method: via-string, )" + entry + R"(}
  - {name: via_bytes, method: via-bytes, )" + entry + R"(}
  - {name: via_json, method: via-json, )" + entry + R"(}
  - {name: upper, kind: function.lua, method: f, source: "return {f=function(s) return string.upper(s) end}"}
  - {name: answer, kind: function.lua, method: f, source: "return {f=function() return 42 end}"}
  - {name: add, kind: function.lua, method: f, source: "return {f=function(a, b) return {sum = a + b} end}"}
  - {name: fail, kind: function.lua, method: f, source: "return {f=function() error('no luck') end}"}
  - {name: spin, kind: function.lua, method: f, source: "return {f=function() while true do end end}"}
)";
}

// Boots the funcs app; the test fails when it does not boot.
std::unique_ptr<app::App> boot(const TempApp& dir) {
  app::BootOptions o;
  o.threads = 2;
  auto booted = app::App::boot(dir.dir(), o);
  EXPECT_TRUE(booted.ok()) << (booted.ok() ? "" : booted.error().message());
  return booted.ok() ? std::move(*booted) : nullptr;
}

}  // namespace

TEST(FuncsHost, CallStringPassesTheStringAndReturnsTheResultAsText) {
  TempApp dir(funcs_app("[funcs]"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  auto r = booted->call("t:via_string", {core::Value("t:upper"), core::Value("hello")});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->as_string(), "HELLO");
  // A non-string result is printed (§7.5 "other values → fmt.Sprint").
  r = booted->call("t:via_string", {core::Value("t:answer"), core::Value("")});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->as_string(), "42");
}

TEST(FuncsHost, CallBytesPassesBytes) {
  TempApp dir(funcs_app("[funcs]"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  auto r = booted->call("t:via_bytes", {core::Value("t:upper"), core::Value("abc")});
  ASSERT_TRUE(r.ok()) << r.error().message();
  // list<u8> holding valid UTF-8 lifts as a string (canonical_abi.h, the Lua view).
  ASSERT_TRUE(r->is_string() || r->is_bytes()) << core::to_json(*r);
  EXPECT_EQ(r->is_string() ? r->as_string() : r->as_bytes().data, "ABC");
}

TEST(FuncsHost, CallJsonSpreadsAnArrayIntoArgumentsAndReturnsJson) {
  TempApp dir(funcs_app("[funcs]"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  auto r = booted->call("t:via_json", {core::Value("t:add"), core::Value("[2, 40]")});
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto v = core::from_json(r->as_string());
  ASSERT_TRUE(v.ok()) << r->as_string();
  ASSERT_NE(v->find("sum"), nullptr) << r->as_string();
  EXPECT_EQ(v->find("sum")->as_number(), 42);
  // Malformed JSON is the guest's error, not a host failure.
  auto bad = booted->call("t:via_json", {core::Value("t:add"), core::Value("[2,")});
  ASSERT_FALSE(bad.ok());
}

TEST(FuncsHost, ErrorsComeBackAsTheResultsErrCase) {
  TempApp dir(funcs_app("[funcs]"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  // The callee's error: err(<error text>), which the guest returns as its own error.
  auto r = booted->call("t:via_string", {core::Value("t:fail"), core::Value("")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no luck"), std::string::npos) << r.error().message();
  // Target without namespace or name (§7.5 "Target").
  r = booted->call("t:via_string", {core::Value("nonamespace"), core::Value("")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("invalid function target: nonamespace"), std::string::npos)
      << r.error().message();
  // An id that is not a function.
  r = booted->call("t:via_bytes", {core::Value("t:missing"), core::Value("x")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("t:missing"), std::string::npos) << r.error().message();
}

TEST(FuncsHost, TheCallersDeadlineReachesTheCallee) {
  TempApp dir(funcs_app("[funcs]"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  sched::CallContext ctx;
  ctx.deadline = sched::CallContext::Clock::now() + std::chrono::milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  auto r = booted->call("t:via_string", {core::Value("t:spin"), core::Value("")}, ctx);
  ASSERT_FALSE(r.ok()) << "a spinning callee must be stopped by the caller's deadline";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  // The instance is usable afterwards.
  auto ok = booted->call("t:via_string", {core::Value("t:upper"), core::Value("x")});
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->as_string(), "X");
}

TEST(ImportsGating, AnImportNotEnabledTrapsNamingTheImportAndTheGroup) {
  TempApp dir(funcs_app("[]"));
  // The load does not fail (DESIGN §1.5): only a call reaches the missing import.
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  auto r = booted->call("t:via_string", {core::Value("t:upper"), core::Value("x")});
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("wippy:runtime/funcs@0.1.0#call-string"), std::string::npos) << m;
  EXPECT_NE(m.find("\"funcs\""), std::string::npos) << m;
  EXPECT_NE(m.find("imports"), std::string::npos) << m;
}

TEST(ImportsGating, AWasiImportNotEnabledNamesItsGroup) {
  // c-cli (a wasi:cli/run command) imports wasi:cli and friends; with no `imports:` its run
  // traps at the first WASI call, naming the import and the group that provides it.
  std::string dir = std::string(WIRT_SOURCE_DIR) + "/tests/fixtures/components/c-cli";
  ASSERT_TRUE(fs::exists(dir + "/cli.wasm"));
  TempApp app(R"(namespace: t
entries:
  - {name: fx, kind: fs.directory, directory: ")" + dir + R"("}
  - {name: cli, kind: function.wasm, fs: t:fx, path: /cli.wasm, method: "wasi:cli/run@0.2.12#run",
      hash: "sha256:7e8d7ae12ce0e30bc70fbeee702eedc27647d808143556e258105299a8cb0bf0"}
)");
  auto booted = boot(app);
  ASSERT_TRUE(booted);
  auto r = booted->call("t:cli", {});
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("unresolved import wasi:"), std::string::npos) << m;
  EXPECT_NE(m.find("to imports:"), std::string::npos) << m;
}
