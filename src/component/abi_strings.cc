// String transcoding for the canonical ABI (CanonicalABI.md "store_string_into_range",
// "load_string_from_range"). Host strings are always UTF-8; the guest's encoding is the
// `string-encoding` canonopt: utf8, utf16 (little-endian code units) or latin1+utf16 (latin-1
// bytes, or UTF-16 with kUtf16Tag set in the length). Sizes are computed exactly up front, so
// one realloc call suffices (the spec's worst-case-then-shrink sequence is an allowed variation:
// the guest sees a valid allocation of the final size).
#include "component/abi_internal.h"
#include "core/json.h"

namespace wirt::component::abi {

bool decode_utf8(std::string_view s, std::vector<uint32_t>& out) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; n = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; n = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; n = 4; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += n;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

core::Result<StoredString> store_utf16(const std::vector<uint32_t>& cps, const Path& p, Mem& m, bool tag) {
  uint64_t units = 0;
  for (uint32_t cp : cps) units += cp >= 0x10000 ? 2 : 1;
  if (units * 2 > kMaxStringByteLength) return value_error(p, "string too long for the guest");
  auto ptr = m.alloc(2, units * 2, p);
  if (!ptr) return std::move(ptr).error();
  uint32_t at = *ptr;
  for (uint32_t cp : cps) {
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      m.write_uint(at, 0xD800 | (v >> 10), 2);
      m.write_uint(at + 2, 0xDC00 | (v & 0x3FF), 2);
      at += 4;
    } else {
      m.write_uint(at, cp, 2);
      at += 2;
    }
  }
  uint32_t len = static_cast<uint32_t>(units);
  return StoredString{*ptr, tag ? (len | kUtf16Tag) : len};
}

}  // namespace

core::Result<StoredString> store_string(std::string_view utf8, const Path& p, Mem& m, const CanonOptions& o) {
  switch (o.string_encoding) {
    case StringEncoding::Utf8: {
      if (utf8.size() > kMaxStringByteLength) return value_error(p, "string too long for the guest");
      auto ptr = m.alloc(1, utf8.size(), p);
      if (!ptr) return std::move(ptr).error();
      if (!utf8.empty()) std::memcpy(m.at(*ptr), utf8.data(), utf8.size());
      return StoredString{*ptr, static_cast<uint32_t>(utf8.size())};
    }
    case StringEncoding::Utf16: {
      std::vector<uint32_t> cps;
      if (!decode_utf8(utf8, cps)) return value_error(p, "string is not valid UTF-8");
      return store_utf16(cps, p, m, false);
    }
    case StringEncoding::Latin1Utf16: {
      std::vector<uint32_t> cps;
      if (!decode_utf8(utf8, cps)) return value_error(p, "string is not valid UTF-8");
      bool latin1 = true;
      for (uint32_t cp : cps) latin1 = latin1 && cp < 0x100;
      if (!latin1) return store_utf16(cps, p, m, true);
      if (cps.size() > kMaxStringByteLength) return value_error(p, "string too long for the guest");
      auto ptr = m.alloc(2, cps.size(), p);
      if (!ptr) return std::move(ptr).error();
      for (size_t i = 0; i < cps.size(); ++i) m.write_uint(*ptr + static_cast<uint32_t>(i), cps[i], 1);
      return StoredString{*ptr, static_cast<uint32_t>(cps.size())};
    }
  }
  return core::internal("unknown string encoding");
}

namespace {

core::Result<std::string> load_utf16(uint32_t ptr, uint32_t units, const Path& p, Mem& m) {
  auto st = m.check(ptr, uint64_t{units} * 2, 2, p, "string");
  if (!st) return std::move(st).error();
  std::string out;
  out.reserve(units);
  for (uint32_t i = 0; i < units; ++i) {
    uint32_t u = static_cast<uint32_t>(m.read_uint(ptr + 2 * i, 2));
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 >= units) return guest_error(p, "string has an unpaired UTF-16 surrogate");
      uint32_t lo = static_cast<uint32_t>(m.read_uint(ptr + 2 * (i + 1), 2));
      if (lo < 0xDC00 || lo > 0xDFFF) return guest_error(p, "string has an unpaired UTF-16 surrogate");
      append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
      ++i;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return guest_error(p, "string has an unpaired UTF-16 surrogate");
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

}  // namespace

core::Result<std::string> load_string(uint32_t ptr, uint32_t tagged, const Path& p, Mem& m, const CanonOptions& o) {
  // Charged before copying: up to 3 host bytes per code unit (UTF-16/Latin-1 → UTF-8).
  uint64_t units = (o.string_encoding == StringEncoding::Latin1Utf16) ? (tagged & ~kUtf16Tag) : tagged;
  WIRT_TRY(m.charge_lift(o.string_encoding == StringEncoding::Utf8 ? units : 3 * units, p));
  switch (o.string_encoding) {
    case StringEncoding::Utf8: {
      auto st = m.check(ptr, tagged, 1, p, "string");
      if (!st) return std::move(st).error();
      std::string s(reinterpret_cast<const char*>(m.at(ptr)), tagged);
      if (!core::is_valid_utf8(s)) return guest_error(p, "string is not valid UTF-8");
      return s;
    }
    case StringEncoding::Utf16: return load_utf16(ptr, tagged, p, m);
    case StringEncoding::Latin1Utf16: {
      if (tagged & kUtf16Tag) return load_utf16(ptr, tagged ^ kUtf16Tag, p, m);
      auto st = m.check(ptr, tagged, 2, p, "string");
      if (!st) return std::move(st).error();
      std::string out;
      out.reserve(tagged);
      for (uint32_t i = 0; i < tagged; ++i) append_utf8(out, m.at(ptr)[i]);
      return out;
    }
  }
  return core::internal("unknown string encoding");
}

}  // namespace wirt::component::abi
