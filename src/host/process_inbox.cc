#include "host/process_inbox.h"
#include "host/wasm_function.h"

#include <chrono>

#include <fmt/format.h>

#include "core/json.h"
#include "wasi/call_state.h"
#include "wasi/wit_values.h"

namespace wirt::host {

namespace {

using Clock = std::chrono::steady_clock;

const wasi::CallState& state_of(const component::HostCall& call) {
  return *static_cast<const wasi::CallState*>(call.user_data);
}

// The pid of the process the guest runs as; Invalid for a plain function call.
core::Result<std::string> self_pid(const wasi::CallState& st) {
  if (!st.ctx || st.ctx->pid.empty())
    return core::invalid(fmt::format("{}: the call is not a process (spawn the entry as a process.wasm)",
                                     kProcessInboxInterface));
  return st.ctx->pid;
}

core::Result<core::Value> receive(sched::ProcessTable* processes, component::HostCall& call, const core::Array& a) {
  const wasi::CallState& st = state_of(call);
  auto pid = self_pid(st);
  if (!pid) return std::move(pid).error();
  auto box = processes->find(*pid);
  if (!box) return core::canceled(fmt::format("process {} was terminated", *pid));
  // The wait ends at the nearer of the guest's timeout (→ none) and the call's deadline (→ trap).
  sched::Deadline call_deadline = sched::deadline_from_ns(st.deadline_ns);
  sched::Deadline until = call_deadline;
  bool own_timeout = false;
  if (!a.empty() && !a[0].is_nil()) {
    auto mine = Clock::now() + std::chrono::milliseconds(a[0].as_int());
    if (!until || mine < *until) {
      until = mine;
      own_timeout = true;
    }
  }
  auto got = box->inbox->receive(until);
  if (!got) {
    if (own_timeout) return core::Value();  // none: nothing arrived in time
    return core::timeout(fmt::format("deadline exceeded in {}#receive", kProcessInboxInterface));
  }
  if (!got->second) return core::canceled(fmt::format("process {} was terminated", *pid));
  const core::Value& msg = got->first;
  auto field = [&](const char* key) -> std::string {
    const core::Value* v = msg.is_map() ? msg.find(key) : nullptr;
    return v && v->is_string() ? v->as_string() : std::string();
  };
  const core::Value* payload = msg.is_map() ? msg.find("payload") : nullptr;
  core::Value out = core::Value::map();
  out.set("topic", core::Value(field("topic")));
  out.set("from", core::Value(field("from")));
  out.set("payload", core::Value(core::to_json(payload ? *payload : core::Value())));
  return out;
}

core::Result<core::Value> send(sched::ProcessTable* processes, component::HostCall& call, const core::Array& a) {
  const wasi::CallState& st = state_of(call);
  const std::string& to = a[0].as_string();
  const std::string& topic = a[1].as_string();
  // Topics starting with '@' are the runtime's, as for Lua's process.send.
  if (!topic.empty() && topic[0] == '@') return wasi::wit::err(core::Value(fmt::format("topic {} is reserved", topic)));
  auto payload = core::from_json(a[2].as_string());
  if (!payload) return wasi::wit::err(core::Value(fmt::format("payload is not JSON: {}", payload.error().message())));
  if (st.policies && st.ctx) {
    // reference-platform §5: process.send is checked on the target pid.
    if (auto ok = st.policies->check(*st.ctx, "process.send", to); !ok) return wasi::wit::err(core::Value(ok.error().message()));
  }
  core::Value msg = core::Value::map();
  msg.set("topic", core::Value(topic));
  msg.set("from", core::Value(st.ctx ? st.ctx->pid : std::string()));
  msg.set("payload", std::move(*payload));
  auto sent = processes->send(to, std::move(msg));
  if (!sent) return wasi::wit::err(core::Value(sent.error().message()));
  return wasi::wit::ok();
}

}  // namespace

void define_process_inbox(component::HostImports& imports, sched::ProcessTable* processes) {
  const std::string iface = std::string(kProcessInboxInterface) + "#";
  auto wrap = [processes](auto fn) {
    return component::HostImplementation{
        nullptr, [processes, fn](component::HostCall& call, const core::Array& args) -> core::Result<core::Value> {
          if (!processes) return core::unavailable(fmt::format("{}: no process table (not in an app)", kProcessInboxInterface));
          return fn(processes, call, args);
        }};
  };
  imports.add(iface + "receive", wrap(receive));
  imports.add(iface + "send", wrap(send));
  imports.add(iface + "self-pid", wrap([](sched::ProcessTable*, component::HostCall& call, const core::Array&)
                                           -> core::Result<core::Value> {
    auto pid = self_pid(state_of(call));
    if (!pid) return std::move(pid).error();
    return core::Value(*pid);
  }));
}

}  // namespace wirt::host
