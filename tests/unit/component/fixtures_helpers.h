// Helpers for the fixture tests: find /work/shared fixtures (WIRT_SHARED_DIR), load components
// once per test binary, build Values.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "component/component.h"
#include "component/component_instance.h"
#include "core/json.h"

namespace wirt::component::testing {

inline std::filesystem::path fixture_dir() {
  return std::filesystem::path(WIRT_SHARED_DIR) / "fixtures" / "wippy";
}

inline bool have_fixtures() { return std::filesystem::exists(fixture_dir() / "minimal.wasm"); }

inline std::vector<uint8_t> read_fixture(const std::string& name) {
  std::ifstream f(fixture_dir() / name, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

#define WIRT_REQUIRE_FIXTURES()                                                                         \
  do {                                                                                                  \
    if (!::wirt::component::testing::have_fixtures()) {                                                 \
      std::printf("NOTICE: fixtures not found under %s: test skipped\n",                                \
                  ::wirt::component::testing::fixture_dir().string().c_str());                          \
      GTEST_SKIP() << "fixtures absent";                                                                \
    }                                                                                                   \
  } while (0)

inline wasm::CompileOptions test_compile_options(const std::string& name) {
  wasm::CompileOptions o;
  o.tier2 = false;  // tier 1 only: fast, and the same semantics
  o.name = name;
  return o;
}

// Each fixture component is decoded and compiled once per test binary.
inline std::shared_ptr<Component> load_fixture(const std::string& name) {
  static std::map<std::string, std::shared_ptr<Component>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  auto bytes = read_fixture(name);
  auto c = Component::load(bytes, test_compile_options(name));
  EXPECT_TRUE(c) << name << ": " << (c ? "" : c.error().message());
  if (!c) return nullptr;
  cache[name] = *c;
  return *c;
}

inline core::Value json(const std::string& text) {
  auto v = core::from_json(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : core::Value();
}

inline std::string js(const core::Value& v) { return core::to_json(v); }

}  // namespace wirt::component::testing
