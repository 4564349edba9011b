#include "component/linker.h"

#include <fmt/format.h>

#include <map>

namespace wirt::component {

namespace {

using bin::ComponentAst;
using bin::Sort;

core::Error link_error(std::string msg) { return core::invalid("component link: " + std::move(msg)); }

struct InstanceVal;
using InstancePtr = std::shared_ptr<const InstanceVal>;

// A component-level value during static instantiation.
struct Item {
  Sort sort = Sort::Func;
  FuncTarget func;
  InstancePtr instance;
  bin::TypeDefPtr type;
  std::shared_ptr<const ComponentAst> component;
};

struct InstanceVal {
  std::vector<std::pair<std::string, Item>> items;
  const Item* find(std::string_view n) const {
    for (const auto& [k, v] : items)
      if (k == n) return &v;
    return nullptr;
  }
};

// A core instance during static instantiation: a real one (index into the plan) or a bundle.
struct CoreInst {
  bool real = false;
  uint32_t id = 0;
  std::vector<std::pair<std::string, CoreRef>> items;
  const CoreRef* find(std::string_view n) const {
    for (const auto& [k, v] : items)
      if (k == n) return &v;
    return nullptr;
  }
};

wasm::ValType to_wasm(CoreType t) {
  switch (t) {
    case CoreType::I32: return wasm::ValType::I32;
    case CoreType::I64: return wasm::ValType::I64;
    case CoreType::F32: return wasm::ValType::F32;
    case CoreType::F64: return wasm::ValType::F64;
  }
  return wasm::ValType::I32;
}

wasm::FuncType to_wasm(const CoreSignature& s) {
  wasm::FuncType f;
  for (CoreType t : s.params) f.params.push_back(to_wasm(t));
  for (CoreType t : s.results) f.results.push_back(to_wasm(t));
  return f;
}

class Linker;

// One component being instantiated (the root, or a nested one with its arguments).
struct Env {
  const ComponentAst* ast = nullptr;
  std::vector<std::optional<Item>> args;  // by import index
  std::vector<std::optional<CoreInst>> core_instances;
  std::vector<std::optional<CoreRef>> core_funcs;
  std::vector<std::optional<Item>> funcs, instances;
  std::string where;  // "component" / "nested component N" for messages
};

class Linker {
 public:
  Linker(const bin::DecodedComponent& d, const std::vector<std::shared_ptr<wasm::Module>>& m) : decoded_(d), modules_(m) {}

  core::Result<LinkPlan> run() {
    Env root;
    root.ast = decoded_.root.get();
    root.where = "component";
    // Root imports are served by the host.
    for (size_t i = 0; i < root.ast->imports.size(); i++) {
      auto item = host_import(root.ast->imports[i]);
      if (!item) return item.error();
      root.args.push_back(std::move(*item));
    }
    WIRT_TRY(instantiate(root));
    for (const auto& e : root.ast->exports) {
      auto item = resolve(root, e.item);
      if (!item) return item.error();
      if (item->sort == Sort::Func) {
        plan_.exports.push_back({e.name, item->func});
      } else if (item->sort == Sort::Instance) {
        for (const auto& [n, v] : item->instance->items)
          if (v.sort == Sort::Func) plan_.exports.push_back({e.name + "#" + n, v.func});
      }
      // Type exports need no plan; component/module exports are not callable.
    }
    return std::move(plan_);
  }

 private:
  core::Result<Item> host_import(const bin::Import& imp) {
    Item it;
    it.sort = imp.desc.sort;
    switch (imp.desc.sort) {
      case Sort::Func:
        it.func.kind = FuncTarget::Kind::Host;
        it.func.name = imp.name;
        it.func.sig = imp.desc.type->func;
        plan_.imports.push_back(it.func);
        return it;
      case Sort::Instance: {
        auto iv = std::make_shared<InstanceVal>();
        for (const auto& e : imp.desc.type->instance->exports) {
          Item sub;
          sub.sort = e.desc.sort;
          if (e.desc.sort == Sort::Func) {
            sub.func.kind = FuncTarget::Kind::Host;
            sub.func.iface = imp.name;
            sub.func.name = e.name;
            sub.func.sig = e.desc.type->func;
            plan_.imports.push_back(sub.func);
          } else if (e.desc.sort == Sort::Type) {
            sub.type = e.desc.type;
            if (sub.type->kind == bin::TypeDef::Kind::Resource) host_resource(sub.type->value, imp.name, e.name);
          }
          // Nested instances / components inside an imported interface are not served.
          iv->items.emplace_back(e.name, std::move(sub));
        }
        it.instance = std::move(iv);
        return it;
      }
      case Sort::Type:
        it.type = imp.desc.type;
        if (it.type->kind == bin::TypeDef::Kind::Resource) host_resource(it.type->value, "", imp.name);
        return it;
      default:
        // Importing core modules, components or values cannot be satisfied by a host; the
        // component still loads if nothing instantiates them.
        return it;
    }
  }

