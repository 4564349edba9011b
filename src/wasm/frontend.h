// The WASM front end: libwabt parses WAT or binary modules, validates them, rejects what
// wasm2c 1.0.32 cannot translate, and writes C in-process (DESIGN §2.1 "Front end").
//
// Stateless functions; thread-safe (libwabt keeps no global state on these paths).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "wasm/types.h"

namespace wirt::wasm {

// The name wasm2c is given for every module: generated symbols are Z_w..., and never clash
// because tier 1 compiles each module in its own TCCState and tier 2 builds with hidden
// visibility.
inline constexpr std::string_view kCModuleName = "w";
// An extra export added before the C writer runs so the glue can reach memory 0 even when the
// module does not export it (canonical ABI, reset).
inline constexpr std::string_view kMemory0Export = "__wirt_memory0";

struct Translation {
  std::vector<uint8_t> binary;  // the module's binary form (as given, or encoded from WAT)
  std::string sha256;           // of `binary`
  std::vector<ExportInfo> exports;
  std::vector<ImportInfo> imports;       // in import order (= import slot index)
  std::vector<std::string> import_modules;  // distinct module names, wasm2c's order (sorted)
  bool has_memory = false;               // memory index 0 exists (defined or imported)
  bool code_may_write_memory = true;     // see wasm/memory_writes.h
  bool code_may_write_other_state = true;  // see wasm/memory_writes.h
  bool has_start = true;                 // declares a start function
  std::string c_header, c_source;        // wasm2c output
};

// WAT text → binary. Errors are Invalid, "<name>:<line>:<col>: <message>".
core::Result<std::vector<uint8_t>> wat_to_binary(std::string_view text, std::string_view name);

// Binary → validated module → C. Errors are Invalid ("<name>: ..."); a module using an
// unsupported proposal gets "<name>: uses <feature>, which wirt cannot run". With `write_c`
// false the C writer (the slow part for big modules) is skipped: c_header/c_source stay empty.
// `known_sha256`, when given, is taken as the binary's hash instead of hashing it again: the
// background tier-2 job translates while exit may already have cleaned up libcrypto.
core::Result<Translation> translate(std::span<const uint8_t> binary, std::string_view name, bool write_c = true,
                                    std::string_view known_sha256 = {});

// Parses and validates only (no C), for wirt check and assert_invalid-style tests.
core::Status validate_binary(std::span<const uint8_t> binary, std::string_view name);

}  // namespace wirt::wasm
