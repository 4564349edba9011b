// The component-model test suite (${WIRT_SHARED_DIR}/testsuite/component-model/*/*.wast,
// DESIGN §3 "Proof") through wirt's component decoder, linker and canonical ABI.
//
// Each .wast is split into its commands by wast_sexpr.h; every component text is converted to
// a binary by jco (tests/component/jco-parse.mjs; npm @bytecodealliance/jco in
// build/fixtures-npm, installed by scripts/build-components) in one node run per file, cached
// in the build folder. Without node or jco every file reports *skipped*.
//
// Commands and what passes:
//   (component …), (component definition …), (component instance $i $Def)
//                     decode + link + instantiate (definitions only decode and link)
//   assert_return      the call returns the expected values (compared as the Lua view,
//                      canonical_abi.h: integers, floats (NaN = NaN), strings, lists, records…)
//   assert_trap        the call fails (the message is printed, not compared: wirt's canonical
//                      ABI errors name the check, the spec's texts are Python-reference wording)
//   assert_invalid     wirt rejects the binary at load or instantiation (the decoder checks
//                      structure, the linker types and indices when it builds the plan)
//   assert_malformed   a `binary` form: wirt rejects the bytes. A `quote` (text) form tests
//                      the text parser, which is jco's, not wirt's: counted as skipped.
// Exclusions, one line each with a reason, are in tests/component/cm-exclusions.txt; they are
// counted as skipped. A text jco cannot convert is a failure unless excluded.
#include <gtest/gtest.h>

#include <fnmatch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "component/component.h"
#include "component/component_instance.h"
#include "core/json.h"
#include "wast_sexpr.h"

namespace wirt::component::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(WIRT_SHARED_DIR) / "testsuite" / "component-model";
const fs::path kNpm = fs::path(WIRT_BINARY_DIR) / "fixtures-npm";

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::map<std::string, std::string> exclusions() {
  std::map<std::string, std::string> out;
  std::ifstream f(fs::path(WIRT_SOURCE_DIR) / "tests/component/cm-exclusions.txt");
  for (std::string line; std::getline(f, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    out[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return out;
}

std::vector<std::string> suite_files() {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(kSuite, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().extension() == ".wast") out.push_back(fs::relative(it->path(), kSuite).string());
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("");
  return out;
}

bool have_jco() {
  return std::system("node --version > /dev/null 2>&1") == 0 &&
         fs::exists(kNpm / "node_modules/@bytecodealliance/jco/dist/api.js");
}

// ---- values (the `*.const` forms of the component wast extensions) -----------------------

core::Result<core::Value> value_of(const std::vector<SNode>& items, size_t first, bool as_arg);

core::Result<core::Value> value_node(const SNode& n, bool as_arg) {
  if (!n.list) return core::invalid("expected a value, got " + n.atom);
  return value_of(n.items, 0, as_arg);
}

// items[first] is the `T.const` keyword, the rest its operands.
core::Result<core::Value> value_of(const std::vector<SNode>& items, size_t first, bool as_arg) {
  if (first >= items.size()) return core::invalid("missing value");
  const std::string& k = items[first].atom;
  auto operand = [&](size_t i) -> const SNode* { return first + i < items.size() ? &items[first + i] : nullptr; };
  auto rest = [&](bool arg) -> core::Result<core::Array> {
    core::Array a;
    for (size_t i = first + 1; i < items.size(); i++) {
      auto v = value_node(items[i], arg);
      if (!v) return std::move(v).error();
      a.push_back(std::move(*v));
    }
    return a;
  };
  if (k == "bool.const") return core::Value(operand(1) && operand(1)->atom == "true");
  if (k == "str.const" || k == "char.const" || k == "enum.const") {
    if (!operand(1)) return core::invalid(k + " without operand");
    return core::Value(operand(1)->atom);
  }
  if (k == "f32.const" || k == "f64.const") {
    if (!operand(1)) return core::invalid(k + " without operand");
    std::string s = operand(1)->atom;
    if (s.find("nan") != std::string::npos) return core::Value(std::nan(""));
    if (s == "inf" || s == "+inf") return core::Value(HUGE_VAL);
    if (s == "-inf") return core::Value(-HUGE_VAL);
    return core::Value(std::strtod(s.c_str(), nullptr));
  }
  if (k.size() > 6 && k.substr(k.size() - 6) == ".const" && (k[0] == 'u' || k[0] == 's' || k[0] == 'i')) {
    if (!operand(1)) return core::invalid(k + " without operand");
    std::string s = operand(1)->atom;
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    bool neg = !s.empty() && s[0] == '-';
    uint64_t u = std::strtoull(neg ? s.c_str() + 1 : s.c_str(), nullptr, 0);
    return core::Value(neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u));
  }
  if (k == "list.const" || k == "tuple.const") {
    auto a = rest(as_arg);
    if (!a) return std::move(a).error();
    return core::Value(std::move(*a));
  }
  if (k == "record.const") {
    core::Value m = core::Value::map();
    for (size_t i = first + 1; i < items.size(); i++) {
      const SNode& f = items[i];
      if (f.head() != "field" || f.items.size() < 3) return core::invalid("record.const: bad field");
      auto v = f.items[2].list ? value_node(f.items[2], as_arg) : value_of(f.items, 2, as_arg);
      if (!v) return std::move(v).error();
      m.set(f.items[1].atom, std::move(*v));
    }
    return m;
  }
  if (k == "variant.const") {
    if (!operand(1)) return core::invalid("variant.const without case");
    std::string c = operand(1)->atom;
    if (!operand(2)) return as_arg ? core::Value(c) : [&] { core::Value m = core::Value::map(); m.set(c, core::Value(true)); return m; }();
    auto v = value_node(*operand(2), as_arg);
    if (!v) return std::move(v).error();
    core::Value m = core::Value::map();
    m.set(c, std::move(*v));
    return m;
  }
  if (k == "flags.const") {
    core::Value m = core::Value::map();
    for (size_t i = first + 1; i < items.size(); i++) m.set(items[i].atom, core::Value(true));
    return m;
  }
  return core::invalid("value form " + k + " is not supported by the runner");
}

bool same(const core::Value& a, const core::Value& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.as_number(), y = b.as_number();
    return x == y || (std::isnan(x) && std::isnan(y)) || (a.is_int() && b.is_int() && a.as_int() == b.as_int());
  }
  auto text = [](const core::Value& v) -> const std::string* {
    return v.is_string() ? &v.as_string() : v.is_bytes() ? &v.as_bytes().data : nullptr;
  };
  if (text(a) && text(b)) return *text(a) == *text(b);
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) return false;
    for (size_t i = 0; i < a.as_array().size(); i++)
      if (!same(a.as_array()[i], b.as_array()[i])) return false;
    return true;
  }
  if (a.is_map() && b.is_map()) {
    // Map entries whose value is nil stand for absent options.
    for (const auto& [k, v] : a.as_map()) {
      const core::Value* w = b.find(k);
      if (!(w ? same(v, *w) : v.is_nil())) return false;
    }
    for (const auto& [k, v] : b.as_map())
      if (!a.find(k) && !v.is_nil()) return false;
    return true;
  }
  return a == b;
}

