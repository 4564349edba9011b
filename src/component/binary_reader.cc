#include "component/binary_reader.h"

#include "core/json.h"

#include <fmt/format.h>

namespace wirt::component {

core::Error BinaryReader::error_at(size_t at, std::string_view expected, std::string_view got) const {
  return core::invalid(fmt::format("component binary: offset {:#x}: expected {}, got {}", at, expected, got));
}

core::Error BinaryReader::error(std::string_view expected, std::string_view got) const {
  return error_at(offset(), expected, got);
}

std::string BinaryReader::hex_byte(uint8_t b) { return fmt::format("{:#04x}", b); }

core::Result<uint8_t> BinaryReader::u8(std::string_view what) {
  if (at_end()) return error(what, "end of data");
  return bytes_[pos_++];
}

core::Result<uint8_t> BinaryReader::peek(std::string_view what) const {
  if (at_end()) return error(what, "end of data");
  return bytes_[pos_];
}

core::Result<uint32_t> BinaryReader::u32(std::string_view what) {
  size_t start = offset();
  uint64_t result = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (at_end()) return error_at(start, what, "end of data inside a LEB128 number");
    uint8_t b = bytes_[pos_++];
    if (shift == 28 && (b & 0x70) != 0) return error_at(start, what, "a LEB128 u32 that overflows");
    result |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return uint32_t(result);
  }
  return error_at(start, what, "a LEB128 u32 longer than 5 bytes");
}

namespace {

template <int Bits>
core::Result<int64_t> read_signed(BinaryReader& r, std::span<const uint8_t> bytes, size_t& pos,
                                  std::string_view what) {
  size_t start = r.offset();
  int64_t result = 0;
  int shift = 0;
  constexpr int kMaxBytes = (Bits + 6) / 7;
  for (int i = 0; i < kMaxBytes; i++) {
    if (pos >= bytes.size()) return r.error_at(start, what, "end of data inside a LEB128 number");
    uint8_t b = bytes[pos++];
    if (i == kMaxBytes - 1) {
      // The unused bits of the last byte must be a sign extension of the value's top bit.
      constexpr int used = Bits - 7 * (kMaxBytes - 1);
      if (b & 0x80) return r.error_at(start, what, "a signed LEB128 number that is too long");
      if constexpr (used < 7) {
        uint8_t upper = uint8_t((b & 0x7f) >> used);
        uint8_t sign = (b >> (used - 1)) & 1;
        if (upper != (sign ? uint8_t((1u << (7 - used)) - 1) : 0))
          return r.error_at(start, what, "a signed LEB128 number that overflows");
      }
    }
    result |= int64_t(uint64_t(b & 0x7f) << shift);
    shift += 7;
    if (!(b & 0x80)) {
      if (shift < 64 && (b & 0x40)) result |= int64_t(~uint64_t{0} << shift);
      return result;
    }
  }
  return r.error_at(start, what, "a signed LEB128 number that is too long");
}

}  // namespace

core::Result<int64_t> BinaryReader::s33(std::string_view what) { return read_signed<33>(*this, bytes_, pos_, what); }
core::Result<int64_t> BinaryReader::s64(std::string_view what) { return read_signed<64>(*this, bytes_, pos_, what); }

core::Result<std::span<const uint8_t>> BinaryReader::bytes(size_t n, std::string_view what) {
  if (n > remaining())
    return error(what, fmt::format("{} bytes, only {} left", n, remaining()));
  auto s = bytes_.subspan(pos_, n);
  pos_ += n;
  return s;
}

core::Result<std::string> BinaryReader::name(std::string_view what) {
  size_t start = offset();
  auto len = u32(what);
  if (!len) return len.error();
  auto raw = bytes(*len, what);
  if (!raw) return raw.error();
  std::string s(reinterpret_cast<const char*>(raw->data()), raw->size());
  if (!core::is_valid_utf8(s)) return error_at(start, what, "a name that is not valid UTF-8");
  return s;
}

core::Result<uint32_t> BinaryReader::count(std::string_view what, size_t min_elem_size) {
  size_t start = offset();
  auto n = u32(what);
  if (!n) return n.error();
  if (min_elem_size && uint64_t(*n) * min_elem_size > remaining())
    return error_at(start, what, fmt::format("a count of {} with only {} bytes left", *n, remaining()));
  return *n;
}

core::Result<BinaryReader> BinaryReader::sub(size_t n, std::string_view what) {
  size_t at = offset();
  auto s = bytes(n, what);
  if (!s) return s.error();
  return BinaryReader(*s, at);
}


}  // namespace wirt::component
