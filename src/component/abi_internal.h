// wirt::component — internals shared by the canonical ABI files (abi_lower.cc, abi_lift.cc,
// abi_strings.cc, canonical_abi.cc). Not part of the public API.
//
// Path: a chain of stack frames naming the value being converted; rendered only on error, so the
// success path allocates nothing for it. Mem: bounds-checked access to GuestMemory that
// re-reads data()/size() on every access (realloc may grow and move memory).
#pragma once

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "component/canonical_abi.h"

namespace wirt::component::abi {

static_assert(std::endian::native == std::endian::little, "the canonical ABI is little-endian; so must the host be");

struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // a parameter, field or case name
  int64_t index = -1;     // a list/tuple element, 0-based (printed 1-based, Lua style)

  std::string str() const {
    std::string out = parent ? parent->str() : std::string();
    if (index >= 0) return out + "[" + std::to_string(index + 1) + "]";
    if (parent) out += ".";
    return out + std::string(name);
  }
  Path field(std::string_view n) const { return Path{this, n, -1}; }
  Path elem(size_t i) const { return Path{this, {}, static_cast<int64_t>(i)}; }
};

// A bad value from the caller (Lua/JSON/host): kind Invalid, "path: message".
inline core::Error value_error(const Path& p, std::string msg) { return core::invalid(p.str() + ": " + msg); }
// A contract violation by the guest (a trap in the spec): kind Internal.
inline core::Error guest_error(const Path& p, std::string msg) {
  return core::internal("canonical ABI: " + p.str() + ": " + msg);
}

inline uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

class Mem {
 public:
  explicit Mem(GuestMemory& g) : g_(g) {}

  // ptr..ptr+len must lie inside memory and ptr must be aligned.
  core::Status check(uint64_t ptr, uint64_t len, uint32_t align, const Path& p, std::string_view what) {
    if (align > 1 && ptr % align != 0) {
      return guest_error(p, std::string(what) + " pointer " + std::to_string(ptr) + " is not " + std::to_string(align) +
                                "-byte aligned");
    }
    if (ptr + len > g_.size()) {
      return guest_error(p, std::string(what) + " at " + std::to_string(ptr) + " (+" + std::to_string(len) +
                                " bytes) is out of bounds (memory size " + std::to_string(g_.size()) + ")");
    }
    return {};
  }

  uint8_t* at(uint32_t ptr) { return g_.data() + ptr; }

  template <typename T>
  T read(uint32_t ptr) {
    T v;
    std::memcpy(&v, g_.data() + ptr, sizeof v);
    return v;
  }
  uint64_t read_uint(uint32_t ptr, uint32_t n) {
    uint64_t v = 0;
    std::memcpy(&v, g_.data() + ptr, n);
    return v;
  }
  void write_uint(uint32_t ptr, uint64_t v, uint32_t n) { std::memcpy(g_.data() + ptr, &v, n); }

  // realloc(old, old_size, align, size) with the result checked for alignment and bounds.
  core::Result<uint32_t> realloc(uint32_t old, uint32_t old_size, uint32_t align, uint64_t size, const Path& p) {
    if (size > 0xFFFFFFFFull) return value_error(p, "value too large for 32-bit guest memory");
    auto r = g_.realloc(old, old_size, align, static_cast<uint32_t>(size));
    if (!r) return core::Error(r.error()).wrap("canonical ABI: " + p.str() + ": realloc");
    auto st = check(*r, size, align, p, "realloc result");
    if (!st) return std::move(st).error();
    return *r;
  }
  core::Result<uint32_t> alloc(uint32_t align, uint64_t size, const Path& p) { return realloc(0, 0, align, size, p); }

  // Host bytes a lift may produce, in proportion to what the guest owns: twice its memory (at
  // least kMinLiftBudget). Strings count their bytes, lists sizeof(Value) per element. Without
  // it, 20,000 list descriptors aliasing one 60 KiB region made the host copy 1.2 GB (and a
  // list of lists aliasing one list far more) whatever max_memory_mb said.
  static constexpr uint64_t kMinLiftBudget = uint64_t(1) << 20;
  core::Status charge_lift(uint64_t bytes, const Path& p) {
    if (lift_budget_ == 0) lift_budget_ = std::max<uint64_t>(2 * uint64_t(g_.size()), kMinLiftBudget);
    lifted_ += bytes;
    if (lifted_ <= lift_budget_) return {};
    return guest_error(p, "the value would take more than " + std::to_string(lift_budget_) +
                              " bytes on the host, twice the guest's memory (descriptors aliasing the same data?)");
  }

 private:
  GuestMemory& g_;
  uint64_t lifted_ = 0, lift_budget_ = 0;
};

// Reads flat core values, masking each to the width the consumer wants. Because every flat
// value is kept as raw bits, the variant-payload coercions of CanonicalABI.md "lift_flat_variant"
// (i64→i32 wrap, i32/i64→f32/f64 reinterpret) reduce to this mask.
class FlatReader {
 public:
  explicit FlatReader(std::span<const uint64_t> v) : v_(v) {}
  bool has(size_t n) const { return i_ + n <= v_.size(); }
  uint64_t next(CoreType want) {
    uint64_t x = i_ < v_.size() ? v_[i_] : 0;
    ++i_;
    return (want == CoreType::I32 || want == CoreType::F32) ? (x & 0xFFFFFFFFull) : x;
  }
  size_t pos() const { return i_; }
  void skip(size_t n) { i_ += n; }
  std::span<const uint64_t> window(size_t n) const { return v_.subspan(std::min(i_, v_.size()), n); }

 private:
  std::span<const uint64_t> v_;
  size_t i_ = 0;
};

// abi_lower.cc — CanonicalABI.md "Flat Lowering" and "Storing", with the Lua view of values.
core::Status lower_flat(const Type& t, const core::Value& v, const Path& p, Mem& m, const CanonOptions& o,
                        std::vector<uint64_t>& out);
core::Status store(const Type& t, const core::Value& v, uint32_t ptr, const Path& p, Mem& m, const CanonOptions& o);

// abi_lift.cc — CanonicalABI.md "Flat Lifting" and "Loading".
core::Result<core::Value> lift_flat(const Type& t, FlatReader& r, const Path& p, Mem& m, const CanonOptions& o);
core::Result<core::Value> load(const Type& t, uint32_t ptr, const Path& p, Mem& m, const CanonOptions& o);

// abi_strings.cc — CanonicalABI.md "store_string_into_range"/"load_string_from_range".
struct StoredString {
  uint32_t ptr;
  uint32_t tagged_code_units;
};
// `utf8` must already be valid UTF-8.
core::Result<StoredString> store_string(std::string_view utf8, const Path& p, Mem& m, const CanonOptions& o);
core::Result<std::string> load_string(uint32_t ptr, uint32_t tagged_code_units, const Path& p, Mem& m,
                                      const CanonOptions& o);
// Decodes one valid UTF-8 string into code points; false when not valid UTF-8.
bool decode_utf8(std::string_view s, std::vector<uint32_t>& out);
void append_utf8(std::string& out, uint32_t cp);

}  // namespace wirt::component::abi
