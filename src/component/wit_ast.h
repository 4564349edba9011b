// wirt::component — internal syntax tree of a WIT document, between the recursive-descent parser
// (wit_parser.cc) and name resolution (wit_resolve.cc). Not part of the public API.
//
// Names are unresolved here: a TypeExpr can name a type declared later, in another interface, or
// in another package. Positions are kept for error messages. Plain data, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "component/types.h"
#include "component/wit_model.h"
#include "core/result.h"

namespace wirt::component::ast {

struct Pos {
  uint32_t line = 1, col = 1;
};

struct TypeExpr {
  enum class Tag { Prim, Named, List, Option, Result, Tuple, Own, Borrow, Future, Stream };
  Tag tag = Tag::Prim;
  Pos pos;
  TypePtr prim;                // Prim
  std::string name;            // Named, Own, Borrow
  std::vector<TypeExpr> args;  // List/Option: [T]; Future/Stream: [] or [T]; Tuple: elems;
                               // Result: [ok if has_ok][err if has_err]
  bool has_ok = false, has_err = false;
};

struct NamedType {
  std::string name;
  Pos pos;
  TypeExpr type;
};

struct CaseDecl {
  std::string name;
  Pos pos;
  std::optional<TypeExpr> type;
};

struct FuncDecl {
  std::string name;  // as written ("get"); the resolver builds "[method]r.get"
  Pos pos;
  FuncKind kind = FuncKind::Freestanding;
  bool is_async = false;
  std::vector<NamedType> params;
  std::vector<NamedType> results;  // a single unnamed result has an empty name
};

struct TypeDecl {
  enum class Tag { Record, Variant, Enum, Flags, Alias, Resource };
  Tag tag = Tag::Record;
  std::string name;
  Pos pos;
  std::vector<NamedType> fields;     // Record
  std::vector<CaseDecl> cases;       // Variant
  std::vector<std::string> labels;   // Enum, Flags
  TypeExpr alias;                    // Alias
  std::vector<FuncDecl> methods;     // Resource
};

// `name`, or `ns:pkg/name@version` (nested namespaces joined with ':').
struct UsePath {
  std::string package;  // "wasi:io" — empty for a name in the current package
  std::string name;     // interface (or world) name
  std::string version;
  Pos pos;
  std::string text() const {
    if (package.empty()) return name;
    return package + "/" + name + (version.empty() ? "" : "@" + version);
  }
};

struct UseName {
  std::string name;
  std::string as;  // local name (= name without `as`)
  Pos pos;
};

struct UseDecl {
  UsePath path;
  std::vector<UseName> names;
};

struct InterfaceDecl {
  std::string name;
  Pos pos;
  std::vector<UseDecl> uses;
  std::vector<TypeDecl> types;
  std::vector<FuncDecl> funcs;
};

struct ExternDecl {
  enum class Tag { Path, Func, Inline };
  Tag tag = Tag::Path;
  bool is_import = true;
  Pos pos;
  UsePath path;            // Path
  std::string name;        // Func, Inline
  FuncDecl func;           // Func
  InterfaceDecl inline_iface;  // Inline
};

struct WorldDecl {
  std::string name;
  Pos pos;
  std::vector<ExternDecl> externs;
  std::vector<UseDecl> uses;
  std::vector<TypeDecl> types;
  std::vector<UsePath> includes;
};

struct TopUse {
  UsePath path;
  std::string as;
};

struct PackageDecl {
  std::string ns, name, version;
  std::vector<InterfaceDecl> interfaces;
  std::vector<WorldDecl> worlds;
  std::vector<TopUse> uses;
};

// Syntax only (wit_parser.cc). Errors are kind Invalid, "line:col: message".
core::Result<PackageDecl> parse_package_syntax(std::string_view text);
// A `wit:` text: type definitions and function declarations (underscores allowed in names,
// missing final ';' tolerated), as the body of an anonymous interface.
core::Result<InterfaceDecl> parse_functions_syntax(std::string_view text);
core::Result<TypeExpr> parse_type_syntax(std::string_view text);

// Name resolution (wit_resolve.cc).
core::Result<Package> resolve_package(const PackageDecl& decl);
core::Result<FunctionSet> resolve_functions(const InterfaceDecl& decl);
core::Result<TypePtr> resolve_type(const TypeExpr& expr, const std::vector<TypeDef>& scope);

}  // namespace wirt::component::ast
