// wirt::component — the resolved model of a WIT document (component-model design/mvp/WIT.md
// "Item: interface", "Item: world", "Package declaration").
//
// Built by wit_parser.h. Everything is immutable after parsing and safe to share between
// threads; interfaces are shared through shared_ptr<const Interface>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "component/types.h"

namespace wirt::component {

// The functions of a core module's `wit:` text, with the types they declared.
struct FunctionSet {
  std::vector<TypeDef> types;
  std::vector<FuncSig> functions;

  // nullptr when there is no function of that name.
  const FuncSig* find(std::string_view name) const;
  // "a, b, c": the function names, for "callable exports are …" messages.
  std::string names() const;
};

struct Interface {
  std::string name;     // "host"; for an inline world interface, the extern name ("test-sleep")
  std::string package;  // "test:minimal@0.1.0" (empty for an inline world interface)
  std::vector<TypeDef> types;       // declared and `use`d types, in order
  std::vector<FuncSig> functions;   // freestanding and resource functions, in order

  const FuncSig* find(std::string_view name) const;
  const TypeDef* find_type(std::string_view name) const;
  // "ns:pkg/name@ver" ("name" for inline interfaces).
  std::string qualified_name() const;
};

struct WorldItem {
  enum class Kind { Interface, Function };
  Kind kind = Kind::Interface;
  // Interface: the interface name as the component names it — "wasi:cli/environment@0.2.3" for a
  // path, the plain name for `import name: interface {…}`. Function: the function name.
  std::string name;
  // The interface when this document defines it (a local interface or an inline one); nullptr
  // for an interface of another package (only its name is known).
  std::shared_ptr<const Interface> iface;
  FuncSig func;  // Kind::Function
};

struct World {
  std::string name;
  std::vector<WorldItem> imports;
  std::vector<WorldItem> exports;
  std::vector<TypeDef> types;           // types defined or `use`d at world level
  std::vector<std::string> includes;    // `include` paths of worlds not defined in this document

  const WorldItem* find_export(std::string_view name) const;
  const WorldItem* find_import(std::string_view name) const;
  // An exported function by name; "iface#func" looks inside an exported interface.
  const FuncSig* find_export_func(std::string_view name) const;
};

struct Package {
  std::string ns, name, version;  // "root", "component", "" for `package root:component;`
  std::vector<std::shared_ptr<const Interface>> interfaces;
  std::vector<World> worlds;

  // "ns:name@version" ("ns:name" without version; empty when no package declaration).
  std::string full_name() const;
  const Interface* find_interface(std::string_view name) const;
  const World* find_world(std::string_view name) const;
};

}  // namespace wirt::component
