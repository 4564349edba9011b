// wirt::component::bin — the decoded form of a component binary (component-model
// design/mvp/Binary.md; the concepts are Explainer.md's "Component Definitions").
//
// decode_component() reads every section of Binary.md ("Component Definitions"):
//   0 custom (the `component-name` name section is read when well-formed, otherwise ignored),
//   1 core module (kept as a byte view, compiled later by the linker), 2 core instance,
//   3 core type (function and module types; GC rec/sub types are rejected), 4 nested component
//   (decoded recursively), 5 instance, 6 alias (export / core export / outer), 7 type (defined
//   value types, func / component / instance / resource types), 8 canon (lift, lower,
//   resource.new/drop/rep; the async 🔀 and thread 🧵 built-ins and the `async`/`callback` options
//   are rejected with an error naming them), 9 start, 10 import, 11 export, 12 value (🪙, rejected).
// It builds the index spaces the way validation does ("each definition appends to its sort's
// index space") and converts every component value type into a `component::Type`
// (types.h) so the canonical ABI can lift/lower it. Outer aliases are resolved while decoding
// (a core module becomes its id in DecodedComponent::modules, a type its TypeDef, a component
// its ComponentAst), so a nested ComponentAst can be instantiated without its parents.
//
// Checks made here: structure, bounds, index ranges, the kind of every referenced definition
// (a `canon lift` type must be a func type, a valtype index a defined value type, own/borrow a
// resource…). Not checked (the linker or the engine catches what matters): subtyping of
// instantiation arguments, core module validity (the engine validates each module).
//
// Ownership: the result holds byte views into the input for the core modules; the caller keeps
// the input alive (Component copies the binary first). ComponentAst/TypeDef objects are
// immutable after decoding and shared through shared_ptr.
// Thread-safety: decode_component is reentrant; the result is immutable and shareable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/canonical_abi.h"
#include "component/types.h"
#include "core/result.h"

