#include "host/idle_reaper.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace wirt::host {
namespace {

struct Entry {
  IdleReaper::Reap reap;
  std::chrono::milliseconds tick;
  std::chrono::steady_clock::time_point next;
};

// Leaked on purpose: the detached thread may still run during static destruction.
struct State {
  std::mutex mu;  // guards entries and next_id; held while callbacks run (remove() waits)
  std::condition_variable cv;
  std::map<uint64_t, Entry> entries;
  uint64_t next_id = 1;
  bool started = false;
};
State& state() {
  static State* s = new State;
  return *s;
}

void loop() {
  State& s = state();
  std::unique_lock lock(s.mu);
  for (;;) {
    auto wake = std::chrono::steady_clock::now() + std::chrono::hours(1);
    for (auto& [id, e] : s.entries) wake = std::min(wake, e.next);
    s.cv.wait_until(lock, wake);
    auto now = std::chrono::steady_clock::now();
    for (auto& [id, e] : s.entries) {
      if (e.next > now) continue;
      e.next = now + e.tick;
      int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
      e.reap(now_ns);  // under s.mu: remove() cannot free the pool meanwhile
    }
  }
}

}  // namespace

uint64_t IdleReaper::add(Reap reap, std::chrono::milliseconds tick) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!s.started) {
    std::thread(loop).detach();
    s.started = true;
  }
  uint64_t id = s.next_id++;
  s.entries.emplace(id, Entry{std::move(reap), tick, std::chrono::steady_clock::now() + tick});
  s.cv.notify_one();
  return id;
}

void IdleReaper::remove(uint64_t id) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.entries.erase(id);
}

}  // namespace wirt::host
