local function main()
  -- durations: strings and nanoseconds
  local t0 = time.now()
  time.sleep("15ms")
  time.sleep(5 * time.MILLISECOND)
  assert(time.now():sub(t0) >= 20 * time.MILLISECOND)
  assert(time.parse_duration("1h30m") == 90 * time.MINUTE)
  local bad, err = time.parse_duration("5 parsecs")
  assert(bad == nil and err:kind() == errors.INVALID)
  assert(not pcall(time.sleep, "soon"), "bad duration raises")

  -- buffered channel
  local ch = channel.new(2)
  ch:send(1); ch:send({ a = 1 })
  assert(ch:receive() == 1)
  assert(ch:receive().a == 1)
  ch:close()
  local v, ok = ch:receive()
  assert(v == nil and ok == false, "closed and drained")
  assert(not pcall(ch.send, ch, 3), "send on closed channel raises")

  -- select with default, and with a timer
  local empty = channel.new(0)
  local r = channel.select({ empty:case_receive(), default = true })
  assert(r.default == true)
  local timeout = time.after("10ms")
  local r2 = channel.select({ empty:case_receive(), timeout:case_receive() })
  assert(r2.channel == timeout and r2.ok, "timer fired first")
  -- select send into a buffered channel
  local out = channel.new(1)
  local r3 = channel.select({ out:case_send("x"), empty:case_receive() })
  assert(r3.channel == out and out:receive() == "x")
  return true
end
return { main = main }
