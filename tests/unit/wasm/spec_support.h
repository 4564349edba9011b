// Support for the core spec runner (spec_test.cc): the source rewrites that let wast2json
// 1.0.32 read newer syntax (tests/wasm/spec-rewrites.txt) and the reason classes of
// assert_invalid / assert_malformed (tests/wasm/spec-reasons.txt).
#pragma once

#include <string>
#include <string_view>

namespace wirt::wasm::testing {

// `text` (the .wast file `file`) with the rewrites applied; every line stays where it was.
// Appends one note per applied rewrite to *applied; a listed rewrite whose text is not on its
// line is reported there too ("not applied"), so upstream changes do not go unnoticed.
// Assertions in commented-out ranges are counted in *removed_assertions (reported as skipped).
std::string rewrite_for_wabt(std::string_view file, std::string text, std::string* applied, int* removed_assertions);

// True when wirt's error `message` belongs to the reason class of the spec text `expected`
// (spec-reasons.txt). Otherwise *why says what was expected.
bool reason_matches(std::string_view expected, std::string_view message, std::string* why);

}  // namespace wirt::wasm::testing
