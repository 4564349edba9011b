// YAML text -> core::Value, with the positions of every node kept beside the value.
//
// Why not yaml-cpp's own scalar conversion: yaml-cpp keeps every scalar as text and leaves
// typing to the caller. Entry data must be typed the way the reference (Go yaml.v3, YAML 1.2
// core schema) types it, so `port: 8080` is an integer and `port: "8080"` stays a string.
// Only PLAIN scalars are resolved; quoted and block scalars are always strings.
//
// Why a MarkTree: errors found long after parsing (a missing entry name, a file:// that escapes
// the app, a bad config) must still name the line, so the loader walks the marks in step with
// the value instead of re-parsing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace wirt::registry {

// A position in the text: 1-based line and column, 0 = unknown.
struct Mark {
  int line = 0;
  int column = 0;
};

// Positions shaped like the parsed Value: a map node's children are keyed by the map key,
// a sequence node's children by the decimal index ("0", "1", ...). Scalars have no children.
struct MarkTree {
  // Special members are defined out of line (yaml_value.cc): a class holding a vector of pairs
  // of itself is incomplete inside its own definition, and clang with libstdc++ 12 (the fuzz
  // build, `make fuzz`) rejects the implicit ones.
  MarkTree();
  ~MarkTree();
  MarkTree(const MarkTree&);
  MarkTree(MarkTree&&) noexcept;
  MarkTree& operator=(const MarkTree&);
  MarkTree& operator=(MarkTree&&) noexcept;

  Mark mark;
  std::vector<std::pair<std::string, MarkTree>> children;

  // nullptr when there is no such child.
  const MarkTree* child(std::string_view key) const;
  const MarkTree* child(size_t index) const;
};

struct YamlDocument {
  core::Value value;  // nil for an empty document
  MarkTree marks;
};

// Parses the first document of `text`. `file` only appears in error messages. Every failure
// (syntax, duplicate mapping key, non-scalar key, runaway alias expansion) is an Invalid error
// whose message is "<file>:<line>:<col>: YAML syntax error: <reason>".
core::Result<YamlDocument> parse_yaml(std::string_view text, std::string_view file);

// Same, value only.
core::Result<core::Value> parse_yaml_value(std::string_view text, std::string_view file);

// YAML 1.2 core-schema resolution of a plain scalar's text: null/~/"" -> nil,
// true/false (any of the three spellings) -> bool, decimal/0x/0o integers -> int64,
// floats incl. .inf/.nan -> double, anything else -> string. A decimal integer beyond int64
// becomes a double (as yaml.v3 does); an out-of-range 0x/0o literal stays a string.
core::Value resolve_plain_scalar(std::string_view text);

}  // namespace wirt::registry
