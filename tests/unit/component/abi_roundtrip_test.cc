// Lower → lift round trips through a fake guest memory, for every type kind, through flat
// values and through memory, with spilled params (> 16 flat) and retptr results; string
// encodings; the Lua view's accepted input forms and their lifted shapes (DESIGN §1.3).
#include <gtest/gtest.h>

#include "component/canonical_abi.h"
#include "component/wit_parser.h"
#include "core/json.h"
#include "fake_memory.h"

using namespace wirt::component;
using wirt::component::testing::FakeMemory;
using wirt::core::Array;
using wirt::core::Bytes;
using wirt::core::Map;
using wirt::core::Value;

namespace {

const char* kDefs = R"(
  record point { x: s32, y: s32 }
  record person { name: string, age: u32, nick: option<string> }
  record rectangle { top-left: point, bottom-right: point }
  enum color { red, green, blue }
  variant shape { circle(u32), square(u32), rect(rectangle), none }
  flags permissions { read, write, execute }
  variant num { i(s64), f(f64), s(f32), b(u8) }
  resource counter;
  dummy: func();
)";

std::vector<TypeDef> defs() {
  static auto set = parse_wit_functions(kDefs);
  EXPECT_TRUE(set.ok()) << set.error().message();
  return set->types;
}

TypePtr T(std::string_view text) {
  auto t = parse_wit_type(text, defs());
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().message());
  return *t;
}

Value json(std::string_view text) {
  auto v = wirt::core::from_json(text);
  EXPECT_TRUE(v.ok()) << text;
  return *v;
}

std::string show(const Value& v) { return wirt::core::to_json(v); }

// Round-trips `in` as type `type` four ways and expects `out` (default: `in`) each time:
// lower_flat/lift_flat, store/load, lower_params/lift_params, lower_results/lift_results.
void roundtrip(std::string_view type, const Value& in, const Value& out, CanonOptions opts = {}) {
  SCOPED_TRACE(std::string(type) + " " + show(in));
  TypePtr t = T(type);
  {
    FakeMemory mem;
    auto flat = lower_flat_value(*t, in, mem, opts);
    ASSERT_TRUE(flat.ok()) << flat.error().message();
    EXPECT_EQ(flat->size(), t->flat.size());
    auto back = lift_flat_value(*t, *flat, mem, opts);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(show(*back), show(out));
    EXPECT_TRUE(*back == out);
  }
  {
    FakeMemory mem;
    auto ptr = mem.realloc(0, 0, t->align, t->size);
    ASSERT_TRUE(ptr.ok());
    auto st = store_value(*t, in, *ptr, mem, opts);
    ASSERT_TRUE(st.ok()) << st.error().message();
    auto back = load_value(*t, *ptr, mem, opts);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(*back == out) << show(*back);
  }
  FuncSig f;
  f.name = "f";
  f.params = {Param{"v", t}};
  {
    FakeMemory mem;
    auto flat = lower_params(f, Array{in}, mem, opts);
    ASSERT_TRUE(flat.ok()) << flat.error().message();
    auto back = lift_params(f, *flat, mem, opts);
    ASSERT_TRUE(back.ok()) << back.error().message();
    ASSERT_EQ(back->size(), 1u);
    EXPECT_TRUE((*back)[0] == out) << show((*back)[0]);
  }
  FuncSig g;
  g.name = "g";
  g.results = {Param{"", t}};
  {
    FakeMemory mem;
    std::vector<uint64_t> args;
    bool via_memory = t->flat.size() > kMaxFlatResults;
    if (via_memory) args.push_back(*mem.realloc(0, 0, t->align, t->size));  // the guest's retptr
    auto flat = lower_results(g, in, args, mem, opts);
    ASSERT_TRUE(flat.ok()) << flat.error().message();
    if (via_memory) {
      EXPECT_TRUE(flat->empty());
      *flat = args;  // the export returns the pointer to its results
    }
    auto back = lift_results(g, *flat, mem, opts);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(*back == out) << show(*back);
  }
}

void roundtrip(std::string_view type, const Value& v) { roundtrip(type, v, v); }

}  // namespace

