#include "host/component_function.h"
#include "sched/stop_signal.h"
#include "host/process_inbox.h"

#include <algorithm>

#include <fmt/format.h>

#include "component/canonical_abi.h"
#include "core/json.h"
#include "host/wasm_function.h"
#include "wasi/call_state.h"
#include "wasi/guest_env.h"
#include "wasi/http_incoming.h"
#include "wasi/http_outgoing.h"
#include "wasi/http_types.h"
#include "wasi/preview2.h"

namespace wirt::host {

namespace {

const wasi::CallState& scope_of(component::HostCall& call) { return *static_cast<const wasi::CallState*>(call.user_data); }

// Text of a result for call-string (reference-wasm-runtime §7.5: strings as is, else printed).
std::string as_text(const core::Value& v) {
  if (v.is_nil()) return "";
  if (v.is_string()) return v.as_string();
  if (v.is_bytes()) return v.as_bytes().data;
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return core::to_json(v);
}

core::Value ok(core::Value v) {
  core::Value r = core::Value::map();
  r.set("ok", std::move(v));
  return r;
}
core::Value err(std::string message) {
  core::Value r = core::Value::map();
  r.set("err", core::Value(std::move(message)));
  return r;
}

// Calls a registry function for the guest with the caller's context (deadline, security).
core::Result<core::Value> call_registry(component::HostCall& call, const std::string& target, core::Array args) {
  const wasi::CallState& scope = scope_of(call);
  registry::EntryId id = registry::EntryId::parse(target);
  if (id.ns.empty() || id.name.empty()) return core::invalid(fmt::format("invalid function target: {}", target));
  return scope.functions->call(*scope.ctx, target, args);
}

}  // namespace


core::Result<std::shared_ptr<ComponentFunction>> ComponentFunction::load(const registry::Entry& entry, WasmConfig config,
                                                                         ModuleBytes code,
                                                                         const sched::FunctionTable* functions,
                                                                         const EnvRegistry* env,
                                                                         const EngineSettings& settings) {
  std::shared_ptr<ComponentFunction> fn(new ComponentFunction());
  fn->id_ = entry.id.str();
  fn->ns_ = entry.id.ns;
  fn->env_ = env;
  fn->functions_ = functions;
  fn->policies_ = settings.policies;
  wasm::CompileOptions opts;
  opts.name = fn->id_;
  opts.tier2_sync = settings.tier2_sync;
  std::string key = code.content_sha256();
  if (auto hit = settings.cache->components.find(key); hit != settings.cache->components.end()) {
    // The same component in another entry (another method): decoded and compiled once.
    fn->component_ = std::const_pointer_cast<component::Component>(
        std::static_pointer_cast<const component::Component>(hit->second));
  } else {
    auto comp = component::Component::load(std::move(code.bytes), opts);
    if (!comp) return core::Error(std::move(comp).error()).wrap("failed to load wasm module");
    fn->component_ = std::move(*comp);
    settings.cache->components[key] = fn->component_;
    if (settings.on_compiled) {
      for (const auto& m : fn->component_->modules()) settings.on_compiled(fn->id_, *m);
    }
  }
  fn->config_ = std::move(config);
  const std::string& method = fn->config_.method;
  fn->export_index_ = fn->component_->export_index(method);
  fn->sig_ = fn->component_->find_export(method);
  if (fn->export_index_ < 0 || !fn->sig_) {
    std::vector<std::string> names;
    for (const auto& e : fn->component_->exports()) names.push_back(e.name);
    return core::invalid(fmt::format("method {} is not an exported function of the component (callable exports: {})",
                                     method, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  // A wasi:http/incoming-handler#handle export makes the entry an HTTP handler (its parameters
  // are the request and response resources the host lends; see component_function.h).
  fn->http_handler_ = wasi::find_incoming_handler(*fn->component_) == fn->export_index_;
  for (const auto& p : fn->sig_->params) {
    if (p.type->is_handle() && !fn->http_handler_) {
      return core::invalid(fmt::format("method {}: parameter {} is a resource handle ({}), which cannot cross from Lua",
                                       method, p.name, p.type->to_wit()));
    }
  }
  // The component's imports that `host:` names must exist (a typo would otherwise only show
  // when the guest calls it).
  for (const auto& [import, target] : fn->config_.host) {
    bool found = false;
    for (const auto& imp : fn->component_->imports()) {
      found = found || imp.qualified() == import;
      // `iface#[resource-drop]r` is bindable whenever the component imports resource r from
      // iface (its constructor or methods are imported; drops are not listed as functions).
      std::string_view q = import;
      size_t hash = q.find("#[resource-drop]");
      if (!found && hash != std::string_view::npos && imp.interface == q.substr(0, hash)) {
        std::string_view res = q.substr(hash + std::string_view("#[resource-drop]").size());
        found = imp.sig && imp.sig->resource == res;
      }
    }
    if (!found) {
      std::vector<std::string> names;
      for (const auto& imp : fn->component_->imports()) names.push_back(imp.qualified());
      return core::invalid(fmt::format("host: the component does not import {} (imports: {})", import,
                                       names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    if (!functions->contains(target)) {
      return core::not_found(fmt::format("host: {} is bound to {}, which is not a function", import, target));
    }
  }
  fn->bind_host_imports();
  // A process.wasm may read its inbox (host/process_inbox.h); other entries ask for it.
  if (fn->config_.kind == "process.wasm" ||
      std::find(fn->config_.imports.begin(), fn->config_.imports.end(), "wippy:process") != fn->config_.imports.end())
    define_process_inbox(fn->imports_, settings.processes);
  wasm::Limits limits;
  if (fn->config_.max_memory_mb > 0) limits.max_memory_pages = static_cast<uint32_t>(fn->config_.max_memory_mb * 16);
  limits.max_execution_ms = static_cast<uint32_t>(fn->config_.max_execution_ms);
  ComponentFunction* self = fn.get();
  fn->pool_ = std::make_unique<InstancePool<component::ComponentInstance>>(
      plan_pool(fn->config_.pool),
      [self, limits] { return component::ComponentInstance::create(self->component_, self->imports_, limits); });
  // Instantiate once now: link failures and start functions fail the boot.
  auto probe = component::ComponentInstance::create(fn->component_, fn->imports_, limits);
  if (!probe) return std::move(probe).error();
  WIRT_TRY(fn->pool_->warm());
  return fn;
}

void ComponentFunction::bind_host_imports() {
  imports_.group_for_unresolved = [](std::string_view iface) { return import_group(std::string(iface)).value_or(""); };
  std::vector<std::string> groups = config_.imports;
  bool http = std::find(groups.begin(), groups.end(), "wasi:http") != groups.end();
  if (http_handler_ || http) {
    // The handler's own plumbing: its request and response, their body streams and pollables
    // (and an outgoing request's, for wasi:http).
    for (const char* g : {"wasi:io", "wasi:poll"}) {
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.emplace_back(g);
    }
  }
  wasi::define_preview2(imports_, groups);
  imports_http_ = http;
  if (http) wasi::define_http_client(imports_);  // first: it wraps the shared server-side names
  if (http || http_handler_) wasi::define_http_types(imports_);
  for (const auto& [import, target] : config_.host) {
    std::string t = target;
    imports_.add(import, {nullptr, [t](component::HostCall& call, const core::Array& args) {
                            return call_registry(call, t, args);
                          }});
  }
  if (std::find(config_.imports.begin(), config_.imports.end(), "funcs") == config_.imports.end()) return;
  // wippy:runtime/funcs@0.1.0 (reference-wasm-runtime §7.5) plus call-json for structured values.
  const std::string iface = "wippy:runtime/funcs@0.1.0#";
  imports_.add(iface + "call-string", {nullptr, [](component::HostCall& call, const core::Array& a) -> core::Result<core::Value> {
                 auto r = call_registry(call, a[0].as_string(), {a[1]});
                 if (!r) return err(r.error().message());
                 return ok(core::Value(as_text(*r)));
               }});
  imports_.add(iface + "call-bytes", {nullptr, [](component::HostCall& call, const core::Array& a) -> core::Result<core::Value> {
                 core::Value input = a[1].is_string() ? core::Value(core::Bytes{a[1].as_string()}) : a[1];
                 auto r = call_registry(call, a[0].as_string(), {input});
                 if (!r) return err(r.error().message());
                 return ok(core::Value(core::Bytes{as_text(*r)}));
               }});
  imports_.add(iface + "call-json", {nullptr, [](component::HostCall& call, const core::Array& a) -> core::Result<core::Value> {
                 // args-json is a JSON array of arguments (or one JSON value = one argument).
                 auto parsed = core::from_json(a[1].as_string());
                 if (!parsed) return err(parsed.error().message());
                 core::Array args = parsed->is_array() ? parsed->as_array() : core::Array{*parsed};
                 auto r = call_registry(call, a[0].as_string(), std::move(args));
                 if (!r) return err(r.error().message());
                 return ok(core::Value(core::to_json(*r)));
               }});
}

namespace {
// Publishes (or, with nullptr, withdraws before the instance returns to its pool) the stop
// flag of the calling process on every core instance of the component.
void set_call_stop(component::ComponentInstance& inst, const sched::StopSignal* stop) {
  for (size_t i = 0; wasm::Instance* core = inst.core_instance(i); ++i) core->set_call_stop(stop ? stop->flag() : nullptr);
}
}  // namespace

// What every call of the component does before the guest runs: the guest environment and the
// deadline (the nearer of the caller's and limits.max_execution_ms) on every core instance.
core::Status ComponentFunction::begin_call(component::ComponentInstance& inst, wasi::CallState& scope,
                                           const sched::CallContext& ctx) {
  scope.ctx = &ctx;
  scope.functions = functions_;
  scope.policies = policies_;
  WIRT_TRY(prepare_guest_env(scope.env, id_, ns_, config_, env_, ctx));
  inst.user_data = &scope;
  int64_t deadline = deadline_ns(ctx);
  if (config_.max_execution_ms > 0) {
    int64_t own = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count() +
                  config_.max_execution_ms * 1000000;
    if (deadline == 0 || own < deadline) deadline = own;
  }
  // The caller's deadline bounds every core instance of the component.
  for (size_t i = 0; wasm::Instance* core = inst.core_instance(i); ++i) core->set_call_deadline(deadline);
  // A process's terminate interrupts its guest code (sched/stop_signal.h).
  set_call_stop(inst, sched::this_fiber::stop_signal());
  scope.deadline_ns = deadline;
  return {};
}

core::Result<core::Value> ComponentFunction::call(const sched::CallContext& ctx, const core::Array& args) {
  if (http_handler_) {
    // An http.endpoint calls its func with the request in the context (src/http/endpoint.cc).
    if (ctx.exchange && args.empty()) {
      WIRT_TRY(serve_http(ctx, *ctx.exchange));
      return core::Value();
    }
    return core::invalid(fmt::format("{}: {} is a wasi:http/incoming-handler: it serves HTTP requests (as the func of "
                                     "an http.endpoint, or with `wirt serve`) and cannot be called with arguments",
                                     id_, config_.method));
  }
  // A command component (`wasi:cli/run#run` takes no parameters) gets a terminal command's
  // words as its arguments (argv after the configured wasi.args), as a shell would pass them.
  const core::Array* call_args = &args;
  static const core::Array kNone;
  bool terminal_args = ctx.terminal && sig_->params.empty() && !args.empty();
  if (terminal_args) call_args = &kNone;
  if (call_args->size() != sig_->params.size()) {
    std::vector<std::string> params;
    for (const auto& p : sig_->params) params.push_back(p.name + ": " + p.type->to_wit());
    return core::invalid(fmt::format("{}: expected {} argument{} ({}), got {}", config_.method, params.size(),
                                     params.size() == 1 ? "" : "s", fmt::join(params, ", "), call_args->size()));
  }
  // Fails at once (instead of waiting forever) when this call chain already holds an instance
  // of this pool, e.g. a Lua <-> component recursion on an `inline` pool.
  auto lease = pool_->acquire(deadline_ns(ctx), ctx.holds(pool_.get()));
  if (!lease) return std::move(lease).error().wrap(id_);
  // Registry calls the guest makes run in a context that records this pool as held.
  sched::CallContext inner = ctx.holding(pool_.get());
  wasi::CallState scope;
  WIRT_TRY(begin_call(**lease, scope, inner));
  // wasi:http fields and outgoing requests need their state even when no request is served.
  std::optional<wasi::ClientOnlyHttp> client_http;
  if (imports_http_) client_http.emplace(scope);
  if (terminal_args) {
    for (const auto& a : args) scope.env.args.push_back(a.is_string() ? a.as_string() : core::to_json(a));
  }
  auto r = (*lease)->call(export_index_, *call_args);
  (*lease)->user_data = nullptr;
  set_call_stop(**lease, nullptr);
  scope.env.flush_output(true);
  if (!r) return finish_guest_call(std::move(r), config_.method);
  if (component::returns_result(*sig_)) return component::split_result(*sig_, std::move(*r));
  return r;
}

core::Status ComponentFunction::serve_http(const sched::CallContext& ctx, http::Exchange& exchange) {
  if (!http_handler_)
    return core::invalid(fmt::format("{}: method {} is not wasi:http/incoming-handler#handle", id_, config_.method));
  auto lease = pool_->acquire(deadline_ns(ctx), ctx.holds(pool_.get()));
  if (!lease) return std::move(lease).error().wrap(id_);
  sched::CallContext inner = ctx.holding(pool_.get());
  wasi::CallState scope;
  WIRT_TRY(begin_call(**lease, scope, inner));
  core::Status s = wasi::serve_incoming(**lease, export_index_, scope, exchange, id_);
  (*lease)->user_data = nullptr;
  set_call_stop(**lease, nullptr);
  return s;
}

}  // namespace wirt::host
