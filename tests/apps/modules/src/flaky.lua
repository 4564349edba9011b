local M = {}

local function bump(name)
  local n = tonumber(env.get(name) or "0") or 0
  n = n + 1
  assert(env.set(name, tostring(n)))
  return n
end

-- Fails with a retryable kind until called `need` times.
function M.flaky(need)
  local n = bump("MODS_COUNTER")
  if n < need then
    return nil, errors.new({message = "not yet (" .. n .. ")", kind = errors.UNAVAILABLE})
  end
  return "ok after " .. n
end

-- Counts, then sleeps past any short timeout.
function M.sleepy(d)
  bump("MODS_COUNTER")
  time.sleep(d)
  return "woke"
end

-- Counts and fails with Invalid (never retried by default).
function M.invalid_once()
  bump("MODS_COUNTER")
  return nil, errors.new({message = "bad input", kind = errors.INVALID})
end

return M
