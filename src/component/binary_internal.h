// Internal to the component binary decoder (binary_decoder.cc, binary_types.cc): the decoding
// state shared by the section readers and the type readers. Not a public API.
//
// Thread-safety: a Decoder is used by one thread for one decode_component() call.
#pragma once

#include <string>
#include <vector>

#include "component/binary_decoder.h"
#include "component/binary_reader.h"

namespace wirt::component::bin::detail {

// A scope for outer aliases and type indices (Binary.md "Alias Definitions": a scope is a
// component definition, a component type or an instance type).
struct Scope {
  enum class Kind : uint8_t { Component, ComponentType, InstanceType };
  Kind kind = Kind::Component;
  ComponentAst* ast = nullptr;             // Component scopes
  std::vector<TypeDefPtr> decl_types;      // declarator scopes: their own type index space
  uint32_t decl_core_types = 0;
  std::vector<std::shared_ptr<const InstanceType>> decl_instances;  // imports in component types
  std::vector<NamedExtern> decl_imports, decl_exports;

  std::vector<TypeDefPtr>& types() { return ast ? ast->types : decl_types; }
  uint32_t& core_types() { return ast ? ast->core_types : decl_core_types; }
};

class Decoder {
 public:
  explicit Decoder(const DecodeLimits& limits) : limits_(limits) {}

  core::Result<std::shared_ptr<ComponentAst>> component(BinaryReader& r, size_t depth);
  DecodedComponent& out() { return out_; }

  // ---- binary_types.cc ----
  core::Result<TypeDefPtr> deftype(BinaryReader& r, size_t depth);
  core::Result<TypePtr> valtype(BinaryReader& r);
  core::Result<TypeDefPtr> type_at(uint32_t index, size_t at, std::string_view what);
  core::Status core_type(BinaryReader& r, bool in_module_type);
  core::Result<ExternDesc> externtype(BinaryReader& r, const std::string& name);
  // `nameattributes` (Binary.md "Import and Export Definitions"): the externname.
  core::Result<std::string> extern_name(BinaryReader& r);
  Scope& scope() { return *scopes_.back(); }
  // Outer alias target scope (ct = 0 is the current one).
  core::Result<Scope*> outer(uint32_t ct, size_t at);

 private:
  friend class ScopeGuard;
  core::Status section(BinaryReader& r, uint8_t id, ComponentAst& ast, size_t depth);
  core::Status core_instance(BinaryReader& r, ComponentAst& ast);
  core::Status instance(BinaryReader& r, ComponentAst& ast);
  core::Status alias(BinaryReader& r, ComponentAst& ast);
  core::Status canon(BinaryReader& r, ComponentAst& ast);
  core::Status import_(BinaryReader& r, ComponentAst& ast);
  core::Status export_(BinaryReader& r, ComponentAst& ast);
  core::Result<SortIdx> sortidx(BinaryReader& r, const ComponentAst& ast);
  core::Result<CanonOpts> canon_opts(BinaryReader& r, const ComponentAst& ast);
  core::Status check_index(const BinaryReader& r, size_t at, SortIdx s, const ComponentAst& ast);
  void custom(BinaryReader& r, ComponentAst& ast);
  // Declarator bodies (Binary.md componenttype / instancetype).
  core::Result<std::shared_ptr<const InstanceType>> instance_type(BinaryReader& r, size_t depth);
  core::Result<std::shared_ptr<const ComponentType>> component_type(BinaryReader& r, size_t depth);
  core::Status decl(BinaryReader& r, Scope& s, bool component_type, size_t depth);
  core::Status decl_alias(BinaryReader& r, Scope& s);

  DecodeLimits limits_;
  DecodedComponent out_;
  std::vector<Scope*> scopes_;
};

class ScopeGuard {
 public:
  ScopeGuard(Decoder& d, Scope* s) : d_(d) { d_.scopes_.push_back(s); }
  ~ScopeGuard() { d_.scopes_.pop_back(); }

 private:
  Decoder& d_;
};

// FuncSig named as imported/exported ("[method]counter.get" → kind Method, resource counter).
std::shared_ptr<const FuncSig> named_sig(const FuncSig& sig, const std::string& name);
// Primitive for a primvaltype byte, or nullptr.
TypePtr primitive_for_code(uint8_t code);

}  // namespace wirt::component::bin::detail
