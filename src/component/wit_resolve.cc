// Name resolution for WIT (component-model design/mvp/WIT.md "Name resolution", "Item: use",
// "Handles"): turns the syntax tree of wit_ast.h into the immutable model of wit_model.h.
//
// Types may be used before they are declared; each named type is resolved once (memoized) and
// a type that refers to itself is an error (WIT has no recursive types). A bare resource name in
// a value position means own<R> (WIT.md "Handles"). Resource methods become component-level
// functions "[constructor]R", "[method]R.m" (with an implicit `self: borrow<R>`), "[static]R.f".
#include <fmt/format.h>

#include <map>
#include <set>

#include "component/wit_ast.h"

namespace wirt::component::ast {

namespace {

struct ResolveError {
  std::string message;
};

[[noreturn]] void fail(Pos p, std::string msg) { throw ResolveError{fmt::format("{}:{}: {}", p.line, p.col, msg)}; }

class Resolver;

// One naming scope: an interface, a world, or a `wit:` text.
class Scope {
 public:
  Scope(Resolver* r, std::string what) : resolver_(r), what_(std::move(what)) {}

  void add_decls(const std::vector<TypeDecl>& decls) {
    for (const auto& d : decls) {
      check_new(d.name, d.pos);
      decls_[d.name] = &d;
      order_.push_back(d.name);
    }
  }

  void add_used(const std::string& name, TypePtr t, Pos at) {
    check_new(name, at);
    done_[name] = std::move(t);
    order_.push_back(name);
  }

  void add_uses(const std::vector<UseDecl>& uses);

  TypePtr lookup(const std::string& name, Pos at) {
    if (auto it = done_.find(name); it != done_.end()) return it->second;
    auto it = decls_.find(name);
    if (it == decls_.end()) fail(at, fmt::format("unknown type '{}' in {}", name, what_));
    if (busy_.count(name)) fail(at, fmt::format("type '{}' refers to itself (recursive types are not allowed in WIT)", name));
    // Named types resolve recursively (a use before the declaration): a chain of 100,000 aliases
    // would recurse that deep, so the chain is bounded like the nesting.
    if (busy_.size() >= kMaxTypeDepth)
      fail(at, fmt::format("type '{}': types nested deeper than {} levels", name, kMaxTypeDepth));
    busy_.insert(name);
    TypePtr t = capped(build(*it->second), at);
    busy_.erase(name);
    done_[name] = t;
    return t;
  }

  // `t`, unless it nests deeper than kMaxTypeDepth (through named types, which the parser's
  // depth guard does not see): lifting its values would recurse that deep.
  static TypePtr capped(TypePtr t, Pos at) {
    if (t && t->depth > kMaxTypeDepth) fail(at, fmt::format("types nested deeper than {} levels", kMaxTypeDepth));
    return t;
  }

  TypePtr resolve(const TypeExpr& e) { return capped(resolve_unchecked(e), e.pos); }

  TypePtr resolve_unchecked(const TypeExpr& e) {
    switch (e.tag) {
      case TypeExpr::Tag::Prim: return e.prim;
      case TypeExpr::Tag::Named: {
        TypePtr t = lookup(e.name, e.pos);
        if (t->kind == TypeKind::Resource) return own_of(t);  // `R` in a value position is own<R>
        return t;
      }
      case TypeExpr::Tag::List: return list_of(resolve(e.args[0]));
      case TypeExpr::Tag::Option: return option_of(resolve(e.args[0]));
      case TypeExpr::Tag::Result: {
        size_t i = 0;
        TypePtr ok = e.has_ok ? resolve(e.args[i++]) : nullptr;
        TypePtr err = e.has_err ? resolve(e.args[i]) : nullptr;
        return result_of(ok, err);
      }
      case TypeExpr::Tag::Tuple: {
        std::vector<TypePtr> ts;
        for (const auto& a : e.args) ts.push_back(resolve(a));
        return tuple_of(std::move(ts));
      }
      case TypeExpr::Tag::Own:
      case TypeExpr::Tag::Borrow: {
        TypePtr r = primitive_by_name(e.name);
        if (!r) r = lookup(e.name, e.pos);
        if (r->kind != TypeKind::Resource && r->kind != TypeKind::Unresolved) {
          fail(e.pos, fmt::format("{}<{}>: '{}' is not a resource", e.tag == TypeExpr::Tag::Own ? "own" : "borrow",
                                  e.name, e.name));
        }
        return e.tag == TypeExpr::Tag::Own ? own_of(r) : borrow_of(r);
      }
      case TypeExpr::Tag::Future: return future_of(e.args.empty() ? nullptr : resolve(e.args[0]));
      case TypeExpr::Tag::Stream: return stream_of(e.args.empty() ? nullptr : resolve(e.args[0]));
    }
    fail(e.pos, "unknown type expression");
  }

