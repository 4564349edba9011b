// Tier-1 object cache (tier1_tcc.h): a module with more than 1 MB of C keeps its libtcc object
// on disk; a later compile loads it (no C written), and a corrupt object is rejected and rebuilt.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <fstream>

#include <unistd.h>

#include "test_util.h"
#include "wasm/tier1_tcc.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

// ~1.5 MB of C: 2,500 functions, each a chain of arithmetic; export "f" sums calls to a few.
std::string big_wat(int salt) {
  std::string w = "(module\n";
  for (int i = 0; i < 2500; i++) {
    w += "(func $f" + std::to_string(i) + " (param i32) (result i32) local.get 0";
    for (int k = 0; k < 12; k++) w += " i32.const " + std::to_string(i + k + salt) + " i32.add";
    w += ")\n";
  }
  w += "(func (export \"f\") (param i32) (result i32) (i32.add (call $f7 (local.get 0)) (call $f2499 (local.get 0))))\n)";
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
      if (e.path().string().size() > 5 && e.path().string().ends_with(".t1.o")) n++;
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
    if (e.path().string().ends_with(".t1.o")) obj = e.path();
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
  EXPECT_TRUE(verify_cache_file(obj.string(), "WIRTT101", fs::path(obj).stem().stem().string(), &why)) << why;
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
