local M = {}

local function wait_exit(events, pid)
  local timeout = time.after("3s")
  local r = channel.select({ events:case_receive(), timeout:case_receive() })
  assert(r.channel == events, "EXIT arrived before the timeout")
  assert(r.value.kind == process.event.EXIT, r.value.kind)
  assert(r.value.from == pid, "from " .. tostring(r.value.from))
  return r.value.result
end

function M.spawn()
  local events = process.events()
  local pid, err = process.spawn_monitored("proc:adder", "proc:host", 6, 7)
  assert(pid, tostring(err))
  assert(pid:find("^{proc:host|"), pid)
  local res = wait_exit(events, pid)
  assert(res.value == 13 and res.error == nil, "result.value")

  local cpid = process.spawn_monitored("proc:crasher", "proc:host")
  local cres = wait_exit(events, cpid)
  assert(cres.value == nil and cres.error ~= nil, "result.error set")
  assert(cres.error:message():find("crashed on purpose"), cres.error:message())

  local wpid = process.spawn_monitored("proc:greet_wasm", "proc:host", "process")
  local wres = wait_exit(events, wpid)
  assert(wres.value == "Hello, process!", tostring(wres.value))

  -- a process that runs past its limit reports Timeout; the host carries on
  local spid = process.spawn_monitored("proc:spin_wasm", "proc:host", string.rep("x", 20000000))
  local sres = wait_exit(events, spid)
  assert(sres.error and (sres.error:kind() == errors.TIMEOUT or sres.error:kind() == errors.INTERNAL), tostring(sres.error))

  -- an infinite loop inside a process ends with Timeout under max_execution_ms
  local t0 = time.now()
  local fpid = process.spawn_monitored("proc:forever", "proc:host")
  local fres = wait_exit(events, fpid)
  assert(fres.error and fres.error:kind() == errors.TIMEOUT, tostring(fres.error))
  assert(time.now():sub(t0) < 1000 * time.MILLISECOND, "stopped near its limit")
  -- and the host carries on
  local again = process.spawn_monitored("proc:adder", "proc:host", 1, 2)
  assert(wait_exit(events, again).value == 3)

  local _, e1 = process.spawn("proc:nope", "proc:host")
  assert(e1 and e1:kind() == errors.NOT_FOUND, tostring(e1))
  local _, e2 = process.spawn("proc:adder", "proc:nohost", 1, 2)
  assert(e2 and e2:kind() == errors.NOT_FOUND, tostring(e2))
  return true
end

function M.messages()
  local inbox = process.inbox()
  local events = process.events()
  local pid = process.spawn_monitored("proc:echo", "proc:host")
  for i = 1, 3 do
    assert(process.send(pid, "work", i))
    local msg = inbox:receive()
    assert(msg:topic() == "reply" and msg:payload():data() == i * 2)
    assert(msg:from() == pid)
  end
  process.send(pid, "stop")
  local r = channel.select({ events:case_receive(), time.after("3s"):case_receive() })
  assert(r.channel == events and r.value.result.value == "stopped")
  local _, e = process.send(pid, "late", 1)
  assert(e and e:kind() == errors.NOT_FOUND, "finished process has no inbox")
  local _, e2 = process.send(pid, "@reserved", 1)
  assert(e2 and e2:kind() == errors.INVALID)
  return true
end

return M
