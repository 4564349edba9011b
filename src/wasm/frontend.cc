#include "wasm/frontend.h"

#include <wabt/apply-names.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/c-writer.h>
#include <wabt/cast.h>
#include <wabt/error.h>
#include <wabt/feature.h>
#include <wabt/generate-names.h>
#include <wabt/ir.h>
#include <wabt/resolve-names.h>
#include <wabt/stream.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <fmt/format.h>

#include <memory>
#include <set>

#include "wasm/feature_check.h"
#include "wasm/memory_writes.h"
#include "wasm/validate_extra.h"
#include "wasm/nesting_check.h"
#include "core/sha256.h"

namespace wirt::wasm {
namespace {

// WebAssembly 2.0 (wabt's defaults): multi-value, reference types, bulk memory, sign
// extension, saturating conversions, mutable globals, and SIMD (parsed so it can be named
// when rejected). Other proposals are only enabled to explain a failure.
wabt::Features base_features() { return wabt::Features(); }

struct ProposalProbe {
  const char* name;
  void (wabt::Features::*enable)();
};
constexpr ProposalProbe kProbes[] = {
    {"threads (shared memory / atomics)", &wabt::Features::enable_threads},
    {"tail calls", &wabt::Features::enable_tail_call},
    {"memory64", &wabt::Features::enable_memory64},
    {"multi-memory", &wabt::Features::enable_multi_memory},
    {"exception handling", &wabt::Features::enable_exceptions},
};

std::string format_errors(const wabt::Errors& errors, std::string_view name, bool text) {
  std::string out;
  int n = 0;
  for (const auto& e : errors) {
    if (e.error_level != wabt::ErrorLevel::Error) continue;
    if (n++ == 3) {
      out += fmt::format(" (and {} more)", errors.size() - 3);
      break;
    }
    if (!out.empty()) out += "; ";
    if (text && e.loc.line > 0)
      out += fmt::format("{}:{}:{}: {}", name, e.loc.line, e.loc.first_column, e.message);
    else if (!text)
      out += fmt::format("{}: at byte {:#x}: {}", name, e.loc.offset, e.message);
    else
      out += fmt::format("{}: {}", name, e.message);
  }
  if (out.empty()) out = fmt::format("{}: invalid module", name);
  return out;
}

core::Error unsupported(std::string_view name, std::string_view feature) {
  return core::invalid(fmt::format("{}: uses {}, which wirt cannot run (wasm2c 1.0.32 cannot "
                                   "translate it)",
                                   name, feature));
}

// Parses WAT with `features`; returns the module or null (errors appended).
std::unique_ptr<wabt::Module> parse_wat(std::string_view text, std::string_view name,
                                        const wabt::Features& features, wabt::Errors* errors) {
  auto lexer = wabt::WastLexer::CreateBufferLexer(name, text.data(), text.size(), errors);
  wabt::WastParseOptions options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, errors, &options))) return nullptr;
  if (wabt::Failed(wabt::ResolveNamesModule(module.get(), errors))) return nullptr;
  if (wabt::Failed(wabt::ValidateModule(module.get(), errors, wabt::ValidateOptions(features))))
    return nullptr;
  if (!validate_beyond_wabt(*module, errors)) return nullptr;
  return module;
}

// Returns the module or null (errors appended; a module nested too deeply for wabt's and
// wasm2c's recursive code also sets *too_deep).
std::unique_ptr<wabt::Module> read_binary(std::span<const uint8_t> binary, std::string_view name,
                                          const wabt::Features& features, wabt::Errors* errors,
                                          core::Status* too_deep = nullptr) {
  auto module = std::make_unique<wabt::Module>();
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  std::string fname(name);
  if (wabt::Failed(wabt::ReadBinaryIr(fname.c_str(), binary.data(), binary.size(), options,
                                      errors, module.get())))
    return nullptr;
  if (core::Status st = check_ir_nesting(*module, name); !st) {
    if (too_deep) *too_deep = std::move(st);
    return nullptr;
  }
  if (wabt::Failed(wabt::ValidateModule(module.get(), errors, wabt::ValidateOptions(features))))
    return nullptr;
  if (!validate_beyond_wabt(*module, errors)) return nullptr;
  return module;
}

