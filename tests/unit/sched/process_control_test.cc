// Process control (sched/processes.h): links, monitors, terminate, cancel, names, topics,
// host admission, and the StopSignal that ends waits; supervision (sched/supervisor.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "sched/channel.h"
#include "sched/processes.h"
#include "sched/scheduler.h"
#include "sched/stop_signal.h"
#include "sched/supervisor.h"

using namespace wirt;
using namespace std::chrono_literals;
using sched::Channel;
using sched::ProcessTable;

namespace {

core::Value kind_of(const core::Value& ev) { return *ev.find("kind"); }

struct Fixture : ::testing::Test {
  sched::Scheduler scheduler{{2}};
  sched::Policies policies;
  ProcessTable table{&scheduler, &policies};
  sched::CallContext caller;

  void SetUp() override {
    table.add_host("h");
    // Waits on its inbox; returns the first message's payload.
    table.add_factory("wait", [this](const sched::CallContext& ctx, const core::Array&) -> core::Result<core::Value> {
      auto got = table.find(ctx.pid)->inbox->receive(std::nullopt);
      if (!got) return std::move(got).error();
      return got->first;
    });
    // Fails after the given milliseconds.
    table.add_factory("crash", [](const sched::CallContext&, const core::Array& args) -> core::Result<core::Value> {
      sched::this_fiber::sleep_for(std::chrono::milliseconds(args.empty() ? 10 : args[0].as_int()));
      return core::internal("boom");
    });
    table.add_factory("ok", [](const sched::CallContext&, const core::Array&) -> core::Result<core::Value> {
      return core::Value(7);
    });
  }

  // The next event on `ch` within 3 s (nil on timeout).
  static core::Value next(const std::shared_ptr<Channel>& ch) {
    auto r = ch->receive(std::chrono::steady_clock::now() + 3s);
    if (!r) return core::Value();
    return r->first;
  }
};

}  // namespace

TEST_F(Fixture, MonitorGetsExitWithResult) {
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto pid = table.spawn(caller, "ok", "h", {}, "{me|1}", {.monitor = true});
    ASSERT_TRUE(pid);
    core::Value ev = next(events);
    EXPECT_EQ(kind_of(ev).as_string(), "pid.exit");
    EXPECT_EQ(ev.find("from")->as_string(), *pid);
    EXPECT_EQ(ev.find("result")->find("value")->as_int(), 7);
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, LinkedPeerDiesWithoutTrapLinks) {
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto waiter = table.spawn(caller, "wait", "h", {}, "{me|1}", {.monitor = true});
    ASSERT_TRUE(waiter);
    auto crasher = table.spawn(caller, "crash", "h", {core::Value(20)}, "", {});
    ASSERT_TRUE(crasher);
    ASSERT_TRUE(table.link(*waiter, *crasher));
    core::Value ev = next(events);
    ASSERT_EQ(kind_of(ev).as_string(), "pid.exit");
    std::string msg = ev.find("result")->find("error")->find("message")->as_string();
    EXPECT_NE(msg.find("boom"), std::string::npos) << msg;
    EXPECT_NE(msg.find("linked process"), std::string::npos) << msg;
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, TrapLinksTurnsPeerFailureIntoLinkDown) {
  scheduler.block_on([&] {
    ASSERT_TRUE(table.set_trap_links("{me|1}", true));
    auto events = table.mailbox("{me|1}")->events;
    auto crasher = table.spawn(caller, "crash", "h", {core::Value(10)}, "{me|1}", {.link = true});
    ASSERT_TRUE(crasher);
    core::Value ev = next(events);
    EXPECT_EQ(kind_of(ev).as_string(), "pid.link.down");
    EXPECT_EQ(ev.find("from")->as_string(), *crasher);
    // A normal exit sends none.
    auto ok = table.spawn(caller, "ok", "h", {}, "{me|1}", {.link = true});
    ASSERT_TRUE(ok);
    auto none = events->receive(std::chrono::steady_clock::now() + 100ms);
    EXPECT_FALSE(none);
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, TerminateEndsAWaitAndReportsCanceled) {
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto pid = table.spawn(caller, "wait", "h", {}, "{me|1}", {.monitor = true});
    ASSERT_TRUE(pid);
    sched::this_fiber::sleep_for(20ms);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(table.terminate(*pid));
    core::Value ev = next(events);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    const core::Value* err = ev.find("result")->find("error");
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->find("kind")->as_string(), "Canceled");
    EXPECT_EQ(err->find("message")->as_string(), "process terminated");
    EXPECT_FALSE(table.alive(*pid));
    EXPECT_FALSE(table.terminate(*pid));  // gone: NotFound
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, CancelSendsEventThenTerminatesAtDeadline) {
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto pid = table.spawn(caller, "wait", "h", {}, "{me|1}", {.monitor = true});
    ASSERT_TRUE(pid);
    auto target_events = table.find(*pid)->events;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(table.cancel("{me|1}", *pid, 150ms));
    core::Value cancel = next(target_events);
    EXPECT_EQ(kind_of(cancel).as_string(), "pid.cancel");
    EXPECT_EQ(cancel.find("from")->as_string(), "{me|1}");
    EXPECT_TRUE(cancel.find("deadline")->is_string());
    core::Value ev = next(events);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(took, 140ms);
    EXPECT_LT(took, 2s);
    std::string msg = ev.find("result")->find("error")->find("message")->as_string();
    EXPECT_NE(msg.find("cancel deadline"), std::string::npos) << msg;
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, NamesResolveAndAreFreedOnExit) {
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto pid = table.spawn(caller, "wait", "h", {}, "{me|1}", {.monitor = true, .name = "svc"});
    ASSERT_TRUE(pid);
    EXPECT_EQ(*table.lookup("svc"), *pid);
    EXPECT_EQ(table.register_name("svc", "{me|1}").error().kind(), core::ErrorKind::AlreadyExists);
    core::Value msg = core::Value::map();
    msg.set("topic", core::Value("t"));
    msg.set("payload", core::Value(5));
    ASSERT_TRUE(table.send("svc", msg));  // by name
    next(events);
    EXPECT_FALSE(table.lookup("svc"));
    EXPECT_EQ(table.send("svc", msg).error().message(), "could not resolve: svc");
    table.drop("{me|1}");
  });
}

