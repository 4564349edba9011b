// Stress test for race-free interruption (issue 9 item 4), built under TSan by `make sanitize`:
// two worker threads interleave calls that suspend their fiber inside a host import (also
// from a start function, during reset), trap, and time out, for STRESS_SECONDS (default 60).
// Between rounds the watchdog is left idle long enough to go to sleep, then a runaway loop
// must still be stopped (the arm/idle wake-up race). Exit status 0 = every call ended as
// expected.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "sched/scheduler.h"
#include "wasm/instance.h"
#include "wasm/module.h"
#include "wasm/runtime.h"

using namespace wirt;

namespace {

constexpr const char* kWat = R"((module
  (import "host" "nap" (func $nap))
  (import "host" "tick" (func $tick))
  (memory 1)
  (global $calls (mut i32) (i32.const 0))
  (func $start call $nap)
  (start $start)
  (func (export "spin") (loop br 0))
  (func (export "spin_calling") (loop call $tick br 0))
  (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s)
  (func (export "nap") (result i32) call $nap call $nap i32.const 7)
  (func (export "grow") (result i32) i32.const 1 memory.grow))
)";

// TSan delivers asynchronous signals only when the thread enters an intercepted function, so
// a pure loop never sees the watchdog's signal under it; there the runaway loop calls a host
// import, whose return checks the deadline (the other half of the mechanism).
#if defined(__SANITIZE_THREAD__)
constexpr const char* kSpin = "spin_calling";
#else
constexpr const char* kSpin = "spin";
#endif

std::atomic<long> g_ok{0}, g_timeouts{0}, g_bad{0};

void bad(const char* what, const std::string& detail) {
  ++g_bad;
  std::fprintf(stderr, "stress: unexpected %s: %s\n", what, detail.c_str());
}

// Waits count toward max_execution_ms (wall clock): under load a napping call or start
// function may time out, and an instance that timed out is unavailable until reset. Those
// are expected outcomes; anything else (a wrong result, another error) is not.
bool expected_failure(const core::Status& st) {
  if (st.error().kind() == core::ErrorKind::Timeout ||
      st.error().message().find("was interrupted") != std::string::npos) {
    ++g_timeouts;
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 60;
  if (const char* s = std::getenv("STRESS_SECONDS")) seconds = std::atoi(s);
  wasm::CompileOptions opts;
  opts.tier2 = false;
  opts.name = "stress";
  auto module = wasm::Module::compile_wat(kWat, opts);
  if (!module) {
    std::fprintf(stderr, "stress: compile: %s\n", module.error().message().c_str());
    return 2;
  }
  wasm::Linker linker;
  linker.define({"host", "nap", wasm::FuncType{{}, {}}, [](wasm::Caller&, const uint64_t*, uint64_t*) -> core::Status {
                   if (sched::this_fiber::active()) sched::this_fiber::sleep_for(std::chrono::microseconds(200));
                   return {};
                 }});
  linker.define({"host", "tick", wasm::FuncType{{}, {}},
                 [](wasm::Caller&, const uint64_t*, uint64_t*) -> core::Status { return {}; }});
  sched::Scheduler scheduler({.threads = 2});
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int round = 0;
  while (std::chrono::steady_clock::now() < until) {
    std::atomic<int> running{0};
    for (int f = 0; f < 16; ++f) {
      ++running;
      scheduler.spawn([&, f] {
        // No max_execution_ms: spins get a 10 ms call deadline, naps none. (A cooperative
        // worker runs a spin to its deadline before a napping fiber resumes, so a limit on the
        // naps would make them time out under load and prove nothing.)
        wasm::Limits limits;
        limits.max_memory_pages = 4;
        // Every fourth fiber runs under a tight limit: its naps, start functions included, time
        // out while suspended in a host import.
        if (f % 4 == 3) limits.max_execution_ms = 2;
        if (const char* all = std::getenv("STRESS_LIMIT_MS")) limits.max_execution_ms = uint32_t(std::atoi(all));
        auto inst = wasm::Instance::create(*module, linker, limits);
        if (!inst) {
          if (inst.error().kind() == core::ErrorKind::Timeout) ++g_timeouts;
          else bad("create failure", inst.error().message());
          --running;
          return;
        }
        for (int i = 0; i < 20; ++i) {
          uint64_t r = 0;
          switch ((i + f) % 4) {
            case 0: {
              (*inst)->set_call_deadline(wasm::rt::now_ns() + 10'000'000);
              auto st = (*inst)->call(kSpin, {}, std::span<uint64_t>(&r, 1));
              (*inst)->set_call_deadline(0);
              if (st.ok()) bad("spin result", "ok");
              else if (st.error().kind() == core::ErrorKind::Timeout) ++g_ok;
              else if (!expected_failure(st)) bad("spin result", st.error().message());
              break;
            }
            case 1: {
              uint64_t zero = 0;
              auto st = (*inst)->call("div", std::span<const uint64_t>(&zero, 1), std::span<uint64_t>(&r, 1));
              if (st.ok()) bad("div result", "ok");
              else if (st.error().message().find("integer divide by zero") != std::string::npos) ++g_ok;
              else if (!expected_failure(st)) bad("div result", st.error().message());
              break;
            }
            case 2: {
              auto st = (*inst)->call("nap", {}, std::span<uint64_t>(&r, 1));
              if (st.ok() && r == 7) ++g_ok;
              else if (st.ok()) bad("nap result", std::to_string(r));
              else if (!expected_failure(st)) bad("nap result", st.error().message());
              break;
            }
            default: {
              auto st = (*inst)->call("grow", {}, std::span<uint64_t>(&r, 1));
              if (st.ok()) ++g_ok;
              else if (!expected_failure(st)) bad("grow result", st.error().message());
            }
          }
          // A reset runs the start function, which suspends the fiber mid-instantiation.
          auto st = (*inst)->reset();
          if (!st.ok() && !expected_failure(st)) bad("reset", st.error().message());
        }
        --running;
      });
    }
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (running.load() > 0) {
      if (std::chrono::steady_clock::now() > give_up) {
        std::fprintf(stderr, "stress: round %d hung (a lost interrupt?)\n", round);
        std::_Exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Every few rounds let the watchdog go idle (it sleeps after 1 s without deadlines).
    if (++round % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  std::printf("stress: %d rounds, %ld calls as expected, %ld timed out under load, %ld unexpected\n", round,
              g_ok.load(), g_timeouts.load(), g_bad.load());
  // Most calls must have completed normally, or the test proved nothing.
  return g_bad.load() == 0 && g_ok.load() > g_timeouts.load() ? 0 : 1;
}
