local M = {}

local function next_message(inbox, within)
  local r = channel.select({ inbox:case_receive(), time.after(within):case_receive() })
  if r.channel ~= inbox then return nil end
  return r.value
end

-- The flaky service crashes three times on command and is restarted after growing delays.
function M.flaky()
  assert(process.registry.register("flaky_observer"))
  local inbox = process.inbox()
  local gaps = {}
  local pids = {}
  for i = 1, 4 do
    local msg = next_message(inbox, "5s")
    assert(msg, "start " .. i .. " reported")
    assert(msg:topic() == "started")
    local info = msg:payload():data()
    assert(info.actor == "svc:flaky", "runs as lifecycle.security's actor, got " .. tostring(info.actor))
    pids[i] = info.pid
    if i > 1 then
      gaps[i - 1] = time.now():sub(gaps.sent) / time.MILLISECOND
      assert(pids[i] ~= pids[i - 1], "a new process each start")
    end
    if i < 4 then
      gaps.sent = time.now()
      process.send(info.pid, "cmd", "crash")
    else
      process.send(info.pid, "cmd", "stay")
    end
  end
  -- initial_delay 100ms, backoff_factor 2, no jitter: about 100, 200, 400 ms
  assert(gaps[1] >= 95, "first restart after initial_delay: " .. gaps[1])
  assert(gaps[2] >= gaps[1] * 1.5, string.format("delays grow: %.0f then %.0f ms", gaps[1], gaps[2]))
  assert(gaps[3] >= gaps[2] * 1.5, string.format("delays grow: %.0f then %.0f ms", gaps[2], gaps[3]))
  assert(gaps[3] < 2000, "the third delay is near 400 ms: " .. gaps[3])
  -- and the fourth run stays up
  assert(next_message(inbox, "300ms") == nil, "no further restart")
  assert(process.registry.lookup("base_service"), "its dependency runs")
  return true
end

-- max_attempts 2: started once, restarted twice, then it stays down.
function M.doomed()
  assert(process.registry.register("doomed_observer"))
  local inbox = process.inbox()
  local starts = 0
  while next_message(inbox, "1500ms") do starts = starts + 1 end
  assert(starts == 3, "1 start + 2 restarts, got " .. starts)
  return true
end

return M
