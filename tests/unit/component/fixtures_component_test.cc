// Every [go]/[js] case of fixtures/wippy/INDEX.md for the components that need no WASI host:
// minimal, complex, mapper, and strings/calculator/counter with C++ hosts that do what
// js-reference/*-host.js do. Values are in the Lua view of DESIGN §1.3 (enums by name, flags as
// set tables, results as {ok=…}/{err=…}); the WIT-level results are INDEX.md's.
#include <gtest/gtest.h>

#include <map>

#include "fixtures_helpers.h"

namespace wirt::component::testing {
namespace {

struct Case {
  const char* func;
  const char* args;    // JSON array
  const char* result;  // JSON
};

std::unique_ptr<ComponentInstance> instantiate(const std::string& fixture, const HostImports& host = {}) {
  auto c = load_fixture(fixture);
  if (!c) return nullptr;
  auto inst = ComponentInstance::create(c, host);
  EXPECT_TRUE(inst) << fixture << ": " << (inst ? "" : inst.error().message());
  return inst ? std::move(*inst) : nullptr;
}

void run_cases(ComponentInstance& inst, const std::vector<Case>& cases, bool reset_each = true) {
  for (const auto& c : cases) {
    auto args = json(c.args);
    auto r = inst.call(c.func, args.as_array());
    ASSERT_TRUE(r) << c.func << c.args << ": " << r.error().message();
    EXPECT_EQ(js(*r), js(json(c.result))) << c.func << c.args;
    if (reset_each) {
      ASSERT_TRUE(inst.reset());
    }
  }
}

HostImports minimal_host(int* calls) {
  HostImports h;
  h.add("test:minimal/host@0.1.0#add", {[calls](const core::Array& a) -> core::Result<core::Value> {
          ++*calls;
          return core::Value(int64_t(uint32_t(a[0].as_int() + a[1].as_int())));
        }, {}});
  return h;
}

TEST(FixtureMinimal, ComputeCases) {
  WIRT_REQUIRE_FIXTURES();
  int calls = 0;
  auto inst = instantiate("minimal.wasm", minimal_host(&calls));
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"compute", "[5,3]", "15"},
                    {"compute", "[6,7]", "42"},
                    {"compute", "[0,0]", "0"},
                    {"compute", "[1,1]", "1"},
                    {"compute", "[10,20]", "200"},
                    {"compute", "[100,100]", "10000"},
                    {"compute", "[65535,1]", "65535"},
                    {"compute", "[2,3]", "6"},
                    {"compute", "[65536,65536]", "0"}});
  EXPECT_EQ(calls, 0);
}

TEST(FixtureMinimal, ComputeUsingHostCallsAddOnce) {
  WIRT_REQUIRE_FIXTURES();
  int calls = 0;
  auto inst = instantiate("minimal.wasm", minimal_host(&calls));
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"compute-using-host", "[7,8]", "15"}});
  EXPECT_EQ(calls, 1);
  run_cases(*inst, {{"compute-using-host", "[1,2]", "3"}});
  EXPECT_EQ(calls, 2);
}

TEST(FixtureMinimal, HostSeesUserDataAndVersionMatching) {
  WIRT_REQUIRE_FIXTURES();
  HostImports h;
  void* seen = nullptr;
  std::string name;
  // Registered under another patch version: served (same 0.1.x).
  h.add("test:minimal/host@0.1.7#add", {{}, [&](HostCall& call, const core::Array& a) -> core::Result<core::Value> {
          seen = call.user_data;
          name = call.function.qualified();
          return core::Value(a[0].as_int() * 100 + a[1].as_int());
        }});
  auto inst = instantiate("minimal.wasm", h);
  ASSERT_TRUE(inst);
  int marker = 0;
  inst->user_data = &marker;
  auto r = inst->call("compute-using-host", json("[3,4]").as_array());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_int(), 304);
  EXPECT_EQ(seen, &marker);
  EXPECT_EQ(name, "test:minimal/host@0.1.0#add");
}

