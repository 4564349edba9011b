#include "component/types.h"

#include <algorithm>
#include <array>

namespace wirt::component {

namespace {

uint32_t align_to(uint32_t n, uint32_t a) { return (n + a - 1) / a * a; }

// CanonicalABI.md "Flattening": join of two flat types for variant payloads.
CoreType join(CoreType a, CoreType b) {
  if (a == b) return a;
  if ((a == CoreType::I32 && b == CoreType::F32) || (a == CoreType::F32 && b == CoreType::I32)) return CoreType::I32;
  return CoreType::I64;
}

// CanonicalABI.md "Alignment"/"discriminant_type": u8 up to 256 cases, u16 up to 65536, else u32.
uint32_t discriminant_size(size_t n) {
  if (n <= 256) return 1;
  if (n <= 65536) return 2;
  return 4;
}

// The despecialized variant layout (CanonicalABI.md "Despecialization": enum, option and result
// are variants) from the case payload types (nullptr = no payload).
void layout_variant(Type& t, const std::vector<const Type*>& payloads) {
  uint32_t disc = discriminant_size(payloads.size());
  uint32_t max_align = 1, max_size = 0;
  std::vector<CoreType> joined;
  for (const Type* p : payloads) {
    if (!p) continue;
    if (!p->abi_ready) t.abi_ready = false;
    max_align = std::max(max_align, p->align);
    max_size = std::max(max_size, p->size);
    for (size_t i = 0; i < p->flat.size(); ++i) {
      if (i < joined.size()) joined[i] = join(joined[i], p->flat[i]);
      else joined.push_back(p->flat[i]);
    }
  }
  t.align = std::max(disc, max_align);
  uint32_t s = align_to(disc, max_align) + max_size;
  t.size = align_to(s, t.align);
  t.flat.clear();
  t.flat.push_back(CoreType::I32);
  t.flat.insert(t.flat.end(), joined.begin(), joined.end());
}

void layout_record(Type& t, const std::vector<const Type*>& members) {
  uint32_t s = 0, a = 1;
  for (const Type* m : members) {
    if (!m->abi_ready) t.abi_ready = false;
    s = align_to(s, m->align) + m->size;
    a = std::max(a, m->align);
    t.flat.insert(t.flat.end(), m->flat.begin(), m->flat.end());
  }
  t.align = a;
  t.size = align_to(s, a);
}

void set_scalar(Type& t, uint32_t size, CoreType flat) {
  t.size = size;
  t.align = size;
  t.flat = {flat};
}

// Computes size/alignment/flattening (CanonicalABI.md "Alignment", "Element Size", "Flattening").
void compute_layout(Type& t) {
  switch (t.kind) {
    case TypeKind::Bool:
    case TypeKind::S8:
    case TypeKind::U8: set_scalar(t, 1, CoreType::I32); break;
    case TypeKind::S16:
    case TypeKind::U16: set_scalar(t, 2, CoreType::I32); break;
    case TypeKind::S32:
    case TypeKind::U32:
    case TypeKind::Char: set_scalar(t, 4, CoreType::I32); break;
    case TypeKind::S64:
    case TypeKind::U64: set_scalar(t, 8, CoreType::I64); break;
    case TypeKind::F32: set_scalar(t, 4, CoreType::F32); break;
    case TypeKind::F64: set_scalar(t, 8, CoreType::F64); break;
    case TypeKind::String:
    case TypeKind::List:
      t.size = 8;
      t.align = 4;
      t.flat = {CoreType::I32, CoreType::I32};
      if (t.elem && !t.elem->abi_ready) t.abi_ready = false;
      break;
    case TypeKind::Own:
    case TypeKind::Borrow: set_scalar(t, 4, CoreType::I32); break;
    case TypeKind::Record: {
      std::vector<const Type*> m;
      for (const auto& f : t.fields) m.push_back(f.type.get());
      layout_record(t, m);
      break;
    }
    case TypeKind::Tuple: {
      std::vector<const Type*> m;
      for (const auto& e : t.elems) m.push_back(e.get());
      layout_record(t, m);
      break;
    }
    case TypeKind::Variant: {
      std::vector<const Type*> p;
      for (const auto& c : t.cases) p.push_back(c.type.get());
      layout_variant(t, p);
      break;
    }
    case TypeKind::Enum: layout_variant(t, std::vector<const Type*>(t.labels.size(), nullptr)); break;
    case TypeKind::Option: layout_variant(t, {nullptr, t.elem.get()}); break;
    case TypeKind::Result: layout_variant(t, {t.ok.get(), t.err.get()}); break;
    case TypeKind::Flags: {
      // CanonicalABI.md "size_flags"/"num_i32_flags".
      size_t n = t.labels.size();
      uint32_t words = static_cast<uint32_t>((n + 31) / 32);
      if (n == 0) { t.size = 0; t.align = 1; }
      else if (n <= 8) { t.size = 1; t.align = 1; }
      else if (n <= 16) { t.size = 2; t.align = 2; }
      else { t.size = 4 * words; t.align = 4; }
      t.flat.assign(words, CoreType::I32);
      break;
    }
    case TypeKind::Resource:
    case TypeKind::Future:
    case TypeKind::Stream:
    case TypeKind::ErrorContext:
    case TypeKind::Unresolved:
      t.abi_ready = false;
      t.size = 4;
      t.align = 4;
      t.flat = {CoreType::I32};
      break;
  }
}

uint32_t nesting_depth(const Type& t) {
  uint32_t deepest = 0;
  auto see = [&](const TypePtr& p) {
    if (p) deepest = std::max(deepest, p->depth);
  };
  see(t.elem);
  see(t.ok);
  see(t.err);
  for (const auto& f : t.fields) see(f.type);
  for (const auto& e : t.elems) see(e);
  for (const auto& c : t.cases) see(c.type);
  return deepest + 1;
}

TypePtr finish(Type t) {
  compute_layout(t);
  t.depth = nesting_depth(t);
  return std::make_shared<const Type>(std::move(t));
}

struct PrimName {
  std::string_view name;
  TypeKind kind;
};
constexpr std::array<PrimName, 16> kPrims = {{
    {"bool", TypeKind::Bool}, {"s8", TypeKind::S8}, {"u8", TypeKind::U8}, {"s16", TypeKind::S16},
    {"u16", TypeKind::U16}, {"s32", TypeKind::S32}, {"u32", TypeKind::U32}, {"s64", TypeKind::S64},
    {"u64", TypeKind::U64}, {"f32", TypeKind::F32}, {"f64", TypeKind::F64}, {"char", TypeKind::Char},
    {"string", TypeKind::String}, {"error-context", TypeKind::ErrorContext},
    {"float32", TypeKind::F32}, {"float64", TypeKind::F64},  // pre-2023 spellings
}};

std::string join_types(const std::vector<TypePtr>& ts) {
  std::string out;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (i) out += ", ";
    out += ts[i]->to_wit();
  }
  return out;
}

std::string join_labels(const std::vector<std::string>& ls) {
  std::string out;
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i) out += ", ";
    out += ls[i];
  }
  return out;
}

}  // namespace

