// Fiber-aware channels of Values, with Go-style select (reference-platform §3 "channel").
//
// capacity 0 is unbuffered (a send waits for a receiver); capacity n buffers n values.
// send on a closed channel fails; receive on a closed, drained channel returns {nil, false}.
// Blocking operations suspend the calling fiber, never the thread.
//
// Thread-safety: every operation may be called from fibers on any worker; a channel is shared
// through std::shared_ptr.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "sched/scheduler.h"

namespace wirt::sched {

class Channel;

struct SelectCase {
  enum class Op { Receive, Send };
  std::shared_ptr<Channel> channel;
  Op op = Op::Receive;
  core::Value send_value;  // for Op::Send
};

struct SelectResult {
  int index = -1;          // which case fired; -1 when the default was taken (or timed out)
  core::Value value;       // received value (Receive)
  bool ok = false;         // false when the channel was closed
  bool timed_out = false;  // the deadline passed first; nothing was sent or received
};

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  static std::shared_ptr<Channel> make(size_t capacity) { return std::shared_ptr<Channel>(new Channel(capacity)); }

  // Blocks (suspends) until the value is taken or buffered. Error when the channel is closed,
  // Timeout at `deadline`.
  core::Status send(core::Value v, const Deadline& deadline = std::nullopt);
  // Blocks until a value arrives. {value, true}, or {nil, false} once closed and drained.
  std::pair<core::Value, bool> receive();
  // The same, with Timeout at `deadline`.
  core::Result<std::pair<core::Value, bool>> receive(const Deadline& deadline);
  // Never blocks: false when the value could not be delivered now.
  bool try_send(core::Value v);
  // Closing twice is allowed. Wakes every waiting receiver ({nil,false}) and sender (error).
  void close();
  bool closed() const;
  size_t capacity() const { return capacity_; }

  // Waits for the first ready case. With has_default, returns index -1 instead of waiting.
  // A Send case on a closed channel completes with ok = false. At `deadline` the select gives
  // up (timed_out; no case took effect).
  static SelectResult select(std::vector<SelectCase>& cases, bool has_default,
                             const Deadline& deadline = std::nullopt);

 private:
  struct SelectState;
  struct Waiter {
    std::shared_ptr<SelectState> sel;
    int index;
    core::Value value;  // value offered by a waiting sender
  };
  explicit Channel(size_t capacity) : capacity_(capacity) {}

  // Performs the case now if it is ready (called with channels_mutex() held). Returns true when done.
  bool try_case_locked(SelectCase& c, int index, SelectResult* out);
  // Pops the first waiter whose select can still be claimed, claiming it.
  std::optional<Waiter> claim_waiter_locked(std::deque<Waiter>& q);

  static std::mutex& channels_mutex();

  const size_t capacity_;
  std::deque<core::Value> buf_;
  bool closed_ = false;
  std::deque<Waiter> recvq_;
  std::deque<Waiter> sendq_;
};

}  // namespace wirt::sched
