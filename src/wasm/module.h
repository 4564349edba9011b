// wirt::wasm::Module — a compiled WebAssembly core module (DESIGN §2.1).
//
// compile_wat()/compile_binary() parse, validate and translate the module to C, then load
// native code: a cached tier-2 object when one exists, else tier 1 (libtcc, ~15 ms for a small
// module) while tier 2 (cc -O2) builds in the background; instances created or reset after
// that use tier 2 (the switch happens at a call boundary: Instance::reset()).
//
// Immutable after construction except for the tier switch, which is internally locked:
// a Module is thread-safe to share (std::shared_ptr) between any number of instances/threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "wasm/code.h"
#include "wasm/types.h"

namespace wirt::wasm {

struct Tier2Slot;

class Module {
 public:
  static core::Result<std::shared_ptr<Module>> compile_wat(std::string_view text,
                                                           const CompileOptions& options = {});
  static core::Result<std::shared_ptr<Module>> compile_binary(std::span<const uint8_t> binary,
                                                              const CompileOptions& options = {});
  // The same, for a binary that lives in memory `owner` keeps alive (a component's core module
  // inside the component's bytes): the module holds `owner` instead of copying the binary.
  static core::Result<std::shared_ptr<Module>> compile_binary(std::span<const uint8_t> binary,
                                                              const CompileOptions& options,
                                                              std::shared_ptr<const void> owner);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<ExportInfo>& exports() const { return exports_; }
  const std::vector<ImportInfo>& imports() const { return imports_; }
  // Index into exports(), or -1.
  int export_index(std::string_view name) const;
  // Lower-case hex sha256 of the module binary (for WAT: of its binary encoding).
  const std::string& sha256() const { return sha256_; }
  std::span<const uint8_t> binary() const { return binary_; }

  // 1 (libtcc) or 2 (system compiler), of the code new instances get.
  int tier() const;
  bool guard_pages() const { return guard_pages_; }
  // Whether code or imports can write its memories after instantiation (wasm/memory_writes.h).
  bool code_may_write_memory() const { return code_may_write_memory_; }
  // Whether code can change globals, tables, segments or the memory size (wasm/memory_writes.h).
  bool code_may_write_other_state() const { return code_may_write_other_state_; }
  // Whether it declares a start function (the only unbounded part of instantiation).
  bool has_start() const { return has_start_; }
  // Waits for the background tier-2 build; true when tier 2 is active.
  bool wait_tier2(std::chrono::milliseconds timeout) const;
  // Error of the background build, if it failed ("" otherwise).
  std::string tier2_error() const;

  // The code new instances should run (internal; used by Instance).
  std::shared_ptr<const Code> code() const;
  // Milliseconds spent in each step of the last compile (diagnostics, benchmarks).
  struct Timings {
    double translate_ms = 0, tier1_ms = 0, tier2_load_ms = 0;
  };
  const Timings& timings() const { return timings_; }

 private:
  Module() = default;
  std::string name_;
  std::shared_ptr<const void> binary_owner_;  // keeps binary_ alive; shared with the tier-2 job
  std::span<const uint8_t> binary_;
  std::string sha256_;
  std::vector<ExportInfo> exports_;
  std::vector<ImportInfo> imports_;
  std::unordered_map<std::string, int> export_index_;
  bool guard_pages_ = true;
  bool code_may_write_memory_ = true;
  bool code_may_write_other_state_ = true;
  bool has_start_ = true;
  std::shared_ptr<const Code> tier1_;
  std::shared_ptr<Tier2Slot> tier2_;
  Timings timings_;
};

}  // namespace wirt::wasm
