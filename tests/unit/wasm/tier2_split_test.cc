// Tier 2 split into several translation units (c_split.h): the units are compiled separately
// and linked, and the module behaves as when compiled as one unit — passive data and element
// segments used by bodies in other units, call_indirect through func_types, globals, traps.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include <unistd.h>

#include "test_util.h"
#include "wasm/c_glue.h"
#include "wasm/c_split.h"
#include "wasm/frontend.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

// Several functions, so that 1 KB units put them into different units.
constexpr std::string_view kWat = R"((module
  (memory 1)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 7))
  (type $t (func (param i32) (result i32)))
  (data $passive "\2a\00\00\00wirt")
  (elem $e func $double $triple)
  (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $t) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "init") (result i32)
    (memory.init $passive (i32.const 100) (i32.const 0) (i32.const 8))
    (table.init $e (i32.const 0) (i32.const 0) (i32.const 2))
    (i32.load (i32.const 100)))
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
  (func $many (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 11)))
  (func (export "many") (result i32)
    (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
                (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10) (i32.const 11) (i32.const 12)))
  (func (export "oob") (result i32) (i32.load (i32.const 70000)))
  (func (export "loop") (param i32) (result i32) (local i32)
    (block $out (loop $l
      (br_if $out (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (call $triple (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br $l)))
    (local.get 1)))
)";

class Tier2SplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!system_compiler().available) GTEST_SKIP() << "no C compiler: tier 2 not tested";
    cache_.emplace("split-test");
    dir_ = cache_->dir();
    setenv("WIRT_TIER2_UNIT_KB", "1", 1);
  }
  void TearDown() override {
    unsetenv("WIRT_TIER2_UNIT_KB");
    cache_.reset();
  }
  std::optional<testing::ScratchCache> cache_;
  fs::path dir_;
};

TEST_F(Tier2SplitTest, UnitsShareDeclarationsAndHideEverythingButTheEntry) {
  auto bin = wat_to_binary(kWat, "split");
  ASSERT_TRUE(bin.ok());
  auto tr = translate(*bin, "split");
  ASSERT_TRUE(tr.ok()) << tr.error().message();
  std::string c = assemble_c(*tr, true, "k");
  auto units = split_c_units(c, 1024);
  ASSERT_GE(units.size(), 3u) << "unit 0 plus at least two units of bodies";
  // Unit 0 defines the shared objects; the others only declare them.
  EXPECT_NE(units[0].find("\nconst wirt_rt_api* wirt_api;"), std::string::npos);
  EXPECT_NE(units[0].find("\nconst u8 data_segment_data_"), std::string::npos);
  for (size_t i = 1; i < units.size(); i++) {
    EXPECT_EQ(units[i].find("wirt_module_entry(const wirt_rt_api* api) {"), std::string::npos);
    EXPECT_NE(units[i].find("extern const u8 data_segment_data_"), std::string::npos);
    EXPECT_EQ(units[i].rfind("#pragma GCC visibility push(hidden)", 0), 0u);
  }
  // Text without wasm2c's shape is not split (the caller compiles it whole).
  EXPECT_TRUE(split_c_units("int x;\n", 1024).empty());
}

TEST_F(Tier2SplitTest, SplitModuleRunsLikeOneUnit) {
  auto m = Module::compile_wat(kWat, testing::tier2_only());
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ((*m)->tier(), 2);
  auto inst = Instance::create(*m, Linker(), {});
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  uint64_t r[1] = {0};
  ASSERT_TRUE((*inst)->call("init", {}, r).ok());
  EXPECT_EQ(r[0], 42u);
  ASSERT_TRUE((*inst)->call("dispatch", std::vector<uint64_t>{1, 5}, r).ok());
  EXPECT_EQ(r[0], 15u);
  ASSERT_TRUE((*inst)->call("dispatch", std::vector<uint64_t>{0, 5}, r).ok());
  EXPECT_EQ(r[0], 10u);
  ASSERT_TRUE((*inst)->call("bump", {}, r).ok());
  EXPECT_EQ(r[0], 8u);
  ASSERT_TRUE((*inst)->call("loop", std::vector<uint64_t>{10}, r).ok());
  EXPECT_EQ(r[0], 165u);
  // wasm2c wraps this definition's long parameter list onto a second line (regression: the
  // JS component's unit 0 kept such bodies, "static declaration follows non-static").
  ASSERT_TRUE((*inst)->call("many", {}, r).ok());
  EXPECT_EQ(r[0], 13u);
  auto trap = (*inst)->call("oob", {}, r);
  ASSERT_FALSE(trap.ok());
  EXPECT_NE(trap.error().message().find("out of bounds"), std::string::npos) << trap.error().message();
  // call_indirect on an element never initialised traps in the unit that holds the body.
  EXPECT_FALSE((*inst)->call("dispatch", std::vector<uint64_t>{3, 1}, r).ok());
  // The object is one file in the cache, like an unsplit one.
  EXPECT_TRUE(fs::exists(tier2_path(tier2_key((*m)->sha256(), (*m)->guard_pages()))));
}

}  // namespace
}  // namespace wirt::wasm