TEST(AbiRoundTrip, Scalars) {
  roundtrip("bool", true);
  roundtrip("bool", false);
  for (int64_t v : {-128, -1, 0, 127}) roundtrip("s8", Value(v));
  for (int64_t v : {0, 255}) roundtrip("u8", Value(v));
  for (int64_t v : {-32768, 32767}) roundtrip("s16", Value(v));
  roundtrip("u16", Value(int64_t{65535}));
  for (int64_t v : {int64_t{INT32_MIN}, int64_t{-1}, int64_t{INT32_MAX}}) roundtrip("s32", Value(v));
  roundtrip("u32", Value(int64_t{UINT32_MAX}));
  for (int64_t v : {INT64_MIN, int64_t{-5}, INT64_MAX}) roundtrip("s64", Value(v));
  roundtrip("u64", Value(INT64_MAX));
  roundtrip("f32", Value(1.5));
  roundtrip("f64", Value(-0.1));
  roundtrip("char", Value("a"));
  roundtrip("char", Value("世"));
  roundtrip("char", Value("🎉"));
  // Lua view conversions.
  roundtrip("u8", Value(3.0), Value(int64_t{3}));
  roundtrip("s64", Value(-9223372036854775808.0), Value(INT64_MIN));
  roundtrip("f64", Value(int64_t{7}), Value(7.0));
  roundtrip("char", Value(int64_t{0x1F600}), Value("😀"));
  roundtrip("f32", Value(0.1), Value(static_cast<double>(0.1f)));
}

TEST(AbiRoundTrip, StringsAndLists) {
  roundtrip("string", Value(""));
  roundtrip("string", Value("Hello 世界 🎉"));
  roundtrip("string", Value(Bytes{"bytes as text"}), Value("bytes as text"));
  roundtrip("list<s32>", json("[1,2,3,-4,5]"));
  roundtrip("list<s32>", Value::array());
  roundtrip("list<s32>", Value::map(), Value::array());  // `{}` from Lua is the empty list
  roundtrip("list<string>", json(R"(["hello","world","","foo"])"));
  roundtrip("list<list<u16>>", json("[[1],[],[2,3]]"));
  roundtrip("list<point>", json(R"([{"x":1,"y":2},{"x":3,"y":4},{"x":-5,"y":6}])"));
  // list<u8>: from a string or an array, lifted as text when valid UTF-8, else bytes.
  roundtrip("list<u8>", Value("hi"));
  roundtrip("list<u8>", json("[104,105]"), Value("hi"));
  roundtrip("list<u8>", Value(std::string("\xff\x00\x01", 3)), Value(Bytes{std::string("\xff\x00\x01", 3)}));
  Array big;
  for (int64_t i = 0; i < 1000; ++i) big.emplace_back(i);
  roundtrip("list<s32>", Value(big));
}

TEST(AbiRoundTrip, RecordsTuplesOptions) {
  roundtrip("point", json(R"({"x":10,"y":20})"));
  roundtrip("point", json(R"({"y":20,"x":10,"extra":"ignored"})"), json(R"({"x":10,"y":20})"));
  roundtrip("rectangle", json(R"({"top-left":{"x":0,"y":0},"bottom-right":{"x":100,"y":50}})"));
  // A missing option field is none (lifted as nil).
  Value person = json(R"({"name":"Alice","age":30})");
  Value person_out = json(R"({"name":"Alice","age":30,"nick":null})");
  roundtrip("person", person, person_out);
  roundtrip("person", json(R"({"name":"Bob","age":15,"nick":"bobby"})"));
  roundtrip("tuple<s32, string, bool>", json(R"([1,"two",true])"));
  roundtrip("tuple<>", Value::array());
  roundtrip("option<point>", json(R"({"x":42,"y":24})"));
  roundtrip("option<point>", Value());
  roundtrip("option<string>", Value("hello"));
  roundtrip("option<u64>", Value(int64_t{1} << 40));
  roundtrip("list<option<u8>>", json("[1,null,3]"));
}

TEST(AbiRoundTrip, VariantsEnumsResultsFlags) {
  roundtrip("shape", json(R"({"circle":10})"));
  roundtrip("shape", json(R"({"rect":{"top-left":{"x":1,"y":2},"bottom-right":{"x":3,"y":4}}})"));
  roundtrip("shape", Value("none"), json(R"({"none":true})"));
  roundtrip("shape", json(R"({"none":true})"));
  // Payloads of different core types share joined slots (i64 / f64 / f32 / u8).
  roundtrip("num", json(R"({"i":-5})"));
  roundtrip("num", json(R"({"f":2.5})"));
  roundtrip("num", json(R"({"s":-1.25})"));
  roundtrip("num", json(R"({"b":200})"));
  roundtrip("color", Value("green"));
  roundtrip("color", Value(int64_t{2}), Value("blue"));
  roundtrip("result<s32, string>", json(R"({"ok":5})"));
  roundtrip("result<s32, string>", json(R"({"err":"bad"})"));
  roundtrip("result<s32, string>", json(R"({"error":"bad"})"), json(R"({"err":"bad"})"));
  roundtrip("result", json(R"({"ok":true})"));
  roundtrip("result", Value("err"), json(R"({"err":true})"));
  roundtrip("result<_, string>", json(R"({"ok":true})"));
  roundtrip("result<u8>", json(R"({"err":true})"));
  roundtrip("permissions", json(R"({"read":true,"execute":true})"));
  roundtrip("permissions", json(R"({"read":true,"write":false})"), json(R"({"read":true})"));
  roundtrip("permissions", json(R"(["write","execute"])"), json(R"({"write":true,"execute":true})"));
  roundtrip("permissions", Value::map());
  roundtrip("permissions", Value(int64_t{7}), json(R"({"read":true,"write":true,"execute":true})"));
}

