// wirt::wasm value types, signatures, import/export descriptions, limits and options.
//
// Plain data; copyable; safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirt::wasm {

// Core value types that can cross the uniform call boundary (WebAssembly 2.0, §2.3).
enum class ValType : uint8_t { I32, I64, F32, F64, FuncRef, ExternRef };
std::string_view val_type_name(ValType t);

struct FuncType {
  std::vector<ValType> params, results;
  bool operator==(const FuncType&) const = default;
};
// "(i32, i64) -> (f32)".
std::string to_string(const FuncType& t);

enum class ExternKind : uint8_t { Func, Table, Memory, Global };
std::string_view extern_kind_name(ExternKind k);

struct ExportInfo {
  std::string name;
  ExternKind kind = ExternKind::Func;
  FuncType type;           // functions only
  ValType global_type{};   // globals only
  bool global_mutable = false;
  ValType table_elem = ValType::FuncRef;  // tables only
};

struct ImportInfo {
  std::string module, name;
  ExternKind kind = ExternKind::Func;
  FuncType type;           // functions only
  ValType global_type{};   // globals only
  bool global_mutable = false;
  uint32_t min = 0, max = UINT32_MAX;  // memories (pages) and tables (elements)
  ValType table_elem = ValType::FuncRef;
};

// Per-instance limits (DESIGN §1.4).
struct Limits {
  // Upper bound on linear memory, in 64 KiB pages; memory.grow beyond it returns -1.
  // 0 = only the module's own maximum (and the 65535-page runtime cap).
  uint32_t max_memory_pages = 0;
  // Wall-clock budget of one call(); 0 = unlimited. Expiry interrupts guest code with a
  // Timeout error and marks the instance dead (it must be reset before reuse).
  uint32_t max_execution_ms = 0;
  // Bytes of native stack guest code may use below the call entry before it traps with
  // "call stack exhausted". Fibers run with ~1 MiB stacks, so the default leaves room for
  // host imports and signal frames.
  uint32_t max_stack_bytes = 512 * 1024;
};

enum class BoundsChecks : uint8_t {
  Auto,      // guard pages when 8 GiB of address space can be reserved, else explicit
  Guard,     // 8 GiB reservation per memory, out-of-bounds access faults (fastest)
  Explicit,  // compare every access with the memory size (0–18 % slower; little address space)
};

struct CompileOptions {
  // Compile with the system C compiler in the background and switch to it (tier 2).
  bool tier2 = true;
  // Wait for tier 2 inside compile_*() instead of starting on tier 1 (wirt compile, tests).
  bool tier2_sync = false;
  // Skip tier 1 (libtcc) entirely when tier 2 is available (mostly for tests).
  bool tier1 = true;
  BoundsChecks bounds_checks = BoundsChecks::Auto;
  // Name used in error messages (an entry id, a file name).
  std::string name = "module";
};

}  // namespace wirt::wasm