TEST(FixtureMinimal, IncompatibleVersionIsUnresolved) {
  WIRT_REQUIRE_FIXTURES();
  HostImports h;
  h.add("test:minimal/host@0.2.0#add", {[](const core::Array&) -> core::Result<core::Value> { return core::Value(1); }, {}});
  auto inst = instantiate("minimal.wasm", h);
  ASSERT_TRUE(inst);
  auto r = inst->call("compute-using-host", json("[3,4]").as_array());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("unresolved import test:minimal/host@0.1.0#add"), std::string::npos)
      << r.error().message();
}

TEST(FixtureMinimal, UnresolvedImportTrapsWithGroup) {
  WIRT_REQUIRE_FIXTURES();
  HostImports h;
  h.group_for_unresolved = [](std::string_view iface) {
    return iface.substr(0, 12) == "test:minimal" ? std::string("test:minimal") : std::string();
  };
  auto inst = instantiate("minimal.wasm", h);  // instantiation must not fail
  ASSERT_TRUE(inst);
  auto ok = inst->call("compute", json("[6,7]").as_array());
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->as_int(), 42);
  auto r = inst->call("compute-using-host", json("[7,8]").as_array());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Internal);
  EXPECT_EQ(r.error().message(), "unresolved import test:minimal/host@0.1.0#add: add \"test:minimal\" to imports:");
  // The instance keeps working after a reset.
  ASSERT_TRUE(inst->reset());
  auto again = inst->call("compute", json("[2,3]").as_array());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->as_int(), 6);
}

// Issue 11: an idle pooled component instance releases its cores' memories; the next reset
// instantiates every core afresh and calls work as before, again and again.
TEST(FixtureMinimal, ReleasedIdleMemoryThenResetCallsAsBefore) {
  WIRT_REQUIRE_FIXTURES();
  HostImports h;
  h.group_for_unresolved = [](std::string_view) { return std::string("test:minimal"); };
  auto inst = instantiate("minimal.wasm", h);
  ASSERT_TRUE(inst);
  for (int round = 0; round < 3; ++round) {
    auto r = inst->call("compute", json("[6,7]").as_array());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->as_int(), 42);
    inst->release_idle_memory();
    ASSERT_TRUE(inst->reset()) << "round " << round;
  }
  auto r = inst->call("compute", json("[2,3]").as_array());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_int(), 6);
}

TEST(FixtureMinimal, ExportsImportsAndErrors) {
  WIRT_REQUIRE_FIXTURES();
  auto c = load_fixture("minimal.wasm");
  ASSERT_TRUE(c);
  auto ex = c->exports();
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].name, "compute");
  EXPECT_EQ(ex[0].sig->to_wit(), "func(a: u32, b: u32) -> u32");
  auto im = c->imports();
  ASSERT_EQ(im.size(), 1u);
  EXPECT_EQ(im[0].qualified(), "test:minimal/host@0.1.0#add");
  EXPECT_NE(c->find_export("compute-using-host"), nullptr);
  EXPECT_EQ(c->find_export("nope"), nullptr);
  auto inst = instantiate("minimal.wasm");
  ASSERT_TRUE(inst);
  auto r = inst->call("nope", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::NotFound);
  EXPECT_NE(r.error().message().find("compute-using-host"), std::string::npos);
  auto bad = inst->call("compute", json("[1]").as_array());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), core::ErrorKind::Invalid);
  auto range = inst->call("compute", json("[-1, 2]").as_array());
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().kind(), core::ErrorKind::Invalid);
}

