// Kind handlers for fs.directory, env.storage.*, env.variable, function.wat, function.wasm and
// process.wasm entries
// (DESIGN §1.2; a process.wasm runs its method once per spawn, as a process).
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
#include "sched/processes.h"

namespace wirt::app {

class WasmKinds {
 public:
  WasmKinds(std::filesystem::path app_root, sched::FunctionTable* functions, sched::ProcessTable* processes,
            host::EngineSettings settings)
      : app_root_(std::move(app_root)), functions_(functions), processes_(processes), settings_(std::move(settings)) {}

  bool handles(const std::string& kind) const;
  core::Status add(const registry::Entry& entry);
  const host::FsRegistry& fs() const { return fs_; }
  const host::EnvRegistry& env() const { return env_; }
  // Where entries with pool.worker_class: wasm run (null: the app has no such entry).
  void set_wasm_class(sched::Scheduler* wasm_class) { wasm_class_ = wasm_class; }
  const host::EngineSettings& settings() const { return settings_; }

 private:
  std::filesystem::path app_root_;
  sched::FunctionTable* functions_;
  sched::ProcessTable* processes_;
  host::EngineSettings settings_;
  host::FsRegistry fs_;
  host::EnvRegistry env_;
  sched::Scheduler* wasm_class_ = nullptr;
};

}  // namespace wirt::app
