#include "registry/yaml_value.h"

#include <charconv>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <string>

// GCC 12 reports -Wdangling-pointer false positives inside yaml-cpp's inline Node accessors
// when map iterators are dereferenced (it->first); the diagnostics point into these headers.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>
#pragma GCC diagnostic pop

namespace wirt::registry {

MarkTree::MarkTree() = default;
MarkTree::~MarkTree() = default;
MarkTree::MarkTree(const MarkTree&) = default;
MarkTree::MarkTree(MarkTree&&) noexcept = default;
MarkTree& MarkTree::operator=(const MarkTree&) = default;
MarkTree& MarkTree::operator=(MarkTree&&) noexcept = default;

namespace {

// Limits that turn hostile input into an error instead of a crash or an OOM: yaml-cpp shares
// aliased nodes, so "billion laughs" documents are small as text but huge once expanded.
constexpr int kMaxDepth = 512;
constexpr size_t kMaxNodes = 1'000'000;

const std::string kTagStr = "tag:yaml.org,2002:str";
const std::string kTagInt = "tag:yaml.org,2002:int";
const std::string kTagFloat = "tag:yaml.org,2002:float";
const std::string kTagBinary = "tag:yaml.org,2002:binary";
const std::string kTagMerge = "tag:yaml.org,2002:merge";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// [0-9]+(\.[0-9]*)?|\.[0-9]+ followed by an optional exponent; the sign is already stripped.
bool is_core_float(std::string_view s) {
  size_t i = 0;
  size_t int_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

Mark to_mark(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string syntax_message(std::string_view file, Mark m, std::string_view reason) {
  std::string out(file);
  if (m.line > 0) out += ":" + std::to_string(m.line) + ":" + std::to_string(m.column);
  out += ": YAML syntax error: ";
  out += reason;
  return out;
}

class Converter {
 public:
  explicit Converter(std::string_view file) : file_(file) {}

  core::Status convert(const YAML::Node& node, core::Value* out, MarkTree* marks, int depth) {
    marks->mark = to_mark(node.Mark());
    if (depth > kMaxDepth) return fail(marks->mark, "nesting is too deep");
    if (++nodes_ > kMaxNodes) return fail(marks->mark, "document too large (alias expansion?)");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        // `key: !!str` (tagged but empty) is the empty string; every other null is nil.
        *out = node.Tag() == kTagStr ? core::Value(std::string()) : core::Value();
        return {};
      case YAML::NodeType::Scalar:
        return scalar(node, out, marks->mark);
      case YAML::NodeType::Sequence: {
        core::Array arr;
        arr.reserve(node.size());
        for (size_t i = 0; i < node.size(); ++i) {
          core::Value item;
          MarkTree item_marks;
          WIRT_TRY(convert(node[i], &item, &item_marks, depth + 1));
          arr.push_back(std::move(item));
          marks->children.emplace_back(std::to_string(i), std::move(item_marks));
        }
        *out = core::Value(std::move(arr));
        return {};
      }
      case YAML::NodeType::Map:
        return map(node, out, marks, depth);
    }
    return fail(marks->mark, "unknown node type");
  }

 private:
  core::Error fail(Mark m, std::string_view reason) const {
    return core::invalid(syntax_message(file_, m, reason));
  }

  core::Status scalar(const YAML::Node& node, core::Value* out, Mark m) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    // "!" is what yaml-cpp reports for quoted and block scalars: always text.
    if (tag == "!" || tag == kTagStr) {
      *out = core::Value(text);
      return {};
    }
    if (tag == kTagBinary) {
      std::vector<unsigned char> raw = YAML::DecodeBase64(text);
      if (raw.empty() && !text.empty()) return fail(m, "invalid base64 in !!binary scalar");
      *out = core::Value(core::Bytes{std::string(raw.begin(), raw.end())});
      return {};
    }
    if (tag == "?" || tag.rfind("tag:yaml.org,2002:", 0) == 0) {
      core::Value v = resolve_plain_scalar(text);
      if (tag == kTagFloat && v.is_int()) v = core::Value(static_cast<double>(v.as_int()));
      if ((tag == kTagInt && !v.is_int()) || (tag == kTagFloat && !v.is_float())) {
        return fail(m, "cannot decode \"" + text + "\" as " + tag.substr(18));
      }
      *out = std::move(v);
      return {};
    }
    // An application tag (`!foo bar`) carries no meaning for entries; keep the text.
    *out = core::Value(text);
    return {};
  }

  // Keys are scalars printed as written. `<<` merge keys (YAML 1.1, still common in configs
  // and supported by yaml.v3) are expanded here because yaml-cpp 0.7 leaves them as plain keys:
  // explicitly written keys win over merged ones wherever they appear.
  core::Status map(const YAML::Node& node, core::Value* out, MarkTree* marks, int depth) {
    core::Value result = core::Value::map();
    std::vector<std::string> explicit_keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // A copy: it->first belongs to a temporary proxy that dies with the full-expression
      // (ASan: stack-use-after-scope, found by yaml_entry_fuzz).
      const YAML::Node key = it->first;
      Mark key_mark = to_mark(key.Mark());
      if (key.Type() == YAML::NodeType::Sequence || key.Type() == YAML::NodeType::Map) {
        return fail(key_mark, "mapping keys must be scalars");
      }
      std::string name = key.Type() == YAML::NodeType::Scalar ? key.Scalar() : std::string();
      core::Value value;
      MarkTree value_marks;
      WIRT_TRY(convert(it->second, &value, &value_marks, depth + 1));
      bool is_merge = name == "<<" && (key.Tag() == "?" || key.Tag() == kTagMerge);
      if (is_merge) {
        WIRT_TRY(merge(value, value_marks, key_mark, explicit_keys, &result, marks));
        continue;
      }
      for (const std::string& seen : explicit_keys) {
        if (seen == name) {
          const MarkTree* first = marks->child(name);
          std::string reason = "mapping key \"" + name + "\" already defined";
          if (first && first->mark.line > 0) reason += " at line " + std::to_string(first->mark.line);
          return fail(key_mark, reason);
        }
      }
      explicit_keys.push_back(name);
      set_child(&result, marks, name, std::move(value), std::move(value_marks));
    }
    *out = std::move(result);
    return {};
  }

