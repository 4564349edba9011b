#include "sched/supervisor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include <fmt/format.h>

#include "core/log.h"

namespace wirt::sched {

namespace {
using Clock = std::chrono::steady_clock;
// How long past stop_timeout stop_all waits for a service that was terminated to report.
constexpr auto kStopGrace = std::chrono::seconds(2);

std::string exit_reason(const core::Value& ev) {
  const core::Value* result = ev.find("result");
  const core::Value* err = result ? result->find("error") : nullptr;
  if (!err) return "exited";
  const core::Value* msg = err->find("message");
  return msg && msg->is_string() ? "failed: " + msg->as_string() : "failed";
}

bool failed(const core::Value& ev) {
  const core::Value* result = ev.find("result");
  return result && result->find("error");
}
}  // namespace

core::Nanos RestartPolicy::delay(int attempt) const {
  double d = static_cast<double>(initial_delay.count()) * std::pow(backoff_factor, std::max(0, attempt - 1));
  double cap = static_cast<double>(max_delay.count());
  if (max_delay.count() > 0 && d > cap) d = cap;
  return core::Nanos(static_cast<int64_t>(d));
}

Supervisor::~Supervisor() = default;

void Supervisor::add(ServiceSpec spec) {
  auto s = std::make_unique<Service>();
  s->finished = s->done.get_future().share();
  std::string id = spec.id;
  s->spec = std::move(spec);
  std::lock_guard lock(mu_);
  services_[id] = std::move(s);
}

core::Result<std::vector<std::string>> Supervisor::start_order() const {
  std::vector<std::string> order;
  std::set<std::string> done, visiting;
  std::function<core::Status(const std::string&)> visit = [&](const std::string& id) -> core::Status {
    if (done.count(id)) return {};
    if (visiting.count(id)) return core::invalid(fmt::format("process.service {}: dependency cycle through {}", id, id));
    visiting.insert(id);
    const ServiceSpec& spec = services_.at(id)->spec;
    for (const std::string& dep : spec.depends_on) {
      if (!services_.count(dep)) {
        return core::invalid(fmt::format("process.service {}: lifecycle.depends_on: {} is not a process.service", id, dep));
      }
      WIRT_TRY(visit(dep));
    }
    visiting.erase(id);
    done.insert(id);
    order.push_back(id);
    return {};
  };
  for (const auto& [id, s] : services_) WIRT_TRY(visit(id));
  return order;
}

core::Status Supervisor::start_all() {
  std::vector<std::string> order;
  {
    std::lock_guard lock(mu_);
    auto o = start_order();
    if (!o) return std::move(o).error();
    order = std::move(*o);
  }
  for (const std::string& id : order) {
    Service* s;
    {
      std::lock_guard lock(mu_);
      s = services_.at(id).get();
      if (!s->spec.auto_start || s->started) continue;
      s->started = true;
      s->supervisor_pid = processes_->new_pid("supervisor");
      processes_->mailbox(s->supervisor_pid);
      started_order_.push_back(id);
    }
    core::log_info("process.service {}: starting {} on {}", id, s->spec.process, s->spec.host);
    scheduler_->spawn([this, s] { run(s); });
  }
  return {};
}

void Supervisor::stop_all() {
  std::vector<Service*> order;
  {
    std::lock_guard lock(mu_);
    for (auto it = started_order_.rbegin(); it != started_order_.rend(); ++it) order.push_back(services_.at(*it).get());
    started_order_.clear();
  }
  // Dependents first: a service stops before what it depends on (reverse start order).
  for (Service* s : order) {
    core::log_info("process.service {}: stopping", s->spec.id);
    s->stop->close();
    if (s->finished.wait_for(s->spec.stop_timeout + kStopGrace) != std::future_status::ready) {
      core::log_warn("process.service {}: did not stop within lifecycle.stop_timeout", s->spec.id);
    }
  }
}

Supervisor::State Supervisor::state(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(id);
  return it == services_.end() ? State{} : it->second->state;
}

void Supervisor::set_state(Service* s, const std::function<void(State&)>& change) {
  std::lock_guard lock(mu_);
  change(s->state);
}

core::Result<std::string> Supervisor::spawn(Service* s) {
  CallContext identity;
  identity.actor = s->spec.actor;
  identity.scope = s->spec.scope;
  identity.frame_id = s->spec.id;
  SpawnOptions o;
  o.monitor = true;
  o.system = true;
  o.identity = std::move(identity);
  return processes_->spawn(CallContext{}, s->spec.process, s->spec.host, s->spec.input, s->supervisor_pid, o);
}

// The supervising loop of one service, on its own fiber.
void Supervisor::run(Service* s) {
  const ServiceSpec& spec = s->spec;
  std::shared_ptr<Channel> events = processes_->mailbox(s->supervisor_pid)->events;
  std::mt19937_64 rng(std::random_device{}());
  int in_a_row = 0;
  bool stopping = false;
  while (!stopping) {
    auto started = Clock::now();
    std::string reason;
    auto pid = spawn(s);
    if (pid) {
      set_state(s, [&](State& st) {
        st.status = "running";
        st.pid = *pid;
      });
      for (;;) {
        std::vector<SelectCase> cases{{events, SelectCase::Op::Receive, {}}, {s->stop, SelectCase::Op::Receive, {}}};
        SelectResult r = Channel::select(cases, false);
        if (r.index == 1) {
          // Stopping: CANCEL, then terminate at stop_timeout; wait for its EXIT.
          stopping = true;
          (void)processes_->cancel(s->supervisor_pid, *pid, spec.stop_timeout);
          auto got = events->receive(Clock::now() + spec.stop_timeout + kStopGrace);
          reason = got ? "stopped" : "did not stop";
          break;
        }
        const core::Value* from = r.value.find("from");
        if (from && from->is_string() && from->as_string() == *pid) {
          reason = exit_reason(r.value);
          if (!failed(r.value)) reason = "exited without an error";
          break;
        }
      }
    } else {
      reason = "could not start: " + pid.error().message();
    }
    if (stopping) break;
    if (Clock::now() - started >= spec.stable_threshold) in_a_row = 0;
    ++in_a_row;
    set_state(s, [&](State& st) {
      st.pid.clear();
      st.last_error = reason;
      st.restarts = in_a_row;
    });
    if (spec.restart.max_attempts > 0 && in_a_row > spec.restart.max_attempts) {
      core::log_error("process.service {}: {}; gave up after {} restarts (lifecycle.restart.max_attempts {}): the service stays down",
                      spec.id, reason, in_a_row - 1, spec.restart.max_attempts);
      set_state(s, [](State& st) { st.status = "failed"; });
      break;
    }
    core::Nanos delay = spec.restart.delay(in_a_row);
    if (spec.restart.jitter > 0) {
      std::uniform_real_distribution<double> j(-spec.restart.jitter, spec.restart.jitter);
      delay = core::Nanos(static_cast<int64_t>(static_cast<double>(delay.count()) * (1.0 + j(rng))));
    }
    core::log_warn("process.service {}: {}; restart {} in {}", spec.id, reason, in_a_row, core::format_duration(delay));
    set_state(s, [](State& st) {
      st.status = "restarting";
      ++st.total_restarts;
    });
    std::vector<SelectCase> wait{{s->stop, SelectCase::Op::Receive, {}}};
    if (!Channel::select(wait, false, Clock::now() + delay).timed_out) stopping = true;
  }
  processes_->drop(s->supervisor_pid);
  set_state(s, [&](State& st) {
    if (stopping) st.status = "stopped";
    st.pid.clear();
  });
  s->done.set_value();
}

}  // namespace wirt::sched
