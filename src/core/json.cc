#include "core/json.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/nesting.h"

namespace wirt::core {

using ojson = nlohmann::ordered_json;

namespace {

ojson to_njson(const Value& v) {
  switch (v.type()) {
    case Value::Type::Nil: return nullptr;
    case Value::Type::Bool: return v.as_bool();
    case Value::Type::Int: return v.as_int();
    case Value::Type::Float: {
      double d = v.as_float();
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
    case Value::Type::String: return v.as_string();
    case Value::Type::Bytes: {
      const std::string& b = v.as_bytes().data;
      if (is_valid_utf8(b)) return b;
      ojson arr = ojson::array();
      for (unsigned char c : b) arr.push_back(int{c});
      return arr;
    }
    case Value::Type::Array: {
      ojson arr = ojson::array();
      for (const Value& e : v.as_array()) arr.push_back(to_njson(e));
      return arr;
    }
    case Value::Type::Map: {
      ojson obj = ojson::object();
      for (const auto& [k, e] : v.as_map()) obj[k] = to_njson(e);
      return obj;
    }
  }
  return nullptr;
}

Value from_njson(const ojson& j) {
  switch (j.type()) {
    case ojson::value_t::null: return Value();
    case ojson::value_t::boolean: return Value(j.get<bool>());
    case ojson::value_t::number_integer: return Value(j.get<int64_t>());
    case ojson::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case ojson::value_t::number_float: return Value(j.get<double>());
    case ojson::value_t::string: return Value(j.get<std::string>());
    case ojson::value_t::array: {
      Array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_njson(e));
      return Value(std::move(a));
    }
    case ojson::value_t::object: {
      Map m;
      m.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) m.emplace_back(it.key(), from_njson(it.value()));
      return Value(std::move(m));
    }
    default: return Value();
  }
}

// Deepest array/object nesting of JSON text, found by a linear scan that skips strings.
// Runs before the parser so that the recursive conversion below never sees more than
// kMaxNesting levels (a 60,000-deep argument used to overflow the fiber stack).
bool nesting_within_limit(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::string to_json(const Value& v, bool pretty) {
  // `replace` keeps invalid UTF-8 in strings from throwing; text from Lua may be arbitrary bytes.
  return to_njson(v).dump(pretty ? 2 : -1, ' ', false, ojson::error_handler_t::replace);
}

Result<Value> from_json(std::string_view text) {
  if (!nesting_within_limit(text)) return nesting_error("invalid JSON");
  ojson j = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions only on the error path to get the position and reason.
    try {
      ojson again = ojson::parse(text);
      (void)again;
    } catch (const ojson::exception& e) {
      // Not only parse_error: a number out of range (1e999) throws out_of_range, which used to
      // escape and terminate the process (found by json_fuzz).
      return invalid(std::string("invalid JSON: ") + e.what());
    }
    return invalid("invalid JSON");
  }
  return from_njson(j);
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace wirt::core