  FuncSig func(const FuncDecl& f, const std::string& resource = {}) {
    FuncSig s;
    s.kind = f.kind;
    s.is_async = f.is_async;
    s.resource = resource;
    switch (f.kind) {
      case FuncKind::Freestanding: s.name = f.name; break;
      case FuncKind::Constructor: s.name = "[constructor]" + resource; break;
      case FuncKind::Method: s.name = "[method]" + resource + "." + f.name; break;
      case FuncKind::Static: s.name = "[static]" + resource + "." + f.name; break;
    }
    TypePtr res = resource.empty() ? nullptr : lookup(resource, f.pos);
    if (f.kind == FuncKind::Method) s.params.push_back(Param{"self", borrow_of(res)});
    for (const auto& p : f.params) s.params.push_back(Param{p.name, resolve(p.type)});
    for (const auto& r : f.results) s.results.push_back(Param{r.name, resolve(r.type)});
    if (f.kind == FuncKind::Constructor && s.results.empty()) s.results.push_back(Param{"", own_of(res)});
    return s;
  }

  // All type definitions in declaration order (used names first where they were written first).
  std::vector<TypeDef> typedefs() {
    std::vector<TypeDef> out;
    for (const auto& n : order_) out.push_back(TypeDef{n, lookup(n, Pos{})});
    return out;
  }

  // Functions of the scope's resources, then the freestanding ones.
  std::vector<FuncSig> functions(const std::vector<TypeDecl>& decls, const std::vector<FuncDecl>& funcs) {
    std::vector<FuncSig> out;
    std::set<std::string> seen;
    auto add = [&](FuncSig s, Pos at) {
      if (!seen.insert(s.name).second) fail(at, fmt::format("duplicate function '{}' in {}", s.name, what_));
      out.push_back(std::move(s));
    };
    for (const auto& d : decls) {
      if (d.tag != TypeDecl::Tag::Resource) continue;
      for (const auto& m : d.methods) add(func(m, d.name), m.pos);
    }
    for (const auto& f : funcs) add(func(f), f.pos);
    return out;
  }

 private:
  void check_new(const std::string& name, Pos at) {
    if (decls_.count(name) || done_.count(name)) fail(at, fmt::format("type '{}' is defined twice in {}", name, what_));
  }

  TypePtr build(const TypeDecl& d) {
    switch (d.tag) {
      case TypeDecl::Tag::Record: {
        std::vector<Field> fs;
        for (const auto& f : d.fields) fs.push_back(Field{f.name, resolve(f.type)});
        return record_type(d.name, std::move(fs));
      }
      case TypeDecl::Tag::Variant: {
        std::vector<Case> cs;
        for (const auto& c : d.cases) cs.push_back(Case{c.name, c.type ? resolve(*c.type) : nullptr});
        return variant_type(d.name, std::move(cs));
      }
      case TypeDecl::Tag::Enum: return enum_type(d.name, d.labels);
      case TypeDecl::Tag::Flags: return flags_type(d.name, d.labels);
      case TypeDecl::Tag::Alias: return resolve(d.alias);
      case TypeDecl::Tag::Resource: return resource_type(d.name);
    }
    fail(d.pos, "unknown type declaration");
  }

