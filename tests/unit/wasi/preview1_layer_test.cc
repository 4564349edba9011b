// The WASI layer directly (src/wasi/preview1.cc, guest_env.cc): wasi_snapshot_preview1 host
// functions bound into a wasm::Linker, called by small WAT guests, with the GuestEnv the host
// layer would set (WASI preview1 witx: args_get, environ_get, fd_write, random_get, proc_exit).
#include <gtest/gtest.h>

#include "wasi/guest_env.h"
#include "wasi/preview1.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::wasi {
namespace {

struct Guest {
  std::unique_ptr<wasm::Instance> inst;
  GuestEnv env;
};

// Compiles `wat` (tier 1), binds preview1 and points the instance at `env`.
std::unique_ptr<Guest> make_guest(std::string_view wat) {
  wasm::CompileOptions o;
  o.tier2 = false;
  o.name = "wasi-test";
  auto m = wasm::Module::compile_wat(wat, o);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  if (!m.ok()) return nullptr;
  wasm::Linker linker;
  define_preview1(linker, (*m)->imports());
  linker.allow_unresolved_imports(true);
  auto g = std::make_unique<Guest>();
  auto i = wasm::Instance::create(*m, linker);
  EXPECT_TRUE(i.ok()) << (i.ok() ? "" : i.error().message());
  if (!i.ok()) return nullptr;
  g->inst = std::move(*i);
  g->env.capture = true;
  g->env.entry_id = "t:guest";
  g->inst->user_data = &g->env;
  return g;
}

constexpr std::string_view kHello = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello\n")
  (func (export "run") (param $fd i32) (result i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 6))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "written") (result i32) (i32.load (i32.const 16))))
)";

TEST(Preview1Layer, FdWriteGoesToTheCallsStdoutAndStderr) {
  auto g = make_guest(kHello);
  ASSERT_TRUE(g);
  uint64_t r[1] = {0};
  uint64_t fd1[1] = {1}, fd2[1] = {2};
  ASSERT_TRUE(g->inst->call("run", fd1, r).ok());
  EXPECT_EQ(r[0], 0u) << "errno success";
  ASSERT_TRUE(g->inst->call("run", fd2, r).ok());
  EXPECT_EQ(g->env.out, "hello\n");
  EXPECT_EQ(g->env.err, "hello\n");
  ASSERT_TRUE(g->inst->call("written", {}, r).ok());
  EXPECT_EQ(r[0], 6u) << "nwritten";
  // A descriptor that is not open: EBADF (8), nothing written.
  uint64_t fd9[1] = {9};
  ASSERT_TRUE(g->inst->call("run", fd9, r).ok());
  EXPECT_EQ(r[0], 8u);
}

TEST(Preview1Layer, ArgsAndEnvironmentReachTheGuest) {
  auto g = make_guest(R"((module
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $asz (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "args_get" (func $aget (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_sizes_get" (func $esz (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_get" (func $eget (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "argc") (result i32) (drop (call $asz (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
    (func (export "argv1") (result i32)  ;; first byte of argv[1]
      (drop (call $aget (i32.const 100) (i32.const 200)))
      (i32.load8_u (i32.load (i32.const 104))))
    (func (export "envc") (result i32) (drop (call $esz (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
    (func (export "env0") (result i32)  ;; first byte of environ[0]
      (drop (call $eget (i32.const 100) (i32.const 200)))
      (i32.load8_u (i32.load (i32.const 100)))))
  )");
  ASSERT_TRUE(g);
  g->env.args = {"prog", "xyz"};
  g->env.env = {{"KEY", "value"}};
  uint64_t r[1] = {0};
  ASSERT_TRUE(g->inst->call("argc", {}, r).ok());
  EXPECT_EQ(r[0], 2u);
  ASSERT_TRUE(g->inst->call("argv1", {}, r).ok());
  EXPECT_EQ(r[0], uint64_t('x'));
  ASSERT_TRUE(g->inst->call("envc", {}, r).ok());
  EXPECT_EQ(r[0], 1u);
  ASSERT_TRUE(g->inst->call("env0", {}, r).ok());
  EXPECT_EQ(r[0], uint64_t('K'));
}

TEST(Preview1Layer, OutOfBoundsPointersAreEfaultNotACrash) {
  auto g = make_guest(R"((module
    (import "wasi_snapshot_preview1" "args_get" (func $aget (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $rnd (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "args") (result i32) (call $aget (i32.const 65534) (i32.const 65535)))
    (func (export "random") (result i32) (call $rnd (i32.const 65000) (i32.const 1000))))
  )");
  ASSERT_TRUE(g);
  g->env.args = {"a"};
  uint64_t r[1] = {0};
  ASSERT_TRUE(g->inst->call("args", {}, r).ok());
  EXPECT_EQ(r[0], 21u) << "EFAULT";
  ASSERT_TRUE(g->inst->call("random", {}, r).ok());
  EXPECT_EQ(r[0], 21u) << "EFAULT";
}

TEST(Preview1Layer, ProcExitEndsTheCallWithItsCode) {
  auto g = make_guest(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "run") (call $exit (i32.const 3)) unreachable))
  )");
  ASSERT_TRUE(g);
  auto st = g->inst->call("run", {}, {});
  ASSERT_FALSE(st.ok());
  auto code = exit_code_of(st.error());
  ASSERT_TRUE(code.has_value()) << st.error().message();
  EXPECT_EQ(*code, 3);
}

TEST(Preview1Layer, AnImportWirtDoesNotProvideTrapsNamingIt) {
  auto g = make_guest(R"((module
    (import "wasi_snapshot_preview1" "proc_raise" (func $acc (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (result i32) (call $acc (i32.const 0))))
  )");
  ASSERT_TRUE(g);
  uint64_t r[1];
  auto st = g->inst->call("run", {}, r);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("wasi_snapshot_preview1#proc_raise"), std::string::npos)
      << st.error().message();
}

}  // namespace
}  // namespace wirt::wasi