// ---- the runner ----------------------------------------------------------------------------

class CmRunner {
 public:
  CmRunner(std::string file, fs::path work) : file_(std::move(file)), work_(std::move(work)) {}

  // Pass 1: every component text the script holds, to be converted by jco.
  void collect(const std::vector<SNode>& forms, std::string_view text) {
    for (const auto& f : forms) {
      std::string_view h = f.head();
      if (h == "component") add_text(f, text);
      if ((h == "assert_invalid" || h == "assert_unlinkable" || h == "assert_malformed") && f.items.size() > 1 &&
          f.items[1].head() == "component")
        add_text(f.items[1], text);
    }
  }

  void run(const std::vector<SNode>& forms, const std::map<std::string, std::string>& excluded) {
    for (const auto& f : forms) {
      if (excluded.count(file_ + ":" + std::to_string(f.line))) {
        skipped_++;
        continue;
      }
      std::string why;
      int r = command(f, &why);
      if (r > 0) {
        passed_++;
      } else if (r == 0) {
        failed_++;
        failures_.push_back(file_ + ":" + std::to_string(f.line) + ": " + std::string(f.head()) + ": " + why);
      } else {
        skipped_++;
        if (notes_.size() < 5) notes_.push_back(file_ + ":" + std::to_string(f.line) + ": skipped: " + why);
      }
    }
  }

  int passed_ = 0, failed_ = 0, skipped_ = 0;
  std::vector<std::string> failures_, notes_;

 private:
  // A component form's text for jco: `definition` and the form's own binary/quote variants
  // are wast-only, so they are rewritten here.
  struct Form {
    bool binary = false, quote = false, definition = false;
    std::string name;
    std::string bytes_or_text;
  };

