// Marks a shared object written by libtcc as not needing an executable stack.
//
// tcc 0.9.27 writes no PT_GNU_STACK program header, and glibc's dlopen takes an object without
// one as needing an executable stack: it then makes the stack of every thread of the process
// executable (seen as "rwxp [stack]" after loading a cached tier-1 object). wasm2c's C never
// needs one (no nested functions, no trampolines). The object's program header table has no
// spare slot, so a copy with a PT_GNU_STACK (read + write) entry is appended to the file and
// the ELF header pointed at it: glibc reads the table from the file and copies it when no
// segment maps it. Must run before the file is sealed (cache_file.h).
#pragma once

#include <string>

namespace wirt::wasm {

// False when the file is not a 64-bit little-endian ELF shared object or cannot be rewritten.
[[nodiscard]] bool mark_stack_not_executable(const std::string& path);

}  // namespace wirt::wasm
