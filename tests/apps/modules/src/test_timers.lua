local M = {}

local function elapsed_ms(t0) return time.now():sub(t0) / time.MILLISECOND end

function M.main()
  -- a timer fires once, seen through channel.select beside another channel
  local other = channel.new()
  local t0 = time.now()
  local timer = assert(time.timer("30ms"))
  local r = channel.select({ other:case_receive(), timer:response():case_receive() })
  assert(r.channel == timer:response(), "the timer's channel was selected")
  assert(type(r.value) == "number" and r.ok)
  assert(elapsed_ms(t0) >= 25, "fired after its duration")
  assert(timer:stop() == false, "stop after firing returns false")

  -- stop before firing: true, and nothing arrives
  local t2 = time.timer("40ms")
  assert(t2:stop() == true)
  r = channel.select({ t2:channel():case_receive(), time.after("120ms"):case_receive() })
  assert(r.channel ~= t2:channel(), "a stopped timer never fires")

  -- reset re-arms (a stopped timer too)
  t0 = time.now()
  t2:reset("20ms")
  local v = t2:response():receive()
  assert(v and elapsed_ms(t0) >= 15)

  -- reset before firing moves the deadline
  t0 = time.now()
  local t3 = time.timer("1s")
  t3:reset("20ms")
  t3:response():receive()
  assert(elapsed_ms(t0) < 900, "reset shortened the timer")

  -- a ticker ticks repeatedly until stopped
  t0 = time.now()
  local ticker = assert(time.ticker("10ms"))
  local ticks = 0
  local deadline = time.after("2s")
  while ticks < 5 do
    r = channel.select({ ticker:response():case_receive(), deadline:case_receive() })
    assert(r.channel == ticker:channel(), "ticks arrive before the deadline")
    ticks = ticks + 1
  end
  assert(elapsed_ms(t0) >= 40, "5 ticks of 10ms take at least 40ms")
  ticker:stop()
  time.sleep("30ms")
  -- at most one tick was buffered before stop; after draining it nothing else arrives
  r = channel.select({ ticker:response():case_receive(), default = true })
  r = channel.select({ ticker:response():case_receive(), time.after("60ms"):case_receive() })
  assert(r.channel ~= ticker:response(), "a stopped ticker sends nothing more")

  -- at most 10000 timers and tickers run per state; stopped ones give their unit back
  local many = {}
  local terr
  for i = 1, 10050 do
    local t, e = time.ticker("1h")
    if not t then terr = e break end
    many[#many + 1] = t
  end
  assert(#many == 10000 and terr and terr:kind() == errors.UNAVAILABLE, tostring(#many) .. " " .. tostring(terr))
  for _, t in ipairs(many) do t:stop() end
  many = nil
  for i = 1, 20 do assert(time.timer("1ms")):response():receive() end
  for i = 1, 100 do assert(time.ticker("1h")):stop() end

  -- invalid durations
  local bad, err = time.timer(0)
  assert(bad == nil and err:kind() == errors.INVALID, tostring(err))
  bad, err = time.ticker("-5ms")
  assert(bad == nil and err:kind() == errors.INVALID, tostring(err))
  bad, err = time.ticker("soon")
  assert(bad == nil and err ~= nil)
  return true
end

return M
