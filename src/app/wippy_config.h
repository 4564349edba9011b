// The app-wide settings of `<app>/.wippy.yaml` that the runtime itself applies (reference-platform
// §2 ".wippy.yaml keys"): `security.strict_mode` and `scheduler.wasm_isolation` (the cluster
// section is read by src/cluster/config.h). Unknown keys elsewhere in the file are left to their
// owners; unknown keys inside these two sections are errors naming the field.
//
// Plain data; parsing is a pure function.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace wirt::app {

// scheduler.wasm_isolation (reference-wasm-runtime §4.3, docs-only there; wirt's design is in
// README "Isolated WASM workers"): sizes the `wasm` worker class that entries with
// `pool.worker_class: wasm` run on, and with `enabled` pins it to its own CPUs and the main
// workers to the others.
struct WasmIsolation {
  bool enabled = false;        // pin (sched_setaffinity); unpinned classes are still separate
  int64_t reserved_cores = 1;  // CPUs reserved for the class when `cpus` is not given
  int64_t workers = 0;         // threads of the class; 0 = cpus/reserved_cores when enabled, else min(cores, 4)
  std::vector<int> cpus;       // explicit CPU numbers for the class (implies their count as reserved)
};

struct WippyConfig {
  bool strict_mode = false;  // security.strict_mode: incomplete security contexts are denied
  WasmIsolation wasm_isolation;
};

// Parses a .wippy.yaml document (a map, or nil for an empty file); `file` names it in errors.
core::Result<WippyConfig> parse_wippy_config(const core::Value& doc, const std::string& file);
// Reads `<app_root>/.wippy.yaml`; defaults when the file does not exist.
core::Result<WippyConfig> load_wippy_config(const std::filesystem::path& app_root);

}  // namespace wirt::app
