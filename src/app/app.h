// wirt::app::App — a booted application: its entries, scheduler, function table and runtimes.
//
// Boot is one transaction (DESIGN §1.1): entries are loaded, ordered by dependency and handed
// to their kind's handler; if any entry is rejected nothing is started and every problem is
// reported, each naming the file, the entry id and the reason.
//
// Thread-safety: boot and destruction on one thread; call() from any non-worker thread;
// the function table and runtimes are used concurrently by fibers after boot.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "host/wasm_function.h"
#include "lua/runtime.h"
#include "registry/entry.h"
#include "registry/loader.h"
#include "registry/store.h"
#include "sched/functions.h"
#include "sched/scheduler.h"
#include "sched/security.h"
#include "sched/supervisor.h"

namespace wirt::app {

class WasmKinds;
class HttpKinds;
class ProcessKinds;
struct WasmIsolation;
class Reloader;

struct BootOptions {
  size_t threads = 0;  // worker threads; 0 = number of cores
  host::EngineSettings engine;
};

class App {
 public:
  // Boots the app in `dir`. On failure returns the first error and appends every problem
  // found to `problems` (when given).
  static core::Result<std::unique_ptr<App>> boot(const std::filesystem::path& dir, const BootOptions& options,
                                                 std::vector<core::Error>* problems = nullptr);
  ~App();

  // Calls function `id` on a fiber and waits for it. Not for use on a worker thread.
  core::Result<core::Value> call(const std::string& id, const core::Array& args,
                                 const sched::CallContext& ctx = {});

  const registry::AppPaths& paths() const { return paths_; }
  // The running definitions. A hot reload or a Lua registry change (from a worker fiber, at
  // any time) replaces them, so callers get an immutable version and hold it while they read.
  std::shared_ptr<const registry::Snapshot> entries() const { return store_.current(); }
  // The running entry `id` (it keeps its version alive), or nullptr.
  std::shared_ptr<const registry::Entry> find(const std::string& id) const;
  // The running definitions as versions (1 = boot, +1 per applied reload); any thread.
  const registry::Store& store() const { return store_; }
  // Hot reload and registry changes go through this one transaction (app/reload.h).
  Reloader& reloader() { return *reloader_; }
  sched::Scheduler& scheduler() { return *scheduler_; }
  const sched::FunctionTable& functions() const { return functions_; }
  sched::ProcessTable& processes() { return *processes_; }
  const sched::Policies& policies() const { return policies_; }
  // Where calls of ids this app does not have go (a joined cluster, src/cluster/); set right
  // after boot, before any call.
  void set_function_fallback(sched::FunctionFallback f) { functions_.set_fallback(std::move(f)); }

  // Runs the command `name` (a process entry with meta.command.name) on the terminal host with
  // string arguments; returns the exit code by the reference's rules (reference-platform §2
  // terminal.host), printing a string result on stdout and an error on stderr.
  int run_command(const std::string& name, const std::vector<std::string>& args);

  // Starts the services with lifecycle.auto_start (http.service listeners); the first failure
  // (a port in use, a TLS file that does not load) is returned naming the entry and field.
  [[nodiscard]] core::Status start_services();
  // Starts only the process.service entries with lifecycle.auto_start (`wirt test` runs them).
  [[nodiscard]] core::Status start_process_services();
  // Drains and stops the started services (in-flight requests finish up to their deadline;
  // process.service entries in reverse dependency order, sched/supervisor.h).
  void stop_services();
  sched::Supervisor& supervisor();
  // The HTTP kinds (their running services), for tests.
  HttpKinds& http() { return *http_; }

 private:
  friend class Reloader;  // hot reload swaps the function layer and routes (app/reload.h)
  App() = default;
  core::Status build(const BootOptions& options, std::vector<core::Error>* problems);
  // The main workers and, when an entry asks for it, the wasm worker class (.wippy.yaml
  // scheduler.wasm_isolation; src/sched/worker_class.h).
  void start_schedulers(const WasmIsolation& iso, size_t threads);

  registry::AppPaths paths_;
  // The running definitions for boot and the reload transaction: written at boot and under
  // the Reloader's lock only (everyone else reads store_).
  std::vector<registry::Entry> entries_;
  // The same entries as numbered versions for Lua's `registry` module; declared before
  // everything that runs Lua so it outlives every runtime and reload generation.
  registry::Store store_;
  // The one reload transaction of this app: file reloads and Lua registry changes (app/reload.h).
  std::unique_ptr<Reloader> reloader_;
  std::unique_ptr<sched::Scheduler> wasm_class_;  // before scheduler_: destroyed after it
  std::unique_ptr<sched::Scheduler> scheduler_;
  sched::FunctionTable functions_;
  std::unique_ptr<sched::ProcessTable> processes_;
  sched::Policies policies_;
  std::vector<std::string> terminal_hosts_;
  std::unique_ptr<lua::LuaRuntime> lua_;
  std::unique_ptr<WasmKinds> wasm_;
  std::unique_ptr<HttpKinds> http_;
  std::unique_ptr<ProcessKinds> process_kinds_;
};

// Function kinds that `wirt call` / `wirt test` can run.
bool is_function_kind(const std::string& kind);

}  // namespace wirt::app
