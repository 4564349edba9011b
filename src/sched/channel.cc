#include "sched/channel.h"

#include <atomic>

namespace wirt::sched {

std::mutex& Channel::channels_mutex() {
  static std::mutex mu;
  return mu;
}

// One blocked select (a plain send/receive is a select with one case). The first party to flip
// `claimed` completes it; waiters left on other channels are skipped lazily when found claimed.
struct Channel::SelectState {
  bool claimed = false;  // guarded by channels_mutex()
  SelectResult result;
  Waker waker;
};

std::optional<Channel::Waiter> Channel::claim_waiter_locked(std::deque<Waiter>& q) {
  while (!q.empty()) {
    Waiter w = std::move(q.front());
    q.pop_front();
    if (!w.sel->claimed) {
      w.sel->claimed = true;
      return w;
    }
  }
  return std::nullopt;
}

bool Channel::try_case_locked(SelectCase& c, int index, SelectResult* out) {
  if (c.op == SelectCase::Op::Send) {
    if (closed_) {
      *out = {index, {}, false};
      return true;
    }
    if (auto w = claim_waiter_locked(recvq_)) {
      w->sel->result = {w->index, std::move(c.send_value), true};
      w->sel->waker.wake();
      *out = {index, {}, true};
      return true;
    }
    if (buf_.size() < capacity_) {
      buf_.push_back(std::move(c.send_value));
      *out = {index, {}, true};
      return true;
    }
    return false;
  }
  // Receive.
  if (!buf_.empty()) {
    core::Value v = std::move(buf_.front());
    buf_.pop_front();
    // A buffered channel had a sender waiting for room: move its value in and release it.
    if (auto w = claim_waiter_locked(sendq_)) {
      buf_.push_back(std::move(w->value));
      w->sel->result = {w->index, {}, true};
      w->sel->waker.wake();
    }
    *out = {index, std::move(v), true};
    return true;
  }
  if (auto w = claim_waiter_locked(sendq_)) {
    *out = {index, std::move(w->value), true};
    w->sel->result = {w->index, {}, true};
    w->sel->waker.wake();
    return true;
  }
  if (closed_) {
    *out = {index, {}, false};
    return true;
  }
  return false;
}

SelectResult Channel::select(std::vector<SelectCase>& cases, bool has_default, const Deadline& deadline) {
  // One lock for all channels: a select checks and enqueues on every channel atomically, so a
  // select is claimed exactly once without lock-ordering or claim/unclaim races. Channel traffic
  // is light next to the work it coordinates; per-channel locks can come when measured.
  std::unique_lock lock(channels_mutex());
  SelectResult out;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].channel->try_case_locked(cases[i], static_cast<int>(i), &out)) return out;
  }
  if (has_default) return SelectResult{-1, {}, true};

  auto sel = std::make_shared<SelectState>();
  bool woken = this_fiber::suspend_until([&](Waker waker) {
    sel->waker = waker;
    for (size_t i = 0; i < cases.size(); ++i) {
      Waiter w{sel, static_cast<int>(i), {}};
      if (cases[i].op == SelectCase::Op::Send) {
        w.value = cases[i].send_value;
        cases[i].channel->sendq_.push_back(std::move(w));
      } else {
        cases[i].channel->recvq_.push_back(std::move(w));
      }
    }
    lock.unlock();  // released before the fiber switches away; peers may now complete us
  }, deadline);
  if (!woken) {
    // The deadline fired first. Claim the select ourselves so peers skip its waiters; if a
    // peer claimed it already, the operation did happen (its wake() lost to the timer) and
    // its result must not be dropped.
    std::lock_guard relock(channels_mutex());
    if (!sel->claimed) {
      sel->claimed = true;
      SelectResult r;
      r.timed_out = true;
      return r;
    }
  }
  return std::move(sel->result);
}

core::Status Channel::send(core::Value v, const Deadline& deadline) {
  std::vector<SelectCase> cases{{shared_from_this(), SelectCase::Op::Send, std::move(v)}};
  SelectResult r = select(cases, false, deadline);
  if (r.timed_out) return core::timeout("execution time limit exceeded (waiting to send on a channel)");
  if (!r.ok) return core::invalid("send on closed channel");
  return {};
}

std::pair<core::Value, bool> Channel::receive() {
  std::vector<SelectCase> cases{{shared_from_this(), SelectCase::Op::Receive, {}}};
  SelectResult r = select(cases, false);
  return {std::move(r.value), r.ok};
}

core::Result<std::pair<core::Value, bool>> Channel::receive(const Deadline& deadline) {
  std::vector<SelectCase> cases{{shared_from_this(), SelectCase::Op::Receive, {}}};
  SelectResult r = select(cases, false, deadline);
  if (r.timed_out) return core::timeout("execution time limit exceeded (waiting to receive from a channel)");
  return std::pair<core::Value, bool>{std::move(r.value), r.ok};
}

bool Channel::try_send(core::Value v) {
  std::vector<SelectCase> cases{{shared_from_this(), SelectCase::Op::Send, std::move(v)}};
  SelectResult r = select(cases, true);
  return r.index == 0 && r.ok;
}

void Channel::close() {
  std::lock_guard lock(channels_mutex());
  if (closed_) return;
  closed_ = true;
  while (auto w = claim_waiter_locked(recvq_)) {
    w->sel->result = {w->index, {}, false};
    w->sel->waker.wake();
  }
  while (auto w = claim_waiter_locked(sendq_)) {
    w->sel->result = {w->index, {}, false};
    w->sel->waker.wake();
  }
}

bool Channel::closed() const {
  std::lock_guard lock(channels_mutex());
  return closed_;
}

}  // namespace wirt::sched
