#include "wasm/c_glue.h"

#include <fmt/format.h>

#include <set>

#include "wasm/rt_text.inc"  // kRtAbiText, kRtPreludeText (generated from rt_abi.h, rt_prelude.h)

namespace wirt::wasm {
namespace {

std::string c_type(ValType t) {
  switch (t) {
    case ValType::I32: return "u32";
    case ValType::I64: return "u64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::FuncRef: return "wasm_rt_funcref_t";
    case ValType::ExternRef: return "wasm_rt_externref_t";
  }
  return "u32";
}

char multi_char(ValType t) {
  switch (t) {
    case ValType::I32: return 'i';
    case ValType::I64: return 'j';
    case ValType::F32: return 'f';
    case ValType::F64: return 'd';
    case ValType::FuncRef: return 'r';
    case ValType::ExternRef: return 'e';
  }
  return 'i';
}

std::string multi_struct(const std::vector<ValType>& results) {
  std::string s = "struct wasm_multi_";
  for (auto t : results) s += multi_char(t);
  return s;
}

// 64-bit slot → C value.
std::string from_slot(ValType t, const std::string& slot) {
  switch (t) {
    case ValType::I32: return "(u32)" + slot;
    case ValType::I64: return slot;
    case ValType::F32: return "wirt_f32_of(" + slot + ")";
    case ValType::F64: return "wirt_f64_of(" + slot + ")";
    case ValType::FuncRef: return "wirt_funcref_of(" + slot + ")";
    case ValType::ExternRef: return "(wasm_rt_externref_t)(uintptr_t)" + slot;
  }
  return slot;
}

// C value → 64-bit slot.
std::string to_slot(ValType t, const std::string& v) {
  switch (t) {
    case ValType::I32: return "(uint64_t)(" + v + ")";
    case ValType::I64: return "(uint64_t)(" + v + ")";
    case ValType::F32: return "wirt_of_f32(" + v + ")";
    case ValType::F64: return "wirt_of_f64(" + v + ")";
    case ValType::FuncRef: return "wirt_of_funcref(" + v + ")";
    case ValType::ExternRef: return "(uint64_t)(uintptr_t)(" + v + ")";
  }
  return v;
}

std::string c_string_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c == '?' || c < 0x20 || c >= 0x7f)
      out += fmt::format("\\{:03o}", c);
    else
      out += char(c);
  }
  return out + "\"";
}

std::string strip_includes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t end = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, 8) != "#include") out += line;
    pos = end;
  }
  return out;
}

void replace_all(std::string* s, std::string_view from, std::string_view to, size_t begin = 0,
                 size_t end = std::string::npos) {
  if (end == std::string::npos) end = s->size();
  size_t pos = begin;
  while ((pos = s->find(from, pos)) != std::string::npos && pos < end) {
    s->replace(pos, from.size(), to);
    end += to.size() - from.size();
    pos += to.size();
  }
}

// Adapts wasm2c's source text. Each edit is anchored on text wasm2c 1.0.32 always emits;
// if an anchor is missing the edit is skipped and only the trap message gets coarser.
std::string adapt_source(std::string_view c) {
  std::string s = strip_includes(c);
  // Our frame-address stack check instead of the (process-global) depth counter.
  replace_all(&s, "FUNC_PROLOGUE;", "WIRT_PROLOGUE;");
  // tcc 0.9.27 compiles unused static inline functions with code generation off and then
  // rejects a compound literal with run-time values in them ("initializer element is not
  // constant"); spell out the one wasm2c writes.
  replace_all(&s,
              "    dest->data[dest_addr + i] = (wasm_rt_funcref_t){\n"
              "        func_types[src_expr->func_type_index], src_expr->func,\n"
              "        (char*)module_instance + src_expr->module_offset};",
              "    wasm_rt_funcref_t* wirt_fr = &dest->data[dest_addr + i];\n"
              "    wirt_fr->func_type = func_types[src_expr->func_type_index];\n"
              "    wirt_fr->func = src_expr->func;\n"
              "    wirt_fr->module_instance = (char*)module_instance + src_expr->module_offset;");
  // wasm2c forces every load with an empty asm taking the value in a general register ("r"):
  // for f32/f64 that moves each loaded float through an integer register and blocks
  // vectorisation (matmul ran 1.9x native). WIRT_FORCE_READ keeps the forced read but lets
  // the compiler pick the register class (rt_prelude.h).
  replace_all(&s, "wasm_asm(\"\" ::\"r\"(result));", "WIRT_FORCE_READ(result);");
  // f32.neg / f64.neg are written "x = -(x)"; route them through sign-bit flips.
  replace_all(&s, " = -(w2c_f", " = WIRT_FNEG(w2c_f");
  replace_all(&s, " = -(w2c_d", " = WIRT_DNEG(w2c_d");
  // Table helpers trap with OOB like memory; give table accesses their own reason.
  size_t tb = s.find("static inline void funcref_table_init");
  size_t te = s.find("static bool s_module_initialized");
  if (tb != std::string::npos && te != std::string::npos && tb < te)
    replace_all(&s, "TRAP(OOB)", "TRAP(TABLE_OOB)", tb, te);
  te = s.find("static bool s_module_initialized");
  if (te != std::string::npos) {
    // call_indirect: distinguish index out of range, null element, and type mismatch
    // (WebAssembly 2.0 §4.4.8 call_indirect steps 8–15).
    static constexpr std::string_view kCallIndirect =
        "#undef CALL_INDIRECT\n"
        "#define CALL_INDIRECT(table, t, ft, x, ...)                                \\\n"
        "  ((LIKELY((x) < table.size) || TRAP(TABLE_OOB)),                          \\\n"
        "   (LIKELY(table.data[x].func != NULL) || TRAP(UNINITIALIZED)),            \\\n"
        "   (LIKELY(table.data[x].func_type == func_types[ft]) || TRAP(CALL_INDIRECT)), \\\n"
        "   ((t)table.data[x].func)(__VA_ARGS__))\n\n";
    s.insert(te, kCallIndirect);
  }
  return s;
}

