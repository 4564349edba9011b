// A tiny component binary builder for tests (Binary.md encodings), so decoder and linker tests
// can make exactly the bytes they need without external tools.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace wirt::component::testing {

struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint8_t v) { b.push_back(v); return *this; }
  Bytes& raw(std::initializer_list<uint8_t> v) { b.insert(b.end(), v); return *this; }
  Bytes& raw(const std::vector<uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); return *this; }
  Bytes& u32(uint32_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      if (v) byte |= 0x80;
      b.push_back(byte);
    } while (v);
    return *this;
  }
  Bytes& name(const std::string& s) { u32(uint32_t(s.size())); b.insert(b.end(), s.begin(), s.end()); return *this; }
  Bytes& section(uint8_t id, const Bytes& body) { u8(id); u32(uint32_t(body.b.size())); return raw(body.b); }
  // A vec of `n` already-encoded items.
  Bytes& vec(uint32_t n, const Bytes& items) { u32(n); return raw(items.b); }
};

inline Bytes component_preamble() { return Bytes().raw({0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}); }

}  // namespace wirt::component::testing