ValType to_val_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return ValType::I32;
    case wabt::Type::I64: return ValType::I64;
    case wabt::Type::F32: return ValType::F32;
    case wabt::Type::F64: return ValType::F64;
    case wabt::Type::FuncRef: return ValType::FuncRef;
    default: return ValType::ExternRef;
  }
}

FuncType to_func_type(const wabt::FuncSignature& sig) {
  FuncType ft;
  for (auto t : sig.param_types) ft.params.push_back(to_val_type(t));
  for (auto t : sig.result_types) ft.results.push_back(to_val_type(t));
  return ft;
}

uint32_t clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : uint32_t(v); }

void collect_interface(const wabt::Module& m, Translation* out) {
  for (const auto* imp : m.imports) {
    ImportInfo info;
    info.module = imp->module_name;
    info.name = imp->field_name;
    switch (imp->kind()) {
      case wabt::ExternalKind::Func:
        info.kind = ExternKind::Func;
        info.type = to_func_type(wabt::cast<wabt::FuncImport>(imp)->func.decl.sig);
        break;
      case wabt::ExternalKind::Table: {
        const auto& t = wabt::cast<wabt::TableImport>(imp)->table;
        info.kind = ExternKind::Table;
        info.min = clamp32(t.elem_limits.initial);
        info.max = t.elem_limits.has_max ? clamp32(t.elem_limits.max) : UINT32_MAX;
        info.table_elem = to_val_type(t.elem_type);
        break;
      }
      case wabt::ExternalKind::Memory: {
        const auto& mem = wabt::cast<wabt::MemoryImport>(imp)->memory;
        info.kind = ExternKind::Memory;
        info.min = clamp32(mem.page_limits.initial);
        info.max = mem.page_limits.has_max ? clamp32(mem.page_limits.max) : UINT32_MAX;
        break;
      }
      case wabt::ExternalKind::Global: {
        const auto& g = wabt::cast<wabt::GlobalImport>(imp)->global;
        info.kind = ExternKind::Global;
        info.global_type = to_val_type(g.type);
        info.global_mutable = g.mutable_;
        break;
      }
      default:
        break;  // tags are rejected earlier
    }
    out->imports.push_back(std::move(info));
  }
  std::set<std::string> modules;
  for (const auto& i : out->imports) modules.insert(i.module);
  out->import_modules.assign(modules.begin(), modules.end());

  for (const auto* exp : m.exports) {
    ExportInfo info;
    info.name = exp->name;
    switch (exp->kind) {
      case wabt::ExternalKind::Func:
        info.kind = ExternKind::Func;
        info.type = to_func_type(m.GetFunc(exp->var)->decl.sig);
        break;
      case wabt::ExternalKind::Table:
        info.kind = ExternKind::Table;
        info.table_elem = to_val_type(m.GetTable(exp->var)->elem_type);
        break;
      case wabt::ExternalKind::Memory: info.kind = ExternKind::Memory; break;
      case wabt::ExternalKind::Global: {
        const auto* g = m.GetGlobal(exp->var);
        info.kind = ExternKind::Global;
        info.global_type = to_val_type(g->type);
        info.global_mutable = g->mutable_;
        break;
      }
      default: continue;
    }
    out->exports.push_back(std::move(info));
  }
  out->has_memory = !m.memories.empty();
}

std::string feature_error_probe(std::span<const uint8_t> binary, std::string_view name) {
  for (const auto& p : kProbes) {
    wabt::Features f = base_features();
    (f.*p.enable)();
    wabt::Errors errors;
    if (read_binary(binary, name, f, &errors)) return p.name;
  }
  return {};
}

}  // namespace