  Resolver* resolver_;
  std::string what_;
  std::map<std::string, const TypeDecl*> decls_;
  std::map<std::string, TypePtr> done_;
  std::set<std::string> busy_;
  std::vector<std::string> order_;
};

class Resolver {
 public:
  explicit Resolver(const PackageDecl* pkg) : pkg_(pkg) {}

  std::string package_name() const {
    if (!pkg_ || (pkg_->ns.empty() && pkg_->name.empty())) return "";
    return pkg_->ns + ":" + pkg_->name + (pkg_->version.empty() ? "" : "@" + pkg_->version);
  }

  // Expands top-level `use a:b/c as x;` aliases and tells whether the path is in this package.
  UsePath canonical(const UsePath& p) const {
    if (p.package.empty() && pkg_) {
      for (const auto& u : pkg_->uses) {
        if (u.as == p.name) {
          UsePath q = u.path;
          q.pos = p.pos;
          return q;
        }
      }
    }
    return p;
  }

  bool is_local(const UsePath& p) const {
    if (p.package.empty()) return true;
    if (!pkg_) return false;
    return p.package == pkg_->ns + ":" + pkg_->name && (p.version.empty() || p.version == pkg_->version);
  }

  const InterfaceDecl* find_decl(const std::string& name) const {
    if (!pkg_) return nullptr;
    for (const auto& i : pkg_->interfaces) {
      if (i.name == name) return &i;
    }
    return nullptr;
  }

  std::shared_ptr<const Interface> interface(const std::string& name, Pos at) {
    if (auto it = ifaces_.find(name); it != ifaces_.end()) return it->second;
    const InterfaceDecl* d = find_decl(name);
    if (!d) fail(at, fmt::format("unknown interface '{}'", name));
    if (busy_.count(name)) fail(at, fmt::format("interface '{}' uses itself (cyclic use)", name));
    busy_.insert(name);
    auto iface = build_interface(*d, package_name());
    busy_.erase(name);
    ifaces_[name] = iface;
    return iface;
  }

  std::shared_ptr<const Interface> build_interface(const InterfaceDecl& d, const std::string& package) {
    Scope scope(this, fmt::format("interface '{}'", d.name));
    scope.add_uses(d.uses);
    scope.add_decls(d.types);
    auto iface = std::make_shared<Interface>();
    iface->name = d.name;
    iface->package = package;
    iface->types = scope.typedefs();
    iface->functions = scope.functions(d.types, d.funcs);
    return iface;
  }

  TypePtr used_type(const UsePath& raw, const UseName& n) {
    UsePath p = canonical(raw);
    if (!is_local(p)) return unresolved_type(n.name, p.text());
    auto iface = interface(p.name, p.pos);
    const TypeDef* t = iface->find_type(n.name);
    if (!t) fail(n.pos, fmt::format("interface '{}' has no type '{}'", p.name, n.name));
    return t->type;
  }

