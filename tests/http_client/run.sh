#!/usr/bin/env bash
# Outgoing HTTP acceptance checks (Lua http_client; wasi:http outgoing when built): loopback
# servers (tests/http_client/server.py, plain and TLS with a CA made here by openssl), the app
# tests/http_client/app run by `wirt test`, then 1,000 concurrent requests on --threads 2 with
# wall time and peak RSS. Usage: tests/http_client/run.sh path/to/wirt
set -u
WIRT=$(realpath "${1:?usage: run.sh path/to/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
command -v openssl >/dev/null || { echo "openssl missing: skipped"; exit 77; }
WORK=$(mktemp -d /tmp/wirt-http-client-test.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# A CA and a server certificate for localhost signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wirt test CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 2 -extfile "$WORK/san.ext" -out "$WORK/server.pem" >/dev/null 2>&1

start() {  # start NAME ARGS...: a server.py; its port in $WORK/NAME.port
  python3 "$HERE/server.py" "$WORK/$1.port" "${@:2}" 2>"$WORK/$1.log" &
  PIDS+=($!)
  for _ in $(seq 1 200); do [ -s "$WORK/$1.port" ] && return 0; sleep 0.05; done
  echo "server $1 did not start"; cat "$WORK/$1.log"; exit 1
}
start plain
start tls --tls "$WORK/server.pem" "$WORK/server.key"
# A port nothing listens on: bound and closed at once.
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$(cat "$WORK/plain.port")"
TLS="https://localhost:$(cat "$WORK/tls.port")"
BIG_SHA=$(python3 -c 'import hashlib; print(hashlib.sha256(b"0123456789"*800000).hexdigest())')

cp -r "$HERE/app" "$WORK/app"
cat > "$WORK/app/src/target.lua" <<LUA
local ca = [==[
$(cat "$WORK/ca.pem")
]==]
return { get = function()
  return { base = "$BASE", tls = "$TLS", tls_by_name = "$TLS", closed = "http://127.0.0.1:$CLOSED",
           ca = ca, ca_file = "$WORK/ca.pem", big_sha256 = "$BIG_SHA" }
end }
LUA

FIX=$(cd "$HERE/../fixtures/components" && pwd)
CLIENT_SHA=$(sha256sum "$FIX/c-http-client/c-http-client.wasm" | cut -c1-64)
cat > "$WORK/app/src/fixtures.yaml" <<YAML
version: "1.0"
namespace: hc
entries:
  - {name: fixtures, kind: fs.directory, directory: "$FIX", mode: "0555"}
  - name: c_fetch
    kind: function.wasm
    fs: hc:fixtures
    path: /c-http-client/c-http-client.wasm
    hash: "sha256:$CLIENT_SHA"
    method: fetch
    imports: [wasi:http]
    pool: {type: lazy, max_size: 1000}
YAML
JS_WASM="$FIX/js-http-client/js-http-client.wasm"
# Only the JS suite's run boots the JS component (each boot compiles its 14 MB on tier 1).
js_entry() {
  cat > "$WORK/app/src/js.yaml" <<YAML
version: "1.0"
namespace: hc
entries:
  - name: js_fetch
    kind: function.wasm
    fs: hc:fixtures
    path: /js-http-client/js-http-client.wasm
    hash: "sha256:$(sha256sum "$JS_WASM" | cut -c1-64)"
    method: fetch-text
    imports: [wasi:http, wasi:io, wasi:poll, wasi:clocks, wasi:random, wasi:cli]
    pool: {type: inline}
YAML
}

out=$("$WIRT" test -a "$WORK/app" --suite main 2>&1)
echo "$out" | grep -E '^(PASS|FAIL)' | sed 's/^/  /'
for t in hc:test_requests hc:test_errors hc:test_tls hc:test_permissions hc:test_component; do
  if echo "$out" | grep -q "^PASS $t"; then pass "$t"; else fail "$t" "$(echo "$out" | grep -A3 "$t" | head -5)"; fi
done

# The JS fetch() component: 14 MB compiled on tier 1 in this process (slow on a busy machine).
if [ -f "$JS_WASM" ]; then
  js_entry
  js=$("$WIRT" test -a "$WORK/app" --suite js 2>&1)
  rm -f "$WORK/app/src/js.yaml"
  if echo "$js" | grep -q '^PASS hc:test_js_component'; then pass hc:test_js_component; else fail hc:test_js_component "$(echo "$js" | tail -5)"; fi
else
  echo "SKIP hc:test_js_component (no js-http-client.wasm; scripts/build-components builds it)"
fi

# 1,000 concurrent outgoing requests from 1,000 Lua calls on 2 threads: wall time, peak RSS.
/usr/bin/time -f '%e %M' -o "$WORK/time" "$WIRT" --log-level info test -a "$WORK/app" --suite load --threads 2 > "$WORK/load.out" 2>&1
read -r wall rss < <(tail -1 "$WORK/time")
grep -oE 'concurrent( component)?: [0-9]+/[0-9]+ requests completed in [0-9]+ ms' "$WORK/load.out" | sed 's/^/  /'
echo "  wall ${wall}s for both, peak RSS $((rss / 1024)) MiB (wirt test --suite load --threads 2)"
if grep -q '^PASS hc:test_concurrent ' "$WORK/load.out" && grep -q '^PASS hc:test_concurrent_component' "$WORK/load.out" &&
   [ "$rss" -lt $((1024 * 1024)) ] &&
   awk -v w="$wall" 'BEGIN { exit !(w < 240) }'; then
  pass concurrent_1000_on_2_threads
else
  fail concurrent_1000_on_2_threads "$(tail -5 "$WORK/load.out") wall=$wall rss=${rss}KiB"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
