// Module summaries (module_summary.h): a module whose object is cached boots from the cached
// summary of its validated binary instead of parsing it again. The summary must round-trip every
// field exactly, and a summary that is corrupt, foreign or of another format is never used.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"
#include "wasm/module_summary.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;

ModuleSummary sample() {
  ModuleSummary s;
  s.exports.push_back({"add", ExternKind::Func, FuncType{{ValType::I32, ValType::I64}, {ValType::F64}}, {}, false, {}});
  s.exports.push_back({"g", ExternKind::Global, {}, ValType::F32, true, {}});
  s.exports.push_back({"t", ExternKind::Table, {}, {}, false, ValType::ExternRef});
  s.exports.push_back({"mémoire", ExternKind::Memory, {}, {}, false, ValType::FuncRef});
  ImportInfo f;
  f.module = "wasi_snapshot_preview1";
  f.name = "fd_write";
  f.type = FuncType{{ValType::I32, ValType::I32, ValType::I32, ValType::I32}, {ValType::I32}};
  ImportInfo m;
  m.module = "env";
  m.name = "memory";
  m.kind = ExternKind::Memory;
  m.min = 2;
  m.max = 65536;
  ImportInfo t;
  t.module = "env";
  t.name = "table";
  t.kind = ExternKind::Table;
  t.min = 0;
  t.max = UINT32_MAX;
  t.table_elem = ValType::ExternRef;
  s.imports = {f, m, t};
  s.code_may_write_memory = false;
  s.code_may_write_other_state = false;
  s.has_start = false;
  return s;
}

void expect_same(const ModuleSummary& a, const ModuleSummary& b) {
  ASSERT_EQ(a.exports.size(), b.exports.size());
  for (size_t i = 0; i < a.exports.size(); ++i) {
    const auto &x = a.exports[i], &y = b.exports[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.global_type, y.global_type);
    EXPECT_EQ(x.global_mutable, y.global_mutable);
    EXPECT_EQ(x.table_elem, y.table_elem);
  }
  ASSERT_EQ(a.imports.size(), b.imports.size());
  for (size_t i = 0; i < a.imports.size(); ++i) {
    const auto &x = a.imports[i], &y = b.imports[i];
    EXPECT_EQ(x.module, y.module);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.min, y.min);
    EXPECT_EQ(x.max, y.max);
    EXPECT_EQ(x.table_elem, y.table_elem);
  }
  EXPECT_EQ(a.code_may_write_memory, b.code_may_write_memory);
  EXPECT_EQ(a.code_may_write_other_state, b.code_may_write_other_state);
  EXPECT_EQ(a.has_start, b.has_start);
}

TEST(ModuleSummary, RoundTripsEveryField) {
  ModuleSummary s = sample();
  auto back = decode_summary(encode_summary(s));
  ASSERT_TRUE(back);
  expect_same(s, *back);
}

TEST(ModuleSummary, MalformedTextIsNotUsed) {
  std::string good = encode_summary(sample());
  EXPECT_FALSE(decode_summary("not json"));
  EXPECT_FALSE(decode_summary("{}"));
  std::string other_format = good;
  other_format.replace(other_format.find("\"format\":2"), 10, "\"format\":9");
  EXPECT_FALSE(decode_summary(other_format));
  std::string bad_type = good;
  bad_type.replace(bad_type.find("\"01\""), 4, "\"0z\"");  // a value type that does not exist
  EXPECT_FALSE(decode_summary(bad_type));
  // A summary of format 1 has no code_may_write_other_state: never read as "writes nothing".
  std::string old_format = good;
  old_format.replace(old_format.find("\"format\":2"), 10, "\"format\":1");
  old_format.replace(old_format.find(",\"code_may_write_other_state\":false"), 34, "");
  EXPECT_FALSE(decode_summary(old_format));
}

class ModuleSummaryCache : public ::testing::Test {
 protected:
  testing::ScratchCache cache_{"summary-test"};
  const fs::path& dir_ = cache_.dir();
};

TEST_F(ModuleSummaryCache, StoredUnderItsKeyAndRejectedWhenAlteredOrForeign) {
  const std::string key(64, 'a'), other(64, 'b');
  store_summary(key, sample());
  auto loaded = load_summary(key);
  ASSERT_TRUE(loaded);
  expect_same(sample(), *loaded);
  EXPECT_FALSE(load_summary(other)) << "no file under another key";
  fs::copy_file(dir_ / (key + ".summary"), dir_ / (other + ".summary"));
  EXPECT_FALSE(load_summary(other)) << "a file sealed for another key";
  {
    std::fstream f(dir_ / (key + ".summary"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.write("X", 1);
  }
  EXPECT_FALSE(load_summary(key)) << "an altered byte fails the checksum";
}

// A tier-2 module compiled once leaves its summary; compiling the same bytes again boots from it
// (and the cached object) with the same exports and behaviour.
TEST_F(ModuleSummaryCache, SecondCompileOfACachedModuleUsesTheSummary) {
  auto opts = testing::tier1_only();
  opts.tier2 = true;
  opts.tier2_sync = true;
  const char* wat = R"((module
    (import "host" "twice" (func $twice (param i32) (result i32)))
    (memory (export "mem") 1)
    (global (export "g") (mut i64) (i64.const 7))
    (func (export "f") (param i32) (result i32) (call $twice (i32.add (local.get 0) (i32.const 1))))))";
  auto first = Module::compile_wat(wat, opts);
  ASSERT_TRUE(first.ok()) << first.error().message();
  if ((*first)->tier2_error().find("no C compiler") != std::string::npos) GTEST_SKIP() << "no C compiler";
  size_t summaries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) summaries += e.path().extension() == ".summary";
  EXPECT_EQ(summaries, 1u);

  auto second = Module::compile_wat(wat, opts);
  ASSERT_TRUE(second.ok()) << second.error().message();
  ASSERT_EQ((*second)->exports().size(), (*first)->exports().size());
  ASSERT_EQ((*second)->imports().size(), 1u);
  EXPECT_EQ((*second)->imports()[0].type, (FuncType{{ValType::I32}, {ValType::I32}}));
  Linker linker;
  linker.define({"host", "twice", FuncType{{ValType::I32}, {ValType::I32}},
                 [](Caller&, const uint64_t* a, uint64_t* r) -> core::Status {
                   r[0] = uint64_t(uint32_t(a[0]) * 2);
                   return {};
                 }});
  auto inst = Instance::create(*second, linker, {});
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  uint64_t r = 0;
  ASSERT_TRUE((*inst)->call("f", std::vector<uint64_t>{20}, std::span<uint64_t>(&r, 1)).ok());
  EXPECT_EQ(r, 42u);
  EXPECT_EQ((*second)->tier(), 2);

  // Proof that the second compile read the summary rather than the binary: a marker export
  // written into it shows up in the module (never instantiated).
  fs::path path;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().extension() == ".summary") path = e.path();
  std::string key = path.stem().string();
  auto marked = load_summary(key);
  ASSERT_TRUE(marked);
  marked->exports.push_back({"marker", ExternKind::Func, FuncType{}, {}, false, {}});
  fs::remove(path);
  store_summary(key, *marked);
  auto third = Module::compile_wat(wat, opts);
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_GE((*third)->export_index("marker"), 0);
}

}  // namespace
}  // namespace wirt::wasm
