// The component binary decoder: preamble and sections (Binary.md "Component Definitions",
// "Instance Definitions", "Alias Definitions", "Canonical Definitions", "Start Definitions",
// "Import and Export Definitions", "Name Section"). Types are in binary_types.cc.
#include "component/binary_decoder.h"

#include <fmt/format.h>

#include "component/binary_internal.h"

namespace wirt::component::bin {

std::string sort_name(Sort s, CoreSort core) {
  switch (s) {
    case Sort::Core:
      switch (core) {
        case CoreSort::Func: return "core func";
        case CoreSort::Table: return "core table";
        case CoreSort::Memory: return "core memory";
        case CoreSort::Global: return "core global";
        case CoreSort::Tag: return "core tag";
        case CoreSort::Type: return "core type";
        case CoreSort::Module: return "core module";
        case CoreSort::Instance: return "core instance";
      }
      return "core item";
    case Sort::Func: return "func";
    case Sort::Value: return "value";
    case Sort::Type: return "type";
    case Sort::Component: return "component";
    case Sort::Instance: return "instance";
  }
  return "item";
}

bool is_component(std::span<const uint8_t> b) {
  return b.size() >= 8 && b[0] == 0x00 && b[1] == 0x61 && b[2] == 0x73 && b[3] == 0x6d && b[6] == 0x01 && b[7] == 0x00;
}

namespace detail {

namespace {

// Binary.md "Canonical Definitions": names of the built-ins this runtime does not implement
// (async 🔀, error-context 📝, threads 🧵).
const char* unsupported_canon_name(uint8_t code) {
  switch (code) {
    case 0x05: return "task.cancel";
    case 0x06: return "subtask.cancel";
    case 0x08: return "backpressure.set";
    case 0x09: return "task.return";
    case 0x0a: return "context.get";
    case 0x0b: return "context.set";
    case 0x0c: return "thread.yield";
    case 0x0d: return "subtask.drop";
    case 0x0e: return "stream.new";
    case 0x0f: return "stream.read";
    case 0x10: return "stream.write";
    case 0x11: return "stream.cancel-read";
    case 0x12: return "stream.cancel-write";
    case 0x13: return "stream.drop-readable";
    case 0x14: return "stream.drop-writable";
    case 0x15: return "future.new";
    case 0x16: return "future.read";
    case 0x17: return "future.write";
    case 0x18: return "future.cancel-read";
    case 0x19: return "future.cancel-write";
    case 0x1a: return "future.drop-readable";
    case 0x1b: return "future.drop-writable";
    case 0x1c: return "error-context.new";
    case 0x1d: return "error-context.debug-message";
    case 0x1e: return "error-context.drop";
    case 0x1f: return "waitable-set.new";
    case 0x20: return "waitable-set.wait";
    case 0x21: return "waitable-set.poll";
    case 0x22: return "waitable-set.drop";
    case 0x23: return "waitable.join";
    case 0x24: return "backpressure.inc";
    case 0x25: return "backpressure.dec";
    case 0x26: return "thread.index";
    case 0x27: return "thread.new-indirect";
    case 0x28: return "thread.resume-later";
    case 0x29: return "thread.suspend";
    case 0x2a: return "thread.suspend-then-resume";
    case 0x2b: return "thread.yield-then-resume";
    case 0x2c: return "thread.suspend-then-promote";
    case 0x2d: return "thread.yield-then-promote";
    case 0x40: return "thread.spawn-ref";
    case 0x41: return "thread.spawn-indirect";
    case 0x42: return "thread.available-parallelism";
    default: return nullptr;
  }
}

size_t core_space_size(const ComponentAst& a, CoreSort s) {
  switch (s) {
    case CoreSort::Func: return a.core_funcs.size();
    case CoreSort::Table: return a.core_tables.size();
    case CoreSort::Memory: return a.core_memories.size();
    case CoreSort::Global: return a.core_globals.size();
    case CoreSort::Tag: return a.core_tags;
    case CoreSort::Type: return a.core_types;
    case CoreSort::Module: return a.core_modules.size();
    case CoreSort::Instance: return a.core_instances.size();
  }
  return 0;
}

size_t space_size(const ComponentAst& a, Sort s) {
  switch (s) {
    case Sort::Func: return a.funcs.size();
    case Sort::Value: return a.values;
    case Sort::Type: return a.types.size();
    case Sort::Component: return a.components.size();
    case Sort::Instance: return a.instances.size();
    case Sort::Core: return 0;
  }
  return 0;
}

core::Result<CoreSort> core_sort(BinaryReader& r) {
  auto b = r.u8("a core sort");
  if (!b) return b.error();
  switch (*b) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x10: case 0x11: case 0x12:
      return CoreSort(*b);
    default: return r.error_at(r.offset() - 1, "a core sort", BinaryReader::hex_byte(*b));
  }
}

// sort ::= 0x00 cs:<core:sort> | 0x01 func | 0x02 value | 0x03 type | 0x04 component | 0x05 instance
core::Result<SortIdx> read_sort(BinaryReader& r) {
  auto b = r.u8("a sort");
  if (!b) return b.error();
  SortIdx s;
  switch (*b) {
    case 0x00: {
      auto cs = core_sort(r);
      if (!cs) return cs.error();
      s.sort = Sort::Core;
      s.core = *cs;
      return s;
    }
    case 0x01: s.sort = Sort::Func; return s;
    case 0x02: s.sort = Sort::Value; return s;
    case 0x03: s.sort = Sort::Type; return s;
    case 0x04: s.sort = Sort::Component; return s;
    case 0x05: s.sort = Sort::Instance; return s;
    default: return r.error_at(r.offset() - 1, "a sort", BinaryReader::hex_byte(*b));
  }
}

}  // namespace

core::Status Decoder::check_index(const BinaryReader& r, size_t at, SortIdx s, const ComponentAst& ast) {
  size_t n = s.sort == Sort::Core ? core_space_size(ast, s.core) : space_size(ast, s.sort);
  if (s.index >= n)
    return r.error_at(at, fmt::format("a {} index below {}", sort_name(s.sort, s.core), n), std::to_string(s.index));
  return core::ok_status();
}

core::Result<SortIdx> Decoder::sortidx(BinaryReader& r, const ComponentAst& ast) {
  auto s = read_sort(r);
  if (!s) return s.error();
  size_t at = r.offset();
  auto i = r.u32("an index");
  if (!i) return i.error();
  s->index = *i;
  WIRT_TRY(check_index(r, at, *s, ast));
  return s;
}

core::Result<std::shared_ptr<ComponentAst>> Decoder::component(BinaryReader& r, size_t depth) {
  if (depth > limits_.max_nesting) return r.error("a component", "components nested too deeply");
  size_t at = r.offset();
  auto pre = r.bytes(8, "the component preamble");
  if (!pre) return pre.error();
  const auto& p = *pre;
  if (!(p[0] == 0x00 && p[1] == 0x61 && p[2] == 0x73 && p[3] == 0x6d))
    return r.error_at(at, "the magic \\0asm", "other bytes");
  if (p[6] == 0x00 && p[7] == 0x00)
    return r.error_at(at + 4, "a component (layer 1)", "a core module (layer 0)");
  if (p[6] != 0x01 || p[7] != 0x00) return r.error_at(at + 6, "layer 0x01 0x00", fmt::format("{:#04x} {:#04x}", p[6], p[7]));
  if (p[4] != 0x0d || p[5] != 0x00)
    return r.error_at(at + 4, "component binary version 0x0d 0x00", fmt::format("{:#04x} {:#04x}", p[4], p[5]));

  auto ast = std::make_shared<ComponentAst>();
  Scope scope;
  scope.kind = Scope::Kind::Component;
  scope.ast = ast.get();
  ScopeGuard g(*this, &scope);
  while (!r.at_end()) {
    size_t sat = r.offset();
    auto id = r.u8("a section id");
    if (!id) return id.error();
    auto size = r.u32("a section size");
    if (!size) return size.error();
    auto body = r.sub(*size, fmt::format("section {} body", *id));
    if (!body) return body.error();
    if (*id > 12) return r.error_at(sat, "a section id 0..12", std::to_string(*id));
    WIRT_TRY(section(*body, *id, *ast, depth));
    if (!body->at_end())
      return body->error(fmt::format("the end of section {}", *id), fmt::format("{} more bytes", body->remaining()));
  }
  return ast;
}

core::Status Decoder::section(BinaryReader& r, uint8_t id, ComponentAst& ast, size_t depth) {
  switch (id) {
    case 0: custom(r, ast); return core::ok_status();
    case 1: {  // core module: the section body is a whole core module
      size_t at = r.offset();
      auto m = r.bytes(r.remaining(), "a core module");
      if (!m) return m.error();
      if (m->size() < 8 || !((*m)[0] == 0 && (*m)[1] == 0x61 && (*m)[2] == 0x73 && (*m)[3] == 0x6d && (*m)[4] == 1 &&
                             (*m)[5] == 0 && (*m)[6] == 0 && (*m)[7] == 0))
        return r.error_at(at, "a core module (\\0asm version 1)", "other bytes");
      CoreModuleDef d;
      d.kind = CoreModuleDef::Kind::Defined;
      d.module_id = uint32_t(out_.modules.size());
      out_.modules.push_back(*m);
      out_.module_offsets.push_back(at);
      ast.core_modules.push_back(d);
      return core::ok_status();
    }
    case 2: {
      auto n = r.count("core instances", 2);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(core_instance(r, ast));
      return core::ok_status();
    }
    case 3: {
      auto n = r.count("core types");
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) {
        WIRT_TRY(core_type(r, false));
        ast.core_types++;
      }
      return core::ok_status();
    }
    case 4: {
      auto nested = component(r, depth + 1);
      if (!nested) return nested.error();
      ComponentDef d;
      d.kind = ComponentDef::Kind::Nested;
      d.ast = std::move(*nested);
      ast.components.push_back(std::move(d));
      return core::ok_status();
    }
    case 5: {
      auto n = r.count("instances", 2);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(instance(r, ast));
      return core::ok_status();
    }
    case 6: {
      auto n = r.count("aliases", 3);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(alias(r, ast));
      return core::ok_status();
    }
    case 7: {
      auto n = r.count("types");
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) {
        auto t = deftype(r, depth);
        if (!t) return t.error();
        ast.types.push_back(std::move(*t));
      }
      return core::ok_status();
    }
    case 8: {
      auto n = r.count("canonical definitions");
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(canon(r, ast));
      return core::ok_status();
    }
    case 9: {  // start ::= f:<funcidx> arg*:vec(<valueidx>) r:<u32>  (🪙)
      size_t at = r.offset();
      auto f = r.u32("a start function index");
      if (!f) return f.error();
      WIRT_TRY(check_index(r, at, SortIdx{Sort::Func, CoreSort::Func, *f}, ast));
      auto n = r.count("start arguments");
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(r.u32("a value index"));
      auto res = r.u32("a start result count");
      if (!res) return res.error();
      ast.values += *res;
      ast.has_start = true;
      return core::ok_status();
    }
    case 10: {
      auto n = r.count("imports", 3);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(import_(r, ast));
      return core::ok_status();
    }
    case 11: {
      auto n = r.count("exports", 4);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(export_(r, ast));
      return core::ok_status();
    }
    case 12: return r.error_at(r.offset(), "a supported section", "a value section (12, 🪙 not supported)");
    default: return r.error_at(r.offset(), "a section id 0..12", std::to_string(id));
  }
}