const char* core_type_name(CoreType t) {
  switch (t) {
    case CoreType::I32: return "i32";
    case CoreType::I64: return "i64";
    case CoreType::F32: return "f32";
    case CoreType::F64: return "f64";
  }
  return "?";
}

TypePtr primitive(TypeKind kind) {
  static const std::array<TypePtr, 14> cache = [] {
    std::array<TypePtr, 14> c;
    for (size_t i = 0; i < 14; ++i) {
      Type t;
      t.kind = kPrims[i].kind;
      c[i] = finish(std::move(t));
    }
    return c;
  }();
  for (size_t i = 0; i < 14; ++i) {
    if (cache[i]->kind == kind) return cache[i];
  }
  Type t;  // not a primitive: still return something well-formed
  t.kind = kind;
  return finish(std::move(t));
}

TypePtr primitive_by_name(std::string_view name) {
  for (const auto& p : kPrims) {
    if (p.name == name) return primitive(p.kind);
  }
  return nullptr;
}

// list, option, own/borrow (of a resource), future/stream: a kind around one element type.
static TypePtr wrapping(TypeKind kind, TypePtr elem) {
  Type t;
  t.kind = kind;
  t.elem = std::move(elem);
  return finish(std::move(t));
}

TypePtr list_of(TypePtr elem) { return wrapping(TypeKind::List, std::move(elem)); }

TypePtr option_of(TypePtr elem) { return wrapping(TypeKind::Option, std::move(elem)); }

TypePtr result_of(TypePtr ok, TypePtr err) {
  Type t;
  t.kind = TypeKind::Result;
  t.ok = std::move(ok);
  t.err = std::move(err);
  return finish(std::move(t));
}

TypePtr tuple_of(std::vector<TypePtr> elems) {
  Type t;
  t.kind = TypeKind::Tuple;
  t.elems = std::move(elems);
  return finish(std::move(t));
}

TypePtr record_type(std::string name, std::vector<Field> fields) {
  Type t;
  t.kind = TypeKind::Record;
  t.name = std::move(name);
  t.fields = std::move(fields);
  return finish(std::move(t));
}

TypePtr variant_type(std::string name, std::vector<Case> cases) {
  Type t;
  t.kind = TypeKind::Variant;
  t.name = std::move(name);
  t.cases = std::move(cases);
  return finish(std::move(t));
}

