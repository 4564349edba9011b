// Lifting flat core values and guest memory into core::Value: CanonicalABI.md "Flat Lifting"
// (lift_flat) and "Loading" (load), producing the Lua view of DESIGN §1.3 (see canonical_abi.h).
// Every pointer and length that comes from the guest is bounds- and alignment-checked.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "component/abi_internal.h"
#include "core/json.h"

namespace wirt::component::abi {

namespace {

using core::Value;

// Beyond this many zero-sized elements a list is treated as a guest error (it occupies no memory,
// so the bounds check cannot limit it).
constexpr uint32_t kMaxZeroSizedElements = 1u << 20;

core::Result<Value> int_value(const Type& t, uint64_t raw, const Path& p) {
  switch (t.kind) {
    case TypeKind::U8: return Value(int64_t{static_cast<uint8_t>(raw)});
    case TypeKind::S8: return Value(int64_t{static_cast<int8_t>(raw)});
    case TypeKind::U16: return Value(int64_t{static_cast<uint16_t>(raw)});
    case TypeKind::S16: return Value(int64_t{static_cast<int16_t>(raw)});
    case TypeKind::U32: return Value(int64_t{static_cast<uint32_t>(raw)});
    case TypeKind::S32: return Value(int64_t{static_cast<int32_t>(raw)});
    case TypeKind::S64: return Value(static_cast<int64_t>(raw));
    case TypeKind::U64:
      if (raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return value_error(p, fmt::format("u64 value {} is above 2^63-1 and cannot be represented as a Lua integer", raw));
      }
      return Value(static_cast<int64_t>(raw));
    default: return core::internal("int_value on a non-integer type");
  }
}

core::Result<Value> char_of(uint32_t cp, const Path& p) {
  if (cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return guest_error(p, fmt::format("{:#x} is not a Unicode scalar value (char)", cp));
  }
  std::string s;
  append_utf8(s, cp);
  return Value(std::move(s));
}

Value f32_value(uint32_t bits) {
  float f = std::bit_cast<float>(bits);
  if (std::isnan(f)) return Value(std::numeric_limits<double>::quiet_NaN());  // canonicalize32
  return Value(static_cast<double>(f));
}

Value f64_value(uint64_t bits) {
  double d = std::bit_cast<double>(bits);
  if (std::isnan(d)) return Value(std::numeric_limits<double>::quiet_NaN());  // canonicalize64
  return Value(d);
}

size_t case_count(const Type& t) {
  switch (t.kind) {
    case TypeKind::Enum: return t.labels.size();
    case TypeKind::Option:
    case TypeKind::Result: return 2;
    default: return t.cases.size();
  }
}

const Type* case_type(const Type& t, size_t i) {
  switch (t.kind) {
    case TypeKind::Enum: return nullptr;
    case TypeKind::Option: return i == 1 ? t.elem.get() : nullptr;
    case TypeKind::Result: return i == 0 ? t.ok.get() : t.err.get();
    default: return t.cases[i].type.get();
  }
}

std::string_view case_label(const Type& t, size_t i) {
  switch (t.kind) {
    case TypeKind::Enum: return t.labels[i];
    case TypeKind::Option: return i == 0 ? "none" : "some";
    case TypeKind::Result: return i == 0 ? "ok" : "err";
    default: return t.cases[i].name;
  }
}

// {case = payload} / {case = true}; enum → name; option → nil or payload.
Value make_case(const Type& t, size_t i, Value payload, bool has_payload) {
  if (t.kind == TypeKind::Enum) return Value(t.labels[i]);
  if (t.kind == TypeKind::Option) return i == 0 ? Value() : std::move(payload);
  Value m = Value::map();
  m.as_map().emplace_back(std::string(case_label(t, i)), has_payload ? std::move(payload) : Value(true));
  return m;
}

Value flags_value(const Type& t, const std::vector<uint32_t>& words) {
  Value m = Value::map();
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (words[i / 32] & (1u << (i % 32))) m.as_map().emplace_back(t.labels[i], Value(true));
  }
  return m;
}

core::Result<Value> handle_of(const Type& t, uint32_t h, const Path& p, const CanonOptions& o) {
  if (o.handles_as_ints) return Value(int64_t{h});
  return value_error(p, fmt::format("{} is a resource handle and cannot be passed to Lua", t.to_wit()));
}

core::Result<Value> load_list(const Type& elem, uint32_t ptr, uint32_t len, const Path& p, Mem& m,
                              const CanonOptions& o) {
  WIRT_TRY(m.check(ptr, uint64_t{len} * elem.size, elem.align, p, "list"));
  WIRT_TRY(m.charge_lift(elem.kind == TypeKind::U8 ? uint64_t{len} : uint64_t{len} * sizeof(Value), p));
  if (elem.kind == TypeKind::U8) {  // list<u8>: text when valid UTF-8, else bytes
    std::string s(reinterpret_cast<const char*>(m.at(ptr)), len);
    if (core::is_valid_utf8(s)) return Value(std::move(s));
    return Value(core::Bytes{std::move(s)});
  }
  if (elem.size == 0 && len > kMaxZeroSizedElements) {
    return guest_error(p, fmt::format("list of {} zero-sized elements is too long", len));
  }
  core::Array arr;
  arr.reserve(len);
  for (uint32_t i = 0; i < len; ++i) {
    Path ep = p.elem(i);
    auto v = load(elem, ptr + i * elem.size, ep, m, o);
    if (!v) return std::move(v).error();
    arr.push_back(std::move(*v));
  }
  return Value(std::move(arr));
}

core::Result<Value> lift_string(uint32_t ptr, uint32_t len, const Path& p, Mem& m, const CanonOptions& o) {
  auto s = load_string(ptr, len, p, m, o);
  if (!s) return std::move(s).error();
  return Value(std::move(*s));
}

}  // namespace

