local function loop(url, n)
  for _ = 1, n do
    local r, err = http_client.get(url)
    if err then return nil, err end
    if r.status_code ~= 200 then return nil, "status " .. r.status_code end
  end
  return n
end

local function loop_component(authority, n)
  for _ = 1, n do
    local out, err = funcs.call("bench:c_fetch", "GET", "http", authority, "/", "")
    if err then return nil, err end
    if out ~= "200 hello" then return nil, "unexpected " .. tostring(out) end
  end
  return n
end

local function run_loops(loop_id, target, total, concurrency)
  local per = total // concurrency
  local start = time.now()
  local futures = {}
  for i = 1, concurrency do futures[i] = funcs.async(loop_id, target, per) end
  local done = 0
  for i = 1, concurrency do
    local payload, err = futures[i]:channel():receive()
    if not payload then return nil, "a loop failed: " .. tostring(futures[i]:error()) end
    done = done + payload:data()
  end
  local secs = time.now():sub(start) / 1e9
  return { requests = done, seconds = secs, rps = done / secs }
end

local function run(url, total, concurrency) return run_loops("bench:loop", url, total, concurrency) end
local function run_component(authority, total, concurrency)
  return run_loops("bench:loop_component", authority, total, concurrency)
end

return { run = run, loop = loop, run_component = run_component, loop_component = loop_component }