TypePtr enum_type(std::string name, std::vector<std::string> labels) {
  Type t;
  t.kind = TypeKind::Enum;
  t.name = std::move(name);
  t.labels = std::move(labels);
  return finish(std::move(t));
}

TypePtr flags_type(std::string name, std::vector<std::string> labels) {
  Type t;
  t.kind = TypeKind::Flags;
  t.name = std::move(name);
  t.labels = std::move(labels);
  return finish(std::move(t));
}

TypePtr resource_type(std::string name) {
  Type t;
  t.kind = TypeKind::Resource;
  t.name = std::move(name);
  return finish(std::move(t));
}

TypePtr own_of(TypePtr resource) { return wrapping(TypeKind::Own, std::move(resource)); }

TypePtr borrow_of(TypePtr resource) { return wrapping(TypeKind::Borrow, std::move(resource)); }

TypePtr future_of(TypePtr elem) { return wrapping(TypeKind::Future, std::move(elem)); }

TypePtr stream_of(TypePtr elem) { return wrapping(TypeKind::Stream, std::move(elem)); }

TypePtr unresolved_type(std::string name, std::string origin) {
  Type t;
  t.kind = TypeKind::Unresolved;
  t.name = std::move(name);
  t.origin = std::move(origin);
  return finish(std::move(t));
}

std::string Type::to_wit() const {
  switch (kind) {
    case TypeKind::Bool: return "bool";
    case TypeKind::S8: return "s8";
    case TypeKind::U8: return "u8";
    case TypeKind::S16: return "s16";
    case TypeKind::U16: return "u16";
    case TypeKind::S32: return "s32";
    case TypeKind::U32: return "u32";
    case TypeKind::S64: return "s64";
    case TypeKind::U64: return "u64";
    case TypeKind::F32: return "f32";
    case TypeKind::F64: return "f64";
    case TypeKind::Char: return "char";
    case TypeKind::String: return "string";
    case TypeKind::ErrorContext: return "error-context";
    case TypeKind::List: return "list<" + elem->to_wit() + ">";
    case TypeKind::Option: return "option<" + elem->to_wit() + ">";
    case TypeKind::Result:
      if (!ok && !err) return "result";
      if (!err) return "result<" + ok->to_wit() + ">";
      return "result<" + (ok ? ok->to_wit() : std::string("_")) + ", " + err->to_wit() + ">";
    case TypeKind::Tuple: return "tuple<" + join_types(elems) + ">";
    case TypeKind::Own: return "own<" + (elem ? elem->name : std::string("?")) + ">";
    case TypeKind::Borrow: return "borrow<" + (elem ? elem->name : std::string("?")) + ">";
    case TypeKind::Future: return elem ? "future<" + elem->to_wit() + ">" : "future";
    case TypeKind::Stream: return elem ? "stream<" + elem->to_wit() + ">" : "stream";
    case TypeKind::Record:
    case TypeKind::Variant:
    case TypeKind::Enum:
    case TypeKind::Flags:
    case TypeKind::Resource:
    case TypeKind::Unresolved:
      if (!name.empty()) return name;
      return describe();
  }
  return "?";
}

std::string Type::describe() const {
  std::string out;
  switch (kind) {
    case TypeKind::Record:
      out = "record " + name + " { ";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ", ";
        out += fields[i].name + ": " + fields[i].type->to_wit();
      }
      return out + " }";
    case TypeKind::Variant:
      out = "variant " + name + " { ";
      for (size_t i = 0; i < cases.size(); ++i) {
        if (i) out += ", ";
        out += cases[i].name;
        if (cases[i].type) out += "(" + cases[i].type->to_wit() + ")";
      }
      return out + " }";
    case TypeKind::Enum: return "enum " + name + " { " + join_labels(labels) + " }";
    case TypeKind::Flags: return "flags " + name + " { " + join_labels(labels) + " }";
    case TypeKind::Resource: return "resource " + name;
    case TypeKind::Unresolved: return name + " (from " + origin + ", not defined here)";
    default: return to_wit();
  }
}

std::string FuncSig::to_wit() const {
  std::string out = is_async ? "async func(" : "func(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += ", ";
    out += params[i].name + ": " + params[i].type->to_wit();
  }
  out += ")";
  if (results.size() == 1 && results[0].name.empty()) {
    out += " -> " + results[0].type->to_wit();
  } else if (!results.empty()) {
    out += " -> (";
    for (size_t i = 0; i < results.size(); ++i) {
      if (i) out += ", ";
      out += results[i].name + ": " + results[i].type->to_wit();
    }
    out += ")";
  }
  return out;
}

std::string FuncSig::short_name() const {
  if (kind == FuncKind::Freestanding) return name;
  if (kind == FuncKind::Constructor) return "constructor";
  auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace wirt::component
