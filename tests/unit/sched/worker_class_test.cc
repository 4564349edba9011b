// Worker classes (src/sched/worker_class.h): hand-over of calls, deadlines while queued,
// sizing and pinning plans.
#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "sched/scheduler.h"
#include "sched/worker_class.h"

using namespace wirt;
using namespace std::chrono_literals;

TEST(WorkerClass, CallRunsOnTheClassAndResumesOnTheCallersWorker) {
  sched::Scheduler main(sched::SchedulerOptions{1});
  sched::Scheduler cls(sched::SchedulerOptions{1});
  main.block_on([&] {
    auto* own_io = sched::Scheduler::current_io();
    boost::asio::io_context* ran_on = nullptr;
    auto r = sched::call_on(cls, [&]() -> core::Result<core::Value> {
      ran_on = sched::Scheduler::current_io();
      sched::this_fiber::sleep_for(std::chrono::milliseconds(5));  // a wait on the class suspends there
      return core::Value(42);
    }, std::nullopt, "t:f");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->as_int(), 42);
    EXPECT_NE(ran_on, nullptr);
    EXPECT_NE(ran_on, own_io);
    EXPECT_EQ(sched::Scheduler::current_io(), own_io);
  });
}

TEST(WorkerClass, ErrorsCrossBack) {
  sched::Scheduler main(sched::SchedulerOptions{1});
  sched::Scheduler cls(sched::SchedulerOptions{1});
  main.block_on([&] {
    auto r = sched::call_on(cls, []() -> core::Result<core::Value> { return core::invalid("bad input"); },
                            std::nullopt, "t:f");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind(), core::ErrorKind::Invalid);
    EXPECT_EQ(r.error().message(), "bad input");
  });
}

TEST(WorkerClass, CallerKeepsItsWorkerFreeWhileTheClassIsBusy) {
  sched::Scheduler main(sched::SchedulerOptions{1});
  sched::Scheduler cls(sched::SchedulerOptions{1});
  std::atomic<int> ticks{0};
  main.block_on([&] {
    main.spawn([&] {
      for (int i = 0; i < 10; ++i) {
        sched::this_fiber::sleep_for(std::chrono::milliseconds(5));
        ++ticks;
      }
    });
    // Blocks the class's only thread (as CPU-bound guest code would) for 200 ms.
    auto r = sched::call_on(cls, []() -> core::Result<core::Value> {
      std::this_thread::sleep_for(200ms);
      return core::Value(1);
    }, std::nullopt, "t:busy");
    ASSERT_TRUE(r.ok());
  });
  EXPECT_EQ(ticks.load(), 10);  // the main worker kept running its timers meanwhile
}

TEST(WorkerClass, DeadlineWhileQueuedWithdrawsTheCall) {
  sched::Scheduler main(sched::SchedulerOptions{1});
  sched::Scheduler cls(sched::SchedulerOptions{1});
  std::atomic<bool> ran{false};
  cls.spawn([] { std::this_thread::sleep_for(300ms); });  // the class is busy
  std::this_thread::sleep_for(10ms);
  main.block_on([&] {
    auto t0 = std::chrono::steady_clock::now();
    auto r = sched::call_on(cls, [&]() -> core::Result<core::Value> {
      ran = true;
      return core::Value(1);
    }, t0 + 50ms, "t:late");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind(), core::ErrorKind::Timeout);
    EXPECT_NE(r.error().message().find("deadline exceeded before calling t:late"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 250ms);
  });
  std::this_thread::sleep_for(400ms);
  EXPECT_FALSE(ran.load());  // withdrawn: never started
}

TEST(WorkerClass, DeadlineAfterStartWaitsForTheCall) {
  sched::Scheduler main(sched::SchedulerOptions{1});
  sched::Scheduler cls(sched::SchedulerOptions{1});
  main.block_on([&] {
    int on_caller_stack = 7;
    auto r = sched::call_on(cls, [&]() -> core::Result<core::Value> {
      std::this_thread::sleep_for(100ms);  // past the caller's deadline
      return core::Value(on_caller_stack);
    }, std::chrono::steady_clock::now() + 20ms, "t:slow");
    ASSERT_TRUE(r.ok());  // the started call's own result (it enforces deadlines itself)
    EXPECT_EQ(r->as_int(), 7);
  });
}

TEST(WorkerClass, PlanWithoutIsolationDoesNotPin) {
  auto p = sched::plan_worker_class(false, 1, 0, {}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(p.workers, 4u);  // min(cores, 4)
  EXPECT_TRUE(p.cpus.empty());
  EXPECT_TRUE(p.main_cpus.empty());
  EXPECT_EQ(sched::plan_worker_class(false, 1, 2, {}, {0, 1}).workers, 2u);
  EXPECT_EQ(sched::plan_worker_class(false, 1, 0, {}, {0}).workers, 1u);
}

TEST(WorkerClass, PlanReservesTheLastCoresAndGivesMainTheRest) {
  auto p = sched::plan_worker_class(true, 2, 0, {}, {0, 1, 2, 3});
  EXPECT_EQ(p.workers, 2u);
  EXPECT_EQ(p.cpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(p.main_cpus, (std::vector<int>{0, 1}));
  auto q = sched::plan_worker_class(true, 1, 3, {1}, {0, 1, 2, 3});
  EXPECT_EQ(q.workers, 3u);
  EXPECT_EQ(q.cpus, (std::vector<int>{1}));
  EXPECT_EQ(q.main_cpus, (std::vector<int>{0, 2, 3}));
  // One CPU only: the class gets it, the main workers stay unpinned.
  auto r = sched::plan_worker_class(true, 1, 0, {}, {0});
  EXPECT_EQ(r.cpus, (std::vector<int>{0}));
  EXPECT_TRUE(r.main_cpus.empty());
}

TEST(WorkerClass, WorkersArePinnedToTheirCpus) {
  auto allowed = sched::allowed_cpus();
  ASSERT_FALSE(allowed.empty());
  int cpu = allowed.back();
  sched::SchedulerOptions o{1};
  o.cpus = {cpu};
  sched::Scheduler s(o);
  std::vector<int> seen;
  s.block_on([&] { seen = sched::allowed_cpus(); });
  EXPECT_EQ(seen, (std::vector<int>{cpu}));
}
