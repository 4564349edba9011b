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

namespace {

host::PoolPlan lazy_pool(size_t max) {
  host::PoolPlan p;
  p.type = "lazy";
  p.max = max;
  return p;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Issue 11: after a burst, a lazy pool kept every instance it made for good (reference §4.2:
// all idle instances close once none is active and the last use was ≥ 30 s ago).
TEST(LazyPoolReaping, IdleInstancesCloseThirtySecondsAfterTheLastUse) {
  int alive = 0;
  struct Counted {
    int* alive;
    explicit Counted(int* a) : alive(a) { ++*alive; }
    ~Counted() { --*alive; }
    core::Status reset(int64_t) { return {}; }
  };
  host::InstancePool<Counted> pool(lazy_pool(8), [&] {
    return core::Result<std::unique_ptr<Counted>>(std::make_unique<Counted>(&alive));
  });
  sched::Scheduler scheduler{{.threads = 1}};
  const int64_t thirty_s = std::chrono::nanoseconds(host::InstancePool<Counted>::kIdleTimeout).count();
  scheduler.block_on([&] {
    {
      auto a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
      ASSERT_TRUE(a.ok() && b.ok() && c.ok());
      EXPECT_EQ(alive, 3);
      // Nothing closes while instances are leased, however late it is.
      EXPECT_EQ(pool.reap_idle(now_ns() + 2 * thirty_s), 0u);
    }
    EXPECT_EQ(pool.idle_count(), 3u);
    EXPECT_EQ(pool.reap_idle(now_ns()), 0u) << "just used: kept";
    EXPECT_EQ(pool.reap_idle(now_ns() + thirty_s + 1000000), 3u);
    EXPECT_EQ(alive, 0);
    EXPECT_EQ(pool.idle_count(), 0u);
    // The pool still works: a new instance is made on demand.
    auto again = pool.acquire();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(alive, 1);
  });
}

namespace wirt {
namespace {

// Issue 11: a pool that is not lazy keeps its instances, but once idle for 30 s each releases
// its guest memory (once per idle period); the next acquire resets it afresh.
TEST(IdlePoolTrimming, IdleInstancesReleaseTheirMemoryOncePerIdlePeriod) {
  struct Trimmable {
    int* released;
    int resets = 0;
    core::Status reset(int64_t) {
      ++resets;
      return {};
    }
    void release_idle_memory() { ++*released; }
  };
  int released = 0;
  host::PoolPlan plan;
  plan.type = "static";
  plan.max = 4;
  plan.initial = 2;
  host::InstancePool<Trimmable> pool(plan, [&] {
    return core::Result<std::unique_ptr<Trimmable>>(std::make_unique<Trimmable>(Trimmable{&released}));
  });
  ASSERT_TRUE(pool.warm().ok());
  sched::Scheduler scheduler{{.threads = 1}};
  const int64_t thirty_s = std::chrono::nanoseconds(host::InstancePool<Trimmable>::kIdleTimeout).count();
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  EXPECT_EQ(pool.reap_idle(now()), 0u) << "an idle period starts when the pool is made";
  scheduler.block_on([&] {
    {
      auto a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
      ASSERT_TRUE(a.ok() && b.ok() && c.ok());
      EXPECT_EQ(pool.reap_idle(now() + 2 * thirty_s), 0u) << "nothing is trimmed while instances are leased";
    }
    EXPECT_EQ(pool.reap_idle(now()), 0u) << "just used: kept as is";
    EXPECT_EQ(pool.reap_idle(now() + thirty_s + 1000000), 3u);
    EXPECT_EQ(released, 3);
    EXPECT_EQ(pool.idle_count(), 3u) << "the instances stay in the pool";
    EXPECT_EQ(pool.reap_idle(now() + 3 * thirty_s), 0u) << "once per idle period";
    EXPECT_EQ(released, 3);
    {
      auto again = pool.acquire();
      ASSERT_TRUE(again.ok());
      EXPECT_GE((**again).resets, 1) << "a trimmed instance is reset (instantiated afresh) before use";
    }
    EXPECT_EQ(pool.reap_idle(now() + thirty_s + 1000000), 3u) << "a new idle period after a return";
    EXPECT_EQ(released, 6);
  });
}

}  // namespace
}  // namespace wirt
