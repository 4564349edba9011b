-- Logs a known set of lines; tests/apps/modules/logger_output.sh checks them on stderr.
local M = {}

function M.main()
  logger:info("server started", {port = 8080})
  logger:debug("hidden at info level")
  logger:warn("rate limit approaching", {current = 95, max = 100})
  logger:error("connection failed", {error = errors.new("timeout talking to db")})
  local api = logger:with({component = "api", version = "1.0"})
  api:info("handling request", {path = "/users", tags = {"a", "b"}})
  api:named("auth"):named("jwt"):info("login attempt", {user = "admin", [1] = "ignored"})
  logger.info("dot call works")
  local ok, err = pcall(logger.named, logger, "")
  assert(not ok and tostring(err):find("name cannot be empty"))
  return true
end

return M
