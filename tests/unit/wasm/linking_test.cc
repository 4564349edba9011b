// Host imports through the uniform signature, unresolved imports, instance linking, reset.
#include <gtest/gtest.h>

#include "test_util.h"

namespace wirt::wasm {
namespace {

using testing::compile_or_die;
using testing::instantiate_or_die;

TEST(WasmLinking, HostImportViaUniformSignature) {
  auto m = compile_or_die(R"((module
    (import "env" "mul3" (func $mul3 (param i32 f64) (result i64 f64)))
    (memory (export "memory") 1)
    (func (export "run") (param i32) (result i64)
      local.get 0 f64.const 2.5 call $mul3 drop)
    (func (export "runf") (param i32) (result f64) (local f64)
      local.get 0 f64.const 2.5 call $mul3 local.set 1 drop local.get 1)))");
  ASSERT_TRUE(m);
  Linker linker;
  int calls = 0;
  linker.define({"env", "mul3", {{ValType::I32, ValType::F64}, {ValType::I64, ValType::F64}},
                 [&](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
                   calls++;
                   EXPECT_NE(c.memory_data(), nullptr);
                   EXPECT_EQ(c.memory_size(), 65536u);
                   c.memory_data()[0] = 9;
                   r[0] = uint64_t(a[0]) * 3;
                   r[1] = testing::f64_bits(testing::bits_f64(a[1]) * 3);
                   return core::ok_status();
                 }});
  auto inst = instantiate_or_die(m, {}, linker);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("run", std::vector<uint64_t>{14}, r).ok());
  EXPECT_EQ(r[0], 42u);
  ASSERT_TRUE(inst->call("runf", std::vector<uint64_t>{14}, r).ok());
  EXPECT_EQ(testing::bits_f64(r[0]), 7.5);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(inst->memory_data()[0], 9);
}

TEST(WasmLinking, HostErrorUnwindsGuestUnchanged) {
  auto m = compile_or_die(R"((module
    (import "env" "fail" (func $fail))
    (global $g (mut i32) (i32.const 0))
    (func (export "run") (result i32) i32.const 1 global.set $g call $fail i32.const 2 global.set $g global.get $g)
    (func (export "g") (result i32) global.get $g)))");
  Linker linker;
  linker.define({"env", "fail", {}, [](Caller&, const uint64_t*, uint64_t*) -> core::Status {
                   return core::permission_denied("not allowed");
                 }});
  auto inst = instantiate_or_die(m, {}, linker);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  auto st = inst->call("run", {}, r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::PermissionDenied);
  EXPECT_EQ(st.error().message(), "not allowed");
  ASSERT_TRUE(inst->call("g", {}, r).ok());
  EXPECT_EQ(r[0], 1u);  // the code after the import never ran
}

TEST(WasmLinking, MissingImportFailsOrTrapsWhenAllowed) {
  auto m = compile_or_die(R"((module
    (import "wasi:cli/stdout" "get-stdout" (func $g (result i32)))
    (func (export "ok") (result i32) i32.const 5)
    (func (export "use") (result i32) call $g)))");
  auto strict = Instance::create(m, Linker(), {});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().kind(), core::ErrorKind::NotFound);
  EXPECT_NE(strict.error().message().find("wasi:cli/stdout#get-stdout"), std::string::npos);

  Linker lenient;
  lenient.allow_unresolved_imports();
  auto inst = instantiate_or_die(m, {}, lenient);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("ok", {}, r).ok());
  auto st = inst->call("use", {}, r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Internal);
  EXPECT_EQ(st.error().message(), "wasm trap: call to unresolved import wasi:cli/stdout#get-stdout");
}

TEST(WasmLinking, ImportTypeMismatchIsInvalid) {
  auto m = compile_or_die(R"((module (import "env" "f" (func (param i32)))))");
  Linker linker;
  linker.define({"env", "f", {{ValType::I64}, {}},
                 [](Caller&, const uint64_t*, uint64_t*) { return core::ok_status(); }});
  auto inst = Instance::create(m, linker, {});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().kind(), core::ErrorKind::Invalid);
}

TEST(WasmLinking, InstanceToInstance) {
  auto lib = compile_or_die(R"((module
    (memory (export "mem") 1)
    (global (export "base") i32 (i32.const 100))
    (func (export "twice") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
    (func (export "boom") unreachable)))");
  auto lib_inst = instantiate_or_die(lib);
  ASSERT_TRUE(lib_inst);
  auto app = compile_or_die(R"((module
    (import "lib" "twice" (func $twice (param i32) (result i32)))
    (import "lib" "boom" (func $boom))
    (import "lib" "base" (global $base i32))
    (import "lib" "mem" (memory 1))
    (func (export "run") (param i32) (result i32)
      i32.const 8 local.get 0 call $twice global.get $base i32.add i32.store i32.const 8 i32.load)
    (func (export "boom") call $boom)))");
  Linker linker;
  linker.define_instance("lib", lib_inst.get());
  auto inst = instantiate_or_die(app, {}, linker);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("run", std::vector<uint64_t>{21}, r).ok());
  EXPECT_EQ(r[0], 142u);
  EXPECT_EQ(lib_inst->memory_data()[8], 142);  // shared memory
  auto st = inst->call("boom", {}, r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "wasm trap: unreachable");
}

TEST(WasmLinking, ResetGivesFreshMemoryAndGlobals) {
  auto m = compile_or_die(R"((module
    (memory (export "memory") 1 10)
    (data (i32.const 16) "hello")
    (global $g (mut i32) (i32.const 7))
    (func (export "bump") (result i32) global.get $g i32.const 1 i32.add global.set $g global.get $g)
    (func (export "poke") i32.const 16 i32.const 88 i32.store8 i32.const 40000 i32.const 1 i32.store)
    (func (export "grow") (result i32) i32.const 2 memory.grow)
    (func (export "size") (result i32) memory.size)
    (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u)))");
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("bump", {}, r).ok());
  ASSERT_TRUE(inst->call("bump", {}, r).ok());
  EXPECT_EQ(r[0], 9u);
  ASSERT_TRUE(inst->call("poke", {}, {}).ok());
  ASSERT_TRUE(inst->call("grow", {}, r).ok());
  uint8_t* before = inst->memory_data();
  EXPECT_EQ(before[16], 88);

  ASSERT_TRUE(inst->reset().ok());
  ASSERT_TRUE(inst->call("bump", {}, r).ok());
  EXPECT_EQ(r[0], 8u);
  ASSERT_TRUE(inst->call("peek", std::vector<uint64_t>{16}, r).ok());
  EXPECT_EQ(r[0], uint64_t('h'));
  ASSERT_TRUE(inst->call("peek", std::vector<uint64_t>{40000}, r).ok());
  EXPECT_EQ(r[0], 0u);
  ASSERT_TRUE(inst->call("size", {}, r).ok());
  EXPECT_EQ(r[0], 1u);
  EXPECT_EQ(inst->memory_size(), 65536u);
  if (m->guard_pages()) {
    EXPECT_EQ(inst->memory_data(), before);  // the mapping is reused
  }
}

}  // namespace
}  // namespace wirt::wasm
