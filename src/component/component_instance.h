// wirt::component::ComponentInstance — a running component: one wasm::Instance per core
// instance of the LinkPlan, the canon adapters between them and the host, and a resource table.
//
// call(): the export is `canon lift`ed (CanonicalABI.md "canon lift"): the Lua-view arguments
// are lowered into guest memory with the export's memory/realloc/string-encoding, the core
// function runs, its results are lifted into one Value (a top-level result<T,E> comes back as
// the lifted `{ok=v}`/`{err=e}`: the caller splits it, see canonical_abi.h split_result), then
// the export's post-return runs.
// Guest → host (CanonicalABI.md "canon lower"): a lowered import lifts the guest's flat
// arguments, translates host-resource handles to the host's representations, calls the
// HostImplementation (with a HostCall carrying `user_data`), translates own<R> results into new
// handles and lowers the result (through the guest's realloc when needed).
// Unresolved host imports do not fail create(); calling one fails the call with
//   unresolved import <iface>#<func>: add "<group>" to imports:
// (group from HostImports::group_for_unresolved; without one: "…: no host provides it").
// Unresolved `[resource-drop]…` imports and resource.drop of a host resource without a drop
// implementation are no-ops.
//
// reset(): fresh guest state for the next call (each core instance is re-instantiated in place,
// in plan order, so the fixup module refills the shim's table), and the resource table is
// emptied (host drop implementations are called for host resources still lent to the guest).
//
// Thread-safety: one call at a time, on one thread/fiber (a call may suspend inside a host
// function and resume later). call() while a call is running on the same instance (re-entry
// from a host function) fails. Different instances of one Component are independent.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "component/component.h"
#include "component/resources.h"
#include "core/result.h"
#include "core/value.h"
#include "wasm/instance.h"

namespace wirt::component {

class ComponentInstance {
 public:
  static core::Result<std::unique_ptr<ComponentInstance>> create(std::shared_ptr<Component> component,
                                                                 const HostImports& imports,
                                                                 const wasm::Limits& limits = {});
  ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  // Lua-view Values in and out (DESIGN §1.3). NotFound for an unknown export; Invalid for a wrong
  // argument count or values that do not fit the parameter types.
  core::Result<core::Value> call(std::string_view export_name, const core::Array& args);
  core::Result<core::Value> call(int export_index, const core::Array& args);
  // For host code in C++ that hands host resources to an export (e.g. wasi:http's
  // handle(own<incoming-request>, own<response-outparam>)): each own<R> argument of a host
  // resource R is the host's representation (an Int); it becomes a new handle in this instance's
  // table, owned by the guest from then on (CanonicalABI.md "lower_own"). Other arguments as
  // call(). Invalid when a handle argument's resource is not a host resource of this component.
  core::Result<core::Value> call_lending(int export_index, core::Array args);

  core::Status reset(int64_t deadline_ns = 0);  // see wasm::Instance::reset
  void release_idle_memory();                   // see wasm::Instance::release_idle_memory

  const Component& component() const { return *component_; }
  ResourceTable& resources() { return resources_; }
  // The engine instance of core instance `i` of the plan (tests, diagnostics).
  wasm::Instance* core_instance(size_t i) { return i < cores_.size() ? cores_[i].get() : nullptr; }

  // Passed to host implementations through HostCall::user_data.
  void* user_data = nullptr;

 private:
  // Drops the host resources the guest still owns (best effort: its state is discarded next).
  void drop_resources();
  struct Runtime;  // per-instance resolved adapters (component_instance.cc)
  ComponentInstance() = default;
  core::Status instantiate_cores();
  core::Result<core::Value> call_impl(int export_index, const core::Array& args, bool handles_as_ints);

  std::shared_ptr<Component> component_;
  HostImports imports_;
  wasm::Limits limits_;
  std::vector<std::unique_ptr<wasm::Instance>> cores_;
  std::unique_ptr<Runtime> rt_;
  ResourceTable resources_;
  bool in_call_ = false;
};

}  // namespace wirt::component
