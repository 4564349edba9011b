// wirt::wasm::Instance and Linker — instantiating and calling compiled modules (DESIGN §2.1).
//
// Every export is called, and every import served, through one uniform signature: arguments
// and results are 64-bit slots (i32 zero-extended, f32/f64 as bit patterns, externref as the
// pointer value, funcref as an opaque handle; 0 = null). No per-module C++ is needed.
//
// Thread safety: an Instance is used by one thread (or fiber) at a time; it is not internally
// locked. Different instances of the same Module may run concurrently on different threads;
// traps, timeouts and stack limits are per thread. A Linker is read-only during create() and
// may be shared by concurrent create() calls once populated.
#pragma once

#include <atomic>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "wasm/module.h"
#include "wasm/rt_memory.h"
#include "wasm/types.h"

namespace wirt::wasm {

class Instance;

// Returns the lowest usable address of the current thread's stack (0 = unknown). Guest code
// stops 256 KiB above it, which host imports are checked to have. Embedders that run calls on
// small fiber stacks register one (thread-safe, set once).
using StackFloorFn = uintptr_t (*)();
void set_stack_floor_provider(StackFloorFn fn);

// What a host function sees of the calling instance.
struct Caller {
  Instance& instance;
  uint8_t* memory_data() const;  // default memory (index 0), or nullptr
  size_t memory_size() const;
};

using HostFn = std::function<core::Status(Caller&, const uint64_t* args, uint64_t* results)>;

// A host function offered to imports `module`.`name`. An error Status makes the calling guest
// code unwind; the wasm call then returns that error unchanged (kind and message).
// May suspend the calling fiber (the runtime saves its trap state across the call).
struct HostFunc {
  std::string module, name;
  FuncType type;
  HostFn fn;
};

// Resolves imports by (module, name).
class Linker {
 public:
  void define(HostFunc f);
  // Memories, tables and globals owned by the caller (they must outlive the instances).
  // `table` is a wasm_rt_funcref_table_t* or wasm_rt_externref_table_t* per `elem`.
  void define_memory(std::string module, std::string name, wasm_rt_memory_t* memory);
  void define_table(std::string module, std::string name, void* table, ValType elem);
  void define_global(std::string module, std::string name, ValType type, bool is_mutable,
                     void* storage);
  // Every export of `instance` under `module` (it must outlive instances linked to it).
  void define_instance(std::string module, Instance* instance);
  // When true, an unresolved function import does not fail create(): calling it traps with
  // "wasm trap: call to unresolved import <module>#<name>".
  void allow_unresolved_imports(bool allow = true) { allow_unresolved_ = allow; }
  bool unresolved_imports_allowed() const { return allow_unresolved_; }

  struct Item {
    ExternKind kind = ExternKind::Func;
    std::shared_ptr<const HostFunc> func;
    void* ptr = nullptr;
    ValType type = ValType::I32;  // global type or table element type
    bool is_mutable = false;
  };
  const Item* find(std::string_view module, std::string_view name) const;
  Instance* find_instance(std::string_view module) const;