TEST(FixtureComplex, AllCases) {
  WIRT_REQUIRE_FIXTURES();
  auto inst = instantiate("complex.wasm");
  ASSERT_TRUE(inst);
  std::string big = "[";
  for (int i = 0; i < 1000; i++) big += (i ? "," : "") + std::to_string(i);
  big += "]";
  std::string big_args = "[" + big + "]";
  run_cases(*inst, {
      {"echo-point", R"([{"x":10,"y":20}])", R"({"x":10,"y":20})"},
      {"echo-point", R"([{"x":7,"y":11}])", R"({"x":7,"y":11})"},
      {"echo-person", R"([{"name":"Alice","age":30}])", R"({"name":"Alice","age":30})"},
      {"echo-rectangle", R"([{"top-left":{"x":0,"y":0},"bottom-right":{"x":100,"y":50}}])",
       R"({"top-left":{"x":0,"y":0},"bottom-right":{"x":100,"y":50}})"},
      {"echo-color", R"(["red"])", R"("red")"},
      {"echo-color", R"(["green"])", R"("green")"},
      {"echo-color", R"(["blue"])", R"("blue")"},
      {"echo-color", R"([2])", R"("blue")"},
      {"echo-shape", R"([{"circle":10}])", R"({"circle":10})"},
      {"echo-shape", R"([{"square":5}])", R"({"square":5})"},
      {"echo-shape", R"([{"rect":{"top-left":{"x":0,"y":0},"bottom-right":{"x":10,"y":20}}}])",
       R"({"rect":{"top-left":{"x":0,"y":0},"bottom-right":{"x":10,"y":20}}})"},
      {"echo-shape", R"(["none"])", R"({"none":true})"},
      {"echo-permissions", R"([{"read":true,"execute":true}])", R"({"read":true,"execute":true})"},
      {"echo-permissions", R"([7])", R"({"read":true,"write":true,"execute":true})"},
      {"echo-permissions", R"([2])", R"({"write":true})"},
      {"echo-permissions", R"([["read","write"]])", R"({"read":true,"write":true})"},
      {"echo-list-s32", "[[1,2,3,-4,5]]", "[1,2,3,-4,5]"},
      {"echo-list-s32", big_args.c_str(), big.c_str()},
      {"echo-list-string", R"([["hello","world","foo","bar"]])", R"(["hello","world","foo","bar"])"},
      {"echo-list-point", R"([[{"x":1,"y":2},{"x":3,"y":4},{"x":-5,"y":6}]])",
       R"([{"x":1,"y":2},{"x":3,"y":4},{"x":-5,"y":6}])"},
      {"maybe-point", "[true]", R"({"x":42,"y":24})"},
      {"maybe-point", "[false]", "null"},
      {"maybe-string", "[true]", R"("hello")"},
      {"maybe-string", "[false]", "null"},
      {"try-divide", "[10,2]", R"({"ok":5})"},
      {"try-divide", "[10,0]", R"({"err":{"code":1,"message":"division by zero"}})"},
      {"try-divide", "[7,2]", R"({"ok":3})"},
      {"try-divide", "[-9,3]", R"({"ok":-3})"},
      {"try-parse", R"(["42"])", R"({"ok":42})"},
      {"try-parse", R"(["-7"])", R"({"ok":-7})"},
      {"try-parse", R"(["not-a-number"])", R"({"err":"cannot parse: not-a-number"})"},
      {"try-parse", R"([""])", R"({"err":"cannot parse: "})"},
      {"swap-pair", "[1,2]", "[2,1]"},
      {"triple", "[5]", "[5,10,15]"},
      {"filter-adults",
       R"([[{"name":"Alice","age":25},{"name":"Bob","age":15},{"name":"Charlie","age":30},{"name":"Diana","age":17}]])",
       R"([{"name":"Alice","age":25},{"name":"Charlie","age":30}])"},
      {"filter-adults",
       R"([[{"name":"Alice","age":25},{"name":"Bob","age":15},{"name":"Charlie","age":30},{"name":"Diana","age":17},{"name":"Eve","age":18}]])",
       R"([{"name":"Alice","age":25},{"name":"Charlie","age":30},{"name":"Eve","age":18}])"},
      {"sum-list", "[[]]", "0"},
      {"sum-list", "[{}]", "0"},
      {"sum-list", "[[42]]", "42"},
      {"sum-list", "[[1,2,3,4,5]]", "15"},
      {"sum-list", "[[1,2,3,4]]", "10"},
      {"sum-list", "[[2147483647,1]]", "2147483648"},
      {"double-list", "[[1,2,3,4,5]]", "[2,4,6,8,10]"},
  });
}

