#include "wasi/preview1.h"

#include <chrono>
#include <cstring>
#include <ctime>

#include "sched/scheduler.h"
#include "wasi/guest_env.h"
#include "wasi/preview1_abi.h"
#include "wasi/preview1_fs.h"
#include "wasi/random.h"
#include "wasm/runtime.h"

namespace wirt::wasi {

namespace {

using wasm::Caller;
using wasm::ValType;
using namespace p1;

// Writes a list of strings as preview1 does (argv/environ): pointers + NUL-terminated bytes.
uint32_t put_strings(Caller& c, const std::vector<std::string>& items, uint32_t ptrs, uint32_t buf) {
  Mem m(c);
  uint64_t total = 0;
  for (const auto& s : items) total += s.size() + 1;
  if (!m.ok(ptrs, 4ull * items.size()) || !m.ok(buf, total)) return kFault;
  for (const auto& s : items) {
    m.put32(ptrs, buf);
    std::memcpy(m.base + buf, s.c_str(), s.size() + 1);
    ptrs += 4;
    buf += static_cast<uint32_t>(s.size() + 1);
  }
  return kSuccess;
}

uint32_t put_sizes(Caller& c, const std::vector<std::string>& items, uint32_t count_ptr, uint32_t size_ptr) {
  Mem m(c);
  if (!m.ok(count_ptr, 4) || !m.ok(size_ptr, 4)) return kFault;
  uint32_t total = 0;
  for (const auto& s : items) total += static_cast<uint32_t>(s.size() + 1);
  m.put32(count_ptr, static_cast<uint32_t>(items.size()));
  m.put32(size_ptr, total);
  return kSuccess;
}

std::vector<std::string> environ_strings(const GuestEnv* e) {
  std::vector<std::string> out;
  if (e)
    for (const auto& [k, v] : e->env) out.push_back(k + "=" + v);
  return out;
}

uint64_t clock_now(uint32_t id, bool* ok) {
  clockid_t cid;
  switch (id) {
    case 0: cid = CLOCK_REALTIME; break;
    case 1: cid = CLOCK_MONOTONIC; break;
    case 2: cid = CLOCK_PROCESS_CPUTIME_ID; break;
    case 3: cid = CLOCK_THREAD_CPUTIME_ID; break;
    default: *ok = false; return 0;
  }
  timespec ts{};
  clock_gettime(cid, &ts);
  *ok = true;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

#define I32 ValType::I32
#define I64 ValType::I64

const std::vector<Def>& defs() {
  static const std::vector<Def> all = {
      {"args_sizes_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         GuestEnv* e = env_of(c);
         r[0] = put_sizes(c, e ? e->args : std::vector<std::string>{}, uint32_t(a[0]), uint32_t(a[1]));
         return {};
       }},
      {"args_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         GuestEnv* e = env_of(c);
         r[0] = put_strings(c, e ? e->args : std::vector<std::string>{}, uint32_t(a[0]), uint32_t(a[1]));
         return {};
       }},
      {"environ_sizes_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         r[0] = put_sizes(c, environ_strings(env_of(c)), uint32_t(a[0]), uint32_t(a[1]));
         return {};
       }},
      {"environ_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         r[0] = put_strings(c, environ_strings(env_of(c)), uint32_t(a[0]), uint32_t(a[1]));
         return {};
       }},
      {"clock_time_get", {I32, I64, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         Mem m(c);
         bool ok;
         uint64_t now = clock_now(uint32_t(a[0]), &ok);
         if (!ok) r[0] = kInval;
         else if (!m.ok(uint32_t(a[2]), 8)) r[0] = kFault;
         else {
           m.put64(uint32_t(a[2]), now);
           r[0] = kSuccess;
         }
         return {};
       }},
      {"clock_res_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         Mem m(c);
         if (a[0] > 3) r[0] = kInval;
         else if (!m.ok(uint32_t(a[1]), 8)) r[0] = kFault;
         else {
           m.put64(uint32_t(a[1]), 1);
           r[0] = kSuccess;
         }
         return {};
       }},
      {"random_get", {I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         Mem m(c);
         uint32_t p = uint32_t(a[0]), n = uint32_t(a[1]);
         if (!m.ok(p, n)) {
           r[0] = kFault;
           return {};
         }
         WIRT_TRY(fill_random(m.base + p, n, 0));  // inside the guest's memory: bounded by it
         r[0] = kSuccess;
         return {};
       }},
      {"fd_write", {I32, I32, I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         Mem m(c);
         uint32_t fd = uint32_t(a[0]), iovs = uint32_t(a[1]), n = uint32_t(a[2]), out = uint32_t(a[3]);
         GuestEnv* e = env_of(c);
         if (fd > 2) {
           r[0] = file_write(c, fd, iovs, n, out);
           return {};
         }
         if (fd != 1 && fd != 2) {
           r[0] = kBadf;
           return {};
         }
         if (!m.ok(iovs, 8ull * n) || !m.ok(out, 4)) {
           r[0] = kFault;
           return {};
         }
         // One pass checks every iovec and sums the lengths: the copy happens only when the
         // whole write fits the call's output limit. The pass is bounded by memory size / 8
         // iovecs and checks the deadline as it goes.
         const int64_t deadline = c.instance.running_deadline_ns();
         uint64_t total = 0;
         for (uint32_t i = 0; i < n; ++i) {
           uint32_t buf = m.u32(iovs + 8 * i), len = m.u32(iovs + 8 * i + 4);
           if (!m.ok(buf, len)) {
             r[0] = kFault;
             return {};
           }
           total += len;
           if ((i & 0xffff) == 0xffff && deadline && wasm::rt::now_ns() >= deadline)
             return core::timeout("execution time limit exceeded (in fd_write)");
         }
         if (e) WIRT_TRY(e->check_output(total));
         for (uint32_t i = 0; e && i < n; ++i) {
           uint32_t buf = m.u32(iovs + 8 * i), len = m.u32(iovs + 8 * i + 4);
           WIRT_TRY(e->write(int(fd), std::string_view(reinterpret_cast<const char*>(m.base + buf), len)));
         }
         m.put32(out, static_cast<uint32_t>(total));
         r[0] = kSuccess;
         return {};
       }},
      {"fd_read", {I32, I32, I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         // stdin: the terminal's for a command, else empty (end of file).
         Mem m(c);
         uint32_t iovs = uint32_t(a[1]), n = uint32_t(a[2]), out = uint32_t(a[3]);
         if (a[0] > 2) {
           r[0] = file_read(c, uint32_t(a[0]), iovs, n, out);
           return {};
         }
         if (a[0] != 0) {
           r[0] = kBadf;
           return {};
         }
         if (!m.ok(iovs, 8ull * n) || !m.ok(out, 4)) {
           r[0] = kFault;
           return {};
         }
         uint32_t total = 0;
         if (n > 0) {
           uint32_t buf = m.u32(iovs), len = m.u32(iovs + 4);
           GuestEnv* e = env_of(c);
           std::string data;
           if (e) {
             auto got = e->read_stdin(len, c.instance.running_deadline_ns());
             if (!got) return std::move(got).error();
             data = std::move(*got);
           }
           Mem after(c);  // memory may not move here, but re-read the base for safety
           if (!after.ok(buf, data.size())) {
             r[0] = kFault;
             return {};
           }
           std::memcpy(after.base + buf, data.data(), data.size());
           total = static_cast<uint32_t>(data.size());
         }
         Mem(c).put32(out, total);
         r[0] = kSuccess;
         return {};
       }},
      {"proc_exit", {I32}, {},
       [](Caller& c, const uint64_t* a, uint64_t*) -> core::Status {
         int code = static_cast<int>(uint32_t(a[0]));
         if (GuestEnv* e = env_of(c)) e->exit_code = code;
         return exit_error(code);  // unwinds the guest; the host layer reads the code
       }},
      {"sched_yield", {}, {I32},
       [](Caller&, const uint64_t*, uint64_t* r) -> core::Status {
         if (sched::this_fiber::active()) sched::this_fiber::yield();
         r[0] = kSuccess;
         return {};
       }},
      {"poll_oneoff", {I32, I32, I32, I32}, {I32},
       [](Caller& c, const uint64_t* a, uint64_t* r) -> core::Status {
         // Subscriptions are 48 bytes, events 32 (preview1 witx). Clock subscriptions wait on
         // the fiber; fd subscriptions are reported ready at once (stdio never blocks here).
         Mem m(c);
         uint32_t in = uint32_t(a[0]), out = uint32_t(a[1]), n = uint32_t(a[2]), nevents = uint32_t(a[3]);
         if (n == 0) {
           r[0] = kInval;
           return {};
         }
         if (!m.ok(in, 48ull * n) || !m.ok(out, 32ull * n) || !m.ok(nevents, 4)) {
           r[0] = kFault;
           return {};
         }
         int64_t wait_ns = -1;
         bool any_fd = false;
         for (uint32_t i = 0; i < n; ++i) {
           uint32_t s = in + 48 * i;
           uint8_t tag = m.base[s + 8];
           if (tag == 0) {
             uint64_t timeout;
             std::memcpy(&timeout, m.base + s + 24, 8);
             uint16_t flags;
             std::memcpy(&flags, m.base + s + 40, 2);
             bool ok;
             uint32_t clock_id = m.u32(s + 16);
             int64_t ns = static_cast<int64_t>(timeout);
             if (flags & 1) ns = static_cast<int64_t>(timeout - clock_now(clock_id, &ok));  // absolute
             if (wait_ns < 0 || ns < wait_ns) wait_ns = std::max<int64_t>(ns, 0);
           } else {
             any_fd = true;
           }
         }
         if (!any_fd && wait_ns > 0 && sched::this_fiber::active()) {
           // Ends at the call's deadline (max_execution_ms, the caller's): a guest asking to
           // sleep for an hour gets Timeout at its limit, like a busy loop would.
           if (!sched::this_fiber::sleep_for(core::Nanos(wait_ns),
                                             sched::deadline_from_ns(c.instance.running_deadline_ns())))
             return core::timeout("execution time limit exceeded (in poll_oneoff)");
         }
         uint32_t count = 0;
         for (uint32_t i = 0; i < n; ++i) {
           uint32_t s = in + 48 * i;
           uint8_t tag = m.base[s + 8];
           if (any_fd && tag == 0) continue;  // fds were ready first
           uint32_t e = out + 32 * count++;
           std::memset(m.base + e, 0, 32);
           std::memcpy(m.base + e, m.base + s, 8);  // userdata
           m.base[e + 10] = tag;                    // type
         }
         m.put32(nevents, count);
         r[0] = kSuccess;
         return {};
       }},
      // Stubs the reference's adapter adds (reference-wasm-runtime §7.4).
      {"reset_adapter_state", {}, {}, [](Caller&, const uint64_t*, uint64_t*) -> core::Status { return {}; }},
      {"adapter_close_badfd", {I32}, {I32},
       [](Caller&, const uint64_t*, uint64_t* r) -> core::Status {
         r[0] = kBadf;
         return {};
       }},
      {"adapter_open_badfd", {I32}, {I32},
       [](Caller&, const uint64_t*, uint64_t* r) -> core::Status {
         r[0] = 0xFFFFFFFFu;
         return {};
       }},
  };
  return all;
}

#undef I32
#undef I64

}  // namespace

void define_preview1(wasm::Linker& linker, const std::vector<wasm::ImportInfo>& imports) {
  for (const auto& imp : imports) {
    if (imp.module != "wasi_snapshot_preview1" || imp.kind != wasm::ExternKind::Func) continue;
    for (const auto* list : {&defs(), &fs_defs()}) {
      for (const Def& d : *list) {
        if (imp.name != d.name) continue;
        wasm::FuncType type{d.params, d.results};
        if (!(type == imp.type)) break;  // a mismatched signature stays unresolved (traps when called)
        Impl fn = d.fn;
        linker.define({imp.module, imp.name, type, [fn](Caller& c, const uint64_t* a, uint64_t* r) { return fn(c, a, r); }});
      }
    }
  }
}

}  // namespace wirt::wasi
