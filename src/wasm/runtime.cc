#include "wasm/runtime.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/log.h"
#include "wasm/interrupt.h"
#include "wasm/rt_memory.h"

namespace wirt::wasm::rt {
namespace {

constinit thread_local ThreadState t_state;

// ---- signals ---------------------------------------------------------------------------

struct sigaction g_prev_segv, g_prev_bus;
int g_interrupt_signal = 0;

// The signal handlers and the unwind they end in must stay async-signal-safe even in sanitizer
// builds: ASan inserts __asan_handle_no_return before a noreturn call, which takes glibc locks
// (pthread_getattr_np) and deadlocked or crashed when the signal had interrupted a holder.
#define WIRT_SIGNAL_SAFE __attribute__((no_sanitize_address, no_sanitize_undefined))

WIRT_SIGNAL_SAFE [[noreturn]] void unwind(int reason) {
  ThreadState& ts = t_state;
  ts.in_guest = 0;
  ts.trap = reason;
  _longjmp(*ts.target, 1);
}

void chain(int sig, siginfo_t* info, void* uc) {
  const struct sigaction& prev = sig == SIGSEGV ? g_prev_segv : g_prev_bus;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) return prev.sa_sigaction(sig, info, uc);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    return prev.sa_handler(sig);
  }
  // Default action: restore it and return, so the faulting instruction faults again and the
  // process dies with the right signal (and a core dump).
  signal(sig, SIG_DFL);
}

// A fault outside guest code is a bug in wirt (or a library): the process state can no
// longer be trusted, so it must not be unwound like a guest trap. Say so on stderr before the
// default action kills the process, instead of dying silently (async-signal-safe: write only).
void report_host_fault(int sig, siginfo_t* info) {
  char buf[160];
  const char* head = sig == SIGSEGV ? "wirt: fatal: SIGSEGV in host code (not guest code) at address 0x"
                                    : "wirt: fatal: SIGBUS in host code (not guest code) at address 0x";
  size_t n = 0;
  for (const char* p = head; *p && n < sizeof(buf); ++p) buf[n++] = *p;
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  char hex[16];
  int k = 0;
  do {
    hex[k++] = "0123456789abcdef"[addr & 15];
    addr >>= 4;
  } while (addr && k < 16);
  while (k > 0 && n < sizeof(buf)) buf[n++] = hex[--k];
  const char* tail = "; aborting\n";
  for (const char* p = tail; *p && n < sizeof(buf); ++p) buf[n++] = *p;
  ssize_t ignored = ::write(2, buf, n);
  (void)ignored;
}

// Guard-page fault: out-of-bounds linear memory access (8 GiB reservation) or a stack guard
// page. Only faults inside guest code are traps; anything else is a real crash.
WIRT_SIGNAL_SAFE void on_fault(int sig, siginfo_t* info, void* uc) {
  ThreadState& ts = t_state;
  if (!ts.in_guest || !ts.target) {
    report_host_fault(sig, info);
    return chain(sig, info, uc);
  }
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  auto sp = static_cast<uintptr_t>(static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_RSP]);
  // A fault within 64 KiB of the stack pointer is the stack's guard page, not wasm memory.
  bool stack = addr + 65536 > sp && addr < sp + 65536;
  unwind(stack ? WASM_RT_TRAP_EXHAUSTION : WASM_RT_TRAP_OOB);
}

// Watchdog interrupt: unwinds only when the deadline really passed and the thread is in
// guest code; otherwise leaves a flag that the next return to guest code checks.
WIRT_SIGNAL_SAFE void on_interrupt(int, siginfo_t*, void*) {
  ThreadState& ts = t_state;
  int64_t deadline = ts.deadline_ns;
  bool stopped = ts.stop && ts.stop->load(std::memory_order_relaxed);
  if (!ts.target || (!stopped && (deadline == 0 || now_ns() < deadline))) return;
  if (ts.in_guest) unwind(WIRT_TRAP_TIMEOUT);
  ts.pending_timeout = 1;
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sigemptyset(&sa.sa_mask);
  // SA_NODEFER: we leave the handler with _longjmp (no mask restore), so the signal must not
  // stay blocked; this is what makes the trap path free of sigprocmask calls.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigaction(SIGSEGV, &sa, &g_prev_segv);
  sigaction(SIGBUS, &sa, &g_prev_bus);
  // A standard signal, not a real-time one: the watchdog re-sends it every tick while a
  // deadline is overdue, and real-time signals queue. A thread descheduled for 100 ms on a
  // loaded machine then received ~20 queued signals at once, each nesting in the previous
  // handler (SA_NODEFER) on the 64 KiB alternate stack until it overflowed (SIGSEGV in
  // on_interrupt, seen in the stress test). Standard signals coalesce: at most one pending.
  // SIGURG's default action is to ignore it, so a stray one harms nothing.
  g_interrupt_signal = SIGURG;
  struct sigaction si {};
  si.sa_sigaction = on_interrupt;
  sigemptyset(&si.sa_mask);
  si.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigaction(g_interrupt_signal, &si, nullptr);
}

