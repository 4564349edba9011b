#include "core/value.h"

namespace wirt::core {

namespace {

bool is_nonempty_container(const Value& v) {
  return (v.is_array() && !v.as_array().empty()) || (v.is_map() && !v.as_map().empty());
}

}  // namespace

bool Value::has_nested() const {
  if (const auto* a = std::get_if<Array>(&v_)) {
    for (const Value& e : *a)
      if (is_nonempty_container(e)) return true;
  } else if (const auto* m = std::get_if<Map>(&v_)) {
    for (const auto& kv : *m)
      if (is_nonempty_container(kv.second)) return true;
  }
  return false;
}

void Value::detach_nested(std::vector<Value>& out) {
  auto take = [&out](Value& e) {
    if (is_nonempty_container(e)) {
      out.push_back(std::move(e));
      e = Value();
    }
  };
  if (auto* a = std::get_if<Array>(&v_)) {
    for (Value& e : *a) take(e);
  } else if (auto* m = std::get_if<Map>(&v_)) {
    for (auto& kv : *m) take(kv.second);
  }
}

// A worklist instead of the recursion std::variant/std::vector would do: every container
// reached is emptied of nested containers before it is freed, so each destructor frees only
// scalars and empty containers and the stack depth stays constant. A flat container (the
// common case) takes the first return and allocates nothing.
Value::~Value() {
  if (!has_nested()) return;
  std::vector<Value> pending;
  detach_nested(pending);
  while (!pending.empty()) {
    Value next = std::move(pending.back());
    pending.pop_back();
    next.detach_nested(pending);
  }
}

const char* Value::type_name() const {
  switch (type()) {
    case Type::Nil: return "nil";
    case Type::Bool: return "boolean";
    case Type::Int: return "integer";
    case Type::Float: return "number";
    case Type::String: return "string";
    case Type::Bytes: return "bytes";
    case Type::Array: return "array";
    case Type::Map: return "map";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  if (!is_map()) return nullptr;
  for (const auto& [k, v] : as_map()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

const Value* Value::find_path(std::string_view dotted) const {
  const Value* cur = this;
  while (cur && !dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view head = dotted.substr(0, dot);
    cur = cur->find(head);
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  return cur;
}

void Value::set(std::string key, Value v) {
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  as_map().emplace_back(std::move(key), std::move(v));
}

void Value::erase(std::string_view key) {
  if (!is_map()) return;
  auto& m = as_map();
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it->first == key) {
      m.erase(it);
      return;
    }
  }
}

std::string Value::get_string(std::string_view key, std::string_view fallback) const {
  const Value* v = find(key);
  if (v && v->is_string()) return v->as_string();
  return std::string(fallback);
}

}  // namespace wirt::core
