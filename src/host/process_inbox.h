// wippy:process/inbox@0.1.0 — a process.wasm component's inbox, pid and sends (README
// "WASM processes: the inbox"; docs/process-wasm-inbox.md has the WIT). The reference ignores
// a WASM process's messages (reference-wasm-runtime §8); wirt lets a component serve requests
// in a loop:
//   receive(timeout-ms: option<u32>) -> option<message>   message = {topic, from, payload}
//   send(to: string, topic: string, payload: string) -> result<_, string>
//   self-pid() -> string
// Payloads cross as JSON text (a Lua table, number or string sent by process.send arrives as its
// JSON; what the guest sends is parsed back into a value). receive suspends the calling fiber,
// never the thread; it ends at the call's deadline (the guest traps with Timeout) and when the
// process's inbox is closed (terminated: the guest traps with Canceled).
//
// Thread-safety: the host functions run on the guest's fiber; the ProcessTable is shared.
#pragma once

#include "component/component.h"
#include "sched/processes.h"

namespace wirt::host {

inline constexpr const char* kProcessInboxInterface = "wippy:process/inbox@0.1.0";

// Adds the three functions to `imports`. `processes` may be null (no app: every function fails
// with Unavailable naming the interface).
void define_process_inbox(component::HostImports& imports, sched::ProcessTable* processes);

}  // namespace wirt::host
