// Registry changes applied through the reload transaction (app/reload.h Reloader::apply):
// versions, rejection that keeps the running version, concurrency with file reloads, and the
// Lua module's changesets end to end.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "app/app.h"
#include "app/reload.h"
#include "registry/changes.h"
#include "boot_app.h"
#include "temp_app.h"

using namespace wirt;

namespace {

using wirt::testing::TempApp;

const auto& boot = wirt::testing::boot_two_threads;

registry::Entry lua_function(const std::string& id, const std::string& source) {
  registry::Entry e;
  e.id = registry::EntryId::parse(id);
  e.kind = "function.lua";
  e.data.set("source", source);
  e.data.set("method", "f");
  return e;
}

registry::Edit creating(registry::Entry e) {
  return [e](const std::vector<registry::Entry>& running) {
    return registry::apply_changes(running, {{registry::Change::Op::Create, e}});
  };
}

const std::string kHead = "namespace: t\nentries:\n";
const std::string kA = "  - {name: a, kind: function.lua, method: f, source: \"return {f=function() return 1 end}\"}\n";

}  // namespace

TEST(RegistryApply, AppliedChangeIsTheNextVersionAndRuns) {
  TempApp dir(kHead + kA);
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  EXPECT_EQ(a.store().current()->version, 1u);
  auto v = a.reloader().apply(creating(lua_function("t:b", "return {f=function() return 2 end}")));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, 2u);
  EXPECT_EQ(a.store().current()->version, 2u);
  ASSERT_NE(a.find("t:b"), nullptr);
  auto r = a.call("t:b", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_int(), 2);
  // A file reload afterwards is the next version too, and says what the files say.
  auto o = a.reloader().reload();
  ASSERT_TRUE(o.applied);
  EXPECT_EQ(o.version, 3u);
  EXPECT_EQ(a.find("t:b"), nullptr);
}

TEST(RegistryApply, RejectedChangeNamesEveryProblemAndKeepsTheVersion) {
  TempApp dir(kHead + kA);
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  registry::Entry no_method = lua_function("t:y", "return {}");
  no_method.data.erase("method");
  auto edit = [&](const std::vector<registry::Entry>& running) {
    return registry::apply_changes(running, {{registry::Change::Op::Create, lua_function("t:x", "return {f=function( end}")},
                                             {registry::Change::Op::Create, no_method}});
  };
  auto v = a.reloader().apply(edit);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind(), core::ErrorKind::Internal);
  EXPECT_NE(v.error().message().find("apply changes: "), std::string::npos) << v.error().message();
  EXPECT_NE(v.error().message().find("entry t:x"), std::string::npos) << v.error().message();
  EXPECT_NE(v.error().message().find("entry t:y"), std::string::npos) << v.error().message();
  EXPECT_EQ(a.store().current()->version, 1u);
  EXPECT_EQ(a.find("t:x"), nullptr);
  auto r = a.call("t:a", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_int(), 1);
  // An edit that fails applies nothing either.
  auto conflict = a.reloader().apply(creating(lua_function("t:a", "return {f=function() return 9 end}")));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().kind(), core::ErrorKind::Invalid);
  EXPECT_EQ(a.store().current()->version, 1u);
}

// Changes from fibers (Lua) and reloads from another thread, at once: each one is a whole
// transaction and gets its own version.
TEST(RegistryApply, ConcurrentChangesAreSerialised) {
  TempApp dir(kHead + kA +
              "  - name: add\n    kind: function.lua\n    method: f\n    modules: [registry]\n"
              "    source: |\n"
              "      return {f = function(n)\n"
              "        local c = registry.snapshot():changes()\n"
              "        c:create({id = 't:made' .. n, kind = 'registry.entry'})\n"
              "        local v, err = c:apply()\n"
              "        if not v then error(err) end\n"
              "        return v:id()\n"
              "      end}\n");
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  constexpr int kFibers = 4;
  std::vector<std::thread> callers;
  std::vector<int64_t> versions(kFibers, 0);
  for (int i = 0; i < kFibers; ++i)
    callers.emplace_back([&, i] {
      auto r = a.call("t:add", {core::Value(i)});
      EXPECT_TRUE(r) << r.error().message();
      if (r) versions[i] = r->as_int();
    });
  std::thread reloads([&] {
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(a.reloader().reload().applied);
  });
  for (auto& t : callers) t.join();
  reloads.join();
  std::sort(versions.begin(), versions.end());
  for (int i = 1; i < kFibers; ++i) EXPECT_NE(versions[i], versions[i - 1]) << "each change is its own version";
  EXPECT_EQ(a.store().current()->version, 1u + kFibers + 2);
}

// A chunk's top level runs while the app boots (each function loads once then): no change can
// start a transaction on the half-built app.
TEST(RegistryApply, NoChangesWhileTheAppBoots) {
  TempApp dir(kHead +
              "  - name: eager\n    kind: function.lua\n    method: f\n    modules: [registry]\n"
              "    source: |\n"
              "      local v, err = registry.snapshot():changes():create({id = 't:x', kind = 'k'}):apply()\n"
              "      AT_LOAD = tostring(v) .. ' ' .. tostring(err)\n"
              "      return {f = function() return AT_LOAD end}\n");
  auto booted = boot(dir);
  ASSERT_TRUE(booted);
  app::App& a = *booted;
  auto r = a.call("t:eager", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_string(), "nil registry changes are not available (no app, or it is still booting)");
  EXPECT_EQ(a.store().current()->version, 1u);
  EXPECT_EQ(a.find("t:x"), nullptr);
}
