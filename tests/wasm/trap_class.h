// The class of a WebAssembly trap, from its message, so that traps reported by different
// engines (wirt "wasm trap: …", wabt's interpreter, the spec's `assert_trap` texts) can be
// compared strictly by kind. Shared by the spec runner (tests/unit/wasm/spec_test.cc) and the
// differential engine fuzzer (tests/fuzz/engine_diff.cc).
//
// The classes are the spec's trap texts (WebAssembly/spec interpreter/exec/eval.ml, as
// the core test suite spells them). Two spellings fold into one class:
//   "undefined element" (call_indirect index past the table end, spec §4.4.8 step 10) is the
//   same check as "out of bounds table access" (table.get/set/…, §4.4.6): wasm2c and wabt
//   report both as a table bounds trap;
//   "indirect call type mismatch" is wirt's "indirect call signature mismatch" and wabt's
//   "indirect call signature mismatch"; wabt says "undefined table index" for the first and
//   "uninitialized table element" for a null entry.
#pragma once

#include <string_view>

namespace wirt::testing {

enum class TrapClass {
  None,  // not recognised as a trap
  DivideByZero,
  IntegerOverflow,
  InvalidConversion,
  MemoryBounds,
  TableBounds,
  UninitializedElement,
  IndirectCallType,
  Unreachable,
  StackExhausted,
  Timeout,
  HostError,  // a host function failed (unresolved import, host trap)
};

inline const char* trap_class_name(TrapClass c) {
  switch (c) {
    case TrapClass::None: return "not a trap";
    case TrapClass::DivideByZero: return "integer divide by zero";
    case TrapClass::IntegerOverflow: return "integer overflow";
    case TrapClass::InvalidConversion: return "invalid conversion to integer";
    case TrapClass::MemoryBounds: return "out of bounds memory access";
    case TrapClass::TableBounds: return "out of bounds table access";
    case TrapClass::UninitializedElement: return "uninitialized element";
    case TrapClass::IndirectCallType: return "indirect call type mismatch";
    case TrapClass::Unreachable: return "unreachable";
    case TrapClass::StackExhausted: return "call stack exhausted";
    case TrapClass::Timeout: return "execution time limit exceeded";
    case TrapClass::HostError: return "host error";
  }
  return "?";
}

// Classifies a trap message of any of the three sources. Order matters only where one text
// contains another ("out of bounds memory access" vs "… table access").
inline TrapClass classify_trap(std::string_view m) {
  auto has = [m](std::string_view s) { return m.find(s) != std::string_view::npos; };
  if (has("integer divide by zero")) return TrapClass::DivideByZero;
  if (has("integer overflow")) return TrapClass::IntegerOverflow;
  if (has("invalid conversion to integer")) return TrapClass::InvalidConversion;
  if (has("out of bounds memory access") || has("memory access out of bounds"))
    return TrapClass::MemoryBounds;
  if (has("out of bounds table access") || has("undefined element") || has("undefined table index"))
    return TrapClass::TableBounds;
  if (has("uninitialized element") || has("uninitialized table element")) return TrapClass::UninitializedElement;
  if (has("indirect call type mismatch") || has("indirect call signature mismatch"))
    return TrapClass::IndirectCallType;
  if (has("unreachable")) return TrapClass::Unreachable;
  if (has("call stack exhausted")) return TrapClass::StackExhausted;
  if (has("execution time limit exceeded")) return TrapClass::Timeout;
  if (has("unresolved import") || has("host function")) return TrapClass::HostError;
  return TrapClass::None;
}

}  // namespace wirt::testing
