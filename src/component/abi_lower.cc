// Lowering core::Value into flat core values and guest memory: CanonicalABI.md "Flat Lowering"
// (lower_flat) and "Storing" (store), applying the Lua view of DESIGN §1.3 (see canonical_abi.h).
#include <fmt/format.h>

#include <cmath>

#include "component/abi_internal.h"
#include "core/json.h"

namespace wirt::component::abi {

namespace {

using core::Value;

std::string show(const Value& v) {
  switch (v.type()) {
    case Value::Type::Int: return fmt::format("integer {}", v.as_int());
    case Value::Type::Float: return fmt::format("number {}", v.as_float());
    case Value::Type::Bool: return v.as_bool() ? "true" : "false";
    case Value::Type::Map: return v.as_map().empty() ? "an empty table" : "a table with keys";
    case Value::Type::Array: return "an array";
    default: return v.type_name();
  }
}

core::Error mismatch(const Path& p, const Type& t, std::string_view expected, const Value& v) {
  return value_error(p, fmt::format("expected {} for {}, got {}", expected, t.to_wit(), show(v)));
}

std::string list_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Integer bits for s8..u64 (two's complement, not yet truncated), range-checked for the width.
core::Result<uint64_t> int_bits(const Type& t, const Value& v, const Path& p) {
  struct Range {
    double lo, hi;  // inclusive bounds as doubles (for float inputs)
    int64_t ilo;
    uint64_t ihi;
  };
  Range r{};
  switch (t.kind) {
    case TypeKind::S8: r = {-128, 127, -128, 127}; break;
    case TypeKind::U8: r = {0, 255, 0, 255}; break;
    case TypeKind::S16: r = {-32768, 32767, -32768, 32767}; break;
    case TypeKind::U16: r = {0, 65535, 0, 65535}; break;
    case TypeKind::S32: r = {-2147483648.0, 2147483647.0, INT32_MIN, INT32_MAX}; break;
    case TypeKind::U32: r = {0, 4294967295.0, 0, UINT32_MAX}; break;
    case TypeKind::S64: r = {-9223372036854775808.0, 9223372036854775808.0, INT64_MIN, INT64_MAX}; break;
    case TypeKind::U64: r = {0, 18446744073709551616.0, 0, UINT64_MAX}; break;
    default: return core::internal("int_bits on a non-integer type");
  }
  const char* tn = nullptr;
  switch (t.kind) {
    case TypeKind::S8: tn = "s8"; break;
    case TypeKind::U8: tn = "u8"; break;
    case TypeKind::S16: tn = "s16"; break;
    case TypeKind::U16: tn = "u16"; break;
    case TypeKind::S32: tn = "s32"; break;
    case TypeKind::U32: tn = "u32"; break;
    case TypeKind::S64: tn = "s64"; break;
    default: tn = "u64"; break;
  }
  if (v.is_int()) {
    int64_t i = v.as_int();
    bool ok = i >= r.ilo && (i < 0 || static_cast<uint64_t>(i) <= r.ihi);
    if (!ok) return value_error(p, fmt::format("value {} out of range for {}", i, tn));
    return static_cast<uint64_t>(i);
  }
  if (v.is_float()) {
    double d = v.as_float();
    if (!std::isfinite(d) || d != std::trunc(d)) {
      return value_error(p, fmt::format("value {} is not an integer (expected {})", d, tn));
    }
    // 64-bit upper bounds are exclusive (2^63 / 2^64 are exactly representable, the max is not).
    bool wide = t.kind == TypeKind::S64 || t.kind == TypeKind::U64;
    if (d < r.lo || (wide ? d >= r.hi : d > r.hi)) {
      return value_error(p, fmt::format("value {} out of range for {}", d, tn));
    }
    if (t.kind == TypeKind::U64) return static_cast<uint64_t>(d);
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  return mismatch(p, t, "an integer", v);
}

core::Result<uint32_t> char_value(const Type& t, const Value& v, const Path& p) {
  if (v.is_int() || v.is_float()) {
    double d = v.as_number();
    if (d != std::trunc(d) || d < 0 || d > 0x10FFFF || (d >= 0xD800 && d <= 0xDFFF)) {
      return value_error(p, fmt::format("{} is not a Unicode scalar value (char)", show(v)));
    }
    return static_cast<uint32_t>(d);
  }
  if (v.is_string()) {
    std::vector<uint32_t> cps;
    if (!decode_utf8(v.as_string(), cps)) return value_error(p, "char is not valid UTF-8");
    if (cps.size() != 1) {
      return value_error(p, fmt::format("expected a single character for char, got a string of {} characters", cps.size()));
    }
    return cps[0];
  }
  return mismatch(p, t, "a one-character string or a code point", v);
}

core::Result<uint64_t> float_bits(const Type& t, const Value& v, const Path& p) {
  if (!v.is_number()) return mismatch(p, t, "a number", v);
  double d = v.as_number();
  if (t.kind == TypeKind::F32) {
    float f = static_cast<float>(d);
    if (std::isnan(f)) return uint64_t{0x7fc00000};  // CANONICAL_FLOAT32_NAN
    return uint64_t{std::bit_cast<uint32_t>(f)};
  }
  if (std::isnan(d)) return uint64_t{0x7ff8000000000000ull};  // CANONICAL_FLOAT64_NAN
  return std::bit_cast<uint64_t>(d);
}

core::Result<const std::string*> string_value(const Type& t, const Value& v, const Path& p) {
  const std::string* s = nullptr;
  if (v.is_string()) s = &v.as_string();
  else if (v.is_bytes()) s = &v.as_bytes().data;
  else return mismatch(p, t, "a string", v);
  if (!core::is_valid_utf8(*s)) return value_error(p, "string is not valid UTF-8");
  return s;
}

// The case a variant-like value selects (CanonicalABI.md "match_case"; enum, option and result
// despecialize to variants).
struct Selected {
  uint32_t index = 0;
  const Type* payload_type = nullptr;
  const Value* payload = nullptr;
  std::string_view label;
};

core::Result<Selected> select_case(const Type& t, const Value& v, const Path& p) {
  Selected s;
  switch (t.kind) {
    case TypeKind::Option:
      if (v.is_nil()) return s;
      s.index = 1;
      s.payload_type = t.elem.get();
      s.payload = &v;
      s.label = "some";
      return s;
    case TypeKind::Enum:
      if (v.is_string()) {
        for (size_t i = 0; i < t.labels.size(); ++i) {
          if (t.labels[i] == v.as_string()) {
            s.index = static_cast<uint32_t>(i);
            return s;
          }
        }
        return value_error(p, fmt::format("unknown case '{}' for enum {} (cases: {})", v.as_string(), t.to_wit(),
                                          list_names(t.labels)));
      }
      if (v.is_int() || (v.is_float() && v.as_float() == std::trunc(v.as_float()))) {
        double i = v.as_number();
        if (i < 0 || i >= static_cast<double>(t.labels.size())) {
          return value_error(p, fmt::format("case index {} out of range for enum {} ({} cases)", i, t.to_wit(), t.labels.size()));
        }
        s.index = static_cast<uint32_t>(i);
        return s;
      }
      return mismatch(p, t, "a case name", v);
    case TypeKind::Result: {
      std::string_view key;
      const Value* payload = nullptr;
      if (v.is_map() && v.as_map().size() == 1) {
        key = v.as_map()[0].first;
        payload = &v.as_map()[0].second;
      } else if (v.is_string()) {
        key = v.as_string();
      } else {
        return mismatch(p, t, "{ok = value} or {err = error}", v);
      }
      if (key == "ok") {
        s.index = 0;
        s.payload_type = t.ok.get();
      } else if (key == "err" || key == "error") {
        s.index = 1;
        s.payload_type = t.err.get();
      } else {
        return value_error(p, fmt::format("expected {{ok = value}} or {{err = error}} for {}, got key '{}'", t.to_wit(), key));
      }
      s.label = key;
      if (s.payload_type) {
        if (!payload) return value_error(p, fmt::format("'{}' of {} needs a value: {{{} = …}}", key, t.to_wit(), key));
        s.payload = payload;
      }
      return s;
    }
    case TypeKind::Variant: {
      std::vector<std::string> names;
      for (const auto& c : t.cases) names.push_back(c.name);
      std::string_view key;
      const Value* payload = nullptr;
      if (v.is_map() && v.as_map().size() == 1) {
        key = v.as_map()[0].first;
        payload = &v.as_map()[0].second;
      } else if (v.is_string()) {
        key = v.as_string();
      } else if (v.is_map()) {
        return value_error(p, fmt::format("expected exactly one case for variant {} ({{case = payload}}, or the case name "
                                          "for a case without payload), got {} keys",
                                          t.to_wit(), v.as_map().size()));
      } else {
        return mismatch(p, t, "{case = payload} or a case name", v);
      }
      for (size_t i = 0; i < t.cases.size(); ++i) {
        if (t.cases[i].name != key) continue;
        s.index = static_cast<uint32_t>(i);
        s.payload_type = t.cases[i].type.get();
        s.label = t.cases[i].name;
        if (s.payload_type) {
          if (!payload) return value_error(p, fmt::format("case '{}' of variant {} needs a payload: {{{} = …}}", key, t.to_wit(), key));
          s.payload = payload;
        }
        return s;
      }
      return value_error(p, fmt::format("unknown case '{}' for variant {} (cases: {})", key, t.to_wit(), list_names(names)));
    }
    default: return core::internal("select_case on a non-variant type");
  }
}

core::Result<std::vector<uint32_t>> flags_words(const Type& t, const Value& v, const Path& p) {
  size_t n = t.labels.size();
  std::vector<uint32_t> words((n + 31) / 32, 0);
  auto set = [&](std::string_view name) -> core::Status {
    for (size_t i = 0; i < n; ++i) {
      if (t.labels[i] == name) {
        words[i / 32] |= 1u << (i % 32);
        return {};
      }
    }
    return value_error(p, fmt::format("unknown flag '{}' for flags {} (flags: {})", name, t.to_wit(), list_names(t.labels)));
  };
  if (v.is_map()) {
    for (const auto& [k, val] : v.as_map()) {
      if (!val.truthy()) {  // {write = false}: a known flag, not set
        bool known = false;
        for (const auto& l : t.labels) known = known || l == k;
        if (!known) {
          return value_error(p, fmt::format("unknown flag '{}' for flags {} (flags: {})", k, t.to_wit(), list_names(t.labels)));
        }
        continue;
      }
      auto st = set(k);
      if (!st) return std::move(st).error();
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (!e.is_string()) return mismatch(p, t, "flag names", e);
      auto st = set(e.as_string());
      if (!st) return std::move(st).error();
    }
  } else if (v.is_int()) {
    int64_t mask = v.as_int();
    if (mask < 0 || (n < 63 && mask >= (int64_t{1} << n))) {
      return value_error(p, fmt::format("bit mask {} has bits beyond the {} flags of {}", mask, n, t.to_wit()));
    }
    for (size_t w = 0; w < words.size(); ++w) words[w] = static_cast<uint32_t>(static_cast<uint64_t>(mask) >> (32 * w));
  } else {
    return mismatch(p, t, "a set table {flag = true} or an array of flag names", v);
  }
  return words;
}

core::Result<uint32_t> handle_value(const Type& t, const Value& v, const Path& p, const CanonOptions& o) {
  if (!o.handles_as_ints) {
    return value_error(p, fmt::format("{} is a resource handle and cannot be passed from Lua", t.to_wit()));
  }
  if (!v.is_int() || v.as_int() < 0 || v.as_int() > UINT32_MAX) return mismatch(p, t, "a handle index", v);
  return static_cast<uint32_t>(v.as_int());
}

// Payload offset inside a variant-like value (CanonicalABI.md "store_variant").
struct VariantLayout {
  uint32_t disc_size;
  uint32_t payload_offset;
};

VariantLayout variant_layout(const Type& t) {
  size_t n = 0;
  uint32_t max_align = 1;
  auto take = [&](const Type* c) {
    ++n;
    if (c) max_align = std::max(max_align, c->align);
  };
  switch (t.kind) {
    case TypeKind::Enum: n = t.labels.size(); break;
    case TypeKind::Option: take(nullptr); take(t.elem.get()); break;
    case TypeKind::Result: take(t.ok.get()); take(t.err.get()); break;
    default:
      for (const auto& c : t.cases) take(c.type.get());
  }
  uint32_t disc = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
  return {disc, static_cast<uint32_t>(align_up(disc, max_align))};
}

core::Result<StoredString> store_list_range(const Type& elem, const Value& v, const Path& p, Mem& m,
                                            const CanonOptions& o, const Type& list_t) {
  if (elem.kind == TypeKind::U8 && (v.is_string() || v.is_bytes())) {  // list<u8> from bytes: one copy
    const std::string& s = v.is_string() ? v.as_string() : v.as_bytes().data;
    auto ptr = m.alloc(1, s.size(), p);
    if (!ptr) return std::move(ptr).error();
    if (!s.empty()) std::memcpy(m.at(*ptr), s.data(), s.size());
    return StoredString{*ptr, static_cast<uint32_t>(s.size())};
  }
  if (v.is_map() && v.as_map().empty()) {  // `{}` from Lua is the empty list
    auto ptr = m.alloc(elem.align, 0, p);
    if (!ptr) return std::move(ptr).error();
    return StoredString{*ptr, 0};
  }
  if (!v.is_array()) {
    return mismatch(p, list_t, elem.kind == TypeKind::U8 ? "an array or a string of bytes" : "an array", v);
  }
  const auto& arr = v.as_array();
  uint64_t bytes = uint64_t{elem.size} * arr.size();
  if (bytes > 0xFFFFFFFFull) return value_error(p, "list too large for 32-bit guest memory");
  auto ptr = m.alloc(elem.align, bytes, p);
  if (!ptr) return std::move(ptr).error();
  for (size_t i = 0; i < arr.size(); ++i) {
    Path ep = p.elem(i);
    auto st = store(elem, arr[i], *ptr + static_cast<uint32_t>(i * elem.size), ep, m, o);
    if (!st) return std::move(st).error();
  }
  return StoredString{*ptr, static_cast<uint32_t>(arr.size())};
}

core::Status check_abi_ready(const Type& t, const Path& p) {
  if (t.abi_ready) return {};
  return value_error(p, fmt::format("type {} cannot be passed through the canonical ABI here", t.to_wit()));
}

// Record fields from a Map; a missing option field is none, other missing fields are errors.
// A tuple's values: an array of exactly the arity (`{}` from Lua is the empty tuple's array).
core::Result<const core::Array*> tuple_elements(const Type& t, const Value& v, const Path& p) {
  static const core::Array kEmpty;
  const core::Array* arr = v.is_array() ? &v.as_array() : (v.is_map() && v.as_map().empty()) ? &kEmpty : nullptr;
  if (!arr) return mismatch(p, t, "an array", v);
  if (arr->size() != t.elems.size()) {
    return value_error(p, fmt::format("expected {} elements for {}, got {}", t.elems.size(), t.to_wit(), arr->size()));
  }
  return arr;
}

core::Result<const Value*> record_field(const Type& rec, const Field& f, const Value& v, const Path& p) {
  static const Value kNil;
  const Value* fv = v.find(f.name);
  if (fv && !fv->is_nil()) return fv;
  if (f.type->kind == TypeKind::Option) return &kNil;
  return value_error(p, fmt::format("missing field '{}' of record {}", f.name, rec.to_wit()));
}

}  // namespace

core::Status lower_flat(const Type& t, const Value& v, const Path& p, Mem& m, const CanonOptions& o,
                        std::vector<uint64_t>& out) {
  switch (t.kind) {
    case TypeKind::Bool:
      if (!v.is_bool()) return mismatch(p, t, "a boolean", v);
      out.push_back(v.as_bool() ? 1 : 0);
      return {};
    case TypeKind::S8: case TypeKind::U8: case TypeKind::S16: case TypeKind::U16:
    case TypeKind::S32: case TypeKind::U32: case TypeKind::S64: case TypeKind::U64: {
      auto b = int_bits(t, v, p);
      if (!b) return std::move(b).error();
      out.push_back(t.flat[0] == CoreType::I32 ? (*b & 0xFFFFFFFFull) : *b);
      return {};
    }
    case TypeKind::F32: case TypeKind::F64: {
      auto b = float_bits(t, v, p);
      if (!b) return std::move(b).error();
      out.push_back(*b);
      return {};
    }
    case TypeKind::Char: {
      auto c = char_value(t, v, p);
      if (!c) return std::move(c).error();
      out.push_back(*c);
      return {};
    }
    case TypeKind::String: {
      auto s = string_value(t, v, p);
      if (!s) return std::move(s).error();
      auto st = store_string(**s, p, m, o);
      if (!st) return std::move(st).error();
      out.push_back(st->ptr);
      out.push_back(st->tagged_code_units);
      return {};
    }
    case TypeKind::List: {
      auto r = store_list_range(*t.elem, v, p, m, o, t);
      if (!r) return std::move(r).error();
      out.push_back(r->ptr);
      out.push_back(r->tagged_code_units);
      return {};
    }
    case TypeKind::Record: {
      if (!v.is_map()) return mismatch(p, t, "a table with the record's fields", v);
      for (const auto& f : t.fields) {
        Path fp = p.field(f.name);
        auto fv = record_field(t, f, v, p);
        if (!fv) return std::move(fv).error();
        WIRT_TRY(lower_flat(*f.type, **fv, fp, m, o, out));
      }
      return {};
    }
    case TypeKind::Tuple: {
      auto elems = tuple_elements(t, v, p);
      if (!elems) return std::move(elems).error();
      const core::Array* arr = *elems;
      for (size_t i = 0; i < arr->size(); ++i) WIRT_TRY(lower_flat(*t.elems[i], (*arr)[i], p.elem(i), m, o, out));
      return {};
    }
    case TypeKind::Variant: case TypeKind::Enum: case TypeKind::Option: case TypeKind::Result: {
      auto sel = select_case(t, v, p);
      if (!sel) return std::move(sel).error();
      out.push_back(sel->index);
      size_t start = out.size();
      if (sel->payload_type) {
        Path cp = t.kind == TypeKind::Option ? p : p.field(sel->label);
        WIRT_TRY(lower_flat(*sel->payload_type, *sel->payload, cp, m, o, out));
      }
      // Pad to the joined payload width (CanonicalABI.md "lower_flat_variant"); the coercions
      // there keep the raw bits, which is what the uint64 representation already holds.
      out.resize(start + (t.flat.size() - 1), 0);
      return {};
    }
    case TypeKind::Flags: {
      auto w = flags_words(t, v, p);
      if (!w) return std::move(w).error();
      for (uint32_t x : *w) out.push_back(x);
      return {};
    }
    case TypeKind::Own: case TypeKind::Borrow: {
      auto h = handle_value(t, v, p, o);
      if (!h) return std::move(h).error();
      out.push_back(*h);
      return {};
    }
    default: return check_abi_ready(t, p);
  }
}

core::Status store(const Type& t, const Value& v, uint32_t ptr, const Path& p, Mem& m, const CanonOptions& o) {
  WIRT_TRY(m.check(ptr, t.size, t.align, p, "value"));
  switch (t.kind) {
    case TypeKind::Bool:
      if (!v.is_bool()) return mismatch(p, t, "a boolean", v);
      m.write_uint(ptr, v.as_bool() ? 1 : 0, 1);
      return {};
    case TypeKind::S8: case TypeKind::U8: case TypeKind::S16: case TypeKind::U16:
    case TypeKind::S32: case TypeKind::U32: case TypeKind::S64: case TypeKind::U64: {
      auto b = int_bits(t, v, p);
      if (!b) return std::move(b).error();
      m.write_uint(ptr, *b, t.size);
      return {};
    }
    case TypeKind::F32: case TypeKind::F64: {
      auto b = float_bits(t, v, p);
      if (!b) return std::move(b).error();
      m.write_uint(ptr, *b, t.size);
      return {};
    }
    case TypeKind::Char: {
      auto c = char_value(t, v, p);
      if (!c) return std::move(c).error();
      m.write_uint(ptr, *c, 4);
      return {};
    }
    case TypeKind::String: {
      auto s = string_value(t, v, p);
      if (!s) return std::move(s).error();
      auto st = store_string(**s, p, m, o);
      if (!st) return std::move(st).error();
      m.write_uint(ptr, st->ptr, 4);
      m.write_uint(ptr + 4, st->tagged_code_units, 4);
      return {};
    }
    case TypeKind::List: {
      auto r = store_list_range(*t.elem, v, p, m, o, t);
      if (!r) return std::move(r).error();
      m.write_uint(ptr, r->ptr, 4);
      m.write_uint(ptr + 4, r->tagged_code_units, 4);
      return {};
    }
    case TypeKind::Record: {
      if (!v.is_map()) return mismatch(p, t, "a table with the record's fields", v);
      uint64_t off = 0;
      for (const auto& f : t.fields) {
        off = align_up(off, f.type->align);
        auto fv = record_field(t, f, v, p);
        if (!fv) return std::move(fv).error();
        WIRT_TRY(store(*f.type, **fv, ptr + static_cast<uint32_t>(off), p.field(f.name), m, o));
        off += f.type->size;
      }
      return {};
    }
    case TypeKind::Tuple: {
      auto elems = tuple_elements(t, v, p);
      if (!elems) return std::move(elems).error();
      const core::Array* arr = *elems;
      uint64_t off = 0;
      for (size_t i = 0; i < arr->size(); ++i) {
        off = align_up(off, t.elems[i]->align);
        WIRT_TRY(store(*t.elems[i], (*arr)[i], ptr + static_cast<uint32_t>(off), p.elem(i), m, o));
        off += t.elems[i]->size;
      }
      return {};
    }
    case TypeKind::Variant: case TypeKind::Enum: case TypeKind::Option: case TypeKind::Result: {
      auto sel = select_case(t, v, p);
      if (!sel) return std::move(sel).error();
      VariantLayout l = variant_layout(t);
      m.write_uint(ptr, sel->index, l.disc_size);
      if (sel->payload_type) {
        Path cp = t.kind == TypeKind::Option ? p : p.field(sel->label);
        WIRT_TRY(store(*sel->payload_type, *sel->payload, ptr + l.payload_offset, cp, m, o));
      }
      return {};
    }
    case TypeKind::Flags: {
      auto w = flags_words(t, v, p);
      if (!w) return std::move(w).error();
      if (t.size <= 4) {
        if (t.size > 0) m.write_uint(ptr, (*w)[0], t.size);
      } else {
        for (size_t i = 0; i < w->size(); ++i) m.write_uint(ptr + static_cast<uint32_t>(4 * i), (*w)[i], 4);
      }
      return {};
    }
    case TypeKind::Own: case TypeKind::Borrow: {
      auto h = handle_value(t, v, p, o);
      if (!h) return std::move(h).error();
      m.write_uint(ptr, *h, 4);
      return {};
    }
    default: return check_abi_ready(t, p);
  }
}

}  // namespace wirt::component::abi
