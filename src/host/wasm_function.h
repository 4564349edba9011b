// function.wat and function.wasm entries backed by core modules (DESIGN §1.2,
// reference-wasm-runtime §1.4–§2.6): load (WAT text, or a file from an fs.directory verified
// against its sha256), compile through the engine's tiers, check `method` against the exports
// and the `wit:` signature at load time, and call it through a pool of instances, each call on
// fresh guest state, with arguments and results crossing by the canonical ABI.
//
// Thread-safe after load: call() runs concurrently from fibers on any worker.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "component/wit_model.h"
#include "core/result.h"
#include "core/value.h"
#include "host/env_registry.h"
#include "host/fs_registry.h"
#include "host/instance_pool.h"
#include "sched/security.h"
#include "host/wasm_config.h"
#include "registry/entry.h"
#include "sched/call_context.h"
#include "sched/security.h"
#include "wasi/guest_env.h"
#include "wasm/instance.h"
#include "wasm/module.h"

namespace wirt::sched {
class ProcessTable;
}

namespace wirt::host {

// Modules and components compiled during one boot, by the sha256 of their bytes: entries that
// use the same binary (one component, many methods) share one compilation. Boot-time only.
struct CompiledCache {
  std::map<std::string, std::shared_ptr<wasm::Module>> modules;
  std::map<std::string, std::shared_ptr<const void>> components;  // component::Component
};

// How modules are compiled at boot.
struct EngineSettings {
  // Shared compilations (made by the first load when null).
  std::shared_ptr<CompiledCache> cache = std::make_shared<CompiledCache>();
  // Wait for tier 2 (cc -O2, cached) inside load instead of starting on tier 1 (`wirt compile`).
  bool tier2_sync = false;
  // Called after each module is compiled (progress display).
  std::function<void(const std::string& id, const wasm::Module&)> on_compiled;
  // The app's policies for host imports' permission checks (wasi:sockets, outgoing HTTP);
  // null: no checks.
  const sched::Policies* policies = nullptr;
  // The app's processes, for a process.wasm's wippy:process/inbox (host/process_inbox.h).
  sched::ProcessTable* processes = nullptr;
};

class WasmFunction {
 public:
  // Builds the function for a validated config. Errors name the reason (the caller adds the
  // entry id and file): a hash mismatch, a missing file, WAT syntax (with line:column), an
  // unsupported feature, a bad method (listing the callable exports), a `wit:` that does not
  // match the export.
  // `bytes` come from read_module_bytes (a core module or WAT); `env` (may be null) resolves
  // `wasi.env` at call time and must outlive the function.
  static core::Result<std::shared_ptr<WasmFunction>> load(const registry::Entry& entry, WasmConfig config,
                                                          const struct ModuleBytes& bytes, const EnvRegistry* env,
                                                          const EngineSettings& settings);

  core::Result<core::Value> call(const sched::CallContext& ctx, const core::Array& args);

  const wasm::Module& module() const { return *module_; }
  const WasmConfig& config() const { return config_; }

 private:
  WasmFunction() = default;
  core::Status check_method();
  core::Status check_signature();
  core::Result<std::unique_ptr<wasm::Instance>> new_instance();
  core::Result<core::Value> call_untyped(wasm::Instance& inst, const core::Array& args);
  core::Result<core::Value> call_typed(wasm::Instance& inst, const core::Array& args);

  std::string id_;
  std::string ns_;
  const EnvRegistry* env_ = nullptr;
  WasmConfig config_;
  std::shared_ptr<wasm::Module> module_;
  wasm::Linker linker_;
  int export_index_ = -1;
  std::shared_ptr<const component::FunctionSet> wit_;  // null without `wit:`
  const component::FuncSig* sig_ = nullptr;
  int realloc_index_ = -1;  // the guest allocator export (see check_signature)
  bool realloc_4_ = true;   // cabi_realloc-style (4 params) or alloc(size)
  // False for a module with no imports and no wasi mounts/env: calls build no wasi::GuestEnv.
  bool needs_guest_env_ = true;
  std::unique_ptr<InstancePool<wasm::Instance>> pool_;
};

// Loads a module's bytes for a config: the WAT source, or the fs file checked against `hash`.
// `is_component` is set when the bytes are a component (layer 0x0d, version 1).
struct ModuleBytes {
  std::string bytes;
  // The sha256 (hex) of `bytes` when it is already known (read_module_bytes computes it to
  // check `hash`): the compile caches key on it, so a file is hashed once per load. Empty:
  // not computed yet (WAT, `wirt exec`).
  std::string sha256;
  bool wat = false;
  bool is_component = false;

  // `sha256`, or the hash of `bytes` when it was not computed.
  std::string content_sha256() const;
};
core::Result<ModuleBytes> read_module_bytes(const WasmConfig& config, const FsRegistry& fs);

// What WASM calls of both kinds share around the guest call itself:
// the guest's environment for one call (entry id, wasi.args/cwd/env, terminal stdio)...
core::Status prepare_guest_env(wasi::GuestEnv& env, const std::string& entry_id, const std::string& ns,
                               const WasmConfig& config, const EnvRegistry* registry, const sched::CallContext& ctx);
// ...the caller's deadline as steady-clock nanoseconds (0 = none)...
int64_t deadline_ns(const sched::CallContext& ctx);
// ...and the outcome: exit(0) is success; traps and timeouts name the method
// ("failed to call wasm method: <m>: …", reference-wasm-runtime §5).
core::Result<core::Value> finish_guest_call(core::Result<core::Value> r, const std::string& method);

// The guest's environment variables for one call (wasi.env, reference-wasm-runtime §7.3),
// sorted by name: set, non-empty variables only; a required one missing is NotFound.
core::Result<std::vector<std::pair<std::string, std::string>>> resolve_wasi_env(const WasmConfig& config,
                                                                                 const EnvRegistry* env,
                                                                                 const std::string& ns);

}  // namespace wirt::host
