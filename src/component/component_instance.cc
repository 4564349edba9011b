#include "component/component_instance.h"

#include <fmt/format.h>

#include <map>

#include "component/canonical_abi.h"
#include "component/guest_memory.h"

namespace wirt::component {

namespace {

struct ResolvedFunc {
  wasm::Instance* inst = nullptr;
  int index = -1;
  explicit operator bool() const { return inst != nullptr; }
};

struct ResolvedOpts {
  wasm_rt_memory_t* memory = nullptr;
  ResolvedFunc realloc, post_return;
  CanonOptions abi;
};

// The guest's memory and cabi_realloc as the canonical ABI sees them (guest_memory.h).
class CoreMemory final : public GuestMemory {
 public:
  explicit CoreMemory(const ResolvedOpts& o) : o_(o) {}
  uint8_t* data() override { return o_.memory ? o_.memory->data : nullptr; }
  size_t size() override { return o_.memory ? o_.memory->size : 0; }
  core::Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    if (!o_.realloc) return core::internal("canonical ABI: the function has no realloc option but needs to allocate");
    uint64_t args[4] = {old_ptr, old_size, align, new_size};
    uint64_t res[1] = {0};
    WIRT_TRY(o_.realloc.inst->call(o_.realloc.index, args, res));
    return uint32_t(res[0]);
  }

