-- Callees that would wait or loop forever; the tests call them with a short deadline.
local M = {}

function M.sleep_hour() time.sleep("1h") return "woke" end

function M.receive_forever()
  local ch = channel.new(0)
  return ch:receive()
end

function M.select_forever()
  local a, b = channel.new(0), channel.new(0)
  return channel.select{a:case_receive(), b:case_receive()}
end

function M.send_forever()
  local ch = channel.new(0)
  return ch:send(1)
end

function M.inbox_forever()
  return process.inbox():receive()
end

local function loop() while true do end end

function M.pcall_loop()
  while true do pcall(loop) end
end

function M.xpcall_loop()
  while true do xpcall(loop, function(e) return e end) end
end

function M.coroutine_loop()
  while true do coroutine.resume(coroutine.create(loop)) end
end

function M.grow_table()
  local t = {}
  while true do t[#t + 1] = string.rep("x", 100) .. #t end
end

function M.grow_table_pcall()
  while true do
    pcall(function()
      local t = {}
      while true do t[#t + 1] = string.rep("x", 100) .. #t end
    end)
  end
end

function M.catastrophic_pattern()
  return string.rep("a", 30000):find(".-.-.-.-.-b")
end

function M.echo(x) return x end

-- Called by the funcs-caller component (via-string) with the id of that component entry: calls
-- it again, which calls this again — a Lua ↔ component recursion through wippy:runtime/funcs.
function M.bounce(component)
  local r, e = funcs.call("hostile:" .. component, "hostile:bounce", component)
  if e then return nil, e end
  return r
end

return M