TEST_F(Fixture, ListenTakesItsTopicOnly) {
  scheduler.block_on([&] {
    auto ch = table.listen("{me|1}", "jobs", false);
    ASSERT_TRUE(ch);
    core::Value a = core::Value::map();
    a.set("topic", core::Value("jobs"));
    a.set("payload", core::Value(1));
    core::Value b = core::Value::map();
    b.set("topic", core::Value("other"));
    b.set("payload", core::Value(2));
    ASSERT_TRUE(table.send("{me|1}", a));
    ASSERT_TRUE(table.send("{me|1}", b));
    EXPECT_EQ(next(*ch).as_int(), 1);  // raw payload
    EXPECT_EQ(next(table.find("{me|1}")->inbox).find("topic")->as_string(), "other");
    table.unlisten("{me|1}", *ch);
    EXPECT_TRUE((*ch)->closed());
    EXPECT_EQ(table.listen("{me|1}", "@x", false).error().message(), "cannot listen to @ topics");
    table.drop("{me|1}");
  });
}

// Regression: terminating the queued process hung 1 run in 4 — a wait entered after the stop
// was requested returned without running its arm, so Channel::select kept the channels mutex
// and deadlocked on it.
TEST_F(Fixture, HostQueueIsBounded) {
  table.add_host("small", {.workers = 1, .queue_size = 1});
  table.add_host("off", {.running = false});
  scheduler.block_on([&] {
    auto events = table.mailbox("{me|1}")->events;
    auto a = table.spawn(caller, "wait", "small", {}, "{me|1}", {.monitor = true});
    auto b = table.spawn(caller, "wait", "small", {}, "{me|1}", {.monitor = true});
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    auto c = table.spawn(caller, "wait", "small", {}, "", {});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind(), core::ErrorKind::Unavailable);
    EXPECT_EQ(table.host_load("small"), 2u);
    ASSERT_TRUE(table.terminate(*a));
    ASSERT_TRUE(table.terminate(*b));  // queued: ends without running
    next(events);
    next(events);
    EXPECT_EQ(table.host_load("small"), 0u);
    auto off = table.spawn(caller, "ok", "off", {}, "", {});
    ASSERT_FALSE(off);
    EXPECT_NE(off.error().message().find("not running"), std::string::npos);
    table.drop("{me|1}");
  });
}

