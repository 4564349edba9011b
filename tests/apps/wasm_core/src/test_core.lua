local M = {}

function M.calls()
  assert(funcs.call("wasm:answer") == 42)
  assert(funcs.call("wasm:inline_add", 6, 7) == 13)
  assert(funcs.call("wasm:inline_add", -5, 3) == -2, "i32 results are signed")
  assert(funcs.call("wasm:add64", 40, 2.5) == 42.5)
  local _, e = funcs.call("wasm:inline_add", 1)
  assert(e and e:kind() == errors.INVALID and e:message():find("expects 2 arguments, got 1"), tostring(e))
  local _, e2 = funcs.call("wasm:inline_add", "x", 1)
  assert(e2 and e2:kind() == errors.INVALID and e2:message():find("argument 1"), tostring(e2))
  local _, e3 = funcs.call("wasm:inline_add", 2 ^ 40, 1)
  assert(e3 and e3:kind() == errors.INVALID and e3:message():find("out of range"), tostring(e3))
  return true
end

function M.hostile()
  -- an infinite loop ends with Timeout within the limit, and the next call works
  local t0 = time.now()
  local _, e = funcs.call("wasm:spin")
  local ms = time.now():sub(t0) / 1e6
  assert(e and e:kind() == errors.TIMEOUT, tostring(e))
  assert(ms < 200, "timeout took " .. ms .. " ms")
  local _, again = funcs.call("wasm:spin")
  assert(again and again:kind() == errors.TIMEOUT, "second call also times out cleanly")
  assert(funcs.call("wasm:answer") == 42, "the process and its threads survive")
  -- unbounded recursion is a stack-exhausted trap, not a crash
  local _, r = funcs.call("wasm:recurse", 0)
  assert(r and r:kind() == errors.INTERNAL and r:message():find("call stack exhausted"), tostring(r))
  -- memory.grow past limits.max_memory_mb (2 MiB = 32 pages) returns -1
  assert(funcs.call("wasm:grow", 1) == 1, "first page grows")
  assert(funcs.call("wasm:grow", 100) == -1, "growing past the limit fails as the spec says")
  -- out-of-bounds load, division by zero, unreachable: traps with their reason
  local _, o = funcs.call("wasm:oob")
  assert(o and o:message():find("out of bounds memory access"), tostring(o))
  local _, d = funcs.call("wasm:div", 1, 0)
  assert(d and d:message():find("integer divide by zero"), tostring(d))
  local _, ov = funcs.call("wasm:div", -2147483648, -1)
  assert(ov and ov:message():find("integer overflow"), tostring(ov))
  local _, u = funcs.call("wasm:boom")
  assert(u and u:message():find("unreachable"), tostring(u))
  assert(funcs.call("wasm:div", 7, 2) == 3, "instances recover after traps")
  return true
end

function M.fresh_state()
  for i = 1, 5 do
    assert(funcs.call("wasm:bump") == 0, "globals reset between calls")
    assert(funcs.call("wasm:poke", i) == 0, "memory reset between calls")
  end
  return true
end

function M.concurrent_traps()
  -- many calls trapping at once on both worker threads: each gets its own error
  local fs = {}
  for i = 1, 40 do
    if i % 2 == 0 then fs[i] = funcs.async("wasm:div", i, 0) else fs[i] = funcs.async("wasm:div", i * 10, 5) end
  end
  for i = 1, 40 do
    local p, ok = fs[i]:response():receive()
    if i % 2 == 0 then
      assert(not ok, "trap " .. i)
      local err = fs[i]:error()
      assert(err:message():find("integer divide by zero"), tostring(err))
    else
      assert(ok and p:data() == i * 2, "result " .. i)
    end
  end
  return true
end

function M.strings()
  assert(funcs.call("wasm:greet", "World") == "Hello, World!")
  -- UTF-8 text round-trips byte for byte
  local text = "héllo wörld ✓ 😀 日本"
  assert(funcs.call("wasm:greet", text) == "Hello, " .. text .. "!")
  assert(funcs.call("wasm:count_codepoints", text) == 18, "code points counted in the guest")
  assert(funcs.call("wasm:shout", "ab", 3) == "ABABAB")
  assert(funcs.call("wasm:greet", "") == "Hello, !")
  local big = string.rep("x", 100000)
  assert(#funcs.call("wasm:greet", big) == 100008, "large strings grow guest memory")
  -- mapping errors are Invalid and name the parameter
  local _, e = funcs.call("wasm:greet", "\255\254")
  assert(e and e:kind() == errors.INVALID and e:message():find("name"), tostring(e))
  local _, e2 = funcs.call("wasm:shout", "x", -1)
  assert(e2 and e2:kind() == errors.INVALID and e2:message():find("times: value %-1 out of range for u32"), tostring(e2))
  local _, e3 = funcs.call("wasm:greet")
  assert(e3 and e3:kind() == errors.INVALID, tostring(e3))
  return true
end

function M.wasi_preview1()
  assert(funcs.call("wasm:wasi_hello") == 16, "fd_write reports the bytes written")
  assert(funcs.call("wasm:wasi_argc") == 3, "wasi.args reach the guest")
  assert(funcs.call("wasm:wasi_last_arg") == string.byte("z"))
  assert(funcs.call("wasm:wasi_now") > 1700000000 * 1000000000, "realtime clock in ns")
  assert(funcs.call("wasm:wasi_rand") ~= funcs.call("wasm:wasi_rand"), "random bytes differ")
  local v, e = funcs.call("wasm:wasi_exit", 0)
  assert(v == nil and e == nil, "exit(0) is success: " .. tostring(e))
  local _, e3 = funcs.call("wasm:wasi_exit", 3)
  assert(e3 and e3:message():find("exit code 3"), tostring(e3))
  -- wasi.env: only set, non-empty variables reach the guest, sorted by name
  assert(funcs.call("wasm:wasi_envc") == 1, "empty and unset variables are left out")
  assert(funcs.call("wasm:wasi_env_first") == string.byte("A"), "ALPHA=hi comes before ZED=hi")
  local _, er = funcs.call("wasm:wasi_env_required")
  assert(er and er:kind() == errors.NOT_FOUND and er:message() == "required wasi env variable not found: wasm:unset", tostring(er))
  assert(funcs.call("wasm:wasi_open") == 8, "no mounts: fd 3 is badf")
  return true
end

return M
