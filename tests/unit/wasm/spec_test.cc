// The WebAssembly core spec test suite (${WIRT_SHARED_DIR}/testsuite/core/*.wast) through both
// tiers, strictly (DESIGN §3 "Proof": trap kinds and invalidity reasons checked).
//
// Each .wast is rewritten where wast2json 1.0.32 cannot read newer syntax
// (tests/wasm/spec-rewrites.txt, spec_support.cc), converted with wast2json at test time into
// the build folder, then every command (module, register, action, assert_return, assert_trap,
// assert_exhaustion, assert_invalid, assert_malformed, assert_unlinkable,
// assert_uninstantiable) is run. assert_trap/assert_exhaustion pass only with a trap of the
// expected class (tests/wasm/trap_class.h); assert_invalid/assert_malformed only when the
// rejection matches the reason class of the spec text (tests/wasm/spec-reasons.txt).
// Exclusions, with reasons, are in tests/wasm/spec-exclusions.txt; they are counted and printed
// as skipped, never as passed.
//
// Both tiers run every file (WIRT_SPEC_TIER2=subset runs only tests/wasm/spec-tier2.txt on tier
// 2, =none none). Tier 2 compiles each module with cc -O2; the objects land in $WIRT_CACHE_DIR
// (build/wasm-cache, keyed by module sha256 + engine version + compiler + flags), so a warm
// rerun only loads them.
#include <gtest/gtest.h>

#include <fnmatch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "../../wasm/trap_class.h"
#include "spec_support.h"
#include "test_util.h"
#include "wasm/rt_memory.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kSuite = fs::path(WIRT_SHARED_DIR) / "testsuite" / "core";

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Exclusions {
  std::vector<std::pair<std::string, std::string>> files;  // glob, reason
  std::map<std::pair<std::string, int>, std::string> lines;
};

const Exclusions& exclusions() {
  static const Exclusions ex = [] {
    Exclusions e;
    std::ifstream f(fs::path(WIRT_SOURCE_DIR) / "tests/wasm/spec-exclusions.txt");
    for (std::string line; std::getline(f, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ss(line);
      std::string pat, reason;
      ss >> pat;
      std::getline(ss, reason);
      if (auto colon = pat.find(':'); colon != std::string::npos)
        e.lines[{pat.substr(0, colon), std::stoi(pat.substr(colon + 1))}] = reason;
      else
        e.files.emplace_back(pat, reason);
    }
    return e;
  }();
  return ex;
}

std::vector<std::string> tier2_subset() {
  std::vector<std::string> out;
  std::ifstream f(fs::path(WIRT_SOURCE_DIR) / "tests/wasm/spec-tier2.txt");
  for (std::string line; std::getline(f, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.find_first_of(" \t")));
  return out;
}

struct SpecParam {
  std::string file;  // "" = no testsuite
  int tier;
};

std::vector<SpecParam> spec_params() {
  std::vector<SpecParam> out;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kSuite, ec))
    if (e.path().extension() == ".wast") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  const char* mode = std::getenv("WIRT_SPEC_TIER2");
  std::string t2 = mode ? mode : "all";
  auto subset = tier2_subset();
  for (const auto& f : files) {
    out.push_back({f, 1});
    bool in_subset = std::find(subset.begin(), subset.end(), f) != subset.end();
    if (t2 == "all" || (t2 == "subset" && in_subset)) out.push_back({f, 2});
  }
  if (out.empty()) out.push_back({"", 1});
  return out;
}

// ---- the spectest host module ------------------------------------------------------------

struct SpecHost {
  wasm_rt_memory_t memory{};
  wasm_rt_funcref_table_t table{};
  uint32_t g_i32 = 666;
  uint64_t g_i64 = 666;
  float g_f32 = 666.6f;
  double g_f64 = 666.6;
  Linker linker;

