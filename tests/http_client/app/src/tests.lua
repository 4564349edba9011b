local function check(cond, what) if not cond then error(what, 2) end end

local function pattern_bytes(n)
  local alphabet = "abcdefghijklmnopqrstuvwxyz"
  return string.rep(alphabet, n // 26) .. alphabet:sub(1, n % 26)
end

local function requests()
  local t = funcs.call("hc:target")
  -- GET: status, body, canonical header names, cookies, final URL
  local r, err = http_client.get(t.base .. "/hello")
  check(r and not err, tostring(err))
  check(r.status_code == 200 and r.body == "hello" and r.body_size == 5, "GET /hello")
  check(r.headers["X-Test"] == "yes" and r.headers["Content-Type"] == "text/plain", "headers")
  check(r.cookies.a == "1" and r.cookies.b == "two", "cookies")
  check(r.url == t.base .. "/hello", r.url)

  -- POST with headers, query (sorted, encoded), cookies, auth
  r = assert(http_client.post(t.base .. "/echo", {
    headers = { ["X-Custom"] = "v1", ["Content-Type"] = "application/json" },
    body = '{"a":1}', query = { q = "a b&c", limit = "10" }, cookies = { s = "xyz" },
    auth = { user = "u", pass = "p" }, timeout = "10s",
  }))
  local doc = json.decode(r.body)
  check(doc.method == "POST" and doc.body == '{"a":1}', r.body)
  check(doc.query.q == "a b&c" and doc.query.limit == "10", "query")
  check(doc.headers["x-custom"] == "v1" and doc.headers["cookie"] == "s=xyz", "headers sent")
  check(doc.headers["authorization"] == "Basic dTpw", "basic auth")

  -- every method
  for _, m in ipairs({ "put", "patch", "delete" }) do
    local rr = assert(http_client[m](t.base .. "/echo", { body = m == "delete" and nil or "x" }))
    check(json.decode(rr.body).method == m:upper(), m)
  end
  local h = assert(http_client.head(t.base .. "/hello"))
  check(h.status_code == 200 and h.body == "", "HEAD has no body")
  local o = assert(http_client.request("OPTIONS", t.base .. "/echo"))
  check(json.decode(o.body).method == "OPTIONS", "custom method")

  -- form and multipart files
  r = assert(http_client.post(t.base .. "/echo", { form = { name = "x y", n = "1" } }))
  doc = json.decode(r.body)
  check(doc.body == "n=1&name=x+y", doc.body)
  check(doc.headers["content-type"] == "application/x-www-form-urlencoded", "form content type")
  r = assert(http_client.post(t.base .. "/echo", {
    form = { title = "doc" },
    files = { { name = "attachment", filename = "test.txt", content = "file content", content_type = "text/plain" } },
  }))
  doc = json.decode(r.body)
  check(doc.headers["content-type"]:find("multipart/form-data; boundary=", 1, true), "multipart")
  check(doc.body:find('name="attachment"; filename="test.txt"', 1, true) and doc.body:find("file content", 1, true), doc.body)

  -- redirects: followed (final URL reported), or returned with follow_redirects = false
  r = assert(http_client.get(t.base .. "/redirect/3"))
  check(r.status_code == 200 and r.body == "hello" and r.url == t.base .. "/hello", "redirect followed")
  r = assert(http_client.get(t.base .. "/redirect/3", { follow_redirects = false }))
  check(r.status_code == 302 and r.headers["Location"] == "/redirect/2", "redirect returned")
  local _, rerr = http_client.get(t.base .. "/redirect/20")
  check(rerr and rerr:message():find("redirect", 1, true), tostring(rerr))

  -- a large body both ways: the server hashes what it got (sha256 computed by run.sh)
  local big = string.rep("0123456789", 800000)
  r = assert(http_client.post(t.base .. "/sha256", { body = big }))
  check(r.body == t.big_sha256, "upload sha256 " .. r.body)
  local n = 12 * 1024 * 1024 + 7
  r = assert(http_client.get(t.base .. "/bytes/" .. n))
  check(#r.body == n and r.body == pattern_bytes(n), "download")

  -- streamed response: pieces no larger than asked, all bytes, nil,nil at the end
  r = assert(http_client.get(t.base .. "/bytes/" .. n, { stream = true }))
  check(r.body == nil and r.body_size == -1 and r.stream, "stream response")
  local got, pieces = {}, 0
  while true do
    local chunk, e = r.stream:read(65536)
    check(not e, tostring(e))
    if chunk == nil then break end
    check(#chunk <= 65536, "piece size")
    pieces = pieces + 1
    got[#got + 1] = chunk
  end
  check(table.concat(got) == pattern_bytes(n) and pieces > 100, "streamed bytes")
  check(r.stream:close() == true, "close")

  -- limits
  local _, lerr = http_client.get(t.base .. "/bytes/200000", { max_response_body = 1000 })
  check(lerr and lerr:kind() == errors.INVALID and lerr:message():find("exceeds the limit of 1000 bytes", 1, true),
        tostring(lerr))

  -- batch: concurrent, results in order, errors per request
  local responses, errs = http_client.request_batch({
    { "GET", t.base .. "/hello" }, { "POST", t.base .. "/echo", { body = "b" } }, { "GET", t.closed .. "/" },
  })
  check(responses[1].body == "hello" and json.decode(responses[2].body).body == "b", "batch results")
  check(responses[3] == nil and errs and errs[3] and errs[1] == nil, "batch error slot")
  local _, berr = http_client.request_batch({ { "GET", t.base .. "/x", { stream = true } } })
  check(berr and tostring(berr) == "streaming not supported in batch requests", tostring(berr))

  -- encode/decode
  check(http_client.encode_uri("a b/c?d=é") == "a+b%2Fc%3Fd%3D%C3%A9", http_client.encode_uri("a b/c?d=é"))
  check(http_client.decode_uri("a+b%2Fc") == "a b/c", "decode")
  local _, derr = http_client.decode_uri("bad%zz")
  check(derr and derr:message() == 'invalid URL escape "%zz"', tostring(derr))
  return true
end

local function errors_()
  local t = funcs.call("hc:target")
  -- a closed port: a clean Unavailable error
  local _, err = http_client.get(t.closed .. "/")
  check(err and err:kind() == errors.UNAVAILABLE and err:retryable() == true, tostring(err))
  -- a peer that accepts and never answers: the callee ends at its deadline with Timeout
  local start = time.now()
  local _, terr = funcs.new():with_options({ timeout = "500ms" }):call("hc:probe", "GET", t.base .. "/silent")
  local took = time.now():sub(start) / 1e6
  check(terr and terr:kind() == errors.TIMEOUT, tostring(terr))
  check(took >= 450 and took < 5000, "ended at the deadline: " .. took .. " ms")
  -- the request's own timeout option ends it with a Timeout error the caller can handle
  local _, oerr = http_client.get(t.base .. "/silent", { timeout = 0.3 })
  check(oerr and oerr:kind() == errors.TIMEOUT, tostring(oerr))
  -- unknown host, bad URL, bad scheme
  local _, derr = http_client.get("http://no-such-host.invalid/")
  check(derr and derr:kind() == errors.UNAVAILABLE, tostring(derr))
  local _, uerr = http_client.get("ftp://127.0.0.1/x")
  check(uerr and uerr:kind() == errors.INVALID, tostring(uerr))
  local _, herr = http_client.get(t.base .. "/hello", { headers = { ["X-Bad"] = "a\r\nInjected: 1" } })
  check(herr and herr:kind() == errors.INVALID, tostring(herr))
  return true
end

local function tls()
  local t = funcs.call("hc:target")
  -- the test-made CA verifies the loopback server's certificate
  local r, err = http_client.get(t.tls .. "/hello", { tls = { ca = t.ca } })
  check(r and r.status_code == 200 and r.body == "hello", tostring(err))
  r, err = http_client.get(t.tls .. "/hello", { tls = { ca_file = t.ca_file } })
  check(r and r.body == "hello", tostring(err))
  -- without it, verification fails (the system store does not know the test CA)
  local _, verr = http_client.get(t.tls .. "/hello")
  check(verr and verr:kind() == errors.UNAVAILABLE and verr:retryable() == false, tostring(verr))
  -- insecure_skip_verify works when allowed (no scope here: permissive mode)
  r, err = http_client.get(t.tls .. "/hello", { tls = { insecure_skip_verify = true } })
  check(r and r.body == "hello", tostring(err))
  return true
end

local function permissions()
  local t = funcs.call("hc:target")
  local user = security.new_actor("user:1", {})
  local function as(policies) return funcs.new():with_actor(user):with_scope(policies) end
  local before = tonumber(http_client.get(t.base .. "/count").body)
  -- no http_client.request permission: refused, the server sees nothing
  local denied = as({}):call("hc:probe", "GET", t.base .. "/hello")
  check(denied.kind == errors.PERMISSION_DENIED and denied.message == "not allowed: " .. t.base .. "/hello",
        denied.message)
  -- the URL is allowed but it resolves to loopback: needs http_client.private_ip
  local priv = as({ "hc:may_request_loopback" }):call("hc:probe", "GET", t.base .. "/hello")
  check(priv.kind == errors.PERMISSION_DENIED and priv.message == "not allowed: private IP 127.0.0.1", priv.message)
  -- a name resolving to loopback is caught on the connected address as well
  local named = as({ "hc:may_request_loopback" }):call("hc:probe", "GET", t.tls_by_name .. "/hello")
  check(named.kind == errors.PERMISSION_DENIED and named.message:find("not allowed: private IP", 1, true), named.message)
  -- private_ip alone does not grant the request
  local only_private = as({ "hc:may_reach_private" }):call("hc:probe", "GET", t.base .. "/hello")
  check(only_private.kind == errors.PERMISSION_DENIED, "request permission still needed")
  local mid = tonumber(http_client.get(t.base .. "/count").body)
  check(mid == before, "denied requests reached the server: " .. before .. " → " .. mid)
  -- both granted: allowed
  local ok = as({ "hc:may_request_loopback", "hc:may_reach_private" }):call("hc:probe", "GET", t.base .. "/hello")
  check(ok.status == 200 and ok.body == "hello", tostring(ok.message))
  return true
end

-- 1,000 concurrent outgoing requests from 1,000 calls (funcs.async); run.sh runs this suite with
-- --threads 2 and reports wall time and peak RSS.
local function concurrent()
  local t = funcs.call("hc:target")
  local n = 1000
  local start = time.now()
  local futures = {}
  for i = 1, n do futures[i] = funcs.async("hc:fetch_one", t.base .. "/hello") end
  local ok = 0
  for i = 1, n do
    local payload, err = futures[i]:channel():receive()
    if payload and payload:data() == true then ok = ok + 1 end
  end
  local ms = time.now():sub(start) / 1e6
  print(string.format("concurrent: %d/%d requests completed in %.0f ms", ok, n, ms))
  check(ok == n, ok .. " of " .. n .. " completed")
  return true
end

-- The C component (tests/fixtures/components/c-http-client) through wasi:http/outgoing-handler.
local function component()
  local t = funcs.call("hc:target")
  local host = t.base:gsub("^http://", "")
  local function fetch(method, authority, path, body, scheme)
    return funcs.call("hc:c_fetch", method, scheme or "http", authority, path, body or "")
  end
  local out, err = fetch("GET", host, "/hello")
  check(out == "200 hello", tostring(out) .. " " .. tostring(err))
  -- a body streamed after handle (3 MB in 64 KiB writes): the server's sha256 of what it got
  local big = string.rep("0123456789", 800000)
  out, err = fetch("POST", host, "/sha256", big)
  check(out == "200 " .. t.big_sha256, tostring(out) .. " " .. tostring(err))
  out = assert(fetch("PUT", host, "/echo", "x"))
  check(out:find('"method": "PUT"', 1, true), out)
  -- a large response read through the input-stream
  local n = 5 * 1024 * 1024
  out = assert(fetch("GET", host, "/bytes/" .. n))
  check(#out == n + 4 and out:sub(1, 6) == "200 ab", "large body " .. #out)
  -- redirects are the guest's to follow
  out = assert(fetch("GET", host, "/redirect/1"))
  check(out == "302 ", out)
  -- errors arrive as error-code cases
  local _, e1 = fetch("GET", t.closed:gsub("^http://", ""), "/")
  check(e1 and tostring(e1):find("response: connection-refused", 1, true), tostring(e1))
  local _, e2 = fetch("GET", t.tls:gsub("^https://", ""), "/hello", "", "https")
  check(e2 and tostring(e2):find("response: TLS-certificate-error", 1, true), tostring(e2))
  local _, e3 = fetch("GET", "no-such-host.invalid", "/")
  check(e3 and tostring(e3):find("response: DNS-error", 1, true), tostring(e3))
  -- permissions: the request needs http_client.request, loopback needs http_client.private_ip
  local user = security.new_actor("user:2", {})
  local function as(policies) return funcs.new():with_actor(user):with_scope(policies) end
  local before = tonumber((fetch("GET", host, "/count")):match("^200 (%d+)$"))
  local _, d1 = as({}):call("hc:c_fetch", "GET", "http", host, "/hello", "")
  check(d1 and tostring(d1):find("handle: HTTP-request-denied", 1, true), tostring(d1))
  local _, d2 = as({ "hc:may_request_loopback" }):call("hc:c_fetch", "GET", "http", host, "/hello", "")
  check(d2 and tostring(d2):find("response: destination-IP-prohibited", 1, true), tostring(d2))
  local after = tonumber((fetch("GET", host, "/count")):match("^200 (%d+)$"))
  check(after == before, "denied requests reached the server")
  local ok = as({ "hc:may_request_loopback", "hc:may_reach_private" }):call("hc:c_fetch", "GET", "http", host, "/hello", "")
  check(ok == "200 hello", tostring(ok))
  -- a peer that never answers: the call ends at its deadline with Timeout
  local start = time.now()
  local _, te = funcs.new():with_options({ timeout = "500ms" }):call("hc:c_fetch", "GET", "http", host, "/silent", "")
  local took = time.now():sub(start) / 1e6
  check(te and te:kind() == errors.TIMEOUT, tostring(te))
  check(took >= 450 and took < 5000, "ended at the deadline: " .. took .. " ms")
  -- the instance is fine afterwards
  check(fetch("GET", host, "/hello") == "200 hello", "instance reusable")
  return true
end

-- 1,000 concurrent outgoing requests from 1,000 component calls (funcs.async).
local function concurrent_component()
  local t = funcs.call("hc:target")
  local host = t.base:gsub("^http://", "")
  local n = 1000
  local start = time.now()
  local futures = {}
  for i = 1, n do futures[i] = funcs.async("hc:fetch_one_component", host) end
  local ok = 0
  for i = 1, n do
    local payload = futures[i]:channel():receive()
    if payload and payload:data() == true then ok = ok + 1 end
  end
  local ms = time.now():sub(start) / 1e6
  print(string.format("concurrent component: %d/%d requests completed in %.0f ms", ok, n, ms))
  check(ok == n, ok .. " of " .. n .. " completed")
  return true
end

-- The JS component: fetch() in an async export (jco componentize), over wasi:http.
local function js_component()
  local t = funcs.call("hc:target")
  local out, err = funcs.call("hc:js_fetch", t.base .. "/hello", "")
  check(out == "200 hello", tostring(out) .. " " .. tostring(err))
  out, err = funcs.call("hc:js_fetch", t.base .. "/echo?x=1", "posted")
  check(out and out:sub(1, 4) == "200 ", tostring(out) .. " " .. tostring(err))
  local doc = json.decode(out:sub(5))
  check(doc.method == "POST" and doc.body == "posted" and doc.query.x == "1", out)
  local n = 1024 * 1024
  out = assert(funcs.call("hc:js_fetch", t.base .. "/bytes/" .. n, ""))
  check(#out == n + 4, "large body " .. #out)
  local _, e = funcs.call("hc:js_fetch", t.closed .. "/", "")
  check(e and tostring(e):find("fetch failed", 1, true), tostring(e))
  return true
end

return { js_component = js_component, component = component, concurrent_component = concurrent_component, requests = requests, errors = errors_, tls = tls, permissions = permissions, concurrent = concurrent }
