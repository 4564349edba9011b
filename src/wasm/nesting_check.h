// Nesting limits checked by wirt itself before wabt's recursive parts see a module.
//
// wabt's WAT parser, wasm2c's C writer, wabt's IR destructor and tcc all recurse once (or a few
// times) per nested block; a module with 20,000 nested `block`s overflowed the stack (SIGSEGV
// at boot and in `wirt check`). These checks are linear scans without recursion, and a module
// rejected here becomes an Invalid error naming the limit. Stateless: thread-safe.
#pragma once

#include <string_view>

#include "core/result.h"

namespace wabt {
struct Module;
}

namespace wirt::wasm {

// Deepest accepted nesting of blocks/loops/ifs (and, in WAT, of parentheses). Real code stays
// far below it (compilers emit a few hundred levels for the largest switch statements); the
// recursive consumers use well under 1 KiB of stack per level, so even a 2 MiB fiber stack
// has room.
inline constexpr int kMaxBlockNesting = 1000;

// Scans WAT text (skipping comments and strings): parenthesis depth plus unfolded
// block/loop/if/try depth must stay within kMaxBlockNesting.
[[nodiscard]] core::Status check_wat_nesting(std::string_view text, std::string_view name);

// Block nesting of every function body of a module read from a binary (wabt's binary reader
// and validator are iterative). When it is too deep, the module's bodies are dismantled
// iteratively so that destroying it does not recurse either.
[[nodiscard]] core::Status check_ir_nesting(wabt::Module& module, std::string_view name);

}  // namespace wirt::wasm
