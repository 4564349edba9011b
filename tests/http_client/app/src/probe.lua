local function run(method, url, opts)
  local resp, err = http_client.request(method, url, opts)
  if err then return { kind = err:kind(), message = err:message() } end
  return { status = resp.status_code, body = resp.body }
end

-- One GET whose body must be "hello" (the 1,000-request check).
local function fetch_one(url)
  local resp, err = http_client.get(url)
  if err then return nil, err end
  if resp.status_code ~= 200 or resp.body ~= "hello" then return nil, "unexpected response" end
  return true
end

-- The same through the C component (wasi:http/outgoing-handler).
local function fetch_one_component(authority)
  local out, err = funcs.call("hc:c_fetch", "GET", "http", authority, "/hello", "")
  if err then return nil, err end
  if out ~= "200 hello" then return nil, "unexpected response " .. tostring(out) end
  return true
end

return { run = run, fetch_one = fetch_one, fetch_one_component = fetch_one_component }
