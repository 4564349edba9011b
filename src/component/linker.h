// wirt::component — the link plan: a decoded component resolved into the list of core module
// instantiations and the canon adapters between them (Explainer.md "Instance Definitions",
// "Alias Definitions", "Canonical Definitions"; CanonicalABI.md "canon lift"/"canon lower").
//
// link_component() runs the component's definitions once, statically, in definition order —
// the way an engine "instantiates" a component, but producing a plan instead of instances:
//   * every `(core instance (instantiate M (with "n" (instance i))*))` becomes a
//     CoreInstancePlan that says, for each import of M, where it comes from: an export of an
//     earlier core instance, a lowered function, or a resource built-in. Inline export bundles
//     (`(core instance (export "n" (func f))*)`) are resolved away. This covers the shim/fixup
//     pattern of wit-component / `jco new` (a shim module exporting a funcref table `$imports`
//     and stub functions, a fixup module that imports the table and the real lowered functions
//     and fills the table from its element segment).
//   * `canon lower` → a LoweredPlan: the component-level function it calls (a host import by
//     interface/name, or a lifted function of a nested component) and its memory/realloc/encoding.
//   * `canon lift` → a LiftedPlan: the core export to call with its options and post-return.
//   * resources: one ResourcePlan per resource type used by resource.new/drop/rep or by an import
//     (host resources keep their interface and name, local ones their destructor).
//   * nested components are instantiated by running their definitions with the instantiation
//     arguments bound to their imports (their core instances join the same flat list).
// The plan is immutable and shared by all ComponentInstances of a Component.
//
// Not supported (a clear error at load): component-level start functions and values (🪙),
// importing core modules or components, exporting components, type imports of nested components
// that would need resource substitution checks.
//
// Thread-safety: link_component is reentrant; a LinkPlan is immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "component/binary_decoder.h"
#include "component/canonical_abi.h"
#include "component/types.h"
#include "core/result.h"
#include "wasm/module.h"
#include "wasm/types.h"

namespace wirt::component {

// A core item at run time.
struct CoreRef {
  enum class Kind : uint8_t { Export, Lowered, ResourceNew, ResourceDrop, ResourceRep };
  Kind kind = Kind::Export;
  uint32_t instance = 0;  // Export: index into LinkPlan::core_instances
  std::string name;       // Export: the core export name
  uint32_t index = 0;     // Lowered: index into LinkPlan::lowered; Resource*: into LinkPlan::resources
};

// Resolved canonical options (CanonicalABI.md "Canonical Options").
struct OptsPlan {
  StringEncoding encoding = StringEncoding::Utf8;
  std::optional<CoreRef> memory, realloc, post_return;
};

// A component-level function value.
struct FuncTarget {
  enum class Kind : uint8_t { Host, Lifted };
  Kind kind = Kind::Host;
  std::string iface;    // Host: the imported interface ("test:minimal/host@0.1.0"), "" for a plain func import
  std::string name;     // Host: the function's name in it ("add", "[method]counter.get")
  uint32_t lifted = 0;  // Lifted: index into LinkPlan::lifted
  std::shared_ptr<const FuncSig> sig;
  // "iface#name" or "name".
  std::string qualified() const { return iface.empty() ? name : iface + "#" + name; }
};

struct LoweredPlan {
  FuncTarget target;
  OptsPlan opts;
  wasm::FuncType core_type;  // flatten_function(sig, Lower)
};

struct LiftedPlan {
  CoreRef func;  // always Kind::Export
  OptsPlan opts;
  std::shared_ptr<const FuncSig> sig;
  size_t flat_params = 0, flat_results = 0;  // of the core function
};

struct ResourcePlan {
  TypePtr resource;               // the TypeKind::Resource object (identity)
  bool host = false;              // imported from the host (else defined by the guest)
  std::string iface, name;        // host: interface and resource name
  std::optional<CoreRef> dtor;    // guest: the destructor core func
};

struct CoreInstancePlan {
  uint32_t module = 0;  // index into the compiled modules
  struct Import {
    std::string module, name;
    wasm::ExternKind kind = wasm::ExternKind::Func;
    CoreRef ref;
  };
  // Imports satisfied item by item (from inline export bundles).
  std::vector<Import> imports;
  // Import module names satisfied by a whole earlier core instance (wasm::Linker::define_instance).
  std::vector<std::pair<std::string, uint32_t>> whole;
};

struct ExportPlan {
  std::string name;  // "compute", or "iface#func" for functions of exported instances
  FuncTarget func;
};

struct LinkPlan {
  std::vector<CoreInstancePlan> core_instances;
  std::vector<LoweredPlan> lowered;
  std::vector<LiftedPlan> lifted;
  std::vector<ResourcePlan> resources;
  std::vector<ExportPlan> exports;
  std::vector<FuncTarget> imports;  // every host function the component imports (Kind::Host)
};

// `modules[i]` is the compiled form of `decoded.modules[i]` (their imports/exports are used for
// resolution and type checks).
core::Result<LinkPlan> link_component(const bin::DecodedComponent& decoded,
                                      const std::vector<std::shared_ptr<wasm::Module>>& modules);

}  // namespace wirt::component
