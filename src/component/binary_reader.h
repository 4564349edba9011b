// wirt::component::BinaryReader — bounds-checked primitive reads for the component binary
// format (component-model design/mvp/Binary.md; the primitives are Core WebAssembly's:
// LEB128 `u32`/`s33`/`s64`, `name` = vec(byte) holding UTF-8, `vec(T)` = u32 count + T*).
//
// Every read checks the remaining length first; a failure returns an Error (kind Invalid) of the
// form "component binary: offset 0x1a2: expected X, got Y", where the offset is absolute in the
// whole component (a sub-reader keeps its base). Nothing here allocates more than the input size
// (vector counts are checked against the bytes left before anyone reserves memory).
//
// Ownership: a reader views bytes owned by the caller; it must not outlive them.
// Thread-safety: a reader is a cursor used by one thread; the bytes may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wirt::component {

class BinaryReader {
 public:
  BinaryReader(std::span<const uint8_t> bytes, size_t base = 0) : bytes_(bytes), base_(base) {}

  size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ >= bytes_.size(); }

  core::Result<uint8_t> u8(std::string_view what);
  core::Result<uint8_t> peek(std::string_view what) const;
  core::Result<uint32_t> u32(std::string_view what);  // unsigned LEB128, ≤ 5 bytes, no overflow
  core::Result<int64_t> s33(std::string_view what);   // signed LEB128 of 33 bits (valtype indices)
  core::Result<int64_t> s64(std::string_view what);
  // A `name`: u32 length + that many bytes of valid UTF-8.
  core::Result<std::string> name(std::string_view what);
  // Raw bytes (e.g. an embedded core module).
  core::Result<std::span<const uint8_t>> bytes(size_t n, std::string_view what);
  // A vec count, checked against the bytes left (each element takes ≥ min_elem_size bytes).
  core::Result<uint32_t> count(std::string_view what, size_t min_elem_size = 1);
  // A reader over the next n bytes (a section body), advancing this one past them.
  core::Result<BinaryReader> sub(size_t n, std::string_view what);
  // Error at the current offset (or `at`): "component binary: offset 0x..: expected X, got Y".
  core::Error error(std::string_view expected, std::string_view got) const;
  core::Error error_at(size_t at, std::string_view expected, std::string_view got) const;
  // "0x3f" for messages.
  static std::string hex_byte(uint8_t b);

 private:
  std::span<const uint8_t> bytes_;
  size_t base_ = 0;
  size_t pos_ = 0;
};


}  // namespace wirt::component