// core:instance ::= 0x00 m:<moduleidx> arg*:vec(<core:instantiatearg>) | 0x01 e*:vec(<core:inlineexport>)
core::Status Decoder::core_instance(BinaryReader& r, ComponentAst& ast) {
  auto k = r.u8("a core instance expression");
  if (!k) return k.error();
  CoreInstanceDef d;
  if (*k == 0x00) {
    d.instantiate = true;
    size_t at = r.offset();
    auto m = r.u32("a core module index");
    if (!m) return m.error();
    WIRT_TRY(check_index(r, at, SortIdx{Sort::Core, CoreSort::Module, *m}, ast));
    d.module = *m;
    auto n = r.count("instantiation arguments", 3);
    if (!n) return n.error();
    for (uint32_t i = 0; i < *n; i++) {
      auto name = r.name("an instantiation argument name");
      if (!name) return name.error();
      auto s = r.u8("instance sort (0x12)");
      if (!s) return s.error();
      if (*s != 0x12) return r.error_at(r.offset() - 1, "instance sort (0x12)", BinaryReader::hex_byte(*s));
      size_t iat = r.offset();
      auto idx = r.u32("a core instance index");
      if (!idx) return idx.error();
      WIRT_TRY(check_index(r, iat, SortIdx{Sort::Core, CoreSort::Instance, *idx}, ast));
      d.args.emplace_back(std::move(*name), *idx);
    }
  } else if (*k == 0x01) {
    auto n = r.count("inline exports", 3);
    if (!n) return n.error();
    for (uint32_t i = 0; i < *n; i++) {
      auto name = r.name("an export name");
      if (!name) return name.error();
      auto cs = core_sort(r);
      if (!cs) return cs.error();
      size_t iat = r.offset();
      auto idx = r.u32("an index");
      if (!idx) return idx.error();
      WIRT_TRY(check_index(r, iat, SortIdx{Sort::Core, *cs, *idx}, ast));
      if (*cs != CoreSort::Func && *cs != CoreSort::Table && *cs != CoreSort::Memory && *cs != CoreSort::Global)
        return r.error_at(iat, "a core func, table, memory or global export", sort_name(Sort::Core, *cs));
      d.exports.push_back({std::move(*name), *cs, *idx});
    }
  } else {
    return r.error_at(r.offset() - 1, "a core instance expression (0x00 or 0x01)", BinaryReader::hex_byte(*k));
  }
  ast.instantiation_order.push_back(SortIdx{Sort::Core, CoreSort::Instance, uint32_t(ast.core_instances.size())});
  ast.core_instances.push_back(std::move(d));
  return core::ok_status();
}

