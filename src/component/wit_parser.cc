// Recursive-descent parser for WIT (component-model design/mvp/WIT.md; grammar productions are
// quoted beside the functions that implement them). Syntax only: names are resolved by
// wit_resolve.cc.
#include "component/wit_parser.h"

#include <fmt/format.h>

#include "component/wit_ast.h"
#include "component/wit_lexer.h"

namespace wirt::component {

namespace ast {
namespace {

// Parse errors unwind with this exception inside this file only; the entry points below catch
// it and return a core::Error (no exception ever leaves the parser).
struct ParseError {
  std::string message;
};

class Parser {
 public:
  Parser(std::vector<Token> toks, bool functions_mode) : toks_(std::move(toks)), functions_mode_(functions_mode) {}

  // file ::= package-decl? (toplevel-use-item | interface-item | world-item)*
  PackageDecl package() {
    PackageDecl pkg;
    skip_gates();
    if (at_kw("package")) {
      next();
      pkg.ns = ident("package namespace");
      expect(Tok::Colon, "':' in the package name");
      pkg.name = ident("package name");
      while (at(Tok::Colon)) {  // nested namespaces (WIT.md 🪺): fold into the namespace
        next();
        pkg.ns += ":" + pkg.name;
        pkg.name = ident("package name");
      }
      if (at(Tok::At)) {
        next();
        pkg.version = version();
      }
      if (at(Tok::LBrace)) fail(peek(), "package blocks (`package a:b { … }`) are not supported; use one package per document");
      expect(Tok::Semi, "';' after the package declaration");
    }
    for (;;) {
      skip_gates();
      if (at(Tok::End)) break;
      if (at_kw("interface")) {
        next();
        pkg.interfaces.push_back(interface_item());
      } else if (at_kw("world")) {
        next();
        pkg.worlds.push_back(world_item());
      } else if (at_kw("use")) {
        next();
        // toplevel-use-item ::= 'use' use-path ('as' id)? ';'
        TopUse u;
        u.path = use_path();
        u.as = u.path.name;
        if (at_kw("as")) {
          next();
          u.as = ident("name after 'as'");
        }
        expect(Tok::Semi, "';' after the use statement");
        pkg.uses.push_back(std::move(u));
      } else if (at_kw("package")) {
        fail(peek(), "the package declaration must come first (and only once)");
      } else {
        fail(peek(), fmt::format("expected 'interface', 'world' or 'use', found {}", describe_token(peek())));
      }
    }
    return pkg;
  }

  // The body of a `wit:` text: interface-items up to the end of input.
  InterfaceDecl functions() {
    InterfaceDecl iface;
    interface_items(iface, /*until_end=*/true);
    return iface;
  }

  TypeExpr single_type() {
    TypeExpr t = type();
    if (!at(Tok::End)) fail(peek(), fmt::format("unexpected {} after the type", describe_token(peek())));
    return t;
  }

