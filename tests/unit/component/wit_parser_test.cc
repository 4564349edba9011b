// Tests of the WIT tokenizer, parser and name resolution (component/wit_parser.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "component/wit_parser.h"

using namespace wirt::component;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path fixture_wit_dir() { return std::filesystem::path(WIRT_SHARED_DIR) / "fixtures/wippy/wit"; }

// Parses and expects an error whose message starts with `prefix` and contains `needle`.
void expect_functions_error(std::string_view text, std::string_view prefix, std::string_view needle) {
  auto r = parse_wit_functions(text);
  ASSERT_FALSE(r.ok()) << "parsed: " << text;
  EXPECT_EQ(r.error().kind(), wirt::core::ErrorKind::Invalid);
  EXPECT_EQ(r.error().message().rfind(prefix, 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

}  // namespace

TEST(WitFunctions, ParsesDeclarationsAndMissingFinalSemicolon) {
  auto set = parse_wit_functions("add: func(a: s32, b: s32) -> s32;\ngreet: func(name: string) -> string");
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_EQ(set->functions.size(), 2u);
  EXPECT_EQ(set->functions[0].name, "add");
  EXPECT_EQ(set->functions[0].to_wit(), "func(a: s32, b: s32) -> s32");
  EXPECT_EQ(set->functions[1].to_wit(), "func(name: string) -> string");
  EXPECT_EQ(set->find("greet"), &set->functions[1]);
  EXPECT_EQ(set->find("nope"), nullptr);
  EXPECT_EQ(set->names(), "add, greet");
}

TEST(WitFunctions, EmptyTextNoResultsAndNamedResults) {
  auto empty = parse_wit_functions("  // nothing\n /* at /* all */ */");
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  EXPECT_TRUE(empty->functions.empty());
  auto set = parse_wit_functions("run: func();\npair: func() -> (a: s32, b: f64);");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_TRUE(set->functions[0].results.empty());
  ASSERT_EQ(set->functions[1].results.size(), 2u);
  EXPECT_EQ(set->functions[1].results[1].name, "b");
  EXPECT_EQ(set->functions[1].to_wit(), "func() -> (a: s32, b: f64)");
}

TEST(WitFunctions, TypedefsInAnyOrderAndAliases) {
  auto set = parse_wit_functions(R"(
    /// doc comment
    echo-rect: func(r: rectangle) -> rectangle;
    record rectangle { top-left: point, bottom-right: point, }
    type coord = s32;
    record point { x: coord, y: coord }
    enum color { red, green, blue }
    flags perms { read, write, execute }
    variant shape { circle(u32), rect(rectangle), none }
    paint: func(c: color, p: perms, s: shape) -> result<_, string>
  )");
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_EQ(set->functions.size(), 2u);
  const FuncSig* f = set->find("echo-rect");
  ASSERT_NE(f, nullptr);
  const Type& rect = *f->params[0].type;
  ASSERT_EQ(rect.kind, TypeKind::Record);
  EXPECT_EQ(rect.name, "rectangle");
  ASSERT_EQ(rect.fields.size(), 2u);
  EXPECT_EQ(rect.fields[0].name, "top-left");
  EXPECT_EQ(rect.fields[0].type->kind, TypeKind::Record);
  EXPECT_EQ(rect.fields[0].type->fields[1].type->kind, TypeKind::S32);  // alias resolved
  // Both fields share the one `point` type object.
  EXPECT_EQ(rect.fields[0].type.get(), rect.fields[1].type.get());
  EXPECT_EQ(set->find("paint")->to_wit(), "func(c: color, p: perms, s: shape) -> result<_, string>");
  EXPECT_EQ(set->types.size(), 6u);
}

TEST(WitFunctions, EscapedIdentifiersUnderscoresAndBuiltinTypes) {
  auto set = parse_wit_functions(
      "%record: func(%type: string, l: list<tuple<u8, char>>, o: option<list<string>>, "
      "r: result<u64>, e: result, f: float32, g: float64) -> bool;\n"
      "add_i32: func(a: s32, b: s32) -> s32");
  ASSERT_TRUE(set.ok()) << set.error().message();
  const FuncSig& f = set->functions[0];
  EXPECT_EQ(f.name, "record");
  EXPECT_EQ(f.params[0].name, "type");
  EXPECT_EQ(f.params[1].type->to_wit(), "list<tuple<u8, char>>");
  EXPECT_EQ(f.params[2].type->to_wit(), "option<list<string>>");
  EXPECT_EQ(f.params[3].type->to_wit(), "result<u64>");
  EXPECT_EQ(f.params[4].type->to_wit(), "result");
  EXPECT_EQ(f.params[5].type->kind, TypeKind::F32);
  EXPECT_EQ(set->functions[1].name, "add_i32");
}

TEST(WitFunctions, ResourcesBecomeComponentFunctions) {
  auto set = parse_wit_functions(R"(
    resource counter { constructor(start: u32); increment: func(); get: func() -> u32; make: static func() -> counter; }
    use-it: func(c: borrow<counter>, d: own<counter>) -> counter;
  )");
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_NE(set->find("[constructor]counter"), nullptr);
  EXPECT_EQ(set->find("[constructor]counter")->to_wit(), "func(start: u32) -> own<counter>");
  const FuncSig* get = set->find("[method]counter.get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->to_wit(), "func(self: borrow<counter>) -> u32");
  EXPECT_EQ(get->short_name(), "get");
  EXPECT_EQ(set->find("[static]counter.make")->to_wit(), "func() -> own<counter>");
  EXPECT_EQ(set->find("use-it")->to_wit(), "func(c: borrow<counter>, d: own<counter>) -> own<counter>");
}

TEST(WitFunctions, ErrorsCarryLineAndColumn) {
  expect_functions_error("add: func(a: s32, b: s32) -> s32\nsub: func() -> s32;", "2:1:", "expected ';'");
  expect_functions_error("add: func(a: s32, b: bogus) -> s32;", "1:22:", "unknown type 'bogus'");
  expect_functions_error("add: func(a: s32\n", "2:1:", "')'");
  expect_functions_error("add func();", "1:1:", "expected ':'");
  expect_functions_error("f: func(a: list<u8, 4>);", "1:19:", "fixed-length");
  expect_functions_error("record a { b: a }\nf: func(x: a);", "1:15:", "refers to itself");
  expect_functions_error("enum e { x, x }", "1:13:", "duplicate");
  expect_functions_error("f: func(a: u8, a: u8);", "1:16:", "duplicate parameter");
  expect_functions_error("f: func();\nf: func();", "2:1:", "duplicate function 'f'");
  expect_functions_error("f: func(a: own<u32>);", "1:12:", "not a resource");
  expect_functions_error("f: func() -> #;", "1:14:", "unexpected character '#'");
  expect_functions_error("/* open", "1:1:", "unterminated block comment");
  expect_functions_error("f: func(a-1: u8);", "1:9:", "must start with a letter");
}

TEST(WitType, ParsesStandaloneTypes) {
  auto t = parse_wit_type("list<tuple<u8, string>>");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ((*t)->to_wit(), "list<tuple<u8, string>>");
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "list<";
  auto too_deep = parse_wit_type(deep + "u8");
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.error().message().find("nested deeper"), std::string::npos) << too_deep.error().message();
  auto bad = parse_wit_type("list<u8");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("1:8:"), std::string::npos) << bad.error().message();
}

TEST(WitPackage, InterfacesWorldsUseAndResources) {
  auto pkg = parse_wit_package(R"(
    package test:complex@0.1.0-rc-2024-01-01+build.5;

    interface types {
      record point { x: s32, y: s32 }
      enum color { red, green, blue }
      resource blob { constructor(); size: func() -> u64; }
    }

    interface api {
      use types.{point, color as colour};
      @since(version = 0.1.0)
      move: func(p: point, c: colour) -> point;
    }

    world base { import wasi:clocks/monotonic-clock@0.2.8; }

    world root {
      include base;
      import api;
      import log: func(msg: string);
      use types.{point};
      export echo: func(p: point) -> point;
      export runner: interface { run: func(n: u32) -> u64; }
      export test:complex/api@0.1.0-rc-2024-01-01+build.5;
    }
  )");
  ASSERT_TRUE(pkg.ok()) << pkg.error().message();
  EXPECT_EQ(pkg->full_name(), "test:complex@0.1.0-rc-2024-01-01+build.5");
  ASSERT_EQ(pkg->interfaces.size(), 2u);
  const Interface* api = pkg->find_interface("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->qualified_name(), "test:complex/api@0.1.0-rc-2024-01-01+build.5");
  ASSERT_NE(api->find("move"), nullptr);
  EXPECT_EQ(api->find("move")->to_wit(), "func(p: point, c: color) -> point");
  EXPECT_NE(pkg->find_interface("types")->find("[method]blob.size"), nullptr);

  const World* w = pkg->find_world("root");
  ASSERT_NE(w, nullptr);
  // import api (local), log (function), plus the included wasi import.
  ASSERT_EQ(w->imports.size(), 3u);
  EXPECT_EQ(w->imports[0].name, "test:complex/api@0.1.0-rc-2024-01-01+build.5");
  ASSERT_NE(w->imports[0].iface, nullptr);
  EXPECT_EQ(w->imports[1].kind, WorldItem::Kind::Function);
  EXPECT_EQ(w->imports[1].func.to_wit(), "func(msg: string)");
  EXPECT_EQ(w->imports[2].name, "wasi:clocks/monotonic-clock@0.2.8");
  EXPECT_EQ(w->imports[2].iface, nullptr);
  ASSERT_EQ(w->exports.size(), 3u);
  EXPECT_EQ(w->find_export_func("echo")->params[0].type->kind, TypeKind::Record);
  ASSERT_NE(w->find_export_func("runner#run"), nullptr);
  EXPECT_EQ(w->find_export_func("runner#run")->to_wit(), "func(n: u32) -> u64");
  // The package-qualified export of a local interface resolves to it.
  ASSERT_NE(w->exports[2].iface, nullptr);
  EXPECT_EQ(w->exports[2].iface->name, "api");
}

TEST(WitPackage, ForeignUsesAreUnresolvedNotErrors) {
  auto pkg = parse_wit_package(R"(
    package root:component;
    world root {
      import wasi:io/streams@0.2.3;
      use wasi:io/streams@0.2.3.{input-stream};
      export read: func(s: borrow<input-stream>) -> list<u8>;
    }
  )");
  ASSERT_TRUE(pkg.ok()) << pkg.error().message();
  const FuncSig* f = pkg->worlds[0].find_export_func("read");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->params[0].type->kind, TypeKind::Borrow);
  EXPECT_EQ(f->params[0].type->elem->kind, TypeKind::Unresolved);
  EXPECT_EQ(f->params[0].type->elem->origin, "wasi:io/streams@0.2.3");
}

TEST(WitPackage, Errors) {
  auto r = parse_wit_package("package a:b;\ninterface i { use missing.{t}; }");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("2:19: unknown interface 'missing'"), std::string::npos) << r.error().message();
  r = parse_wit_package("package a:b;\ninterface i { record r { x: u8 } }\nworld w { use i.{nope}; }");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("3:18:"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("has no type 'nope'"), std::string::npos) << r.error().message();
  r = parse_wit_package("package a:b@1.2;");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("major.minor.patch"), std::string::npos) << r.error().message();
  r = parse_wit_package("world w { export f: func() }");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("1:28: expected ';'"), std::string::npos) << r.error().message();
}

