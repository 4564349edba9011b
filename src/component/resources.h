// wirt::component::ResourceTable — the per-component-instance handle table of
// CanonicalABI.md "Resource State" / "Handle Tables": handles are small positive integers
// (0 is never valid) naming an (own or borrowed) resource representation of one resource type.
//
// Used for resources the guest defines (`canon resource.new/rep/drop`) and for host resources
// lent to the guest (an own<R> returned by a host function gets a handle; a borrow/own passed
// back to the host is translated to the host's representation again).
//
// Also here: map_handles(), which walks a lifted/lowered Value by its Type and replaces every
// own/borrow handle (an Int, see CanonOptions::handles_as_ints) through a callback.
//
// Thread-safety: a table belongs to one ComponentInstance and is used by the thread running its
// current call only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "component/types.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::component {

class ResourceTable {
 public:
  struct Entry {
    uint32_t resource = 0;  // index into LinkPlan::resources
    uint32_t rep = 0;
    bool own = true;
  };

  // A new handle (≥ 1) for `rep`.
  uint32_t add(uint32_t resource, uint32_t rep, bool own = true);
  // The entry of a live handle of that resource type; Internal error ("canonical ABI: unknown
  // handle …") otherwise.
  core::Result<Entry> get(uint32_t handle, uint32_t resource) const;
  // Removes and returns it.
  core::Result<Entry> remove(uint32_t handle, uint32_t resource);
  // Every live entry (then the table is empty).
  std::vector<Entry> take_all();
  size_t live() const { return live_; }

 private:
  struct Slot {
    Entry e;
    bool used = false;
  };
  std::vector<Slot> slots_;  // slot i holds handle i + 1
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

// True when values of `t` can contain an own/borrow handle.
bool contains_handles(const Type& t);
// Replaces each handle Int inside `v` (shaped as the Lua view of `t`) by fn(handle type, value).
core::Status map_handles(const Type& t, core::Value& v,
                         const std::function<core::Result<int64_t>(const Type& handle, int64_t value)>& fn);

}  // namespace wirt::component
