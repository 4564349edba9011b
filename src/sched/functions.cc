#include "sched/functions.h"

#include <fmt/format.h>

namespace wirt::sched {

core::Result<core::Value> FunctionTable::call(const CallContext& caller, const std::string& id,
                                              const core::Array& args) const {
  auto it = handlers_.find(id);
  if (it == handlers_.end() && !fallback_) return core::not_found(fmt::format("no handler registered for target: {}", id));
  if (caller.depth >= kMaxCallDepth) {
    return core::internal(fmt::format("call depth limit ({}) exceeded calling {}", kMaxCallDepth, id));
  }
  if (caller.deadline && CallContext::Clock::now() >= *caller.deadline) {
    return core::timeout(fmt::format("deadline exceeded before calling {}", id));
  }
  if (it == handlers_.end()) return fallback_(caller.fork(id), id, args);
  return it->second(caller.fork(id), args);
}

std::vector<std::string> FunctionTable::ids() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size());
  for (const auto& [id, h] : handlers_) out.push_back(id);
  return out;
}

}  // namespace wirt::sched
