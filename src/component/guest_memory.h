// wirt::component — the guest linear memory as the canonical ABI sees it (CanonicalABI.md
// "Canonical Options": `memory` and `realloc`).
//
// The WASM engine implements GuestMemory for an instance (its exported memory and
// `cabi_realloc`); tests implement it over a std::vector. data() and size() may change after
// realloc() (the guest may run memory.grow), so lifting/lowering never keeps a data() pointer
// across a realloc call and re-checks bounds against size() on every access.
//
// Thread-safety: an implementation is used by one thread at a time (the one running the call).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/result.h"

namespace wirt::component {

class GuestMemory {
 public:
  virtual ~GuestMemory();
  virtual uint8_t* data() = 0;
  virtual size_t size() = 0;
  // The guest's `cabi_realloc(old_ptr, old_size, align, new_size)`; (0, 0, align, n) allocates.
  // An error (kind Internal, e.g. a trap inside realloc) aborts the lowering.
  virtual core::Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) = 0;
};

}  // namespace wirt::component