TEST(StopSignal, EndsACurrentWaitAndEveryLaterOne) {
  sched::Scheduler s({2});
  auto stop = std::make_shared<sched::StopSignal>();
  std::atomic<bool> first_ended{false}, later_ended{false};
  auto done = Channel::make(1);
  s.spawn([&, stop] {
    sched::this_fiber::bind_stop(stop);
    auto ch = Channel::make(0);
    auto r = ch->receive(std::nullopt);  // no deadline: only the stop ends it
    first_ended = !r;
    later_ended = !sched::this_fiber::sleep_for(1h);
    (void)done->send(core::Value(1));
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(first_ended);
  stop->request();
  s.block_on([&] { EXPECT_TRUE(done->receive(std::chrono::steady_clock::now() + 3s)); });
  EXPECT_TRUE(first_ended);
  EXPECT_TRUE(later_ended);
}

TEST(RestartPolicy, DelaysGrowToTheCap) {
  sched::RestartPolicy p;
  p.initial_delay = 100ms;
  p.backoff_factor = 2.0;
  p.max_delay = 500ms;
  EXPECT_EQ(p.delay(1), 100ms);
  EXPECT_EQ(p.delay(2), 200ms);
  EXPECT_EQ(p.delay(3), 400ms);
  EXPECT_EQ(p.delay(4), 500ms);
}

TEST_F(Fixture, SupervisorRestartsWithBackoffThenGivesUp) {
  std::atomic<int> starts{0};
  std::vector<std::chrono::steady_clock::time_point> at(8);
  table.add_factory("flaky", [&](const sched::CallContext& ctx, const core::Array&) -> core::Result<core::Value> {
    at[std::min(starts.load(), 7)] = std::chrono::steady_clock::now();
    ++starts;
    EXPECT_EQ(ctx.actor->id, "svc:x");
    return core::internal("down again");
  });
  sched::Supervisor sup(&table, &scheduler);
  sched::ServiceSpec spec;
  spec.id = "app:svc";
  spec.process = "flaky";
  spec.host = "h";
  spec.auto_start = true;
  spec.actor = sched::Actor{"svc:x"};
  spec.restart.initial_delay = 40ms;
  spec.restart.jitter = 0;
  spec.restart.max_attempts = 3;
  sup.add(spec);
  ASSERT_TRUE(sup.start_all());
  for (int i = 0; i < 200 && sup.state("app:svc").status != "failed"; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sup.state("app:svc").status, "failed");
  EXPECT_EQ(starts.load(), 4);  // 1 start + 3 restarts
  EXPECT_EQ(sup.state("app:svc").total_restarts, 3);
  auto gap1 = at[1] - at[0], gap2 = at[2] - at[1], gap3 = at[3] - at[2];
  EXPECT_GE(gap1, 35ms);
  EXPECT_GT(gap2, gap1 * 3 / 2);
  EXPECT_GT(gap3, gap2 * 3 / 2);
  sup.stop_all();
}

TEST_F(Fixture, SupervisorStopsInReverseDependencyOrder) {
  std::mutex mu;
  std::vector<std::string> stopped;
  table.add_factory("svc", [&](const sched::CallContext& ctx, const core::Array& args) -> core::Result<core::Value> {
    auto ev = table.find(ctx.pid)->events->receive(std::nullopt);  // the CANCEL
    std::lock_guard lock(mu);
    stopped.push_back(args[0].as_string());
    return core::Value();
  });
  sched::Supervisor sup(&table, &scheduler);
  for (auto [id, dep] : {std::pair{"a", ""}, {"b", "a"}, {"c", "b"}}) {
    sched::ServiceSpec s;
    s.id = id;
    s.process = "svc";
    s.host = "h";
    s.input = {core::Value(id)};
    s.auto_start = true;
    if (*dep) s.depends_on = {dep};
    s.stop_timeout = 1s;
    sup.add(s);
  }
  auto order = sup.start_order();
  ASSERT_TRUE(order);
  EXPECT_EQ(*order, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(sup.start_all());
  for (int i = 0; i < 100 && sup.state("c").status != "running"; ++i) std::this_thread::sleep_for(5ms);
  sup.stop_all();
  EXPECT_EQ(stopped, (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(sup.state("a").status, "stopped");
}

TEST(Supervisor, UnknownDependencyIsNamed) {
  sched::Scheduler s({1});
  sched::Policies p;
  ProcessTable t(&s, &p);
  sched::Supervisor sup(&t, &s);
  sched::ServiceSpec spec;
  spec.id = "app:x";
  spec.depends_on = {"app:missing"};
  sup.add(spec);
  auto order = sup.start_order();
  ASSERT_FALSE(order);
  EXPECT_NE(order.error().message().find("app:missing"), std::string::npos);
}