// instance ::= 0x00 c:<componentidx> arg*:vec(<instantiatearg>) | 0x01 e*:vec(<inlineexport>)
core::Status Decoder::instance(BinaryReader& r, ComponentAst& ast) {
  auto k = r.u8("an instance expression");
  if (!k) return k.error();
  InstanceDef d;
  if (*k == 0x00) {
    d.kind = InstanceDef::Kind::Instantiate;
    size_t at = r.offset();
    auto c = r.u32("a component index");
    if (!c) return c.error();
    WIRT_TRY(check_index(r, at, SortIdx{Sort::Component, CoreSort::Func, *c}, ast));
    d.component = *c;
    auto n = r.count("instantiation arguments", 3);
    if (!n) return n.error();
    for (uint32_t i = 0; i < *n; i++) {
      auto name = r.name("an instantiation argument name");
      if (!name) return name.error();
      auto s = sortidx(r, ast);
      if (!s) return s.error();
      d.items.emplace_back(std::move(*name), *s);
    }
    ast.instantiation_order.push_back(SortIdx{Sort::Instance, CoreSort::Func, uint32_t(ast.instances.size())});
  } else if (*k == 0x01) {
    d.kind = InstanceDef::Kind::Inline;
    auto n = r.count("inline exports", 3);
    if (!n) return n.error();
    auto it = std::make_shared<InstanceType>();
    bool typed = true;
    for (uint32_t i = 0; i < *n; i++) {
      auto name = extern_name(r);
      if (!name) return name.error();
      auto s = sortidx(r, ast);
      if (!s) return s.error();
      // The instance's type, when every item's type is known here.
      ExternDesc e;
      e.sort = s->sort;
      if (s->sort == Sort::Func && ast.funcs[s->index].sig) {
        auto td = std::make_shared<TypeDef>();
        td->kind = TypeDef::Kind::Func;
        td->func = named_sig(*ast.funcs[s->index].sig, *name);
        e.type = td;
      } else if (s->sort == Sort::Type) {
        e.type = ast.types[s->index];
      } else if (s->sort == Sort::Instance && ast.instances[s->index].type) {
        auto td = std::make_shared<TypeDef>();
        td->kind = TypeDef::Kind::Instance;
        td->instance = ast.instances[s->index].type;
        e.type = td;
      } else {
        typed = false;
      }
      if (typed) it->exports.push_back({*name, e});
      d.items.emplace_back(std::move(*name), *s);
    }
    if (typed) d.type = it;
  } else {
    return r.error_at(r.offset() - 1, "an instance expression (0x00 or 0x01)", BinaryReader::hex_byte(*k));
  }
  ast.instances.push_back(std::move(d));
  return core::ok_status();
}

