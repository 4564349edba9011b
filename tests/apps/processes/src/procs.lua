local M = {}
function M.adder(a, b)
  time.sleep("5ms")
  return a + b
end
function M.crasher()
  error("crashed on purpose")
end
-- replies to every message with its payload doubled, until told to stop
function M.echo()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return "stopped" end
    process.send(msg:from(), "reply", msg:payload():data() * 2)
  end
end
return M
