// Closes the idle instances of lazy pools after a burst (reference-wasm-runtime §4.2 "lazy":
// a reaper ticks every idle/2 and closes all idle instances once none is active and the last
// use was ≥ 30 s ago), so the memory of thousands of instances made for a burst returns.
//
// One background thread for the process, started by the first registration; it only calls
// the registered callbacks. Thread-safe: register/unregister from any thread; unregister
// waits for a tick in progress, so a pool may be destroyed right after it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace wirt::host {

class IdleReaper {
 public:
  // The callback gets the steady-clock time in ns and closes what has been idle long enough.
  using Reap = std::function<void(int64_t now_ns)>;
  // `tick` is how often registered callbacks run (half the idle timeout).
  static uint64_t add(Reap reap, std::chrono::milliseconds tick);
  static void remove(uint64_t id);
};

}  // namespace wirt::host