 private:
  // ---- token helpers ----
  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool at(Tok k) const { return peek().kind == k; }
  bool at_kw(std::string_view kw, size_t k = 0) const {
    const Token& t = peek(k);
    return t.kind == Tok::Ident && !t.escaped && t.text == kw;
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  [[noreturn]] void fail(const Token& at, std::string msg) const {
    throw ParseError{fmt::format("{}:{}: {}", at.line, at.col, msg)};
  }
  const Token& expect(Tok k, std::string_view what) {
    if (!at(k)) fail(peek(), fmt::format("expected {}, found {}", what, describe_token(peek())));
    return next();
  }
  Pos pos() const { return Pos{peek().line, peek().col}; }

  // id ::= '%'? [a-z][0-9a-z]*('-' ...)*  (WIT.md "Identifiers")
  std::string ident(std::string_view what) {
    const Token& t = peek();
    if (t.kind != Tok::Ident) fail(t, fmt::format("expected {}, found {}", what, describe_token(t)));
    for (size_t i = 0; i < t.text.size(); ++i) {
      // every kebab word must start with a letter ("a-1" is not an identifier)
      if (t.text[i] == '-' && i + 1 < t.text.size() && t.text[i + 1] >= '0' && t.text[i + 1] <= '9') {
        fail(t, fmt::format("invalid identifier '{}': each '-'-separated word must start with a letter", t.text));
      }
    }
    return next().text;
  }

  // Accepts the final ';' of a declaration; in a `wit:` text it may be missing at the very end.
  void end_decl(std::string_view what) {
    if (functions_mode_ && at(Tok::End)) return;
    expect(Tok::Semi, fmt::format("';' after {}", what));
  }

  // gate ::= ('@since(...)' | '@unstable(...)' | '@deprecated(...)')*  — recorded nowhere.
  void skip_gates() {
    while (at(Tok::At)) {
      next();
      ident("a feature gate name after '@'");
      if (!at(Tok::LParen)) continue;
      next();
      int depth = 1;
      while (depth > 0) {
        if (at(Tok::End)) fail(peek(), "unterminated feature gate");
        if (at(Tok::LParen)) ++depth;
        if (at(Tok::RParen)) --depth;
        next();
      }
    }
  }

  // valid-semver, read as the run of touching tokens after '@' ("0.2.0-rc-2023-11-10+build").
  std::string version() {
    const Token& first = peek();
    if (first.kind != Tok::Integer) fail(first, fmt::format("expected a version after '@', found {}", describe_token(first)));
    std::string v = next().text;
    size_t end = first.end;
    for (;;) {
      const Token& t = peek();
      if (t.begin != end) break;
      if (t.kind == Tok::Dot) {
        const Token& after = peek(1);
        if (after.begin != t.end || (after.kind != Tok::Integer && after.kind != Tok::Ident)) break;
      } else if (t.kind != Tok::Integer && t.kind != Tok::Ident && t.kind != Tok::Minus && t.kind != Tok::Plus) {
        break;
      }
      v += t.text;
      end = t.end;
      next();
    }
    int dots = 0;
    for (char c : v) {
      if (c == '-' || c == '+') break;
      if (c == '.') ++dots;
    }
    if (dots != 2) fail(first, fmt::format("invalid version '{}': expected major.minor.patch", v));
    return v;
  }

  // use-path ::= id | id ':' id '/' id ('@' valid-semver)? | (id ':')+ id ('/' id)+ ('@' valid-semver)?
  UsePath use_path() {
    UsePath p;
    p.pos = pos();
    std::string first = ident("an interface name");
    if (!at(Tok::Colon)) {
      p.name = first;
      return p;
    }
    p.package = first;
    while (at(Tok::Colon)) {
      next();
      p.package += ":" + ident("a package name");
    }
    expect(Tok::Slash, "'/' after the package name");
    p.name = ident("an interface name");
    while (at(Tok::Slash)) {  // nested (🪺): keep the last segment as the name
      next();
      p.package += "/" + p.name;
      p.name = ident("an interface name");
    }
    if (at(Tok::At)) {
      next();
      p.version = version();
    }
    return p;
  }

  // use-item ::= 'use' use-path '.' '{' use-names-list '}' ';'
  UseDecl use_item() {
    UseDecl u;
    u.path = use_path();
    expect(Tok::Dot, "'.' after the interface in a use statement");
    expect(Tok::LBrace, "'{' to start the list of used names");
    while (!at(Tok::RBrace)) {
      UseName n;
      n.pos = pos();
      n.name = ident("a type name");
      n.as = n.name;
      if (at_kw("as")) {
        next();
        n.as = ident("a name after 'as'");
      }
      u.names.push_back(std::move(n));
      if (!at(Tok::Comma)) break;
      next();
    }
    expect(Tok::RBrace, "'}' or ',' in the list of used names");
    end_decl("the use statement");
    return u;
  }

  // interface-item ::= gate 'interface' id '{' interface-items* '}'
  InterfaceDecl interface_item() {
    InterfaceDecl iface;
    iface.pos = pos();
    iface.name = ident("an interface name");
    expect(Tok::LBrace, "'{' after the interface name");
    interface_items(iface, /*until_end=*/false);
    expect(Tok::RBrace, "'}' to close the interface");
    return iface;
  }

  bool at_typedef_kw() const {
    if (peek(1).kind == Tok::Colon) return false;  // `record: func()` is a function named record
    return at_kw("record") || at_kw("variant") || at_kw("enum") || at_kw("flags") || at_kw("type") ||
           at_kw("resource");
  }

  // interface-items ::= gate interface-definition
  // interface-definition ::= typedef-item | use-item | func-item
  void interface_items(InterfaceDecl& iface, bool until_end) {
    for (;;) {
      skip_gates();
      if (until_end ? at(Tok::End) : (at(Tok::RBrace) || at(Tok::End))) return;
      if (at_kw("use") && peek(1).kind != Tok::Colon) {
        next();
        iface.uses.push_back(use_item());
      } else if (at_typedef_kw()) {
        iface.types.push_back(typedef_item());
      } else if (peek().kind == Tok::Ident && peek(1).kind == Tok::Colon) {
        // func-item ::= id ':' func-type ';'
        FuncDecl f;
        f.pos = pos();
        f.name = ident("a function name");
        next();  // ':'
        func_type(f);
        end_decl(fmt::format("the declaration of function '{}'", f.name));
        iface.funcs.push_back(std::move(f));
      } else if (peek().kind == Tok::Ident) {
        fail(peek(), fmt::format("expected ':' after '{}' (a declaration is `name: func(...)`), found {}", peek().text,
                                 describe_token(peek(1))));
      } else {
        fail(peek(), fmt::format("expected a function or type declaration, found {}", describe_token(peek())));
      }
    }
  }

  // func-type ::= 'async'? 'func' param-list result-list
  // result-list ::= ϵ | '->' ty | '->' '(' named-type-list ')'   (the named form is pre-0.2 WIT)
  void func_type(FuncDecl& f) {
    if (at_kw("async")) {
      next();
      f.is_async = true;
    }
    if (!at_kw("func")) fail(peek(), fmt::format("expected 'func' after '{}:', found {}", f.name, describe_token(peek())));
    next();
    param_list(f.params, "parameter");
    if (at(Tok::Arrow)) {
      next();
      if (at(Tok::LParen)) {
        param_list(f.results, "result");
      } else {
        NamedType r;
        r.pos = pos();
        r.type = type();
        f.results.push_back(std::move(r));
      }
    }
  }

  // param-list ::= '(' named-type-list ')'; named-type ::= id ':' ty
  void param_list(std::vector<NamedType>& out, std::string_view what) {
    expect(Tok::LParen, "'(' to start the parameter list");
    while (!at(Tok::RParen)) {
      NamedType p;
      p.pos = pos();
      p.name = ident(fmt::format("a {} name", what));
      expect(Tok::Colon, fmt::format("':' after {} name '{}'", what, p.name));
      p.type = type();
      for (const auto& q : out) {
        if (q.name == p.name) throw ParseError{fmt::format("{}:{}: duplicate {} name '{}'", p.pos.line, p.pos.col, what, p.name)};
      }
      out.push_back(std::move(p));
      if (!at(Tok::Comma)) break;
      next();
    }
    expect(Tok::RParen, fmt::format("')' or ',' in the {} list", what));
  }

  // typedef-item ::= resource-item | variant-items | record-item | flags-items | enum-items | type-item
  TypeDecl typedef_item() {
    TypeDecl d;
    std::string kw = next().text;
    d.pos = pos();
    d.name = ident(fmt::format("a name after '{}'", kw));
    if (kw == "type") {
      // type-item ::= 'type' id '=' ty ';'
      d.tag = TypeDecl::Tag::Alias;
      expect(Tok::Eq, "'=' in the type alias");
      d.alias = type();
      end_decl(fmt::format("type '{}'", d.name));
      return d;
    }
    if (kw == "resource") {
      // resource-item ::= 'resource' id ';' | 'resource' id '{' resource-method* '}'
      d.tag = TypeDecl::Tag::Resource;
      if (at(Tok::Semi)) {
        next();
        return d;
      }
      if (functions_mode_ && at(Tok::End)) return d;
      expect(Tok::LBrace, "'{' or ';' after the resource name");
      while (!at(Tok::RBrace)) {
        skip_gates();
        if (at(Tok::RBrace)) break;
        FuncDecl f;
        f.pos = pos();
        if (at_kw("constructor") && peek(1).kind == Tok::LParen) {
          // resource-method ::= 'constructor' param-list ('->' ty)? ';'
          next();
          f.kind = FuncKind::Constructor;
          f.name = "constructor";
          param_list(f.params, "parameter");
          if (at(Tok::Arrow)) {
            next();
            NamedType r;
            r.pos = pos();
            r.type = type();
            f.results.push_back(std::move(r));
          }
        } else {
          // resource-method ::= func-item | id ':' 'static' func-type ';'
          f.name = ident("a method name");
          expect(Tok::Colon, fmt::format("':' after method name '{}'", f.name));
          f.kind = FuncKind::Method;
          if (at_kw("static")) {
            next();
            f.kind = FuncKind::Static;
          }
          func_type(f);
        }
        expect(Tok::Semi, fmt::format("';' after the declaration of '{}'", f.name));
        d.methods.push_back(std::move(f));
      }
      next();  // '}'
      return d;
    }
    expect(Tok::LBrace, fmt::format("'{{' after {} name '{}'", kw, d.name));
    if (kw == "record") {
      // record-item ::= 'record' id '{' record-fields '}'; record-field ::= id ':' ty
      d.tag = TypeDecl::Tag::Record;
      while (!at(Tok::RBrace)) {
        NamedType f;
        f.pos = pos();
        f.name = ident("a field name");
        expect(Tok::Colon, fmt::format("':' after field name '{}'", f.name));
        f.type = type();
        for (const auto& g : d.fields) {
          if (g.name == f.name) fail(peek(), fmt::format("duplicate field '{}' in record '{}'", f.name, d.name));
        }
        d.fields.push_back(std::move(f));
        if (!at(Tok::Comma)) break;
        next();
      }
      if (d.fields.empty()) fail(peek(), fmt::format("record '{}' must have at least one field", d.name));
    } else if (kw == "variant") {
      // variant-items ::= 'variant' id '{' variant-cases '}'; variant-case ::= id | id '(' ty ')'
      d.tag = TypeDecl::Tag::Variant;
      while (!at(Tok::RBrace)) {
        CaseDecl c;
        c.pos = pos();
        c.name = ident("a case name");
        if (at(Tok::LParen)) {
          next();
          c.type = type();
          expect(Tok::RParen, "')' after the case payload type");
        }
        for (const auto& o : d.cases) {
          if (o.name == c.name) fail(peek(), fmt::format("duplicate case '{}' in variant '{}'", c.name, d.name));
        }
        d.cases.push_back(std::move(c));
        if (!at(Tok::Comma)) break;
        next();
      }
      if (d.cases.empty()) fail(peek(), fmt::format("variant '{}' must have at least one case", d.name));
    } else {
      // enum-items ::= 'enum' id '{' enum-cases '}'; flags-items ::= 'flags' id '{' flags-fields '}'
      d.tag = kw == "enum" ? TypeDecl::Tag::Enum : TypeDecl::Tag::Flags;
      while (!at(Tok::RBrace)) {
        std::string l = ident(kw == "enum" ? "an enum case" : "a flag name");
        for (const auto& o : d.labels) {
          if (o == l) fail(toks_[pos_ - 1], fmt::format("duplicate name '{}' in {} '{}'", l, kw, d.name));
        }
        d.labels.push_back(std::move(l));
        if (!at(Tok::Comma)) break;
        next();
      }
      if (d.tag == TypeDecl::Tag::Enum && d.labels.empty()) fail(peek(), fmt::format("enum '{}' must have at least one case", d.name));
    }
    expect(Tok::RBrace, fmt::format("'}}' or ',' in {} '{}'", kw, d.name));
    return d;
  }

  // ty ::= u8 | … | string | tuple | list | option | result | handle | future | stream | id
  TypeExpr type() {
    // Bounds recursion on hostile input (`list<list<list<…>>>` nested thousands deep).
    struct DepthGuard {
      int& d;
      explicit DepthGuard(int& x) : d(x) { ++d; }
      ~DepthGuard() { --d; }
    } guard(depth_);
    if (depth_ > kMaxTypeDepth) fail(peek(), fmt::format("type nested deeper than {} levels", kMaxTypeDepth));
    TypeExpr t;
    t.pos = pos();
    const Token& tok = peek();
    if (tok.kind != Tok::Ident) fail(tok, fmt::format("expected a type, found {}", describe_token(tok)));
    next();
    if (tok.escaped) {
      t.tag = TypeExpr::Tag::Named;
      t.name = tok.text;
      return t;
    }
    const std::string& n = tok.text;
    if (TypePtr p = primitive_by_name(n)) {
      t.tag = TypeExpr::Tag::Prim;
      t.prim = p;
      return t;
    }
    if (n == "list") {
      t.tag = TypeExpr::Tag::List;
      expect(Tok::Lt, "'<' after 'list'");
      t.args.push_back(type());
      if (at(Tok::Comma)) fail(peek(), "fixed-length lists (`list<T, N>`) are not supported");
      expect(Tok::Gt, "'>' to close 'list<'");
    } else if (n == "option") {
      t.tag = TypeExpr::Tag::Option;
      expect(Tok::Lt, "'<' after 'option'");
      t.args.push_back(type());
      expect(Tok::Gt, "'>' to close 'option<'");
    } else if (n == "result") {
      // result ::= 'result' '<' ty ',' ty '>' | 'result' '<' '_' ',' ty '>' | 'result' '<' ty '>' | 'result'
      t.tag = TypeExpr::Tag::Result;
      if (at(Tok::Lt)) {
        next();
        if (at(Tok::Underscore)) {
          next();
          expect(Tok::Comma, "',' after '_' in 'result<_, E>'");
        } else {
          t.has_ok = true;
          t.args.push_back(type());
          if (at(Tok::Comma)) {
            next();
          } else {
            expect(Tok::Gt, "'>' or ',' in 'result<'");
            return t;
          }
        }
        t.has_err = true;
        t.args.push_back(type());
        expect(Tok::Gt, "'>' to close 'result<'");
      }
    } else if (n == "tuple") {
      t.tag = TypeExpr::Tag::Tuple;
      expect(Tok::Lt, "'<' after 'tuple'");
      while (!at(Tok::Gt)) {
        t.args.push_back(type());
        if (!at(Tok::Comma)) break;
        next();
      }
      expect(Tok::Gt, "'>' or ',' in 'tuple<'");
    } else if (n == "own" || n == "borrow") {
      t.tag = n == "own" ? TypeExpr::Tag::Own : TypeExpr::Tag::Borrow;
      expect(Tok::Lt, fmt::format("'<' after '{}'", n));
      t.name = ident("a resource name");
      expect(Tok::Gt, fmt::format("'>' to close '{}<'", n));
    } else if (n == "future" || n == "stream") {
      t.tag = n == "future" ? TypeExpr::Tag::Future : TypeExpr::Tag::Stream;
      if (at(Tok::Lt)) {
        next();
        t.args.push_back(type());
        expect(Tok::Gt, fmt::format("'>' to close '{}<'", n));
      }
    } else {
      t.tag = TypeExpr::Tag::Named;
      t.name = n;
    }
    return t;
  }

  // world-item ::= gate 'world' id '{' world-items* '}'
  WorldDecl world_item() {
    WorldDecl w;
    w.pos = pos();
    w.name = ident("a world name");
    expect(Tok::LBrace, "'{' after the world name");
    for (;;) {
      skip_gates();
      if (at(Tok::RBrace)) break;
      if (at(Tok::End)) fail(peek(), fmt::format("expected '}}' to close world '{}'", w.name));
      if (at_kw("import") || at_kw("export")) {
        w.externs.push_back(extern_item(next().text == "import"));
      } else if (at_kw("use")) {
        next();
        w.uses.push_back(use_item());
      } else if (at_kw("include")) {
        // include-item ::= 'include' use-path ';' | 'include' use-path 'with' '{' include-names-list '}'
        next();
        w.includes.push_back(use_path());
        if (at_kw("with")) fail(peek(), "`include … with { … }` renaming is not supported");
        expect(Tok::Semi, "';' after the include");
      } else if (at_typedef_kw()) {
        w.types.push_back(typedef_item());
      } else {
        fail(peek(), fmt::format("expected 'import', 'export', 'use', 'include' or a type definition in world '{}', found {}",
                                 w.name, describe_token(peek())));
      }
    }
    next();  // '}'
    return w;
  }

  // export-item ::= 'export' id ':' extern-type | 'export' use-path ';'  (import-item alike)
  // extern-type ::= func-type ';' | 'interface' '{' interface-items* '}'
  ExternDecl extern_item(bool is_import) {
    ExternDecl e;
    e.is_import = is_import;
    e.pos = pos();
    bool named = peek().kind == Tok::Ident && peek(1).kind == Tok::Colon &&
                 (at_kw("func", 2) || at_kw("async", 2) || at_kw("interface", 2));
    if (!named) {
      e.tag = ExternDecl::Tag::Path;
      e.path = use_path();
      expect(Tok::Semi, fmt::format("';' after {} '{}'", is_import ? "import" : "export", e.path.text()));
      return e;
    }
    e.name = ident("a name");
    next();  // ':'
    if (at_kw("interface")) {
      next();
      e.tag = ExternDecl::Tag::Inline;
      e.inline_iface.name = e.name;
      e.inline_iface.pos = e.pos;
      expect(Tok::LBrace, "'{' after 'interface'");
      interface_items(e.inline_iface, false);
      expect(Tok::RBrace, "'}' to close the interface");
      return e;
    }
    e.tag = ExternDecl::Tag::Func;
    e.func.name = e.name;
    e.func.pos = e.pos;
    func_type(e.func);
    expect(Tok::Semi, fmt::format("';' after the declaration of function '{}'", e.name));
    return e;
  }

  static constexpr int kMaxTypeDepth = int(component::kMaxTypeDepth);  // types.h
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool functions_mode_;
};

template <typename F>
auto run(std::string_view text, bool functions_mode, F&& f) -> core::Result<decltype(f(std::declval<Parser&>()))> {
  auto toks = tokenize(text, LexOptions{.allow_underscore = functions_mode});
  if (!toks) return std::move(toks).error();
  Parser p(std::move(*toks), functions_mode);
  try {
    return f(p);
  } catch (const ParseError& e) {
    return core::invalid(e.message);
  }
}

}  // namespace

core::Result<PackageDecl> parse_package_syntax(std::string_view text) {
  return run(text, false, [](Parser& p) { return p.package(); });
}

core::Result<InterfaceDecl> parse_functions_syntax(std::string_view text) {
  return run(text, true, [](Parser& p) { return p.functions(); });
}

core::Result<TypeExpr> parse_type_syntax(std::string_view text) {
  return run(text, false, [](Parser& p) { return p.single_type(); });
}

}  // namespace ast

core::Result<FunctionSet> parse_wit_functions(std::string_view text) {
  auto decl = ast::parse_functions_syntax(text);
  if (!decl) return std::move(decl).error();
  return ast::resolve_functions(*decl);
}

core::Result<Package> parse_wit_package(std::string_view text) {
  auto decl = ast::parse_package_syntax(text);
  if (!decl) return std::move(decl).error();
  return ast::resolve_package(*decl);
}

core::Result<TypePtr> parse_wit_type(std::string_view text, const std::vector<TypeDef>& scope) {
  auto expr = ast::parse_type_syntax(text);
  if (!expr) return std::move(expr).error();
  return ast::resolve_type(*expr, scope);
}

}  // namespace wirt::component