// alias ::= s:<sort> 0x00 i:<instanceidx> n:<name> | s:<sort> 0x01 i:<core:instanceidx> n:<core:name>
//         | s:<sort> 0x02 ct:<u32> idx:<u32>
core::Status Decoder::alias(BinaryReader& r, ComponentAst& ast) {
  size_t at = r.offset();
  auto s = read_sort(r);
  if (!s) return s.error();
  auto tgt = r.u8("an alias target (0x00..0x02)");
  if (!tgt) return tgt.error();
  if (*tgt == 0x00) {  // export of a component instance
    size_t iat = r.offset();
    auto i = r.u32("an instance index");
    if (!i) return i.error();
    WIRT_TRY(check_index(r, iat, SortIdx{Sort::Instance, CoreSort::Func, *i}, ast));
    auto name = r.name("an export name");
    if (!name) return name.error();
    const InstanceDef& inst = ast.instances[*i];
    const NamedExtern* e = inst.type ? inst.type->find(*name) : nullptr;
    if (inst.type && !e) return r.error_at(iat, fmt::format("an export of instance {}", *i), fmt::format("\"{}\" which it does not export", *name));
    if (e && e->desc.sort != s->sort)
      return r.error_at(at, fmt::format("alias of a {}", sort_name(e->desc.sort)), fmt::format("alias of a {}", sort_name(s->sort, s->core)));
    switch (s->sort) {
      case Sort::Func: {
        FuncDef f;
        f.kind = FuncDef::Kind::AliasExport;
        f.instance = *i;
        f.name = *name;
        if (e) f.sig = e->desc.type->func;
        ast.funcs.push_back(std::move(f));
        return core::ok_status();
      }
      case Sort::Type:
        if (!e) return r.error_at(at, "a type alias from an instance of known type", "an instance whose type is not known here (not supported)");
        ast.types.push_back(e->desc.type);
        return core::ok_status();
      case Sort::Instance: {
        InstanceDef d;
        d.kind = InstanceDef::Kind::AliasExport;
        d.instance = *i;
        d.name = *name;
        if (e) d.type = e->desc.type->instance;
        ast.instances.push_back(std::move(d));
        return core::ok_status();
      }
      case Sort::Component: {
        ComponentDef d;
        d.kind = ComponentDef::Kind::AliasExport;
        ast.components.push_back(std::move(d));
        return core::ok_status();
      }
      case Sort::Value: ast.values++; return core::ok_status();
      case Sort::Core:
        if (s->core != CoreSort::Module) return r.error_at(at, "a component-level sort or core module", sort_name(s->sort, s->core));
        ast.core_modules.push_back(CoreModuleDef{CoreModuleDef::Kind::AliasExport, 0});
        return core::ok_status();
    }
    return core::ok_status();
  }
  if (*tgt == 0x01) {  // export of a core instance
    size_t iat = r.offset();
    auto i = r.u32("a core instance index");
    if (!i) return i.error();
    WIRT_TRY(check_index(r, iat, SortIdx{Sort::Core, CoreSort::Instance, *i}, ast));
    auto name = r.name("a core export name");
    if (!name) return name.error();
    if (s->sort != Sort::Core) return r.error_at(at, "a core sort in a core export alias", sort_name(s->sort));
    // An inline-export instance must export the name with that sort.
    const CoreInstanceDef& ci = ast.core_instances[*i];
    if (!ci.instantiate) {
      bool found = false;
      for (const auto& e : ci.exports) found |= e.name == *name && e.sort == s->core;
      if (!found)
        return r.error_at(iat, fmt::format("a {} export of core instance {}", sort_name(Sort::Core, s->core), *i),
                          fmt::format("\"{}\"", *name));
    }
    switch (s->core) {
      case CoreSort::Func: {
        CoreFuncDef f;
        f.kind = CoreFuncDef::Kind::AliasExport;
        f.instance = *i;
        f.name = std::move(*name);
        ast.core_funcs.push_back(std::move(f));
        return core::ok_status();
      }
      case CoreSort::Table: ast.core_tables.push_back({*i, std::move(*name)}); return core::ok_status();
      case CoreSort::Memory: ast.core_memories.push_back({*i, std::move(*name)}); return core::ok_status();
      case CoreSort::Global: ast.core_globals.push_back({*i, std::move(*name)}); return core::ok_status();
      case CoreSort::Tag: ast.core_tags++; return core::ok_status();
      default: return r.error_at(at, "a core func, table, memory, global or tag alias", sort_name(Sort::Core, s->core));
    }
  }
  if (*tgt == 0x02) {  // outer
    size_t cat = r.offset();
    auto ct = r.u32("an outer count");
    if (!ct) return ct.error();
    size_t iat = r.offset();
    auto idx = r.u32("an outer index");
    if (!idx) return idx.error();
    auto o = outer(*ct, cat);
    if (!o) return o.error();
    Scope& os = **o;
    if (s->sort == Sort::Type) {
      if (*idx >= os.types().size()) return r.error_at(iat, fmt::format("a type index below {}", os.types().size()), std::to_string(*idx));
      ast.types.push_back(os.types()[*idx]);
      return core::ok_status();
    }
    if (s->sort == Sort::Core && s->core == CoreSort::Type) {
      if (*idx >= os.core_types()) return r.error_at(iat, fmt::format("a core type index below {}", os.core_types()), std::to_string(*idx));
      ast.core_types++;
      return core::ok_status();
    }
    if (!os.ast) return r.error_at(at, "an outer alias of a module or component into a component", "one into a type");
    if (s->sort == Sort::Core && s->core == CoreSort::Module) {
      if (*idx >= os.ast->core_modules.size())
        return r.error_at(iat, fmt::format("a core module index below {}", os.ast->core_modules.size()), std::to_string(*idx));
      ast.core_modules.push_back(os.ast->core_modules[*idx]);
      return core::ok_status();
    }
    if (s->sort == Sort::Component) {
      if (*idx >= os.ast->components.size())
        return r.error_at(iat, fmt::format("a component index below {}", os.ast->components.size()), std::to_string(*idx));
      ComponentDef d = os.ast->components[*idx];
      if (d.kind == ComponentDef::Kind::Nested) d.kind = ComponentDef::Kind::AliasOuter;
      else if (d.kind != ComponentDef::Kind::AliasOuter) d.kind = ComponentDef::Kind::AliasExport;  // not instantiable here
      ast.components.push_back(std::move(d));
      return core::ok_status();
    }
    return r.error_at(at, "an outer alias of a type, core type, core module or component", sort_name(s->sort, s->core));
  }
  return r.error_at(r.offset() - 1, "an alias target (0x00..0x02)", BinaryReader::hex_byte(*tgt));
}