  uint32_t host_resource(const TypePtr& r, const std::string& iface, const std::string& name) {
    auto it = resource_ids_.find(r.get());
    if (it != resource_ids_.end()) return it->second;
    ResourcePlan p;
    p.resource = r;
    p.host = true;
    p.iface = iface;
    p.name = name;
    uint32_t id = uint32_t(plan_.resources.size());
    plan_.resources.push_back(std::move(p));
    resource_ids_[r.get()] = id;
    return id;
  }

  core::Result<uint32_t> resource_id(Env& env, const bin::TypeDefPtr& def) {
    auto it = resource_ids_.find(def->value.get());
    if (it != resource_ids_.end()) return it->second;
    ResourcePlan p;
    p.resource = def->value;
    p.host = !def->local_resource;
    p.name = def->value->name;
    if (def->dtor) {
      auto d = core_func(env, *def->dtor);
      if (!d) return d.error();
      p.dtor = *d;
    }
    uint32_t id = uint32_t(plan_.resources.size());
    plan_.resources.push_back(std::move(p));
    resource_ids_[def->value.get()] = id;
    return id;
  }

  core::Status instantiate(Env& env) {
    const ComponentAst& a = *env.ast;
    if (a.has_start) return link_error(env.where + ": start functions (🪙) are not supported");
    env.core_instances.resize(a.core_instances.size());
    env.core_funcs.resize(a.core_funcs.size());
    env.funcs.resize(a.funcs.size());
    env.instances.resize(a.instances.size());
    for (const auto& s : a.instantiation_order) {
      if (s.sort == Sort::Core) {
        WIRT_TRY(core_instance(env, s.index));
      } else {
        auto i = instance(env, s.index);
        if (!i) return i.error();
      }
    }
    // Core instances defined by inline exports only (never instantiated) are resolved lazily.
    return core::ok_status();
  }

  const wasm::Module& module_of(uint32_t real) const { return *modules_[plan_.core_instances[real].module]; }

  core::Status core_instance(Env& env, uint32_t idx) {
    const bin::CoreInstanceDef& def = env.ast->core_instances[idx];
    CoreInst ci;
    if (!def.instantiate) {
      for (const auto& e : def.exports) {
        auto ref = core_item(env, e.sort, e.index);
        if (!ref) return ref.error();
        ci.items.emplace_back(e.name, std::move(*ref));
      }
      env.core_instances[idx] = std::move(ci);
      return core::ok_status();
    }
    const bin::CoreModuleDef& md = env.ast->core_modules[def.module];
    if (md.kind != bin::CoreModuleDef::Kind::Defined)
      return link_error(fmt::format("{}: core instance {} instantiates an imported or aliased core module (not supported)",
                                    env.where, idx));
    CoreInstancePlan p;
    p.module = md.module_id;
    const wasm::Module& m = *modules_[md.module_id];
    std::map<std::string, const CoreInst*, std::less<>> args;
    for (const auto& [n, i] : def.args) {
      if (!env.core_instances[i]) return link_error(fmt::format("{}: core instance {} used before it is defined", env.where, i));
      args[n] = &*env.core_instances[i];
    }
    for (const auto& imp : m.imports()) {
      auto a = args.find(imp.module);
      if (a == args.end())
        return link_error(fmt::format("{}: core module {} imports {}#{} but no instantiation argument \"{}\" is given",
                                      env.where, md.module_id, imp.module, imp.name, imp.module));
      const CoreInst& src = *a->second;
      if (src.real) {
        const wasm::Module& sm = module_of(src.id);
        int ei = sm.export_index(imp.name);
        if (ei < 0 || sm.exports()[size_t(ei)].kind != imp.kind)
          return link_error(fmt::format("{}: core module {} imports {}#{} ({}) which core instance {} does not export",
                                        env.where, md.module_id, imp.module, imp.name, wasm::extern_kind_name(imp.kind),
                                        src.id));
        bool seen = false;
        for (const auto& w : p.whole) seen |= w.first == imp.module;
        if (!seen) p.whole.emplace_back(imp.module, src.id);
        continue;
      }
      const CoreRef* ref = src.find(imp.name);
      if (!ref)
        return link_error(fmt::format("{}: core module {} imports {}#{} which the instantiation argument does not provide",
                                      env.where, md.module_id, imp.module, imp.name));
      WIRT_TRY(check_core_ref(env, *ref, imp));
      p.imports.push_back({imp.module, imp.name, imp.kind, *ref});
    }
    ci.real = true;
    ci.id = uint32_t(plan_.core_instances.size());
    plan_.core_instances.push_back(std::move(p));
    env.core_instances[idx] = std::move(ci);
    return core::ok_status();
  }

