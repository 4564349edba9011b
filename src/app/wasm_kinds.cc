#include "app/wasm_kinds.h"

#include <fmt/format.h>

#include "host/component_function.h"
#include "http/wasi_http.h"
#include "sched/worker_class.h"

namespace wirt::app {

namespace {
// pool.worker_class: wasm — every call of the entry runs on the wasm worker class while the
// caller's fiber waits (src/sched/worker_class.h).
sched::FunctionHandler run_on_class(sched::Scheduler& cls, sched::FunctionHandler run, std::string id) {
  return [&cls, run = std::move(run), id = std::move(id)](const sched::CallContext& ctx, const core::Array& args) {
    return sched::call_on(cls, [&] { return run(ctx, args); }, ctx.deadline, id);
  };
}
}  // namespace

bool WasmKinds::handles(const std::string& kind) const {
  return kind == "fs.directory" || kind == "function.wat" || kind == "function.wasm" || kind == "process.wasm" ||
         env_.handles(kind);
}

core::Status WasmKinds::add(const registry::Entry& entry) {
  if (entry.kind == "fs.directory") return fs_.add(entry, app_root_);
  if (env_.handles(entry.kind)) return env_.add(entry, app_root_);
  auto config = host::parse_wasm_config(entry);
  if (!config) return std::move(config).error();
  auto bytes = host::read_module_bytes(*config, fs_);
  if (!bytes) return std::move(bytes).error();
  // wasi.mounts: the fs.directory behind each (a read-only directory makes a read-only mount).
  config->wasi.policies = processes_ ? processes_->policies() : nullptr;
  for (const auto& m : config->wasi.mounts) {
    const host::Directory* dir = fs_.find(m.fs);
    if (!dir) return core::not_found(fmt::format("wasi.mounts: filesystem not found: {}", m.fs));
    config->wasi.host_mounts.push_back({dir->root().string(), m.guest, m.read_only || !dir->writable()});
  }
  bool isolated = config->pool.worker_class == "wasm";
  sched::FunctionHandler run;
  bool wasi_http = config->transport == "wasi-http";
  if (bytes->is_component) {
    auto fn = host::ComponentFunction::load(entry, std::move(*config), std::move(*bytes), functions_, &env_, settings_);
    if (!fn) return std::move(fn).error();
    std::shared_ptr<host::ComponentFunction> f = *fn;
    run = [f](const sched::CallContext& ctx, const core::Array& args) { return f->call(ctx, args); };
    // A wasi:http/incoming-handler serves the request itself (streaming its body): the
    // wasi-http transport, which reads the whole body into an argument, does not apply.
    if (f->is_http_handler()) wasi_http = false;
  } else {
    // Every host group except preview 1 serves components only (reference-wasm-runtime §1.4).
    for (const auto& group : config->imports) {
      if (group != "wasi1") return core::invalid(fmt::format("wasm host import requires component module: {}", group));
    }
    auto fn = host::WasmFunction::load(entry, std::move(*config), *bytes, &env_, settings_);
    if (!fn) return std::move(fn).error();
    std::shared_ptr<host::WasmFunction> f = *fn;
    run = [f](const sched::CallContext& ctx, const core::Array& args) { return f->call(ctx, args); };
  }
  if (wasi_http) run = http::wasi_http_transport(std::move(run));
  if (isolated && wasm_class_) run = run_on_class(*wasm_class_, std::move(run), entry.id.str());
  std::string id = entry.id.str();
  if (entry.kind == "process.wasm") processes_->add_factory(id, run);
  else functions_->add(id, run);
  return {};
}

}  // namespace wirt::app
