// Linker tests on hand-built components (binary_builder.h): nested component instantiation,
// exported instances, guest-defined resources with a destructor, globals through inline export
// bundles; and decoder rejections with their messages.
#include <gtest/gtest.h>

#include "binary_builder.h"
#include "component/binary_decoder.h"
#include "component/component.h"
#include "component/component_instance.h"
#include "wasm/module.h"

namespace wirt::component::testing {
namespace {

wasm::CompileOptions opts() {
  wasm::CompileOptions o;
  o.tier2 = false;
  return o;
}

std::vector<uint8_t> wat(const char* text) {
  auto m = wasm::Module::compile_wat(text, opts());
  EXPECT_TRUE(m) << (m ? "" : m.error().message());
  if (!m) return {};
  auto b = (*m)->binary();
  return std::vector<uint8_t>(b.begin(), b.end());
}

// inner: core module with inc(x) = x + 1, lifted and exported as "inc".
Bytes inner_component() {
  Bytes c = component_preamble();
  c.section(1, Bytes().raw(wat(R"((module (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add)))")));
  c.section(2, Bytes().vec(1, Bytes().u8(0x00).u32(0).u32(0)));                          // core instance 0 = instantiate module 0
  c.section(6, Bytes().vec(1, Bytes().raw({0x00, 0x00}).u8(0x01).u32(0).name("inc")));   // core func 0 = alias core export 0 "inc"
  c.section(7, Bytes().vec(1, Bytes().u8(0x40).vec(1, Bytes().name("x").u8(0x79)).raw({0x00, 0x79})));  // type 0 = func(x: u32) -> u32
  c.section(8, Bytes().vec(1, Bytes().raw({0x00, 0x00}).u32(0).u32(0).u32(0)));          // func 0 = canon lift core func 0, type 0
  c.section(11, Bytes().vec(1, Bytes().u8(0x00).name("inc").u8(0x01).u32(0).u8(0x00)));  // export "inc" func 0
  return c;
}

TEST(LinkerNested, InstantiatesNestedComponentAndExportsItsInstance) {
  Bytes c = component_preamble();
  c.section(4, inner_component());
  c.section(5, Bytes().vec(1, Bytes().u8(0x00).u32(0).u32(0)));  // instance 0 = instantiate component 0
  c.section(6, Bytes().vec(1, Bytes().u8(0x01).u8(0x00).u32(0).name("inc")));  // func 0 = alias export 0 "inc"
  c.section(11, Bytes().vec(2, Bytes()
                                    .u8(0x00).name("inc-outer").u8(0x01).u32(0).u8(0x00)
                                    .u8(0x00).name("my:pkg/api@1.0.0").u8(0x05).u32(0).u8(0x00)));
  auto comp = Component::load(c.b, opts());
  ASSERT_TRUE(comp) << comp.error().message();
  auto inst = ComponentInstance::create(*comp, {});
  ASSERT_TRUE(inst) << inst.error().message();
  for (const char* name : {"inc-outer", "my:pkg/api@1.0.0#inc", "my:pkg/api#inc"}) {
    auto r = (*inst)->call(name, {core::Value(41)});
    ASSERT_TRUE(r) << name << ": " << r.error().message();
    EXPECT_EQ(r->as_int(), 42) << name;
  }
  EXPECT_EQ((*comp)->exports().size(), 2u);
}

TEST(LinkerNested, GuestResourceWithDestructorAndGlobalBundle) {
  auto b = wat(R"((module (global $g (export "g") (mut i32) (i32.const 0))
                     (func (export "dtor") (param i32) global.get $g local.get 0 i32.add global.set $g)))");
  auto a = wat(R"((module (import "" "new" (func $new (param i32) (result i32)))
                     (import "" "rep" (func $rep (param i32) (result i32)))
                     (import "" "drop" (func $drop (param i32)))
                     (import "b" "g" (global $g (mut i32)))
                     (func (export "run") (param $x i32) (result i32) (local $h i32) (local $r i32)
                       (local.set $h (call $new (local.get $x)))
                       (local.set $r (call $rep (local.get $h)))
                       (call $drop (local.get $h))
                       (i32.add (i32.mul (local.get $r) (i32.const 1000)) (global.get $g)))))");
  Bytes c = component_preamble();
  c.section(1, Bytes().raw(b));
  c.section(1, Bytes().raw(a));
  c.section(2, Bytes().vec(1, Bytes().u8(0x00).u32(0).u32(0)));  // core instance 0 = B
  c.section(6, Bytes().vec(2, Bytes()
                                   .raw({0x00, 0x00}).u8(0x01).u32(0).name("dtor")      // core func 0
                                   .raw({0x00, 0x03}).u8(0x01).u32(0).name("g")));      // core global 0
  c.section(7, Bytes().vec(1, Bytes().raw({0x3f, 0x7f, 0x01}).u32(0)));  // type 0 = resource (rep i32) (dtor 0)
  c.section(8, Bytes().vec(3, Bytes().u8(0x02).u32(0).u8(0x04).u32(0).u8(0x03).u32(0)));  // core funcs 1,2,3
  c.section(2, Bytes().vec(3, Bytes()
                                   .u8(0x01).vec(3, Bytes().name("new").u8(0x00).u32(1).name("rep").u8(0x00).u32(2)
                                                         .name("drop").u8(0x00).u32(3))     // core instance 1
                                   .u8(0x01).vec(1, Bytes().name("g").u8(0x03).u32(0))   // core instance 2
                                   .u8(0x00).u32(1).vec(2, Bytes().name("").u8(0x12).u32(1).name("b").u8(0x12).u32(2))));
  c.section(6, Bytes().vec(1, Bytes().raw({0x00, 0x00}).u8(0x01).u32(3).name("run")));  // core func 4
  c.section(7, Bytes().vec(1, Bytes().u8(0x40).vec(1, Bytes().name("x").u8(0x79)).raw({0x00, 0x79})));  // type 1
  c.section(8, Bytes().vec(1, Bytes().raw({0x00, 0x00}).u32(4).u32(0).u32(1)));
  c.section(11, Bytes().vec(1, Bytes().u8(0x00).name("run").u8(0x01).u32(0).u8(0x00)));
  auto comp = Component::load(c.b, opts());
  ASSERT_TRUE(comp) << comp.error().message();
  auto inst = ComponentInstance::create(*comp, {});
  ASSERT_TRUE(inst) << inst.error().message();
  auto r = (*inst)->call("run", {core::Value(7)});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->as_int(), 7007);  // rep 7, destructor ran with rep 7
  EXPECT_EQ((*inst)->resources().live(), 0u);
  auto r2 = (*inst)->call("run", {core::Value(5)});
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->as_int(), 5012);  // state kept without reset
  ASSERT_TRUE((*inst)->reset());
  auto r3 = (*inst)->call("run", {core::Value(5)});
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->as_int(), 5005);  // fresh globals after reset
}

