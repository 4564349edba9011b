// Supervision of process.service entries (reference-platform §1.5 "Lifecycle", §2
// "process.service"; the reference's api/supervisor LifecycleConfig).
//
// A service is a process (`process` on `host`, spawned with `input`) kept running: when it
// exits, for any reason, while the service should run, it is spawned again after a backoff
// delay initial_delay × backoff_factor^(n-1) (at most max_delay, ± jitter); after running
// stable_threshold the count n starts over; once n passes max_attempts (0 = never) the service
// stays down and the failure is logged. The process runs as lifecycle.security's actor and
// scope. start_all() starts the auto_start services, dependencies (depends_on / requires) first;
// stop_all() stops them in reverse order: a CANCEL event, then terminate at stop_timeout.
//
// Thread-safety: add() before start_all(); start_all()/stop_all() from one non-worker thread;
// state() from anywhere.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "core/value.h"
#include "sched/call_context.h"
#include "sched/processes.h"

namespace wirt::sched {

struct RestartPolicy {
  core::Nanos initial_delay = std::chrono::seconds(1);
  core::Nanos max_delay = std::chrono::seconds(90);
  double backoff_factor = 2.0;
  double jitter = 0.1;  // fraction of the delay, each way
  int max_attempts = 0;  // restarts allowed in a row; 0 = no limit

  // The delay before restart number `attempt` (1-based), without jitter.
  core::Nanos delay(int attempt) const;
};

struct ServiceSpec {
  std::string id;       // the process.service entry
  std::string process;  // process entry id
  std::string host;     // process.host id
  core::Array input;    // spawn arguments
  bool auto_start = false;
  std::vector<std::string> depends_on;  // service ids started before this one
  RestartPolicy restart;
  core::Nanos stable_threshold = std::chrono::seconds(5);
  core::Nanos stop_timeout = std::chrono::seconds(10);
  std::optional<Actor> actor;                    // lifecycle.security.actor
  std::optional<std::vector<std::string>> scope;  // lifecycle.security policies + groups
};

class Supervisor {
 public:
  Supervisor(ProcessTable* processes, Scheduler* scheduler) : processes_(processes), scheduler_(scheduler) {}
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void add(ServiceSpec spec);
  // The start order (dependencies first); an unknown dependency or a cycle is an error naming
  // the service.
  core::Result<std::vector<std::string>> start_order() const;
  // Starts every auto_start service in start order.
  core::Status start_all();
  // Stops the running services in reverse start order and waits for each (up to its
  // stop_timeout plus a grace).
  void stop_all();

  struct State {
    std::string status = "stopped";  // stopped | running | restarting | failed
    std::string pid;                 // the current process ("" when none)
    int restarts = 0;                // restarts in a row (reset once stable)
    int total_restarts = 0;
    std::string last_error;
  };
  State state(const std::string& id) const;

 private:
  struct Service {
    ServiceSpec spec;
    std::string supervisor_pid;  // the watcher that gets the EXIT events
    std::shared_ptr<Channel> stop = Channel::make(0);  // closed by stop_all
    std::promise<void> done;
    std::shared_future<void> finished;
    bool started = false;
    State state;
  };
  void run(Service* s);
  // Spawns the service's process; empty on success, else the error.
  core::Result<std::string> spawn(Service* s);
  void set_state(Service* s, const std::function<void(State&)>& change);

  ProcessTable* processes_;
  Scheduler* scheduler_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Service>> services_;
  std::vector<std::string> started_order_;
};

}  // namespace wirt::sched
