// Helpers shared by the wasm engine tests.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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
