// Validation rules libwabt 1.0.32's validator misses (found by the strict core spec runner,
// tests/unit/wasm/spec_test.cc): without them such invalid modules reach wasm2c and fail only
// when the generated C does not compile, with a C compiler's message.
//
// Stateless; thread-safe.
#pragma once

#include <wabt/error.h>
#include <wabt/ir.h>

namespace wirt::wasm {

// Spec §3.4.9–3.4.10 (an active segment's offset is a constant expression of type i32, so it is
// not empty) and §3.3.8.3 (call_indirect's table has element type funcref). Appends a
// "type mismatch: …" error per violation; false when there was one.
bool validate_beyond_wabt(const wabt::Module& module, wabt::Errors* errors);

}  // namespace wirt::wasm
