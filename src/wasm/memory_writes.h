// Whether a module's code can change its linear memory after instantiation, decided once at
// compile time so that Instance::reset can skip clearing a memory nothing could have written
// (issue 11 "fresh state at the cost of what a call touched").
//
// Stateless; thread-safe.
#pragma once

namespace wabt {
struct Module;
}

namespace wirt::wasm {

// True when any function body holds a memory-writing instruction (stores, atomics, SIMD lane
// stores, memory.fill/copy/init) or the module imports a function (a host function can write
// the memory through its Caller) or a memory (written from outside). Active data segments do
// not count: re-instantiation rewrites them with the same bytes. Conservative: an instruction
// it does not know how to look inside (try) counts as a write.
bool code_may_write_memory(const wabt::Module& module);

}  // namespace wirt::wasm