 private:
  std::map<std::pair<std::string, std::string>, Item, std::less<>> items_;
  std::map<std::string, Instance*, std::less<>> instances_;
  bool allow_unresolved_ = false;
};

class Instance {
 public:
  static core::Result<std::unique_ptr<Instance>> create(std::shared_ptr<Module> module,
                                                        const Linker& linker,
                                                        const Limits& limits = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Calls export `name`. args.size() must equal its parameter count and results.size() must
  // be at least its result count (Invalid otherwise). Traps → Internal "wasm trap: <reason>";
  // max_execution_ms → Timeout "execution time limit exceeded (N ms)" and the instance is
  // dead until reset(); host import errors come back unchanged.
  core::Status call(std::string_view name, std::span<const uint64_t> args,
                    std::span<uint64_t> results);
  // Same, by index into module().exports() (no name lookup).
  core::Status call(int export_index, std::span<const uint64_t> args, std::span<uint64_t> results);

  // An absolute deadline (CLOCK_MONOTONIC / steady_clock nanoseconds; 0 = none) for the next
  // calls, on top of Limits::max_execution_ms: whichever is nearer interrupts guest code with
  // Timeout. Set per call by the embedder from the caller's context.
  void set_call_deadline(int64_t monotonic_ns) { call_deadline_ns_ = monotonic_ns; }
  // The stop flag of the process making the calls (sched/stop_signal.h): once set, guest code
  // is interrupted as at a deadline and the instance is discarded. The caller clears it
  // (nullptr) before the instance goes back to its pool.
  void set_call_stop(const std::atomic<bool>* stop) { call_stop_ = stop; }
  // The deadline in effect for the guest code running now (the nearest of max_execution_ms,
  // the call's and an outer guest call's; 0 = none). Host functions that wait end there.
  int64_t running_deadline_ns() const { return running_deadline_ns_; }

  // Fresh guest state (memories, globals, tables, start function) without recompiling: the
  // instance is re-instantiated in place, reusing its memory mappings. Moves the instance to
  // tier 2 if the module has it by now. Like the first instantiation, it runs under
  // max_execution_ms (10 s without one) and, when given, the deadline of the call it prepares
  // for (steady-clock ns; not the previous call's): a start function cannot hang a call.
  core::Status reset(int64_t deadline_ns = 0);
  // For an instance that sits idle in a pool: frees its guest state — memories are unmapped,
  // not parked, so their pages return to the system — keeping only the compiled code and the
  // instance block. The next reset() instantiates from scratch (DESIGN §1.2 holds: the next
  // call sees fresh state). Issue 11: "idle pooled instances keep no private memory resident".
  void release_idle_memory();

  // Default memory (index 0), for the canonical ABI; nullptr/0 without one.
  uint8_t* memory_data();
  size_t memory_size();
  // Exported memory/table/global object (wasm_rt_memory_t*, table struct, value storage),
  // or nullptr if there is no such export of that kind.
  void* export_object(std::string_view name, ExternKind kind);

  Module& module() const { return *module_; }
  const std::shared_ptr<Module>& module_ptr() const { return module_; }
  int tier() const;
  bool dead() const { return dead_; }
  const Limits& limits() const { return limits_; }

  // Opaque pointer for the embedder (host functions reach it through Caller).
  void* user_data = nullptr;

 private:
  struct ImportBinding;
  Instance() = default;
  core::Status bind_imports(const Linker& linker);
  core::Status instantiate(bool skip_clear = false);
  core::Status invoke(void (*fn)(void*, uint64_t*, uint64_t*), void* ctx, uint64_t* args,
                      uint64_t* results);
  static void instantiate_thunk(void* self, uint64_t*, uint64_t*);
  static void host_thunk(void* binding, uint64_t* args, uint64_t* results);
  static void peer_thunk(void* binding, uint64_t* args, uint64_t* results);
  static void unresolved_thunk(void* binding, uint64_t* args, uint64_t* results);
  void allocate_block();

  std::shared_ptr<Module> module_;
  std::shared_ptr<const Code> code_;
  Limits limits_;
  void* block_ = nullptr;  // header + wasm2c instance struct
  size_t block_size_ = 0;
  wirt_instance_header* hdr_ = nullptr;
  void* inst_ = nullptr;
  std::vector<wirt_import_slot> slots_;
  std::vector<std::unique_ptr<ImportBinding>> bindings_;
  std::vector<Instance*> peers_;  // instances whose code/tables we reach directly
  std::vector<wasm_rt_memory_t> parked_;  // memory mappings kept across reset()
  rt::MemoryPolicy policy_;  // in effect while this instance runs (invoke) or is reset
  int64_t call_deadline_ns_ = 0;
  const std::atomic<bool>* call_stop_ = nullptr;
  int64_t instantiate_deadline_ns_ = 0;  // the deadline reset() was given
  int64_t running_deadline_ns_ = 0;
  bool instantiating_ = false;
  // Bound of an instantiation without max_execution_ms (a start function that never returns
  // must not hang the boot or a call).
  static constexpr uint32_t kInstantiateLimitMs = 10000;
  bool instantiated_ = false;
  bool dead_ = false;
  // Whether the embedder could have written memory 0 behind the module's code: handed out by
  // memory_data() since the last reset, or exported as an object (linked to another instance,
  // for good). Either makes reset() clear the memory even when the code cannot write it.
  bool memory_handed_out_ = false;
  bool memory_shared_ = false;
  bool exports_shared_ = false;  // any export_object() handed out (never reset: stays shared)
};

}  // namespace wirt::wasm
