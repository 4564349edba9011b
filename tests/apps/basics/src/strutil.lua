local M = {}
function M.shout(s) return string.upper(s) .. "!" end
function M.roundtrip(v) return json.decode(json.encode(v)) end
return M