  Form form_of(const SNode& f, std::string_view text) {
    Form out;
    size_t i = 1;
    if (i < f.items.size() && f.items[i].is("definition")) out.definition = true, i++;
    size_t name_at = i;
    if (i < f.items.size() && !f.items[i].list && !f.items[i].string && f.items[i].atom[0] == '$')
      out.name = f.items[i++].atom;
    if (i < f.items.size() && (f.items[i].is("binary") || f.items[i].is("quote"))) {
      bool bin = f.items[i].is("binary");
      std::string s;
      for (size_t j = i + 1; j < f.items.size(); j++) s += f.items[j].atom + (bin ? "" : " ");
      out.binary = bin;
      out.quote = !bin;
      out.bytes_or_text = bin ? s : "(component " + s + ")";
      return out;
    }
    // "(component" + everything after `definition` (the name stays: it is valid text syntax).
    size_t from = name_at < f.items.size() ? f.items[name_at].begin : f.end - 1;
    out.bytes_or_text = "(component " + std::string(text.substr(from, f.end - from));
    return out;
  }

  void add_text(const SNode& f, std::string_view text) {
    Form form = form_of(f, text);
    if (form.binary) return;
    fs::path wat = work_ / (std::to_string(f.begin) + ".wat");
    if (read_file(wat) != form.bytes_or_text) {
      std::error_code ec;
      fs::remove(work_ / (std::to_string(f.begin) + ".wasm"), ec);
      fs::remove(work_ / (std::to_string(f.begin) + ".err"), ec);
      std::ofstream(wat, std::ios::binary) << form.bytes_or_text;
    }
  }

  // The binary of a component form, or the converter's error (in *error).
  std::vector<uint8_t> binary(const SNode& f, const Form& form, std::string* error) {
    if (form.binary) return std::vector<uint8_t>(form.bytes_or_text.begin(), form.bytes_or_text.end());
    std::string b = read_file(work_ / (std::to_string(f.begin) + ".wasm"));
    if (b.empty()) *error = "jco: " + read_file(work_ / (std::to_string(f.begin) + ".err"));
    return std::vector<uint8_t>(b.begin(), b.end());
  }

  core::Result<std::shared_ptr<Component>> load(const std::vector<uint8_t>& bytes) {
    wasm::CompileOptions o;
    o.tier2 = false;  // tier 1: the component layer is what is tested here
    o.name = file_;
    return Component::load(bytes, o);
  }

  core::Result<std::unique_ptr<ComponentInstance>> instantiate(std::shared_ptr<Component> c) {
    return ComponentInstance::create(std::move(c), HostImports{});
  }

  // 1 passed, 0 failed, -1 skipped.
  int command(const SNode& f, std::string* why) {
    std::string_view h = f.head();
    if (h == "component") return component(f, why);
    if (h == "assert_return" || h == "assert_trap") return assertion(f, why);
    if (h == "assert_invalid" || h == "assert_unlinkable" || h == "assert_malformed") return rejection(f, why);
    *why = "command " + std::string(h) + " is not supported by the runner";
    return 0;
  }

  int component(const SNode& f, std::string* why) {
    // Until this component stands, later commands have no instance (not the previous one).
    current_ = nullptr;
    failed_component_line_ = f.line;
    int r = component_form(f, why);
    if (r > 0) failed_component_line_ = 0;
    return r;
  }

  int component_form(const SNode& f, std::string* why) {
    if (f.items.size() >= 4 && f.items[1].is("instance")) {  // (component instance $i $Def)
      auto def = definitions_.find(f.items[3].atom);
      if (def == definitions_.end()) return *why = "no definition " + f.items[3].atom + " (it failed to load)", 0;
      auto inst = instantiate(def->second);
      if (!inst) return *why = inst.error().message(), 0;
      current_ = inst->get();
      named_[f.items[2].atom] = current_;
      instances_.push_back(std::move(*inst));
      return 1;
    }
    std::string text(source_);
    Form form = form_of(f, text);
    std::string error;
    auto bytes = binary(f, form, &error);
    if (bytes.empty() && !form.binary) return *why = error, 0;
    auto c = load(bytes);
    if (!c) return *why = "load: " + c.error().message(), 0;
    if (form.definition) {
      if (!form.name.empty()) definitions_[form.name] = *c;
      return 1;
    }
    auto inst = instantiate(*c);
    if (!inst) return *why = "instantiate: " + inst.error().message(), 0;
    current_ = inst->get();
    if (!form.name.empty()) named_[form.name] = current_;
    instances_.push_back(std::move(*inst));
    return 1;
  }

