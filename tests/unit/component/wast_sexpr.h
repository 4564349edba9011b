// A reader for the S-expressions of .wast scripts (WebAssembly text format §6.3 lexical
// format: `;;` line comments, nested `(; ;)` block comments, "strings" with \xx, \n, \t, \\,
// \', \", \u{…} escapes), for the component-model test runner (cm_spec_test.cc). It splits a
// script into its top-level commands and keeps each node's source text, so a `(component …)`
// can be handed to jco verbatim. Not a validator: it only needs balanced parentheses.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wirt::component::testing {

struct SNode {
  bool list = false;
  bool string = false;      // a "…" atom; `atom` holds its decoded bytes
  std::string atom;         // keyword, number, $id, or decoded string
  std::vector<SNode> items;  // list
  size_t begin = 0, end = 0;  // source span [begin, end)
  int line = 0;              // 1-based line of `begin`

  bool is(std::string_view keyword) const { return !list && !string && atom == keyword; }
  // The first item's keyword ("" when none).
  std::string_view head() const { return list && !items.empty() && !items[0].list ? std::string_view(items[0].atom) : ""; }
};

// The top-level forms of `text`. Errors (kind Invalid) name the line.
core::Result<std::vector<SNode>> read_sexprs(std::string_view text);

}  // namespace wirt::component::testing