void emit_export_call(std::string* out, size_t k, const ExportInfo& e) {
  const auto& ft = e.type;
  std::string call = fmt::format("Z_{}Z_{}((Z_{}_instance_t*)inst", mangle_c_name(kCModuleName),
                                 mangle_c_name(e.name), mangle_c_name(kCModuleName));
  for (size_t i = 0; i < ft.params.size(); i++)
    call += ", " + from_slot(ft.params[i], fmt::format("a[{}]", i));
  call += ")";
  *out += fmt::format("static void wirt_x{}(void* inst, uint64_t* a, uint64_t* r) {{\n", k);
  *out += "  (void)a; (void)r;\n";
  if (ft.results.empty()) {
    *out += "  " + call + ";\n";
  } else if (ft.results.size() == 1) {
    *out += "  r[0] = " + to_slot(ft.results[0], call) + ";\n";
  } else {
    *out += "  " + multi_struct(ft.results) + " t = " + call + ";\n";
    for (size_t i = 0; i < ft.results.size(); i++)
      *out += fmt::format("  r[{}] = {};\n", i,
                          to_slot(ft.results[i], fmt::format("t.{}{}", multi_char(ft.results[i]), i)));
  }
  *out += "}\n";
}

void emit_import(std::string* out, size_t slot, const ImportInfo& imp) {
  std::string name = fmt::format("Z_{}Z_{}", mangle_c_name(imp.module), mangle_c_name(imp.name));
  std::string env = fmt::format("struct Z_{}_instance_t* env", mangle_c_name(imp.module));
  std::string hdr = "(*(wirt_instance_header**)(void*)env)";
  switch (imp.kind) {
    case ExternKind::Func: {
      const auto& ft = imp.type;
      std::string ret = ft.results.empty()       ? "void"
                        : ft.results.size() == 1 ? c_type(ft.results[0])
                                                 : multi_struct(ft.results);
      *out += fmt::format("{} {}({}", ret, name, env);
      for (size_t i = 0; i < ft.params.size(); i++)
        *out += fmt::format(", {} p{}", c_type(ft.params[i]), i);
      *out += ") {\n";
      *out += fmt::format("  uint64_t a[{}], r[{}];\n", std::max<size_t>(ft.params.size(), 1),
                          std::max<size_t>(ft.results.size(), 1));
      for (size_t i = 0; i < ft.params.size(); i++)
        *out += fmt::format("  a[{}] = {};\n", i, to_slot(ft.params[i], fmt::format("p{}", i)));
      *out += fmt::format("  wirt_api->call_import({}, {}u, a, r);\n", hdr, slot);
      if (ft.results.size() == 1) {
        *out += "  return " + from_slot(ft.results[0], "r[0]") + ";\n";
      } else if (ft.results.size() > 1) {
        *out += "  " + ret + " t;\n";
        for (size_t i = 0; i < ft.results.size(); i++)
          *out += fmt::format("  t.{}{} = {};\n", multi_char(ft.results[i]), i,
                              from_slot(ft.results[i], fmt::format("r[{}]", i)));
        *out += "  return t;\n";
      }
      *out += "}\n";
      break;
    }
    case ExternKind::Global:
      *out += fmt::format("{}* {}({}) {{ return ({}*){}->imports[{}].ptr; }}\n",
                          c_type(imp.global_type), name, env, c_type(imp.global_type), hdr, slot);
      break;
    case ExternKind::Memory:
      *out += fmt::format("wasm_rt_memory_t* {}({}) {{ return (wasm_rt_memory_t*){}->imports[{}].ptr; }}\n",
                          name, env, hdr, slot);
      break;
    case ExternKind::Table: {
      std::string t = imp.table_elem == ValType::FuncRef ? "wasm_rt_funcref_table_t"
                                                         : "wasm_rt_externref_table_t";
      *out += fmt::format("{}* {}({}) {{ return ({}*){}->imports[{}].ptr; }}\n", t, name, env, t,
                          hdr, slot);
      break;
    }
  }
}

