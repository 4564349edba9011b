// Regressions for hostile guests at the engine level (issue 9): deep nesting, start functions
// under limits, tables counted toward max_memory_mb, reservations of failed instantiations,
// faults in host code.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>
#include <thread>
#include <atomic>
#include <sched.h>

#include "test_util.h"
#include "wasm/runtime.h"

namespace wirt::wasm {
namespace {

using testing::compile_or_die;
using testing::instantiate_or_die;

int64_t now_ns() { return rt::now_ns(); }

// host.count(): how many times it was called before (start functions use it to behave
// differently from the second instantiation on).
int instantiations = 0;
Linker counting_linker() {
  Linker linker;
  linker.define({"host", "count", FuncType{{}, {ValType::I32}},
                 [](Caller&, const uint64_t*, uint64_t* r) -> core::Status {
                   r[0] = uint64_t(instantiations++);
                   return {};
                 }});
  return linker;
}

// Virtual size of this process (kB), from /proc/self/status.
long vm_size_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmSize:", 0) == 0) return std::stol(line.substr(7));
  return -1;
}

void append_leb(std::vector<uint8_t>& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}

// A module binary whose one function nests `depth` empty blocks (built by hand: wabt would
// have to parse it first).
std::vector<uint8_t> nested_blocks_binary(uint32_t depth) {
  std::vector<uint8_t> body;
  body.push_back(0);  // no locals
  for (uint32_t i = 0; i < depth; ++i) body.insert(body.end(), {0x02, 0x40});
  for (uint32_t i = 0; i <= depth; ++i) body.push_back(0x0b);
  std::vector<uint8_t> code;
  code.push_back(1);
  append_leb(code, uint32_t(body.size()));
  code.insert(code.end(), body.begin(), body.end());
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  m.insert(m.end(), {1, 4, 1, 0x60, 0, 0});  // type section: () -> ()
  m.insert(m.end(), {3, 2, 1, 0});           // function section
  m.push_back(10);
  append_leb(m, uint32_t(code.size()));
  m.insert(m.end(), code.begin(), code.end());
  return m;
}

// 20,000 nested blocks crashed wabt's WAT parser and wasm2c's C writer (SIGSEGV).
TEST(HostileEngine, DeeplyNestedBlocksAreInvalidNotACrash) {
  std::string wat = "(module (func";
  for (int i = 0; i < 20000; ++i) wat += " block";
  for (int i = 0; i < 20000; ++i) wat += " end";
  wat += "))";
  auto m = Module::compile_wat(wat, testing::tier1_only());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(m.error().message().find("nested deeper than 1000"), std::string::npos) << m.error().message();

  std::string folded = "(module (func";
  for (int i = 0; i < 20000; ++i) folded += " (block";
  folded += std::string(20000, ')') + "))";
  auto f = Module::compile_wat(folded, testing::tier1_only());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("nested deeper than 1000"), std::string::npos) << f.error().message();

  auto bin = nested_blocks_binary(20000);
  auto b = Module::compile_binary(bin, testing::tier1_only());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind(), core::ErrorKind::Invalid);
  EXPECT_NE(b.error().message().find("nested deeper than 1000"), std::string::npos) << b.error().message();

  // Within the limit it compiles and runs (tier 1; the default fiber-free test stack).
  auto ok = Module::compile_binary(nested_blocks_binary(900), testing::tier1_only());
  EXPECT_TRUE(ok.ok()) << ok.error().message();
}

// A start function that loops (or is merely slow) used to run unbounded on every reset, and a
// first instantiation under a 100 ms limit ran for up to 10 s.
TEST(HostileEngine, StartFunctionsRunUnderTheLimitAndTheCallDeadline) {
  instantiations = 0;
  Linker linker = counting_linker();
  auto m = compile_or_die(R"((module
    (import "host" "count" (func $count (result i32)))
    (func $start (if (call $count) (then (loop br 0))))
    (start $start)
    (func (export "f") (result i32) i32.const 7)))");
  ASSERT_TRUE(m);
  auto inst = instantiate_or_die(m, Limits{}, linker);  // the first start returns
  ASSERT_TRUE(inst);
  int64_t t0 = now_ns();
  auto st = inst->reset(now_ns() + 200'000'000);  // the second loops: ends at the deadline
  double ms = double(now_ns() - t0) / 1e6;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), core::ErrorKind::Timeout) << st.error().message();
  EXPECT_LT(ms, 400);

  Limits limits;
  limits.max_execution_ms = 100;
  instantiations = 1;  // every start loops now
  t0 = now_ns();
  auto again = Instance::create(m, linker, limits);
  ms = double(now_ns() - t0) / 1e6;
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), core::ErrorKind::Timeout) << again.error().message();
  EXPECT_LT(ms, 300);
}

