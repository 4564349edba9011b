#include "registry/filter.h"

#include <fmt/format.h>

namespace wirt::registry {

namespace {

// Lua gives 1 and 1.0 as different types (integer / float); YAML meta reads `1` as an Int.
bool values_equal(const core::Value& actual, const core::Value& expected) {
  if (actual.is_number() && expected.is_number()) return actual.as_number() == expected.as_number();
  return actual == expected;
}

// The reference finder's rule for lists: every expected element is somewhere in actual.
bool contains_all(const core::Value& actual, const core::Array& expected) {
  if (!actual.is_array()) return false;
  for (const auto& want : expected) {
    bool found = false;
    for (const auto& have : actual.as_array())
      if (values_equal(have, want)) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

bool meta_equals(const core::Value* actual, const core::Value& expected) {
  if (!actual) return false;
  if (expected.is_array()) return contains_all(*actual, expected.as_array());
  return values_equal(*actual, expected);
}

}  // namespace

bool glob_match(std::string_view value, std::string_view pattern) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return value == pattern;
  // The part before the first `*` is a prefix; the rest is matched greedily left to right,
  // the last segment anchored at the end.
  if (value.substr(0, star) != pattern.substr(0, star)) return false;
  value.remove_prefix(star);
  pattern.remove_prefix(star + 1);
  while (true) {
    size_t next = pattern.find('*');
    if (next == std::string_view::npos) {
      return value.size() >= pattern.size() && value.substr(value.size() - pattern.size()) == pattern;
    }
    std::string_view segment = pattern.substr(0, next);
    size_t at = value.find(segment);
    if (at == std::string_view::npos) return false;
    value.remove_prefix(at + segment.size());
    pattern.remove_prefix(next + 1);
  }
}

core::Result<Filter> Filter::parse(const core::Value& criteria) {
  if (!criteria.is_map()) return core::invalid(fmt::format("filter must be a table, got {}", criteria.type_name()));
  Filter f;
  auto string_operand = [](const std::string& key, const core::Value& v) -> core::Status {
    if (!v.is_string()) return core::invalid(fmt::format("filter field {}: string expected, got {}", key, v.type_name()));
    return {};
  };
  for (const auto& [key, value] : criteria.as_map()) {
    if (key == "meta") {
      if (!value.is_map()) return core::invalid(fmt::format("filter field meta: table expected, got {}", value.type_name()));
      for (const auto& [k, v] : value.as_map()) f.criteria_.push_back({Field::Meta, Op::Equals, k, v, nullptr});
      continue;
    }
    if (key == "kind" || key == ".kind" || key == ".ns" || key == ".name" || key == ".id") {
      if (auto st = string_operand(key, value); !st) return std::move(st).error();
      Field field = key == ".ns" ? Field::Ns : key == ".name" ? Field::Name : key == ".id" ? Field::Id : Field::Kind;
      f.criteria_.push_back({field, Op::Glob, {}, value, nullptr});
      continue;
    }
    if (!key.empty() && key[0] == '.')
      return core::invalid(fmt::format("filter field {}: unknown entry field (.kind, .ns, .name or .id)", key));
    Op op = Op::Equals;
    std::string_view field = key;
    switch (key.empty() ? '\0' : key[0]) {
      case '~': op = Op::Regex; break;
      case '^': op = Op::Prefix; break;
      case '$': op = Op::Suffix; break;
      case '*': op = Op::Contains; break;
      default: break;
    }
    if (op != Op::Equals) {
      field.remove_prefix(1);
      if (auto st = string_operand(key, value); !st) return std::move(st).error();
    }
    if (field.rfind("meta.", 0) == 0) field.remove_prefix(5);
    if (field.empty()) return core::invalid(fmt::format("filter field {}: no meta field named", key));
    Criterion c{Field::Meta, op, std::string(field), value, nullptr};
    if (op == Op::Regex) {
      try {
        c.regex = std::make_shared<const std::regex>(value.as_string(), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return core::invalid(fmt::format("filter field {}: invalid regex {:?}: {}", key, value.as_string(), e.what()));
      }
    }
    f.criteria_.push_back(std::move(c));
  }
  return f;
}

bool Filter::match(const Entry& e) const {
  for (const auto& c : criteria_)
    if (!match(c, e)) return false;
  return true;
}

bool Filter::match(const Criterion& c, const Entry& e) const {
  switch (c.field) {
    case Field::Kind: return glob_match(e.kind, c.value.as_string());
    case Field::Ns: return glob_match(e.id.ns, c.value.as_string());
    case Field::Name: return glob_match(e.id.name, c.value.as_string());
    case Field::Id: return glob_match(e.id.str(), c.value.as_string());
    case Field::Meta: break;
  }
  const core::Value* actual = e.meta.find(c.meta_key);
  if (c.op == Op::Equals) return meta_equals(actual, c.value);
  if (!actual) return false;
  const std::string& want = c.value.as_string();
  if (c.op == Op::Contains) {
    if (actual->is_string()) return actual->as_string().find(want) != std::string::npos;
    if (!actual->is_array()) return false;
    for (const auto& item : actual->as_array())
      if (item.is_string() && item.as_string().find(want) != std::string::npos) return true;
    return false;
  }
  if (!actual->is_string()) return false;
  const std::string& s = actual->as_string();
  switch (c.op) {
    case Op::Regex: return std::regex_search(s, *c.regex);
    case Op::Prefix: return s.rfind(want, 0) == 0;
    case Op::Suffix: return s.size() >= want.size() && s.compare(s.size() - want.size(), want.size(), want) == 0;
    default: return false;
  }
}

}  // namespace wirt::registry
