// Tier-1 object cache (tier1_tcc.h): a module with more than 1 MB of C keeps its libtcc object
// on disk; a later compile loads it (no C written), and a corrupt object is rejected and rebuilt.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <fstream>
#include <cstring>
#include <elf.h>

#include <unistd.h>

#include "test_util.h"
#include "wasm/tier1_tcc.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

// ~1.5 MB of C: 2,500 functions, each a chain of arithmetic; export "f" sums calls to a few.
// `extra` is added to the module's fields.
std::string big_wat(int salt, std::string_view extra = "") {
  std::string w = "(module\n";
  for (int i = 0; i < 2500; i++) {
    w += "(func $f" + std::to_string(i) + " (param i32) (result i32) local.get 0";
    for (int k = 0; k < 12; k++) w += " i32.const " + std::to_string(i + k + salt) + " i32.add";
    w += ")\n";
  }
  w += "(func (export \"f\") (param i32) (result i32) (i32.add (call $f7 (local.get 0)) (call $f2499 (local.get 0))))\n";
  w += extra;
  w += ")";
  return w;
}

class Tier1CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_.emplace("tier1-test");
    dir_ = cache_->dir();
  }
  void TearDown() override { cache_.reset(); }
  static uint64_t call_f(const std::shared_ptr<Module>& m, uint64_t x) {
    auto inst = Instance::create(m, Linker(), {});
    EXPECT_TRUE(inst.ok());
    uint64_t r[1] = {0};
    EXPECT_TRUE((*inst)->call("f", std::vector<uint64_t>{x}, r).ok());
    return r[0];
  }
  static size_t t1_objects(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().string().size() > 5 && e.path().string().ends_with(".t1.so")) n++;
    return n;
  }
  std::optional<testing::ScratchCache> cache_;
  fs::path dir_;
};

TEST_F(Tier1CacheTest, BigModuleObjectIsCachedLoadedAndRebuiltWhenCorrupt) {
  std::string wat = big_wat(1);
  auto first = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_TRUE(first.ok()) << first.error().message();
  uint64_t want = call_f(*first, 5);
  ASSERT_EQ(t1_objects(dir_), 1u);

  auto second = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(call_f(*second, 5), want);

  // Corrupt the object: it is rejected (checksum), removed, and the module compiled again.
  fs::path obj;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().string().ends_with(".t1.so")) obj = e.path();
  fs::permissions(obj, fs::perms::owner_write, fs::perm_options::add);  // stored read-only
  {
    std::fstream f(obj, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("garbage!", 8);
  }
  auto third = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_EQ(call_f(*third, 5), want);
  EXPECT_EQ(t1_objects(dir_), 1u);
  std::string why;
  EXPECT_TRUE(verify_cache_file(obj.string(), "WIRTT102", fs::path(obj).stem().stem().string(), &why)) << why;
}