// Each thread that runs guest code gets its own alternate signal stack: a stack overflow
// fault cannot run its handler on the exhausted stack. Freed at thread exit.
struct AltStack {
  void* mem = nullptr;
  size_t size = 0;
  ~AltStack() {
    if (!mem) return;
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    munmap(mem, size);
  }
};
thread_local AltStack t_altstack;
constinit thread_local bool t_ready = false;

void setup_thread() {
  static std::once_flag once;
  std::call_once(once, install_handlers);
  stack_t old{};
  if (sigaltstack(nullptr, &old) == 0 && !(old.ss_flags & SS_DISABLE) && old.ss_size >= 16384) {
    t_ready = true;  // someone (a scheduler) already gave this thread one
    return;
  }
  size_t size = 64 * 1024;
  void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    core::log_warn("wasm: cannot allocate a signal stack; stack overflows may crash");
  } else {
    stack_t ss{};
    ss.ss_sp = mem;
    ss.ss_size = size;
    if (sigaltstack(&ss, nullptr) == 0) {
      t_altstack.mem = mem;
      t_altstack.size = size;
    } else {
      munmap(mem, size);
    }
  }
  t_ready = true;
}

// ---- function types and funcref handles -------------------------------------------------

std::mutex g_types_mu;
std::vector<std::vector<int>> g_types;  // index + 1 is the type id

uint32_t register_func_type(uint32_t params, uint32_t results, const int* types) {
  std::vector<int> sig;
  sig.push_back(int(params));
  sig.insert(sig.end(), types, types + params + results);
  std::lock_guard lock(g_types_mu);
  for (size_t i = 0; i < g_types.size(); i++)
    if (g_types[i] == sig) return uint32_t(i + 1);
  g_types.push_back(std::move(sig));
  return uint32_t(g_types.size());
}

// Funcref values cross the uniform boundary as handles: pointers to interned copies. They are
// never freed (bounded by distinct function × instance pairs that were ever passed out).
std::mutex g_funcref_mu;
std::map<std::tuple<uint32_t, void*, void*>, std::unique_ptr<wasm_rt_funcref_t>> g_funcrefs;

uint64_t box_funcref(const wasm_rt_funcref_t* f) {
  if (!f->func) return 0;
  int prev = leave_guest();
  uint64_t h;
  {
    std::lock_guard lock(g_funcref_mu);
    auto key = std::make_tuple(f->func_type, reinterpret_cast<void*>(f->func), f->module_instance);
    auto& slot = g_funcrefs[key];
    if (!slot) slot = std::make_unique<wasm_rt_funcref_t>(*f);
    h = reinterpret_cast<uint64_t>(slot.get());
  }
  reenter_guest(prev);
  return h;
}

void unbox_funcref(uint64_t handle, wasm_rt_funcref_t* out) {
  if (handle == 0) {
    *out = wasm_rt_funcref_t{0, nullptr, nullptr};
    return;
  }
  *out = *reinterpret_cast<const wasm_rt_funcref_t*>(handle);
}

// ---- imports ----------------------------------------------------------------------------

thread_local core::Error t_import_error;
constinit thread_local bool t_import_failed = false;