TEST(WitPackage, AllFixtureWorldsParse) {
  auto dir = fixture_wit_dir();
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "fixtures not found at " << dir << " (WIRT_SHARED_DIR); skipping";
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".wit") continue;
    ++count;
    auto pkg = parse_wit_package(read_file(e.path()));
    ASSERT_TRUE(pkg.ok()) << e.path() << ": " << pkg.error().message();
    EXPECT_EQ(pkg->full_name(), "root:component") << e.path();
    ASSERT_NE(pkg->find_world("root"), nullptr) << e.path();
    EXPECT_FALSE(pkg->find_world("root")->exports.empty()) << e.path();
  }
  EXPECT_EQ(count, 7);
}

TEST(WitPackage, FixtureDetails) {
  auto dir = fixture_wit_dir();
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "fixtures not found at " << dir << " (WIRT_SHARED_DIR); skipping";
  auto minimal = parse_wit_package(read_file(dir / "minimal.wit"));
  ASSERT_TRUE(minimal.ok());
  const World& mw = minimal->worlds[0];
  ASSERT_EQ(mw.imports.size(), 1u);
  EXPECT_EQ(mw.imports[0].name, "test:minimal/host@0.1.0");
  EXPECT_EQ(mw.find_export_func("compute")->to_wit(), "func(a: u32, b: u32) -> u32");
  EXPECT_EQ(mw.find_export_func("compute-using-host")->to_wit(), "func(a: u32, b: u32) -> u32");

  auto sleep = parse_wit_package(read_file(dir / "sleep-test.wit"));
  ASSERT_TRUE(sleep.ok());
  const FuncSig* f = sleep->worlds[0].find_export_func("test-sleep#work-with-sleep");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->to_wit(), "func(iterations: u32, sleep-per-iter-ms: u32) -> u64");

  auto complex = parse_wit_package(read_file(dir / "complex.wit"));
  ASSERT_TRUE(complex.ok());
  const World& cw = complex->worlds[0];
  EXPECT_EQ(cw.exports.size(), 18u);
  const FuncSig* td = cw.find_export_func("try-divide");
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->to_wit(), "func(a: s32, b: s32) -> result<s32, error-info>");
  EXPECT_EQ(td->results[0].type->err->kind, TypeKind::Unresolved);  // defined in test:complex/types

  auto calc = parse_wit_package(read_file(dir / "calculator.wit"));
  ASSERT_TRUE(calc.ok());
  EXPECT_EQ(calc->worlds[0].imports.size(), 11u);
  EXPECT_EQ(calc->worlds[0].find_export_func("process-with-log")->to_wit(), "func(a: u32, b: u32, msg: string) -> u32");
}