// app.processes failed to boot under load: `limits: {max_execution_ms: 1}` also bounded the
// instantiation of a module without a start function (memory and data segments: bounded work,
// not guest code), so an instantiation preempted for a millisecond failed the whole app. Here
// four spinning threads share this thread's CPU, so many of 3,000 instantiations are preempted
// for longer than 1 ms (the CFS slice); none may fail.
TEST(HostileEngine, InstantiationWithoutAStartFunctionIsNotTimed) {
  auto m = compile_or_die(R"((module
    (memory (export "memory") 4)
    (data (i32.const 0) "some bytes the instantiation copies")
    (func (export "f") (result i32) (i32.load8_u (i32.const 0)))))");
  ASSERT_TRUE(m);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
  cpu_set_t before;
  ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
  ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < 4; ++i) {
    spinners.emplace_back([&] {
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  Limits limits;
  limits.max_execution_ms = 1;
  int failed = 0;
  std::string first_error;
  for (int i = 0; i < 3000; ++i) {
    auto inst = Instance::create(m, Linker{}, limits);
    if (!inst.ok() && failed++ == 0) first_error = inst.error().message();
  }
  stop = true;
  for (auto& t : spinners) t.join();
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  EXPECT_EQ(failed, 0) << first_error;
}

// 40 funcref tables grown by 10 M elements each took 5.7 GB with max_memory_mb: 16.
TEST(HostileEngine, TablesCountTowardMaxMemory) {
  std::string wat = "(module";
  for (int i = 0; i < 40; ++i) wat += " (table $t" + std::to_string(i) + " 0 funcref)";
  wat += " (func (export \"grow\") (result i32) (local i32)";
  for (int i = 0; i < 40; ++i)
    wat += " (local.set 0 (i32.add (local.get 0) (i32.eq (table.grow $t" + std::to_string(i) +
           " (ref.null func) (i32.const 10000000)) (i32.const -1))))";
  wat += " local.get 0))";
  auto m = compile_or_die(wat);
  ASSERT_TRUE(m);
  Limits limits;
  limits.max_memory_pages = 16 * 16;  // 16 MiB
  auto inst = instantiate_or_die(m, limits);
  ASSERT_TRUE(inst);
  uint64_t failed = 0;
  ASSERT_TRUE(inst->call("grow", {}, std::span<uint64_t>(&failed, 1)).ok());
  EXPECT_EQ(failed, 40u) << "every 240 MB growth is above the 16 MiB budget";
}

// Failed re-instantiations (a start function that traps) must free their 8 GiB reservations.
TEST(HostileEngine, FailedReinstantiationsReleaseTheirReservations) {
  instantiations = 0;
  Linker linker = counting_linker();
  auto m = compile_or_die(R"((module
    (import "host" "count" (func $count (result i32)))
    (memory 1)
    (func $start (if (call $count) (then unreachable)))
    (start $start)))");
  ASSERT_TRUE(m);
  auto inst = instantiate_or_die(m, Limits{}, linker);
  ASSERT_TRUE(inst);
  long before = vm_size_kb();
  for (int i = 0; i < 50; ++i) {
    auto st = inst->reset();
    ASSERT_FALSE(st.ok());
    auto fresh = Instance::create(m, linker);
    ASSERT_FALSE(fresh.ok());
  }
  long grown_gb = (vm_size_kb() - before) >> 20;
  EXPECT_LT(grown_gb, 16) << "virtual size grew by " << grown_gb << " GiB";
}

// Issue 9 code finding: the host stack left below the deepest guest frame was assumed (64 KiB),
// not checked. A guest recursing without end, calling at every level a host import that needs
// 200 KiB of stack, on a thread with a 640 KiB stack: the guest must trap with "call stack
// exhausted" before a host import can run out of stack (which would be a fatal host fault).
TEST(HostileEngine, HostImportsAlwaysHaveTheirStackReserve) {
  static thread_local uintptr_t t_stack_bottom = 0;
  set_stack_floor_provider([]() -> uintptr_t { return t_stack_bottom; });
  Linker linker;
  linker.define({"host", "probe", FuncType{{}, {}}, [](Caller&, const uint64_t*, uint64_t*) -> core::Status {
                   volatile char buf[200 * 1024];
                   buf[0] = 1;  // the deepest byte (stacks grow down)
                   buf[sizeof buf - 1] = 1;
                   return {};
                 }});
  auto m = compile_or_die(R"((module (import "host" "probe" (func $p)) (func $rec (export "rec") call $p call $rec)))");
  ASSERT_TRUE(m);
  auto inst = instantiate_or_die(m, Limits{}, linker);
  ASSERT_TRUE(inst);
  struct Job {
    Instance* inst;
    std::string error;
  } job{inst.get(), ""};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 640 * 1024);  // less than max_stack_bytes (512 KiB) + the reserve
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, &attr, [](void* p) -> void* {
              auto* j = static_cast<Job*>(p);
              pthread_attr_t self;
              void* addr = nullptr;
              size_t size = 0;
              pthread_getattr_np(pthread_self(), &self);
              pthread_attr_getstack(&self, &addr, &size);
              pthread_attr_destroy(&self);
              t_stack_bottom = reinterpret_cast<uintptr_t>(addr);
              auto st = j->inst->call("rec", {}, {});
              j->error = st.ok() ? "ok" : st.error().message();
              return nullptr;
            }, &job), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  set_stack_floor_provider(nullptr);
  EXPECT_EQ(job.error, "wasm trap: call stack exhausted");
}

// A fault in host code (here a host import) must not be unwound like a guest trap: the
// process dies, saying so. The fault is a store to a PROT_NONE page, a real SIGSEGV in every
// build: a store through nullptr is undefined behaviour that UBSan (make sanitize) stops
// before it faults, so under ASan+UBSan the death message was UBSan's and the test failed.
TEST(HostileEngineDeathTest, AHostFaultIsReportedNotTreatedAsAGuestTrap) {
  static void* no_access = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(no_access, MAP_FAILED);
  Linker linker;
  linker.define({"host", "crash", FuncType{{}, {}}, [](Caller&, const uint64_t*, uint64_t*) -> core::Status {
                   *static_cast<volatile int*>(no_access) = 1;
                   return {};
                 }});
  auto m = compile_or_die(R"((module (import "host" "crash" (func $c)) (func (export "f") call $c)))");
  ASSERT_TRUE(m);
  auto inst = instantiate_or_die(m, Limits{}, linker);
  ASSERT_TRUE(inst);
  EXPECT_DEATH((void)inst->call("f", {}, {}), "SIGSEGV in host code \\(not guest code\\)");
}

}  // namespace
}  // namespace wirt::wasm
