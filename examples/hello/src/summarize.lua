local stats = require("stats")
local function summarize(xs)
  local lo, hi = stats.minmax(xs)
  return { count = #xs, mean = stats.mean(xs), min = lo, max = hi }
end
return { summarize = summarize }