 private:
  const ResolvedOpts& o_;
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

struct ComponentInstance::Runtime {
  bool ready = false;
  std::vector<ResolvedOpts> lowered_opts, lifted_opts;
  std::vector<const HostImplementation*> lowered_impl;
  std::vector<ResolvedFunc> lifted_func, dtors;
  std::vector<const HostImplementation*> host_drop;  // per resource
  std::map<const Type*, uint32_t> resource_ids;
};

namespace {

ResolvedFunc resolve_func(const std::vector<std::unique_ptr<wasm::Instance>>& cores, const CoreRef& r) {
  if (r.kind != CoreRef::Kind::Export || r.instance >= cores.size()) return {};
  wasm::Instance* inst = cores[r.instance].get();
  return {inst, inst->module().export_index(r.name)};
}

ResolvedOpts resolve_opts(const std::vector<std::unique_ptr<wasm::Instance>>& cores, const OptsPlan& p) {
  ResolvedOpts o;
  o.abi.string_encoding = p.encoding;
  if (p.memory && p.memory->instance < cores.size())
    o.memory = static_cast<wasm_rt_memory_t*>(
        cores[p.memory->instance]->export_object(p.memory->name, wasm::ExternKind::Memory));
  if (p.realloc) o.realloc = resolve_func(cores, *p.realloc);
  if (p.post_return) o.post_return = resolve_func(cores, *p.post_return);
  return o;
}

}  // namespace

core::Result<std::unique_ptr<ComponentInstance>> ComponentInstance::create(std::shared_ptr<Component> component,
                                                                           const HostImports& imports,
                                                                           const wasm::Limits& limits) {
  std::unique_ptr<ComponentInstance> ci(new ComponentInstance);
  ci->component_ = std::move(component);
  ci->imports_ = imports;
  ci->limits_ = limits;
  ci->rt_ = std::make_unique<Runtime>();
  const LinkPlan& plan = ci->component_->plan();
  Runtime& rt = *ci->rt_;
  for (const auto& l : plan.lowered)
    rt.lowered_impl.push_back(l.target.kind == FuncTarget::Kind::Host ? ci->imports_.find(l.target.iface, l.target.name)
                                                                       : nullptr);
  for (size_t i = 0; i < plan.resources.size(); i++) {
    const auto& r = plan.resources[i];
    rt.resource_ids[r.resource.get()] = uint32_t(i);
    rt.host_drop.push_back(r.host ? ci->imports_.find(r.iface, "[resource-drop]" + r.name) : nullptr);
  }
  WIRT_TRY(ci->instantiate_cores());
  for (const auto& l : plan.lowered) rt.lowered_opts.push_back(resolve_opts(ci->cores_, l.opts));
  for (const auto& l : plan.lifted) {
    rt.lifted_opts.push_back(resolve_opts(ci->cores_, l.opts));
    rt.lifted_func.push_back(resolve_func(ci->cores_, l.func));
  }
  for (const auto& r : plan.resources) rt.dtors.push_back(r.dtor ? resolve_func(ci->cores_, *r.dtor) : ResolvedFunc{});
  rt.ready = true;
  return ci;
}

ComponentInstance::~ComponentInstance() {
  // Later instances may call into earlier ones: destroy in reverse creation order.
  while (!cores_.empty()) cores_.pop_back();
}

core::Status ComponentInstance::instantiate_cores() {
  const LinkPlan& plan = component_->plan();
  const auto& modules = component_->modules();

  // Guest → host adapter (CanonicalABI.md "canon lower").
  auto lowered = [this](uint32_t idx, const uint64_t* args, uint64_t* results) -> core::Status {
    const LinkPlan& plan = component_->plan();
    Runtime& rt = *rt_;
    const LoweredPlan& L = plan.lowered[idx];
    const FuncSig& sig = *L.target.sig;
    ResolvedOpts local;
    const ResolvedOpts* opts = &local;
    if (rt.ready) opts = &rt.lowered_opts[idx];
    else local = resolve_opts(cores_, L.opts);
    CoreMemory mem(*opts);
    CanonOptions co = opts->abi;
    co.handles_as_ints = true;
    size_t nargs = L.core_type.params.size();
    auto vals = lift_params(sig, std::span<const uint64_t>(args, nargs), mem, co);
    if (!vals) return vals.error();

    core::Value result;
    if (L.target.kind == FuncTarget::Kind::Lifted) {
      // A lifted function of another (nested) component: through Values.
      auto r = call(-1 - int(L.target.lifted), *vals);
      if (!r) return r.error();
      result = std::move(*r);
    } else {
      const HostImplementation* impl = rt.lowered_impl[idx];
      if (!impl) {
        if (starts_with(L.target.name, "[resource-drop]")) return core::ok_status();
        std::string group = imports_.group_for_unresolved ? imports_.group_for_unresolved(L.target.iface) : "";
        if (group.empty())
          return core::internal(fmt::format("unresolved import {}: no host provides it", L.target.qualified()));
        return core::internal(fmt::format("unresolved import {}: add \"{}\" to imports:", L.target.qualified(), group));
      }
      // Handles of host resources → the host's representations.
      for (size_t i = 0; i < sig.params.size() && i < vals->size(); i++) {
        WIRT_TRY(map_handles(*sig.params[i].type, (*vals)[i], [&](const Type& h, int64_t v) -> core::Result<int64_t> {
          auto id = rt.resource_ids.find(h.elem.get());
          if (id == rt.resource_ids.end() || !plan.resources[id->second].host) return v;
          auto e = h.kind == TypeKind::Own ? resources_.remove(uint32_t(v), id->second)
                                           : resources_.get(uint32_t(v), id->second);
          if (!e) return e.error();
          return int64_t(e->rep);
        }));
      }
      HostCall hc{*this, user_data, L.target};
      auto r = impl->fn_with_call ? impl->fn_with_call(hc, *vals) : impl->fn ? impl->fn(*vals)
                                                                             : core::Result<core::Value>(core::Value());
      if (!r) return r.error();
      result = std::move(*r);
      // own<R> results of host resources → new handles in the guest's table.
      auto give = [&](const Type& h, int64_t rep) -> core::Result<int64_t> {
        auto id = rt.resource_ids.find(h.elem.get());
        if (id == rt.resource_ids.end() || !plan.resources[id->second].host) return rep;
        if (h.kind != TypeKind::Own) return core::internal("a host function returned a borrow handle");
        return int64_t(resources_.add(id->second, uint32_t(rep), true));
      };
      if (sig.results.size() == 1) {
        WIRT_TRY(map_handles(*sig.results[0].type, result, give));
      } else if (sig.results.size() > 1 && result.is_array()) {
        for (size_t i = 0; i < sig.results.size() && i < result.as_array().size(); i++)
          WIRT_TRY(map_handles(*sig.results[i].type, result.as_array()[i], give));
      }
    }
    auto flat = lower_results(sig, result, std::span<const uint64_t>(args, nargs), mem, co);
    if (!flat) return flat.error();
    for (size_t i = 0; i < flat->size() && i < L.core_type.results.size(); i++) results[i] = (*flat)[i];
    return core::ok_status();
  };

  auto builtin = [this](const CoreRef& ref, const uint64_t* args, uint64_t* results) -> core::Status {
    const LinkPlan& plan = component_->plan();
    Runtime& rt = *rt_;
    uint32_t res = ref.index;
    uint32_t a0 = uint32_t(args[0]);
    switch (ref.kind) {
      case CoreRef::Kind::ResourceNew: results[0] = resources_.add(res, a0, true); return core::ok_status();
      case CoreRef::Kind::ResourceRep: {
        auto e = resources_.get(a0, res);
        if (!e) return e.error();
        results[0] = e->rep;
        return core::ok_status();
      }
      case CoreRef::Kind::ResourceDrop: {
        auto e = resources_.remove(a0, res);
        if (!e) return e.error();
        if (!e->own) return core::ok_status();
        const ResourcePlan& rp = plan.resources[res];
        if (rp.host) {
          const HostImplementation* drop = rt.host_drop[res];
          if (!drop) return core::ok_status();
          FuncTarget ft;
          ft.iface = rp.iface;
          ft.name = "[resource-drop]" + rp.name;
          HostCall hc{*this, user_data, ft};
          core::Array a{core::Value(int64_t(e->rep))};
          auto r = drop->fn_with_call ? drop->fn_with_call(hc, a) : drop->fn ? drop->fn(a) : core::Result<core::Value>(core::Value());
          if (!r) return r.error();
          return core::ok_status();
        }
        ResolvedFunc d = rt.ready && res < rt.dtors.size() ? rt.dtors[res] : (rp.dtor ? resolve_func(cores_, *rp.dtor) : ResolvedFunc{});
        if (d) {
          uint64_t arg[1] = {e->rep};
          return d.inst->call(d.index, arg, {});
        }
        return core::ok_status();
      }
      default: return core::internal("not a resource built-in");
    }
  };

  for (size_t ci = 0; ci < plan.core_instances.size(); ci++) {
    const CoreInstancePlan& p = plan.core_instances[ci];
    const auto& module = modules[p.module];
    wasm::Linker linker;
    for (const auto& [name, src] : p.whole) linker.define_instance(name, cores_[src].get());
    for (const auto& imp : p.imports) {
      const CoreRef& ref = imp.ref;
      if (imp.kind == wasm::ExternKind::Func) {
        wasm::HostFunc hf;
        hf.module = imp.module;
        hf.name = imp.name;
        switch (ref.kind) {
          case CoreRef::Kind::Export: {
            wasm::Instance* src = cores_[ref.instance].get();
            int idx = src->module().export_index(ref.name);
            const auto& ft = src->module().exports()[size_t(idx)].type;
            hf.type = ft;
            size_t np = ft.params.size(), nr = ft.results.size();
            hf.fn = [src, idx, np, nr](wasm::Caller&, const uint64_t* args, uint64_t* results) {
              return src->call(idx, std::span<const uint64_t>(args, np), std::span<uint64_t>(results, nr));
            };
            break;
          }
          case CoreRef::Kind::Lowered: {
            hf.type = plan.lowered[ref.index].core_type;
            uint32_t li = ref.index;
            hf.fn = [lowered, li](wasm::Caller&, const uint64_t* args, uint64_t* results) {
              return lowered(li, args, results);
            };
            break;
          }
          default: {
            hf.type.params = {wasm::ValType::I32};
            if (ref.kind != CoreRef::Kind::ResourceDrop) hf.type.results = {wasm::ValType::I32};
            CoreRef r = ref;
            hf.fn = [builtin, r](wasm::Caller&, const uint64_t* args, uint64_t* results) { return builtin(r, args, results); };
            break;
          }
        }
        linker.define(std::move(hf));
        continue;
      }
      wasm::Instance* src = cores_[ref.instance].get();
      void* obj = src->export_object(ref.name, imp.kind);
      if (!obj) return core::internal(fmt::format("component: core export \"{}\" has no object", ref.name));
      const auto& exps = src->module().exports();
      const auto& info = exps[size_t(src->module().export_index(ref.name))];
      switch (imp.kind) {
        case wasm::ExternKind::Memory: linker.define_memory(imp.module, imp.name, static_cast<wasm_rt_memory_t*>(obj)); break;
        case wasm::ExternKind::Table: linker.define_table(imp.module, imp.name, obj, info.table_elem); break;
        case wasm::ExternKind::Global:
          linker.define_global(imp.module, imp.name, info.global_type, info.global_mutable, obj);
          break;
        default: break;
      }
    }
    auto inst = wasm::Instance::create(module, linker, limits_);
    if (!inst) return core::Error(inst.error()).wrap(fmt::format("component: instantiating core instance {}", ci));
    (*inst)->user_data = this;
    cores_.push_back(std::move(*inst));
  }
  return core::ok_status();
}

core::Result<core::Value> ComponentInstance::call(std::string_view export_name, const core::Array& args) {
  int i = component_->export_index(export_name);
  if (i < 0) {
    std::string names;
    for (const auto& e : component_->plan().exports) names += (names.empty() ? "" : ", ") + e.name;
    return core::not_found(fmt::format("component has no export \"{}\" (exports: {})", export_name, names));
  }
  return call(i, args);
}

core::Result<core::Value> ComponentInstance::call_lending(int export_index, core::Array args) {
  const LinkPlan& plan = component_->plan();
  if (export_index < 0 || size_t(export_index) >= plan.exports.size()) return core::not_found("no such export");
  const FuncTarget& f = plan.exports[size_t(export_index)].func;
  if (f.kind != FuncTarget::Kind::Lifted) return core::invalid("call_lending: the export is not a lifted function");
  const FuncSig& sig = *plan.lifted[f.lifted].sig;
  if (args.size() != sig.params.size()) return core::invalid("call_lending: wrong argument count");
  for (size_t i = 0; i < args.size(); i++) {
    WIRT_TRY(map_handles(*sig.params[i].type, args[i], [&](const Type& h, int64_t rep) -> core::Result<int64_t> {
      auto id = rt_->resource_ids.find(h.elem.get());
      if (id == rt_->resource_ids.end() || !plan.resources[id->second].host)
        return core::invalid(fmt::format("call_lending: parameter {} is not a host resource of the component",
                                         sig.params[i].name));
      if (h.kind != TypeKind::Own) return core::invalid("call_lending: only own<R> parameters can be lent");
      return int64_t(resources_.add(id->second, uint32_t(rep), true));
    }));
  }
  return call_impl(export_index, args, true);
}

core::Result<core::Value> ComponentInstance::call(int export_index, const core::Array& args) {
  return call_impl(export_index, args, false);
}

// export_index ≥ 0: index into plan().exports; < 0: lifted function -1-index (internal use).
core::Result<core::Value> ComponentInstance::call_impl(int export_index, const core::Array& args, bool handles_as_ints) {
  const LinkPlan& plan = component_->plan();
  uint32_t li;
  if (export_index >= 0) {
    if (size_t(export_index) >= plan.exports.size()) return core::not_found("no such export");
    const FuncTarget& f = plan.exports[size_t(export_index)].func;
    if (f.kind == FuncTarget::Kind::Host) {
      // A re-exported import: call the host directly.
      const HostImplementation* impl = imports_.find(f.iface, f.name);
      if (!impl) return core::internal(fmt::format("unresolved import {}", f.qualified()));
      HostCall hc{*this, user_data, f};
      return impl->fn_with_call ? impl->fn_with_call(hc, args) : impl->fn(args);
    }
    li = f.lifted;
    if (in_call_) return core::unavailable("component instance is already running a call (re-entry)");
  } else {
    li = uint32_t(-1 - export_index);
    if (li >= plan.lifted.size()) return core::not_found("no such lifted function");
  }
  const LiftedPlan& L = plan.lifted[li];
  // During instantiation (a start function, or a later core instance's start, calls a lowered
  // function that is a nested component's lift) the resolved tables are not built yet: resolve
  // from the core instances made so far, as `lowered` does (found by the component-model suite,
  // linking/unit.wast: it read past the empty tables).
  ResolvedOpts pending_opts;
  ResolvedFunc pending_fn;
  if (!rt_->ready) {
    pending_opts = resolve_opts(cores_, L.opts);
    pending_fn = resolve_func(cores_, L.func);
  }
  const ResolvedOpts& o = rt_->ready ? rt_->lifted_opts[li] : pending_opts;
  const ResolvedFunc& fn = rt_->ready ? rt_->lifted_func[li] : pending_fn;
  if (!fn) return core::internal("component: lifted function not resolved");
  bool outer = export_index >= 0;
  if (outer) in_call_ = true;
  struct Clear {
    bool& flag;
    bool on;
    ~Clear() {
      if (on) flag = false;
    }
  } clear{in_call_, outer};

  CoreMemory mem(o);
  CanonOptions abi = o.abi;
  abi.handles_as_ints = handles_as_ints;
  auto flat = lower_params(*L.sig, args, mem, abi);
  if (!flat) return flat.error();
  if (flat->size() != L.flat_params)
    return core::internal(fmt::format("component: {} flat parameters for a core function taking {}", flat->size(), L.flat_params));
  std::vector<uint64_t> results(L.flat_results);
  WIRT_TRY(fn.inst->call(fn.index, *flat, results));
  auto v = lift_results(*L.sig, results, mem, o.abi);
  if (o.post_return) WIRT_TRY(o.post_return.inst->call(o.post_return.index, results, {}));
  return v;
}

void ComponentInstance::drop_resources() {
  const LinkPlan& plan = component_->plan();
  for (const auto& e : resources_.take_all()) {
    if (!e.own || e.resource >= plan.resources.size()) continue;
    const ResourcePlan& rp = plan.resources[e.resource];
    const HostImplementation* drop = rp.host ? rt_->host_drop[e.resource] : nullptr;
    if (!drop) continue;
    FuncTarget ft;
    ft.iface = rp.iface;
    ft.name = "[resource-drop]" + rp.name;
    HostCall hc{*this, user_data, ft};
    core::Array a{core::Value(int64_t(e.rep))};
    auto r = drop->fn_with_call ? drop->fn_with_call(hc, a) : drop->fn ? drop->fn(a) : core::Result<core::Value>(core::Value());
    (void)r;  // best effort: the guest state is discarded anyway
  }
}

void ComponentInstance::release_idle_memory() {
  // Host resources the last call left are dropped while the guest state they may refer to is
  // still there; reset() then finds none.
  drop_resources();
  for (auto& c : cores_) c->release_idle_memory();
}

core::Status ComponentInstance::reset(int64_t deadline_ns) {
  drop_resources();
  for (auto& c : cores_) WIRT_TRY(c->reset(deadline_ns));
  in_call_ = false;
  return core::ok_status();
}

}  // namespace wirt::component
