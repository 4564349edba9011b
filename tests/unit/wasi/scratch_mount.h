// Test helpers shared by the mount tests (mounts_test, filesystem_hostile_test,
// preview1_listing_test): a scratch folder per test, and a WAT guest with preview1 bound and a
// mount as its preopen 3.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "wasi/guest_env.h"
#include "wasi/preview1.h"
#include "wasi/preview1_fs.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::wasi::testing {

// A fresh folder named after the running test: `prefix-<pid>-<test>` in the temp folder.
inline std::filesystem::path fresh_dir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The layout of the hostile-path tests: base/mount (with sub/ and the file "inside") beside
// base/secret ("outside") and an empty base/secret_dir.
inline std::filesystem::path hostile_layout(const std::string& prefix) {
  auto base = fresh_dir(prefix);
  std::filesystem::create_directories(base / "mount" / "sub");
  std::filesystem::create_directories(base / "secret_dir");
  std::ofstream(base / "secret") << "outside";
  std::ofstream(base / "mount" / "inside") << "inside";
  return base;
}

// Compiles `wat` (tier 1) with preview1 bound, and gives it `folder` as preopen 3 through `env`.
inline std::unique_ptr<wasm::Instance> boot_preview1(const char* wat, const std::string& folder, bool read_only,
                                                     GuestEnv& env) {
  wasm::CompileOptions o;
  o.tier2 = false;
  o.name = "wasi-test";
  auto m = wasm::Module::compile_wat(wat, o);
  EXPECT_TRUE(m.ok()) << m.error().message();
  if (!m.ok()) return nullptr;
  wasm::Linker linker;
  define_preview1(linker, (*m)->imports());
  auto i = wasm::Instance::create(*m, linker);
  EXPECT_TRUE(i.ok()) << i.error().message();
  auto files = FdTable::open({{folder, "/", read_only}});
  EXPECT_TRUE(files.ok()) << files.error().message();
  if (!i.ok() || !files.ok()) return nullptr;
  env.files = std::move(*files);
  env.capture = true;
  (*i)->user_data = &env;
  return std::move(*i);
}

}  // namespace wirt::wasi::testing
