// Tier 1: compiles a module's C in memory with libtcc (DESIGN §2.1 "Tier 1").
//
// libtcc 0.9.27 keeps global state, so every use is serialized by one process-wide mutex.
// It has no headers or runtime library installed here: the prelude (rt_prelude.h) declares
// what the code needs and the symbols (libc/libm and tcc's helper routines) are supplied with
// tcc_add_symbol. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "wasm/code.h"

namespace wirt::wasm {

core::Result<std::shared_ptr<const Code>> compile_tier1(const std::string& c_source,
                                                        bool guard_pages, std::string_view name);

}  // namespace wirt::wasm
