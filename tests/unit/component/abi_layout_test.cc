// Size, alignment and flattening of every type kind, and flatten_function, against values
// computed by hand from CanonicalABI.md ("Alignment", "Element Size", "Flattening").
#include <gtest/gtest.h>

#include "component/canonical_abi.h"
#include "component/wit_parser.h"

using namespace wirt::component;

namespace {

TypePtr T(std::string_view text, const std::vector<TypeDef>& scope = {}) {
  auto t = parse_wit_type(text, scope);
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().message());
  return t.ok() ? *t : primitive(TypeKind::Bool);
}

std::string flat(const Type& t) {
  std::string out;
  for (CoreType c : t.flat) out += std::string(out.empty() ? "" : " ") + core_type_name(c);
  return out;
}

struct Expect {
  const char* type;
  uint32_t size, align;
  const char* flat;
};

std::vector<std::string> labels(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("f" + std::to_string(i));
  return out;
}

FuncSig sig(std::string_view decl) {
  auto set = parse_wit_functions(decl);
  EXPECT_TRUE(set.ok()) << decl << ": " << (set.ok() ? "" : set.error().message());
  return set.ok() ? set->functions.at(0) : FuncSig{};
}

}  // namespace

TEST(AbiLayout, EveryKind) {
  const Expect cases[] = {
      {"bool", 1, 1, "i32"},
      {"s8", 1, 1, "i32"},
      {"u8", 1, 1, "i32"},
      {"s16", 2, 2, "i32"},
      {"u16", 2, 2, "i32"},
      {"s32", 4, 4, "i32"},
      {"u32", 4, 4, "i32"},
      {"s64", 8, 8, "i64"},
      {"u64", 8, 8, "i64"},
      {"f32", 4, 4, "f32"},
      {"f64", 8, 8, "f64"},
      {"char", 4, 4, "i32"},
      {"string", 8, 4, "i32 i32"},
      {"list<u64>", 8, 4, "i32 i32"},
      {"tuple<u8, u16, u8>", 6, 2, "i32 i32 i32"},  // offsets 0, 2, 4
      {"tuple<u8, u64>", 16, 8, "i32 i64"},
      {"tuple<>", 0, 1, ""},
      {"option<u8>", 2, 1, "i32 i32"},            // disc u8, payload at 1
      {"option<u64>", 16, 8, "i32 i64"},          // payload at 8
      {"option<string>", 12, 4, "i32 i32 i32"},   // payload at 4
      {"result", 1, 1, "i32"},
      {"result<u32, string>", 12, 4, "i32 i32 i32"},  // join(i32, i32) = i32
      {"result<_, f32>", 8, 4, "i32 f32"},
      {"result<u32, f32>", 8, 4, "i32 i32"},          // join(i32, f32) = i32
      {"result<f32, f64>", 16, 8, "i32 i64"},         // join(f32, f64) = i64
      {"result<f64, tuple<u32, u32>>", 16, 8, "i32 i64 i32"},
      {"option<option<u8>>", 3, 1, "i32 i32 i32"},
  };
  for (const auto& c : cases) {
    TypePtr t = T(c.type);
    EXPECT_EQ(t->size, c.size) << c.type;
    EXPECT_EQ(t->align, c.align) << c.type;
    EXPECT_EQ(flat(*t), c.flat) << c.type;
    EXPECT_TRUE(t->abi_ready) << c.type;
  }
}