TEST(AbiRoundTrip, HandlesOnlyForHostCode) {
  CanonOptions host;
  host.handles_as_ints = true;
  roundtrip("own<counter>", Value(int64_t{3}), Value(int64_t{3}), host);
  roundtrip("borrow<counter>", Value(int64_t{0}), Value(int64_t{0}), host);
}

TEST(AbiRoundTrip, StringEncodings) {
  for (auto enc : {StringEncoding::Utf8, StringEncoding::Utf16, StringEncoding::Latin1Utf16}) {
    CanonOptions o;
    o.string_encoding = enc;
    for (const char* s : {"", "plain", "café", "Hello 世界 🎉"}) roundtrip("string", Value(s), Value(s), o);
    roundtrip("list<string>", json(R"(["a","é","世"])"), json(R"(["a","é","世"])"), o);
  }
  // The exact guest representation: utf16 code units, latin1 bytes, tagged utf16.
  TypePtr str = primitive(TypeKind::String);
  CanonOptions u16;
  u16.string_encoding = StringEncoding::Utf16;
  FakeMemory mem;
  auto flat = lower_flat_value(*str, Value("a🎉"), mem, u16);
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ((*flat)[1], 3u);  // 'a' + a surrogate pair
  EXPECT_EQ((*flat)[0] % 2, 0u);
  EXPECT_EQ(mem.mem[(*flat)[0]], 'a');
  EXPECT_EQ(mem.mem[(*flat)[0] + 1], 0);
  EXPECT_EQ(mem.mem[(*flat)[0] + 3], 0xD8);  // high surrogate 0xD83C, little-endian

  CanonOptions l1;
  l1.string_encoding = StringEncoding::Latin1Utf16;
  flat = lower_flat_value(*str, Value("café"), mem, l1);
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ((*flat)[1], 4u);  // latin-1: 4 bytes, no tag
  EXPECT_EQ(mem.mem[(*flat)[0] + 3], 0xE9);
  flat = lower_flat_value(*str, Value("世界"), mem, l1);
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ((*flat)[1], 2u | kUtf16Tag);
}

TEST(AbiRoundTrip, SpilledParamsBeyondSixteenFlat) {
  auto set = parse_wit_functions(
      "many: func(a: u32, b: u32, c: u32, d: u32, e: u32, f: u32, g: u32, h: u32, i: u32, j: u32, k: u32, l: u32, "
      "m: u32, n: u32, o: u32, p: string, q: u8)");
  ASSERT_TRUE(set.ok()) << set.error().message();
  const FuncSig& f = set->functions[0];
  Array args;
  for (int i = 0; i < 15; ++i) args.push_back(Value(int64_t{100 + i}));
  args.push_back(Value("spilled"));
  args.push_back(Value(int64_t{255}));
  FakeMemory mem;
  auto flat = lower_params(f, args, mem);
  ASSERT_TRUE(flat.ok()) << flat.error().message();
  ASSERT_EQ(flat->size(), 1u);  // one pointer to the tuple of params
  uint32_t ptr = static_cast<uint32_t>((*flat)[0]);
  EXPECT_EQ(ptr % 4, 0u);
  EXPECT_EQ(mem.read_u32(ptr), 100u);
  EXPECT_EQ(mem.read_u32(ptr + 14 * 4), 114u);
  EXPECT_EQ(mem.read_u32(ptr + 15 * 4 + 4), 7u);  // string length
  EXPECT_EQ(mem.mem[ptr + 15 * 4 + 8], 255);      // q after the string
  auto back = lift_params(f, *flat, mem);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(Value(*back) == Value(args)) << show(Value(*back));
}

