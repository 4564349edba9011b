local function main()
  -- many concurrent async calls that sleep: they overlap instead of queueing
  local start = time.now()
  local futures = {}
  for i = 1, 50 do
    futures[i] = funcs.async("app:nap", "20ms")
  end
  for i = 1, 50 do
    local payload, ok = futures[i]:response():receive()
    assert(ok, "future " .. i .. " delivered")
    assert(payload:data() == "20ms")
    assert(futures[i]:is_complete())
    assert(futures[i]:result():data() == "20ms")
  end
  local elapsed = time.now():sub(start)
  assert(elapsed >= 20 * time.MILLISECOND, "slept")
  assert(elapsed < 1000 * time.MILLISECOND, "50 sleeps of 20ms overlapped: " .. elapsed)

  -- a failing async call: the channel closes, error() reports it
  local f = funcs.async("app:fail_with_kind", errors.INVALID, "nope")
  local _, ok = f:channel():receive()
  assert(not ok, "channel closed on failure")
  local err, has = f:error()
  assert(has and err:kind() == "Invalid", tostring(err))
  local r, rerr = f:result()
  assert(r == nil and rerr:message() == "nope")

  -- unknown target fails at once
  local nf, nerr = funcs.async("app:missing")
  assert(nf == nil and nerr:kind() == errors.NOT_FOUND)

  -- cancel before completion
  local slow = funcs.async("app:nap", "200ms")
  assert(slow:cancel() == true)
  assert(slow:is_canceled())
  local _, cerr = slow:result()
  assert(cerr:kind() == errors.CANCELED)
  return true
end
return { main = main }