TEST(AbiLayout, RecordsVariantsEnumsFlagsHandles) {
  TypePtr rec = record_type("r", {{"a", primitive(TypeKind::U8)}, {"b", primitive(TypeKind::U32)}, {"c", primitive(TypeKind::U16)}});
  EXPECT_EQ(rec->size, 12u);  // a@0, b@4, c@8, size 10 → aligned to 12
  EXPECT_EQ(rec->align, 4u);
  EXPECT_EQ(flat(*rec), "i32 i32 i32");
  TypePtr rec2 = record_type("r2", {{"a", primitive(TypeKind::U8)}, {"b", primitive(TypeKind::F64)}});
  EXPECT_EQ(rec2->size, 16u);
  EXPECT_EQ(rec2->align, 8u);
  EXPECT_EQ(flat(*rec2), "i32 f64");

  TypePtr var = variant_type("v", {{"a", primitive(TypeKind::U32)}, {"b", primitive(TypeKind::U64)}, {"c", nullptr}});
  EXPECT_EQ(var->size, 16u);
  EXPECT_EQ(var->align, 8u);
  EXPECT_EQ(flat(*var), "i32 i64");
  TypePtr var2 = variant_type("v2", {{"a", primitive(TypeKind::F32)}, {"b", T("string")}});
  EXPECT_EQ(flat(*var2), "i32 i32 i32");  // join(f32, i32) = i32
  EXPECT_EQ(var2->size, 12u);

  EXPECT_EQ(enum_type("e", labels(3))->size, 1u);
  EXPECT_EQ(flat(*enum_type("e", labels(3))), "i32");
  EXPECT_EQ(enum_type("e", labels(256))->size, 1u);
  EXPECT_EQ(enum_type("e", labels(257))->size, 2u);  // discriminant u16
  EXPECT_EQ(enum_type("e", labels(257))->align, 2u);
  EXPECT_EQ(variant_type("v", {{"a", nullptr}, {"b", primitive(TypeKind::U8)}})->size, 2u);

  struct F {
    int n;
    uint32_t size, align;
    const char* flat;
  };
  for (const F& f : {F{0, 0, 1, ""}, F{3, 1, 1, "i32"}, F{8, 1, 1, "i32"}, F{9, 2, 2, "i32"}, F{16, 2, 2, "i32"},
                     F{17, 4, 4, "i32"}, F{32, 4, 4, "i32"}, F{33, 8, 4, "i32 i32"}}) {
    TypePtr t = flags_type("f", labels(f.n));
    EXPECT_EQ(t->size, f.size) << f.n << " flags";
    EXPECT_EQ(t->align, f.align) << f.n << " flags";
    EXPECT_EQ(flat(*t), f.flat) << f.n << " flags";
  }

  TypePtr res = resource_type("counter");
  EXPECT_FALSE(res->abi_ready);
  TypePtr own = own_of(res), borrow = borrow_of(res);
  EXPECT_TRUE(own->abi_ready);
  EXPECT_EQ(own->size, 4u);
  EXPECT_EQ(flat(*borrow), "i32");
  EXPECT_FALSE(list_of(unresolved_type("x", "a:b/c"))->abi_ready);
  EXPECT_FALSE(record_type("r", {{"x", unresolved_type("x", "a:b/c")}})->abi_ready);
}

TEST(AbiLayout, FlattenFunction) {
  auto lift = flatten_function(sig("f: func(a: u32, b: u32) -> u32"), AbiContext::Lift);
  ASSERT_TRUE(lift.ok());
  EXPECT_EQ(lift->to_string(), "(i32, i32) -> (i32)");
  EXPECT_FALSE(lift->params_in_memory);
  EXPECT_FALSE(lift->results_in_memory);

  FuncSig s = sig("f: func(s: string) -> string");
  lift = flatten_function(s, AbiContext::Lift);
  ASSERT_TRUE(lift.ok());
  EXPECT_EQ(lift->to_string(), "(i32, i32) -> (i32)");  // results via a returned pointer
  EXPECT_TRUE(lift->results_in_memory);
  auto lower = flatten_function(s, AbiContext::Lower);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->to_string(), "(i32, i32, i32) -> ()");  // trailing retptr
  EXPECT_TRUE(lower->results_in_memory);

  EXPECT_EQ(flatten_function(sig("f: func(a: s64, b: f32, c: f64, d: bool) -> f64"), AbiContext::Lift)->to_string(),
            "(i64, f32, f64, i32) -> (f64)");
  EXPECT_EQ(flatten_function(sig("f: func()"), AbiContext::Lift)->to_string(), "() -> ()");
  EXPECT_EQ(flatten_function(sig("f: func() -> tuple<s32, s32>"), AbiContext::Lower)->to_string(), "(i32) -> ()");

  std::string sixteen = "f: func(", seventeen;
  for (int i = 0; i < 16; ++i) sixteen += (i ? ", p" : "p") + std::to_string(i) + ": u8";
  seventeen = sixteen + ", p16: u8)";
  sixteen += ")";
  auto s16 = flatten_function(sig(sixteen), AbiContext::Lift);
  EXPECT_EQ(s16->params.size(), 16u);
  EXPECT_FALSE(s16->params_in_memory);
  auto s17 = flatten_function(sig(seventeen), AbiContext::Lift);
  EXPECT_EQ(s17->to_string(), "(i32) -> ()");
  EXPECT_TRUE(s17->params_in_memory);

  // 8 strings = 16 flat values: still flat; a 9th spills.
  EXPECT_FALSE(flatten_function(sig("f: func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, "
                                    "h: string)"),
                                AbiContext::Lift)
                   ->params_in_memory);
  EXPECT_TRUE(flatten_function(sig("f: func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, "
                                   "h: string, i: u8)"),
                               AbiContext::Lift)
                  ->params_in_memory);

  FuncSig bad;
  bad.name = "bad";
  bad.params.push_back(Param{"x", unresolved_type("point", "test:complex/types@0.1.0")});
  auto e = flatten_function(bad, AbiContext::Lift);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().kind(), wirt::core::ErrorKind::Invalid);
  EXPECT_NE(e.error().message().find("parameter 'x'"), std::string::npos) << e.error().message();
}