  World world(const WorldDecl& w) {
    if (auto it = worlds_.find(w.name); it != worlds_.end()) return it->second;
    if (wbusy_.count(w.name)) fail(w.pos, fmt::format("world '{}' includes itself", w.name));
    wbusy_.insert(w.name);
    World out;
    out.name = w.name;
    Scope scope(this, fmt::format("world '{}'", w.name));
    scope.add_uses(w.uses);
    scope.add_decls(w.types);
    out.types = scope.typedefs();
    for (const auto& e : w.externs) {
      WorldItem item;
      switch (e.tag) {
        case ExternDecl::Tag::Path: {
          UsePath p = canonical(e.path);
          if (is_local(p)) {
            item.iface = interface(p.name, p.pos);
            item.name = item.iface->qualified_name();
          } else {
            item.name = p.text();
          }
          break;
        }
        case ExternDecl::Tag::Func:
          item.kind = WorldItem::Kind::Function;
          item.name = e.name;
          item.func = scope.func(e.func);
          break;
        case ExternDecl::Tag::Inline:
          item.name = e.name;
          item.iface = build_interface(e.inline_iface, "");
          break;
      }
      auto& list = e.is_import ? out.imports : out.exports;
      for (const auto& other : list) {
        if (other.name == item.name) {
          fail(e.pos, fmt::format("world '{}' {}s '{}' twice", w.name, e.is_import ? "import" : "export", item.name));
        }
      }
      list.push_back(std::move(item));
    }
    for (const auto& inc : w.includes) {
      UsePath p = canonical(inc);
      const WorldDecl* local = nullptr;
      if (is_local(p) && pkg_) {
        for (const auto& o : pkg_->worlds) {
          if (o.name == p.name) local = &o;
        }
      }
      if (!local) {
        if (is_local(p)) fail(p.pos, fmt::format("unknown world '{}' in include", p.name));
        out.includes.push_back(p.text());
        continue;
      }
      World sub = world(*local);
      auto merge = [](std::vector<WorldItem>& into, const std::vector<WorldItem>& from) {
        for (const auto& i : from) {
          bool dup = false;
          for (const auto& j : into) dup = dup || j.name == i.name;
          if (!dup) into.push_back(i);
        }
      };
      merge(out.imports, sub.imports);
      merge(out.exports, sub.exports);
      for (auto& s : sub.includes) out.includes.push_back(s);
    }
    wbusy_.erase(w.name);
    worlds_[w.name] = out;
    return out;
  }

 private:
  const PackageDecl* pkg_;
  std::map<std::string, std::shared_ptr<const Interface>> ifaces_;
  std::set<std::string> busy_;
  std::map<std::string, World> worlds_;
  std::set<std::string> wbusy_;
};

void Scope::add_uses(const std::vector<UseDecl>& uses) {
  for (const auto& u : uses) {
    for (const auto& n : u.names) add_used(n.as, resolver_->used_type(u.path, n), n.pos);
  }
}

template <typename F>
auto guarded(F&& f) -> core::Result<decltype(f())> {
  try {
    return f();
  } catch (const ResolveError& e) {
    return core::invalid(e.message);
  }
}

}  // namespace

core::Result<Package> resolve_package(const PackageDecl& decl) {
  return guarded([&] {
    Resolver r(&decl);
    Package pkg;
    pkg.ns = decl.ns;
    pkg.name = decl.name;
    pkg.version = decl.version;
    std::set<std::string> names;
    for (const auto& i : decl.interfaces) {
      if (!names.insert(i.name).second) fail(i.pos, fmt::format("interface '{}' is defined twice", i.name));
      pkg.interfaces.push_back(r.interface(i.name, i.pos));
    }
    for (const auto& w : decl.worlds) {
      if (!names.insert(w.name).second) fail(w.pos, fmt::format("world '{}' clashes with another item of that name", w.name));
      pkg.worlds.push_back(r.world(w));
    }
    return pkg;
  });
}

core::Result<FunctionSet> resolve_functions(const InterfaceDecl& decl) {
  return guarded([&] {
    Resolver r(nullptr);
    Scope scope(&r, "the wit text");
    scope.add_uses(decl.uses);
    scope.add_decls(decl.types);
    FunctionSet set;
    set.types = scope.typedefs();
    set.functions = scope.functions(decl.types, decl.funcs);
    return set;
  });
}

core::Result<TypePtr> resolve_type(const TypeExpr& expr, const std::vector<TypeDef>& defs) {
  return guarded([&] {
    Resolver r(nullptr);
    Scope scope(&r, "the type");
    for (const auto& d : defs) scope.add_used(d.name, d.type, Pos{});
    return scope.resolve(expr);
  });
}

}  // namespace wirt::component::ast
