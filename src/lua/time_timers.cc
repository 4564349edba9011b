// time.timer(d) and time.ticker(d) (runtime/lua/modules/time/spec.md "Timer", "Ticker").
//
// Both run on the scheduler's timers: an asio steady_timer on the io_context of the worker that
// made them. Every operation on the steady_timer is posted to that io_context, so a Timer used
// later from another worker (a state reused by a call elsewhere) never touches it concurrently.
// A generation counter makes stop()/reset() exact: a firing that belongs to an older arming is
// dropped. Each fire/tick sends the time (unix nanoseconds, as time.after does) on a channel of
// capacity 1; a ticker whose reader is slow drops ticks instead of queueing them (Go's ticker).
// Timers and tickers are stopped when the call that made them returns (call_cleanup.h).
#include <chrono>
#include <memory>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "lua/call_cleanup.h"
#include "lua/channel_module.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "sched/scheduler.h"

namespace wirt::lua {

namespace {

constexpr const char* kTimerClass = "wirt.time.timer";
constexpr const char* kTickerClass = "wirt.time.ticker";
// Timers and tickers one Lua state may run at once (ResourceBudget "time.timers").
constexpr size_t kMaxLiveTimers = 10000;

int64_t now_unix_nanos() {
  return std::chrono::duration_cast<core::Nanos>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class TimerState : public std::enable_shared_from_this<TimerState> {
 public:
  TimerState(boost::asio::io_context* io, core::Nanos period, std::shared_ptr<ResourceBudget> budget)
      : io_(io), timer_(*io), period_(period), channel_(sched::Channel::make(1)), budget_(std::move(budget)) {}
  ~TimerState() {
    if (holds_budget_) budget_->release();
  }

  const std::shared_ptr<sched::Channel>& channel() const { return channel_; }

  // (Re)arms to fire after d; a pending firing of an earlier arming is dropped.
  void start(core::Nanos d) {
    uint64_t gen;
    {
      std::lock_guard lock(mu_);
      gen = ++generation_;
      stopped_ = false;
      fired_ = false;
      // A reset timer runs again: it counts again (over the budget only by resets of timers
      // that already exist, which make nothing new).
      if (!holds_budget_) holds_budget_ = budget_->acquire();
    }
    auto self = shared_from_this();
    boost::asio::post(*io_, [self, d, gen] {
      self->timer_.expires_after(d);
      self->wait(gen);
    });
  }

  // True when this stopped a timer that had not fired yet. `cancel_now` also takes the armed
  // wait out of the io_context's queue at once (else it ends, doing nothing, when it expires).
  // The garbage collector passes false: it may run after the scheduler and its io_contexts are
  // gone (a pooled state closed at shutdown), and the generation check alone already keeps a
  // stopped timer from firing or re-arming.
  bool stop(bool cancel_now = true) {
    bool pending, was_stopped;
    {
      std::lock_guard lock(mu_);
      pending = !stopped_ && !fired_;
      was_stopped = stopped_;
      stopped_ = true;
      ++generation_;
      release_budget();
    }
    if (cancel_now && !was_stopped) {
      auto self = shared_from_this();
      boost::asio::post(*io_, [self] { self->timer_.cancel(); });
    }
    return pending;
  }

 private:
  // Called with mu_ held: a stopped or fired timer no longer counts against the budget.
  void release_budget() {
    if (!holds_budget_) return;
    holds_budget_ = false;
    budget_->release();
  }

  void wait(uint64_t gen) {
    auto self = shared_from_this();
    timer_.async_wait([self, gen](const boost::system::error_code& ec) {
      if (ec) return;  // canceled by stop() or a re-arming
      {
        std::lock_guard lock(self->mu_);
        if (self->generation_ != gen || self->stopped_) return;
        if (self->period_.count() == 0) {
          self->fired_ = true;
          self->release_budget();
        }
      }
      self->channel_->try_send(core::Value(now_unix_nanos()));
      if (self->period_.count() > 0) {
        // Next tick on the fixed schedule (no drift from handler latency).
        self->timer_.expires_at(self->timer_.expiry() + self->period_);
        self->wait(gen);
      }
    });
  }

  boost::asio::io_context* io_;
  boost::asio::steady_timer timer_;
  core::Nanos period_;  // 0 = one-shot timer
  std::shared_ptr<sched::Channel> channel_;
  std::shared_ptr<ResourceBudget> budget_;  // one unit, released when the last reference goes
  std::mutex mu_;
  uint64_t generation_ = 0;
  bool stopped_ = false;
  bool fired_ = false;
  bool holds_budget_ = true;  // the unit make() acquired
};

struct LuaTimer {
  std::shared_ptr<TimerState> state;
};

// A positive duration argument; raises Invalid otherwise (spec: "duration <= 0").
core::Result<core::Nanos> positive_duration(lua_State* L, int idx) {
  auto d = to_duration(L, idx);
  if (!d) return std::move(d).error();
  if (d->count() <= 0) return core::invalid("duration must be greater than 0");
  return *d;
}

int make(lua_State* L, const char* cls, bool ticker) {
  auto d = positive_duration(L, 1);
  if (!d) return push_nil_error(L, std::move(d).error());
  boost::asio::io_context* io = sched::Scheduler::current_io();
  if (!io) return push_nil_error(L, core::invalid(ticker ? "time.ticker outside a fiber" : "time.timer outside a fiber"));
  auto budget = resource_budget(L, "time.timers", kMaxLiveTimers);
  if (!budget->acquire()) {
    return push_nil_error(L, core::unavailable(fmt::format("more than {} timers and tickers running (stop some)", budget->max())));
  }
  auto state = std::make_shared<TimerState>(io, ticker ? *d : core::Nanos(0), std::move(budget));
  state->start(*d);
  new_udata<LuaTimer>(L, cls, LuaTimer{std::move(state)});
  register_call_cleanup(L, -1, [](lua_State* S) -> int {
    auto* t = static_cast<LuaTimer*>(lua_touserdata(S, 1));
    if (t && t->state) t->state->stop();
    return 0;
  });
  return 1;
}

LuaTimer* check(lua_State* L) {
  if (auto* t = test_udata<LuaTimer>(L, 1, kTimerClass)) return t;
  return check_udata<LuaTimer>(L, 1, kTickerClass);
}

int t_response(lua_State* L) {
  push_channel(L, check(L)->state->channel());
  return 1;
}

int timer_stop(lua_State* L) {
  lua_pushboolean(L, check(L)->state->stop());
  return 1;
}

int ticker_stop(lua_State* L) {
  check(L)->state->stop();
  return 0;
}

int timer_reset(lua_State* L) {
  LuaTimer* t = check_udata<LuaTimer>(L, 1, kTimerClass);
  lua_remove(L, 1);
  auto d = positive_duration(L, 1);
  if (!d) raise_error(L, std::move(d).error());
  t->state->start(*d);
  return 0;
}

int gc(lua_State* L) {
  auto* t = static_cast<LuaTimer*>(lua_touserdata(L, 1));
  if (t->state) t->state->stop(/*cancel_now=*/false);
  t->~LuaTimer();
  return 0;
}

int time_timer(lua_State* L) { return make(L, kTimerClass, false); }
int time_ticker(lua_State* L) { return make(L, kTickerClass, true); }

}  // namespace

void add_time_timers(lua_State* L) {
  static const luaL_Reg timer_methods[] = {
      {"response", t_response}, {"channel", t_response}, {"stop", timer_stop}, {"reset", timer_reset},
      {nullptr, nullptr},
  };
  define_class(L, kTimerClass, timer_methods, gc);
  static const luaL_Reg ticker_methods[] = {
      {"response", t_response}, {"channel", t_response}, {"stop", ticker_stop}, {nullptr, nullptr},
  };
  define_class(L, kTickerClass, ticker_methods, gc);
  lua_pushcfunction(L, time_timer);
  lua_setfield(L, -2, "timer");
  lua_pushcfunction(L, time_ticker);
  lua_setfield(L, -2, "ticker");
}

}  // namespace wirt::lua