  SpecHost() {
    rt::allocate_memory(&memory, 1, 2);
    rt::allocate_funcref_table(&table, 10, 20);
    linker.define_memory("spectest", "memory", &memory);
    linker.define_table("spectest", "table", &table, ValType::FuncRef);
    linker.define_global("spectest", "global_i32", ValType::I32, false, &g_i32);
    linker.define_global("spectest", "global_i64", ValType::I64, false, &g_i64);
    linker.define_global("spectest", "global_f32", ValType::F32, false, &g_f32);
    linker.define_global("spectest", "global_f64", ValType::F64, false, &g_f64);
    auto nop = [](Caller&, const uint64_t*, uint64_t*) { return core::ok_status(); };
    using V = ValType;
    std::pair<const char*, std::vector<V>> prints[] = {
        {"print", {}},
        {"print_i32", {V::I32}},
        {"print_i64", {V::I64}},
        {"print_f32", {V::F32}},
        {"print_f64", {V::F64}},
        {"print_i32_f32", {V::I32, V::F32}},
        {"print_f64_f64", {V::F64, V::F64}},
    };
    for (auto& [name, params] : prints) linker.define({"spectest", name, {params, {}}, nop});
  }
  ~SpecHost() {
    rt::free_memory(&memory);
    rt::free_funcref_table(&table);
  }
};

// ---- values ------------------------------------------------------------------------------

uint64_t parse_value(const json& v) {
  std::string type = v.at("type");
  std::string s = v.contains("value") ? v.at("value").get<std::string>() : "null";
  if (s == "null") return 0;
  uint64_t x = std::stoull(s);
  if (type == "externref") return x + 1;  // host reference N ↔ pointer N+1 (0 is null)
  return x;
}

