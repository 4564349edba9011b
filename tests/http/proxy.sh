#!/usr/bin/env bash
# wasi:http/proxy components end to end: the real server (`wirt run` of tests/http/apps/proxy,
# then `wirt serve FILE.wasm`) on 127.0.0.1 port 0, exercised with curl.
# Usage: tests/http/proxy.sh path/to/wirt
set -u
WIRT=$(realpath "${1:?usage: proxy.sh path/to/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURES=$(cd "$HERE/../fixtures/components" && pwd)
command -v curl >/dev/null || { echo "curl missing (scripts/bootstrap installs it)"; exit 77; }
# Tier 1 only: the JS component's 14 MB of core wasm would otherwise be compiled by cc in the
# background for minutes (tier 2), competing with the test for the CPU.
export WIRT_CC=false
WORK=$(mktemp -d /tmp/wirt-proxy-test.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# expect NAME ACTUAL PATTERN: ACTUAL must match the extended regex PATTERN.
expect() {
  if printf '%s' "$2" | grep -qE -- "$3"; then pass "$1"; else fail "$1" "'$2' !~ /$3/"; fi
}
# wait_for LOG PATTERN PID: the first match of PATTERN in LOG, once it appears (the JS
# component compiles for tens of seconds on tier 1).
wait_for() {
  local found=""
  for _ in $(seq 1 8000); do
    found=$(grep -oE "$2" "$1" | head -1)
    [ -n "$found" ] && { echo "$found"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start:" >&2; cat "$1" >&2; return 1
}

C="curl -s --max-time 20"
# status, content type and body as "CODE|TYPE|BODY"
get() { $C -o "$WORK/body" -w '%{http_code}|%{content_type}' "$@" > "$WORK/meta"; printf '%s|%s' "$(cat "$WORK/meta")" "$(cat "$WORK/body")"; }
head_of() { $C -o /dev/null -D - "$@" | tr -d '\r'; }

# ---- components as http.endpoint funcs (wirt run) ----
"$WIRT" run -a "$HERE/apps/proxy" 2>"$WORK/server.log" &
PIDS+=($!)
BASE=$(wait_for "$WORK/server.log" 'http://[0-9.]+:[0-9]+' "${PIDS[-1]}") || exit 1

expect js_hello "$(get "$BASE/hello")" '^200\|text/plain\|hello from js$'
expect js_status_and_headers "$(head_of "$BASE/status")" '^HTTP/1.1 418'
expect js_custom_header "$(head_of "$BASE/status" | grep -i '^x-custom:')" '^x-custom: yes$'
expect js_two_set_cookies "$(head_of "$BASE/status" | grep -ci '^set-cookie:')" '^2$'
expect js_reads_request_headers "$(get -H 'X-Test: forty two' -A curl-test "$BASE/headers?q=1")" \
  '^200\|application/json.*"method":"GET","path":"/headers","query":"\?q=1","xtest":"forty two","agent":"curl-test"'
head -c 5000000 /dev/urandom > "$WORK/big.bin"
$C --data-binary @"$WORK/big.bin" -H 'Content-Type: application/x-test' -D "$WORK/echo.head" -o "$WORK/echo.out" "$BASE/echo"
expect js_echo_5mb_intact "$(sha256sum < "$WORK/echo.out" | cut -c1-64)" "^$(sha256sum < "$WORK/big.bin" | cut -c1-64)$"
expect js_echo_content_type "$(tr -d '\r' < "$WORK/echo.head" | grep -i '^content-type:')" 'application/x-test'
expect js_echo_streams_chunked "$(tr -d '\r' < "$WORK/echo.head" | grep -i '^transfer-encoding:')" 'chunked'
# a chunked request body (no Content-Length) is streamed to the guest too
expect js_echo_chunked_request "$(printf 'piece one, piece two' | $C -H 'Transfer-Encoding: chunked' --data-binary @- "$BASE/echo")" '^piece one, piece two$'
expect js_chunked_response "$(get "$BASE/chunks?n=3" | tr '\n' '~')" '^200\|text/plain\|chunk 0~chunk 1~chunk 2~?$'
expect js_chunked_encoding "$(head_of "$BASE/chunks?n=2" | grep -i '^transfer-encoding:')" 'chunked'
expect js_timer "$(get "$BASE/sleep?ms=50")" '^200\|.*slept 50 ms$'
expect js_throw_500 "$(get "$BASE/throw")" '^500\|'
expect js_after_throw_fine "$(get "$BASE/hello")" '^200\|'
expect js_loop_504 "$(get "$BASE/loop")" '^504\|'
expect js_after_timeout_fine "$(get "$BASE/hello")" '^200\|text/plain\|hello from js$'
expect c_trap_500 "$(get "$BASE/trap")" '^500\|'
expect c_trap_logged "$(grep -c 'wasm trap: unreachable' "$WORK/server.log")" '^[1-9]'
expect c_after_trap_fine "$(get "$BASE/hello")" '^200\|'
expect c_no_outparam_500 "$(get "$BASE/noset")" '^500\|.*did not set a response'
expect c_error_code_500 "$(get "$BASE/error")" '^500\|.*internal-error: boom'
expect c_trailers "$($C --raw "$BASE/trailers" | tr -d '\r' | tr '\n' '~')" 'with trailers~.*~0~x-checksum: abc~'
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}"
expect run_sigterm_exit_0 "$?" '^0$'

# ---- wirt serve FILE.wasm (the C proxy: it boots at once; the JS one is served above) ----
"$WIRT" serve --addr 127.0.0.1:0 "$FIXTURES/c-proxy/c-proxy.wasm" 2>"$WORK/serve.log" &
PIDS+=($!)
SBASE=$(wait_for "$WORK/serve.log" 'serving .* on http://[0-9.]+:[0-9]+' "${PIDS[-1]}" | grep -oE 'http://.*') || exit 1
expect serve_logs_real_port "${SBASE##*:}" '^[1-9][0-9]*$'
expect serve_hello "$(get "$SBASE/")" '^200\|text/plain\|hello from c$'
expect serve_any_path "$(get "$SBASE/deep/path?x=1")" '^200\|text/plain\|hello from c$'
expect serve_post "$(get --data-binary 'x' "$SBASE/submit")" '^200\|'
expect serve_put "$(get -X PUT --data-binary 'x' "$SBASE/submit")" '^200\|'
expect serve_any_method "$(get -X PROPFIND "$SBASE/dav")" '^200\|text/plain\|hello from c$'
expect serve_trap_500 "$(get "$SBASE/trap")" '^500\|'
expect serve_after_trap_fine "$(get "$SBASE/")" '^200\|'
expect serve_trailers "$($C --raw "$SBASE/trailers" | tr -d '\r' | tr '\n' '~')" '~0~x-checksum: abc~'
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}"
expect serve_sigterm_exit_0 "$?" '^0$'
"$WIRT" serve --addr 127.0.0.1:0 "$FIXTURES/c-types/c-types.wasm" 2>"$WORK/bad.log"
expect serve_rejects_non_proxy "$?:$(tr '\n' ' ' < "$WORK/bad.log")" '^1:.*error \[Invalid\]: .*c-types.wasm: not a wasi:http/proxy component: method wasi:http/incoming-handler#handle is not an exported function'
"$WIRT" serve --addr nonsense "$FIXTURES/c-proxy/c-proxy.wasm" 2>"$WORK/bad.log"
expect serve_bad_addr "$?:$(tr '\n' ' ' < "$WORK/bad.log")" '^1:.*error.*--addr'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
