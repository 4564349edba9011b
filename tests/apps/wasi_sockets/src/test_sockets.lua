-- The c-sockets component serving and calling itself over loopback TCP (see _index.yaml).

-- Starts sockets:serve (listen, accept one connection, echo it) on a free port of a small
-- range: a port already in use makes the call end at once with address-in-use.
local function start_server()
  for port = 47611, 47641 do
    local f = funcs.async("sockets:serve", "127.0.0.1", port)
    time.sleep("100ms")
    if not f:is_complete() then return f, port end
  end
  error("no free port in 47611-47641")
end

-- Calls sockets:echo (as `who`, an executor, or plainly), retrying while the server has not
-- reached listen yet (a loaded machine may take longer than start_server's pause).
local function echo_via(who, port, msg)
  for _ = 1, 100 do
    local reply, err
    if who then
      reply, err = who:call("sockets:echo", "127.0.0.1", port, msg)
    else
      reply, err = funcs.call("sockets:echo", "127.0.0.1", port, msg)
    end
    if not (err and err:message() == "connection-refused") then return reply, err end
    time.sleep("20ms")
  end
  return nil, "still refused after 2 s"
end

-- The server's result (the bytes it echoed), once its call has ended.
local function finished(f)
  local payload, ok = f:response():receive()
  if ok then return payload:data() end
  local err = f:error()
  return nil, err
end

local function echo()
  local server, port = start_server()
  local reply, err = echo_via(nil, port, "hello over loopback")
  assert(err == nil, tostring(err))
  assert(reply == "hello over loopback", tostring(reply))
  -- the server echoed the line and its newline, then saw the client's end
  local echoed, serr = finished(server)
  assert(serr == nil, tostring(serr))
  assert(echoed == 20, tostring(echoed))

  -- a port nobody listens on: the WIT error-code, as the call's error
  local _, refused = funcs.call("sockets:echo", "127.0.0.1", port, "again")
  assert(refused and refused:message() == "connection-refused", tostring(refused))

  -- without wasi:sockets in imports the import is unbound: the call fails and names the group
  local _, unbound = funcs.call("sockets:echo_unbound", "127.0.0.1", port, "x")
  assert(unbound and unbound:message():find("wasi:sockets", 1, true), tostring(unbound))
  return true
end

local function permissions()
  -- allowed: funcs.call on sockets:* and socket.connect / socket.listen on 127.0.0.1:*
  local loopback = funcs.new():with_actor({ id = "guest" }):with_scope({ "sockets:may_call", "sockets:loopback_only" })
  local server, port = start_server()
  local reply, err = echo_via(loopback, port, "permitted")
  assert(err == nil and reply == "permitted", tostring(err))
  assert(finished(server) == 10)

  -- denied: no policy grants socket.connect (undefined counts as denied); the server sees nothing
  local denied = funcs.new():with_actor({ id = "guest" }):with_scope({ "sockets:may_call" })
  server, port = start_server()
  local _, derr = denied:call("sockets:echo", "127.0.0.1", port, "secret")
  assert(derr and derr:message() == "access-denied", tostring(derr))
  assert(not server:is_complete(), "nothing connected to the server")
  -- release the server: a permitted client connects and leaves
  assert(echo_via(loopback, port, "bye") == "bye")
  assert(finished(server) == 4)

  -- listening is checked too
  local _, lerr = denied:call("sockets:serve", "127.0.0.1", port)
  assert(lerr and lerr:message() == "access-denied", tostring(lerr))
  return true
end

local function lookup()
  local addrs, err = funcs.call("sockets:lookup", "localhost")
  assert(err == nil, tostring(err))
  local found = false
  for _, a in ipairs(addrs) do found = found or a == "127.0.0.1" end
  assert(found, "localhost resolves to 127.0.0.1")
  local _, bad = funcs.call("sockets:lookup", "no-such-host.invalid")
  assert(bad and bad:message() == "name-unresolvable", tostring(bad))
  return true
end

return { echo = echo, permissions = permissions, lookup = lookup }