  core::Status check_core_ref(Env& env, const CoreRef& ref, const wasm::ImportInfo& imp) {
    if (ref.kind == CoreRef::Kind::Export) {
      const wasm::Module& sm = module_of(ref.instance);
      int ei = sm.export_index(ref.name);
      if (ei < 0) return link_error(fmt::format("{}: core export \"{}\" not found", env.where, ref.name));
      const auto& e = sm.exports()[size_t(ei)];
      if (e.kind != imp.kind)
        return link_error(fmt::format("{}: import {}#{} is a {}, the argument a {}", env.where, imp.module, imp.name,
                                      wasm::extern_kind_name(imp.kind), wasm::extern_kind_name(e.kind)));
      if (e.kind == wasm::ExternKind::Func && !(e.type == imp.type))
        return link_error(fmt::format("{}: import {}#{} has type {}, the argument {}", env.where, imp.module, imp.name,
                                      wasm::to_string(imp.type), wasm::to_string(e.type)));
      return core::ok_status();
    }
    if (imp.kind != wasm::ExternKind::Func)
      return link_error(fmt::format("{}: import {}#{} is a {}, the argument a function", env.where, imp.module, imp.name,
                                    wasm::extern_kind_name(imp.kind)));
    wasm::FuncType want;
    if (ref.kind == CoreRef::Kind::Lowered) {
      want = plan_.lowered[ref.index].core_type;
    } else {
      want.params = {wasm::ValType::I32};
      if (ref.kind != CoreRef::Kind::ResourceDrop) want.results = {wasm::ValType::I32};
    }
    if (!(want == imp.type))
      return link_error(fmt::format("{}: import {}#{} has type {}, the canonical function {}", env.where, imp.module, imp.name,
                                    wasm::to_string(imp.type), wasm::to_string(want)));
    return core::ok_status();
  }

  core::Result<CoreRef> core_alias(Env& env, uint32_t inst, const std::string& name) {
    if (!env.core_instances[inst]) {
      // An inline-export core instance defined but not reached by the walk yet.
      WIRT_TRY(core_instance(env, inst));
    }
    const CoreInst& ci = *env.core_instances[inst];
    if (ci.real) {
      CoreRef r;
      r.kind = CoreRef::Kind::Export;
      r.instance = ci.id;
      r.name = name;
      if (module_of(ci.id).export_index(name) < 0)
        return link_error(fmt::format("{}: core instance {} has no export \"{}\"", env.where, inst, name));
      return r;
    }
    const CoreRef* r = ci.find(name);
    if (!r) return link_error(fmt::format("{}: core instance {} has no export \"{}\"", env.where, inst, name));
    return *r;
  }

  core::Result<CoreRef> core_item(Env& env, bin::CoreSort sort, uint32_t idx) {
    const ComponentAst& a = *env.ast;
    switch (sort) {
      case bin::CoreSort::Func: return core_func(env, idx);
      case bin::CoreSort::Table: return core_alias(env, a.core_tables[idx].instance, a.core_tables[idx].name);
      case bin::CoreSort::Memory: return core_alias(env, a.core_memories[idx].instance, a.core_memories[idx].name);
      case bin::CoreSort::Global: return core_alias(env, a.core_globals[idx].instance, a.core_globals[idx].name);
      default: return link_error(fmt::format("{}: a {} cannot be linked", env.where, bin::sort_name(Sort::Core, sort)));
    }
  }

  core::Result<OptsPlan> opts(Env& env, const bin::CanonOpts& o) {
    OptsPlan p;
    p.encoding = o.encoding;
    if (o.memory) {
      auto r = core_item(env, bin::CoreSort::Memory, *o.memory);
      if (!r) return r.error();
      p.memory = *r;
    }
    for (auto [src, dst] : {std::pair{&o.realloc, &p.realloc}, std::pair{&o.post_return, &p.post_return}}) {
      if (!*src) continue;
      auto r = core_func(env, **src);
      if (!r) return r.error();
      if (r->kind != CoreRef::Kind::Export)
        return link_error(fmt::format("{}: realloc/post-return must be a core function of a module", env.where));
      *dst = *r;
    }
    return p;
  }

