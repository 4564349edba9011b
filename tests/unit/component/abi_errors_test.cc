// Every Lua-view mapping error is a clear Invalid error naming the parameter path (DESIGN §1.3);
// every guest contract violation (bad pointer, discriminant, char, string) is an error, never a
// crash (CanonicalABI.md traps).
#include <gtest/gtest.h>

#include "component/canonical_abi.h"
#include "component/wit_parser.h"
#include "core/json.h"
#include "fake_memory.h"

using namespace wirt::component;
using wirt::component::testing::FakeMemory;
using wirt::core::Array;
using wirt::core::ErrorKind;
using wirt::core::Value;

namespace {

const FunctionSet& fns() {
  static auto set = parse_wit_functions(R"(
    record user { id: u8, name: string }
    record point { x: s32, y: s32 }
    enum color { red, green, blue }
    variant shape { circle(u32), square(u32), none }
    flags permissions { read, write, execute }
    resource counter;
    add: func(a: s32, b: s32) -> s32;
    users: func(users: list<user>);
    small: func(v: u8);
    wide: func(v: s32);
    big: func(v: u64) -> u64;
    echo-point: func(p: point) -> point;
    paint: func(c: color);
    draw: func(s: shape);
    perms: func(p: permissions);
    text: func(s: string) -> string;
    letter: func(c: char) -> char;
    flag: func(b: bool);
    pair: func(t: tuple<u8, u8>);
    res: func(r: result<u8, string>);
    take: func(c: own<counter>);
    lend: func(c: borrow<counter>);
    make: func() -> own<counter>;
    bytes: func() -> list<u64>;
    maybe: func() -> option<u32>;
    many: func() -> string;
  )");
  EXPECT_TRUE(set.ok()) << set.error().message();
  return *set;
}

const FuncSig& F(std::string_view name) {
  const FuncSig* f = fns().find(name);
  EXPECT_NE(f, nullptr) << name;
  return *f;
}

Value json(std::string_view text) { return *wirt::core::from_json(text); }

// Lowers `args` for `fn` and expects an Invalid error with exactly `message`.
void expect_invalid(std::string_view fn, const Array& args, std::string_view message) {
  FakeMemory mem;
  auto r = lower_params(F(fn), args, mem);
  ASSERT_FALSE(r.ok()) << fn << " accepted " << wirt::core::to_json(Value(args));
  EXPECT_EQ(r.error().kind(), ErrorKind::Invalid) << r.error().message();
  EXPECT_EQ(r.error().message(), message);
}

// Expects a guest error (kind Internal, "canonical ABI: …") containing `needle`.
template <typename R>
void expect_guest_error(const R& r, std::string_view needle) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::Internal) << r.error().message();
  EXPECT_EQ(r.error().message().rfind("canonical ABI: ", 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

}  // namespace

TEST(AbiErrors, ArgumentCount) {
  expect_invalid("add", {Value(1)}, "add: expected 2 arguments (a: s32, b: s32), got 1");
  expect_invalid("add", {Value(1), Value(2), Value(3)}, "add: expected 2 arguments (a: s32, b: s32), got 3");
  expect_invalid("small", {}, "small: expected 1 argument (v: u8), got 0");
}

TEST(AbiErrors, IntegerRangesNameThePath) {
  expect_invalid("users", {json(R"([{"id":1,"name":"a"},{"id":300,"name":"b"}])")},
                 "users[2].id: value 300 out of range for u8");
  expect_invalid("small", {Value(-1)}, "v: value -1 out of range for u8");
  expect_invalid("small", {Value(256.0)}, "v: value 256 out of range for u8");
  expect_invalid("small", {Value(1.5)}, "v: value 1.5 is not an integer (expected u8)");
  expect_invalid("wide", {Value(int64_t{1} << 31)}, "v: value 2147483648 out of range for s32");
  expect_invalid("wide", {Value(-(int64_t{1} << 31) - 1)}, "v: value -2147483649 out of range for s32");
  expect_invalid("wide", {Value("7")}, "v: expected an integer for s32, got string");
  expect_invalid("big", {Value(-1)}, "v: value -1 out of range for u64");
  expect_invalid("big", {Value(18446744073709551616.0)}, "v: value 1.8446744073709552e+19 out of range for u64");
  expect_invalid("flag", {Value(1)}, "b: expected a boolean for bool, got integer 1");
}

TEST(AbiErrors, RecordsEnumsVariantsFlagsTuples) {
  expect_invalid("echo-point", {json(R"({"x":1})")}, "p: missing field 'y' of record point");
  expect_invalid("echo-point", {json("[1,2]")}, "p: expected a table with the record's fields for point, got an array");
  expect_invalid("echo-point", {json(R"({"x":1,"y":"2"})")}, "p.y: expected an integer for s32, got string");
  expect_invalid("paint", {Value("purple")}, "c: unknown case 'purple' for enum color (cases: red, green, blue)");
  expect_invalid("paint", {Value(3)}, "c: case index 3 out of range for enum color (3 cases)");
  expect_invalid("draw", {json(R"({"hexagon":3})")},
                 "s: unknown case 'hexagon' for variant shape (cases: circle, square, none)");
  expect_invalid("draw", {Value("circle")}, "s: case 'circle' of variant shape needs a payload: {circle = …}");
  expect_invalid("draw", {json(R"({"circle":1,"square":2})")},
                 "s: expected exactly one case for variant shape ({case = payload}, or the case name for a case "
                 "without payload), got 2 keys");
  expect_invalid("draw", {json(R"({"circle":-1})")}, "s.circle: value -1 out of range for u32");
  expect_invalid("perms", {json(R"({"fly":true})")},
                 "p: unknown flag 'fly' for flags permissions (flags: read, write, execute)");
  expect_invalid("perms", {json(R"(["read","swim"])")},
                 "p: unknown flag 'swim' for flags permissions (flags: read, write, execute)");
  expect_invalid("perms", {Value(8)}, "p: bit mask 8 has bits beyond the 3 flags of permissions");
  expect_invalid("pair", {json("[1]")}, "t: expected 2 elements for tuple<u8, u8>, got 1");
  expect_invalid("pair", {json("[1, 256]")}, "t[2]: value 256 out of range for u8");
  expect_invalid("res", {json(R"({"maybe":1})")},
                 "r: expected {ok = value} or {err = error} for result<u8, string>, got key 'maybe'");
  expect_invalid("res", {Value("ok")}, "r: 'ok' of result<u8, string> needs a value: {ok = …}");
  expect_invalid("users", {json(R"({"a":1})")}, "users: expected an array for list<user>, got a table with keys");
}

TEST(AbiErrors, StringsAndChars) {
  expect_invalid("text", {Value(std::string("ab\xff"))}, "s: string is not valid UTF-8");
  expect_invalid("text", {Value(5)}, "s: expected a string for string, got integer 5");
  expect_invalid("letter", {Value("ab")}, "c: expected a single character for char, got a string of 2 characters");
  expect_invalid("letter", {Value(0xD800)}, "c: integer 55296 is not a Unicode scalar value (char)");
  expect_invalid("letter", {Value(std::string("\xc3"))}, "c: char is not valid UTF-8");
}

TEST(AbiErrors, ResourceHandlesAreNotPassableFromLua) {
  expect_invalid("take", {Value(1)}, "c: own<counter> is a resource handle and cannot be passed from Lua");
  expect_invalid("lend", {Value(1)}, "c: borrow<counter> is a resource handle and cannot be passed from Lua");
  FakeMemory mem;
  std::vector<uint64_t> flat = {1};
  auto r = lift_results(F("make"), flat, mem);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::Invalid);
  EXPECT_EQ(r.error().message(), "result: own<counter> is a resource handle and cannot be passed to Lua");
}