core::Result<CanonOpts> Decoder::canon_opts(BinaryReader& r, const ComponentAst& ast) {
  CanonOpts o;
  auto n = r.count("canonical options");
  if (!n) return n.error();
  bool have_encoding = false;
  for (uint32_t i = 0; i < *n; i++) {
    size_t at = r.offset();
    auto k = r.u8("a canonical option");
    if (!k) return k.error();
    auto index = [&](CoreSort sort, std::optional<uint32_t>& slot) -> core::Status {
      size_t iat = r.offset();
      auto v = r.u32("an index");
      if (!v) return v.error();
      WIRT_TRY(check_index(r, iat, SortIdx{Sort::Core, sort, *v}, ast));
      if (slot) return r.error_at(at, "each canonical option once", "a duplicate");
      slot = *v;
      return core::ok_status();
    };
    switch (*k) {
      case 0x00: case 0x01: case 0x02:
        if (have_encoding) return r.error_at(at, "one string-encoding option", "a second one");
        have_encoding = true;
        o.encoding = *k == 0 ? StringEncoding::Utf8 : *k == 1 ? StringEncoding::Utf16 : StringEncoding::Latin1Utf16;
        break;
      case 0x03: WIRT_TRY(index(CoreSort::Memory, o.memory)); break;
      case 0x04: WIRT_TRY(index(CoreSort::Func, o.realloc)); break;
      case 0x05: WIRT_TRY(index(CoreSort::Func, o.post_return)); break;
      case 0x06: return r.error_at(at, "a supported canonical option", "async (🔀, not supported)");
      case 0x07: return r.error_at(at, "a supported canonical option", "callback (🔀, not supported)");
      default: return r.error_at(at, "a canonical option", BinaryReader::hex_byte(*k));
    }
  }
  return o;
}

