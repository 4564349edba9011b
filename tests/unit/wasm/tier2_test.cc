// Tier 2: system-compiler build, disk cache hits, rejection of corrupt cache files, and the
// switch from tier 1 to tier 2 at reset().
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "test_util.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

class Tier2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!system_compiler().available) GTEST_SKIP() << "no C compiler: tier 2 not tested";
    cache_.emplace("tier2-test");
    dir_ = cache_->dir();
  }
  void TearDown() override { cache_.reset(); }
  std::optional<testing::ScratchCache> cache_;
  // A distinct module per test so that nothing is cached in advance.
  std::string wat(int n) {
    return "(module (func (export \"f\") (param i32) (result i32) local.get 0 i32.const " +
           std::to_string(n) + " i32.add))";
  }
  uint64_t call_f(Module& m, uint64_t x) {
    auto inst = Instance::create(std::shared_ptr<Module>(&m, [](Module*) {}), Linker(), {});
    EXPECT_TRUE(inst.ok());
    uint64_t r[1] = {0};
    EXPECT_TRUE((*inst)->call("f", std::vector<uint64_t>{x}, r).ok());
    return r[0];
  }
  fs::path dir_;
};

TEST_F(Tier2Test, CompileThenCacheHit) {
  auto first = Module::compile_wat(wat(1000), testing::tier2_only());
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ((*first)->tier(), 2);
  EXPECT_EQ(call_f(**first, 1), 1001u);
  std::string path = tier2_path(tier2_key((*first)->sha256(), (*first)->guard_pages()));
  ASSERT_TRUE(fs::exists(path));

  auto t0 = std::chrono::steady_clock::now();
  auto second = Module::compile_wat(wat(1000), testing::tier2_only());
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->tier(), 2);
  EXPECT_EQ((*second)->timings().tier1_ms, 0.0);
  EXPECT_LT(ms, 100.0) << "a cache hit must not run the compiler";
  EXPECT_EQ(call_f(**second, 2), 1002u);
}

TEST_F(Tier2Test, CorruptCacheFileIsRebuilt) {
  auto first = Module::compile_wat(wat(2000), testing::tier2_only());
  ASSERT_TRUE(first.ok()) << first.error().message();
  std::string path = tier2_path(tier2_key((*first)->sha256(), (*first)->guard_pages()));
  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    bytes = ss.str();
  }
  ASSERT_GT(bytes.size(), 1000u);
  // Unload it first: a loaded object's file must never change under the loader (the cache
  // itself only ever renames new files into place).
  first->reset();
  bytes[bytes.size() / 2] ^= 0x5a;  // corrupt the machine code, keep the trailer
  auto replace = [&](const std::string& content) {
    std::ofstream(path + ".new", std::ios::binary) << content;
    fs::rename(path + ".new", path);
  };
  replace(bytes);
  auto second = Module::compile_wat(wat(2000), testing::tier2_only());
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ((*second)->tier(), 2);
  EXPECT_EQ(call_f(**second, 5), 2005u);
  {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_NE(ss.str(), bytes) << "the corrupt file must have been replaced";
  }

  // A foreign file (not a wirt object at all) is rejected the same way.
  second->reset();
  replace("not an ELF file");
  auto third = Module::compile_wat(wat(2000), testing::tier2_only());
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_EQ(call_f(**third, 6), 2006u);
}

TEST_F(Tier2Test, BackgroundBuildSwitchesAtReset) {
  CompileOptions o;
  o.name = "bg";
  auto m = Module::compile_wat(wat(3000), o);
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto inst = Instance::create(*m, Linker(), {});
  ASSERT_TRUE(inst.ok());
  int initial_tier = (*inst)->tier();
  ASSERT_TRUE((*m)->wait_tier2(std::chrono::seconds(60))) << (*m)->tier2_error();
  EXPECT_EQ((*m)->tier(), 2);
  EXPECT_EQ((*inst)->tier(), initial_tier);  // no switch in the middle of an instance's life
  ASSERT_TRUE((*inst)->reset().ok());
  EXPECT_EQ((*inst)->tier(), 2);
  uint64_t r[1];
  ASSERT_TRUE((*inst)->call("f", std::vector<uint64_t>{7}, r).ok());
  EXPECT_EQ(r[0], 3007u);
}

}  // namespace
}  // namespace wirt::wasm