core::Result<Value> lift_flat(const Type& t, FlatReader& r, const Path& p, Mem& m, const CanonOptions& o) {
  switch (t.kind) {
    case TypeKind::Bool: return Value(r.next(CoreType::I32) != 0);
    case TypeKind::S8: case TypeKind::U8: case TypeKind::S16: case TypeKind::U16:
    case TypeKind::S32: case TypeKind::U32: case TypeKind::S64: case TypeKind::U64:
      return int_value(t, r.next(t.flat[0]), p);
    case TypeKind::F32: return f32_value(static_cast<uint32_t>(r.next(CoreType::F32)));
    case TypeKind::F64: return f64_value(r.next(CoreType::F64));
    case TypeKind::Char: return char_of(static_cast<uint32_t>(r.next(CoreType::I32)), p);
    case TypeKind::String: {
      auto ptr = static_cast<uint32_t>(r.next(CoreType::I32));
      auto len = static_cast<uint32_t>(r.next(CoreType::I32));
      return lift_string(ptr, len, p, m, o);
    }
    case TypeKind::List: {
      auto ptr = static_cast<uint32_t>(r.next(CoreType::I32));
      auto len = static_cast<uint32_t>(r.next(CoreType::I32));
      return load_list(*t.elem, ptr, len, p, m, o);
    }
    case TypeKind::Record: {
      Value out = Value::map();
      out.as_map().reserve(t.fields.size());
      for (const auto& f : t.fields) {
        auto v = lift_flat(*f.type, r, p.field(f.name), m, o);
        if (!v) return v;
        out.as_map().emplace_back(f.name, std::move(*v));
      }
      return out;
    }
    case TypeKind::Tuple: {
      core::Array arr;
      arr.reserve(t.elems.size());
      for (size_t i = 0; i < t.elems.size(); ++i) {
        auto v = lift_flat(*t.elems[i], r, p.elem(i), m, o);
        if (!v) return v;
        arr.push_back(std::move(*v));
      }
      return Value(std::move(arr));
    }
    case TypeKind::Variant: case TypeKind::Enum: case TypeKind::Option: case TypeKind::Result: {
      uint64_t disc = r.next(CoreType::I32);
      size_t n = case_count(t);
      if (disc >= n) return guest_error(p, fmt::format("discriminant {} out of range for {} ({} cases)", disc, t.to_wit(), n));
      size_t width = t.flat.size() - 1;
      FlatReader sub(r.window(width));
      r.skip(width);
      const Type* ct = case_type(t, disc);
      if (!ct) return make_case(t, disc, Value(), false);
      Path cp = t.kind == TypeKind::Option ? p : p.field(case_label(t, disc));
      auto v = lift_flat(*ct, sub, cp, m, o);
      if (!v) return v;
      return make_case(t, disc, std::move(*v), true);
    }
    case TypeKind::Flags: {
      std::vector<uint32_t> words(t.flat.size());
      for (auto& w : words) w = static_cast<uint32_t>(r.next(CoreType::I32));
      if (words.empty()) words.push_back(0);
      return flags_value(t, words);
    }
    case TypeKind::Own: case TypeKind::Borrow: return handle_of(t, static_cast<uint32_t>(r.next(CoreType::I32)), p, o);
    default: return value_error(p, fmt::format("type {} cannot be passed through the canonical ABI here", t.to_wit()));
  }
}