core::Status Decoder::canon(BinaryReader& r, ComponentAst& ast) {
  size_t at = r.offset();
  auto k = r.u8("a canonical definition");
  if (!k) return k.error();
  auto zero = [&](std::string_view what) -> core::Status {
    auto z = r.u8(what);
    if (!z) return z.error();
    if (*z != 0x00) return r.error_at(r.offset() - 1, what, BinaryReader::hex_byte(*z));
    return core::ok_status();
  };
  switch (*k) {
    case 0x00: {  // lift: 0x00 0x00 f:<core:funcidx> opts ft:<typeidx>
      WIRT_TRY(zero("the func sort byte 0x00"));
      size_t fat = r.offset();
      auto f = r.u32("a core func index");
      if (!f) return f.error();
      WIRT_TRY(check_index(r, fat, SortIdx{Sort::Core, CoreSort::Func, *f}, ast));
      auto o = canon_opts(r, ast);
      if (!o) return o.error();
      size_t tat = r.offset();
      auto t = r.u32("a func type index");
      if (!t) return t.error();
      auto td = type_at(*t, tat, "a func type");
      if (!td) return td.error();
      if ((*td)->kind != TypeDef::Kind::Func)
        return r.error_at(tat, "a func type", fmt::format("type {} which is a {}", *t, type_kind_name((*td)->kind)));
      if ((*td)->func->is_async) return r.error_at(tat, "a synchronous func type", "an async func type (🔀, not supported)");
      FuncDef d;
      d.kind = FuncDef::Kind::Lift;
      d.core_func = *f;
      d.opts = *o;
      d.sig = (*td)->func;
      ast.funcs.push_back(std::move(d));
      return core::ok_status();
    }
    case 0x01: {  // lower: 0x01 0x00 f:<funcidx> opts
      WIRT_TRY(zero("the func sort byte 0x00"));
      size_t fat = r.offset();
      auto f = r.u32("a func index");
      if (!f) return f.error();
      WIRT_TRY(check_index(r, fat, SortIdx{Sort::Func, CoreSort::Func, *f}, ast));
      auto o = canon_opts(r, ast);
      if (!o) return o.error();
      CoreFuncDef d;
      d.kind = CoreFuncDef::Kind::Lower;
      d.func = *f;
      d.opts = *o;
      ast.core_funcs.push_back(std::move(d));
      return core::ok_status();
    }
    case 0x02: case 0x03: case 0x04: {  // resource.new / resource.drop / resource.rep rt:<typeidx>
      size_t tat = r.offset();
      auto t = r.u32("a resource type index");
      if (!t) return t.error();
      auto td = type_at(*t, tat, "a resource type");
      if (!td) return td.error();
      if ((*td)->kind != TypeDef::Kind::Resource)
        return r.error_at(tat, "a resource type", fmt::format("type {} which is a {}", *t, type_kind_name((*td)->kind)));
      if (*k != 0x03 && !(*td)->local_resource)
        return r.error_at(tat, "a resource defined by this component", "an imported resource");
      CoreFuncDef d;
      d.kind = *k == 0x02 ? CoreFuncDef::Kind::ResourceNew : *k == 0x03 ? CoreFuncDef::Kind::ResourceDrop : CoreFuncDef::Kind::ResourceRep;
      d.resource = *td;
      ast.core_funcs.push_back(std::move(d));
      return core::ok_status();
    }
    case 0x07:
      return r.error_at(at, "a supported canonical built-in", "resource.drop async (0x07, 🔀 not supported)");
    default:
      if (const char* name = unsupported_canon_name(*k))
        return r.error_at(at, "a supported canonical built-in", fmt::format("{} ({}, async/threads built-ins are not supported)",
                                                                          name, BinaryReader::hex_byte(*k)));
      return r.error_at(at, "a canonical definition", BinaryReader::hex_byte(*k));
  }
}

