#include "sched/scheduler.h"
#include "sched/stop_signal.h"

#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include "core/log.h"
#include "sched/asan_fiber.h"

namespace wirt::sched {

namespace ctx = boost::context;

// Fiber stacks: mmap'd with a PROT_NONE guard page below, reused through a free list so that
// spawning a fiber costs no syscall in the steady state.
class StackPool {
 public:
  explicit StackPool(size_t size) : size_(round_up(size)) {}
  ~StackPool() {
    for (void* base : free_) ::munmap(base, size_ + page());
  }

  ctx::stack_context allocate() {
    void* base = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        base = free_.back();
        free_.pop_back();
      }
    }
    if (!base) {
      base = ::mmap(nullptr, size_ + page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (base == MAP_FAILED) throw std::bad_alloc();
      ::mprotect(base, page(), PROT_NONE);  // guard page: overflow faults instead of corrupting
    }
    ctx::stack_context sc;
    sc.size = size_;
    sc.sp = static_cast<char*>(base) + page() + size_;
    return sc;
  }

  void deallocate(ctx::stack_context& sc) {
    void* base = static_cast<char*>(sc.sp) - sc.size - page();
    asan::unpoison(static_cast<char*>(sc.sp) - sc.size, sc.size);
    std::lock_guard lock(mu_);
    if (free_.size() < kMaxFree) {
      free_.push_back(base);
      return;
    }
    ::munmap(base, size_ + page());
  }

 private:
  // Enough free stacks to absorb bursts of thousands of fibers without mmap/munmap churn;
  // only their touched pages are resident.
  static constexpr size_t kMaxFree = 2048;
  static size_t page() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }
  static size_t round_up(size_t n) { return (n + page() - 1) / page() * page(); }
  size_t size_;
  std::mutex mu_;
  std::vector<void*> free_;
};

struct FiberState;

// Boost.Context StackAllocator concept adapter over a shared pool; tells the fiber its bounds.
struct PooledStack {
  StackPool* pool;
  FiberState* fiber;
  ctx::stack_context allocate();
  void deallocate(ctx::stack_context& sc) noexcept { pool->deallocate(sc); }
};

class Worker {
 public:
  Worker(size_t index) : index_(index), guard_(boost::asio::make_work_guard(io_)) {}
  void start(const std::vector<int>& cpus) {
    thread_ = std::thread([this, cpus] {
      pin(cpus);
      io_.run();
    });
  }
  // Pins the calling thread to `cpus` (none: unchanged). A failure (a CPU outside the
  // process's allowed set) is logged and the thread runs unpinned.
  static void pin(const std::vector<int>& cpus) {
    if (cpus.empty()) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus)
      if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
    if (::sched_setaffinity(0, sizeof(set), &set) != 0) core::log_warn("sched_setaffinity failed: {}", std::strerror(errno));
  }
  void stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  boost::asio::io_context& io() { return io_; }
  size_t index() const { return index_; }

 private:
  size_t index_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct FiberState {
  Worker* worker = nullptr;
  uintptr_t stack_bottom = 0;
  std::function<void()> fn;
  ctx::fiber self;    // the fiber's continuation while it is suspended
  ctx::fiber caller;  // the worker loop's continuation while the fiber runs
  // For the ASan switch annotations (asan_fiber.h): this fiber's stack, the worker stack it
  // was resumed from, and its fake-stack handle while suspended.
  const void* stack_lo = nullptr;
  size_t stack_size = 0;
  const void* caller_lo = nullptr;
  size_t caller_size = 0;
  void* asan_fake_stack = nullptr;
  std::shared_ptr<StopSignal> stop;  // bound by this_fiber::bind_stop (a process's terminate)
};

ctx::stack_context PooledStack::allocate() {
  ctx::stack_context sc = pool->allocate();
  fiber->stack_lo = static_cast<char*>(sc.sp) - sc.size;
  fiber->stack_size = sc.size;
  return sc;
}