void call_import(wirt_instance_header* hdr, uint32_t index, uint64_t* args, uint64_t* results) {
  ThreadState& ts = t_state;
  int prev = leave_guest();
  wirt_import_slot& slot = hdr->imports[index];
  // Saved on this stack: if the host function suspends the fiber, other fibers may run guest
  // code on this thread and overwrite the thread state before we resume. While the host
  // function runs the thread counts as outside guest code: a call another fiber starts meanwhile
  // must not inherit this call's trap point, stack limit or deadline, and the watchdog must not
  // interrupt that other fiber for this call's deadline (reenter_guest checks it on return).
  ThreadState saved = ts;
  ts = ThreadState{};
  interrupt::arm(0);
  slot.fn(slot.fn_ctx, args, results);
  ts = saved;
  interrupt::arm(saved.deadline_ns, saved.stop);
  // Read right after the host function returned on this fiber (no switch in between).
  if (t_import_failed) {
    t_import_failed = false;
    if (ts.error) *ts.error = std::move(t_import_error);
    t_import_error = core::Error();
    unwind(WIRT_TRAP_HOST_ERROR);
  }
  reenter_guest(prev);
}

void api_trap(wasm_rt_trap_t reason) { trap(reason); }

const wirt_rt_api g_api = {
    WIRT_ABI_VERSION,
    0,
    api_trap,
    register_func_type,
    allocate_memory,
    grow_memory,
    free_memory,
    allocate_funcref_table,
    free_funcref_table,
    grow_funcref_table,
    allocate_externref_table,
    free_externref_table,
    grow_externref_table,
    call_import,
    box_funcref,
    unbox_funcref,
};

}  // namespace

ThreadState& thread_state() { return t_state; }

void fail_import(core::Error error) {
  t_import_error = std::move(error);
  t_import_failed = true;
}

int interrupt_signal() {
  ensure_thread_ready();
  return g_interrupt_signal;
}

void ensure_thread_ready() {
  if (!t_ready) setup_thread();
}

const wirt_rt_api* api() { return &g_api; }

void trap(int reason) {
  ThreadState& ts = t_state;
  if (!ts.target) {
    // Generated code only runs under Instance::invoke; reaching this is a wirt bug.
    core::log_error("wasm: trap outside a guest call ({})", trap_message(reason));
    std::abort();
  }
  unwind(reason);
}

void trap_with(core::Error error) {
  ThreadState& ts = t_state;
  if (ts.error) *ts.error = std::move(error);
  {
    core::Error drop = std::move(error);  // destroyed before we unwind
  }
  trap(WIRT_TRAP_HOST_ERROR);
}

std::string trap_message(int reason) {
  const char* r = "unknown trap";
  switch (reason) {
    case WASM_RT_TRAP_OOB: r = "out of bounds memory access"; break;
    case WASM_RT_TRAP_INT_OVERFLOW: r = "integer overflow"; break;
    case WASM_RT_TRAP_DIV_BY_ZERO: r = "integer divide by zero"; break;
    case WASM_RT_TRAP_INVALID_CONVERSION: r = "invalid conversion to integer"; break;
    case WASM_RT_TRAP_UNREACHABLE: r = "unreachable"; break;
    case WASM_RT_TRAP_CALL_INDIRECT: r = "indirect call signature mismatch"; break;
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: r = "uncaught exception"; break;
    case WASM_RT_TRAP_EXHAUSTION: r = "call stack exhausted"; break;
    case WASM_RT_TRAP_TABLE_OOB: r = "out of bounds table access"; break;
    case WASM_RT_TRAP_UNINITIALIZED: r = "uninitialized element"; break;
    case WIRT_TRAP_TIMEOUT: r = "execution time limit exceeded"; break;
    default: break;
  }
  return fmt::format("wasm trap: {}", r);
}

int64_t now_ns() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

int leave_guest() {
  ThreadState& ts = t_state;
  int prev = ts.in_guest;
  ts.in_guest = 0;
  return prev;
}

void reenter_guest(int prev) {
  ThreadState& ts = t_state;
  if (prev && ts.target) {
    int64_t deadline = ts.deadline_ns;
    if (ts.pending_timeout || (deadline != 0 && now_ns() >= deadline) || (ts.stop && ts.stop->load())) {
      ts.pending_timeout = 0;
      unwind(WIRT_TRAP_TIMEOUT);
    }
  }
  ts.in_guest = prev;
}

}  // namespace wirt::wasm::rt
