// wasi:random's get-random-bytes(n) / get-insecure-random-bytes(n): n is the guest's choice, so
// the host work is bounded by the guest's memory (issue 9 item 1, src/wasi/random.h). A size
// past it traps at once, naming the sizes, instead of allocating it (or, before, silently
// returning at most 64 MiB). Fixture: tests/fixtures/components/random-taker (one page of memory
// to start; `grow` adds pages; `take(n)` returns the length it received).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "component/component.h"
#include "component/component_instance.h"
#include "sched/scheduler.h"
#include "wasi/call_state.h"
#include "wasi/preview2.h"

using namespace wirt;

namespace {

class RandomBudget : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream f(std::string(WIRT_SOURCE_DIR) + "/tests/fixtures/components/random-taker/random-taker.wasm",
                    std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
    ASSERT_FALSE(bytes.empty());
    wasm::CompileOptions o;
    o.tier2 = false;
    o.name = "random-taker";
    auto c = component::Component::load(bytes, o);
    ASSERT_TRUE(c.ok()) << c.error().message();
    wasi::define_preview2(imports_, {"wasi:random"});
    auto inst = component::ComponentInstance::create(*c, imports_);
    ASSERT_TRUE(inst.ok()) << inst.error().message();
    inst_ = std::move(*inst);
  }

  core::Result<core::Value> call(const char* fn, core::Value arg) {
    std::optional<core::Result<core::Value>> out;
    sched_.block_on([&] {
      wasi::CallState st;
      inst_->user_data = &st;
      out.emplace(inst_->call(fn, {std::move(arg)}));
      inst_->user_data = nullptr;
    });
    return std::move(*out);
  }

  sched::Scheduler sched_{sched::SchedulerOptions{1}};
  component::HostImports imports_;
  std::unique_ptr<component::ComponentInstance> inst_;
};

}  // namespace

TEST_F(RandomBudget, BytesWithinTheGuestsMemoryAreServed) {
  for (const char* fn : {"take", "take-insecure"}) {
    auto r = call(fn, core::Value(1000));
    ASSERT_TRUE(r.ok()) << fn << ": " << r.error().message();
    EXPECT_EQ(r->as_int(), 1000);
  }
  // Exactly the memory's size is allowed (the allocator grows the memory to hold it).
  auto r = call("take", core::Value(65536));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->as_int(), 65536);
}

// Issue 9: a guest asking for 2^32, 2^40 or 2^63-1 bytes made the host allocate up to its fixed
// 64 MiB cap — unrelated to the guest — and return fewer bytes than asked.
TEST_F(RandomBudget, MoreThanTheGuestsMemoryTrapsAtOnce) {
  for (const char* fn : {"take", "take-insecure"}) {
    for (int64_t n : {int64_t{65537} * 16, int64_t{1} << 32, int64_t{1} << 40, INT64_MAX}) {
      auto t0 = std::chrono::steady_clock::now();
      auto r = call(fn, core::Value(n));
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      ASSERT_FALSE(r.ok()) << fn << "(" << n << ")";
      EXPECT_EQ(r.error().kind(), core::ErrorKind::Internal);
      EXPECT_NE(r.error().message().find("asks for more bytes than the guest's memory holds"), std::string::npos)
          << r.error().message();
      EXPECT_LT(ms, 1000) << "refused without generating the bytes";
      ASSERT_TRUE(inst_->reset().ok());
    }
  }
}

// The budget follows the memory: after the guest grows to 161 pages (10 MiB), 10 MiB is served.
TEST_F(RandomBudget, TheBudgetGrowsWithTheGuestsMemory) {
  ASSERT_FALSE(call("take", core::Value(int64_t{10} << 20)).ok());
  ASSERT_TRUE(inst_->reset().ok());
  auto grown = call("grow", core::Value(160));
  ASSERT_TRUE(grown.ok()) << grown.error().message();
  ASSERT_EQ(grown->as_int(), 1);
  // (a call does not reset the instance by itself: the grown memory is still there)
  auto r = call("take", core::Value(int64_t{10} << 20));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->as_int(), int64_t{10} << 20);
}