core::Status Decoder::import_(BinaryReader& r, ComponentAst& ast) {
  auto name = extern_name(r);
  if (!name) return name.error();
  auto d = externtype(r, *name);
  if (!d) return d.error();
  uint32_t idx = uint32_t(ast.imports.size());
  switch (d->sort) {
    case Sort::Func: {
      FuncDef f;
      f.kind = FuncDef::Kind::Import;
      f.import = idx;
      f.sig = d->type->func;
      ast.funcs.push_back(std::move(f));
      break;
    }
    case Sort::Instance: {
      InstanceDef i;
      i.kind = InstanceDef::Kind::Import;
      i.import = idx;
      i.type = d->type->instance;
      ast.instances.push_back(std::move(i));
      break;
    }
    case Sort::Type: ast.types.push_back(d->type); break;
    case Sort::Component: {
      ComponentDef c;
      c.kind = ComponentDef::Kind::Import;
      c.import = idx;
      ast.components.push_back(std::move(c));
      break;
    }
    case Sort::Core: ast.core_modules.push_back(CoreModuleDef{CoreModuleDef::Kind::Import, idx}); break;
    case Sort::Value: ast.values++; break;
  }
  ast.imports.push_back({std::move(*name), std::move(*d)});
  return core::ok_status();
}

// export ::= na:<nameattributes> si:<sortidx> et?:<externtype>?
core::Status Decoder::export_(BinaryReader& r, ComponentAst& ast) {
  auto name = extern_name(r);
  if (!name) return name.error();
  size_t sat = r.offset();
  auto s = sortidx(r, ast);
  if (!s) return s.error();
  Export e;
  e.name = *name;
  e.item = *s;
  auto has = r.u8("an optional export type");
  if (!has) return has.error();
  if (*has == 0x01) {
    auto d = externtype(r, *name);
    if (!d) return d.error();
    e.ascribed = *d;
  } else if (*has != 0x00) {
    return r.error_at(r.offset() - 1, "0x00 or 0x01", BinaryReader::hex_byte(*has));
  }
  // Every export introduces a new index aliasing the exported definition (Binary.md notes).
  switch (s->sort) {
    case Sort::Func: {
      FuncDef f;
      f.kind = FuncDef::Kind::Reexport;
      f.target = s->index;
      if (ast.funcs[s->index].sig) f.sig = named_sig(*ast.funcs[s->index].sig, *name);
      ast.funcs.push_back(std::move(f));
      break;
    }
    case Sort::Instance: {
      InstanceDef i;
      i.kind = InstanceDef::Kind::Reexport;
      i.target = s->index;
      i.type = ast.instances[s->index].type;
      if (e.ascribed && e.ascribed->type && e.ascribed->type->instance) i.type = e.ascribed->type->instance;
      ast.instances.push_back(std::move(i));
      break;
    }
    case Sort::Type:
      if (e.ascribed && e.ascribed->sort == Sort::Type) ast.types.push_back(e.ascribed->type);
      else ast.types.push_back(ast.types[s->index]);
      break;
    case Sort::Component: {
      ComponentDef c = ast.components[s->index];
      ast.components.push_back(std::move(c));
      break;
    }
    case Sort::Core:
      if (s->core != CoreSort::Module) return r.error_at(sat, "a component-level sort or core module", sort_name(s->sort, s->core));
      ast.core_modules.push_back(ast.core_modules[s->index]);
      break;
    case Sort::Value: ast.values++; break;
  }
  ast.exports.push_back(std::move(e));
  return core::ok_status();
}

// Name section (Binary.md "Name Section"): only the component name is kept; a malformed
// section is ignored, as the spec asks.
void Decoder::custom(BinaryReader& r, ComponentAst& ast) {
  auto name = r.name("a custom section name");
  if (!name) {
    (void)r.bytes(r.remaining(), "");
    return;
  }
  if (*name == "component-name") {
    while (!r.at_end()) {
      auto id = r.u8("a name subsection id");
      auto size = id ? r.u32("a name subsection size") : core::Result<uint32_t>(id.error());
      if (!size) break;
      auto body = r.sub(*size, "a name subsection");
      if (!body) break;
      if (*id == 0) {
        auto n = body->name("the component name");
        if (n) ast.name = *n;
      }
    }
  }
  (void)r.bytes(r.remaining(), "");
}

}  // namespace detail

core::Result<DecodedComponent> decode_component(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  detail::Decoder d(limits);
  BinaryReader r(bytes);
  auto ast = d.component(r, 0);
  if (!ast) return ast.error();
  DecodedComponent out = std::move(d.out());
  out.root = std::move(*ast);
  return out;
}

}  // namespace wirt::component::bin
