#include "sched/functions.h"

#include <fmt/format.h>

namespace wirt::sched {

core::Result<core::Value> FunctionTable::call(const CallContext& caller, const std::string& id,
                                              const core::Array& args) const {
  // The chain's generation, or the current one for a root call (see functions.h). A nested
  // call borrows the caller's pin instead of copying it (two atomic counts per call).
  std::shared_ptr<const FunctionSet> root;
  if (!caller.generation) root = snapshot();
  const FunctionSet* set = root ? root.get() : caller.generation.get();
  auto it = set->handlers.find(id);
  if (it == set->handlers.end() && !fallback_) return core::not_found(fmt::format("no handler registered for target: {}", id));
  if (caller.depth >= kMaxCallDepth) {
    return core::internal(fmt::format("call depth limit ({}) exceeded calling {}", kMaxCallDepth, id));
  }
  if (caller.deadline && CallContext::Clock::now() >= *caller.deadline) {
    return core::timeout(fmt::format("deadline exceeded before calling {}", id));
  }
  CallContext callee = caller.fork(id);  // inherits the caller's generation
  if (root) callee.generation = std::move(root);
  if (it == set->handlers.end()) return fallback_(callee, id, args);
  // callee.generation owns the set, which owns the handler, until the call returns: a publish
  // mid-call cannot free it.
  return (*it->second)(callee, args);
}

std::vector<std::string> FunctionTable::ids() const {
  auto set = snapshot();
  std::vector<std::string> out;
  out.reserve(set->handlers.size());
  for (const auto& [id, h] : set->handlers) out.push_back(id);
  return out;
}

}  // namespace wirt::sched
