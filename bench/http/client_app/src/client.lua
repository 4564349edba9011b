local function loop(url, n)
  for _ = 1, n do
    local r, err = http_client.get(url)
    if err then return nil, err end
    if r.status_code ~= 200 then return nil, "status " .. r.status_code end
  end
  return n
end

local function run(url, total, concurrency)
  local per = total // concurrency
  local start = time.now()
  local futures = {}
  for i = 1, concurrency do futures[i] = funcs.async("bench:loop", url, per) end
  local done = 0
  for i = 1, concurrency do
    local payload, err = futures[i]:channel():receive()
    if not payload then return nil, "a loop failed: " .. tostring(futures[i]:error()) end
    done = done + payload:data()
  end
  local secs = time.now():sub(start) / 1e9
  return { requests = done, seconds = secs, rps = done / secs }
end

return { run = run, loop = loop }
