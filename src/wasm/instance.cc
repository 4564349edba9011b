#include "wasm/instance.h"

#include <fmt/format.h>

#include <csetjmp>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "wasm/interrupt.h"
#include "wasm/runtime.h"

namespace wirt::wasm {

// What an import slot's fn_ctx points at.
struct Instance::ImportBinding {
  Instance* self = nullptr;
  const ImportInfo* import = nullptr;
  std::shared_ptr<const HostFunc> func;  // host function
  Instance* peer = nullptr;              // or another instance's export
  int peer_export = -1;
};

// ---- Caller ------------------------------------------------------------------------------

uint8_t* Caller::memory_data() const { return instance.memory_data(); }
size_t Caller::memory_size() const { return instance.memory_size(); }

// ---- Linker ------------------------------------------------------------------------------

void Linker::define(HostFunc f) {
  Item item;
  item.kind = ExternKind::Func;
  auto key = std::make_pair(f.module, f.name);
  item.func = std::make_shared<const HostFunc>(std::move(f));
  items_[std::move(key)] = std::move(item);
}

void Linker::define_memory(std::string module, std::string name, wasm_rt_memory_t* memory) {
  Item item;
  item.kind = ExternKind::Memory;
  item.ptr = memory;
  items_[{std::move(module), std::move(name)}] = std::move(item);
}

void Linker::define_table(std::string module, std::string name, void* table, ValType elem) {
  Item item;
  item.kind = ExternKind::Table;
  item.ptr = table;
  item.type = elem;
  items_[{std::move(module), std::move(name)}] = std::move(item);
}

void Linker::define_global(std::string module, std::string name, ValType type, bool is_mutable,
                           void* storage) {
  Item item;
  item.kind = ExternKind::Global;
  item.ptr = storage;
  item.type = type;
  item.is_mutable = is_mutable;
  items_[{std::move(module), std::move(name)}] = std::move(item);
}

void Linker::define_instance(std::string module, Instance* instance) {
  instances_[std::move(module)] = instance;
}

const Linker::Item* Linker::find(std::string_view module, std::string_view name) const {
  auto it = items_.find(std::make_pair(std::string(module), std::string(name)));
  return it == items_.end() ? nullptr : &it->second;
}

Instance* Linker::find_instance(std::string_view module) const {
  auto it = instances_.find(module);
  return it == instances_.end() ? nullptr : it->second;
}

// ---- Instance ----------------------------------------------------------------------------

namespace {

core::Error link_error(const ImportInfo& imp, std::string_view why) {
  return core::invalid(fmt::format("import {}#{} ({}): {}", imp.module, imp.name,
                                   extern_kind_name(imp.kind), why));
}

}  // namespace

core::Result<std::unique_ptr<Instance>> Instance::create(std::shared_ptr<Module> module,
                                                         const Linker& linker,
                                                         const Limits& limits) {
  std::unique_ptr<Instance> inst(new Instance);
  inst->module_ = std::move(module);
  inst->code_ = inst->module_->code();
  inst->limits_ = limits;
  if (!inst->code_) return core::internal("module has no loaded code");
  WIRT_TRY(inst->bind_imports(linker));
  inst->allocate_block();
  auto st = inst->instantiate();
  if (!st) {
    // A failed instantiation may already have written references to its functions into an
    // imported table (WebAssembly 2.0 §4.5.4: element segments are applied before the start
    // function). Those stay callable, so such an instance is kept alive (intentionally leaked).
    bool shares_tables = false;
    for (const auto& imp : inst->module_->imports())
      shares_tables |= imp.kind == ExternKind::Table;
    if (shares_tables) {
      static std::mutex mu;
      static auto* graveyard = new std::vector<std::unique_ptr<Instance>>;
      std::lock_guard lock(mu);
      graveyard->push_back(std::move(inst));
    }
    return std::move(st).error();
  }
  return inst;
}

Instance::~Instance() {
  if (block_) {
    if (instantiated_) code_->desc->free_instance(inst_);
    rt::release_memories(&parked_);
    std::free(block_);
  }
}

void Instance::allocate_block() {
  size_t size = (code_->desc->instance_size + 63) & ~size_t(63);
  block_size_ = sizeof(wirt_instance_header) + size;
  block_ = std::aligned_alloc(64, block_size_);
  std::memset(block_, 0, block_size_);
  hdr_ = static_cast<wirt_instance_header*>(block_);
  inst_ = hdr_ + 1;
  hdr_->self = hdr_;
  hdr_->imports = slots_.data();
  hdr_->owner = this;
}

core::Status Instance::bind_imports(const Linker& linker) {
  const auto& imports = module_->imports();
  slots_.assign(imports.size(), wirt_import_slot{});
  for (size_t i = 0; i < imports.size(); i++) {
    const ImportInfo& imp = imports[i];
    auto binding = std::make_unique<ImportBinding>();
    binding->self = this;
    binding->import = &imp;
    wirt_import_slot& slot = slots_[i];
    if (Instance* peer = linker.find_instance(imp.module)) {
      int idx = peer->module().export_index(imp.name);
      if (idx < 0) return link_error(imp, "the linked instance has no such export");
      const ExportInfo& exp = peer->module().exports()[size_t(idx)];
      if (exp.kind != imp.kind) return link_error(imp, "incompatible import type");
      if (imp.kind == ExternKind::Func) {
        if (!(exp.type == imp.type))
          return link_error(imp, fmt::format("incompatible import type: expected {}, got {}",
                                             to_string(imp.type), to_string(exp.type)));
        binding->peer = peer;
        binding->peer_export = idx;
        slot.fn = &Instance::peer_thunk;
        slot.fn_ctx = binding.get();
      } else {
        if (imp.kind == ExternKind::Global &&
            (exp.global_type != imp.global_type || exp.global_mutable != imp.global_mutable))
          return link_error(imp, "incompatible import type");
        slot.ptr = peer->export_object(imp.name, imp.kind);
        if (imp.kind == ExternKind::Memory) {
          auto* m = static_cast<wasm_rt_memory_t*>(slot.ptr);
          if (m->pages < imp.min || m->max_pages > imp.max)
            return link_error(imp, "incompatible import type (memory limits)");
          if (code_->guard_pages && !m->guarded)
            return link_error(imp, "memory without guard pages, module compiled for guard pages");
        } else if (imp.kind == ExternKind::Table) {
          auto* t = static_cast<wasm_rt_funcref_table_t*>(slot.ptr);
          if (exp.table_elem != imp.table_elem || t->size < imp.min || t->max_size > imp.max)
            return link_error(imp, "incompatible import type (table limits)");
        }
      }
      peers_.push_back(peer);
    } else if (const Linker::Item* item = linker.find(imp.module, imp.name)) {
      if (item->kind != imp.kind) return link_error(imp, "incompatible import type");
      switch (imp.kind) {
        case ExternKind::Func:
          if (!(item->func->type == imp.type))
            return link_error(imp, fmt::format("incompatible import type: expected {}, host has {}",
                                               to_string(imp.type), to_string(item->func->type)));
          binding->func = item->func;
          slot.fn = &Instance::host_thunk;
          slot.fn_ctx = binding.get();
          break;
        case ExternKind::Global:
          if (item->type != imp.global_type || item->is_mutable != imp.global_mutable)
            return link_error(imp, "incompatible import type");
          slot.ptr = item->ptr;
          break;
        case ExternKind::Memory: {
          auto* m = static_cast<wasm_rt_memory_t*>(item->ptr);
          if (m->pages < imp.min || m->max_pages > imp.max)
            return link_error(imp, "incompatible import type (memory limits)");
          // Guard-page code has no bounds checks: it needs an 8 GiB-reserved memory.
          if (code_->guard_pages && !m->guarded)
            return link_error(imp, "memory without guard pages, module compiled for guard pages");
          slot.ptr = item->ptr;
          break;
        }
        case ExternKind::Table: {
          auto* t = static_cast<wasm_rt_funcref_table_t*>(item->ptr);
          if (item->type != imp.table_elem || t->size < imp.min || t->max_size > imp.max)
            return link_error(imp, "incompatible import type (table)");
          slot.ptr = item->ptr;
          break;
        }
      }
    } else if (imp.kind == ExternKind::Func && linker.unresolved_imports_allowed()) {
      slot.fn = &Instance::unresolved_thunk;
      slot.fn_ctx = binding.get();
    } else {
      return core::not_found(
          fmt::format("unknown import {}#{} ({})", imp.module, imp.name, extern_kind_name(imp.kind)));
    }
    bindings_.push_back(std::move(binding));
  }
  return core::ok_status();
}

void Instance::instantiate_thunk(void* self, uint64_t*, uint64_t*) {
  auto* inst = static_cast<Instance*>(self);
  inst->code_->desc->instantiate(inst->inst_, inst->hdr_);
}

core::Status Instance::instantiate(bool skip_clear) {
  policy_.guard = code_->guard_pages;
  policy_.limit_pages = limits_.max_memory_pages;
  policy_.recycle = &parked_;
  policy_.memory_bytes = policy_.table_bytes = policy_.table_growth_bytes = 0;
  policy_.skip_clear = skip_clear;
  dead_ = false;
  instantiated_ = true;  // wasm2c's free handles partially initialised instances
  instantiating_ = true;
  core::Status st = invoke(&Instance::instantiate_thunk, this, nullptr, nullptr);  // uses policy_
  instantiating_ = false;
  instantiate_deadline_ns_ = 0;
  policy_.skip_clear = false;
  rt::release_memories(&parked_);
  if (!st) {
    core::Error e = std::move(st).error();
    if (e.kind() == core::ErrorKind::Internal && e.message().rfind("wasm trap:", 0) == 0)
      e.wrap("instantiation failed");
    return e;
  }
  dead_ = false;
  return core::ok_status();
}

void Instance::release_idle_memory() {
  if (!instantiated_) return;
  {
    policy_.recycle = nullptr;  // unmapped, not parked for reuse
    rt::ScopedMemoryPolicy scope(&policy_);
    code_->desc->free_instance(inst_);
  }
  instantiated_ = false;
  rt::release_memories(&parked_);
}

core::Status Instance::reset(int64_t deadline_ns) {
  instantiate_deadline_ns_ = deadline_ns;
  // Tier 2 is final: only an instance still on tier 1 asks the module (a lock) for newer code.
  std::shared_ptr<const Code> latest = code_->tier == 2 ? code_ : module_->code();
  // A call into code that can write no guest state (wasm/memory_writes.h), with nothing of the
  // instance handed to the embedder or another instance, left it exactly as instantiation
  // made it — a trapped call too (a trap unwinds only the host stack) — so there is nothing to
  // reset. Interrupted instances (dead_) are never reused as they are.
  if (instantiated_ && !dead_ && latest == code_ && !module_->code_may_write_memory() &&
      !module_->code_may_write_other_state() && !memory_handed_out_ && !memory_shared_ && !exports_shared_) {
    instantiate_deadline_ns_ = 0;
    return core::ok_status();
  }
  {
    policy_.recycle = &parked_;  // freed memories are parked for the re-instantiation
    rt::ScopedMemoryPolicy scope(&policy_);
    if (instantiated_) code_->desc->free_instance(inst_);
    instantiated_ = false;
  }
  if (latest != code_) {
    // Both tiers compile the same C, so the struct is the same size; re-allocate if not.
    bool same_size = latest->desc->instance_size == code_->desc->instance_size;
    code_ = std::move(latest);
    if (!same_size) {
      std::free(block_);
      allocate_block();
    }
  }
  std::memset(inst_, 0, block_size_ - sizeof(wirt_instance_header));
  // Memory nothing could have written since it was cleared needs no clearing: only the data
  // segments were written, and instantiation rewrites them with the same bytes.
  bool skip_clear = !module_->code_may_write_memory() && !memory_handed_out_ && !memory_shared_;
  memory_handed_out_ = false;
  return instantiate(skip_clear);
}

namespace {

std::atomic<StackFloorFn> g_stack_floor{nullptr};
// Stack kept free below the lowest guest frame for host imports (WASI, the canonical ABI, a
// nested Lua or WASM call) and signal frames. host_thunk checks it is really there.
constexpr uintptr_t kHostStackReserve = 256 * 1024;
uintptr_t stack_floor() {
  StackFloorFn fn = g_stack_floor.load(std::memory_order_relaxed);
  return fn ? fn() : 0;
}

}  // namespace

void set_stack_floor_provider(StackFloorFn fn) { g_stack_floor.store(fn, std::memory_order_relaxed); }

namespace {

// The trap point itself, in a frame of its own with no locals that could be clobbered.
__attribute__((noinline)) bool run_guarded(rt::ThreadState& ts, jmp_buf& trap_point,
                                           void (*fn)(void*, uint64_t*, uint64_t*), void* ctx,
                                           uint64_t* args, uint64_t* results) {
  if (_setjmp(trap_point) != 0) return true;
  ts.in_guest = 1;
  fn(ctx, args, results);
  ts.in_guest = 0;
  return false;
}

}  // namespace

// The trap point of every guest entry. Everything between _setjmp and a trap's _longjmp is
// generated C or POD-only runtime code, so unwinding skips no C++ destructors.
core::Status Instance::invoke(void (*fn)(void*, uint64_t*, uint64_t*), void* ctx, uint64_t* args,
                              uint64_t* results) {
  if (dead_)
    return core::unavailable("wasm instance was interrupted; reset() it before calling again");
  rt::ensure_thread_ready();
  rt::ThreadState& ts = rt::thread_state();
  const rt::ThreadState saved = ts;
  core::Error error;
  jmp_buf trap_point;

  // Stack budget below this frame; a nested call (host import → another instance) never
  // gets more than its caller had.
  auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t limit = sp > limits_.max_stack_bytes ? sp - limits_.max_stack_bytes : 0;
  if (saved.target && saved.stack_limit > limit) limit = saved.stack_limit;
  // Never below the bottom of the stack we run on (a fiber's stack is small and nested host →
  // guest calls each get a budget from their own frame).
  if (uintptr_t floor = stack_floor()) {
    floor += kHostStackReserve;
    if (floor > limit) limit = floor;
  }
  hdr_->stack_limit = limit;
  for (Instance* p : peers_) p->hdr_->stack_limit = limit;

  // The tighter of the caller's deadline and ours (const: it must survive _longjmp).
  // Read the clock only when some deadline applies (a plain call stays syscall- and vDSO-free).
  // Instantiation with a start function (at creation and on every reset) runs under
  // max_execution_ms, or kInstantiateLimitMs without one, and the deadline reset() was given
  // for the call it prepares (never the previous call's, which may have passed): a start
  // function that loops, or is merely slow, cannot hang or outlast a call.
  // Without a start function instantiation is bounded work (segments of a validated module),
  // not guest code: no limit of its own (the call's deadline still applies to a reset), so a
  // reset needs no clock read and no watchdog wake-up, and a tight limit cannot fail it (a
  // 1 ms max_execution_ms failed app.processes' boot whenever instantiation was preempted).
  const bool bounded_instantiation = instantiating_ && !module_->has_start();
  const int64_t other_deadline = instantiating_ ? instantiate_deadline_ns_ : call_deadline_ns_;
  uint32_t limit_ms = bounded_instantiation ? 0 : limits_.max_execution_ms;
  if (instantiating_ && !bounded_instantiation && limit_ms == 0) limit_ms = kInstantiateLimitMs;
  const bool timed = limit_ms || other_deadline;
  const int64_t now = timed ? rt::now_ns() : 0;
  int64_t limit_deadline = limit_ms ? now + int64_t(limit_ms) * 1000000 : 0;
  if (other_deadline && (limit_deadline == 0 || other_deadline < limit_deadline)) {
    // The caller's deadline is nearer (e.g. a test timeout or an outer limit along the chain).
    limit_deadline = other_deadline;
    limit_ms = static_cast<uint32_t>(std::max<int64_t>(0, (other_deadline - now) / 1000000));
  }
  const int64_t mine = limit_deadline;
  const bool own_deadline = mine != 0 && (saved.deadline_ns == 0 || mine < saved.deadline_ns);
  ts.target = &trap_point;
  ts.error = &error;
  ts.stack_limit = limit;
  ts.memory_policy = &policy_;
  ts.pending_timeout = 0;
  const std::atomic<bool>* stop = call_stop_ ? call_stop_ : saved.stop;
  ts.stop = stop;
  if (own_deadline) {
    ts.limit_ms = limit_ms;
    ts.deadline_ns = mine;
    interrupt::arm(mine, stop);
  } else if (stop != saved.stop) {
    interrupt::arm(saved.deadline_ns, stop);
  }

  const int64_t outer_running = running_deadline_ns_;
  running_deadline_ns_ = own_deadline ? mine : saved.deadline_ns;
  const bool trapped = run_guarded(ts, trap_point, fn, ctx, args, results);
  running_deadline_ns_ = outer_running;
  int reason = ts.trap;
  uint32_t ms = ts.limit_ms;
  ts = saved;
  if (own_deadline || stop != saved.stop) interrupt::arm(saved.deadline_ns, saved.stop);
  if (!trapped) return core::ok_status();
  if (reason == WIRT_TRAP_TIMEOUT && stop && stop->load()) {
    dead_ = true;  // unwound mid-guest: the instance is not reused
    return core::canceled("process terminated");
  }

  if (reason == WIRT_TRAP_TIMEOUT) {
    dead_ = true;
    return core::timeout(fmt::format("execution time limit exceeded ({} ms)", ms));
  }
  if (reason == WIRT_TRAP_HOST_ERROR) {
    if (error.kind() == core::ErrorKind::Timeout) dead_ = true;
    return error;
  }
  return core::internal(rt::trap_message(reason));
}

void Instance::host_thunk(void* binding, uint64_t* args, uint64_t* results) {
  auto* b = static_cast<ImportBinding*>(binding);
  core::Status st;
  // Guest frames stop kHostStackReserve above the floor; verify rather than assume that the
  // host function has that room (a fault in host code would kill the process).
  uintptr_t floor = stack_floor();
  if (floor && reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < floor + kHostStackReserve / 2) {
    rt::fail_import(core::internal(fmt::format("wasm trap: call stack exhausted (no stack left for host function {}#{})",
                                               b->import->module, b->import->name)));
    return;
  }
  try {
    Caller caller{*b->self};
    st = b->func->fn(caller, args, results);
  } catch (const std::exception& e) {
    st = core::internal(fmt::format("host function {}#{} threw: {}", b->import->module,
                                    b->import->name, e.what()));
  } catch (...) {
    st = core::internal(fmt::format("host function {}#{} threw", b->import->module,
                                    b->import->name));
  }
  if (!st) rt::fail_import(std::move(st).error());
}

void Instance::peer_thunk(void* binding, uint64_t* args, uint64_t* results) {
  auto* b = static_cast<ImportBinding*>(binding);
  const auto& exp = b->peer->code_->desc->exports[b->peer_export];
  core::Status st = b->peer->invoke(exp.call, b->peer->inst_, args, results);
  if (!st) rt::fail_import(std::move(st).error());
}

void Instance::unresolved_thunk(void* binding, uint64_t*, uint64_t*) {
  auto* b = static_cast<ImportBinding*>(binding);
  rt::fail_import(core::internal(fmt::format("wasm trap: call to unresolved import {}#{}",
                                             b->import->module, b->import->name)));
}

core::Status Instance::call(std::string_view name, std::span<const uint64_t> args,
                            std::span<uint64_t> results) {
  int idx = module_->export_index(name);
  if (idx < 0) return core::not_found(fmt::format("no export named \"{}\"", name));
  return call(idx, args, results);
}

core::Status Instance::call(int idx, std::span<const uint64_t> args, std::span<uint64_t> results) {
  const auto& exports = module_->exports();
  if (idx < 0 || size_t(idx) >= exports.size()) return core::not_found("no such export");
  const ExportInfo& exp = exports[size_t(idx)];
  if (exp.kind != ExternKind::Func)
    return core::invalid(fmt::format("export \"{}\" is a {}, not a function", exp.name,
                                     extern_kind_name(exp.kind)));
  if (args.size() != exp.type.params.size() || results.size() < exp.type.results.size())
    return core::invalid(fmt::format("export \"{}\" {} called with {} arguments and {} result slots",
                                     exp.name, to_string(exp.type), args.size(), results.size()));
  // The glue only reads args.
  return invoke(code_->desc->exports[idx].call, inst_, const_cast<uint64_t*>(args.data()),
                results.data());
}

uint8_t* Instance::memory_data() {
  if (!code_->desc->memory0) return nullptr;
  memory_handed_out_ = true;
  return code_->desc->memory0(inst_)->data;
}

size_t Instance::memory_size() {
  if (!code_->desc->memory0) return 0;
  return code_->desc->memory0(inst_)->size;
}

void* Instance::export_object(std::string_view name, ExternKind kind) {
  int idx = module_->export_index(name);
  if (idx < 0) return nullptr;
  const auto& d = code_->desc->exports[idx];
  if (d.kind != uint32_t(kind) || !d.get) return nullptr;
  if (kind == ExternKind::Memory) memory_shared_ = true;
  exports_shared_ = true;  // a table or global may be written through it as well
  return d.get(inst_);
}

int Instance::tier() const { return code_->tier; }

}  // namespace wirt::wasm
