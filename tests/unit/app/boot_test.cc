#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/app.h"
#include "temp_app.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace fs = std::filesystem;
using namespace wirt;

namespace {

using wirt::testing::TempApp;

app::BootOptions two_threads() {
  app::BootOptions o;
  o.threads = 2;
  return o;
}

}  // namespace

TEST(Boot, CallsALuaFunction) {
  TempApp app(R"(namespace: t
entries:
  - {name: add, kind: function.lua, source: "return {add=function(a,b) return a+b end}", method: add}
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok()) << booted.error().message();
  auto r = (*booted)->call("t:add", {core::Value(6), core::Value(7)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->as_int(), 13);
}

TEST(Boot, IsOneTransactionReportingEveryProblem) {
  TempApp app(R"(namespace: t
entries:
  - {name: ok, kind: function.lua, source: "return {f=function() end}", method: f}
  - {name: no_method, kind: function.lua, source: "return {}"}
  - {name: bad_mod, kind: function.lua, source: "return {f=function() end}", method: f, modules: [nope]}
  - {name: bad_import, kind: function.lua, source: "return {f=function() end}", method: f, imports: {x: t:missing}}
)");
  std::vector<core::Error> problems;
  auto booted = app::App::boot(app.dir(), two_threads(), &problems);
  ASSERT_FALSE(booted.ok());
  ASSERT_GE(problems.size(), 2u);
  std::string all;
  for (const auto& p : problems) all += p.message() + "\n";
  EXPECT_NE(all.find("entry t:no_method: method: is required"), std::string::npos) << all;
  EXPECT_NE(all.find("entry t:bad_mod: modules: unknown module 'nope'"), std::string::npos) << all;
}

TEST(Boot, ImportCycleFreeLibrariesLoadOncePerState) {
  TempApp app(R"(namespace: t
entries:
  - {name: lib, kind: library.lua, source: "counter = (counter or 0) + 1; return {n=function() return counter end}"}
  - {name: f, kind: function.lua, source: "local l = require('lib'); local l2 = require('lib'); return {f=function() return l.n() + (l == l2 and 0 or 100) end}", method: f, imports: {lib: t:lib}}
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok()) << booted.error().message();
  auto r = (*booted)->call("t:f", {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->as_int(), 1);
}

TEST(Boot, CpuBoundLuaStopsAtTheDeadline) {
  TempApp app(R"(namespace: t
entries:
  - {name: spin, kind: function.lua, source: "return {f=function() while true do end end}", method: f}
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok());
  sched::CallContext ctx;
  ctx.deadline = sched::CallContext::Clock::now() + std::chrono::milliseconds(50);
  auto start = std::chrono::steady_clock::now();
  auto r = (*booted)->call("t:spin", {}, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  // The state was not poisoned: the next call with no deadline runs (and is stopped again).
  ctx.deadline = sched::CallContext::Clock::now() + std::chrono::milliseconds(20);
  EXPECT_EQ((*booted)->call("t:spin", {}, ctx).error().kind(), core::ErrorKind::Timeout);
}

TEST(Boot, CallerDeadlineStopsGuestCodeWithoutItsOwnLimit) {
  // Regression: only limits.max_execution_ms used to bound guest code; a caller's deadline
  // (a test timeout, an outer limit) must stop an infinite loop too.
  TempApp app(R"(namespace: t
entries:
  - {name: spin, kind: function.wat, method: spin, source: '(module (func (export "spin") (loop (br 0))))'}
  - {name: answer, kind: function.wat, method: answer, source: '(module (func (export "answer") (result i32) i32.const 42))'}
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok()) << booted.error().message();
  sched::CallContext ctx;
  ctx.deadline = sched::CallContext::Clock::now() + std::chrono::milliseconds(60);
  auto start = std::chrono::steady_clock::now();
  auto r = (*booted)->call("t:spin", {}, ctx);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout) << r.error().message();
  EXPECT_LT(elapsed, std::chrono::milliseconds(300));
  auto ok = (*booted)->call("t:answer", {});
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->as_int(), 42);
}

namespace {
std::string shared_fixtures() { return std::string(WIRT_SHARED_DIR) + "/fixtures/wippy"; }
}  // namespace

TEST(Boot, SleepTestComponentSuspendsFibersOnWasiPoll) {
  if (!std::filesystem::exists(shared_fixtures() + "/sleep-test.wasm")) {
    GTEST_SKIP() << "skipped: fixtures not found at " << shared_fixtures() << " (set WIRT_SHARED_DIR)";
  }
  TempApp app(R"(namespace: t
entries:
  - {name: fx, kind: fs.directory, directory: ")" + shared_fixtures() + R"("}
  - name: sleep_ms
    kind: function.wasm
    fs: t:fx
    path: /sleep-test.wasm
    hash: sha256:0044be3a042b7a11dae878667e7eb967c14d041825b1448b72b16d97e9ac706d
    method: test-sleep#sleep-ms
    imports: [wasi:io, wasi:poll, wasi:clocks]
  - name: work
    kind: function.wasm
    fs: t:fx
    path: /sleep-test.wasm
    hash: sha256:0044be3a042b7a11dae878667e7eb967c14d041825b1448b72b16d97e9ac706d
    method: test-sleep#work-with-sleep
    imports: [wasi:io, wasi:poll, wasi:clocks]
  - name: no_clocks
    kind: function.wasm
    fs: t:fx
    path: /sleep-test.wasm
    hash: sha256:0044be3a042b7a11dae878667e7eb967c14d041825b1448b72b16d97e9ac706d
    method: test-sleep#sleep-ms
    imports: [wasi:poll]
  - name: limited
    kind: function.wasm
    fs: t:fx
    path: /sleep-test.wasm
    hash: sha256:0044be3a042b7a11dae878667e7eb967c14d041825b1448b72b16d97e9ac706d
    method: test-sleep#sleep-ms
    imports: [wasi:io, wasi:poll, wasi:clocks]
    limits: {max_execution_ms: 50}
  - name: many
    kind: function.lua
    modules: [funcs]
    method: run
    source: |
      return { run = function(n)
        local fs = {}
        for i = 1, n do fs[i] = funcs.async("t:sleep_ms", 50) end
        for i = 1, n do
          local p, ok = fs[i]:response():receive()
          assert(ok, tostring(fs[i]:error()))
          assert(p:data() >= 50000000)
        end
        return n
      end }
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok()) << booted.error().message();
  auto one = (*booted)->call("t:sleep_ms", {core::Value(5)});
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_GE(one->as_int(), 5'000'000);
  auto work = (*booted)->call("t:work", {core::Value(2), core::Value(5)});
  ASSERT_TRUE(work.ok()) << work.error().message();
  EXPECT_GE(work->as_int(), 10'000'000);
  // Regression: a fiber suspended inside a host import left its trap state on the thread, and
  // calls started meanwhile on other fibers failed with "call stack exhausted".
  auto start = std::chrono::steady_clock::now();
  auto many = (*booted)->call("t:many", {core::Value(300)});
  ASSERT_TRUE(many.ok()) << many.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "sleeps overlap";
  auto missing = (*booted)->call("t:no_clocks", {core::Value(5)});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("add \"wasi:clocks\" to imports:"), std::string::npos)
      << missing.error().message();
  // max_execution_ms covers waits as well as compute.
  auto t0 = std::chrono::steady_clock::now();
  auto limited = (*booted)->call("t:limited", {core::Value(500)});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200)) << "the wait is cut at the limit";
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().kind(), core::ErrorKind::Timeout) << limited.error().message();
}