core::Result<Value> load(const Type& t, uint32_t ptr, const Path& p, Mem& m, const CanonOptions& o) {
  WIRT_TRY(m.check(ptr, t.size, t.align, p, "value"));
  switch (t.kind) {
    case TypeKind::Bool: return Value(m.read_uint(ptr, 1) != 0);
    case TypeKind::S8: case TypeKind::U8: case TypeKind::S16: case TypeKind::U16:
    case TypeKind::S32: case TypeKind::U32: case TypeKind::S64: case TypeKind::U64:
      return int_value(t, m.read_uint(ptr, t.size), p);
    case TypeKind::F32: return f32_value(static_cast<uint32_t>(m.read_uint(ptr, 4)));
    case TypeKind::F64: return f64_value(m.read_uint(ptr, 8));
    case TypeKind::Char: return char_of(static_cast<uint32_t>(m.read_uint(ptr, 4)), p);
    case TypeKind::String:
      return lift_string(static_cast<uint32_t>(m.read_uint(ptr, 4)), static_cast<uint32_t>(m.read_uint(ptr + 4, 4)), p, m, o);
    case TypeKind::List:
      return load_list(*t.elem, static_cast<uint32_t>(m.read_uint(ptr, 4)), static_cast<uint32_t>(m.read_uint(ptr + 4, 4)),
                       p, m, o);
    case TypeKind::Record: {
      Value out = Value::map();
      out.as_map().reserve(t.fields.size());
      uint64_t off = 0;
      for (const auto& f : t.fields) {
        off = align_up(off, f.type->align);
        auto v = load(*f.type, ptr + static_cast<uint32_t>(off), p.field(f.name), m, o);
        if (!v) return v;
        out.as_map().emplace_back(f.name, std::move(*v));
        off += f.type->size;
      }
      return out;
    }
    case TypeKind::Tuple: {
      core::Array arr;
      arr.reserve(t.elems.size());
      uint64_t off = 0;
      for (size_t i = 0; i < t.elems.size(); ++i) {
        off = align_up(off, t.elems[i]->align);
        auto v = load(*t.elems[i], ptr + static_cast<uint32_t>(off), p.elem(i), m, o);
        if (!v) return v;
        arr.push_back(std::move(*v));
        off += t.elems[i]->size;
      }
      return Value(std::move(arr));
    }
    case TypeKind::Variant: case TypeKind::Enum: case TypeKind::Option: case TypeKind::Result: {
      size_t n = case_count(t);
      uint32_t disc_size = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
      uint64_t disc = m.read_uint(ptr, disc_size);
      if (disc >= n) return guest_error(p, fmt::format("discriminant {} out of range for {} ({} cases)", disc, t.to_wit(), n));
      uint32_t max_align = 1;
      for (size_t i = 0; i < n; ++i) {
        if (const Type* c = case_type(t, i)) max_align = std::max(max_align, c->align);
      }
      const Type* ct = case_type(t, disc);
      if (!ct) return make_case(t, disc, Value(), false);
      Path cp = t.kind == TypeKind::Option ? p : p.field(case_label(t, disc));
      auto v = load(*ct, ptr + static_cast<uint32_t>(align_up(disc_size, max_align)), cp, m, o);
      if (!v) return v;
      return make_case(t, disc, std::move(*v), true);
    }
    case TypeKind::Flags: {
      std::vector<uint32_t> words(std::max<size_t>(1, t.flat.size()), 0);
      if (t.size > 0 && t.size <= 4) {
        words[0] = static_cast<uint32_t>(m.read_uint(ptr, t.size));
      } else {
        for (size_t i = 0; i < t.flat.size(); ++i) words[i] = static_cast<uint32_t>(m.read_uint(ptr + 4 * static_cast<uint32_t>(i), 4));
      }
      return flags_value(t, words);
    }
    case TypeKind::Own: case TypeKind::Borrow: return handle_of(t, static_cast<uint32_t>(m.read_uint(ptr, 4)), p, o);
    default: return value_error(p, fmt::format("type {} cannot be passed through the canonical ABI here", t.to_wit()));
  }
}

}  // namespace wirt::component::abi