// Issue 9 item 2: WIT text from an entry's `wit:` nests types by recursion in the parser; a
// 100,000-deep list<…> (or option/tuple/result) is an Invalid error naming the limit, not a
// stack overflow.
TEST(WitFunctions, DeeplyNestedTypesAreInvalidNotACrash) {
  for (std::string open : {"list<", "option<", "tuple<", "result<"}) {
    std::string type;
    for (int i = 0; i < 100000; ++i) type += open;
    type += "u8";
    type += std::string(100000, '>');
    expect_functions_error("f: func(x: " + type + ");", "", "type nested deeper than 100 levels");
  }
  std::string ok = "f: func(x: ";
  for (int i = 0; i < 50; ++i) ok += "list<";
  ok += "u8" + std::string(50, '>') + ");";
  EXPECT_TRUE(parse_wit_functions(ok).ok());
}

// Named types nest without the parser's depth guard seeing it: `type a1 = list<a0>` 10,000
// times gave a type 10,000 deep (lifting recursed that deep), and the same chain written
// last-first made the resolver itself recurse 100,000 deep.
TEST(WitFunctions, DeepTypeChainsThroughNamesAreInvalidNotACrash) {
  std::string forward = "type a0 = list<u8>;\n";
  for (int i = 1; i < 10000; ++i) forward += "type a" + std::to_string(i) + " = list<a" + std::to_string(i - 1) + ">;\n";
  expect_functions_error(forward + "f: func(x: a9999);", "", "types nested deeper than 100 levels");
  std::string backward;
  for (int i = 100000; i > 0; --i) backward += "type b" + std::to_string(i) + " = b" + std::to_string(i - 1) + ";\n";
  backward += "type b0 = u8;\n";
  expect_functions_error(backward + "f: func(x: b100000);", "", "types nested deeper than 100 levels");
  std::string ok = "type c0 = list<u8>;\n";
  for (int i = 1; i < 50; ++i) ok += "type c" + std::to_string(i) + " = list<c" + std::to_string(i - 1) + ">;\n";
  EXPECT_TRUE(parse_wit_functions(ok + "f: func(x: c49);").ok());
}