TEST(Boot, ProcessWasmOfTheMinimalFixtureReportsExit) {
  if (!std::filesystem::exists(shared_fixtures() + "/minimal.wasm")) {
    GTEST_SKIP() << "skipped: fixtures not found at " << shared_fixtures() << " (set WIRT_SHARED_DIR)";
  }
  TempApp app(R"(namespace: t
entries:
  - {name: fx, kind: fs.directory, directory: ")" + shared_fixtures() + R"("}
  - {name: host, kind: process.host, lifecycle: {auto_start: true}}
  - name: compute
    kind: process.wasm
    fs: t:fx
    path: /minimal.wasm
    hash: sha256:292b796376f8b4cc360acf2ea6b82d1084871c3607a079f30b446da8e5c984a4
    method: compute
  - name: needs_host
    kind: process.wasm
    fs: t:fx
    path: /minimal.wasm
    hash: sha256:292b796376f8b4cc360acf2ea6b82d1084871c3607a079f30b446da8e5c984a4
    method: compute-using-host
  - name: spawner
    kind: function.lua
    modules: [time]
    method: run
    source: |
      local function wait(events, pid)
        local r = channel.select({ events:case_receive(), time.after("3s"):case_receive() })
        assert(r.channel == events, "EXIT within 3 s")
        assert(r.value.kind == process.event.EXIT and r.value.from == pid)
        return r.value.result
      end
      return { run = function()
        local events = process.events()
        local pid = process.spawn_monitored("t:compute", "t:host", 6, 7)
        local ok = wait(events, pid)
        assert(ok.value == 42 and ok.error == nil, "result.value")
        local bad = process.spawn_monitored("t:needs_host", "t:host", 7, 8)
        local failed = wait(events, bad)
        assert(failed.value == nil and failed.error ~= nil, "result.error")
        assert(failed.error:message():find("unresolved import test:minimal/host@0.1.0#add"), failed.error:message())
        return true
      end }
)");
  auto booted = app::App::boot(app.dir(), two_threads());
  ASSERT_TRUE(booted.ok()) << booted.error().message();
  auto r = (*booted)->call("t:spawner", {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->as_bool());
}

TEST(Boot, ResetAfterAnExpiredDeadlineIsNotATimeout) {
  // Regression: an instance kept the previous call's deadline, and the reset before the next
  // call (re-instantiation) ran under it — an already-passed deadline failed the reset.
  auto module = wasm::Module::compile_wat(R"((module (memory 1) (func (export "answer") (result i32) i32.const 42)))");
  ASSERT_TRUE(module.ok()) << module.error().message();
  wasm::Linker linker;
  auto inst = wasm::Instance::create(*module, linker);
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch()).count();
  (*inst)->set_call_deadline(now + 1'000'000);
  uint64_t result = 0;
  ASSERT_TRUE((*inst)->call("answer", {}, std::span<uint64_t>(&result, 1)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto reset = (*inst)->reset();
  EXPECT_TRUE(reset.ok()) << reset.error().message();
}
