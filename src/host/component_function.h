// function.wasm / process.wasm entries whose binary is a component (DESIGN §1.2, §2.2): the
// component is decoded, its core modules compiled through the engine's tiers and linked;
// `method` names a top-level export or `iface#func`, checked at load (listing the callable
// exports); calls go through a pool of component instances, fresh state per call, with the
// Lua view of DESIGN §1.3 and a top-level result<T,E> split into value / error.
//
// Host imports: `host:` binds interface functions to registry functions (Lua or WASM), called
// with the caller's context; `imports: [funcs]` provides wippy:runtime/funcs@0.1.0
// (call-string, call-bytes, call-json). Other imports stay unresolved and trap when called,
// naming the import and the `imports:` group that provides it.
//
// HTTP handlers: when `method` is `wasi:http/incoming-handler#handle` (any 0.2.x; the
// wasi:http/proxy world's export) the entry serves HTTP requests through serve_http() — as an
// http.endpoint's func or under `wirt serve` — with wasi:http/types, wasi:io and wasi:poll
// provided (the handler's request, response, body streams and their pollables) besides the
// configured `imports:`. call() serves the request of ctx.exchange (an http.endpoint's call)
// and returns nil; without a request it fails with Invalid.
//
// Thread-safe after load: call() and serve_http() run concurrently from fibers on any worker.
#pragma once

#include <memory>
#include <string>

#include "component/component.h"
#include "component/component_instance.h"
#include "core/result.h"
#include "core/value.h"
#include "host/env_registry.h"
#include "host/instance_pool.h"
#include "host/wasm_config.h"
#include "http/exchange.h"
#include "registry/entry.h"
#include "sched/call_context.h"
#include "sched/functions.h"
#include "sched/security.h"

namespace wirt::wasi {
struct CallState;
}

namespace wirt::host {

struct EngineSettings;
struct ModuleBytes;

class ComponentFunction {
 public:
  // `code` is the component's binary (read_module_bytes); the component keeps its bytes, moved
  // from `code` (not copied).
  static core::Result<std::shared_ptr<ComponentFunction>> load(const registry::Entry& entry, WasmConfig config,
                                                               ModuleBytes code,
                                                               const sched::FunctionTable* functions,
                                                               const EnvRegistry* env, const EngineSettings& settings);

  core::Result<core::Value> call(const sched::CallContext& ctx, const core::Array& args);

  // True when the entry's method is wasi:http/incoming-handler#handle.
  bool is_http_handler() const { return http_handler_; }
  // Serves one HTTP request (wasi/http_incoming.h says how the outcome maps to the response).
  [[nodiscard]] core::Status serve_http(const sched::CallContext& ctx, http::Exchange& exchange);

 private:
  ComponentFunction() = default;
  void bind_host_imports();
  [[nodiscard]] core::Status begin_call(component::ComponentInstance& inst, wasi::CallState& scope,
                                        const sched::CallContext& ctx);

  std::string id_;
  std::string ns_;
  const EnvRegistry* env_ = nullptr;
  WasmConfig config_;
  const sched::FunctionTable* functions_ = nullptr;
  const sched::Policies* policies_ = nullptr;
  std::shared_ptr<component::Component> component_;
  component::HostImports imports_;
  int export_index_ = -1;
  const component::FuncSig* sig_ = nullptr;
  bool http_handler_ = false;
  bool imports_http_ = false;  // `imports:` lists wasi:http (outgoing-handler + types)
  std::unique_ptr<InstancePool<component::ComponentInstance>> pool_;
};


}  // namespace wirt::host
