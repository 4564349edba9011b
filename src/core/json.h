// JSON <-> Value conversion (nlohmann::json underneath).
//
// Mapping: null↔nil, bool, integer↔Int (u64 above INT64_MAX becomes a float), float↔Float,
// string↔String, array↔Array, object↔Map (key order kept). Bytes encode as a JSON string of
// the raw bytes when they are valid UTF-8 and as an array of integers otherwise, so output is
// always valid JSON. Non-finite floats encode as null (JSON has no NaN/Inf).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace wirt::core {

// Compact JSON text ("{"a":1}"); `pretty` indents with two spaces.
std::string to_json(const Value& v, bool pretty = false);
// Parses JSON text; errors are kind Invalid with the byte offset.
Result<Value> from_json(std::string_view text);

// True when `s` is valid UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace wirt::core
