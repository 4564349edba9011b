// Helpers shared by the wasm engine tests.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::wasm::testing {

inline CompileOptions tier1_only() {
  CompileOptions o;
  o.tier2 = false;
  o.name = "test";
  return o;
}

// Tier 2 only, built synchronously into the test cache ($WIRT_CACHE_DIR, set by CTest; else
// a folder in the build tree).
inline CompileOptions tier2_only() {
  if (!std::getenv("WIRT_CACHE_DIR")) setenv("WIRT_CACHE_DIR", WIRT_BINARY_DIR "/wasm-cache", 1);
  CompileOptions o;
  o.tier1 = false;
  o.tier2 = true;
  o.tier2_sync = true;
  o.name = "test";
  return o;
}

// An empty cache folder of its own for one test ($WIRT_CACHE_DIR points at it; the previous
// value is restored and the folder removed afterwards). Per process: CTest runs tests in
// parallel processes.
class ScratchCache {
 public:
  explicit ScratchCache(const std::string& tag)
      : dir_(std::filesystem::path(WIRT_BINARY_DIR) / ("wasm-cache-" + tag + "-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (const char* old = std::getenv("WIRT_CACHE_DIR")) old_ = old;
    setenv("WIRT_CACHE_DIR", dir_.c_str(), 1);
  }
  ~ScratchCache() {
    if (old_.empty()) unsetenv("WIRT_CACHE_DIR");
    else setenv("WIRT_CACHE_DIR", old_.c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  ScratchCache(const ScratchCache&) = delete;
  ScratchCache& operator=(const ScratchCache&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string old_;
};

inline std::shared_ptr<Module> compile_or_die(std::string_view wat,
                                              const CompileOptions& o = tier1_only()) {
  auto m = Module::compile_wat(wat, o);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  return m.ok() ? *m : nullptr;
}

inline std::unique_ptr<Instance> instantiate_or_die(std::shared_ptr<Module> m,
                                                    const Limits& limits = {},
                                                    const Linker& linker = Linker()) {
  auto i = Instance::create(std::move(m), linker, limits);
  EXPECT_TRUE(i.ok()) << (i.ok() ? "" : i.error().message());
  return i.ok() ? std::move(*i) : nullptr;
}

inline uint64_t f64_bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}
inline double bits_f64(uint64_t u) {
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

}  // namespace wirt::wasm::testing