  core::Status merge(const core::Value& value, const MarkTree& value_marks, Mark key_mark,
                     const std::vector<std::string>& explicit_keys, core::Value* result,
                     MarkTree* marks) {
    auto merge_one = [&](const core::Value& src, const MarkTree& src_marks) {
      for (const auto& [k, v] : src.as_map()) {
        bool is_explicit = false;
        for (const std::string& e : explicit_keys) is_explicit = is_explicit || e == k;
        // First merged source wins among merges, as YAML's merge spec orders them.
        if (is_explicit || result->find(k)) continue;
        const MarkTree* child = src_marks.child(k);
        set_child(result, marks, k, v, child ? *child : MarkTree{});
      }
    };
    if (value.is_map()) {
      merge_one(value, value_marks);
      return {};
    }
    if (value.is_array()) {
      const core::Array& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_map()) return fail(key_mark, "<< merge value must be a mapping or a list of mappings");
        const MarkTree* child = value_marks.child(i);
        merge_one(items[i], child ? *child : MarkTree{});
      }
      return {};
    }
    return fail(key_mark, "<< merge value must be a mapping or a list of mappings");
  }

  // Inserts or replaces (a later explicit key overrides a merged one) keeping marks in step.
  static void set_child(core::Value* result, MarkTree* marks, const std::string& key, core::Value v,
                        MarkTree m) {
    result->set(key, std::move(v));
    for (auto& [k, existing] : marks->children) {
      if (k == key) {
        existing = std::move(m);
        return;
      }
    }
    marks->children.emplace_back(key, std::move(m));
  }

  std::string_view file_;
  size_t nodes_ = 0;
};

}  // namespace

const MarkTree* MarkTree::child(std::string_view key) const {
  for (const auto& [k, v] : children) {
    if (k == key) return &v;
  }
  return nullptr;
}

const MarkTree* MarkTree::child(size_t index) const { return child(std::to_string(index)); }

core::Value resolve_plain_scalar(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return {};
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;

  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    bool hex = s[1] == 'x';
    std::string_view digits = s.substr(2);
    bool valid = hex ? all_of(digits, is_hex)
                     : all_of(digits, [](char c) { return c >= '0' && c <= '7'; });
    if (valid) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 8);
      if (ec == std::errc() && ptr == digits.data() + digits.size()) return v;
      return std::string(s);  // out of range: keep the text rather than guess
    }
    return std::string(s);
  }

  bool negative = s[0] == '-';
  std::string_view body = (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
  if (all_of(body, is_digit)) {
    // from_chars rejects a leading '+', so parse the body and apply the sign ourselves
    // through the string form (keeps INT64_MIN exact).
    std::string signed_text = negative ? "-" + std::string(body) : std::string(body);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), v);
    if (ec == std::errc() && ptr == signed_text.data() + signed_text.size()) return v;
    double d = 0;
    std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), d);
    return d;
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  if (is_core_float(body)) {
    std::string signed_text = negative ? "-" + std::string(body) : std::string(body);
    double d = 0;
    auto [ptr, ec] = std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), d);
    if (ptr == signed_text.data() + signed_text.size() &&
        (ec == std::errc() || ec == std::errc::result_out_of_range)) {
      // Out of range: from_chars leaves d untouched, so produce the IEEE result ourselves.
      if (ec == std::errc::result_out_of_range) d = std::strtod(signed_text.c_str(), nullptr);
      return d;
    }
  }
  return std::string(s);
}

core::Result<YamlDocument> parse_yaml(std::string_view text, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return core::invalid(syntax_message(file, to_mark(e.mark), e.msg));
  } catch (const std::exception& e) {
    return core::invalid(syntax_message(file, {}, e.what()));
  }
  YamlDocument doc;
  try {
    Converter conv(file);
    WIRT_TRY(conv.convert(root, &doc.value, &doc.marks, 0));
  } catch (const YAML::Exception& e) {
    return core::invalid(syntax_message(file, to_mark(e.mark), e.msg));
  }
  return doc;
}

core::Result<core::Value> parse_yaml_value(std::string_view text, std::string_view file) {
  auto doc = parse_yaml(text, file);
  if (!doc) return std::move(doc).error();
  return std::move(doc->value);
}

}  // namespace wirt::registry
