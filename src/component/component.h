// wirt::component::Component — a loaded component: decoded (binary_decoder.h), its core modules
// compiled once through the engine, and linked into a LinkPlan (linker.h). Plus the host side:
// HostImports, the implementations of imported functions by interface name.
//
// Names (Explainer.md "Import and Export Definitions"): an exported function is "compute", a
// function of an exported interface "test-sleep#sleep-ms" (find_export also accepts the
// interface name without its @version). Host functions are keyed "ns:pkg/iface@ver#func" or,
// for plain function imports, "func"; resource functions keep the component model's names
// ("test:counter/host@0.1.0#[method]counter.get", "…#[resource-drop]counter").
//
// Version matching of host imports (DESIGN §1.5 "serving any guest 0.2.x"): a guest import
// `ns:pkg/iface@X` is served by the host key with the same name and version, else by the
// highest host version of that name with the same major (and, for 0.x, the same minor) version,
// else by a host key without a version. An unversioned guest import needs an unversioned key.
//
// Thread-safety: a Component is immutable after load() and may be shared (shared_ptr) by any
// number of ComponentInstances on any threads. HostImports is read-only once instances are
// created from it (it is copied into each instance).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/binary_decoder.h"
#include "component/linker.h"
#include "component/types.h"
#include "core/result.h"
#include "core/value.h"
#include "wasm/module.h"

namespace wirt::component {

class ComponentInstance;

// What a host implementation sees of the call in progress.
struct HostCall {
  ComponentInstance& instance;
  void* user_data;              // ComponentInstance::user_data (e.g. a per-call environment)
  const FuncTarget& function;   // iface, name, signature
};

// One host function. Arguments arrive lifted (the Lua view of DESIGN §1.3, see
// canonical_abi.h) except own/borrow handles of host resources, which arrive as the Int
// representation the host gave out (returning an Int for an own<R> result hands a new resource
// to the guest). The result is nil (no result), the value, or an Array for named results.
// An error return traps the guest: the export call fails with that error.
// Set `fn` or `fn_with_call` (preferred when both are set).
struct HostImplementation {
  std::function<core::Result<core::Value>(const core::Array& args)> fn;
  std::function<core::Result<core::Value>(HostCall& call, const core::Array& args)> fn_with_call;
};

class HostImports {
 public:
  // qualified_name: "test:minimal/host@0.1.0#add", "wasi:io/poll@0.2.0#[method]pollable.block",
  // or a plain function name ("log") for functions imported by the component directly.
  void add(std::string qualified_name, HostImplementation impl);
  // The implementation serving a guest import (version rules above), or nullptr.
  const HostImplementation* find(std::string_view iface, std::string_view func) const;
  // Names the `imports:` group that provides an interface (e.g. "wasi:io/poll@0.2.8" →
  // "wasi:poll"), for the message of a call to an unresolved import; "" when unknown.
  std::function<std::string(std::string_view iface)> group_for_unresolved;

 private:
  struct Entry {
    std::string base;     // "test:minimal/host" ("" for plain function names)
    std::string version;  // "0.1.0" or ""
    std::string func;
    HostImplementation impl;
  };
  std::vector<Entry> entries_;
};

struct ExportedFunc {
  std::string name;  // "compute", "test-sleep#sleep-ms"
  std::shared_ptr<const FuncSig> sig;
};

struct ImportedItem {
  std::string interface;  // "test:minimal/host@0.1.0", "" for a plain function import
  std::string name;       // "add"
  std::shared_ptr<const FuncSig> sig;
  std::string qualified() const { return interface.empty() ? name : interface + "#" + name; }
};

class Component {
 public:
  // Decodes, compiles every core module (CompileOptions.name gets "#core<N>" appended) and links.
  static core::Result<std::shared_ptr<Component>> load(std::span<const uint8_t> bytes,
                                                       const wasm::CompileOptions& options = {});
  // The same for bytes the caller gives up: the component keeps them (moved in, not copied;
  // 13 MB for a JavaScript component).
  static core::Result<std::shared_ptr<Component>> load(std::string bytes, const wasm::CompileOptions& options = {});

  std::vector<ExportedFunc> exports() const;
  std::vector<ImportedItem> imports() const;
  const FuncSig* find_export(std::string_view name) const;
  // Index into plan().exports, or -1.
  int export_index(std::string_view name) const;

  const LinkPlan& plan() const { return plan_; }
  const std::vector<std::shared_ptr<wasm::Module>>& modules() const { return modules_; }
  const bin::ComponentAst& ast() const { return *decoded_.root; }

 private:
  Component() = default;
  // decoded_ and the core modules refer into these bytes; the modules share them (not copied).
  std::shared_ptr<const std::string> bytes_;
  bin::DecodedComponent decoded_;
  std::vector<std::shared_ptr<wasm::Module>> modules_;
  LinkPlan plan_;
};

// "0.2.3" → (0, 2, 3); missing parts are 0; nullopt when not numeric.
std::optional<std::array<uint64_t, 3>> parse_semver(std::string_view v);

}  // namespace wirt::component
