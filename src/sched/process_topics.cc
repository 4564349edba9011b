// Message delivery and listen/unlisten topics (process module spec `send`, `listen`): a message
// whose topic a process listens on goes to each listening channel (the raw payload, or the whole
// message with {message = true}); every other message goes to the inbox.
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

core::Status ProcessTable::deliver(const std::string& pid, core::Value message) {
  std::shared_ptr<Channel> inbox;
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(pid);
    if (it == records_.end()) return core::not_found(fmt::format("process not found: {}", pid));
    inbox = it->second.mailbox->inbox;
    const core::Value* topic = message.find("topic");
    if (topic && topic->is_string() && !it->second.topics.empty()) {
      if (auto t = it->second.topics.find(topic->as_string()); t != it->second.topics.end()) listeners = t->second;
    }
  }
  if (listeners.empty()) {
    if (!inbox->try_send(std::move(message))) return core::unavailable(fmt::format("inbox of {} is full", pid));
    return {};
  }
  bool delivered = false;
  for (const Listener& l : listeners) {
    core::Value v;
    if (l.whole_message) v = message;
    else if (const core::Value* p = message.find("payload")) v = *p;
    delivered = l.channel->try_send(std::move(v)) || delivered;
  }
  if (!delivered) return core::unavailable(fmt::format("topic channel of {} is full", pid));
  return {};
}

core::Result<std::shared_ptr<Channel>> ProcessTable::listen(const std::string& pid, const std::string& topic,
                                                             bool whole_message) {
  if (topic.empty()) return core::invalid("topic cannot be empty");
  if (topic.front() == '@') return core::invalid("cannot listen to @ topics");
  auto ch = Channel::make(1024);
  std::lock_guard lock(mu_);
  record_locked(pid).topics[topic].push_back(Listener{ch, whole_message});
  return ch;
}

void ProcessTable::unlisten(const std::string& pid, const std::shared_ptr<Channel>& channel) {
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(pid);
    if (it == records_.end()) return;
    auto& topics = it->second.topics;
    for (auto t = topics.begin(); t != topics.end();) {
      std::erase_if(t->second, [&](const Listener& l) { return l.channel == channel; });
      t = t->second.empty() ? topics.erase(t) : std::next(t);
    }
  }
  channel->close();
}

}  // namespace wirt::sched