bool value_matches(const json& expected, uint64_t got) {
  std::string type = expected.at("type");
  std::string s = expected.contains("value") ? expected.at("value").get<std::string>() : "";
  if (type == "f32") {
    uint32_t bits = uint32_t(got);
    bool nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu);
    if (s == "nan:canonical") return (bits & 0x7fffffffu) == 0x7fc00000u;
    if (s == "nan:arithmetic") return nan && (bits & 0x00400000u);
    return bits == uint32_t(std::stoull(s));
  }
  if (type == "f64") {
    bool nan = (got & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (got & 0xfffffffffffffull);
    if (s == "nan:canonical") return (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    if (s == "nan:arithmetic") return nan && (got & 0x0008000000000000ull);
    return got == std::stoull(s);
  }
  if (type == "i32") return uint32_t(got) == uint32_t(std::stoull(s));
  if (type == "funcref") return s == "null" ? got == 0 : (s.empty() ? true : got != 0);
  if (type == "externref") return s == "null" ? got == 0 : got == std::stoull(s) + 1;
  return got == std::stoull(s);
}

// ---- the runner --------------------------------------------------------------------------

class SpecRunner {
 public:
  SpecRunner(fs::path dir, std::string file, int tier) : dir_(std::move(dir)), file_(std::move(file)), tier_(tier) {}

  void run(const json& script) {
    for (const auto& cmd : script.at("commands")) {
      int line = cmd.value("line", 0);
      if (auto it = exclusions().lines.find({file_, line}); it != exclusions().lines.end()) {
        skipped_++;
        continue;
      }
      total_++;
      std::string why;
      if (command(cmd, &why)) {
        passed_++;
      } else if (failures_.size() < 15) {
        failures_.push_back(fmt_line(line, cmd.at("type").get<std::string>() + ": " + why));
      }
    }
  }
  int total_ = 0, passed_ = 0, skipped_ = 0, modules_ = 0;
  std::vector<std::string> failures_;

 private:
  std::string fmt_line(int line, const std::string& s) { return file_ + ":" + std::to_string(line) + ": " + s; }

  CompileOptions options() const {
    CompileOptions o = tier_ == 2 ? testing::tier2_only() : testing::tier1_only();
    o.name = file_;
    return o;
  }

  core::Result<std::shared_ptr<Module>> compile(const json& cmd) {
    std::string filename = cmd.at("filename");
    std::ifstream f(dir_ / filename, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmd.value("module_type", "binary") == "text") return Module::compile_wat(bytes, options());
    modules_++;
    return Module::compile_binary(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
        options());
  }

  Linker linker() {
    Linker l = host_.linker;
    for (auto& [name, inst] : registered_) l.define_instance(name, inst);
    return l;
  }

  Instance* target(const json& action) {
    if (action.contains("module")) {
      auto it = named_.find(action.at("module").get<std::string>());
      return it == named_.end() ? nullptr : it->second;
    }
    return current_;
  }

  // Runs an action; results in *out.
  core::Status act(const json& action, std::vector<uint64_t>* out) {
    Instance* inst = target(action);
    if (!inst) return core::not_found("no module instance for the action");
    std::string field = action.at("field");
    std::string type = action.at("type");
    if (type == "get") {
      int idx = inst->module().export_index(field);
      if (idx < 0) return core::not_found("no such global");
      auto vt = inst->module().exports()[size_t(idx)].global_type;
      void* p = inst->export_object(field, ExternKind::Global);
      if (!p) return core::not_found("no such global");
      uint64_t v = 0;
      if (vt == ValType::I64 || vt == ValType::F64) std::memcpy(&v, p, 8);
      else if (vt == ValType::FuncRef) return core::invalid("funcref global get not supported");
      else if (vt == ValType::ExternRef) std::memcpy(&v, p, sizeof(void*));
      else std::memcpy(&v, p, 4);
      out->assign(1, v);
      return core::ok_status();
    }
    std::vector<uint64_t> args;
    for (const auto& a : action.at("args")) args.push_back(parse_value(a));
    int idx = inst->module().export_index(field);
    if (idx < 0) return core::not_found("no export " + field);
    out->assign(inst->module().exports()[size_t(idx)].type.results.size(), 0);
    return inst->call(idx, args, *out);
  }

  core::Result<Instance*> instantiate(std::shared_ptr<Module> m) {
    auto inst = Instance::create(std::move(m), linker(), {});
    if (!inst) return std::move(inst).error();
    instances_.push_back(std::move(*inst));
    return instances_.back().get();
  }

  bool command(const json& cmd, std::string* why) {
    std::string type = cmd.at("type");
    if (type == "module") {
      auto m = compile(cmd);
      if (!m) return *why = m.error().message(), false;
      if (tier_ == 2 && (*m)->tier() != 2) return *why = "not on tier 2", false;
      auto inst = instantiate(*m);
      if (!inst) return *why = inst.error().message(), false;
      current_ = *inst;
      if (cmd.contains("name")) named_[cmd.at("name")] = current_;
      return true;
    }
    if (type == "register") {
      Instance* inst = cmd.contains("name") ? named_[cmd.at("name")] : current_;
      if (!inst) return *why = "nothing to register", false;
      registered_[cmd.at("as")] = inst;
      return true;
    }
    if (type == "action") {
      std::vector<uint64_t> out;
      auto st = act(cmd.at("action"), &out);
      return st.ok() || (*why = st.error().message(), false);
    }
    if (type == "assert_return") {
      std::vector<uint64_t> out;
      auto st = act(cmd.at("action"), &out);
      if (!st) return *why = st.error().message(), false;
      const auto& exp = cmd.at("expected");
      if (exp.size() != out.size()) return *why = "result count", false;
      for (size_t i = 0; i < out.size(); i++)
        if (!value_matches(exp[i], out[i]))
          return *why = "result " + std::to_string(i) + " = " + std::to_string(out[i]) + ", expected " + exp[i].dump(), false;
      return true;
    }
    if (type == "assert_trap" || type == "assert_exhaustion") {
      std::vector<uint64_t> out;
      auto st = act(cmd.at("action"), &out);
      if (st.ok()) return *why = "no trap", false;
      const std::string& msg = st.error().message();
      if (msg.rfind("wasm trap:", 0) != 0) return *why = "not a trap: " + msg, false;
      std::string text = type == "assert_exhaustion" ? "call stack exhausted" : cmd.value("text", "");
      auto want = wirt::testing::classify_trap(text), got = wirt::testing::classify_trap(msg);
      if (want == wirt::testing::TrapClass::None) return *why = "unknown trap text \"" + text + "\"", false;
      if (want != got) return *why = msg + ", expected \"" + text + "\"", false;
      return true;
    }
    if (type == "assert_invalid" || type == "assert_malformed") {
      auto m = compile(cmd);
      if (m.ok()) return *why = "accepted", false;
      return testing::reason_matches(cmd.value("text", ""), m.error().message(), why);
    }
    if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      auto m = compile(cmd);
      if (!m) return *why = "did not compile: " + m.error().message(), false;
      auto inst = instantiate(*m);
      if (inst.ok()) return *why = "instantiated", false;
      // A start function or segment initialisation that traps (spec §4.5.4) must trap with the
      // expected kind; link errors ("unknown import", "incompatible import type") are checked
      // by their reason class.
      std::string text = cmd.value("text", "");
      auto want = wirt::testing::classify_trap(text);
      if (type == "assert_uninstantiable" && want != wirt::testing::TrapClass::None) {
        auto got = wirt::testing::classify_trap(inst.error().message());
        return got == want || (*why = inst.error().message() + ", expected \"" + text + "\"", false);
      }
      return testing::reason_matches(text, inst.error().message(), why);
    }
    *why = "unknown command";
    return false;
  }

  fs::path dir_;
  std::string file_;
  int tier_;
  SpecHost host_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<std::string, Instance*> named_, registered_;
  Instance* current_ = nullptr;
};

