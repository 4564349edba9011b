// Code: one loaded native translation of a module (tier 1 in libtcc memory, or a tier-2 .so).
//
// Immutable after load; shared (std::shared_ptr) by the module and every instance running it,
// so the machine code stays mapped while any instance uses it. Thread-safe to share.
#pragma once

#include <memory>
#include <string>

#include "wasm/rt_abi_cxx.h"

namespace wirt::wasm {

struct Code {
  const wirt_module_desc* desc = nullptr;
  int tier = 1;               // 1 = libtcc, 2 = system C compiler
  bool guard_pages = true;    // memories must be allocated in guard mode
  std::shared_ptr<void> keepalive;  // TCCState or dlopen handle
};

}  // namespace wirt::wasm
