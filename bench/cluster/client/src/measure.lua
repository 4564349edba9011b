-- Round trips of funcs.call(id, payload): sequential p50/p99 and calls/s, then calls/s with
-- `parallel` calls in flight (funcs.async).
return { measure = function(id, n, bytes, parallel)
  local payload = string.rep("x", bytes)
  for _ = 1, 200 do assert(funcs.call(id, payload) == payload) end  -- warm up
  local rtt = {}
  local t0 = time.now()
  for i = 1, n do
    local s = time.now()
    local v, e = funcs.call(id, payload)
    assert(v == payload, tostring(e))
    rtt[i] = time.now():sub(s)
  end
  local seq_s = time.now():sub(t0) / 1e9
  table.sort(rtt)
  local p0 = time.now()
  local done = 0
  while done < n do
    local batch = {}
    for i = 1, parallel do batch[i] = funcs.async(id, payload) end
    for i = 1, parallel do assert(batch[i]:response():receive():data() == payload) end
    done = done + parallel
  end
  local par_s = time.now():sub(p0) / 1e9
  return { p50_us = rtt[n // 2] / 1e3, p99_us = rtt[(n * 99) // 100] / 1e3, seq_calls_per_s = n / seq_s,
           par_calls_per_s = done / par_s }
end }
