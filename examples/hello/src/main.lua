local function main(name)
  local started = time.now()
  local greeting = funcs.async("demo:greet", name or "wirt")
  local summary = funcs.async("demo:summarize", { 3, 1, 4, 1, 5, 9, 2, 6 })
  local g = greeting:response():receive()
  local s = summary:response():receive()
  return {
    greeting = g:data(),
    summary = s:data(),
    elapsed_us = time.now():sub(started) // 1000,
  }
end

local function check()
  local r = main("tester")
  assert(r.greeting == "Hello, tester!", r.greeting)
  assert(r.summary.count == 8 and r.summary.max == 9 and r.summary.min == 1)
  local _, err = funcs.call("demo:greet", "")
  assert(err and err:kind() == errors.INVALID)
  return true
end

return { main = main, check = check }
