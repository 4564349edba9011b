// Hot reload as one transaction (src/app/reload.h): accepted changes, rejected ones that keep
// the running version, removal, additions, restart-only kinds, and generation pinning of
// calls in flight.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "app/app.h"
#include "app/reload.h"
#include "boot_app.h"
#include "temp_app.h"

using namespace wirt;

namespace {

using wirt::testing::TempApp;

const auto& boot = wirt::testing::boot_two_threads;

std::string lua_returning(const std::string& name, const std::string& value) {
  return "  - {name: " + name + ", kind: function.lua, method: f, source: \"return {f=function() return " + value +
         " end}\"}\n";
}

std::string wat_returning(const std::string& name, int value) {
  return "  - {name: " + name + ", kind: function.wat, method: v, source: '(module (func (export \"v\") (result i32) i32.const " +
         std::to_string(value) + "))'}\n";
}

std::string all_problems(const app::ReloadOutcome& o) {
  std::string all;
  for (const auto& p : o.problems) all += p.message() + "\n";
  return all;
}

int64_t call_int(app::App& a, const std::string& id) {
  auto r = a.call(id, {});
  EXPECT_TRUE(r.ok()) << id << ": " << r.error().message();
  return r.ok() ? r->as_int() : -1;
}

const std::string kHead = "namespace: t\nentries:\n";

}  // namespace

TEST(Reload, AppliesChangedAddedAndRemovedEntries) {
  TempApp dir(kHead + lua_returning("a", "1") + lua_returning("gone", "7") + wat_returning("w", 10));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  EXPECT_EQ(call_int(a, "t:a"), 1);
  EXPECT_EQ(call_int(a, "t:w"), 10);

  dir.write("_index.yaml", kHead + lua_returning("a", "2") + wat_returning("w", 20) + lua_returning("fresh", "3"));
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  ASSERT_TRUE(o.applied) << all_problems(o);
  EXPECT_EQ(o.generation, 1u);
  EXPECT_EQ(o.added, std::vector<std::string>{"t:fresh"});
  EXPECT_EQ(o.removed, std::vector<std::string>{"t:gone"});
  EXPECT_EQ(o.changed, (std::vector<std::string>{"t:a", "t:w"}));
  EXPECT_EQ(call_int(a, "t:a"), 2);
  EXPECT_EQ(call_int(a, "t:w"), 20);
  EXPECT_EQ(call_int(a, "t:fresh"), 3);
  auto gone = a.call("t:gone", {});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), core::ErrorKind::NotFound);
  EXPECT_EQ(a.find("t:gone"), nullptr);
  ASSERT_NE(a.find("t:fresh"), nullptr);
}

