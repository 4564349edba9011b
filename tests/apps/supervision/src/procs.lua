local M = {}

function M.crasher(delay)
  time.sleep(delay or "20ms")
  error("crashed on purpose")
end

-- blocks in receive until terminated
function M.waiter()
  return process.inbox():receive():payload():data()
end

function M.sleeper()
  time.sleep("1h")
  return "woke up"
end

-- pure Lua CPU: no wait to end, only the interrupt can stop it
function M.busy()
  local n = 0
  while true do n = n + 1 end
end

-- links to a crasher; with trap_links it reports the LINK_DOWN, without it dies with its peer
function M.leader(trap)
  process.set_options({ trap_links = trap })
  assert(process.get_options().trap_links == trap)
  local events = process.events()
  local peer = assert(process.spawn_linked("sup:crasher", "sup:host", "30ms"))
  while true do
    local ev = events:receive()
    if ev.kind == process.event.LINK_DOWN then
      assert(ev.from == peer, "LINK_DOWN from the peer")
      return { got = "link_down", from = ev.from, message = ev.result.error:message() }
    end
  end
end

-- answers a CANCEL by returning
function M.polite()
  local ev = process.events():receive()
  assert(ev.kind == process.event.CANCEL, ev.kind)
  return { got = "cancel", from = ev.from, deadline = ev.deadline }
end

function M.named(name)
  assert(process.registry.register(name))
  return process.inbox():receive():payload():data()
end

-- raw payloads on "jobs", whole messages on "control", everything else in the inbox
function M.topics()
  local jobs = process.listen("jobs")
  local control = process.listen("control", { message = true })
  local inbox = process.inbox()
  local got = {}
  while true do
    local r = channel.select({ jobs:case_receive(), control:case_receive(), inbox:case_receive() })
    if r.channel == jobs then
      table.insert(got, "job:" .. tostring(r.value))
    elseif r.channel == control then
      process.unlisten(jobs)
      table.insert(got, "control:" .. r.value:topic() .. ":" .. tostring(r.value:payload():data()))
      process.send(r.value:from(), "done", table.concat(got, ","))
      return got
    else
      table.insert(got, "inbox:" .. r.value:topic())
    end
  end
end

function M.context_reader()
  return ctx.get("request_id")
end

return M
