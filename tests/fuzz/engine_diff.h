// The differential engine check behind engine_diff_fuzz.cc: one core module run on wirt's tier 1
// (libtcc), wirt's tier 2 (cc -O2) and wabt's interpreter (libwabt), the three compared.
//
// The modules come from binaryen's `wasm-opt -ttf` (translate-to-fuzz): they import
// fuzzing-support.log-{i32,i64,f32,f64} and export functions plus `hangLimitInitializer`,
// which resets the loop/recursion budget binaryen inserts so every export terminates. Each
// engine calls every exported function in export order with zero arguments, calling
// hangLimitInitializer first, as binaryen's own execution harness does (src/tools/execution-results.h).
// Compared: each call's results (NaNs equal to any NaN: their bits are nondeterministic,
// spec §4.3.3), the class of each trap (tests/wasm/trap_class.h), every logged value in order,
// and the exported memory at the end. Stack exhaustion happens at engine-specific depths, so
// the comparison stops at the first call that exhausts the stack in any engine.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace wirt::fuzz {

struct Call {
  std::string name;
  std::string trap;              // "" or the trap class name
  std::vector<uint64_t> results; // NaNs canonicalised
  size_t log_before = 0;         // log lines written before this call
};

struct Run {
  std::string error;  // the module did not compile / instantiate here ("" = it ran)
  std::vector<Call> calls;
  std::vector<std::string> log;  // "i32 7", one per logged value, across all calls
  std::vector<uint8_t> memory;   // the exported memory "memory" after the last call
  size_t stopped_at = SIZE_MAX;  // index of the call that exhausted the stack
};

// tier: 1 or 2.
Run run_wirt(std::span<const uint8_t> wasm, int tier);
Run run_wabt(std::span<const uint8_t> wasm);

// "" when the runs agree, else the first difference.
std::string compare(const Run& a, const Run& b, const char* an, const char* bn);

}  // namespace wirt::fuzz