  core::Result<CoreRef> core_func(Env& env, uint32_t idx) {
    if (env.core_funcs[idx]) return *env.core_funcs[idx];
    const bin::CoreFuncDef& d = env.ast->core_funcs[idx];
    CoreRef ref;
    switch (d.kind) {
      case bin::CoreFuncDef::Kind::AliasExport: {
        auto r = core_alias(env, d.instance, d.name);
        if (!r) return r.error();
        ref = *r;
        break;
      }
      case bin::CoreFuncDef::Kind::Lower: {
        auto f = func(env, d.func);
        if (!f) return f.error();
        if (!f->func.sig) return link_error(fmt::format("{}: canon lower of a function of unknown type", env.where));
        auto o = opts(env, d.opts);
        if (!o) return o.error();
        auto cs = flatten_function(*f->func.sig, AbiContext::Lower);
        if (!cs) return core::Error(cs.error()).wrap(fmt::format("component link: canon lower {}", f->func.qualified()));
        // Lowering needs memory for anything passed through memory (CanonicalABI.md validation).
        LoweredPlan lp;
        lp.target = f->func;
        lp.opts = *o;
        lp.core_type = to_wasm(*cs);
        ref.kind = CoreRef::Kind::Lowered;
        ref.index = uint32_t(plan_.lowered.size());
        plan_.lowered.push_back(std::move(lp));
        break;
      }
      case bin::CoreFuncDef::Kind::ResourceNew:
      case bin::CoreFuncDef::Kind::ResourceDrop:
      case bin::CoreFuncDef::Kind::ResourceRep: {
        auto id = resource_id(env, d.resource);
        if (!id) return id.error();
        ref.kind = d.kind == bin::CoreFuncDef::Kind::ResourceNew    ? CoreRef::Kind::ResourceNew
                   : d.kind == bin::CoreFuncDef::Kind::ResourceDrop ? CoreRef::Kind::ResourceDrop
                                                                    : CoreRef::Kind::ResourceRep;
        ref.index = *id;
        break;
      }
    }
    env.core_funcs[idx] = ref;
    return ref;
  }

  core::Result<Item> func(Env& env, uint32_t idx) {
    if (env.funcs[idx]) return *env.funcs[idx];
    const bin::FuncDef& d = env.ast->funcs[idx];
    Item it;
    it.sort = Sort::Func;
    switch (d.kind) {
      case bin::FuncDef::Kind::Import: {
        const auto& a = env.args[d.import];
        if (!a || a->sort != Sort::Func)
          return link_error(fmt::format("{}: import \"{}\" is not a function", env.where, env.ast->imports[d.import].name));
        it = *a;
        break;
      }
      case bin::FuncDef::Kind::AliasExport: {
        auto inst = instance(env, d.instance);
        if (!inst) return inst.error();
        const Item* e = inst->instance ? inst->instance->find(d.name) : nullptr;
        if (!e || e->sort != Sort::Func)
          return link_error(fmt::format("{}: instance {} has no function \"{}\"", env.where, d.instance, d.name));
        it = *e;
        break;
      }
      case bin::FuncDef::Kind::Lift: {
        auto core = core_func(env, d.core_func);
        if (!core) return core.error();
        if (core->kind != CoreRef::Kind::Export)
          return link_error(fmt::format("{}: canon lift of a canonical built-in (not supported)", env.where));
        auto o = opts(env, d.opts);
        if (!o) return o.error();
        auto cs = flatten_function(*d.sig, AbiContext::Lift);
        if (!cs) return core::Error(cs.error()).wrap("component link: canon lift");
        wasm::FuncType want = to_wasm(*cs);
        const wasm::Module& m = module_of(core->instance);
        const auto& e = m.exports()[size_t(m.export_index(core->name))];
        if (e.kind != wasm::ExternKind::Func || !(e.type == want))
          return link_error(fmt::format("{}: canon lift of core export \"{}\": expected type {}, got {}", env.where,
                                        core->name, wasm::to_string(want), wasm::to_string(e.type)));
        LiftedPlan lp;
        lp.func = *core;
        lp.opts = *o;
        lp.sig = d.sig;
        lp.flat_params = want.params.size();
        lp.flat_results = want.results.size();
        it.func.kind = FuncTarget::Kind::Lifted;
        it.func.lifted = uint32_t(plan_.lifted.size());
        it.func.sig = d.sig;
        plan_.lifted.push_back(std::move(lp));
        break;
      }
      case bin::FuncDef::Kind::Reexport: {
        auto t = func(env, d.target);
        if (!t) return t.error();
        it = *t;
        break;
      }
    }
    env.funcs[idx] = it;
    return it;
  }

