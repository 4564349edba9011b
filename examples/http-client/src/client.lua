-- GETs BASE/inventory.json, then fetches every item's file at once with request_batch.
local function summary(base)
  local resp, err = http_client.get(base .. "/inventory.json", { timeout = "5s" })
  if err then return nil, err end
  if resp.status_code ~= 200 then return nil, "inventory: HTTP " .. resp.status_code end
  local inventory = json.decode(resp.body)
  local requests = {}
  for i, item in ipairs(inventory.items) do requests[i] = { "GET", base .. "/" .. item.file } end
  local responses, errs = http_client.request_batch(requests)
  local out = { server = resp.headers["Server"], items = {} }
  for i, item in ipairs(inventory.items) do
    local r = responses[i]
    out.items[i] = { name = item.name, bytes = r and #r.body or 0, error = errs and errs[i] and tostring(errs[i]) or nil }
  end
  return out
end

-- The same request under a scope that allows only loopback: a public address is refused
-- before anything is sent.
local function guarded(base)
  local caller = funcs.new():with_actor(security.new_actor("demo", {})):with_scope({ "client:loopback_only" })
  local ok = caller:call("client:summary", base)
  local _, denied = caller:call("client:summary", "http://192.0.2.1")
  return { allowed = ok ~= nil, refused = tostring(denied) }
end

return { summary = summary, guarded = guarded }
