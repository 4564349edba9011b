// InstancePool waits: they end at the caller's deadline, and a call chain that already holds
// the pool's only instance fails at once instead of waiting for itself (issue 9).
#include <gtest/gtest.h>

#include <chrono>

#include "host/instance_pool.h"
#include "sched/scheduler.h"

using namespace wirt;

namespace {

struct FakeInst {
  core::Status reset(int64_t) { return {}; }
};

host::PoolPlan one_instance() {
  host::PoolPlan p;
  p.max = 1;
  p.initial = 1;
  return p;
}

// A pool of one warm instance, and a scheduler to run fibers on.
struct OnePool : ::testing::Test {
  host::InstancePool<FakeInst> pool{one_instance(), [] {
    return core::Result<std::unique_ptr<FakeInst>>(std::make_unique<FakeInst>());
  }};
  sched::Scheduler scheduler{{.threads = 1}};
  void SetUp() override { ASSERT_TRUE(pool.warm().ok()); }
};

int64_t steady_ns_in(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             (std::chrono::steady_clock::now() + d).time_since_epoch())
      .count();
}

}  // namespace

// Lua ↔ component recursion on `pool: inline` waited forever for its own instance.
TEST_F(OnePool, ReentryFromTheHoldingChainFailsAtOnce) {
  scheduler.block_on([&] {
    auto held = pool.acquire();
    ASSERT_TRUE(held.ok());
    auto again = pool.acquire(0, /*held_by_caller=*/true);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().kind(), core::ErrorKind::Unavailable);
    EXPECT_NE(again.error().message().find("re-entered from its own call chain"), std::string::npos);
  });
}

// A caller waiting for a busy pool waited past its deadline.
TEST_F(OnePool, WaitForAnInstanceEndsAtTheDeadline) {
  scheduler.block_on([&] {
    auto held = pool.acquire();
    ASSERT_TRUE(held.ok());
    auto t0 = std::chrono::steady_clock::now();
    auto waited = pool.acquire(steady_ns_in(std::chrono::milliseconds(100)));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_FALSE(waited.ok());
    EXPECT_EQ(waited.error().kind(), core::ErrorKind::Timeout);
    EXPECT_GE(ms, 90);
    EXPECT_LT(ms, 500);
  });
  // The timed-out waiter left no trace: the permit comes back and is usable.
  scheduler.block_on([&] { EXPECT_TRUE(pool.acquire(steady_ns_in(std::chrono::milliseconds(100))).ok()); });
}
