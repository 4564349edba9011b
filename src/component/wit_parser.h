// wirt::component — the WIT parser: a tokenizer (wit_lexer.h) and a recursive-descent parser
// following the grammar of component-model design/mvp/WIT.md, then name resolution into the
// immutable model of wit_model.h. No regular expressions.
//
// Errors are core::Error of kind Invalid whose message starts with "line:col: ".
// Thread-safety: pure functions; the results are immutable and shareable.
#pragma once

#include <string_view>
#include <vector>

#include "component/types.h"
#include "component/wit_model.h"
#include "core/result.h"

namespace wirt::component {

// The `wit:` field of a core-module entry (DESIGN §1.2): a sequence of
// `name: func(a: s32, b: string) -> string;` declarations, optionally with `record`, `variant`,
// `enum`, `flags`, `resource` and `type` definitions in any order. The final `;` may be missing.
// Identifiers are kebab-case, may be `%`-escaped, and may contain `_` (core export names such as
// `add_i32`). `//` and `/* */` comments are allowed. An empty text gives an empty set.
core::Result<FunctionSet> parse_wit_functions(std::string_view text);

// A full WIT document (`package ns:name@ver;`, `interface`, `world` with imports/exports of
// interfaces and functions, `use`, `resource`, `include` of local worlds, feature gates such as
// `@since(...)` skipped). Types `use`d from packages this document does not define become
// TypeKind::Unresolved (they cannot be lifted or lowered until the component decoder supplies
// them); everything defined in the document is resolved.
core::Result<Package> parse_wit_package(std::string_view text);

// One WIT type expression ("list<tuple<u8, string>>"), with names looked up in `scope`.
core::Result<TypePtr> parse_wit_type(std::string_view text, const std::vector<TypeDef>& scope = {});

}  // namespace wirt::component
