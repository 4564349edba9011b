// What a module's code can change after instantiation, decided once at compile time so that
// Instance::reset does only the work a call can have made necessary (issue 11 "fresh state at
// the cost of what a call touched"): skip clearing a memory nothing could have written, and
// skip the whole reset when a call cannot change any guest state.
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

// True when code can change guest state other than memory contents: memory.grow (the size),
// global.set, any table instruction that writes (table.set/grow/fill/copy/init), elem.drop
// and data.drop (WebAssembly 2.0 §4.4.5–4.4.7: dropped segments are instance state), or an
// import of anything but a memory (a host function, or a table/global another instance can
// write). With this false and code_may_write_memory false, a call leaves the instance exactly
// as instantiation made it. Conservative like code_may_write_memory (try counts).
bool code_may_write_other_state(const wabt::Module& module);

}  // namespace wirt::wasm
