-- Runs a case list in the format of tests/fixtures/components/cases.json against the entries
-- `<prefix><func>` of this app (`#` in a function name becomes `.`), and compares each result
-- with the case's expectation by the rules of CASES.md — and, when given, with the results of
-- the node reference (reference.mjs output: one {"func","args","result"|"error"} per line).
--
--   run(component, cases_text, reference_text, known_text)
--
-- Texts come as strings starting with "@" (so `wirt call` does not parse them as JSON):
-- cases_text is cases.json; reference_text the JSON lines of reference.mjs (or "@" for none);
-- known_text lines "component <TAB> case number <TAB> reason" of known differences, the case
-- number being the case's 1-based position in cases.json (the # of CASES.md) (or "@").
-- Returns a report; fails with it (an error) if any case disagrees.
local M = {}

local NULL = "\0null\0"

-- JSON null becomes a sentinel before decoding, so `[null]` keeps its length.
local function decode(text)
  local out, i, n, in_str = {}, 1, #text, false
  while i <= n do
    local c = text:sub(i, i)
    if in_str then
      if c == "\\" then out[#out + 1] = text:sub(i, i + 1); i = i + 2
      else
        if c == '"' then in_str = false end
        out[#out + 1] = c; i = i + 1
      end
    elseif c == '"' then in_str = true; out[#out + 1] = c; i = i + 1
    elseif text:sub(i, i + 3) == "null" then out[#out + 1] = '"\\u0000null\\u0000"'; i = i + 4
    else out[#out + 1] = c; i = i + 1 end
  end
  local v, err = json.decode(table.concat(out))
  if err then error("bad JSON: " .. tostring(err)) end
  return v
end

local function denull(v)
  if v == NULL then return nil end
  if type(v) == "table" then
    local t = {}
    for k, x in pairs(v) do t[k] = denull(x) end
    return t
  end
  return v
end

local function show(v)
  if v == nil then return "nil" end
  if type(v) == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) == type(b) then return a < b end
      return type(a) == "number"
    end)
    local parts = {}
    for _, k in ipairs(keys) do
      parts[#parts + 1] = (type(k) == "number" and "" or (tostring(k) .. "=")) .. show(v[k])
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- CASES.md: numbers compare numerically (3 == 3.0); tables deeply, keys in any order; an
-- empty table is both the empty list and the empty set of flags.
local function same(a, b)
  if type(a) == "number" and type(b) == "number" then
    return a == b or (a ~= a and b ~= b)
  end
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- the outcome of one call, in the shape of reference.mjs's lines
local function run_case(id, args, nargs)
  local v, err = funcs.call(id, table.unpack(args, 1, nargs))
  if err == nil then return { result = v } end
  local kind = err:kind()
  if kind ~= "" then return { kind = kind, raw = tostring(err) } end
  return { error = { message = err:message(), details = err:details() } }
end

local function outcome_text(o)
  if o.kind then return "error [" .. o.kind .. "] " .. o.raw end
  if o.error then return "nil, err " .. show(o.error) end
  return show(o.result)
end

-- does outcome `o` match an expectation `want` ({result=}/{error=} + lua_error_kind)?
local function matches(o, want, lua_error_kind)
  if lua_error_kind then return o.kind == lua_error_kind end
  if o.kind then return false end
  if want.error ~= nil then
    return o.error ~= nil and same(o.error.message, want.error.message) and same(o.error.details, want.error.details)
  end
  return o.error == nil and same(o.result, want.result)
end

function M.run(component, cases_text, reference_text, known_text)
  assert(type(cases_text) == "string" and cases_text:sub(1, 1) == "@", "cases: a string starting with @")
  local cases = decode(cases_text:sub(2)).cases
  -- node's results by function and arguments
  local reference, ref_count = nil, 0
  if type(reference_text) == "string" and #reference_text > 1 then
    reference = {}
    for line in reference_text:sub(2):gmatch("[^\n]+") do
      local r = decode(line)
      reference[r.func .. " " .. json.encode(r.args)] = r
      ref_count = ref_count + 1
    end
  end
  local known = {}
  if type(known_text) == "string" then
    for line in known_text:sub(2):gmatch("[^\n]+") do
      local comp, num, why = line:match("^([^\t#][^\t]*)\t(%d+)\t(.+)$")
      if comp == component then known[tonumber(num)] = why end
    end
  end
  local prefix = component == "c-types" and "c:" or component == "js-types" and "js:" or error("component?")

  local lines, failed, passed, skipped, known_hits, ref_used, ref_checked = {}, 0, 0, 0, 0, 0, 0
  local no_entry, no_entry_order = {}, {}
  for n, case in ipairs(cases) do
    local fname = case.func
    local id = prefix .. fname:gsub("#", ".")
    local ref = reference and reference[fname .. " " .. json.encode(case.args)]
    if ref then ref_used = ref_used + 1 end
    local nargs = #case.args
    local args = denull(case.args)
    local label = string.format("#%d %s%s", n, fname, show(args):gsub("^{", "("):gsub("}$", ")"))
    if case.skip and case.skip[component] then
      skipped = skipped + 1
      lines[#lines + 1] = "SKIP " .. label .. ": " .. case.skip[component]
    else
      local o = run_case(id, args, nargs)
      if o.kind == "NotFound" then
        -- no entry: the component does not export it (counter-run on js-types), or the app
        -- leaves it out
        skipped = skipped + 1
        if not no_entry[fname] then
          no_entry[fname] = 0
          no_entry_order[#no_entry_order + 1] = fname
        end
        no_entry[fname] = no_entry[fname] + 1
      else
        local problems = {}
        local want = { result = denull(case.result), error = denull(case.error) }
        if not matches(o, want, case.lua_error_kind) then
          local w = case.lua_error_kind and ("error [" .. case.lua_error_kind .. "]") or
              want.error and ("nil, err " .. show(want.error)) or show(want.result)
          problems[#problems + 1] = "cases.json wants " .. w
        end
        if reference and not ref then
          problems[#problems + 1] = "node gave no result for it"
        elseif ref then
          ref_checked = ref_checked + 1
          local rw = { result = denull(ref.result), error = denull(ref.error) }
          if not matches(o, rw, case.lua_error_kind) then
            problems[#problems + 1] = "node gives " .. (rw.error and ("nil, err " .. show(rw.error)) or show(rw.result))
          end
        end
        local why = known[n]
        if #problems == 0 then
          passed = passed + 1
          if why then lines[#lines + 1] = "NOTE " .. label .. ": listed as a known difference but passes" end
        elseif why then
          known_hits = known_hits + 1
          lines[#lines + 1] = string.format("KNOWN %s: wirt gives %s; %s (%s)", label, outcome_text(o),
            table.concat(problems, "; "), why)
        else
          failed = failed + 1
          lines[#lines + 1] = string.format("FAIL %s: wirt gives %s; %s", label, outcome_text(o),
            table.concat(problems, "; "))
        end
      end
    end
  end
  if reference and ref_used ~= ref_count then
    failed = failed + 1
    lines[#lines + 1] = string.format("FAIL node gave %d results, %d match a case", ref_count, ref_used)
  end
  if #no_entry_order > 0 then
    local parts = {}
    for _, f in ipairs(no_entry_order) do parts[#parts + 1] = string.format("%s (%d)", f, no_entry[f]) end
    lines[#lines + 1] = "SKIP no entry in this app for: " .. table.concat(parts, ", ")
  end
  lines[#lines + 1] = string.format("%s: %d passed, %d failed, %d known differences, %d skipped%s", component,
    passed, failed, known_hits, skipped,
    reference and string.format(" (%d compared with node)", ref_checked) or " (node reference not run)")
  local report = table.concat(lines, "\n")
  if failed > 0 then return nil, errors.new(report) end
  return report
end

return M
