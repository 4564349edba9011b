#include "wasm/module_summary.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/json.h"
#include "wasm/tier2_cache.h"

namespace wirt::wasm {

namespace {

constexpr std::string_view kSummaryMagic = "WIRTS001";
constexpr int64_t kSummaryFormat = 2;  // 2: code_may_write_other_state

std::string summary_path(std::string_view key) { return fmt::format("{}/{}.summary", cache_dir(), key); }

// Value types as their enum numbers in one string ("\0\0\3" = i32 i32 f64): compact and exact.
core::Value types_value(const std::vector<ValType>& ts) {
  std::string s;
  for (ValType t : ts) s.push_back(char('0' + int(t)));
  return core::Value(std::move(s));
}

std::optional<ValType> val_type(int64_t n) {
  if (n < int64_t(ValType::I32) || n > int64_t(ValType::ExternRef)) return std::nullopt;
  return ValType(n);
}

std::optional<std::vector<ValType>> types_from(const core::Value& v) {
  if (!v.is_string()) return std::nullopt;
  std::vector<ValType> out;
  for (char c : v.as_string()) {
    auto t = val_type(c - '0');
    if (!t) return std::nullopt;
    out.push_back(*t);
  }
  return out;
}

// Fields in a fixed order: [kind, params, results, global_type, global_mutable, table_elem,
// (imports:) min, max, module, name | (exports:) name].
core::Value common(ExternKind kind, const FuncType& type, ValType global_type, bool global_mutable, ValType elem) {
  core::Value a = core::Value::array();
  auto& arr = a.as_array();
  arr.emplace_back(int64_t(kind));
  arr.push_back(types_value(type.params));
  arr.push_back(types_value(type.results));
  arr.emplace_back(int64_t(global_type));
  arr.emplace_back(global_mutable);
  arr.emplace_back(int64_t(elem));
  return a;
}

struct Common {
  ExternKind kind;
  FuncType type;
  ValType global_type;
  bool global_mutable;
  ValType elem;
};

std::optional<Common> common_from(const core::Array& a, size_t want) {
  if (a.size() != want || !a[0].is_int() || !a[3].is_int() || !a[4].is_bool() || !a[5].is_int()) return std::nullopt;
  int64_t kind = a[0].as_int();
  if (kind < int64_t(ExternKind::Func) || kind > int64_t(ExternKind::Global)) return std::nullopt;
  auto params = types_from(a[1]);
  auto results = types_from(a[2]);
  auto global = val_type(a[3].as_int());
  auto elem = val_type(a[5].as_int());
  if (!params || !results || !global || !elem) return std::nullopt;
  return Common{ExternKind(kind), FuncType{std::move(*params), std::move(*results)}, *global, a[4].as_bool(), *elem};
}

}  // namespace

std::string encode_summary(const ModuleSummary& s) {
  core::Value doc = core::Value::map();
  doc.set("format", core::Value(kSummaryFormat));
  core::Value exports = core::Value::array();
  for (const auto& e : s.exports) {
    core::Value a = common(e.kind, e.type, e.global_type, e.global_mutable, e.table_elem);
    a.as_array().emplace_back(e.name);
    exports.as_array().push_back(std::move(a));
  }
  core::Value imports = core::Value::array();
  for (const auto& i : s.imports) {
    core::Value a = common(i.kind, i.type, i.global_type, i.global_mutable, i.table_elem);
    auto& arr = a.as_array();
    arr.emplace_back(int64_t(i.min));
    arr.emplace_back(int64_t(i.max));
    arr.emplace_back(i.module);
    arr.emplace_back(i.name);
    imports.as_array().push_back(std::move(a));
  }
  doc.set("exports", std::move(exports));
  doc.set("imports", std::move(imports));
  doc.set("code_may_write_memory", core::Value(s.code_may_write_memory));
  doc.set("code_may_write_other_state", core::Value(s.code_may_write_other_state));
  doc.set("has_start", core::Value(s.has_start));
  return core::to_json(doc);
}

std::optional<ModuleSummary> decode_summary(std::string_view text) {
  auto doc = core::from_json(text);
  if (!doc || !doc->is_map()) return std::nullopt;
  const core::Value* format = doc->find("format");
  const core::Value* exports = doc->find("exports");
  const core::Value* imports = doc->find("imports");
  const core::Value* writes = doc->find("code_may_write_memory");
  const core::Value* other = doc->find("code_may_write_other_state");
  const core::Value* start = doc->find("has_start");
  if (!format || !format->is_int() || format->as_int() != kSummaryFormat || !exports || !exports->is_array() ||
      !imports || !imports->is_array() || !writes || !writes->is_bool() || !other || !other->is_bool() || !start || !start->is_bool()) {
    return std::nullopt;
  }
  ModuleSummary s;
  for (const auto& v : exports->as_array()) {
    if (!v.is_array()) return std::nullopt;
    const auto& a = v.as_array();
    auto c = common_from(a, 7);
    if (!c || !a[6].is_string()) return std::nullopt;
    s.exports.push_back(ExportInfo{a[6].as_string(), c->kind, std::move(c->type), c->global_type, c->global_mutable,
                                   c->elem});
  }
  for (const auto& v : imports->as_array()) {
    if (!v.is_array()) return std::nullopt;
    const auto& a = v.as_array();
    auto c = common_from(a, 10);
    if (!c || !a[6].is_int() || !a[7].is_int() || !a[8].is_string() || !a[9].is_string()) return std::nullopt;
    int64_t min = a[6].as_int(), max = a[7].as_int();
    if (min < 0 || max < 0 || min > int64_t(UINT32_MAX) || max > int64_t(UINT32_MAX)) return std::nullopt;
    ImportInfo imp;
    imp.module = a[8].as_string();
    imp.name = a[9].as_string();
    imp.kind = c->kind;
    imp.type = std::move(c->type);
    imp.global_type = c->global_type;
    imp.global_mutable = c->global_mutable;
    imp.min = uint32_t(min);
    imp.max = uint32_t(max);
    imp.table_elem = c->elem;
    s.imports.push_back(std::move(imp));
  }
  s.code_may_write_memory = writes->as_bool();
  s.code_may_write_other_state = other->as_bool();
  s.has_start = start->as_bool();
  return s;
}

std::optional<ModuleSummary> load_summary(std::string_view key) {
  std::string text, why;
  if (!read_cache_file(summary_path(key), kSummaryMagic, key, &text, &why)) return std::nullopt;
  return decode_summary(text);
}

void store_summary(std::string_view key, const ModuleSummary& s) {
  std::string path = summary_path(key);
  std::string why;
  if (verify_cache_file(path, kSummaryMagic, key, &why)) return;
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  std::filesystem::create_directories(cache_dir(), ec);
  std::string tmp = fmt::format("{}/.tmp-{}-{}-{}.summary", cache_dir(), key.substr(0, 16), getpid(), counter++);
  {
    std::ofstream f(tmp, std::ios::binary);
    f << encode_summary(s);
    if (!f) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  if (!seal_cache_file(tmp, kSummaryMagic, key)) {
    std::filesystem::remove(tmp, ec);
    return;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace wirt::wasm