TEST(Reload, BrokenYamlKeepsTheRunningVersion) {
  TempApp dir(kHead + lua_returning("a", "1"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  dir.write("_index.yaml", kHead + "  - {name: a, kind: function.lua, method: f, source: \"return 2\"\n");  // unclosed {
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  EXPECT_FALSE(o.applied);
  ASSERT_FALSE(o.problems.empty());
  EXPECT_NE(all_problems(o).find("_index.yaml"), std::string::npos) << all_problems(o);
  EXPECT_EQ(call_int(a, "t:a"), 1);

  // The next good save is applied.
  dir.write("_index.yaml", kHead + lua_returning("a", "2"));
  auto good = reloader.reload();
  ASSERT_TRUE(good.applied) << all_problems(good);
  EXPECT_EQ(call_int(a, "t:a"), 2);
}

TEST(Reload, OneBadEntryRejectsTheWholeChangeAndEveryProblemIsReported) {
  TempApp dir(kHead + lua_returning("a", "1") + wat_returning("w", 10));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  dir.write("_index.yaml", kHead + lua_returning("a", "2") + wat_returning("w", 20) +
                               "  - {name: no_method, kind: function.lua, source: \"return {}\"}\n"
                               "  - {name: imp, kind: function.lua, method: f, source: \"return {f=function() end}\", "
                               "imports: {x: t:missing}}\n"
                               "  - {name: badwat, kind: function.wat, method: v, source: '(module (func (export \"v\") "
                               "(result i32) i64.const 1))'}\n");
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  EXPECT_FALSE(o.applied);
  std::string all = all_problems(o);
  EXPECT_NE(all.find("entry t:no_method: method: is required"), std::string::npos) << all;
  EXPECT_NE(all.find("entry t:badwat"), std::string::npos) << all;
  // Nothing of the change runs: the old functions answer, the new ones do not exist.
  EXPECT_EQ(call_int(a, "t:a"), 1);
  EXPECT_EQ(call_int(a, "t:w"), 10);
  EXPECT_FALSE(a.call("t:imp", {}).ok());
  EXPECT_EQ(a.find("t:no_method"), nullptr);
}

TEST(Reload, UnresolvedImportRejectsTheChange) {
  TempApp dir(kHead + lua_returning("a", "1"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  dir.write("_index.yaml", kHead + "  - {name: a, kind: function.lua, method: f, source: \"return {f=function() return 2 end}\", "
                                   "imports: {x: t:missing}}\n");
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  EXPECT_FALSE(o.applied);
  EXPECT_NE(all_problems(o).find("t:missing"), std::string::npos) << all_problems(o);
  EXPECT_EQ(call_int(a, "t:a"), 1);
}

TEST(Reload, ACallInFlightFinishesOnItsGenerationWithoutMixing) {
  // The outer function sleeps, then calls t:inner; the reload changes both in between. The
  // call that started before the reload sees the old pair, a new call the new pair.
  auto outer = [](const std::string& tag) {
    return "  - {name: outer, kind: function.lua, method: f, modules: [time, funcs], source: \"return {f=function(d) "
           "time.sleep(d) return '" + tag + "+' .. funcs.call('t:inner') end}\"}\n";
  };
  TempApp dir(kHead + outer("old") + "  - {name: inner, kind: function.lua, method: f, source: \"return {f=function() return 'old' end}\"}\n");
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  auto in_flight = std::async(std::launch::async, [&] { return a.call("t:outer", {core::Value("300ms")}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  dir.write("_index.yaml", kHead + outer("new") + "  - {name: inner, kind: function.lua, method: f, source: \"return {f=function() return 'new' end}\"}\n");
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  ASSERT_TRUE(o.applied) << all_problems(o);
  auto fresh = a.call("t:outer", {core::Value("1ms")});
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  EXPECT_EQ(fresh->as_string(), "new+new");
  auto old = in_flight.get();
  ASSERT_TRUE(old.ok()) << old.error().message();
  EXPECT_EQ(old->as_string(), "old+old");
}

TEST(Reload, KindsThatOwnRunningThingsWaitForARestart) {
  TempApp dir(kHead + lua_returning("a", "1") + "  - {name: host, kind: process.host}\n");
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  dir.write("_index.yaml", kHead + lua_returning("a", "2") +
                               "  - {name: host, kind: process.host, host: {workers: 3}}\n"
                               "  - {name: gw, kind: http.service, addr: '127.0.0.1:0'}\n");
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  ASSERT_TRUE(o.applied) << all_problems(o);
  ASSERT_EQ(o.restart_needed.size(), 2u);
  std::string all = o.restart_needed[0] + "\n" + o.restart_needed[1];
  EXPECT_NE(all.find("entry t:host (process.host) changed: needs a restart"), std::string::npos) << all;
  EXPECT_NE(all.find("entry t:gw (http.service) added: needs a restart"), std::string::npos) << all;
  EXPECT_EQ(call_int(a, "t:a"), 2);  // the rest of the change is applied
  // The registry says what runs: the old host definition, no service.
  ASSERT_NE(a.find("t:host"), nullptr);
  EXPECT_EQ(a.find("t:host")->data.find("host"), nullptr);
  EXPECT_EQ(a.find("t:gw"), nullptr);
}

TEST(Reload, RoutesOfAServiceWaitingForARestartAreCheckedNotRejected) {
  TempApp dir(kHead + lua_returning("a", "1"));
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  dir.write("_index.yaml", kHead + lua_returning("a", "1") +
                               "  - {name: gw, kind: http.service, addr: '127.0.0.1:0'}\n"
                               "  - {name: api, kind: http.router, meta: {server: t:gw}}\n"
                               "  - {name: ep, kind: http.endpoint, meta: {router: t:api}, method: GET, path: /x, func: t:a}\n"
                               "  - {name: bad, kind: http.endpoint, meta: {router: t:api}, method: GET, path: /y, func: t:nope}\n");
  app::Reloader reloader(&a);
  auto o = reloader.reload();
  EXPECT_FALSE(o.applied);
  EXPECT_NE(all_problems(o).find("entry t:bad: func: function not found: t:nope"), std::string::npos) << all_problems(o);
}