class SpecTest : public ::testing::TestWithParam<SpecParam> {};

TEST_P(SpecTest, Run) {
  const SpecParam& p = GetParam();
  if (p.file.empty()) GTEST_SKIP() << "spec testsuite not found at " << kSuite << " (WIRT_SHARED_DIR)";
  for (const auto& [glob, reason] : exclusions().files)
    if (fnmatch(glob.c_str(), p.file.c_str(), 0) == 0) GTEST_SKIP() << p.file << " excluded:" << reason;
  if (p.tier == 2 && !system_compiler().available) GTEST_SKIP() << "no C compiler";
  // One folder per tier: CTest may run both tiers of a file at the same time.
  fs::path dir = fs::path(WIRT_BINARY_DIR) / "spec" / ("tier" + std::to_string(p.tier)) /
                 fs::path(p.file).stem();
  fs::create_directories(dir);
  fs::path json_path = dir / (fs::path(p.file).stem().string() + ".json");
  // The file as wast2json reads it: rewritten where needed (spec-rewrites.txt); converted again
  // whenever the rewritten text changed.
  std::string applied;
  int removed = 0;
  std::string source = testing::rewrite_for_wabt(p.file, read_file(kSuite / p.file), &applied, &removed);
  fs::path wast_path = dir / p.file;
  if (!fs::exists(json_path) || read_file(wast_path) != source) {
    if (std::system("wast2json --version > /dev/null 2>&1") != 0)
      GTEST_SKIP() << "wast2json (wabt) is not installed";
    std::ofstream(wast_path, std::ios::binary) << source;
    std::string cmd = "wast2json '" + wast_path.string() + "' -o '" + json_path.string() + "' 2>&1";
    // A file the converter cannot read must be listed in spec-exclusions.txt, not pass silently.
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "wast2json cannot convert " << p.file;
  }
  if (!applied.empty()) std::printf("spec %s: %s\n", p.file.c_str(), applied.c_str());
  EXPECT_EQ(applied.find("not applied"), std::string::npos) << applied;
  std::ifstream f(json_path);
  json script = json::parse(f);
  SpecRunner runner(dir, p.file, p.tier);
  runner.skipped_ = removed;
  runner.run(script);
  std::printf("spec %-28s tier %d: %4d/%-4d passed (%d modules, %d skipped)\n", p.file.c_str(), p.tier,
              runner.passed_, runner.total_, runner.modules_, runner.skipped_);
  for (const auto& fl : runner.failures_) ADD_FAILURE() << fl;
  EXPECT_EQ(runner.passed_, runner.total_);
}

std::string param_name(const ::testing::TestParamInfo<SpecParam>& info) {
  std::string n = info.param.file.empty() ? "none" : fs::path(info.param.file).stem().string();
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n + "_tier" + std::to_string(info.param.tier);
}

INSTANTIATE_TEST_SUITE_P(Core, SpecTest, ::testing::ValuesIn(spec_params()), param_name);

}  // namespace
}  // namespace wirt::wasm