TEST(FixtureComplex, EmptyListAndFlagsWithoutReset) {
  WIRT_REQUIRE_FIXTURES();
  auto inst = instantiate("complex.wasm");
  ASSERT_TRUE(inst);
  // Many calls on one instance without reset still work (the guest allocator keeps going).
  for (int i = 0; i < 50; i++) {
    auto r = inst->call("echo-list-string", json(R"([["a","bb","ccc"]])").as_array());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(js(*r), R"(["a","bb","ccc"])");
  }
  auto e = inst->call("echo-list-s32", json("[[]]").as_array());
  ASSERT_TRUE(e);
  EXPECT_EQ(js(*e), "[]");
  auto none = inst->call("echo-permissions", json("[0]").as_array());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->is_map() && none->as_map().empty()) << js(*none);
}

TEST(FixtureMapper, AllCases) {
  WIRT_REQUIRE_FIXTURES();
  auto inst = instantiate("mapper.wasm");
  ASSERT_TRUE(inst);
  const char* users =
      R"([[{"id":1,"name":"Alice","tags":["admin","dev"],"active":true},{"id":2,"name":"Bob","tags":["user"],"active":false}]])";
  const char* users3 =
      R"([[{"id":1,"name":"Alice","tags":["admin","dev"],"active":true},{"id":2,"name":"Bob","tags":["user"],"active":false},{"id":3,"name":"Carol","tags":["dev"],"active":true}]])";
  run_cases(*inst, {
      {"transform-users", users,
       R"([{"id":1,"display":"Alice [admin, dev]","tag-count":2},{"id":2,"display":"Bob [user]","tag-count":1}])"},
      {"filter-active", users, R"([{"id":1,"display":"Alice [admin, dev]","tag-count":2}])"},
      {"aggregate-tags", users, R"(["admin","dev","user"])"},
      {"transform-users", R"([[{"id":42,"name":"Test","tags":["a","b"],"active":true}]])",
       R"([{"id":42,"display":"Test [a, b]","tag-count":2}])"},
      {"transform-users", R"([[{"id":42,"name":"Test","tags":[],"active":true}]])",
       R"([{"id":42,"display":"Test []","tag-count":0}])"},
      {"transform-users", R"([[{"id":42,"name":"Test","tags":{},"active":true}]])",
       R"([{"id":42,"display":"Test []","tag-count":0}])"},
      {"transform-users", "[[]]", "[]"},
      {"filter-active", users3,
       R"([{"id":1,"display":"Alice [admin, dev]","tag-count":2},{"id":3,"display":"Carol [dev]","tag-count":1}])"},
      {"aggregate-tags", users3, R"(["admin","dev","user"])"},
  });
  // 1000 users, tags a,b,c.
  core::Array list;
  for (int i = 0; i < 1000; i++) {
    core::Map u;
    u.emplace_back("id", core::Value(i));
    u.emplace_back("name", core::Value("user" + std::to_string(i)));
    u.emplace_back("tags", json(R"(["a","b","c"])"));
    u.emplace_back("active", core::Value(true));
    list.push_back(core::Value(std::move(u)));
  }
  auto r = inst->call("transform-users", core::Array{core::Value(std::move(list))});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->as_array().size(), 1000u);
  EXPECT_EQ(js(r->as_array()[999]), R"({"id":999,"display":"user999 [a, b, c]","tag-count":3})");
}