struct Waker::Token {
  FiberState* fiber;
  std::atomic<bool> fired{false};
};

namespace {
thread_local FiberState* t_current = nullptr;
thread_local Worker* t_worker = nullptr;

// Switches into the fiber; returns when it suspends or finishes (then frees it).
void run_fiber(FiberState* st) {
  Worker* prev_worker = t_worker;
  t_worker = st->worker;
  void* worker_fake_stack = nullptr;
  asan::start_switch(&worker_fake_stack, st->stack_lo, st->stack_size);
  st->self = std::move(st->self).resume();
  asan::finish_switch(worker_fake_stack, nullptr, nullptr);
  t_worker = prev_worker;
  if (!st->self) delete st;  // finished: the fiber returned its caller continuation
}
}  // namespace

struct FiberAccess {
  static void resume_later(FiberState* st) {
    boost::asio::post(st->worker->io(), [st] { run_fiber(st); });
  }
  static Waker make_waker(FiberState* st) {
    Waker w;
    w.token_ = std::make_shared<Waker::Token>();
    w.token_->fiber = st;
    return w;
  }
  static bool wake(const Waker& w) {
    if (!w.token_) return false;
    if (w.token_->fired.exchange(true)) return false;
    resume_later(w.token_->fiber);
    return true;
  }
};

bool Waker::wake() const { return FiberAccess::wake(*this); }

Deadline deadline_from_ns(int64_t steady_ns) {
  if (steady_ns == 0) return std::nullopt;
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(steady_ns));
}

namespace {
StackPool& stack_pool(size_t size) {
  // One pool per stack size in practice one size; leaked on purpose (fibers may outlive main's
  // static destruction order during abnormal exits).
  static std::mutex mu;
  static std::vector<std::pair<size_t, StackPool*>> pools;
  std::lock_guard lock(mu);
  for (auto& [s, p] : pools)
    if (s == size) return *p;
  pools.emplace_back(size, new StackPool(size));
  return *pools.back().second;
}
}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : options_(options) {
  size_t n = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(i));
  for (auto& w : workers_) w->start(options_.cpus);
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  for (auto& w : workers_) w->stop();
}

void Scheduler::spawn(std::function<void()> fn) {
  Worker* w = workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()].get();
  auto* st = new FiberState();
  st->worker = w;
  st->fn = std::move(fn);
  st->self = ctx::fiber(std::allocator_arg, PooledStack{&stack_pool(options_.fiber_stack_bytes), st},
                        [st, size = options_.fiber_stack_bytes](ctx::fiber&& caller) {
                          asan::finish_switch(nullptr, &st->caller_lo, &st->caller_size);
                          // The entry frame sits near the top of the stack: the stack's
                          // usable bottom is about `size` below it.
                          char top;
                          st->stack_bottom = reinterpret_cast<uintptr_t>(&top) - size + 4096;
                          st->caller = std::move(caller);
                          t_current = st;
                          try {
                            st->fn();
                          } catch (const std::exception& e) {
                            // Invocations return Results; an escaping exception is a bug, but it
                            // must not unwind past the fiber's base frame.
                            core::log_error("uncaught exception on fiber: {}", e.what());
                          }
                          st->fn = nullptr;
                          st->stop.reset();
                          t_current = nullptr;
                          asan::start_switch(nullptr, st->caller_lo, st->caller_size);  // for good
                          return std::move(st->caller);
                        });
  FiberAccess::resume_later(st);
}

void Scheduler::block_on(std::function<void()> fn) {
  assert(!t_worker && "block_on must not be called on a worker thread");
  std::promise<void> done;
  auto fut = done.get_future();
  spawn([&] {
    fn();
    done.set_value();
  });
  fut.wait();
}

boost::asio::io_context* Scheduler::current_io() { return t_worker ? &t_worker->io() : nullptr; }