TEST(AbiRoundTrip, RetptrResultsAndNamedResults) {
  auto set = parse_wit_functions(
      "swap-pair: func(a: s32, b: s32) -> tuple<s32, s32>;\n"
      "two: func() -> (a: s32, b: string);\n"
      "none: func();");
  ASSERT_TRUE(set.ok()) << set.error().message();
  // The host side of an import returning a tuple writes through the guest's retptr.
  const FuncSig& swap = *set->find("swap-pair");
  FakeMemory mem(256);
  uint32_t retptr = *mem.realloc(0, 0, 4, 8);
  std::vector<uint64_t> args = {1, 2, retptr};
  auto lifted_args = lift_params(swap, args, mem);
  ASSERT_TRUE(lifted_args.ok()) << lifted_args.error().message();
  EXPECT_EQ(show(Value(*lifted_args)), "[1,2]");  // the retptr is not a parameter
  auto out = lower_results(swap, json("[2,1]"), args, mem);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_TRUE(out->empty());
  EXPECT_EQ(mem.read_u32(retptr), 2u);
  EXPECT_EQ(mem.read_u32(retptr + 4), 1u);
  // The export side returns the pointer; lift reads the tuple from memory.
  std::vector<uint64_t> ret = {retptr};
  auto v = lift_results(swap, ret, mem);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(show(*v), "[2,1]");

  const FuncSig& two = *set->find("two");
  uint32_t area = *mem.realloc(0, 0, 4, 12);
  std::vector<uint64_t> targs = {area};
  ASSERT_TRUE(lower_results(two, json(R"([-7,"x"])"), targs, mem).ok());
  auto tv = lift_results(two, targs, mem);
  ASSERT_TRUE(tv.ok());
  EXPECT_EQ(show(*tv), R"([-7,"x"])");  // multiple results come back as one array

  auto nv = lift_results(*set->find("none"), {}, mem);
  ASSERT_TRUE(nv.ok());
  EXPECT_TRUE(nv->is_nil());
}

TEST(AbiRoundTrip, MemoryGrowthDuringLoweringIsSafe) {
  // Start with a tiny memory so that every allocation grows (and moves) it.
  FakeMemory mem(16);
  TypePtr t = T("list<person>");
  Array people;
  for (int i = 0; i < 50; ++i) {
    Value p = Value::map();
    p.set("name", Value("person number " + std::to_string(i)));
    p.set("age", Value(int64_t{i}));
    p.set("nick", Value());
    people.push_back(p);
  }
  auto flat = lower_flat_value(*t, Value(people), mem);
  ASSERT_TRUE(flat.ok()) << flat.error().message();
  auto back = lift_flat_value(*t, *flat, mem);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(*back == Value(people));
}

TEST(AbiResult, SplitsTopLevelResult) {
  auto set = parse_wit_functions(
      "record error-info { code: u32, message: string }\n"
      "try-divide: func(a: s32, b: s32) -> result<s32, error-info>;\n"
      "try-parse: func(s: string) -> result<s32, string>;\n"
      "try-other: func() -> result<_, list<u8>>;\n"
      "bare: func() -> result;\n"
      "plain: func() -> s32;");
  ASSERT_TRUE(set.ok()) << set.error().message();
  const FuncSig& div = *set->find("try-divide");
  EXPECT_TRUE(returns_result(div));
  EXPECT_FALSE(returns_result(*set->find("plain")));

  auto ok = split_result(div, json(R"({"ok":5})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->as_int(), 5);

  auto err = split_result(div, json(R"({"err":{"code":1,"message":"division by zero"}})"));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().kind(), wirt::core::ErrorKind::Unknown);
  EXPECT_EQ(err.error().message(), "division by zero");
  ASSERT_NE(err.error().details(), nullptr);
  EXPECT_EQ(show(*err.error().details()), R"({"code":1,"message":"division by zero"})");

  auto perr = split_result(*set->find("try-parse"), json(R"({"err":"cannot parse: x"})"));
  ASSERT_FALSE(perr.ok());
  EXPECT_EQ(perr.error().message(), "cannot parse: x");

  auto oerr = split_result(*set->find("try-other"), json(R"({"err":[1,2]})"));
  ASSERT_FALSE(oerr.ok());
  EXPECT_EQ(oerr.error().message(), "[1,2]");  // neither string nor record: JSON

  auto bok = split_result(*set->find("bare"), json(R"({"ok":true})"));
  ASSERT_TRUE(bok.ok());
  EXPECT_TRUE(bok->is_bool());
  auto berr = split_result(*set->find("bare"), json(R"({"err":true})"));
  ASSERT_FALSE(berr.ok());
  EXPECT_EQ(berr.error().message(), "error");
  EXPECT_EQ(berr.error().details(), nullptr);

  // End to end: a guest's result<s32, string> error through memory.
  FakeMemory mem;
  const FuncSig& parse = *set->find("try-parse");
  uint32_t area = *mem.realloc(0, 0, 4, 12);
  std::vector<uint64_t> args = {0, 0, area};
  ASSERT_TRUE(lower_results(parse, json(R"({"err":"cannot parse: "})"), args, mem).ok());
  std::vector<uint64_t> ret = {area};
  auto lifted = lift_results(parse, ret, mem);
  ASSERT_TRUE(lifted.ok());
  auto split = split_result(parse, *lifted);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error().message(), "cannot parse: ");
}
