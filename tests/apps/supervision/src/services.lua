local M = {}

local function observer(name)
  while true do
    local pid = process.registry.lookup(name)
    if pid then return pid end
    time.sleep("10ms")
  end
end

-- Reports each start to the test, then crashes or stays up as the test says.
function M.flaky(observer_name)
  local obs = observer(observer_name)
  local actor = security.actor()
  process.send(obs, "started", { pid = process.pid(), actor = actor and actor:id() or "" })
  local msg = process.inbox():receive()
  if msg:payload():data() == "crash" then error("flaky service crashed on purpose") end
  process.inbox():receive()  -- stays up until stopped
end

function M.doomed(observer_name)
  local obs = observer(observer_name)
  process.send(obs, "started", process.pid())
  error("doomed service always crashes")
end

function M.base()
  process.registry.register("base_service")
  while true do
    local ev = process.events():receive()
    if ev.kind == process.event.CANCEL then return "stopped" end
  end
end

return M
