#include "wasm/c_split.h"

#include <string_view>

namespace wirt::wasm {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Anchors in the text assemble_c writes (c_glue.cc) and wasm2c 1.0.32 emits.
constexpr std::string_view kSourceMarker = "\n/* ---- wasm2c source ---- */\n";
constexpr std::string_view kModuleInitialized = "\nstatic bool s_module_initialized";
constexpr std::string_view kApiStatic = "static const wirt_rt_api* wirt_api;";
constexpr std::string_view kInstanceParam = "(Z_w_instance_t* instance";

// "static <type> w2c_<name>(Z_w_instance_t* instance, ...) {" — a wasm function's definition
// (its forward declaration ends with ");" and has no parameter names).
bool is_body_start(std::string_view line) {
  return starts_with(line, "static ") && ends_with(line, ") {") &&
         line.find(" w2c_") != std::string_view::npos &&
         line.find(kInstanceParam) != std::string_view::npos;
}
bool is_forward_decl(std::string_view line) {
  return starts_with(line, "static ") && ends_with(line, ");") &&
         line.find(" w2c_") != std::string_view::npos &&
         line.find("(Z_w_instance_t*") != std::string_view::npos;
}

}  // namespace

std::vector<std::string> split_c_units(const std::string& c, size_t max_unit_bytes) {
  size_t src = c.find(kSourceMarker);
  if (src == std::string::npos) return {};
  size_t rest_at = c.find(kModuleInitialized, src);
  if (rest_at == std::string::npos) return {};
  rest_at += 1;  // the line itself starts the per-module part

  // Shared text: prelude, wasm2c header and helpers; wirt_api becomes one object for all units.
  std::string shared = "#pragma GCC visibility push(hidden)\n";
  shared.append(c, 0, rest_at);
  size_t api = shared.find(kApiStatic);
  if (api == std::string::npos) return {};
  shared.replace(api, kApiStatic.size(), "extern const wirt_rt_api* wirt_api;");
  shared += "\n/* ---- declarations shared by every unit (c_split.cc) ---- */\n";

  std::string main_unit = "\n/* ---- unit 0: segments, init code, exports, glue ---- */\n";
  main_unit += "const wirt_rt_api* wirt_api;\n";
  std::vector<std::string> bodies(1);
  std::string_view view(c);
  size_t pos = rest_at;
  while (pos < view.size()) {
    size_t eol = view.find('\n', pos);
    size_t end = eol == std::string_view::npos ? view.size() : eol + 1;
    std::string_view line = view.substr(pos, end - pos);
    std::string_view bare = line.substr(0, line.size() - (ends_with(line, "\n") ? 1 : 0));
    // wasm2c wraps a long parameter list onto following lines: take the whole declarator.
    if (starts_with(bare, "static ") && bare.find(" w2c_") != std::string_view::npos &&
        bare.find("(Z_w_instance_t*") != std::string_view::npos) {
      while (!ends_with(bare, "{") && !ends_with(bare, ";") && end < view.size()) {
        eol = view.find('\n', end);
        end = eol == std::string_view::npos ? view.size() : eol + 1;
        line = view.substr(pos, end - pos);
        bare = line.substr(0, line.size() - (ends_with(line, "\n") ? 1 : 0));
      }
    }
    if (is_body_start(bare)) {
      // The body ends at the first "}" in column 0 (wasm2c indents every nested block).
      size_t close = view.find("\n}\n", pos);
      if (close == std::string_view::npos) return {};
      size_t body_end = close + 3;
      if (!bodies.back().empty() && bodies.back().size() + (body_end - pos) > max_unit_bytes)
        bodies.emplace_back();
      bodies.back().append(view.substr(pos + 7, body_end - pos - 7));  // drops "static "
      bodies.back() += '\n';
      pos = body_end;
      continue;
    }
    if (is_forward_decl(bare)) {
      shared.append(bare.substr(7));
      shared += '\n';
    } else if (starts_with(bare, "static const ") && ends_with(bare, "[] = {")) {
      // A data or element segment: defined in unit 0, declared for the bodies (memory.init and
      // table.init name them).
      std::string_view decl = bare.substr(7, bare.size() - 7 - 4);  // "const T name[]"
      shared += "extern ";
      shared.append(decl);
      shared += ";\n";
      main_unit.append(line.substr(7));
    } else if (starts_with(bare, "static u32 func_types[") && ends_with(bare, "];")) {
      shared += "extern ";
      shared.append(bare.substr(7));
      shared += '\n';
      main_unit.append(line.substr(7));
    } else {
      main_unit.append(line);
    }
    pos = end;
  }
  if (bodies.back().empty()) return {};

  std::vector<std::string> units;
  units.reserve(bodies.size() + 1);
  units.push_back(shared + main_unit);
  for (size_t i = 0; i < bodies.size(); i++)
    units.push_back(shared + "\n/* ---- function bodies, unit " + std::to_string(i + 1) +
                    " ---- */\n" + bodies[i]);
  return units;
}

}  // namespace wirt::wasm
