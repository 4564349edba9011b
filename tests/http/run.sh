#!/usr/bin/env bash
# HTTP acceptance checks: a real `wirt run` server on 127.0.0.1 (port 0) exercised with curl
# and raw sockets. Usage: tests/http/run.sh path/to/wirt
set -u
WIRT=$(realpath "${1:?usage: run.sh path/to/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
command -v curl >/dev/null || { echo "curl missing (scripts/bootstrap installs it)"; exit 77; }
command -v openssl >/dev/null || { echo "openssl missing"; exit 77; }
WORK=$(mktemp -d /tmp/wirt-http-test.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
passed=0
failed=0
# Seconds since a `date +%s.%N` stamp, as 0.123
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# expect NAME ACTUAL PATTERN: ACTUAL must match the extended regex PATTERN.
expect() {
  if printf '%s' "$2" | grep -qE -- "$3"; then pass "$1"; else fail "$1" "'$2' !~ /$3/"; fi
}

# The app, copied so the test can add a certificate and a symlink pointing out of public/.
cp -r "$HERE/apps/server" "$WORK/app"
mkdir -p "$WORK/app/certs" "$WORK/outside"
echo "top secret" > "$WORK/outside/secret.txt"
head -c 64M /dev/zero > "$WORK/app/src/public/big.bin"   # more than the socket buffers hold
ln -s "$WORK/outside/secret.txt" "$WORK/app/src/public/escape.txt"
ln -s "$WORK/outside" "$WORK/app/src/public/escape_dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$WORK/app/certs/key.pem" -out "$WORK/app/certs/cert.pem" >/dev/null 2>&1

start_server() {
  "$WIRT" run -a "$WORK/app" 2>"$WORK/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    BASE=$(grep -oE 'http\.service http:gateway listening on http://[0-9.]+:[0-9]+' "$WORK/server.log" | grep -oE 'http://.*')
    TLS=$(grep -oE 'http\.service http:secure listening on https://[0-9.]+:[0-9]+' "$WORK/server.log" | grep -oE 'https://.*')
    TIGHT=$(grep -oE 'http\.service http:tight listening on http://[0-9.]+:[0-9]+' "$WORK/server.log" | grep -oE 'http://.*')
    [ -n "$BASE" ] && [ -n "$TLS" ] && [ -n "$TIGHT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start:"; cat "$WORK/server.log"; exit 1
}
start_server
PORT=${BASE##*:}
expect run_logs_real_port "$PORT" '^[1-9][0-9]*$'

C="curl -s --max-time 10"
# status, content type and body as "CODE|TYPE|BODY"
get() { $C -o "$WORK/body" -w '%{http_code}|%{content_type}' "$@" > "$WORK/meta"; printf '%s|%s' "$(cat "$WORK/meta")" "$(cat "$WORK/body")"; }

# --- endpoints, routing, the http module
expect lua_write_json "$(get "$BASE/api/hello")" '^200\|application/json\|\{"message":"hello","method":"GET"\}$'
expect lua_body_json_created "$(get -H 'Content-Type: application/json' -d '{"x":[1,2]}' "$BASE/api/echo")" \
  '^201\|application/json\|\{"content_type":"application/json","length":11,"received":\{"x":\[1,2\]\}\}$'
expect lua_bad_json_400 "$(get -d 'not json' "$BASE/api/echo")" '^400\|.*invalid JSON'
expect path_params "$(get "$BASE/api/users/42/posts/7")" '"id":"42".*"post":"7"'
expect path_params_put "$(get -X PUT "$BASE/api/users/42/posts/7")" '"method":"PUT"'
expect literal_beats_param "$(get "$BASE/api/users/me/posts/9")" '^200\|.*"actor":"svc:gateway","post":"9"'
expect rest_param "$(get "$BASE/api/files/a/b/c.txt")" '^200\|text/plain; charset=utf-8\|rest=a/b/c.txt$'
expect query_params "$(get -A agent/1 "$BASE/api/query?a=1&b=x+y&a=2")" '"agent":"agent/1".*"one":"1","q":\{"a":"1,2","b":"x y"\}'
expect no_route_404 "$(get "$BASE/api/nope")" '^404\|'
expect wrong_method_405 "$(get -X DELETE "$BASE/api/hello")" '^405\|'
expect allow_header_on_405 "$($C -o /dev/null -D - -X DELETE "$BASE/api/users/1/posts/2" | tr -d '\r' | grep -i '^allow:')" '^Allow: GET, PUT$'
expect nil_result_204 "$(get "$BASE/api/nothing")" '^204\|'
expect table_result_json "$(get "$BASE/api/value")" '^200\|application/json\|\{"a":1,"list":\[1,2,3\]\}$'
expect set_status_only "$(get -X POST "$BASE/api/created")" '^201\|'
expect request_ctx_not_inherited "$(get "$BASE/api/nested")" '^200\|.*no request: no HTTP request context$'
expect service_actor_is_request_actor "$(get "$BASE/api/users/me/posts/1")" '"actor":"svc:gateway"'
expect funcs_call_wasi_http_is_payload "$(get "$BASE/api/call-greet")" '^200\|text/plain; charset=utf-8\|Hello, Lua!$'

# a blocking handler suspends only its fiber: 8 requests sleeping 500ms each end together
t0=$(date +%s.%N)
pids=()
for _ in 1 2 3 4 5 6 7 8; do $C -o /dev/null "$BASE/api/slow?ms=500" & pids+=($!); done
wait "${pids[@]}"
expect blocking_handlers_run_concurrently "$(since "$t0")" '^(0?\.[5-9]|1\.[0-1])'

# --- errors: raise → 500 (logged), trap → 500, max_execution_ms → 504, server keeps serving
expect lua_raise_500 "$(get "$BASE/api/boom")" '^500\|text/plain.*kaboom'
expect lua_raise_logged "$(grep -c 'http:boom failed: .*kaboom' "$WORK/server.log")" '^[1-9]'
expect wasm_trap_500 "$(get "$BASE/wasm/trap")" '^500\|.*unreachable'
expect wasm_timeout_504 "$(get "$BASE/wasm/spin")" '^504\|'
expect serves_after_errors "$(get "$BASE/api/hello")" '^200\|'

# --- transport: wasi-http status rules (reference-wasm-runtime §3)
expect wasi_http_greet "$(get -H 'Content-Type: text/plain' --data-binary 'Wippy' "$BASE/wasm/greet")" '^200\|text/plain; charset=utf-8\|Hello, Wippy!$'
expect wasi_http_empty_body_no_args_500 "$(get -X POST "$BASE/wasm/greet")" '^500\|.*(argument|parameter)'
expect wasi_http_no_arg_string "$(get "$BASE/wasm/hello")" '^200\|text/plain; charset=utf-8\|Hello, World!$'
expect wasi_http_number_json "$(get "$BASE/wasm/answer")" '^200\|application/json\|42$'
expect wasi_http_nil_204 "$(get "$BASE/wasm/quiet")" '^204\|'

# --- streaming responses
sse=$($C -N "$BASE/api/sse" -D "$WORK/sse_head")
expect sse_content_type "$(tr -d '\r' < "$WORK/sse_head" | grep -i '^content-type:')" 'text/event-stream'
expect sse_chunked "$(tr -d '\r' < "$WORK/sse_head" | grep -i '^transfer-encoding:')" 'chunked'
expect sse_events "$(printf '%s' "$sse" | tr '\n' '~')" '^event: tick~data: \{"n":1\}~~event: tick~data: \{"n":2\}~~event: tick~data: \{"n":3\}~~event: note~data: two~data: lines$'
expect chunked_body "$($C --raw "$BASE/api/chunked" | tr -d '\r' | tr '\n' '~')" '^6~part1,~5~part2~0~~$'
expect content_length_when_buffered "$($C -o /dev/null -D - "$BASE/api/hello" | tr -d '\r' | grep -i '^content-length:')" '^Content-Length: 34$'

# --- request bodies and limits
head -c 30000 /dev/zero | tr '\0' 'x' > "$WORK/30k"
expect streamed_body_read "$(get --data-binary @"$WORK/30k" "$BASE/api/upload")" '^200\|.*"bytes":30000'
expect chunked_request_body "$(get -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/30k" "$BASE/api/upload")" '"bytes":30000'
head -c 70000 /dev/zero | tr '\0' 'x' > "$WORK/70k"
expect body_over_limit_413 "$(get --data-binary @"$WORK/70k" "$BASE/api/upload")" '^413\|'
expect chunked_body_over_limit_413 "$(get -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/70k" "$BASE/api/upload")" '^413\|'
expect oversized_headers_431 "$(get -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' 'y')" "$BASE/api/hello")" '^431\|'

# raw sockets (bash /dev/tcp): malformed request line, a client stalling mid-request
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'NOT A REQUEST\r\n\r\n' >&3
expect malformed_request_400 "$(timeout 5 head -1 <&3 | tr -d '\r')" '^HTTP/1.1 400'
exec 3<&-
start=$(date +%s.%N)
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'GET /api/hello HTTP/1.1\r\nHost: x\r\n' >&3   # stalls: the head never ends
timeout 10 cat <&3 >/dev/null
elapsed=$(since "$start")
exec 3<&-
expect stalled_client_closed_at_read_timeout "$elapsed" '^(0?\.9|1\.|2\.)'
expect serves_while_client_stalls "$(get "$BASE/api/hello")" '^200\|'
# timeouts.idle: a kept-alive connection is closed once idle that long (300ms on http:tight)
exec 3<>/dev/tcp/127.0.0.1/"${TIGHT##*:}"
printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' >&3
start=$(date +%s.%N)
idle_out=$(timeout 5 cat <&3 | tr -d '\r' | tail -1)
elapsed=$(since "$start")
exec 3<&-
expect idle_timeout_answered_first "$idle_out" '^hello static$'
expect idle_timeout_closes "$elapsed" '^(0?\.[2-9])'
# timeouts.write: a client that stops reading a large response is cut off after 1s
exec 3<>/dev/tcp/127.0.0.1/"${TIGHT##*:}"
printf 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n' >&3
sleep 3
got=$(timeout 10 cat <&3 | wc -c)
exec 3<&-
expect write_timeout_cuts_stalled_reader "$([ "$got" -gt 0 ] && [ "$got" -lt 67108864 ] && echo cut "$got")" '^cut '
expect serves_after_write_timeout "$(get "${TIGHT}/hello.txt")" '^200\|'
# request{max_body}
expect lua_max_body_ok "$(get --data-binary 'twelve bytes' "$BASE/api/limited")" '^200\|application/json\|12$'
expect lua_max_body_exceeded "$(get --data-binary @"$WORK/30k" "$BASE/api/limited")" '^500\|.*body too large \(max_body 100 bytes\)'
# Expect: 100-continue: a body the handler never reads is never asked for (regression: a late
# "100 Continue" after the final response corrupted the connection)
expect_out=$($C -v -H 'Expect: 100-continue' --data-binary @"$WORK/30k" "$BASE/api/created" 2>&1 | tr -d '\r')
expect expect_continue_unread_body_not_requested "$(printf '%s' "$expect_out" | grep -c '< HTTP/1.1 100 Continue')" '^0$'
expect expect_continue_answer_closes "$(printf '%s' "$expect_out" | grep -E '^< (HTTP|Connection)' | tr '\n' ' ')" '^< HTTP/1.1 201 Created < Connection: close $'
expect expect_continue_then_serves "$(get "$BASE/api/hello")" '^200\|'
expect expect_continue_body_read_gets_100 "$($C -v -H 'Expect: 100-continue' --data-binary @"$WORK/30k" "$BASE/api/upload" 2>&1 | grep -c '< HTTP/1.1 100 Continue')" '^1$'
# keep-alive: two requests on one connection
expect keep_alive_reuses_connection "$($C -v "$BASE/api/hello" "$BASE/api/hello" 2>&1 | grep -c 'Re-using existing connection')" '^1$'
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'GET /api/hello HTTP/1.0\r\n\r\n' >&3
expect http10_closes "$(timeout 5 cat <&3 | tr -d '\r' | head -1)" '^HTTP/1.0 200'
exec 3<&-

# --- static files
expect static_file "$(get "$BASE/static/hello.txt")" '^200\|text/plain; charset=utf-8\|hello static$'
expect static_index "$(get "$BASE/static/")" '^200\|text/html; charset=utf-8\|.*static index'
expect static_json_type "$(get "$BASE/static/data.json")" '^200\|application/json\|'
expect static_cache_control "$($C -o /dev/null -D - "$BASE/static/hello.txt" | tr -d '\r' | grep -i '^cache-control:')" 'public, max-age=60'
expect static_missing_404 "$(get "$BASE/static/missing.txt")" '^404\|'
expect static_dotdot_404 "$(get --path-as-is "$BASE/static/../../outside/secret.txt")" '^404\|'
expect static_encoded_dotdot_404 "$(get --path-as-is "$BASE/static/%2e%2e/%2e%2e/outside/secret.txt")" '^404\|'
expect static_symlink_out_404 "$(get "$BASE/static/escape.txt")" '^404\|'
expect static_symlink_dir_out_404 "$(get "$BASE/static/escape_dir/secret.txt")" '^404\|'
expect static_post_405 "$(get -X POST "$BASE/static/hello.txt")" '^405\|'
etag=$($C -o /dev/null -D - "$BASE/static/hello.txt" | tr -d '\r' | grep -i '^etag:' | cut -d' ' -f2)
expect static_etag "$etag" '^"[0-9a-f]+-[0-9a-f]+"$'
expect static_if_none_match_304 "$(get -H "If-None-Match: $etag" "$BASE/static/hello.txt")" '^304\|'
expect static_range_206 "$(get -r 2-5 "$BASE/static/range.bin")" '^206\|.*\|2345$'
expect static_range_suffix "$(get -r -3 "$BASE/static/range.bin")" '^206\|.*\|hij$'
expect static_content_range "$($C -o /dev/null -D - -r 2-5 "$BASE/static/range.bin" | tr -d '\r' | grep -i '^content-range:')" 'bytes 2-5/20'
expect static_range_416 "$(get -r 50-60 "$BASE/static/range.bin")" '^416\|'
expect static_spa_fallback "$(get "$BASE/app/some/client/route")" '^200\|text/html.*spa index'
expect static_head "$($C -I "$BASE/static/hello.txt" | tr -d '\r' | grep -iE '^(HTTP|content-length)' | tr '\n' ' ')" '^HTTP/1.1 200 OK Content-Length: 13 $'

# --- TLS (self-signed certificate made above)
expect tls_request "$(get --cacert "$WORK/app/certs/cert.pem" --resolve "localhost:${TLS##*:}:127.0.0.1" "https://localhost:${TLS##*:}/hello")" '^200\|application/json\|\{"message":"hello"'
expect tls_rejects_plain "$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:${TLS##*:}/hello")" '^000$'

mkdir -p "$WORK/port"; printf 'namespace: p\nentries:\n  - {name: gw, kind: http.service, addr: "127.0.0.1:%s", lifecycle: {auto_start: true}}\n' "${BASE##*:}" > "$WORK/port/_index.yaml"
expect port_in_use_fails_run "$("$WIRT" run -a "$WORK/port" 2>&1 | tr "\n" " "; echo "exit=${PIPESTATUS[0]}")" 'addr: cannot listen on 127.0.0.1:[0-9]+: Address already in use.*exit=1'

# --- graceful shutdown: SIGTERM during an in-flight request; it completes, exit 0
$C "$BASE/api/slow?ms=1000" > "$WORK/slow" &
CURL=$!
sleep 0.3
kill -TERM "$SERVER_PID"
wait "$CURL"
expect shutdown_inflight_completes "$(cat "$WORK/slow")" '^done after 1000ms$'
wait "$SERVER_PID"
expect shutdown_exit_0 "$?" '^0$'
SERVER_PID=""
expect shutdown_stops_listening "$($C -o /dev/null -w '%{http_code}' "$BASE/api/hello")" '^000$'

# drain deadline: a request longer than lifecycle.stop_timeout is canceled; still exit 0
sed -i 's/stop_timeout: 5s/stop_timeout: 300ms/' "$WORK/app/src/_index.yaml"
start_server
PORT=${BASE##*:}
$C "$BASE/api/slow?ms=3000" > "$WORK/slow2" &
CURL=$!
# and an upload whose client stalls mid-body: its handler's read ends with Canceled
exec 3<>/dev/tcp/127.0.0.1/"$PORT"
printf 'POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789' >&3
sleep 0.3
t0=$(date +%s.%N)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
took=$(since "$t0")
SERVER_PID=""
wait "$CURL"
expect drain_deadline_exit_0 "$rc" '^0$'
expect drain_deadline_bounded "$took" '^(0?\.|1\.|2\.|3\.)'
expect drain_deadline_logged "$(grep -c 'still busy after the drain deadline' "$WORK/server.log")" '^1$'
expect drain_cancel_reaches_handler "$(grep -c 'http:upload failed: .*canceled (server shutting down)' "$WORK/server.log")" '^1$'
exec 3<&-

# --- boot errors name the entry and the field
bad_app() {  # NAME YAML-ENTRIES: an app whose check must fail
  mkdir -p "$WORK/$1"
  printf 'namespace: bad\nentries:\n  - {name: gw, kind: http.service, addr: ":0"}\n  - {name: api, kind: http.router, meta: {server: gw}}\n  - {name: h, kind: function.lua, source: "return {h=function() end}", method: h}\n%s\n' "$2" > "$WORK/$1/_index.yaml"
  "$WIRT" check -a "$WORK/$1" 2>&1
}
expect boot_missing_router "$(bad_app r '  - {name: ep, kind: http.endpoint, meta: {router: nope}, method: GET, path: /x, func: h}')" 'entry bad:ep: meta.router: router not found: bad:nope'
expect boot_router_required "$(bad_app r2 '  - {name: ep, kind: http.endpoint, method: GET, path: /x, func: h}')" 'entry bad:ep: meta.router: router metadata is required'
expect boot_bad_path "$(bad_app p '  - {name: ep, kind: http.endpoint, meta: {router: api}, method: GET, path: "/x/{", func: h}')" 'entry bad:ep: path: bad pattern "/x/\{"'
expect boot_unknown_func "$(bad_app f '  - {name: ep, kind: http.endpoint, meta: {router: api}, method: GET, path: /x, func: missing}')" 'entry bad:ep: func: function not found: bad:missing'
expect boot_duplicate_prefix "$(bad_app d '  - {name: api2, kind: http.router, meta: {server: gw}}')" 'entry bad:api2: prefix: "/" on bad:gw is already used by router bad:api'
expect boot_duplicate_route "$(bad_app dr '  - {name: e1, kind: http.endpoint, meta: {router: api}, method: GET, path: /x, func: h}
  - {name: e2, kind: http.endpoint, meta: {router: api}, method: GET, path: /x, func: h}')" 'entry bad:e2: path: GET /x is already served by bad:e1'
expect boot_missing_server "$(bad_app s '  - {name: r2, kind: http.router, meta: {server: nope}, prefix: /b}')" 'entry bad:r2: meta.server: server not found: bad:nope'
expect boot_static_missing_fs "$(bad_app st '  - {name: s, kind: http.static, meta: {server: gw}, fs: nofs, path: /s}')" 'entry bad:s: fs: filesystem not found: bad:nofs'
expect boot_bad_method "$(bad_app m '  - {name: ep, kind: http.endpoint, meta: {router: api}, method: FETCH, path: /x, func: h}')" 'entry bad:ep: method: invalid HTTP method: FETCH'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
