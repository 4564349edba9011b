// What the preview1 host functions share (wasi_snapshot_preview1.witx): the errno values, the
// bounds-checked view of guest memory, and the table entry each function is defined from.
// Header-only; used on the calling fiber only.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/result.h"
#include "wasi/guest_env.h"
#include "wasm/instance.h"

namespace wirt::wasi::p1 {

// errno values of preview1 (witx "errno", in declaration order).
enum Errno : uint32_t {
  kSuccess = 0, k2big = 1, kAcces = 2, kAgain = 6, kBadf = 8, kBusy = 10, kExist = 20, kFault = 21, kFbig = 22,
  kIlseq = 25, kInval = 28, kIo = 29, kIsdir = 31, kLoop = 32, kMfile = 33, kMlink = 34, kNametoolong = 37,
  kNfile = 41, kNodev = 43, kNoent = 44, kNomem = 48, kNospc = 51, kNosys = 52, kNotdir = 54, kNotempty = 55,
  kNotsock = 57, kNotsup = 58, kNotty = 59, kNxio = 60, kOverflow = 61, kPerm = 63, kPipe = 64, kRofs = 69, kSpipe = 70,
  kTxtbsy = 74, kXdev = 75, kNotcapable = 76,
};

// Bounds-checked little-endian access to the guest's default memory.
struct Mem {
  uint8_t* base;
  size_t size;
  explicit Mem(wasm::Caller& c) : base(c.memory_data()), size(c.memory_size()) {}
  bool ok(uint64_t ptr, uint64_t len) const { return base && ptr <= size && len <= size - ptr; }
  uint32_t u32(uint32_t p) const {
    uint32_t v;
    std::memcpy(&v, base + p, 4);
    return v;
  }
  uint64_t u64(uint32_t p) const {
    uint64_t v;
    std::memcpy(&v, base + p, 8);
    return v;
  }
  void put16(uint32_t p, uint16_t v) { std::memcpy(base + p, &v, 2); }
  void put32(uint32_t p, uint32_t v) { std::memcpy(base + p, &v, 4); }
  void put64(uint32_t p, uint64_t v) { std::memcpy(base + p, &v, 8); }
};

inline GuestEnv* env_of(wasm::Caller& c) { return static_cast<GuestEnv*>(c.instance.user_data); }

using Impl = core::Status (*)(wasm::Caller&, const uint64_t*, uint64_t*);

struct Def {
  const char* name;
  std::vector<wasm::ValType> params, results;
  Impl fn;
};

}  // namespace wirt::wasi::p1