  core::Result<Item> resolve(Env& env, bin::SortIdx s) {
    switch (s.sort) {
      case Sort::Func: return func(env, s.index);
      case Sort::Instance: return instance(env, s.index);
      case Sort::Type: {
        Item it;
        it.sort = Sort::Type;
        it.type = env.ast->types[s.index];
        return it;
      }
      case Sort::Component: {
        Item it;
        it.sort = Sort::Component;
        it.component = env.ast->components[s.index].ast;
        return it;
      }
      default: return link_error(fmt::format("{}: a {} cannot be passed or exported here", env.where, bin::sort_name(s.sort, s.core)));
    }
  }

  core::Result<Item> instance(Env& env, uint32_t idx) {
    if (env.instances[idx]) return *env.instances[idx];
    const bin::InstanceDef& d = env.ast->instances[idx];
    Item it;
    it.sort = Sort::Instance;
    switch (d.kind) {
      case bin::InstanceDef::Kind::Import: {
        const auto& a = env.args[d.import];
        if (!a || a->sort != Sort::Instance || !a->instance)
          return link_error(fmt::format("{}: import \"{}\" is not an instance", env.where, env.ast->imports[d.import].name));
        it = *a;
        break;
      }
      case bin::InstanceDef::Kind::Inline: {
        auto iv = std::make_shared<InstanceVal>();
        for (const auto& [n, s] : d.items) {
          auto v = resolve(env, s);
          if (!v) return v.error();
          iv->items.emplace_back(n, std::move(*v));
        }
        it.instance = std::move(iv);
        break;
      }
      case bin::InstanceDef::Kind::AliasExport: {
        auto inst = instance(env, d.instance);
        if (!inst) return inst.error();
        const Item* e = inst->instance ? inst->instance->find(d.name) : nullptr;
        if (!e || e->sort != Sort::Instance)
          return link_error(fmt::format("{}: instance {} has no instance \"{}\"", env.where, d.instance, d.name));
        it = *e;
        break;
      }
      case bin::InstanceDef::Kind::Reexport: {
        auto t = instance(env, d.target);
        if (!t) return t.error();
        it = *t;
        break;
      }
      case bin::InstanceDef::Kind::Instantiate: {
        const bin::ComponentDef& cd = env.ast->components[d.component];
        if (!cd.ast)
          return link_error(fmt::format("{}: instance {} instantiates an imported or aliased component (not supported)",
                                        env.where, idx));
        if (++depth_ > 64) return link_error("components instantiated too deeply");
        Env nested;
        nested.ast = cd.ast.get();
        nested.where = fmt::format("{} > nested component {}", env.where, d.component);
        std::map<std::string, Item, std::less<>> given;
        for (const auto& [n, s] : d.items) {
          auto v = resolve(env, s);
          if (!v) return v.error();
          given[n] = std::move(*v);
        }
        for (const auto& imp : nested.ast->imports) {
          auto g = given.find(imp.name);
          if (g == given.end()) {
            if (imp.desc.sort == Sort::Type) {  // a type import defaults to its bound
              Item t;
              t.sort = Sort::Type;
              t.type = imp.desc.type;
              nested.args.push_back(std::move(t));
              continue;
            }
            return link_error(fmt::format("{}: instantiation argument \"{}\" missing", nested.where, imp.name));
          }
          if (g->second.sort != imp.desc.sort)
            return link_error(fmt::format("{}: instantiation argument \"{}\" is a {}, expected a {}", nested.where, imp.name,
                                          bin::sort_name(g->second.sort), bin::sort_name(imp.desc.sort)));
          nested.args.push_back(g->second);
        }
        WIRT_TRY(instantiate(nested));
        auto iv = std::make_shared<InstanceVal>();
        for (const auto& e : nested.ast->exports) {
          auto v = resolve(nested, e.item);
          if (!v) return v.error();
          iv->items.emplace_back(e.name, std::move(*v));
        }
        depth_--;
        it.instance = std::move(iv);
        break;
      }
    }
    env.instances[idx] = it;
    return it;
  }

  const bin::DecodedComponent& decoded_;
  const std::vector<std::shared_ptr<wasm::Module>>& modules_;
  LinkPlan plan_;
  std::map<const Type*, uint32_t> resource_ids_;
  int depth_ = 0;
};

}  // namespace

core::Result<LinkPlan> link_component(const bin::DecodedComponent& decoded,
                                      const std::vector<std::shared_ptr<wasm::Module>>& modules) {
  if (modules.size() != decoded.modules.size()) return core::internal("link_component: module count mismatch");
  return Linker(decoded, modules).run();
}

}  // namespace wirt::component
