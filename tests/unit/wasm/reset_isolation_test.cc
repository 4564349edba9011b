// Issue 11: a reset gives the next call fresh guest state whichever way it was made cheap.
// State written by one call — memory (pages far apart, pages dirtied by a trapping call and by
// a call stopped by its time limit, grown pages), mutable globals, tables — is invisible after
// reset(), on both tiers. Also: a module whose code cannot write memory skips the clearing
// (Module::code_may_write_memory) but not when the embedder was handed the memory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "test_util.h"

namespace wirt::wasm::testing {
namespace {

// `poke(addr, v)` stores at any page; `peek(addr)` reads back; `poke_then_trap` stores then
// traps; `poke_then_spin` stores then loops until the time limit; globals and a table change.
constexpr std::string_view kStateful = R"((module
  (memory (export "memory") 20)
  (global $g (mut i64) (i64.const 7))
  (table $t 4 funcref)
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  (elem (i32.const 0) $one)
  (elem declare func $two)
  (data (i32.const 100) "seed")
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load)
  (func (export "poke_then_trap") (param i32 i32) local.get 0 local.get 1 i32.store unreachable)
  (func (export "poke_then_spin") (param i32 i32)
    local.get 0 local.get 1 i32.store
    (loop $l br $l))
  (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
  (func (export "grow_and_poke") (param i32) (result i32)
    (drop (memory.grow (i32.const 3)))
    i32.const 1376256 local.get 0 i32.store   ;; page 21 (only there after the grow)
    memory.size)
  (func (export "size") (result i32) memory.size)
  (func (export "set_g") (param i64) local.get 0 global.set $g)
  (func (export "get_g") (result i64) global.get $g)
  (func (export "set_t") (table.set $t (i32.const 0) (ref.func $two)) (table.set $t (i32.const 3) (ref.func $two)))
  (func (export "call_t") (param i32) (result i32) local.get 0 call_indirect $t (result i32))
  (func (export "t_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
))";

uint64_t call1(Instance& inst, std::string_view name, std::vector<uint64_t> args) {
  uint64_t r[1] = {0};
  auto st = inst.call(name, args, r);
  EXPECT_TRUE(st.ok()) << name << ": " << (st.ok() ? "" : st.error().message());
  return r[0];
}

class ResetIsolation : public ::testing::TestWithParam<int> {
 protected:
  std::shared_ptr<Module> compile(std::string_view wat) {
    return compile_or_die(wat, GetParam() == 2 ? tier2_only() : tier1_only());
  }
};

// Addresses on OS pages far apart (first page, the data segment's, the middle, the last).
const uint32_t kAddrs[] = {0, 100, 4096 * 77 + 12, 20 * 65536 - 4};

TEST_P(ResetIsolation, MemoryWrittenByACallIsZeroAfterReset) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  EXPECT_TRUE(inst->module().code_may_write_memory());
  for (int round = 0; round < 3; ++round) {
    for (uint32_t a : kAddrs) call1(*inst, "poke", {a, 0xdeadbeef});
    for (uint32_t a : kAddrs) EXPECT_EQ(call1(*inst, "peek", {a}), 0xdeadbeefu);
    ASSERT_TRUE(inst->reset().ok());
    for (uint32_t a : kAddrs) {
      uint64_t want = a == 100 ? 0x64656573u : 0;  // "seed", little-endian: the data segment is back
      EXPECT_EQ(call1(*inst, "peek", {a}), want) << "address " << a << " round " << round;
    }
  }
}

TEST_P(ResetIsolation, BulkFillIsZeroAfterReset) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  uint64_t none[1];
  ASSERT_TRUE(inst->call("fill", std::vector<uint64_t>{0, 0xab, 20 * 65536}, std::span<uint64_t>(none, 0)).ok());
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "peek", {4096 * 200}), 0u);
  EXPECT_EQ(call1(*inst, "peek", {20 * 65536 - 4}), 0u);
}

TEST_P(ResetIsolation, PagesDirtiedByATrappingCallAreZeroAfterReset) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  for (uint32_t a : kAddrs) {
    auto st = inst->call("poke_then_trap", std::vector<uint64_t>{a, 0x5a5a5a5a}, {});
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message().find("unreachable"), std::string::npos) << st.error().message();
  }
  ASSERT_TRUE(inst->reset().ok());
  for (uint32_t a : kAddrs) EXPECT_EQ(call1(*inst, "peek", {a}), a == 100 ? 0x64656573u : 0u);
}

TEST_P(ResetIsolation, PagesDirtiedByATimedOutCallAreZeroAfterReset) {
  Limits limits;
  limits.max_execution_ms = 50;
  auto inst = instantiate_or_die(compile(kStateful), limits);
  ASSERT_TRUE(inst);
  auto st = inst->call("poke_then_spin", std::vector<uint64_t>{4096 * 150, 0x77777777}, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Timeout);
  EXPECT_TRUE(inst->dead());
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "peek", {4096 * 150}), 0u);
}

