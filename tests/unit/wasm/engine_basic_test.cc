// Front end, tier 1 and the uniform call path.
#include <gtest/gtest.h>

#include "test_util.h"
#include "wasm/frontend.h"

namespace wirt::wasm {
namespace {

using testing::compile_or_die;
using testing::instantiate_or_die;

TEST(WasmEngine, ReturnsFortyTwo) {
  auto m = compile_or_die(R"((module (func (export "answer") (result i32) i32.const 42)))");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tier(), 1);
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  uint64_t r[1] = {0};
  auto st = inst->call("answer", {}, r);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(r[0], 42u);
}

TEST(WasmEngine, AddTwoI32) {
  auto m = compile_or_die(R"((module
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)))");
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  uint64_t args[2] = {40, 2}, r[1] = {0};
  ASSERT_TRUE(inst->call("add", args, r).ok());
  EXPECT_EQ(r[0], 42u);
  uint64_t args2[2] = {0xffffffffu, 2};
  ASSERT_TRUE(inst->call("add", args2, r).ok());
  EXPECT_EQ(r[0], 1u);  // wraps at 32 bits
}

TEST(WasmEngine, FloatsMultiValueAndBitOps) {
  auto m = compile_or_die(R"((module
    (func (export "mix") (param f64 i64) (result f64 i64 i32)
      local.get 0 f64.const 0.5 f64.mul
      local.get 1 i64.const 1 i64.add
      local.get 1 i32.wrap_i64 i32.clz)
    (func (export "pop") (param i64) (result i64) local.get 0 i64.popcnt)
    (func (export "ctz") (param i32) (result i32) local.get 0 i32.ctz)))");
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  uint64_t args[2] = {testing::f64_bits(3.0), 0xff}, r[3] = {};
  ASSERT_TRUE(inst->call("mix", args, r).ok());
  EXPECT_EQ(testing::bits_f64(r[0]), 1.5);
  EXPECT_EQ(r[1], 0x100u);
  EXPECT_EQ(r[2], 24u);
  uint64_t a1[1] = {0xf0f0f0f0f0f0f0f0ull};
  ASSERT_TRUE(inst->call("pop", a1, r).ok());
  EXPECT_EQ(r[0], 32u);
  uint64_t a2[1] = {0x80};
  ASSERT_TRUE(inst->call("ctz", a2, r).ok());
  EXPECT_EQ(r[0], 7u);
  uint64_t a3[1] = {0};
  ASSERT_TRUE(inst->call("ctz", a3, r).ok());
  EXPECT_EQ(r[0], 32u);
}

TEST(WasmEngine, WatSyntaxErrorHasLineAndColumn) {
  auto m = Module::compile_wat("(module\n  (func (export \"f\") (result i32)\n    i32.const oops))",
                               testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(m.error().message().find("test:3:15:"), std::string::npos) << m.error().message();
}

TEST(WasmEngine, SimdIsRejectedByName) {
  auto m = Module::compile_wat(R"((module
    (func (export "f") (result i32)
      v128.const i32x4 1 2 3 4 i32x4.extract_lane 0)))",
                               testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(m.error().message().find("SIMD"), std::string::npos) << m.error().message();
}

TEST(WasmEngine, ThreadsAreRejectedByName) {
  auto m = Module::compile_wat("(module (memory 1 1 shared))", testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("threads"), std::string::npos) << m.error().message();
}

TEST(WasmEngine, TailCallsAreRejectedByName) {
  auto m = Module::compile_wat("(module (func $f (return_call $f)))", testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("tail calls"), std::string::npos) << m.error().message();
}

TEST(WasmEngine, InvalidModuleIsInvalid) {
  auto m = Module::compile_wat("(module (func (result i32) i64.const 1))", testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(m.error().message().find("type mismatch"), std::string::npos) << m.error().message();
}

TEST(WasmEngine, ExportsAndImportsAreDescribed) {
  auto m = compile_or_die(R"((module
    (import "env" "log" (func (param i32)))
    (memory (export "memory") 1)
    (global (export "g") (mut i64) (i64.const 5))
    (func (export "f") (param f32) (result f64) f64.const 1)))");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->imports().size(), 1u);
  EXPECT_EQ(m->imports()[0].module, "env");
  EXPECT_EQ(m->imports()[0].name, "log");
  ASSERT_EQ(m->exports().size(), 3u);
  EXPECT_EQ(m->exports()[0].kind, ExternKind::Memory);
  EXPECT_EQ(m->exports()[1].kind, ExternKind::Global);
  EXPECT_EQ(to_string(m->exports()[2].type), "(f32) -> (f64)");
  EXPECT_EQ(m->sha256().size(), 64u);
}

TEST(WasmEngine, WrongArgumentCountIsInvalid) {
  auto m = compile_or_die(R"((module (func (export "f") (param i32))))");
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  auto st = inst->call("f", {}, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Invalid);
  EXPECT_EQ(inst->call("nope", {}, {}).error().kind(), core::ErrorKind::NotFound);
}

TEST(WasmEngine, MangledExportNames) {
  auto m = compile_or_die(R"((module
    (func (export "a-b.c Z") (result i32) i32.const 7)
    (func (export "") (result i32) i32.const 8)))");
  auto inst = instantiate_or_die(m);
  ASSERT_TRUE(inst);
  uint64_t r[1];
  ASSERT_TRUE(inst->call("a-b.c Z", {}, r).ok());
  EXPECT_EQ(r[0], 7u);
  ASSERT_TRUE(inst->call("", {}, r).ok());
  EXPECT_EQ(r[0], 8u);
}

}  // namespace
}  // namespace wirt::wasm
