#include "app/wippy_config.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "registry/yaml_value.h"

namespace wirt::app {

namespace {

// Assigns the value of a Result to `lhs`, or returns its error.
#define WIPPY_ASSIGN(lhs, expr)                       \
  do {                                                \
    auto wippy_r_ = (expr);                           \
    if (!wippy_r_) return std::move(wippy_r_).error(); \
    lhs = *wippy_r_;                                  \
  } while (0)

core::Result<bool> read_bool(const core::Value& v, const std::string& what) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false")) return v.as_string() == "true";
  return core::invalid(what + ": expected true or false");
}

core::Result<int64_t> read_count(const core::Value& v, const std::string& what, int64_t max) {
  int64_t n = -1;
  if (v.is_int()) n = v.as_int();
  else if (v.is_string()) {
    try {
      size_t used = 0;
      n = std::stoll(v.as_string(), &used);
      if (used != v.as_string().size()) n = -1;
    } catch (...) {
      n = -1;
    }
  }
  if (n < 0 || n > max) return core::invalid(fmt::format("{}: expected an integer from 0 to {}", what, max));
  return n;
}

core::Result<WasmIsolation> parse_isolation(const core::Value& v, const std::string& at) {
  WasmIsolation iso;
  if (v.is_nil()) return iso;
  if (!v.is_map()) return core::invalid(at + ": expected a map {enabled, reserved_cores, workers, cpus}");
  for (const auto& [key, item] : v.as_map()) {
    std::string what = at + "." + key;
    if (key == "enabled") {
      WIPPY_ASSIGN(iso.enabled, read_bool(item, what));
    } else if (key == "reserved_cores") {
      WIPPY_ASSIGN(iso.reserved_cores, read_count(item, what, 1024));
    } else if (key == "workers") {
      WIPPY_ASSIGN(iso.workers, read_count(item, what, 1024));
    } else if (key == "cpus") {
      if (!item.is_array()) return core::invalid(what + ": expected a list of CPU numbers, e.g. [2, 3]");
      for (size_t i = 0; i < item.as_array().size(); ++i) {
        int64_t c = 0;
        WIPPY_ASSIGN(c, read_count(item.as_array()[i], fmt::format("{}[{}]", what, i), 1023));
        iso.cpus.push_back(static_cast<int>(c));
      }
    } else {
      return core::invalid(what + ": unknown field (enabled, reserved_cores, workers, cpus)");
    }
  }
  if (iso.enabled && iso.cpus.empty() && iso.reserved_cores == 0)
    return core::invalid(at + ".reserved_cores: must be at least 1 when enabled (or list cpus)");
  return iso;
}

}  // namespace

core::Result<WippyConfig> parse_wippy_config(const core::Value& doc, const std::string& file) {
  WippyConfig c;
  if (doc.is_nil()) return c;
  if (!doc.is_map()) return core::invalid(file + ": expected a map at the top level");
  if (const core::Value* sec = doc.find("security"); sec && !sec->is_nil()) {
    if (!sec->is_map()) return core::invalid(file + ": security: expected a map");
    if (const core::Value* s = sec->find("strict_mode"))
      WIPPY_ASSIGN(c.strict_mode, read_bool(*s, file + ": security.strict_mode"));
  }
  if (const core::Value* sched = doc.find("scheduler"); sched && !sched->is_nil()) {
    if (!sched->is_map()) return core::invalid(file + ": scheduler: expected a map");
    if (const core::Value* iso = sched->find("wasm_isolation"))
      WIPPY_ASSIGN(c.wasm_isolation, parse_isolation(*iso, file + ": scheduler.wasm_isolation"));
  }
  return c;
}

core::Result<WippyConfig> load_wippy_config(const std::filesystem::path& app_root) {
  std::filesystem::path file = app_root / ".wippy.yaml";
  std::ifstream in(file);
  if (!in) return WippyConfig{};
  std::stringstream text;
  text << in.rdbuf();
  auto doc = registry::parse_yaml_value(text.str(), file.string());
  if (!doc) return std::move(doc).error();
  return parse_wippy_config(*doc, file.string());
}

}  // namespace wirt::app
