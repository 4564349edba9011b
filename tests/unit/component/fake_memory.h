// A GuestMemory over a std::vector with a bump allocator, for canonical ABI tests. Growing the
// vector moves its data, like memory.grow can, so stale data() pointers would be caught (by ASan
// or by wrong values).
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "component/guest_memory.h"

namespace wirt::component::testing {

class FakeMemory : public GuestMemory {
 public:
  explicit FakeMemory(size_t initial = 64, size_t max = size_t{1} << 24) : mem(initial, 0xAB), max_(max) {}

  uint8_t* data() override { return mem.data(); }
  size_t size() override { return mem.size(); }

  core::Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) override {
    ++calls;
    if (fail) return core::internal("wasm trap: unreachable (in cabi_realloc)");
    if (align == 0 || (align & (align - 1)) != 0) return core::internal("bad alignment");
    uint64_t p = (next_ + align - 1) / align * align;
    uint64_t end = p + new_size;
    if (end > max_) return core::internal("out of guest memory");
    if (end > mem.size()) mem.resize(std::max<size_t>(end, mem.size() * 2), 0xCD);  // "memory.grow"
    if (old_ptr != 0) std::memmove(&mem[p], &mem[old_ptr], std::min(old_size, new_size));
    next_ = end;
    return static_cast<uint32_t>(p);
  }

  uint32_t read_u32(uint32_t at) const {
    uint32_t v;
    std::memcpy(&v, &mem[at], 4);
    return v;
  }
  void write_u32(uint32_t at, uint32_t v) { std::memcpy(&mem[at], &v, 4); }

  std::vector<uint8_t> mem;
  int calls = 0;
  bool fail = false;

 private:
  uint64_t next_ = 8;  // never hand out 0
  size_t max_;
};

}  // namespace wirt::component::testing