std::string decode_error(const Bytes& c) {
  auto d = bin::decode_component(c.b);
  if (d) return "(decoded)";
  return d.error().message();
}

TEST(BinaryDecoderErrors, RejectsWithOffsets) {
  Bytes core = Bytes().raw({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  EXPECT_EQ(decode_error(core), "component binary: offset 0x4: expected a component (layer 1), got a core module (layer 0)");
  Bytes trunc = component_preamble().u8(0x07);
  EXPECT_EQ(decode_error(trunc), "component binary: offset 0x9: expected a section size, got end of data inside a LEB128 number");
  Bytes big = component_preamble().u8(0x07).u32(100).u8(0x00);
  EXPECT_EQ(decode_error(big), "component binary: offset 0xa: expected section 7 body, got 100 bytes, only 1 left");
  Bytes async = component_preamble().section(8, Bytes().vec(1, Bytes().u8(0x09).raw({0x01, 0x00}).u32(0)));
  EXPECT_NE(decode_error(async).find("task.return"), std::string::npos) << decode_error(async);
  Bytes thread = component_preamble().section(8, Bytes().vec(1, Bytes().u8(0x26)));
  EXPECT_NE(decode_error(thread).find("thread.index"), std::string::npos) << decode_error(thread);
  Bytes async_opt = component_preamble()
                        .section(7, Bytes().vec(1, Bytes().u8(0x40).u32(0).raw({0x01, 0x00})))
                        .section(10, Bytes().vec(1, Bytes().u8(0x00).name("f").u8(0x01).u32(0)))
                        .section(8, Bytes().vec(1, Bytes().raw({0x01, 0x00}).u32(0).vec(1, Bytes().u8(0x06))));
  EXPECT_NE(decode_error(async_opt).find("async"), std::string::npos) << decode_error(async_opt);
  Bytes value = component_preamble().section(12, Bytes().u8(0));
  EXPECT_NE(decode_error(value).find("value section"), std::string::npos);
  Bytes bad_index = component_preamble().section(11, Bytes().vec(1, Bytes().u8(0x00).name("f").u8(0x01).u32(3).u8(0x00)));
  EXPECT_EQ(decode_error(bad_index), "component binary: offset 0xf: expected a func index below 0, got 3");
  Bytes bad_type = component_preamble().section(7, Bytes().vec(1, Bytes().u8(0x70).u8(0x05)));
  EXPECT_NE(decode_error(bad_type).find("expected a value type"), std::string::npos) << decode_error(bad_type);
  Bytes leftover = component_preamble().section(7, Bytes().vec(1, Bytes().u8(0x79)).u8(0x00));
  EXPECT_NE(decode_error(leftover).find("expected the end of section 7"), std::string::npos);
}

TEST(BinaryDecoderErrors, NestedTypesAreBounded) {
  Bytes elems0, elems1;
  for (int i = 0; i < 64; i++) elems0.u8(0x77);  // u64
  for (int i = 0; i < 64; i++) elems1.u32(0);
  Bytes elems2;
  for (int i = 0; i < 64; i++) elems2.u32(1);
  Bytes c = component_preamble().section(
      7, Bytes().vec(3, Bytes().u8(0x6f).vec(64, elems0).u8(0x6f).vec(64, elems1).u8(0x6f).vec(64, elems2)));
  EXPECT_NE(decode_error(c).find("a tuple too large"), std::string::npos) << decode_error(c);
}

// Issue 9 item 2: types refer to earlier types by index, so 10,000 definitions of
// list<previous> nest 10,000 deep without any recursion in the decoder — but lifting, lowering
// or printing such a value recursed once per level. Refused at kMaxTypeDepth (100).
TEST(BinaryDecoderErrors, TypeChainsNestNoDeeperThanTheLimit) {
  auto s33 = [](Bytes& b, int64_t v) {  // signed LEB128
    for (;;) {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
      b.u8(done ? byte : byte | 0x80);
      if (done) return;
    }
  };
  auto chain = [&](uint32_t n) {
    Bytes defs;
    defs.raw({0x70, 0x7d});  // type 0 = list<u8>
    for (uint32_t i = 1; i < n; i++) {
      defs.u8(0x70);  // type i = list<type i-1>
      s33(defs, i - 1);
    }
    return component_preamble().section(7, Bytes().vec(n, defs));
  };
  for (uint32_t n : {101u, 10000u}) {
    std::string err = decode_error(chain(n));
    EXPECT_NE(err.find("types nested deeper than 100 levels"), std::string::npos) << n << ": " << err;
  }
  // 99 definitions: the last, type 98, nests 100 levels (u8 counts as one) and is accepted.
  EXPECT_EQ(decode_error(chain(99)), "(decoded)");
}

TEST(BinaryDecoderErrors, TypesConvert) {
  // type 0 = record {a: u8, b: string}; 1 = list<0>; 2 = variant {x(u32), y}; 3 = func(p: 1) -> result<2, string>
  Bytes c = component_preamble().section(
      7, Bytes().vec(4, Bytes()
                            .u8(0x72).vec(2, Bytes().name("a").u8(0x7d).name("b").u8(0x73))
                            .u8(0x70).u32(0)
                            .u8(0x71).vec(2, Bytes().name("x").u8(0x01).u8(0x79).u8(0x00).name("y").u8(0x00).u8(0x00))
                            .u8(0x40).vec(1, Bytes().name("p").u32(1)).u8(0x00).u8(0x6a)));
  // The last result is an inline defvaltype (not allowed: valtype must be an index) → error.
  EXPECT_NE(decode_error(c), "(decoded)");
  Bytes ok = component_preamble().section(
      7, Bytes().vec(5, Bytes()
                            .u8(0x72).vec(2, Bytes().name("a").u8(0x7d).name("b").u8(0x73))
                            .u8(0x70).u32(0)
                            .u8(0x71).vec(2, Bytes().name("x").u8(0x01).u8(0x79).u8(0x00).name("y").u8(0x00).u8(0x00))
                            .u8(0x6a).u8(0x01).u32(2).u8(0x01).u8(0x73)
                            .u8(0x40).vec(1, Bytes().name("p").u32(1)).u8(0x00).u32(3)));
  auto d = bin::decode_component(ok.b);
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->root->types.size(), 5u);
  const auto& f = d->root->types[4];
  ASSERT_EQ(f->kind, bin::TypeDef::Kind::Func);
  ASSERT_EQ(f->func->params.size(), 1u);
  const Type& p = *f->func->params[0].type;
  ASSERT_EQ(p.kind, TypeKind::List);
  ASSERT_EQ(p.elem->kind, TypeKind::Record);
  EXPECT_EQ(p.elem->fields[1].name, "b");
  EXPECT_EQ(p.elem->size, 12u);  // u8 + pad + string (ptr, len): CanonicalABI.md layout
  const Type& r = *f->func->results[0].type;
  ASSERT_EQ(r.kind, TypeKind::Result);
  EXPECT_EQ(r.ok->kind, TypeKind::Variant);
  EXPECT_EQ(r.ok->cases[1].type, nullptr);
  EXPECT_EQ(r.err->kind, TypeKind::String);
}

}  // namespace
}  // namespace wirt::component::testing