namespace this_fiber {

namespace {
// suspend_until for a fiber with a StopSignal bound: the wait also ends (returning false, as at
// a deadline) when the stop is requested, before or while it waits.
bool suspend_until_stoppable(const std::function<void(Waker)>& arm, const Deadline& deadline) {
  std::shared_ptr<StopSignal> stop = t_current->stop;
  // No early return when the stop was already requested: `arm` must always run, as callers
  // release their locks in it (Channel::select held the channels mutex and then deadlocked on
  // it; Fixture.HostQueueIsBounded hung 1 run in 4). enter_wait() below wakes us at once.
  auto timed_out = std::make_shared<bool>(false);
  auto stopped = std::make_shared<bool>(false);
  std::optional<boost::asio::steady_timer> timer;
  if (deadline) timer.emplace(*Scheduler::current_io(), *deadline);
  suspend([&](Waker w) {
    arm(w);
    if (timer) {
      timer->async_wait([w, timed_out](const boost::system::error_code& ec) {
        if (!ec && w.wake()) *timed_out = true;
      });
    }
    stop->enter_wait(w, Scheduler::current_io(), stopped);
  });
  stop->leave_wait();
  if (timer) timer->cancel();
  return !*timed_out && !*stopped;
}
}  // namespace

std::shared_ptr<StopSignal> bind_stop(std::shared_ptr<StopSignal> stop) {
  assert(t_current && "bind_stop called outside a fiber");
  std::swap(t_current->stop, stop);
  return stop;
}

StopSignal* stop_signal() { return t_current ? t_current->stop.get() : nullptr; }

std::shared_ptr<StopSignal> shared_stop_signal() { return t_current ? t_current->stop : nullptr; }

bool active() { return t_current != nullptr; }

void suspend(const std::function<void(Waker)>& arm) {
  FiberState* st = t_current;
  assert(st && "this_fiber::suspend called outside a fiber");
  arm(FiberAccess::make_waker(st));
  t_current = nullptr;
  asan::start_switch(&st->asan_fake_stack, st->caller_lo, st->caller_size);
  st->caller = std::move(st->caller).resume();
  asan::finish_switch(st->asan_fake_stack, &st->caller_lo, &st->caller_size);
  t_current = st;
}

bool suspend_until(const std::function<void(Waker)>& arm, const Deadline& deadline) {
  if (t_current && t_current->stop) return suspend_until_stoppable(arm, deadline);
  if (!deadline) {
    suspend(arm);
    return true;
  }
  // The timer's handler runs on this fiber's worker, before the resumption it posts, so the
  // flag is set by the time we look at it.
  auto timed_out = std::make_shared<bool>(false);
  boost::asio::steady_timer timer(*Scheduler::current_io(), *deadline);
  suspend([&](Waker w) {
    arm(w);
    timer.async_wait([w, timed_out](const boost::system::error_code& ec) {
      if (!ec && w.wake()) *timed_out = true;
    });
  });
  timer.cancel();  // the handler owns copies of what it touches
  return !*timed_out;
}

bool sleep_for(core::Nanos d, const Deadline& deadline) {
  auto until = std::chrono::steady_clock::now() + d;
  bool cut = deadline && *deadline < until;
  if (cut) until = *deadline;
  if (t_current && t_current->stop) {
    // A stopped fiber's sleep ends at once (the stop wakes the wait as a deadline would).
    suspend_until_stoppable([](Waker) {}, until);
    return !cut && !t_current->stop->requested();
  }
  if (until <= std::chrono::steady_clock::now()) {
    yield();
    return !cut;
  }
  boost::asio::steady_timer timer(*Scheduler::current_io(), until);
  suspend([&](Waker w) { timer.async_wait([w](const boost::system::error_code&) { w.wake(); }); });
  return !cut;
}

void yield() {
  suspend([](Waker w) { w.wake(); });
}

uintptr_t stack_bottom() { return t_current ? t_current->stack_bottom : 0; }

}  // namespace this_fiber

}  // namespace wirt::sched
