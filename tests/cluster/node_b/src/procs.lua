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
return M
