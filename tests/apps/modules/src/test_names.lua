-- Every built-in module is accepted in `modules:` under the reference's name; for those that
-- are also globals, require() returns the very same table.
local M = {}

function M.main()
  assert(require("process") == process, "require('process') is the process global")
  assert(require("channel") == channel, "require('channel') is the channel global")
  assert(require("errors") == errors, "require('errors') is the errors global")
  for _, name in ipairs({"time", "funcs", "json", "ctx", "security", "env", "fs", "logger", "registry"}) do
    local m = require(name)
    assert(m ~= nil, name .. " loads")
    assert(m == _G[name], name .. ": require and the global give the same table")
  end
  assert(type(process.spawn_monitored) == "function")
  assert(type(channel.select) == "function")
  assert(type(time.timer) == "function" and type(time.ticker) == "function")
  local ok, err = pcall(require, "nonexistent_module")
  assert(not ok and tostring(err):find("module 'nonexistent_module' not found"), tostring(err))
  return true
end

return M
