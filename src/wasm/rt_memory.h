// Linear memories and tables for generated code (part of wirt's wasm-rt implementation).
//
// Guard mode reserves 8 GiB + 64 KiB of address space per memory (PROT_NONE) and makes the
// first `pages` readable/writable: any 32-bit address plus 32-bit offset lands inside the
// reservation, so generated code needs no bounds checks and out-of-bounds accesses fault
// (turned into traps by runtime.cc). Explicit mode maps exactly the memory's size and relies
// on the bounds checks compiled into the module.
//
// Thread safety: the functions operate on the memory/table object they are given, which
// belongs to one instance (one thread at a time). The allocation policy is thread-local and
// set by the instance around instantiation.
#pragma once

#include <cstdint>
#include <vector>

#include "wasm/rt_abi_cxx.h"

namespace wirt::wasm::rt {

inline constexpr uint64_t kPageSize = 65536;
inline constexpr uint64_t kGuardReservation = (uint64_t(1) << 33) + kPageSize;
// wasm2c 1.0.32 keeps the byte size in 32 bits.
inline constexpr uint32_t kMaxPages = 65535;
inline constexpr uint32_t kMaxTableElements = 10'000'000;

// Total table bytes of one instance when it has no max_memory_mb (40 tables grown to 10 M
// elements each used to take 9.6 GB).
inline constexpr uint64_t kDefaultTableBudget = uint64_t(256) << 20;

// How an instance's memories and tables are allocated, and what they cost. Owned by the
// instance; the one in effect lives in the thread's rt::ThreadState (set by Instance::invoke
// and ScopedMemoryPolicy). ThreadState is saved and restored around every host import, so a
// start function that suspends its fiber cannot leave another instance's policy in effect or
// a dangling one behind (a thread_local used to).
struct MemoryPolicy {
  bool guard = true;
  uint32_t limit_pages = 0;                     // 0 = none
  std::vector<wasm_rt_memory_t>* recycle = nullptr;  // freed memories parked for reuse
  // What the instance allocated since its last (re-)instantiation. Growth of memory or tables
  // fails (memory.grow / table.grow return -1) when memory plus table growth would pass
  // limit_pages, so tables count toward max_memory_mb; the tables a module declares are free
  // (a module that fits its limit keeps fitting it).
  uint64_t memory_bytes = 0;
  uint64_t table_bytes = 0;         // all tables (kDefaultTableBudget applies without a limit)
  uint64_t table_growth_bytes = 0;  // by table.grow
  // Set by Instance::reset when nothing can have written the parked memories since they were
  // cleared (Module::code_may_write_memory, memory never handed out): reuse skips clearing.
  bool skip_clear = false;
};
// Sets the thread's policy for the lifetime of the object (restoring the previous one).
class ScopedMemoryPolicy {
 public:
  explicit ScopedMemoryPolicy(MemoryPolicy* p);
  ~ScopedMemoryPolicy();
  ScopedMemoryPolicy(const ScopedMemoryPolicy&) = delete;
  ScopedMemoryPolicy& operator=(const ScopedMemoryPolicy&) = delete;

 private:
  MemoryPolicy* prev_;
};

// Whether an 8 GiB reservation succeeds right now (probe for BoundsChecks::Auto).
bool can_reserve_guard();
// Unmaps memories parked by a recycling free.
void release_memories(std::vector<wasm_rt_memory_t>* parked);

// The wasm-rt entry points (signatures of wirt_rt_api).
void allocate_memory(wasm_rt_memory_t* m, uint32_t initial_pages, uint32_t max_pages);
uint32_t grow_memory(wasm_rt_memory_t* m, uint32_t delta);
void free_memory(wasm_rt_memory_t* m);
void allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t elements, uint32_t max);
void free_funcref_table(wasm_rt_funcref_table_t* t);
uint32_t grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta,
                            const wasm_rt_funcref_t* init);
void allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t elements, uint32_t max);
void free_externref_table(wasm_rt_externref_table_t* t);
uint32_t grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta,
                              wasm_rt_externref_t init);

}  // namespace wirt::wasm::rt
