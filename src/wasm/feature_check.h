// Rejects module features that wasm2c 1.0.32 cannot translate (or that wirt does not run).
//
// wasm2c aborts the whole process on SIMD and refuses threads, tail calls and memory64, so every
// module is checked on the IR before the C writer sees it (engine-options.md §5). Stateless;
// thread-safe.
#pragma once

#include <string>

namespace wabt {
struct Module;
}

namespace wirt::wasm {

// Returns "" when the module is supported, else the name of the first unsupported feature
// found ("SIMD (v128)", "threads (shared memory / atomics)", "tail calls", "memory64",
// "multi-memory", "exception handling").
std::string find_unsupported_feature(const wabt::Module& module);

}  // namespace wirt::wasm
