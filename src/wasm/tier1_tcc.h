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

// Tier-1 object cache for big modules (issue 11 item 4: the JS component took ~20 s on tier 1
// at every boot while its tier 2 was not cached): tcc links the module into a shared object kept
// as <cache_dir>/<key>.t1.so, sealed like tier-2 objects (cache_file.h), and later boots only
// dlopen it. tier1_key() derives the key from the module's tier-2 key and the object format.
std::string tier1_key(std::string_view tier2_key);
// True when an object is stored under `key` (not verified: load_tier1 does that).
bool tier1_cached(std::string_view key);
// NotFound when absent (or rejected: then it is removed, with a warning).
core::Result<std::shared_ptr<const Code>> load_tier1(std::string_view key, bool guard_pages,
                                                     std::string_view name);
// Compiles to an object, stores it, loads it; falls back to compile_tier1 when the cache
// cannot be written.
core::Result<std::shared_ptr<const Code>> compile_tier1_cached(const std::string& c_source,
                                                               std::string_view key, bool guard_pages,
                                                               std::string_view name);

}  // namespace wirt::wasm