core::Result<std::vector<uint8_t>> wat_to_binary(std::string_view text, std::string_view name) {
  if (core::Status st = check_wat_nesting(text, name); !st) return std::move(st).error();
  wabt::Errors errors;
  auto module = parse_wat(text, name, base_features(), &errors);
  if (!module) {
    for (const auto& p : kProbes) {
      wabt::Features f = base_features();
      (f.*p.enable)();
      wabt::Errors probe_errors;
      if (parse_wat(text, name, f, &probe_errors)) return unsupported(name, p.name);
    }
    return core::invalid(format_errors(errors, name, /*text=*/true));
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions options(base_features(), /*canonicalize_lebs=*/true,
                                   /*relocatable=*/false, /*write_debug_names=*/false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), options)))
    return core::internal(fmt::format("{}: cannot encode module", name));
  return std::move(stream.output_buffer().data);
}

namespace {
// Parsed, validated and free of unsupported proposals (the checks validate_binary and
// translate share). The feature check must run before the C writer: it aborts the process on
// SIMD (engine-options.md §5).
core::Result<std::unique_ptr<wabt::Module>> read_supported_binary(std::span<const uint8_t> binary,
                                                                  std::string_view name) {
  wabt::Errors errors;
  core::Status too_deep;
  auto module = read_binary(binary, name, base_features(), &errors, &too_deep);
  if (!too_deep) return std::move(too_deep).error();
  if (!module) {
    std::string feature = feature_error_probe(binary, name);
    if (!feature.empty()) return unsupported(name, feature);
    return core::invalid(format_errors(errors, name, /*text=*/false));
  }
  std::string feature = find_unsupported_feature(*module);
  if (!feature.empty()) return unsupported(name, feature);
  return module;
}
}  // namespace

core::Status validate_binary(std::span<const uint8_t> binary, std::string_view name) {
  auto module = read_supported_binary(binary, name);
  if (!module) return std::move(module).error();
  return core::ok_status();
}

core::Result<Translation> translate(std::span<const uint8_t> binary, std::string_view name, bool write_c,
                                    std::string_view known_sha256) {
  auto parsed = read_supported_binary(binary, name);
  if (!parsed) return std::move(parsed).error();
  auto& module = *parsed;

  Translation out;
  out.binary.assign(binary.begin(), binary.end());
  out.sha256 = known_sha256.empty() ? core::sha256_hex(binary) : std::string(known_sha256);
  collect_interface(*module, &out);
  out.code_may_write_memory = code_may_write_memory(*module);
  out.code_may_write_other_state = code_may_write_other_state(*module);
  out.has_start = !module->starts.empty();
  // wasm2c names an import after (module, name) only: the same pair imported with two
  // different types cannot be expressed in C (the C writer aborts the process).
  for (size_t i = 0; i < out.imports.size(); i++)
    for (size_t j = 0; j < i; j++) {
      const auto &a = out.imports[i], &b = out.imports[j];
      if (a.module == b.module && a.name == b.name &&
          (a.kind != b.kind || !(a.type == b.type) || a.global_type != b.global_type))
        return core::invalid(fmt::format(
            "{}: imports {}#{} twice with different types, which wirt cannot run (wasm2c "
            "1.0.32 cannot translate it)",
            name, a.module, a.name));
    }

  if (!write_c) return out;
  if (out.has_memory) {
    auto field = std::make_unique<wabt::ExportModuleField>();
    field->export_.name = std::string(kMemory0Export);
    field->export_.kind = wabt::ExternalKind::Memory;
    field->export_.var = wabt::Var(0, wabt::Location());
    module->AppendField(std::move(field));
  }
  // Same pipeline as the wasm2c tool: names are generated, then applied, then C is written.
  if (wabt::Failed(wabt::GenerateNames(module.get())))
    return core::internal(fmt::format("{}: cannot name module items", name));
  (void)wabt::ApplyNames(module.get());

  wabt::MemoryStream c_stream, h_stream;
  wabt::WriteCOptions options;
  options.module_name = kCModuleName;
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, "w.h", module.get(), options)))
    return core::internal(fmt::format("{}: wasm2c could not translate the module", name));
  const auto& c = c_stream.output_buffer().data;
  const auto& h = h_stream.output_buffer().data;
  out.c_source.assign(c.begin(), c.end());
  out.c_header.assign(h.begin(), h.end());
  return out;
}

}  // namespace wirt::wasm