  int assertion(const SNode& f, std::string* why) {
    if (f.items.size() < 2 || f.items[1].head() != "invoke") return *why = "expected (invoke …)", 0;
    const SNode& inv = f.items[1];
    size_t i = 1;
    ComponentInstance* target = current_;
    if (i < inv.items.size() && !inv.items[i].string && !inv.items[i].list) {
      auto it = named_.find(inv.items[i++].atom);
      if (it == named_.end()) return *why = "no instance " + inv.items[i - 1].atom, 0;
      target = it->second;
    }
    if (!target) return *why = "no component instance (the component at line " + std::to_string(failed_component_line_) + " failed)", 0;
    if (i >= inv.items.size()) return *why = "invoke without a name", 0;
    std::string name = inv.items[i++].atom;
    core::Array args;
    for (; i < inv.items.size(); i++) {
      auto v = value_node(inv.items[i], true);
      if (!v) return *why = v.error().message(), -1;
      args.push_back(std::move(*v));
    }
    auto r = target->call(name, args);
    if (f.head() == "assert_trap") {
      if (r) return *why = "no trap, returned " + core::to_json(*r), 0;
      if (trap_notes_.size() < 3) trap_notes_.push_back(r.error().message());
      return 1;
    }
    if (!r) return *why = r.error().message(), 0;
    core::Array expected;
    for (size_t j = 2; j < f.items.size(); j++) {
      auto v = value_node(f.items[j], false);
      if (!v) return *why = v.error().message(), -1;
      expected.push_back(std::move(*v));
    }
    core::Value want = expected.empty() ? core::Value() : expected.size() == 1 ? expected[0] : core::Value(expected);
    if (!same(want, *r)) return *why = "returned " + core::to_json(*r) + ", expected " + core::to_json(want), 0;
    return 1;
  }

  int rejection(const SNode& f, std::string* why) {
    if (f.items.size() < 2 || f.items[1].head() != "component") return *why = "expected (component …)", 0;
    std::string text(source_);
    Form form = form_of(f.items[1], text);
    std::string error;
    auto bytes = binary(f.items[1], form, &error);
    if (bytes.empty() && !form.binary) {
      // The text did not convert. For a quote form that is the expected outcome of a text
      // parser (jco's), which says nothing about wirt; otherwise the test cannot run.
      if (form.quote) return *why = "text-format check (jco's parser, not wirt's)", -1;
      return *why = error, 0;
    }
    auto c = load(bytes);
    if (!c) return 1;
    if (f.head() == "assert_malformed") return *why = "malformed binary accepted", 0;
    auto inst = instantiate(*c);
    if (!inst) return 1;
    return *why = "accepted (decoded, linked and instantiated)", 0;
  }

 public:
  std::string source_;
  std::vector<std::string> trap_notes_;

 private:
  std::string file_;
  fs::path work_;
  std::vector<std::unique_ptr<ComponentInstance>> instances_;
  std::map<std::string, ComponentInstance*> named_;
  std::map<std::string, std::shared_ptr<Component>> definitions_;
  ComponentInstance* current_ = nullptr;
  int failed_component_line_ = 0;
};

class CmSpecTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CmSpecTest, Run) {
  const std::string& file = GetParam();
  if (file.empty()) GTEST_SKIP() << "component-model testsuite not found at " << kSuite << " (WIRT_SHARED_DIR)";
  auto excluded = exclusions();
  if (auto it = excluded.find(file); it != excluded.end()) GTEST_SKIP() << file << " excluded: " << it->second;
  if (!have_jco()) {
    std::printf("NOTICE: node or jco not found (%s; scripts/build-components installs it): %s skipped\n",
                kNpm.c_str(), file.c_str());
    GTEST_SKIP() << "node / jco not available";
  }
  std::string source = read_file(kSuite / file);
  auto forms = read_sexprs(source);
  ASSERT_TRUE(forms.ok()) << file << ": " << forms.error().message();
  std::string stem = file;
  for (auto& c : stem)
    if (c == '/') c = '_';
  fs::path work = fs::path(WIRT_BINARY_DIR) / "cm-spec" / stem;
  fs::create_directories(work);
  CmRunner runner(file, work);
  runner.source_ = source;
  runner.collect(*forms, source);
  std::string cmd = "node '" + (fs::path(WIRT_SOURCE_DIR) / "tests/component/jco-parse.mjs").string() + "' '" +
                    kNpm.string() + "' '" + work.string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "jco-parse.mjs failed";
  runner.run(*forms, excluded);
  std::printf("component-model %-45s %3d passed, %3d failed, %3d skipped\n", file.c_str(), runner.passed_,
              runner.failed_, runner.skipped_);
  for (const auto& n : runner.notes_) std::printf("  %s\n", n.c_str());
  for (const auto& t : runner.trap_notes_) std::printf("  trap: %s\n", t.c_str());
  for (const auto& fl : runner.failures_) ADD_FAILURE() << fl;
  EXPECT_EQ(runner.failed_, 0);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.empty() ? "none" : info.param.substr(0, info.param.size() - 5);
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(ComponentModel, CmSpecTest, ::testing::ValuesIn(suite_files()), param_name);

}  // namespace
}  // namespace wirt::component::testing
