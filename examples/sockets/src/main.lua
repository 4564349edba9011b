-- Starts the component as a TCP echo server on a loopback port, then talks to it with the
-- same component as a client, as a sandboxed identity that may only reach 127.0.0.1.
local function main(message)
  message = message or "hello over wasi:sockets"
  local server, port
  for p = 47700, 47730 do  -- the first free port (a busy one ends the server at once)
    server = funcs.async("net:echo_server", "127.0.0.1", p)
    time.sleep("100ms")
    if not server:is_complete() then port = p break end
  end
  assert(port, "no free port in 47700-47730")
  local guest = funcs.new():with_actor({ id = "guest" }):with_scope({ "net:may_call", "net:loopback_only" })
  local reply, err
  for _ = 1, 100 do  -- the server may not have reached listen yet on a busy machine
    reply, err = guest:call("net:echo_client", "127.0.0.1", port, message)
    if not (err and err:message() == "connection-refused") then break end
    time.sleep("20ms")
  end
  assert(err == nil, tostring(err))
  local echoed = server:response():receive()
  -- a destination the policy does not allow: refused before anything is sent
  local _, denied = guest:call("net:echo_client", "10.0.0.1", 7, "x")
  return { reply = reply, server_echoed_bytes = echoed:data(), port = port, other_host = denied:message() }
end
return { main = main }
