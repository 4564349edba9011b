#include "wasm/rt_memory.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "wasm/resident_pages.h"
#include "wasm/runtime.h"

namespace wirt::wasm::rt {
namespace {

MemoryPolicy* policy() { return thread_state().memory_policy; }

// Whether `more` bytes fit the instance's budget (max_memory_mb for memory and tables
// together; tables alone have kDefaultTableBudget without one).
// Whether growing memory or a table by `more` bytes keeps the instance within max_memory_mb
// (memory plus table growth; tables alone within kDefaultTableBudget without a limit).
bool fits(const MemoryPolicy* p, uint64_t more, bool table) {
  if (!p) return !table || more <= kDefaultTableBudget;
  if (p->limit_pages) return p->memory_bytes + p->table_growth_bytes + more <= uint64_t(p->limit_pages) * kPageSize;
  return !table || p->table_bytes + more <= kDefaultTableBudget;
}

enum class Charge { Memory, Table, TableGrowth };
void charge(uint64_t bytes, Charge what) {
  MemoryPolicy* p = policy();
  if (!p) return;
  if (what == Charge::Memory) {
    p->memory_bytes += bytes;
    return;
  }
  p->table_bytes += bytes;
  if (what == Charge::TableGrowth) p->table_growth_bytes += bytes;
}
uint8_t g_empty[16];  // data of 0-byte explicit-mode memories (never accessed)

uint32_t effective_max(uint32_t declared) {
  uint32_t max = std::min(declared, kMaxPages);
  if (MemoryPolicy* p = policy(); p && p->limit_pages) max = std::min(max, p->limit_pages);
  return max;
}

// Zeroes a parked guard memory (unless `clear` is false: nothing wrote it) and sizes it to
// `pages`.
bool reuse_guarded(wasm_rt_memory_t* m, uint32_t pages, bool clear) {
  uint64_t want = uint64_t(pages) * kPageSize, have = m->size;
  uint64_t keep = std::min(want, have);
  // One wasm page (16 OS pages) is cleared faster by memset than the kernel finds what to
  // clear: bench/calls add_store took 730 ns a call with memset, 1,535 ns with the
  // PAGEMAP_SCAN ioctl (~1 µs of fixed cost).
  if (clear && keep <= kPageSize)
    std::memset(m->data, 0, keep);
  else if (clear)
    zero_resident(m->data, keep);
  if (have > want) {
    madvise(m->data + want, have - want, MADV_DONTNEED);
    mprotect(m->data + want, have - want, PROT_NONE);
  } else if (want > have) {
    if (mprotect(m->data + have, want - have, PROT_READ | PROT_WRITE) != 0) return false;
  }
  m->pages = pages;
  m->size = uint32_t(want);
  return true;
}

}  // namespace

ScopedMemoryPolicy::ScopedMemoryPolicy(MemoryPolicy* p) : prev_(thread_state().memory_policy) {
  thread_state().memory_policy = p;
}
ScopedMemoryPolicy::~ScopedMemoryPolicy() { thread_state().memory_policy = prev_; }

bool can_reserve_guard() {
  void* p = mmap(nullptr, kGuardReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return false;
  munmap(p, kGuardReservation);
  return true;
}

void release_memories(std::vector<wasm_rt_memory_t>* parked) {
  for (auto& m : *parked)
    if (m.reserved) munmap(m.data, m.reserved);
  parked->clear();
}

void allocate_memory(wasm_rt_memory_t* m, uint32_t initial, uint32_t declared_max) {
  int prev = leave_guest();
  uint32_t max = effective_max(declared_max);
  MemoryPolicy* t_policy = policy();
  bool guard = !t_policy || t_policy->guard;
  if (initial > max) {
    trap_with(core::invalid(fmt::format(
        "linear memory needs {} pages initially, above the limit of {} pages", initial, max)));
  }
  uint64_t bytes = uint64_t(initial) * kPageSize;
  *m = wasm_rt_memory_t{};
  m->max_pages = max;
  m->guarded = guard;
  if (guard) {
    if (t_policy && t_policy->recycle && !t_policy->recycle->empty()) {
      wasm_rt_memory_t parked = t_policy->recycle->back();
      t_policy->recycle->pop_back();
      if (reuse_guarded(&parked, initial, !t_policy->skip_clear)) {
        parked.max_pages = max;
        *m = parked;
        charge(bytes, Charge::Memory);
        reenter_guest(prev);
        return;
      }
      munmap(parked.data, parked.reserved);
    }
    void* p = mmap(nullptr, kGuardReservation, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      trap_with(core::unavailable(
          "cannot reserve 8 GiB of address space for a linear memory (too many live instances; "
          "compile with explicit bounds checks)"));
    if (bytes && mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) {
      munmap(p, kGuardReservation);
      trap_with(core::unavailable("cannot commit linear memory"));
    }
    m->data = static_cast<uint8_t*>(p);
    m->reserved = kGuardReservation;
  } else if (bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) trap_with(core::unavailable("cannot allocate linear memory"));
    m->data = static_cast<uint8_t*>(p);
    m->reserved = bytes;
  } else {
    m->data = g_empty;
  }
  m->pages = initial;
  m->size = uint32_t(bytes);
  charge(bytes, Charge::Memory);
  reenter_guest(prev);
}

// memory.grow (WebAssembly 2.0 §4.4.7): the old size in pages, or -1 when the new size is
// above the maximum (module's, the instance limit's, or wasm2c's 65535-page cap).
uint32_t grow_memory(wasm_rt_memory_t* m, uint32_t delta) {
  uint64_t new_pages = uint64_t(m->pages) + delta;
  if (new_pages > m->max_pages) return UINT32_MAX;
  uint32_t old = m->pages;
  if (delta == 0) return old;
  int prev = leave_guest();
  uint64_t old_bytes = m->size, new_bytes = new_pages * kPageSize;
  uint32_t result = old;
  if (!fits(policy(), new_bytes - old_bytes, /*table=*/false)) {
    result = UINT32_MAX;  // the instance's tables use part of max_memory_mb
  } else if (m->guarded) {
    if (mprotect(m->data + old_bytes, new_bytes - old_bytes, PROT_READ | PROT_WRITE) != 0)
      result = UINT32_MAX;
  } else if (m->reserved == 0) {
    void* p = mmap(nullptr, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      result = UINT32_MAX;
    } else {
      m->data = static_cast<uint8_t*>(p);
      m->reserved = new_bytes;
    }
  } else {
    void* p = mremap(m->data, m->reserved, new_bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
      result = UINT32_MAX;
    } else {
      m->data = static_cast<uint8_t*>(p);
      m->reserved = new_bytes;
    }
  }
  if (result != UINT32_MAX) {
    m->pages = uint32_t(new_pages);
    m->size = uint32_t(new_bytes);
    charge(new_bytes - old_bytes, Charge::Memory);
  }
  reenter_guest(prev);
  return result;
}

void free_memory(wasm_rt_memory_t* m) {
  MemoryPolicy* t_policy = policy();
  if (m->reserved) {
    if (m->guarded && t_policy && t_policy->recycle)
      t_policy->recycle->push_back(*m);
    else
      munmap(m->data, m->reserved);
  }
  *m = wasm_rt_memory_t{};
}

template <typename Table, typename Elem>
void allocate_table(Table* t, uint32_t elements, uint32_t max) {
  int prev = leave_guest();
  if (elements > kMaxTableElements)
    trap_with(core::unavailable(fmt::format("table of {} elements is too large", elements)));
  t->data = static_cast<Elem*>(std::calloc(std::max<uint32_t>(elements, 1), sizeof(Elem)));
  if (!t->data) trap_with(core::unavailable("cannot allocate table"));
  charge(uint64_t(elements) * sizeof(Elem), Charge::Table);
  t->size = elements;
  t->max_size = max;
  reenter_guest(prev);
}

template <typename Table, typename Elem>
uint32_t grow_table(Table* t, uint32_t delta, const Elem& init) {
  uint64_t new_size = uint64_t(t->size) + delta;
  if (new_size > t->max_size || new_size > kMaxTableElements) return UINT32_MAX;
  uint32_t old = t->size;
  if (delta == 0) return old;
  int prev = leave_guest();
  uint32_t result = UINT32_MAX;
  Elem* data = nullptr;
  if (fits(policy(), uint64_t(delta) * sizeof(Elem), /*table=*/true))
    data = static_cast<Elem*>(std::realloc(t->data, new_size * sizeof(Elem)));
  if (data) {
    charge(uint64_t(delta) * sizeof(Elem), Charge::TableGrowth);
    for (uint64_t i = old; i < new_size; i++) data[i] = init;
    t->data = data;
    t->size = uint32_t(new_size);
    result = old;
  }
  reenter_guest(prev);
  return result;
}

void allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t elements, uint32_t max) {
  allocate_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(t, elements, max);
}
void free_funcref_table(wasm_rt_funcref_table_t* t) {
  std::free(t->data);
  *t = wasm_rt_funcref_table_t{};
}
uint32_t grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta,
                            const wasm_rt_funcref_t* init) {
  return grow_table(t, delta, *init);
}
void allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t elements, uint32_t max) {
  allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(t, elements, max);
}
void free_externref_table(wasm_rt_externref_table_t* t) {
  std::free(t->data);
  *t = wasm_rt_externref_table_t{};
}
uint32_t grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta,
                              wasm_rt_externref_t init) {
  return grow_table(t, delta, init);
}

}  // namespace wirt::wasm::rt