// wasm2c copies import/export names verbatim into C comments; a name containing "*/" would
// end the comment early. The names are known, so their comments are replaced exactly.
void sanitize_name_comments(std::string* s, const Translation& t) {
  for (const auto& e : t.exports)
    if (e.name.find("*/") != std::string::npos || e.name.find('\n') != std::string::npos)
      replace_all(s, "/* export: '" + e.name + "' */", "/* export (name elided) */");
  for (const auto& i : t.imports)
    if ((i.module + i.name).find("*/") != std::string::npos ||
        (i.module + i.name).find('\n') != std::string::npos)
      replace_all(s, "/* import: '" + i.module + "' '" + i.name + "' */",
                  "/* import (name elided) */");
}

std::string emit_glue(const Translation& t) {
  std::string m = mangle_c_name(kCModuleName);
  std::string out = "\n/* ---- wirt uniform glue ---- */\n";
  std::set<std::string> defined;
  for (size_t i = 0; i < t.imports.size(); i++) {
    // A module may import the same name twice; wasm2c declares one C function for it.
    auto key = t.imports[i].module + '\0' + t.imports[i].name;
    if (!defined.insert(key).second) continue;
    emit_import(&out, i, t.imports[i]);
  }
  for (size_t k = 0; k < t.exports.size(); k++) {
    const auto& e = t.exports[k];
    if (e.kind == ExternKind::Func) {
      emit_export_call(&out, k, e);
    } else {
      out += fmt::format("static void* wirt_g{}(void* inst) {{ return (void*)Z_{}Z_{}((Z_{}_instance_t*)inst); }}\n",
                         k, m, mangle_c_name(e.name), m);
    }
  }
  out += fmt::format("static void wirt_instantiate(void* inst, wirt_instance_header* hdr) {{\n"
                     "  Z_{}_instantiate((Z_{}_instance_t*)inst",
                     m, m);
  for (const auto& mod : t.import_modules)
    out += fmt::format(", (struct Z_{}_instance_t*)(void*)hdr", mangle_c_name(mod));
  out += ");\n}\n";
  out += fmt::format("static void wirt_free(void* inst) {{ Z_{}_free((Z_{}_instance_t*)inst); }}\n",
                     m, m);
  if (t.has_memory)
    out += fmt::format("static wasm_rt_memory_t* wirt_mem0(void* inst) {{ return Z_{}Z_{}((Z_{}_instance_t*)inst); }}\n",
                       m, mangle_c_name(kMemory0Export), m);
  out += "static const wirt_export_desc wirt_exports[] = {\n";
  for (size_t k = 0; k < t.exports.size(); k++) {
    const auto& e = t.exports[k];
    int kind = int(e.kind);
    if (e.kind == ExternKind::Func)
      out += fmt::format("  {{{}, {}, wirt_x{}, NULL}},\n", c_string_literal(e.name), kind, k);
    else
      out += fmt::format("  {{{}, {}, NULL, wirt_g{}}},\n", c_string_literal(e.name), kind, k);
  }
  out += "  {NULL, 0, NULL, NULL}\n};\n";
  out += fmt::format(
      "static const wirt_module_desc wirt_desc = {{\n"
      "  WIRT_ABI_VERSION, {}u, WIRT_MODULE_KEY, sizeof(Z_{}_instance_t),\n"
      "  wirt_instantiate, wirt_free, wirt_exports, {}\n}};\n",
      t.exports.size(), m, t.has_memory ? "wirt_mem0" : "NULL");
  out += fmt::format(
      "WIRT_EXPORT const wirt_module_desc* wirt_module_entry(const wirt_rt_api* api) {{\n"
      "  if (api->abi_version != WIRT_ABI_VERSION) return NULL;\n"
      "  wirt_api = api;\n"
      "  Z_{}_init_module();\n"
      "  return &wirt_desc;\n}}\n",
      m);
  return out;
}

}  // namespace

std::string mangle_c_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if ((alnum && c != 'Z') || c == '_')
      out += char(c);
    else
      out += fmt::format("Z{:02X}", c);
  }
  return out;
}

std::string assemble_c(const Translation& t, bool guard_pages, std::string_view key) {
  std::string out;
  out.reserve(t.c_source.size() + t.c_header.size() + 16384);
  out += fmt::format("/* wirt module {} */\n#define WIRT_GUARD_PAGES {}\n#define WIRT_MODULE_KEY {}\n",
                     t.sha256, guard_pages ? 1 : 0, c_string_literal(key));
  std::string_view prelude = kRtPreludeText;
  constexpr std::string_view kMarker = "/* @WIRT_ABI@";
  size_t at = prelude.find(kMarker);
  out += prelude.substr(0, at);
  out += kRtAbiText;
  out += prelude.substr(at);
  std::string header = strip_includes(t.c_header), source = adapt_source(t.c_source);
  sanitize_name_comments(&header, t);
  sanitize_name_comments(&source, t);
  out += "\n/* ---- wasm2c header ---- */\n";
  out += header;
  out += "\n/* ---- wasm2c source ---- */\n";
  out += source;
  out += emit_glue(t);
  return out;
}

}  // namespace wirt::wasm
