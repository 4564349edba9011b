local function main(name)
  local started = time.now()
  local greeting = funcs.async("demo:greet", name or "wirt")
  local summary = funcs.async("demo:summarize", { 3, 1, 4, 1, 5, 9, 2, 6 })
  local title = funcs.async("demo:title_case", "the quick brown fox")
  local g = greeting:response():receive()
  local s = summary:response():receive()
  local t = title:response():receive()
  local words, err = funcs.call("demo:word_count", "lua calls wasm calls nobody")
  if err then return nil, err end
  return {
    greeting = g:data(),
    summary = s:data(),
    title = t:data(),                    -- core .wasm (from C), string in, string out
    words = words,                       -- core .wasm, string in, u32 out
    fib90 = funcs.call("demo:fib", 90),  -- WAT, i32 in, i64 out
    elapsed_us = time.now():sub(started) // 1000,
  }
end

local function check()
  local r = main("tester")
  assert(r.greeting == "Hello, tester!", r.greeting)
  assert(r.summary.count == 8 and r.summary.max == 9 and r.summary.min == 1)
  assert(r.title == "The Quick Brown Fox", r.title)
  assert(r.words == 5)
  assert(r.fib90 == 2880067194370816120)
  local _, err = funcs.call("demo:greet", "")
  assert(err and err:kind() == errors.INVALID)
  return true
end

return { main = main, check = check }
