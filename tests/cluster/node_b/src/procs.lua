local M = {}
function M.adder(a, b) return a + b end
function M.crasher() error("crashed on node B") end
-- Replies to every message with its payload doubled (and this node's PID), until "stop".
function M.echo()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return "stopped" end
    process.send(msg:from(), "reply", { n = msg:payload():data() * 2, by = process.pid() })
  end
end
function M.waiter()
  local inbox = process.inbox()
  while true do
    if inbox:receive():topic() == "stop" then return "stopped" end
  end
end
-- Ties across nodes (links, monitors of existing PIDs, terminate, cancel; run by the client).
-- Waits for a message: "crash" fails, "stop" returns.
function M.crash_on_message()
  local inbox = process.inbox()
  while true do
    local topic = inbox:receive():topic()
    if topic == "crash" then error("crashed on request") end
    if topic == "stop" then return "stopped" end
  end
end
-- Traps links, links to `target` (a PID of another node) when given, tells `report_to` it is
-- ready, then reports the first LINK_DOWN it gets to `report_to`.
function M.sentinel(report_to, target)
  process.set_options({ trap_links = true })
  if target then assert(process.link(target)) end
  process.send(report_to, "ready", process.pid())
  local ev = process.events():receive()
  process.send(report_to, "down", { kind = ev.kind, from = ev.from, error = ev.result.error and tostring(ev.result.error) })
  return "reported"
end
-- Returns "canceled" on a CANCEL event (any other event: "unexpected").
function M.cancellable()
  local ev = process.events():receive()
  if ev.kind == process.event.CANCEL then return "canceled" end
  return "unexpected"
end
-- Registers `name` (cluster-wide in a cluster), reports the outcome to `report_to`, then
-- waits for "stop".
function M.registrar(report_to, name)
  local ok, e = process.registry.register(name)
  process.send(report_to, "registered", { ok = ok == true, kind = e and e:kind(), error = e and tostring(e) })
  local inbox = process.inbox()
  while true do
    if inbox:receive():topic() == "stop" then return "stopped" end
  end
end
return M