TEST_P(ResetIsolation, GrownMemoryIsBackToItsDeclaredSize) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  EXPECT_EQ(call1(*inst, "grow_and_poke", {0x11111111}), 23u);
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "size", {}), 20u);
  EXPECT_EQ(call1(*inst, "grow_and_poke", {0x22222222}), 23u);
  // The grown page comes back zeroed: read below what this call wrote at page 21's start.
  EXPECT_EQ(call1(*inst, "peek", {1376256 + 8}), 0u);
}

TEST_P(ResetIsolation, MutableGlobalIsBackToItsInitialValue) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  uint64_t none[1];
  ASSERT_TRUE(inst->call("set_g", std::vector<uint64_t>{99}, std::span<uint64_t>(none, 0)).ok());
  EXPECT_EQ(call1(*inst, "get_g", {}), 99u);
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "get_g", {}), 7u);
}

TEST_P(ResetIsolation, TableIsBackToItsElementSegments) {
  auto inst = instantiate_or_die(compile(kStateful));
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->call("set_t", {}, {}).ok());
  EXPECT_EQ(call1(*inst, "call_t", {0}), 2u);
  EXPECT_EQ(call1(*inst, "t_null", {3}), 0u);
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "call_t", {0}), 1u);
  EXPECT_EQ(call1(*inst, "t_null", {3}), 1u);
}

// A module that cannot write its memory: reset() may skip clearing it, yet a write by the
// embedder (memory_data(), as the canonical ABI does) must still be gone after the reset.
constexpr std::string_view kReadOnly = R"((module
  (memory (export "memory") 2)
  (data (i32.const 8) "ro")
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load)))";

TEST_P(ResetIsolation, ReadOnlyModuleSkipsClearingButNotWhatTheEmbedderWrote) {
  auto module = compile(kReadOnly);
  ASSERT_TRUE(module);
  EXPECT_FALSE(module->code_may_write_memory());
  auto inst = instantiate_or_die(module);
  ASSERT_TRUE(inst);
  for (int round = 0; round < 2; ++round) {
    uint8_t* mem = inst->memory_data();
    ASSERT_NE(mem, nullptr);
    mem[70000] = 0x42;
    mem[8] = 'X';
    EXPECT_EQ(call1(*inst, "peek", {70000}), 0x42u);
    ASSERT_TRUE(inst->reset().ok());
    EXPECT_EQ(call1(*inst, "peek", {70000}), 0u) << "round " << round;
    EXPECT_EQ(call1(*inst, "peek", {8}) & 0xffff, uint64_t('r') | uint64_t('o') << 8);
    // A reset with nothing handed out keeps the (still clean) memory as it is.
    ASSERT_TRUE(inst->reset().ok());
    EXPECT_EQ(call1(*inst, "peek", {70000}), 0u);
  }
}

TEST(MemoryWrites, AnalysisSeesStoresInNestedBlocksAndImports) {
  auto nested = compile_or_die(R"((module (memory 1)
    (func (export "f") (param i32) (block (loop (if (local.get 0) (then (i32.store8 (i32.const 0) (i32.const 1)))))))))");
  ASSERT_TRUE(nested);
  EXPECT_TRUE(nested->code_may_write_memory());
  auto import = compile_or_die(R"((module (import "env" "f" (func)) (memory 1)))");
  ASSERT_TRUE(import);
  EXPECT_TRUE(import->code_may_write_memory());
  auto copy = compile_or_die(R"((module (memory 1) (func (export "c") (memory.copy (i32.const 0) (i32.const 8) (i32.const 4)))))");
  ASSERT_TRUE(copy);
  EXPECT_TRUE(copy->code_may_write_memory());
}

// Code that can write no state at all: reset() has nothing to do — unless the embedder was
// handed the memory or an export object, through which anything may have changed.
constexpr std::string_view kPure = R"((module
  (memory (export "memory") 1)
  (data (i32.const 16) "pure")
  (global (export "g") (mut i32) (i32.const 5))
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load)
  (func (export "get_g") (result i32) global.get 0)
  (func (export "trap") unreachable)))";

