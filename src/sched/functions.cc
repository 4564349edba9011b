#include "sched/functions.h"

#include <fmt/format.h>

namespace wirt::sched {

core::Result<core::Value> FunctionTable::call(const CallContext& caller, const std::string& id,
                                              const core::Array& args) const {
  auto it = handlers_.find(id);
  if (it == handlers_.end()) return core::not_found(fmt::format("no handler registered for target: {}", id));
  if (caller.depth >= kMaxCallDepth) {
    return core::internal(fmt::format("call depth limit ({}) exceeded calling {}", kMaxCallDepth, id));
  }
  if (caller.deadline && CallContext::Clock::now() >= *caller.deadline) {
    return core::timeout(fmt::format("deadline exceeded before calling {}", id));
  }
  return it->second(caller.fork(id), args);
}

}  // namespace wirt::sched
