// wirt WASM engine micro-benchmarks: compile latency per tier, compute speed vs native,
// interruption (max_execution_ms) overhead, call overhead and reset cost.
//
// Run: build-wasm/bin/wirt_wasm_bench  (WIRT_CACHE_DIR is pointed at a fresh temp folder so
// tier 2 really compiles). Prints one line per measurement; ratios matter, not absolute times.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "wasm/instance.h"
#include "wasm/module.h"
#include "wasm/tier2_cache.h"

using namespace wirt::wasm;
using Clock = std::chrono::steady_clock;

namespace {

const char* kWat = R"((module
  (memory (export "memory") 2)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
  ;; sieve of Eratosthenes over n bytes of memory; returns the prime count
  (func (export "sieve") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $c i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
    (local.set $i (i32.const 2))
    (block (loop
      (br_if 1 (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
      (if (i32.load8_u (local.get $i)) (then
        (local.set $j (i32.mul (local.get $i) (local.get $i)))
        (block (loop
          (br_if 1 (i32.ge_u (local.get $j) (local.get $n)))
          (i32.store8 (local.get $j) (i32.const 0))
          (local.set $j (i32.add (local.get $j) (local.get $i)))
          (br 0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))
    (local.set $i (i32.const 2))
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $c (i32.add (local.get $c) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))
    local.get $c)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
))";

unsigned native_fib(unsigned n) { return n < 2 ? n : native_fib(n - 1) + native_fib(n - 2); }
unsigned native_sieve(std::vector<unsigned char>& m, unsigned n) {
  std::fill(m.begin(), m.begin() + n, 1);
  for (unsigned i = 2; i * i < n; i++)
    if (m[i])
      for (unsigned j = i * i; j < n; j += i) m[j] = 0;
  unsigned c = 0;
  for (unsigned i = 2; i < n; i++) c += m[i];
  return c;
}

template <typename F>
double best_ms(int reps, F&& f) {
  double best = 1e300;
  for (int i = 0; i < reps; i++) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return best;
}

std::shared_ptr<Module> compile(int tier, const std::string& wat) {
  CompileOptions o;
  o.name = "bench";
  o.tier2 = tier == 2;
  o.tier1 = tier == 1;
  o.tier2_sync = tier == 2;
  auto m = Module::compile_wat(wat, o);
  if (!m) {
    std::fprintf(stderr, "compile failed: %s\n", m.error().message().c_str());
    std::exit(1);
  }
  return *m;
}

uint64_t call1(Instance& inst, const char* name, std::vector<uint64_t> args) {
  uint64_t r[1] = {0};
  auto st = inst.call(name, args, r);
  if (!st) {
    std::fprintf(stderr, "%s failed: %s\n", name, st.error().message().c_str());
    std::exit(1);
  }
  return r[0];
}

}  // namespace

int main() {
  auto cache = std::filesystem::temp_directory_path() / ("wirt-bench-" + std::to_string(getpid()));
  setenv("WIRT_CACHE_DIR", cache.c_str(), 1);
  std::printf("C compiler: %s\n", system_compiler().version.c_str());

  // ---- compile latency ----
  std::vector<double> t_translate, t_tcc;
  for (int i = 0; i < 10; i++) {
    auto m = compile(1, kWat);
    t_translate.push_back(m->timings().translate_ms);
    t_tcc.push_back(m->timings().tier1_ms);
  }
  std::sort(t_translate.begin(), t_translate.end());
  std::sort(t_tcc.begin(), t_tcc.end());
  std::printf("tier 1 compile (small module): parse+validate+WriteC+glue %.2f ms, libtcc %.2f ms (median of 10)\n",
              t_translate[5], t_tcc[5]);
  double t2 = best_ms(1, [] { compile(2, kWat); });
  std::printf("tier 2 compile (cc -O2, subprocess, uncached): %.0f ms\n", t2);
  double hit = best_ms(5, [] { compile(2, kWat); });
  std::printf("tier 2 cache hit (verify + dlopen): %.2f ms\n", hit);

  auto m1 = compile(1, kWat), m2 = compile(2, kWat);
  Linker linker;
  auto i1 = *Instance::create(m1, linker, {});
  auto i2 = *Instance::create(m2, linker, {});
  Limits limited;
  limited.max_execution_ms = 60000;
  auto i2l = *Instance::create(m2, linker, limited);

  // ---- compute vs native ----
  const unsigned kFib = 30, kSieve = 120000;
  volatile unsigned sink = 0;
  double nat_fib = best_ms(5, [&] { sink = native_fib(kFib); });
  std::vector<unsigned char> mem(kSieve);
  double nat_sieve = best_ms(20, [&] { sink = native_sieve(mem, kSieve); });
  double t1_fib = best_ms(3, [&] { call1(*i1, "fib", {kFib}); });
  double t2_fib = best_ms(5, [&] { call1(*i2, "fib", {kFib}); });
  double t2l_fib = best_ms(5, [&] { call1(*i2l, "fib", {kFib}); });
  double t1_sieve = best_ms(5, [&] { call1(*i1, "sieve", {kSieve}); });
  double t2_sieve = best_ms(20, [&] { call1(*i2, "sieve", {kSieve}); });
  double t2l_sieve = best_ms(20, [&] { call1(*i2l, "sieve", {kSieve}); });
  std::printf("fib(%u):   native %.2f ms | tier 1 %.2f ms (%.1fx) | tier 2 %.2f ms (%.2fx)\n", kFib,
              nat_fib, t1_fib, t1_fib / nat_fib, t2_fib, t2_fib / nat_fib);
  std::printf("sieve(%u): native %.3f ms | tier 1 %.3f ms (%.1fx) | tier 2 %.3f ms (%.2fx)\n", kSieve,
              nat_sieve, t1_sieve, t1_sieve / nat_sieve, t2_sieve, t2_sieve / nat_sieve);
  std::printf("interruption overhead (max_execution_ms set, tier 2): fib %+.1f%%, sieve %+.1f%%\n",
              (t2l_fib / t2_fib - 1) * 100, (t2l_sieve / t2_sieve - 1) * 100);

  // ---- call overhead ----
  const int kCalls = 1000000;
  for (auto [label, inst] : {std::pair{"tier 2", i2.get()}, std::pair{"tier 2 + time limit", i2l.get()},
                             std::pair{"tier 1", i1.get()}}) {
    uint64_t args[2] = {1, 2}, r[1];
    int add = inst->module().export_index("add");
    if (!inst->call(add, args, r).ok() || r[0] != 3) return 1;
    double ms = best_ms(3, [&] {
      for (int i = 0; i < kCalls; i++) (void)inst->call(add, args, r);
    });
    std::printf("call overhead (%s, add by index): %.1f ns/call\n", label, ms * 1e6 / kCalls);
  }

  // ---- instantiate and reset ----
  double inst_ms = best_ms(50, [&] { auto i = Instance::create(m2, linker, {}); });
  double reset_ms = best_ms(50, [&] { (void)i2->reset(); });
  std::printf("instantiate+free (2 pages): %.1f us, reset (2 pages): %.1f us\n", inst_ms * 1e3,
              reset_ms * 1e3);
  std::filesystem::remove_all(cache);
  return sink == 12345 ? 1 : 0;
}
