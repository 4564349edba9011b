// Assembles the complete C text of a module: wirt's prelude + wasm2c's header and source
// (adapted) + the uniform glue (DESIGN §2.1 "Glue generated per module").
//
// The glue gives every export and import the one signature
//   void (*)(void* ctx, uint64_t* args, uint64_t* results)
// so the C++ side calls any export and serves any import without per-module C++. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasm/frontend.h"

namespace wirt::wasm {

// wasm2c 1.0.32's name mangling: [A-Za-z0-9_] kept except 'Z', every other byte "Z%02X".
std::string mangle_c_name(std::string_view name);

// The whole translation unit both tiers compile. `key` is embedded (and checked by the loader
// of cached tier-2 objects); `guard_pages` selects guard-page or explicit bounds checks.
std::string assemble_c(const Translation& t, bool guard_pages, std::string_view key);

}  // namespace wirt::wasm