TEST_P(ResetIsolation, StatelessModuleStaysFreshWhenTheEmbedderWritesItsMemoryOrGlobals) {
  auto module = compile(kPure);
  ASSERT_TRUE(module);
  EXPECT_FALSE(module->code_may_write_memory());
  EXPECT_FALSE(module->code_may_write_other_state());
  auto inst = instantiate_or_die(module);
  ASSERT_TRUE(inst);
  // Calls that return and calls that trap: the state is what instantiation made.
  for (int i = 0; i < 3; ++i) {
    uint64_t none[1];
    EXPECT_FALSE(inst->call("trap", {}, std::span<uint64_t>(none, 0)).ok());
    ASSERT_TRUE(inst->reset().ok());
    EXPECT_EQ(call1(*inst, "peek", {16}), uint64_t('p') | uint64_t('u') << 8 | uint64_t('r') << 16 | uint64_t('e') << 24);
    EXPECT_EQ(call1(*inst, "get_g", {}), 5u);
  }
  // The memory handed out and written: gone after the reset.
  inst->memory_data()[16] = 'X';
  inst->memory_data()[40000] = 1;
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "peek", {16}) & 0xff, uint64_t('p'));
  EXPECT_EQ(call1(*inst, "peek", {40000}), 0u);
  // The mutable global handed out (as linking another instance does) and written: back to 5.
  auto* g = static_cast<int32_t*>(inst->export_object("g", ExternKind::Global));
  ASSERT_NE(g, nullptr);
  *g = 99;
  EXPECT_EQ(call1(*inst, "get_g", {}), 99u);
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "get_g", {}), 5u);
}

// Resident set of this process in bytes (/proc/self/statm, field 2).
uint64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}

// An idle pooled instance gives its memory back (InstancePool trims after 30 s idle), and the
// next reset makes it fresh: the data segment is back, what the last call wrote is gone.
TEST_P(ResetIsolation, ReleasedIdleMemoryReturnsToTheSystemAndTheNextResetIsFresh) {
  auto module = compile(R"((module
    (memory (export "memory") 256)
    (data (i32.const 100) "seed")
    (global $g (mut i32) (i32.const 3))
    (func (export "fill") (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (global.set $g (i32.const 9)))
    (func (export "peek") (param i32) (result i32) local.get 0 i32.load)
    (func (export "get_g") (result i32) global.get $g)))");
  ASSERT_TRUE(module);
  auto inst = instantiate_or_die(module);
  ASSERT_TRUE(inst);
  uint64_t none[1];
  ASSERT_TRUE(inst->call("fill", {}, std::span<uint64_t>(none, 0)).ok());  // 16 MiB resident
  EXPECT_EQ(call1(*inst, "peek", {5000000}), 0x07070707u);
  uint64_t before = rss_bytes();
  inst->release_idle_memory();
  uint64_t after = rss_bytes();
  EXPECT_GE(before - std::min(before, after), uint64_t(12) << 20) << "RSS before " << before << ", after " << after;
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "peek", {5000000}), 0u);
  EXPECT_EQ(call1(*inst, "peek", {100}), uint64_t('s') | uint64_t('e') << 8 | uint64_t('e') << 16 | uint64_t('d') << 24);
  EXPECT_EQ(call1(*inst, "get_g", {}), 3u);
  inst->release_idle_memory();
  inst->release_idle_memory();  // twice is harmless
  ASSERT_TRUE(inst->reset().ok());
  EXPECT_EQ(call1(*inst, "get_g", {}), 3u);
}

TEST(MemoryWrites, AnalysisSeesEveryOtherKindOfStateWrite) {
  const char* writers[] = {
      R"((module (memory 1) (func (export "f") (drop (memory.grow (i32.const 1))))))",
      R"((module (global (mut i32) (i32.const 0)) (func (export "f") (global.set 0 (i32.const 1)))))",
      R"((module (table 2 funcref) (func (export "f") (table.set 0 (i32.const 0) (ref.null func)))))",
      R"((module (table 2 funcref) (func (export "f") (drop (table.grow 0 (ref.null func) (i32.const 1))))))",
      R"((module (table 2 funcref) (func (export "f") (table.fill 0 (i32.const 0) (ref.null func) (i32.const 1)))))",
      R"((module (table 2 funcref) (func (export "f") (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))))",
      R"((module (table 2 funcref) (elem func $f) (func $f (table.init 0 (i32.const 0) (i32.const 0) (i32.const 1)))))",
      R"((module (elem func $f) (func $f (elem.drop 0))))",
      R"((module (memory 1) (data "x") (func (export "f") (data.drop 0))))",
      R"((module (import "env" "g" (global i32))))",
      R"((module (func (export "f") (param i32) (block (loop (if (local.get 0) (then (global.set 0 (i32.const 1))))))) (global (mut i32) (i32.const 0))))",
  };
  for (const char* wat : writers) {
    auto m = compile_or_die(wat);
    ASSERT_TRUE(m) << wat;
    EXPECT_TRUE(m->code_may_write_other_state()) << wat;
  }
  auto pure = compile_or_die(R"((module (import "env" "m" (memory 1)) (global i32 (i32.const 3))
    (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (global.get 0)))))");
  ASSERT_TRUE(pure);
  EXPECT_FALSE(pure->code_may_write_other_state());
}

INSTANTIATE_TEST_SUITE_P(Tiers, ResetIsolation, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& i) { return "Tier" + std::to_string(i.param); });

}  // namespace
}  // namespace wirt::wasm::testing