namespace wirt::component::bin {

// Binary.md "Instance Definitions": core:sort and sort.
enum class CoreSort : uint8_t {
  Func = 0x00, Table = 0x01, Memory = 0x02, Global = 0x03, Tag = 0x04,
  Type = 0x10, Module = 0x11, Instance = 0x12,
};
enum class Sort : uint8_t { Core, Func, Value, Type, Component, Instance };
std::string sort_name(Sort s, CoreSort core = CoreSort::Func);

struct SortIdx {
  Sort sort = Sort::Func;
  CoreSort core = CoreSort::Func;  // when sort == Core
  uint32_t index = 0;
};

struct InstanceType;
struct ComponentType;
struct ComponentAst;

// An entry of the component type index space (Binary.md "Type Definitions": deftype).
struct TypeDef {
  enum class Kind : uint8_t { Value, Func, Instance, Component, Resource };
  Kind kind = Kind::Value;
  TypePtr value;                                   // Value: the type; Resource: the resource
  std::shared_ptr<const FuncSig> func;             // Func (name empty: set where it is imported/exported)
  std::shared_ptr<const InstanceType> instance;    // Instance
  std::shared_ptr<const ComponentType> component;  // Component
  // Resource defined by this component (`resourcetype`, Binary.md): the destructor core func.
  bool local_resource = false;
  std::optional<uint32_t> dtor;
};
using TypeDefPtr = std::shared_ptr<const TypeDef>;
std::string_view type_kind_name(TypeDef::Kind k);

// The type of an import or export (Binary.md `externtype`).
struct ExternDesc {
  Sort sort = Sort::Func;  // Core means a core module
  TypeDefPtr type;         // Func/Type/Instance/Component: the type; Value, core module: null
};
struct NamedExtern {
  std::string name;
  ExternDesc desc;
};
// Explainer.md "Type Definitions": instance and component types, reduced to their interface.
struct InstanceType {
  std::vector<NamedExtern> exports;
  const NamedExtern* find(std::string_view name) const;
};
struct ComponentType {
  std::vector<NamedExtern> imports, exports;
};

// Binary.md "Canonical Definitions": canonopt.
struct CanonOpts {
  StringEncoding encoding = StringEncoding::Utf8;
  std::optional<uint32_t> memory, realloc, post_return;  // core memory / core func indices
};

struct CoreFuncDef {
  enum class Kind : uint8_t { AliasExport, Lower, ResourceNew, ResourceDrop, ResourceRep };
  Kind kind = Kind::AliasExport;
  uint32_t instance = 0;  // AliasExport: core instance index
  std::string name;       // AliasExport: export name
  uint32_t func = 0;      // Lower: component func index
  CanonOpts opts;         // Lower
  TypeDefPtr resource;    // resource built-ins: the resource type
};
// A core table, memory or global (only ever an alias of a core instance's export).
struct CoreItemDef {
  uint32_t instance = 0;
  std::string name;
};
struct CoreInlineExport {
  std::string name;
  CoreSort sort = CoreSort::Func;
  uint32_t index = 0;
};
struct CoreInstanceDef {
  bool instantiate = false;                                // else: inline exports
  uint32_t module = 0;                                     // core module index
  std::vector<std::pair<std::string, uint32_t>> args;      // (with name (instance i))
  std::vector<CoreInlineExport> exports;
};

struct FuncDef {
  enum class Kind : uint8_t { Import, AliasExport, Lift, Reexport };
  Kind kind = Kind::Import;
  uint32_t import = 0;      // Import: index into ComponentAst::imports
  uint32_t instance = 0;    // AliasExport: component instance index
  std::string name;         // AliasExport: export name
  uint32_t core_func = 0;   // Lift
  CanonOpts opts;           // Lift
  uint32_t target = 0;      // Reexport: the func index an export aliases
  std::shared_ptr<const FuncSig> sig;  // known for Import, Lift and aliases of typed instances
};
struct InstanceDef {
  enum class Kind : uint8_t { Import, Instantiate, Inline, AliasExport, Reexport };
  Kind kind = Kind::Import;
  uint32_t import = 0;
  uint32_t component = 0;                                  // Instantiate
  std::vector<std::pair<std::string, SortIdx>> items;      // Instantiate args / Inline exports
  uint32_t instance = 0;                                   // AliasExport
  std::string name;                                        // AliasExport
  uint32_t target = 0;                                     // Reexport
  std::shared_ptr<const InstanceType> type;                // when known (imports, typed aliases)
};
struct ComponentDef {
  enum class Kind : uint8_t { Nested, Import, AliasOuter, AliasExport, Reexport };
  Kind kind = Kind::Nested;
  std::shared_ptr<const ComponentAst> ast;  // Nested, AliasOuter
  uint32_t import = 0;
};
struct CoreModuleDef {
  enum class Kind : uint8_t { Defined, Import, AliasExport };
  Kind kind = Kind::Defined;
  uint32_t module_id = 0;  // Defined (incl. outer aliases): index into DecodedComponent::modules
};
struct Import {
  std::string name;
  ExternDesc desc;
};
struct Export {
  std::string name;
  SortIdx item;
  std::optional<ExternDesc> ascribed;
};

// One component (the root or a nested one) after decoding.
struct ComponentAst {
  std::string name;  // from the name section, when present
  std::vector<CoreModuleDef> core_modules;
  std::vector<CoreInstanceDef> core_instances;
  std::vector<CoreFuncDef> core_funcs;
  std::vector<CoreItemDef> core_tables, core_memories, core_globals;
  uint32_t core_types = 0;   // count only: core types matter only for module imports
  uint32_t core_tags = 0;
  std::vector<FuncDef> funcs;
  std::vector<InstanceDef> instances;
  std::vector<TypeDefPtr> types;
  std::vector<ComponentDef> components;
  uint32_t values = 0;
  std::vector<Import> imports;
  std::vector<Export> exports;
  // Core and component instance definitions in definition order (instantiation order).
  std::vector<SortIdx> instantiation_order;
  bool has_start = false;
};

struct DecodedComponent {
  std::shared_ptr<const ComponentAst> root;
  // Every core module of the root and all nested components, as views into the input.
  std::vector<std::span<const uint8_t>> modules;
  // Byte offset of each module in the input (messages).
  std::vector<size_t> module_offsets;
};

// True when `bytes` start with the component preamble (Binary.md "Component Definitions").
bool is_component(std::span<const uint8_t> bytes);

struct DecodeLimits {
  uint32_t max_nesting = 64;  // nested components / type declarators
};

core::Result<DecodedComponent> decode_component(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace wirt::component::bin
