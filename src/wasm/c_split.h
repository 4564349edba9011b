// Splits a module's assembled C (assemble_c) into translation units that tier 2 compiles in
// parallel and links into one shared object (issue 11 item 4: the 13 MB JS component's 156 MB
// of C exhausted a single compiler's 4 GiB limit).
//
// Layout of the result: unit 0 holds everything that is not a wasm function body (data and
// element segments, init code, export wrappers, the uniform glue, the definition of every
// shared object); units 1..N hold the function bodies, partitioned in order into units of at
// most `max_unit_bytes` (a single body larger than that gets a unit of its own). Every unit
// starts with the same shared text: wirt's prelude, wasm2c's header and helper macros, and
// declarations of all functions, segments, func_types and wirt_api. What wasm2c declares
// `static` and more than one unit uses gets external linkage instead, hidden by
// `#pragma GCC visibility push(hidden)` so nothing but the module entry leaves the object.
//
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace wirt::wasm {

// Returns the units, or an empty vector when the text does not have the shape wasm2c 1.0.32
// writes (the caller then compiles the text as one unit) or when it would make one body unit.
std::vector<std::string> split_c_units(const std::string& c_source, size_t max_unit_bytes);

}  // namespace wirt::wasm
