#include "sched/stop_signal.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace wirt::sched {

void StopSignal::request() {
  flag_.store(true, std::memory_order_release);
  std::lock_guard lock(mu_);
  wake_locked();
}

void StopSignal::wake_locked() {
  if (!waiting_ || !io_) return;
  boost::asio::post(*io_, [w = waiting_, stopped = stopped_] {
    if (w.wake()) *stopped = true;
  });
  waiting_ = Waker();
  io_ = nullptr;
  stopped_.reset();
}

void StopSignal::enter_wait(Waker waker, boost::asio::io_context* io, std::shared_ptr<bool> stopped) {
  std::lock_guard lock(mu_);
  waiting_ = std::move(waker);
  io_ = io;
  stopped_ = std::move(stopped);
  if (requested()) wake_locked();
}

void StopSignal::leave_wait() {
  std::lock_guard lock(mu_);
  waiting_ = Waker();
  io_ = nullptr;
  stopped_.reset();
}

}  // namespace wirt::sched