TEST(FixtureStrings, EchoAndProcess) {
  WIRT_REQUIRE_FIXTURES();
  std::vector<std::string> logs;
  HostImports h;
  h.add("test:strings/host@0.1.0#log", {[&](const core::Array& a) -> core::Result<core::Value> {
          logs.push_back(a[0].as_string());
          return core::Value();
        }, {}});
  h.add("test:strings/host@0.1.0#concat", {[](const core::Array& a) -> core::Result<core::Value> {
          return core::Value(a[0].as_string() + a[1].as_string());
        }, {}});
  auto inst = instantiate("strings.wasm", h);
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"echo", R"(["hello"])", R"("hello")"},
                    {"echo", R"(["Hello 世界 🎉"])", R"("Hello 世界 🎉")"},
                    {"echo", R"([""])", R"("")"}});
  logs.clear();
  run_cases(*inst, {{"process", R"(["test"])", R"("test!")"}});
  EXPECT_EQ(logs, std::vector<std::string>{"test"});
  logs.clear();
  run_cases(*inst, {{"process", R"([""])", R"("!")"}});
  EXPECT_EQ(logs, std::vector<std::string>{""});
}

TEST(FixtureCalculator, ProcessAndLog) {
  WIRT_REQUIRE_FIXTURES();
  std::vector<std::string> logs;
  HostImports h;
  h.add("wisma:calculator/host@0.1.0#log", {[&](const core::Array& a) -> core::Result<core::Value> {
          logs.push_back(a[0].as_string());
          return core::Value();
        }, {}});
  h.add("wisma:calculator/host@0.1.0#compute", {[](const core::Array& a) -> core::Result<core::Value> {
          return core::Value(int64_t(uint32_t(a[0].as_int() * a[1].as_int())));
        }, {}});
  h.group_for_unresolved = [](std::string_view iface) { return std::string(iface.substr(0, iface.find('/'))); };
  auto inst = instantiate("calculator.wasm", h);
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"process", "[6,7]", "42"}, {"process", "[3,4]", "12"}, {"process", "[5,5]", "25"}});
  for (int i = 0; i < 5; i++) run_cases(*inst, {{"process", ("[" + std::to_string(i + 1) + ",10]").c_str(),
                                                 std::to_string(10 * (i + 1)).c_str()}}, false);
  logs.clear();
  run_cases(*inst, {{"process-with-log", R"([3,4,"test message"])", "12"}});
  EXPECT_EQ(logs, (std::vector<std::string>{"Component received: test message", "Host computed: 3 + 4 = 12",
                                            "Component computed: 3 * 4 = 12"}));
}

// The counter host resource of js-reference/counter-host.js.
struct CounterHost {
  std::map<int64_t, uint32_t> live;
  int64_t next = 100;
  int created = 0, dropped = 0;
  HostImports imports() {
    HostImports h;
    const std::string p = "test:counter/host@0.1.0#";
    h.add(p + "[constructor]counter", {[this](const core::Array&) -> core::Result<core::Value> {
            created++;
            live[++next] = 0;
            return core::Value(next);
          }, {}});
    h.add(p + "[method]counter.increment", {[this](const core::Array& a) -> core::Result<core::Value> {
            auto it = live.find(a[0].as_int());
            if (it == live.end()) return core::internal("unknown counter");
            it->second++;
            return core::Value();
          }, {}});
    h.add(p + "[method]counter.get", {[this](const core::Array& a) -> core::Result<core::Value> {
            auto it = live.find(a[0].as_int());
            if (it == live.end()) return core::internal("unknown counter");
            return core::Value(int64_t(it->second));
          }, {}});
    h.add(p + "[resource-drop]counter", {[this](const core::Array& a) -> core::Result<core::Value> {
            dropped++;
            live.erase(a[0].as_int());
            return core::Value();
          }, {}});
    return h;
  }
};

