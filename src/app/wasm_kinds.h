// Kind handlers for fs.directory, function.wat and function.wasm entries (DESIGN §1.2).
// process.wasm configs are validated (so bad ones fail the boot) and stored for the process
// layer.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "host/fs_registry.h"
#include "host/wasm_function.h"
#include "registry/entry.h"
#include "sched/functions.h"

namespace wirt::app {

class WasmKinds {
 public:
  WasmKinds(std::filesystem::path app_root, sched::FunctionTable* functions, host::EngineSettings settings)
      : app_root_(std::move(app_root)), functions_(functions), settings_(std::move(settings)) {}

  bool handles(const std::string& kind) const;
  core::Status add(const registry::Entry& entry);
  const host::FsRegistry& fs() const { return fs_; }

 private:
  std::filesystem::path app_root_;
  sched::FunctionTable* functions_;
  host::EngineSettings settings_;
  host::FsRegistry fs_;
  std::map<std::string, std::shared_ptr<host::WasmFunction>> functions_by_id_;
};

}  // namespace wirt::app
