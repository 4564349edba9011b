// wirt::core::Value — the one dynamic value that crosses every boundary:
// Lua, WIT (canonical ABI), JSON (CLI, HTTP) and YAML (entry data).
//
// A Value is nil, bool, int64, double, string (UTF-8 text), bytes, array or map.
// Maps keep insertion order (WIT record fields and YAML keys print in the order written);
// lookups are linear, which is the right trade for the small maps entries and records use.
// Values are plain copyable data with no shared mutable state: safe to hand between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wirt::core {

class Value;
using Array = std::vector<Value>;
using Map = std::vector<std::pair<std::string, Value>>;

// Bytes are distinct from text so that list<u8> and binary payloads survive a JSON round trip
// decision (they print as a JSON string of the raw bytes when valid UTF-8, else base64 is not
// attempted: see json.h).
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

class Value {
 public:
  enum class Type { Nil, Bool, Int, Float, String, Bytes, Array, Map };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(int64_t i) : v_(i) {}
  Value(uint32_t i) : v_(int64_t{i}) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Map m) : v_(std::move(m)) {}

  // Destruction is iterative (value.cc): a Value nested a million levels deep — which no
  // producer should build (core/nesting.h), but C++ code can — must not overflow the host
  // stack (a 2 MiB fiber stack) when it is freed. Copies and moves are the usual ones.
  ~Value();
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;

  static Value array() { return Value(Array{}); }
  static Value map() { return Value(Map{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  const char* type_name() const;

  bool is_nil() const { return type() == Type::Nil; }
  bool is_bool() const { return type() == Type::Bool; }
  bool is_int() const { return type() == Type::Int; }
  bool is_float() const { return type() == Type::Float; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return type() == Type::String; }
  bool is_bytes() const { return type() == Type::Bytes; }
  bool is_array() const { return type() == Type::Array; }
  bool is_map() const { return type() == Type::Map; }

  // Accessors assume the type was checked.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // Numeric value as double (int or float).
  double as_number() const { return is_int() ? static_cast<double>(as_int()) : as_float(); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  Map& as_map() { return std::get<Map>(v_); }

  // Map lookup: nullptr when this is not a map or has no such key.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Map lookup by dotted path ("meta.command.name"); nullptr when absent.
  const Value* find_path(std::string_view dotted) const;
  // Inserts or replaces a key in a map (this must be a map).
  void set(std::string key, Value v);
  // Removes a key from a map; no-op when absent.
  void erase(std::string_view key);

  // String field of a map, or `fallback` when absent or not a string.
  std::string get_string(std::string_view key, std::string_view fallback = {}) const;

  // Lua-like truthiness: nil and false are false, everything else true.
  bool truthy() const { return !(is_nil() || (is_bool() && !as_bool())); }

  bool operator==(const Value& other) const { return v_ == other.v_; }

 private:
  // Moves every non-empty array or map child of this array/map into `out`, leaving nil.
  void detach_nested(std::vector<Value>& out);
  // True when an array/map child of this array/map is itself a non-empty array or map.
  bool has_nested() const;

  std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, Array, Map> v_;
};

}  // namespace wirt::core
