#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "sched/channel.h"
#include "sched/functions.h"
#include "sched/scheduler.h"

using namespace wirt;
using namespace std::chrono_literals;
using sched::Channel;
using sched::Scheduler;

TEST(Scheduler, BlockOnRunsOnAFiber) {
  Scheduler s({2});
  bool in_fiber = false;
  s.block_on([&] { in_fiber = sched::this_fiber::active(); });
  EXPECT_TRUE(in_fiber);
  EXPECT_FALSE(sched::this_fiber::active());
}

TEST(Scheduler, SleepingFibersDoNotBlockThreads) {
  // 200 fibers sleeping 50 ms on 2 threads finish in about 50 ms, not 200 × 50 ms / 2.
  Scheduler s({2});
  auto start = std::chrono::steady_clock::now();
  s.block_on([&] {
    auto done = Channel::make(0);
    for (int i = 0; i < 200; ++i) {
      s.spawn([done] {
        sched::this_fiber::sleep_for(50ms);
        (void)done->send(core::Value(1));
      });
    }
    for (int i = 0; i < 200; ++i) done->receive();
  });
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 2s);
}

TEST(Scheduler, FiberStaysOnItsThreadAcrossSuspends) {
  Scheduler s({2});
  std::atomic<int> moved{0};
  s.block_on([&] {
    auto done = Channel::make(64);
    for (int i = 0; i < 32; ++i) {
      s.spawn([&, done] {
        auto tid = std::this_thread::get_id();
        for (int k = 0; k < 5; ++k) {
          sched::this_fiber::sleep_for(1ms);
          sched::this_fiber::yield();
          if (std::this_thread::get_id() != tid) moved++;
        }
        (void)done->send(core::Value(1));
      });
    }
    for (int i = 0; i < 32; ++i) done->receive();
  });
  EXPECT_EQ(moved.load(), 0);
}

TEST(Scheduler, UsesAllWorkerThreads) {
  Scheduler s({2});
  std::mutex mu;
  std::set<std::thread::id> seen;
  s.block_on([&] {
    auto done = Channel::make(16);
    for (int i = 0; i < 16; ++i) {
      s.spawn([&, done] {
        {
          std::lock_guard lock(mu);
          seen.insert(std::this_thread::get_id());
        }
        (void)done->send(core::Value(1));
      });
    }
    for (int i = 0; i < 16; ++i) done->receive();
  });
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Channel, UnbufferedRendezvousAcrossThreads) {
  Scheduler s({2});
  int64_t sum = 0;
  s.block_on([&] {
    auto ch = Channel::make(0);
    for (int p = 0; p < 4; ++p) {
      s.spawn([ch, p] {
        for (int i = 1; i <= 100; ++i) (void)ch->send(core::Value(int64_t{p * 1000 + i}));
      });
    }
    for (int i = 0; i < 400; ++i) sum += ch->receive().first.as_int();
  });
  // sum over p of (100 * 1000p + 5050)
  EXPECT_EQ(sum, 4 * 5050 + 1000 * 100 * (0 + 1 + 2 + 3));
}

TEST(Channel, CloseWakesReceiversAndFailsSenders) {
  Scheduler s({2});
  s.block_on([&] {
    auto ch = Channel::make(0);
    auto result = Channel::make(2);
    s.spawn([ch, result] {
      auto [v, ok] = ch->receive();
      (void)result->send(core::Value(ok));
    });
    sched::this_fiber::sleep_for(10ms);
    ch->close();
    ch->close();  // idempotent
    EXPECT_FALSE(result->receive().first.as_bool());
    EXPECT_FALSE(ch->send(core::Value(1)).ok());
    auto [v, ok] = ch->receive();
    EXPECT_FALSE(ok);
    EXPECT_TRUE(v.is_nil());
  });
}

TEST(Channel, BufferedThenBlocksWhenFull) {
  Scheduler s({2});
  s.block_on([&] {
    auto ch = Channel::make(2);
    EXPECT_TRUE(ch->try_send(core::Value(1)));
    EXPECT_TRUE(ch->try_send(core::Value(2)));
    EXPECT_FALSE(ch->try_send(core::Value(3)));
    EXPECT_EQ(ch->receive().first.as_int(), 1);
    EXPECT_TRUE(ch->try_send(core::Value(3)));
    EXPECT_EQ(ch->receive().first.as_int(), 2);
    EXPECT_EQ(ch->receive().first.as_int(), 3);
  });
}

TEST(Channel, SelectPicksTheReadyCaseAndDefault) {
  Scheduler s({2});
  s.block_on([&] {
    auto a = Channel::make(0), b = Channel::make(0);
    std::vector<sched::SelectCase> cases{{a, sched::SelectCase::Op::Receive, {}},
                                         {b, sched::SelectCase::Op::Receive, {}}};
    EXPECT_EQ(Channel::select(cases, true).index, -1);
    s.spawn([b] {
      sched::this_fiber::sleep_for(5ms);
      (void)b->send(core::Value("hi"));
    });
    auto r = Channel::select(cases, false);
    EXPECT_EQ(r.index, 1);
    EXPECT_EQ(r.value.as_string(), "hi");
    // A select is completed exactly once: nothing left queued fires later.
    EXPECT_FALSE(a->try_send(core::Value(1)));
  });
}

TEST(Functions, UnknownIdIsNotFoundAndDepthIsBounded) {
  sched::FunctionTable table;
  table.add("t:loop", [&](const sched::CallContext& ctx, const core::Array& args) {
    return table.call(ctx, "t:loop", args);
  });
  sched::CallContext ctx;
  auto r = table.call(ctx, "t:none", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::NotFound);
  auto deep = table.call(ctx, "t:loop", {});
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message().find("call depth"), std::string::npos);
}

TEST(Functions, PassedDeadlineIsTimeout) {
  sched::FunctionTable table;
  table.add("t:f", [](const sched::CallContext&, const core::Array&) -> core::Result<core::Value> { return core::Value(1); });
  sched::CallContext ctx;
  ctx.deadline = sched::CallContext::Clock::now() - 1ms;
  auto r = table.call(ctx, "t:f", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout);
}

TEST(Functions, ContextForkKeepsInheritablePairs) {
  sched::CallContext c;
  c.actor = sched::Actor{"user:1", core::Value::map()};
  c.values.set("k", 1);
  c.options.set("retry", 1);
  auto f = c.fork("x:y");
  EXPECT_EQ(f.actor->id, "user:1");
  EXPECT_EQ(f.values.find("k")->as_int(), 1);
  EXPECT_EQ(f.options.find("retry"), nullptr);  // options apply to one call only
  EXPECT_EQ(f.depth, 1);
  EXPECT_EQ(f.frame_id, "x:y");
}
