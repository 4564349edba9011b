// Type definitions of the component binary format (Binary.md "Type Definitions") and their
// conversion into component::Type / FuncSig. Part of the decoder (binary_decoder.h).
#include <fmt/format.h>

#include <algorithm>

#include "component/binary_internal.h"

namespace wirt::component::bin {

std::string_view type_kind_name(TypeDef::Kind k) {
  switch (k) {
    case TypeDef::Kind::Value: return "value type";
    case TypeDef::Kind::Func: return "func type";
    case TypeDef::Kind::Instance: return "instance type";
    case TypeDef::Kind::Component: return "component type";
    case TypeDef::Kind::Resource: return "resource type";
  }
  return "type";
}

const NamedExtern* InstanceType::find(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

namespace detail {

namespace {
// Binary.md limits are not specified; these keep hostile inputs cheap.
constexpr uint32_t kMaxFlags = 32;  // Binary.md: (flags l+) if 0 < |l*| <= 32

// Binary.md: validation requires elem_size(t) < 2^28 for every defvaltype. The flattened form
// is bounded too, before the type is built (the factories materialise it), so hostile inputs
// cannot grow types exponentially by nesting.
constexpr uint64_t kMaxTypeSize = uint64_t{1} << 28;
constexpr size_t kMaxFlat = size_t{1} << 12;

bool too_big(uint64_t size, size_t flat) { return size >= kMaxTypeSize || flat > kMaxFlat; }

TypeDefPtr value_def(TypePtr t) {
  auto d = std::make_shared<TypeDef>();
  d->kind = TypeDef::Kind::Value;
  d->value = std::move(t);
  return d;
}

}  // namespace

TypePtr primitive_for_code(uint8_t code) {
  switch (code) {
    case 0x7f: return primitive(TypeKind::Bool);
    case 0x7e: return primitive(TypeKind::S8);
    case 0x7d: return primitive(TypeKind::U8);
    case 0x7c: return primitive(TypeKind::S16);
    case 0x7b: return primitive(TypeKind::U16);
    case 0x7a: return primitive(TypeKind::S32);
    case 0x79: return primitive(TypeKind::U32);
    case 0x78: return primitive(TypeKind::S64);
    case 0x77: return primitive(TypeKind::U64);
    case 0x76: return primitive(TypeKind::F32);
    case 0x75: return primitive(TypeKind::F64);
    case 0x74: return primitive(TypeKind::Char);
    case 0x73: return primitive(TypeKind::String);
    case 0x64: return primitive(TypeKind::ErrorContext);
    default: return nullptr;
  }
}

std::shared_ptr<const FuncSig> named_sig(const FuncSig& sig, const std::string& name) {
  auto s = std::make_shared<FuncSig>(sig);
  s->name = name;
  s->kind = FuncKind::Freestanding;
  s->resource.clear();
  auto strip = [&](std::string_view prefix) -> std::optional<std::string> {
    if (name.rfind(prefix, 0) != 0) return std::nullopt;
    return name.substr(prefix.size());
  };
  if (auto r = strip("[constructor]")) {
    s->kind = FuncKind::Constructor;
    s->resource = *r;
  } else if (auto m = strip("[method]")) {
    s->kind = FuncKind::Method;
    s->resource = m->substr(0, m->find('.'));
  } else if (auto st = strip("[static]")) {
    s->kind = FuncKind::Static;
    s->resource = st->substr(0, st->find('.'));
  }
  return s;
}

core::Result<TypeDefPtr> Decoder::type_at(uint32_t index, size_t at, std::string_view what) {
  auto& types = scope().types();
  if (index >= types.size())
    return core::invalid(fmt::format("component binary: offset {:#x}: expected {} (a type index below {}), got {}",
                                     at, what, types.size(), index));
  return types[index];
}

core::Result<Scope*> Decoder::outer(uint32_t ct, size_t at) {
  if (ct >= scopes_.size())
    return core::invalid(fmt::format("component binary: offset {:#x}: expected an outer alias count below {}, got {}",
                                     at, scopes_.size(), ct));
  return scopes_[scopes_.size() - 1 - ct];
}

// Binary.md: valtype ::= i:<typeidx> | pvt:<primvaltype>; the index is an s33 (it shares the
// leading byte with the primitive codes).
core::Result<TypePtr> Decoder::valtype(BinaryReader& r) {
  size_t at = r.offset();
  auto b = r.peek("a value type");
  if (!b) return b.error();
  if (TypePtr p = primitive_for_code(*b)) {
    (void)r.u8("a value type");
    return p;
  }
  auto idx = r.s33("a value type index");
  if (!idx) return idx.error();
  if (*idx < 0 || *idx > int64_t(UINT32_MAX)) return r.error_at(at, "a value type", fmt::format("type code {}", *idx));
  auto def = type_at(uint32_t(*idx), at, "a value type");
  if (!def) return def.error();
  if ((*def)->kind != TypeDef::Kind::Value)
    return r.error_at(at, "a value type", fmt::format("type {} which is a {}", *idx, type_kind_name((*def)->kind)));
  // Types refer to earlier types by index, so a chain of 10,000 list<previous> nests 10,000 deep
  // without any recursion here — but lifting such a value would recurse that deep on a fiber.
  if ((*def)->value->depth >= kMaxTypeDepth)
    return r.error_at(at, "a value type", fmt::format("types nested deeper than {} levels", kMaxTypeDepth));
  return (*def)->value;
}

namespace {

core::Result<std::vector<std::string>> labels(BinaryReader& r, std::string_view what, uint32_t max) {
  auto n = r.count(what);
  if (!n) return n.error();
  if (*n == 0 || *n > max) return r.error(what, fmt::format("{} labels", *n));
  std::vector<std::string> out;
  for (uint32_t i = 0; i < *n; i++) {
    auto s = r.name(what);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace

core::Result<TypeDefPtr> Decoder::deftype(BinaryReader& r, size_t depth) {
  if (depth > limits_.max_nesting) return r.error("a type", "types nested too deeply");
  size_t at = r.offset();
  auto code = r.u8("a type definition");
  if (!code) return code.error();
  auto opt_valtype = [&](std::string_view what) -> core::Result<TypePtr> {
    auto has = r.u8(what);
    if (!has) return has.error();
    if (*has == 0) return TypePtr{};
    if (*has != 1) return r.error_at(r.offset() - 1, what, "byte " + BinaryReader::hex_byte(*has));
    return valtype(r);
  };
  if (TypePtr p = primitive_for_code(*code)) return value_def(p);
  switch (*code) {
    case 0x72: {  // record
      auto n = r.count("record fields", 2);
      if (!n) return n.error();
      if (*n == 0) return r.error_at(at, "a record with fields", "an empty record");
      std::vector<Field> fields;
      uint64_t size = 0;
      size_t flat = 0;
      for (uint32_t i = 0; i < *n; i++) {
        auto l = r.name("a record field label");
        if (!l) return l.error();
        auto t = valtype(r);
        if (!t) return t.error();
        size += (*t)->size + (*t)->align;
        flat += (*t)->flat.size();
        if (too_big(size, flat)) return r.error_at(at, "a record of bounded size", "a record too large");
        fields.push_back({std::move(*l), std::move(*t)});
      }
      return value_def(record_type("", std::move(fields)));
    }
    case 0x71: {  // variant
      auto n = r.count("variant cases", 3);
      if (!n) return n.error();
      if (*n == 0) return r.error_at(at, "a variant with cases", "an empty variant");
      std::vector<Case> cases;
      uint64_t size = 0;
      size_t flat = 0;
      for (uint32_t i = 0; i < *n; i++) {
        auto l = r.name("a variant case label");
        if (!l) return l.error();
        auto t = opt_valtype("a variant case type");
        if (!t) return t.error();
        auto z = r.u8("the 0x00 after a variant case");
        if (!z) return z.error();
        if (*z != 0) return r.error_at(r.offset() - 1, "0x00 after a variant case", BinaryReader::hex_byte(*z));
        if (*t) {
          size = std::max<uint64_t>(size, (*t)->size + (*t)->align);
          flat = std::max(flat, (*t)->flat.size());
        }
        if (too_big(size + 8, flat + 1)) return r.error_at(at, "a variant of bounded size", "a variant too large");
        cases.push_back({std::move(*l), std::move(*t)});
      }
      return value_def(variant_type("", std::move(cases)));
    }
    case 0x70: {
      auto t = valtype(r);
      if (!t) return t.error();
      return value_def(list_of(*t));
    }
    case 0x67: return r.error_at(at, "a supported type", "a fixed-length list (0x67, not supported)");
    case 0x63: return r.error_at(at, "a supported type", "a map type (0x63, not supported)");
    case 0x6f: {
      auto n = r.count("tuple types");
      if (!n) return n.error();
      if (*n == 0) return r.error_at(at, "a tuple with elements", "an empty tuple");
      std::vector<TypePtr> elems;
      uint64_t size = 0;
      size_t flat = 0;
      for (uint32_t i = 0; i < *n; i++) {
        auto t = valtype(r);
        if (!t) return t.error();
        size += (*t)->size + (*t)->align;
        flat += (*t)->flat.size();
        if (too_big(size, flat)) return r.error_at(at, "a tuple of bounded size", "a tuple too large");
        elems.push_back(std::move(*t));
      }
      return value_def(tuple_of(std::move(elems)));
    }
    case 0x6e: {
      auto l = labels(r, "flags labels", kMaxFlags);
      if (!l) return l.error();
      return value_def(flags_type("", std::move(*l)));
    }
    case 0x6d: {
      auto l = labels(r, "enum labels", UINT32_MAX);
      if (!l) return l.error();
      return value_def(enum_type("", std::move(*l)));
    }
    case 0x6b: {
      auto t = valtype(r);
      if (!t) return t.error();
      if (too_big(uint64_t((*t)->size) + (*t)->align + 8, (*t)->flat.size() + 1))
        return r.error_at(at, "an option of bounded size", "an option too large");
      return value_def(option_of(*t));
    }
    case 0x6a: {
      auto ok = opt_valtype("a result ok type");
      if (!ok) return ok.error();
      auto err = opt_valtype("a result error type");
      if (!err) return err.error();
      uint64_t size = 8;
      size_t flat = 1;
      for (const auto& t : {*ok, *err})
        if (t) {
          size = std::max<uint64_t>(size, uint64_t(t->size) + t->align + 8);
          flat = std::max(flat, t->flat.size() + 1);
        }
      if (too_big(size, flat)) return r.error_at(at, "a result of bounded size", "a result too large");
      return value_def(result_of(*ok, *err));
    }
    case 0x69:
    case 0x68: {
      size_t iat = r.offset();
      auto i = r.u32("a resource type index");
      if (!i) return i.error();
      auto def = type_at(*i, iat, "a resource type");
      if (!def) return def.error();
      if ((*def)->kind != TypeDef::Kind::Resource)
        return r.error_at(iat, "a resource type", fmt::format("type {} which is a {}", *i, type_kind_name((*def)->kind)));
      return value_def(*code == 0x69 ? own_of((*def)->value) : borrow_of((*def)->value));
    }
    case 0x66:
    case 0x65: {
      auto t = opt_valtype("a stream/future element type");
      if (!t) return t.error();
      return value_def(*code == 0x66 ? stream_of(*t) : future_of(*t));
    }
    case 0x40:
    case 0x43: {  // functype ::= 0x40 paramlist resultlist (0x43: async)
      FuncSig sig;
      sig.is_async = *code == 0x43;
      auto n = r.count("function parameters", 2);
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) {
        auto l = r.name("a parameter name");
        if (!l) return l.error();
        auto t = valtype(r);
        if (!t) return t.error();
        sig.params.push_back({std::move(*l), std::move(*t)});
      }
      auto rk = r.u8("a result list");
      if (!rk) return rk.error();
      if (*rk == 0x00) {
        auto t = valtype(r);
        if (!t) return t.error();
        sig.results.push_back({"", std::move(*t)});
      } else if (*rk == 0x01) {
        // 0x01 0x00 is "no result"; older encoders wrote named results as 0x01 vec(labelvaltype).
        auto m = r.count("named results", 2);
        if (!m) return m.error();
        for (uint32_t i = 0; i < *m; i++) {
          auto l = r.name("a result name");
          if (!l) return l.error();
          auto t = valtype(r);
          if (!t) return t.error();
          sig.results.push_back({std::move(*l), std::move(*t)});
        }
      } else {
        return r.error_at(r.offset() - 1, "a result list (0x00 or 0x01)", BinaryReader::hex_byte(*rk));
      }
      auto d = std::make_shared<TypeDef>();
      d->kind = TypeDef::Kind::Func;
      d->func = std::make_shared<const FuncSig>(std::move(sig));
      return TypeDefPtr(d);
    }
    case 0x41: {
      auto ct = component_type(r, depth + 1);
      if (!ct) return ct.error();
      auto d = std::make_shared<TypeDef>();
      d->kind = TypeDef::Kind::Component;
      d->component = std::move(*ct);
      return TypeDefPtr(d);
    }
    case 0x42: {
      auto it = instance_type(r, depth + 1);
      if (!it) return it.error();
      auto d = std::make_shared<TypeDef>();
      d->kind = TypeDef::Kind::Instance;
      d->instance = std::move(*it);
      return TypeDefPtr(d);
    }
    case 0x3f: {  // resourcetype ::= 0x3f t:<core:valtype> f?:<core:funcidx>?
      if (scope().kind != Scope::Kind::Component)
        return r.error_at(at, "a type allowed in a type declarator", "a resource definition");
      auto rep = r.u8("the resource representation");
      if (!rep) return rep.error();
      if (*rep != 0x7f) return r.error_at(r.offset() - 1, "i32 (0x7f) as the resource representation", BinaryReader::hex_byte(*rep));
      auto d = std::make_shared<TypeDef>();
      d->kind = TypeDef::Kind::Resource;
      d->local_resource = true;
      d->value = resource_type("");
      auto has = r.u8("a resource destructor flag");
      if (!has) return has.error();
      if (*has == 1) {
        size_t fat = r.offset();
        auto f = r.u32("a destructor core func index");
        if (!f) return f.error();
        if (*f >= scope().ast->core_funcs.size())
          return r.error_at(fat, fmt::format("a core func index below {}", scope().ast->core_funcs.size()), std::to_string(*f));
        d->dtor = *f;
      } else if (*has != 0) {
        return r.error_at(r.offset() - 1, "0x00 or 0x01", BinaryReader::hex_byte(*has));
      }
      return TypeDefPtr(d);
    }
    default:
      return r.error_at(at, "a type definition", "byte " + BinaryReader::hex_byte(*code));
  }
}

// ---- core types (Binary.md core:type; WebAssembly core binary "Types") ----

namespace {

core::Status core_valtype(BinaryReader& r) {
  auto b = r.u8("a core value type");
  if (!b) return b.error();
  switch (*b) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b: case 0x70: case 0x6f: return core::ok_status();
    default: return r.error_at(r.offset() - 1, "a core value type", BinaryReader::hex_byte(*b));
  }
}

core::Status limits(BinaryReader& r) {
  auto f = r.u8("limits");
  if (!f) return f.error();
  if (*f & ~0x03u) return r.error_at(r.offset() - 1, "32-bit limits", "flags " + BinaryReader::hex_byte(*f));
  WIRT_TRY(r.u32("a minimum"));
  if (*f & 1) WIRT_TRY(r.u32("a maximum"));
  return core::ok_status();
}

// core:importdesc / core:externtype.
core::Status core_externtype(BinaryReader& r) {
  auto k = r.u8("a core extern type");
  if (!k) return k.error();
  switch (*k) {
    case 0x00: {
      auto t = r.u32("a core type index");
      if (!t) return t.error();
      return core::ok_status();
    }
    case 0x01: {
      auto rt = r.u8("a table element type");
      if (!rt) return rt.error();
      if (*rt != 0x70 && *rt != 0x6f) return r.error_at(r.offset() - 1, "funcref or externref", BinaryReader::hex_byte(*rt));
      return limits(r);
    }
    case 0x02: return limits(r);
    case 0x03: {
      WIRT_TRY(core_valtype(r));
      auto m = r.u8("global mutability");
      if (!m) return m.error();
      if (*m > 1) return r.error_at(r.offset() - 1, "0x00 or 0x01", BinaryReader::hex_byte(*m));
      return core::ok_status();
    }
    case 0x04: {
      auto z = r.u8("a tag attribute");
      if (!z) return z.error();
      if (*z != 0) return r.error_at(r.offset() - 1, "0x00", BinaryReader::hex_byte(*z));
      auto t = r.u32("a tag type index");
      if (!t) return t.error();
      return core::ok_status();
    }
    default: return r.error_at(r.offset() - 1, "a core extern type", BinaryReader::hex_byte(*k));
  }
}

}  // namespace

core::Status Decoder::core_type(BinaryReader& r, bool in_module_type) {
  size_t at = r.offset();
  auto b = r.u8("a core type");
  if (!b) return b.error();
  if (*b == 0x60) {  // functype
    for (int side = 0; side < 2; side++) {
      auto n = r.count("core value types");
      if (!n) return n.error();
      for (uint32_t i = 0; i < *n; i++) WIRT_TRY(core_valtype(r));
    }
    return core::ok_status();
  }
  if (*b == 0x50 && !in_module_type) {  // moduletype ::= 0x50 vec(moduledecl)
    auto n = r.count("module type declarations");
    if (!n) return n.error();
    uint32_t local_types = 0;
    for (uint32_t i = 0; i < *n; i++) {
      auto k = r.u8("a module type declaration");
      if (!k) return k.error();
      switch (*k) {
        case 0x00: {  // import
          WIRT_TRY(r.name("an import module name"));
          WIRT_TRY(r.name("an import name"));
          WIRT_TRY(core_externtype(r));
          break;
        }
        case 0x01:
          WIRT_TRY(core_type(r, true));
          local_types++;
          break;
        case 0x02: {  // alias ::= 0x10 0x01 ct idx
          auto s = r.u8("core sort type (0x10)");
          if (!s) return s.error();
          if (*s != 0x10) return r.error_at(r.offset() - 1, "core sort type (0x10)", BinaryReader::hex_byte(*s));
          auto o = r.u8("outer alias (0x01)");
          if (!o) return o.error();
          if (*o != 0x01) return r.error_at(r.offset() - 1, "outer alias (0x01)", BinaryReader::hex_byte(*o));
          WIRT_TRY(r.u32("an outer count"));
          WIRT_TRY(r.u32("a type index"));
          local_types++;
          break;
        }
        case 0x03:
          WIRT_TRY(r.name("an export name"));
          WIRT_TRY(core_externtype(r));
          break;
        default: return r.error_at(r.offset() - 1, "a module type declaration", BinaryReader::hex_byte(*k));
      }
    }
    return core::ok_status();
  }
  return r.error_at(at, "a core func or module type", fmt::format("{} (GC core types are not supported)", BinaryReader::hex_byte(*b)));
}

// ---- names, extern types, declarators ----

core::Result<std::string> Decoder::extern_name(BinaryReader& r) {
  auto k = r.u8("an extern name");
  if (!k) return k.error();
  if (*k > 0x02) return r.error_at(r.offset() - 1, "an extern name (0x00..0x02)", BinaryReader::hex_byte(*k));
  auto n = r.name("an extern name");
  if (!n) return n.error();
  if (*k == 0x02) {  // attributes: implements / versionsuffix / external-id
    auto c = r.count("name attributes", 2);
    if (!c) return c.error();
    for (uint32_t i = 0; i < *c; i++) {
      auto a = r.u8("a name attribute");
      if (!a) return a.error();
      if (*a > 0x02) return r.error_at(r.offset() - 1, "a name attribute", BinaryReader::hex_byte(*a));
      WIRT_TRY(r.name("a name attribute value"));
    }
  }
  return n;
}

core::Result<ExternDesc> Decoder::externtype(BinaryReader& r, const std::string& name) {
  size_t at = r.offset();
  auto k = r.u8("an extern type");
  if (!k) return k.error();
  ExternDesc d;
  auto typed = [&](TypeDef::Kind want, Sort sort) -> core::Result<ExternDesc> {
    size_t iat = r.offset();
    auto i = r.u32("a type index");
    if (!i) return i.error();
    auto t = type_at(*i, iat, type_kind_name(want));
    if (!t) return t.error();
    if ((*t)->kind != want)
      return r.error_at(iat, type_kind_name(want), fmt::format("type {} which is a {}", *i, type_kind_name((*t)->kind)));
    ExternDesc e;
    e.sort = sort;
    e.type = *t;
    if (want == TypeDef::Kind::Func) {
      auto nd = std::make_shared<TypeDef>(**t);
      nd->func = named_sig(*(*t)->func, name);
      e.type = nd;
    }
    return e;
  };
  switch (*k) {
    case 0x00: {
      auto s = r.u8("core module sort (0x11)");
      if (!s) return s.error();
      if (*s != 0x11) return r.error_at(r.offset() - 1, "core module sort (0x11)", BinaryReader::hex_byte(*s));
      auto i = r.u32("a core type index");
      if (!i) return i.error();
      d.sort = Sort::Core;
      return d;
    }
    case 0x01: return typed(TypeDef::Kind::Func, Sort::Func);
    case 0x02: return r.error_at(at, "a supported extern type", "a value import/export (🪙, not supported)");
    case 0x03: {
      auto b = r.u8("a type bound");
      if (!b) return b.error();
      d.sort = Sort::Type;
      if (*b == 0x00) {
        size_t iat = r.offset();
        auto i = r.u32("a type index");
        if (!i) return i.error();
        auto t = type_at(*i, iat, "a type");
        if (!t) return t.error();
        d.type = *t;
        // Give anonymous named-able value types the name they are exported under.
        if ((*t)->kind == TypeDef::Kind::Value && (*t)->value->name.empty()) {
          auto k2 = (*t)->value->kind;
          if (k2 == TypeKind::Record || k2 == TypeKind::Variant || k2 == TypeKind::Enum || k2 == TypeKind::Flags) {
            auto copy = std::make_shared<Type>(*(*t)->value);
            copy->name = name;
            auto nd = std::make_shared<TypeDef>(**t);
            nd->value = copy;
            d.type = nd;
          }
        }
      } else if (*b == 0x01) {
        auto nd = std::make_shared<TypeDef>();
        nd->kind = TypeDef::Kind::Resource;
        nd->value = resource_type(name);
        d.type = nd;
      } else {
        return r.error_at(r.offset() - 1, "a type bound (0x00 or 0x01)", BinaryReader::hex_byte(*b));
      }
      return d;
    }
    case 0x04: return typed(TypeDef::Kind::Component, Sort::Component);
    case 0x05: return typed(TypeDef::Kind::Instance, Sort::Instance);
    default: return r.error_at(at, "an extern type", BinaryReader::hex_byte(*k));
  }
}

core::Status Decoder::decl_alias(BinaryReader& r, Scope& s) {
  // alias ::= sort 0x00 instanceidx name | sort 0x02 ct idx (declarators: instance/type export
  // aliases and core type/type outer aliases only).
  size_t at = r.offset();
  auto sb = r.u8("an alias sort");
  if (!sb) return sb.error();
  bool core_type = false;
  if (*sb == 0x00) {
    auto cs = r.u8("a core sort");
    if (!cs) return cs.error();
    if (*cs != 0x10) return r.error_at(at, "type or core type alias in a type declarator", "core sort " + BinaryReader::hex_byte(*cs));
    core_type = true;
  } else if (*sb != 0x03 && *sb != 0x05) {
    return r.error_at(at, "type, instance or core type alias in a type declarator", "sort " + BinaryReader::hex_byte(*sb));
  }
  auto tgt = r.u8("an alias target");
  if (!tgt) return tgt.error();
  if (*tgt == 0x00 && !core_type) {
    size_t iat = r.offset();
    auto i = r.u32("an instance index");
    if (!i) return i.error();
    auto n = r.name("an export name");
    if (!n) return n.error();
    if (*i >= s.decl_instances.size())
      return r.error_at(iat, fmt::format("an instance index below {}", s.decl_instances.size()), std::to_string(*i));
    const NamedExtern* e = s.decl_instances[*i]->find(*n);
    if (!e) return r.error_at(iat, "an export of the instance", fmt::format("\"{}\" which it does not export", *n));
    if (*sb == 0x03) {
      if (e->desc.sort != Sort::Type) return r.error_at(iat, "a type export", fmt::format("\"{}\" which is not a type", *n));
      s.types().push_back(e->desc.type);
    } else {
      if (e->desc.sort != Sort::Instance) return r.error_at(iat, "an instance export", fmt::format("\"{}\" which is not an instance", *n));
      s.decl_instances.push_back(e->desc.type->instance);
    }
    return core::ok_status();
  }
  if (*tgt == 0x02) {
    size_t cat = r.offset();
    auto ct = r.u32("an outer count");
    if (!ct) return ct.error();
    size_t iat = r.offset();
    auto idx = r.u32("an outer index");
    if (!idx) return idx.error();
    auto o = outer(*ct, cat);
    if (!o) return o.error();
    if (core_type) {
      if (*idx >= (*o)->core_types()) return r.error_at(iat, fmt::format("a core type index below {}", (*o)->core_types()), std::to_string(*idx));
      s.core_types()++;
      return core::ok_status();
    }
    if (*sb != 0x03) return r.error_at(at, "an outer alias of a type", "an outer alias of an instance");
    if (*idx >= (*o)->types().size()) return r.error_at(iat, fmt::format("a type index below {}", (*o)->types().size()), std::to_string(*idx));
    s.types().push_back((*o)->types()[*idx]);
    return core::ok_status();
  }
  return r.error_at(r.offset() - 1, "an alias target allowed in a type declarator", BinaryReader::hex_byte(*tgt));
}

core::Status Decoder::decl(BinaryReader& r, Scope& s, bool component_type, size_t depth) {
  auto k = r.u8("a declarator");
  if (!k) return k.error();
  bool is_import = false;
  switch (*k) {
    case 0x00: {
      WIRT_TRY(core_type(r, false));
      s.decl_core_types++;
      return core::ok_status();
    }
    case 0x01: {
      auto t = deftype(r, depth);
      if (!t) return t.error();
      s.decl_types.push_back(std::move(*t));
      return core::ok_status();
    }
    case 0x02: return decl_alias(r, s);
    case 0x03:
      if (!component_type) return r.error_at(r.offset() - 1, "an instance type declarator", "an import (0x03)");
      is_import = true;
      break;
    case 0x04: break;
    default: return r.error_at(r.offset() - 1, "a declarator", BinaryReader::hex_byte(*k));
  }
  auto name = extern_name(r);
  if (!name) return name.error();
  auto d = externtype(r, *name);
  if (!d) return d.error();
  if (d->sort == Sort::Type) s.decl_types.push_back(d->type);
  if (d->sort == Sort::Instance) s.decl_instances.push_back(d->type->instance);
  (is_import ? s.decl_imports : s.decl_exports).push_back({std::move(*name), std::move(*d)});
  return core::ok_status();
}

core::Result<std::shared_ptr<const InstanceType>> Decoder::instance_type(BinaryReader& r, size_t depth) {
  Scope s;
  s.kind = Scope::Kind::InstanceType;
  ScopeGuard g(*this, &s);
  auto n = r.count("instance type declarations");
  if (!n) return n.error();
  for (uint32_t i = 0; i < *n; i++) WIRT_TRY(decl(r, s, false, depth));
  auto it = std::make_shared<InstanceType>();
  it->exports = std::move(s.decl_exports);
  return std::shared_ptr<const InstanceType>(it);
}

core::Result<std::shared_ptr<const ComponentType>> Decoder::component_type(BinaryReader& r, size_t depth) {
  Scope s;
  s.kind = Scope::Kind::ComponentType;
  ScopeGuard g(*this, &s);
  auto n = r.count("component type declarations");
  if (!n) return n.error();
  for (uint32_t i = 0; i < *n; i++) WIRT_TRY(decl(r, s, true, depth));
  auto ct = std::make_shared<ComponentType>();
  ct->imports = std::move(s.decl_imports);
  ct->exports = std::move(s.decl_exports);
  return std::shared_ptr<const ComponentType>(ct);
}

}  // namespace detail
}  // namespace wirt::component::bin