TEST(FixtureCounter, HostResource) {
  WIRT_REQUIRE_FIXTURES();
  CounterHost host;
  auto inst = instantiate("counter.wasm", host.imports());
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"run-test", "[0]", "0"}, {"run-test", "[1]", "1"}, {"run-test", "[5]", "5"},
                    {"run-test", "[10]", "10"}, {"multi-test", "[]", "6"}});
  EXPECT_GE(host.created, 5);
  // Every counter the guest created was dropped (by the guest or at reset).
  EXPECT_EQ(host.dropped, host.created);
  EXPECT_TRUE(host.live.empty());
  EXPECT_EQ(inst->resources().live(), 0u);
}

TEST(FixtureCounter, WithoutHostResourceDropIsNoop) {
  WIRT_REQUIRE_FIXTURES();
  auto inst = instantiate("counter.wasm");
  ASSERT_TRUE(inst);
  auto r = inst->call("run-test", json("[1]").as_array());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("unresolved import test:counter/host@0.1.0#[constructor]counter"), std::string::npos)
      << r.error().message();
}

TEST(FixtureSleep, UnresolvedWasiImportTraps) {
  WIRT_REQUIRE_FIXTURES();
  HostImports h;
  h.group_for_unresolved = [](std::string_view iface) -> std::string {
    if (iface.rfind("wasi:clocks/", 0) == 0) return "wasi:clocks";
    if (iface.rfind("wasi:io/poll", 0) == 0) return "wasi:poll";
    return "";
  };
  auto inst = instantiate("sleep-test.wasm", h);
  ASSERT_TRUE(inst);
  auto c = load_fixture("sleep-test.wasm");
  EXPECT_NE(c->find_export("test-sleep#sleep-ms"), nullptr);
  EXPECT_NE(c->find_export("test-sleep#work-with-sleep"), nullptr);
  auto r = inst->call("test-sleep#sleep-ms", json("[5]").as_array());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "unresolved import wasi:clocks/monotonic-clock@0.2.8#now: add \"wasi:clocks\" to imports:");
}

TEST(FixtureSleep, FakeClockAndPoll) {
  WIRT_REQUIRE_FIXTURES();
  // sleep-ms(ms) = now() after block − now() before, with a fake clock that advances on block.
  int64_t clock = 1000;
  std::map<int64_t, int64_t> pollables;  // rep → deadline
  int64_t next = 0;
  int dropped = 0;
  HostImports h;
  h.add("wasi:clocks/monotonic-clock@0.2.0#now", {[&](const core::Array&) -> core::Result<core::Value> {
          return core::Value(clock);
        }, {}});
  h.add("wasi:clocks/monotonic-clock@0.2.0#subscribe-duration", {[&](const core::Array& a) -> core::Result<core::Value> {
          pollables[++next] = clock + a[0].as_int();
          return core::Value(next);
        }, {}});
  h.add("wasi:io/poll@0.2.0#[method]pollable.block", {[&](const core::Array& a) -> core::Result<core::Value> {
          clock = std::max(clock, pollables.at(a[0].as_int()));
          return core::Value();
        }, {}});
  h.add("wasi:io/poll@0.2.0#[resource-drop]pollable", {[&](const core::Array& a) -> core::Result<core::Value> {
          dropped++;
          pollables.erase(a[0].as_int());
          return core::Value();
        }, {}});
  auto inst = instantiate("sleep-test.wasm", h);
  ASSERT_TRUE(inst);
  run_cases(*inst, {{"test-sleep#sleep-ms", "[5]", "5000000"},
                    {"test-sleep#work-with-sleep", "[2,5]", "10000000"},
                    {"test-sleep#work-with-sleep", "[0,5]", "0"}});
  EXPECT_EQ(dropped, 3);
  EXPECT_TRUE(pollables.empty());
}

}  // namespace
}  // namespace wirt::component::testing