// The cached object is a shared object that carries its own unsigned 64-bit <-> float
// conversion routines (tier1_tcc.cc kDllHelpers; tcc calls them for these instructions): they
// must round and truncate exactly as the C++ conversions the in-memory tier binds.
TEST_F(Tier1CacheTest, CachedObjectConvertsUnsigned64LikeTheCompiler) {
  std::string wat = big_wat(3, R"(
    (func (export "u64_to_f64") (param i64) (result f64) local.get 0 f64.convert_i64_u)
    (func (export "u64_to_f32") (param i64) (result f32) local.get 0 f32.convert_i64_u)
    (func (export "f64_to_u64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
    (func (export "f32_to_u64") (param f32) (result i64) local.get 0 i64.trunc_f32_u)
    (func (export "f64_to_u64_sat") (param f64) (result i64) local.get 0 i64.trunc_sat_f64_u))");
  ASSERT_TRUE(Module::compile_wat(wat, testing::tier1_only()).ok());
  ASSERT_EQ(t1_objects(dir_), 1u);
  auto m = Module::compile_wat(wat, testing::tier1_only());  // loaded from the cache
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto inst = Instance::create(*m, Linker(), {});
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  auto call = [&](const char* name, uint64_t arg) {
    uint64_t r[1] = {0};
    EXPECT_TRUE((*inst)->call(name, std::vector<uint64_t>{arg}, r).ok()) << name;
    return r[0];
  };
  auto f32_bits = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return uint64_t(u);
  };
  // Around 2^63 (where the routines switch), at the top, and values that round (ties, the
  // sticky low bit that halving must keep).
  const uint64_t ints[] = {0, 1, 0x7fffffffffffffffull, 0x8000000000000000ull, 0x8000000000000001ull,
                           0x8000000000000400ull, 0x8000000000000401ull, 0x8000000000000c00ull,
                           0x8000008000000000ull, 0x8000008000000001ull, 0xfffffffffffff800ull,
                           0xfffffffffffffbffull, 0xffffffffffffffffull, 0x123456789abcdef1ull};
  for (uint64_t x : ints) {
    EXPECT_EQ(call("u64_to_f64", x), testing::f64_bits(static_cast<double>(x))) << std::hex << x;
    EXPECT_EQ(call("u64_to_f32", x), f32_bits(static_cast<float>(x))) << std::hex << x;
  }
  const double doubles[] = {0.0, 1.5, 9223372036854775807.0, 9223372036854775808.0, 9223372036854777856.0,
                            18446744073709549568.0, 12345678901234567890.0};
  for (double d : doubles) {
    EXPECT_EQ(call("f64_to_u64", testing::f64_bits(d)), static_cast<uint64_t>(d)) << d;
    EXPECT_EQ(call("f64_to_u64_sat", testing::f64_bits(d)), static_cast<uint64_t>(d)) << d;
    float f = static_cast<float>(d);
    if (f < 18446744073709551616.0f) EXPECT_EQ(call("f32_to_u64", f32_bits(f)), static_cast<uint64_t>(f)) << f;
  }
}

// Traps raised inside the dlopen-ed object (a guard-page fault in its code, its own range
// checks, stack exhaustion) are reported as from any other code.
TEST_F(Tier1CacheTest, CachedObjectTraps) {
  std::string wat = big_wat(5, R"(
    (memory 1)
    (func (export "load") (param i32) (result i32) local.get 0 i32.load)
    (func (export "unreachable") (param i32) (result i32) unreachable)
    (func (export "f64_to_u64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
    (func $rec (export "rec") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $rec))");
  ASSERT_TRUE(Module::compile_wat(wat, testing::tier1_only()).ok());
  auto m = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(t1_objects(dir_), 1u);
  auto inst = Instance::create(*m, Linker(), {});
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  auto error = [&](const char* name, uint64_t arg) {
    uint64_t r[1] = {0};
    auto st = (*inst)->call(name, std::vector<uint64_t>{arg}, r);
    return st.ok() ? std::string("ok") : st.error().message();
  };
  EXPECT_EQ(error("load", 65534), "wasm trap: out of bounds memory access");
  EXPECT_EQ(error("load", 0xfffffff0u), "wasm trap: out of bounds memory access");
  EXPECT_EQ(error("unreachable", 0), "wasm trap: unreachable");
  EXPECT_EQ(error("f64_to_u64", testing::f64_bits(18446744073709551616.0)), "wasm trap: integer overflow");
  EXPECT_EQ(error("rec", 0), "wasm trap: call stack exhausted");
  EXPECT_EQ(error("load", 0), "ok");  // the instance is still usable
}

// tcc writes no PT_GNU_STACK header; without one, dlopen would make every thread's stack
// executable (elf_stack.h).
TEST_F(Tier1CacheTest, CachedObjectLeavesTheStackNotExecutable) {
  std::string wat = big_wat(4);
  ASSERT_TRUE(Module::compile_wat(wat, testing::tier1_only()).ok());
  auto m = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(call_f(*m, 1), call_f(*m, 1));

  std::ifstream maps("/proc/self/maps");
  bool seen = false;
  for (std::string line; std::getline(maps, line);) {
    if (!line.ends_with("[stack]")) continue;
    seen = true;
    EXPECT_EQ(line.substr(line.find(' ') + 1, 4), "rw-p") << line;
  }
  EXPECT_TRUE(seen);

  fs::path obj;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().string().ends_with(".t1.so")) obj = e.path();
  std::ifstream f(obj, std::ios::binary);
  Elf64_Ehdr eh{};
  f.read(reinterpret_cast<char*>(&eh), sizeof eh);
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  f.seekg(std::streamoff(eh.e_phoff));
  f.read(reinterpret_cast<char*>(ph.data()), std::streamsize(ph.size() * sizeof(Elf64_Phdr)));
  ASSERT_TRUE(f);
  int stacks = 0;
  for (const auto& p : ph)
    if (p.p_type == PT_GNU_STACK) {
      stacks++;
      EXPECT_EQ(p.p_flags, uint32_t(PF_R | PF_W));
    }
  EXPECT_EQ(stacks, 1);
}

TEST_F(Tier1CacheTest, SmallModulesAreNotCached) {
  auto m = Module::compile_wat("(module (func (export \"f\") (param i32) (result i32) local.get 0))",
                               testing::tier1_only());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(call_f(*m, 3), 3u);
  EXPECT_EQ(t1_objects(dir_), 0u);
}

}  // namespace
}  // namespace wirt::wasm