TEST(AbiErrors, U64AboveInt64MaxIsInvalid) {
  FakeMemory mem;
  std::vector<uint64_t> flat = {uint64_t{1} << 63};
  auto r = lift_results(F("big"), flat, mem);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::Invalid);
  EXPECT_NE(r.error().message().find("u64 value 9223372036854775808 is above 2^63-1"), std::string::npos)
      << r.error().message();
  flat = {(uint64_t{1} << 63) - 1};
  auto ok = lift_results(F("big"), flat, mem);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->as_int(), INT64_MAX);
}

TEST(AbiErrors, GuestPointersAreBoundsChecked) {
  FakeMemory mem(1024);
  // retptr beyond memory
  std::vector<uint64_t> flat = {5000};
  expect_guest_error(lift_results(F("many"), flat, mem), "out of bounds");
  // misaligned retptr
  flat = {6};
  expect_guest_error(lift_results(F("many"), flat, mem), "not 4-byte aligned");
  // a string whose bytes run past the end of memory
  mem.write_u32(16, 1000);
  mem.write_u32(20, 100);
  flat = {16};
  expect_guest_error(lift_results(F("many"), flat, mem), "out of bounds");
  // ptr + len overflowing 32 bits
  mem.write_u32(16, 0xFFFFFFF0u);
  mem.write_u32(20, 0x20);
  expect_guest_error(lift_results(F("many"), flat, mem), "out of bounds");
  // a list length that would need more memory than exists
  mem.write_u32(16, 8);
  mem.write_u32(20, 0x10000000);
  expect_guest_error(lift_results(F("bytes"), flat, mem), "out of bounds");
  // invalid UTF-8 from the guest
  mem.mem[100] = 0xFF;
  mem.write_u32(16, 100);
  mem.write_u32(20, 1);
  expect_guest_error(lift_results(F("many"), flat, mem), "not valid UTF-8");
  // a bad discriminant
  std::vector<uint64_t> opt = {7, 0};
  expect_guest_error(lift_flat_value(*F("maybe").results[0].type, opt, mem), "discriminant 7 out of range");
  mem.mem[32] = 2;  // option<u32> in memory: discriminant byte 2
  std::vector<uint64_t> optp = {32};
  expect_guest_error(lift_results(F("maybe"), optp, mem), "discriminant 2 out of range");
  // a char that is a surrogate
  std::vector<uint64_t> ch = {0xD800};
  expect_guest_error(lift_results(F("letter"), ch, mem), "not a Unicode scalar value");
  // wrong number of core values
  std::vector<uint64_t> none;
  expect_guest_error(lift_results(F("letter"), none, mem), "expected 1 core result value, got 0");
  expect_guest_error(lift_params(F("add"), none, mem), "expected 2 core arguments, got 0");
  // the host writing results through a bad retptr
  std::vector<uint64_t> args = {0, 0, 999999};
  expect_guest_error(lower_results(F("text"), Value("x"), args, mem), "result pointer");
  // utf16 with an unpaired surrogate
  CanonOptions u16;
  u16.string_encoding = StringEncoding::Utf16;
  mem.mem[200] = 0x00;
  mem.mem[201] = 0xD8;
  std::vector<uint64_t> s = {200, 1};
  expect_guest_error(lift_flat_value(*primitive(TypeKind::String), s, mem, u16), "unpaired UTF-16 surrogate");
}

TEST(AbiErrors, ReallocFailuresAndBadResults) {
  FakeMemory mem;
  mem.fail = true;
  auto r = lower_params(F("text"), {Value("hello")}, mem);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("cabi_realloc"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("s: realloc"), std::string::npos) << r.error().message();

  // realloc returning a pointer outside memory is caught too.
  class BadAlloc : public FakeMemory {
   public:
    wirt::core::Result<uint32_t> realloc(uint32_t, uint32_t, uint32_t, uint32_t) override { return 0xFFFFFF00u; }
  } bad;
  expect_guest_error(lower_params(F("text"), {Value("hello")}, bad), "realloc result");

  // The host's result must match the result type.
  FakeMemory m2;
  std::vector<uint64_t> args = {1, 2};
  auto lr = lower_results(F("add"), Value("three"), args, m2);
  ASSERT_FALSE(lr.ok());
  EXPECT_EQ(lr.error().kind(), ErrorKind::Invalid);
  EXPECT_EQ(lr.error().message(), "result: expected an integer for s32, got string");
}
