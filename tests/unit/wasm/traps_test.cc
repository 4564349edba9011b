// Traps, stack exhaustion, memory limits, interruption and per-thread trap state.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "test_util.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

using testing::compile_or_die;
using testing::instantiate_or_die;

constexpr const char* kTrapWat = R"((module
  (memory 1)
  (func (export "unreachable") unreachable)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32) (result i32) local.get 0 i32.const 7 i32.store i32.const 1)
  (func (export "trunc") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
  (func $rec (export "rec") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $rec i32.const 1 i32.add)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (table 2 funcref)
  (elem (i32.const 0) $rec)
  (type $v (func))
  (func (export "ci") (param i32) local.get 0 call_indirect (type $v))
  (func (export "spin") (loop br 0))
  (func (export "count") (param i32) (result i32) (local i32)
    (block (loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.ge_u br_if 1 br 0))
    local.get 1)
))";

std::string call_error(Instance& inst, std::string_view name, std::vector<uint64_t> args) {
  uint64_t r[2] = {};
  auto st = inst.call(name, args, r);
  if (st.ok()) return "ok";
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Internal) << st.error().message();
  return st.error().message();
}

// (guard pages?, tier)
class TrapTest : public ::testing::TestWithParam<std::tuple<bool, int>> {
 protected:
  void SetUp() override {
    if (std::get<1>(GetParam()) == 2 && !system_compiler().available)
      GTEST_SKIP() << "no C compiler: tier 2 not tested";
  }
  CompileOptions options() {
    auto o = std::get<1>(GetParam()) == 2 ? testing::tier2_only() : testing::tier1_only();
    o.bounds_checks = std::get<0>(GetParam()) ? BoundsChecks::Guard : BoundsChecks::Explicit;
    return o;
  }
};

TEST_P(TrapTest, TrapMessages) {
  auto m = compile_or_die(kTrapWat, options());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tier(), std::get<1>(GetParam()));
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_error(*inst, "unreachable", {}), "wasm trap: unreachable");
  EXPECT_EQ(call_error(*inst, "div", {1, 0}), "wasm trap: integer divide by zero");
  EXPECT_EQ(call_error(*inst, "div", {0x80000000u, 0xffffffffu}), "wasm trap: integer overflow");
  EXPECT_EQ(call_error(*inst, "load", {65534}), "wasm trap: out of bounds memory access");
  EXPECT_EQ(call_error(*inst, "load", {0xfffffff0u}), "wasm trap: out of bounds memory access");
  EXPECT_EQ(call_error(*inst, "store", {65536}), "wasm trap: out of bounds memory access");
  EXPECT_EQ(call_error(*inst, "trunc", {testing::f64_bits(NAN)}),
            "wasm trap: invalid conversion to integer");
  EXPECT_EQ(call_error(*inst, "ci", {5}), "wasm trap: out of bounds table access");
  EXPECT_EQ(call_error(*inst, "ci", {1}), "wasm trap: uninitialized element");
  EXPECT_EQ(call_error(*inst, "ci", {0}), "wasm trap: indirect call signature mismatch");
  // The instance is still usable after traps (WebAssembly 2.0 §4.4.10: a trap aborts the
  // call, the store stays valid).
  uint64_t r[1];
  ASSERT_TRUE(inst->call("load", std::vector<uint64_t>{0}, r).ok());
  EXPECT_EQ(call_error(*inst, "div", {6, 3}), "ok");
}

TEST_P(TrapTest, UnboundedRecursionExhaustsTheStack) {
  auto m = compile_or_die(kTrapWat, options());
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_error(*inst, "rec", {0}), "wasm trap: call stack exhausted");
  EXPECT_EQ(call_error(*inst, "div", {6, 3}), "ok");
}

TEST_P(TrapTest, MemoryGrowHonoursTheLimit) {
  auto m = compile_or_die(kTrapWat, options());
  Limits limits;
  limits.max_memory_pages = 3;
  auto inst = instantiate_or_die(m, limits);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("grow", std::vector<uint64_t>{2}, r).ok());
  EXPECT_EQ(r[0], 1u);
  ASSERT_TRUE(inst->call("grow", std::vector<uint64_t>{1}, r).ok());
  EXPECT_EQ(r[0], 0xffffffffu);  // -1: beyond 3 pages
  ASSERT_TRUE(inst->call("size", {}, r).ok());
  EXPECT_EQ(r[0], 3u);
  // The grown pages are usable, the next one is not.
  EXPECT_EQ(call_error(*inst, "store", {3 * 65536 - 4}), "ok");
  EXPECT_EQ(call_error(*inst, "store", {3 * 65536}), "wasm trap: out of bounds memory access");
}

TEST_P(TrapTest, InfiniteLoopTimesOutAndThreadSurvives) {
  auto m = compile_or_die(kTrapWat, options());
  Limits limits;
  limits.max_execution_ms = 100;
  auto inst = instantiate_or_die(m, limits);
  ASSERT_TRUE(inst);
  auto t0 = std::chrono::steady_clock::now();
  auto st = inst->call("spin", {}, {});
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Timeout);
  EXPECT_EQ(st.error().message(), "execution time limit exceeded (100 ms)");
  EXPECT_GE(ms, 99.0);
  EXPECT_LT(ms, 200.0);
  EXPECT_TRUE(inst->dead());
  uint64_t dead_r[1];
  EXPECT_EQ(inst->call("size", {}, dead_r).error().kind(), core::ErrorKind::Unavailable);
  ASSERT_TRUE(inst->reset().ok());
  uint64_t r[1];
  auto st2 = inst->call("count", std::vector<uint64_t>{1000}, r);
  ASSERT_TRUE(st2.ok()) << st2.error().message();
  EXPECT_EQ(r[0], 1000u);
}

TEST_P(TrapTest, TwoThreadsTrapConcurrently) {
  auto m = compile_or_die(kTrapWat, options());
  ASSERT_TRUE(m);
  std::atomic<int> failures{0};
  auto worker = [&](bool oob) {
    auto inst = instantiate_or_die(m);
    if (!inst) {
      failures++;
      return;
    }
    for (int i = 0; i < 2000; i++) {
      uint64_t r[1];
      auto st = oob ? inst->call("load", std::vector<uint64_t>{70000}, r)
                    : inst->call("div", std::vector<uint64_t>{1, 0}, r);
      std::string want = oob ? "wasm trap: out of bounds memory access"
                             : "wasm trap: integer divide by zero";
      if (st.ok() || st.error().message() != want) failures++;
      if (!inst->call("div", std::vector<uint64_t>{8, 2}, r).ok() || r[0] != 4) failures++;
    }
  };
  std::thread a(worker, true), b(worker, false);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, TrapTest,
                         ::testing::Combine(::testing::Values(true, false), ::testing::Values(1, 2)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Guard" : "Explicit") +
                                  "Tier" + std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace wirt::wasm
