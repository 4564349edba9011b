#!/usr/bin/env bash
# The demo: boots examples/hello and calls its functions the way a user would.
set -euo pipefail
WIRT=${1:-build/bin/wirt}
APP=$(dirname "$0")/hello
run() { echo "\$ wirt $*"; "$WIRT" "$@"; echo; }
run check -a "$APP"
run call -a "$APP" demo:greet World
run call -a "$APP" demo:summarize '[2, 4, 6, 8]'
run call -a "$APP" demo:fib 50
run call -a "$APP" demo:title_case "hello from webassembly"
run call -a "$APP" demo:main Lua
echo "\$ wirt call -a $APP demo:greet '\"\"'   # errors come back with their kind"
"$WIRT" call -a "$APP" demo:greet '""' 2>&1 || echo "(exit $?)"
echo
run test -a "$APP"

# Components: the project's own C and JavaScript components (records, variants, options).
echo "\$ wirt call -a $(dirname "$0")/components comp:main   # the 13 MB JS component: tier 1 compiles it on a cold cache (~20 s), later runs load the cached code"
"$WIRT" call -a "$(dirname "$0")/components" comp:main
echo

# wasi:sockets: the C component as a loopback TCP echo server and, as a sandboxed caller that
# may only reach 127.0.0.1, as its client.
run call -a "$(dirname "$0")/sockets" net:main
# Outgoing HTTP from Lua (http_client) against a loopback server this script starts.
if command -v python3 >/dev/null; then
  SITE=$(mktemp -d)
  echo '{"items": [{"name": "readme", "file": "readme.txt"}, {"name": "logo", "file": "logo.bin"}]}' > "$SITE/inventory.json"
  echo "hello from the loopback server" > "$SITE/readme.txt"
  head -c 100000 /dev/zero > "$SITE/logo.bin"
  python3 -u -m http.server --bind 127.0.0.1 --directory "$SITE" 0 > "$SITE/server.log" 2>&1 &
  SITE_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(grep -oE 'port [0-9]+' "$SITE/server.log" | grep -oE '[0-9]+' || true)
    [ -n "$PORT" ] && break
    sleep 0.05
  done
  run call -a "$(dirname "$0")/http-client" client:summary "http://127.0.0.1:$PORT"
  run call -a "$(dirname "$0")/http-client" client:guarded "http://127.0.0.1:$PORT"
  kill "$SITE_PID" 2>/dev/null || true
  rm -rf "$SITE"
fi

# A Rust component (cargo-component) from the third-party fixtures beside the checkout, with
# its host interface implemented in Lua. Skipped when the fixtures are absent.
FIX=$(realpath -m "${WIRT_SHARED_DIR:-$(dirname "$0")/../../shared}/fixtures/wippy")
if [ -f "$FIX/minimal.wasm" ]; then
  RUST=$(dirname "$0")/../build/demo-rust
  mkdir -p "$RUST"
  cat > "$RUST/_index.yaml" <<YAML
namespace: rust
entries:
  - {name: fixtures, kind: fs.directory, directory: "$FIX", mode: "0555"}
  - name: compute_using_host
    kind: function.wasm
    fs: rust:fixtures
    path: /minimal.wasm
    hash: sha256:292b796376f8b4cc360acf2ea6b82d1084871c3607a079f30b446da8e5c984a4
    method: compute-using-host
    host: {"test:minimal/host@0.1.0#add": rust:add}
  - {name: add, kind: function.lua, method: add, source: "return {add = function(a, b) print('Lua host add', a, b) return a + b end}"}
YAML
  run call -a "$RUST" rust:compute_using_host 7 8
else
  echo "(Rust component demo skipped: fixtures not found at $FIX; set WIRT_SHARED_DIR)"
  echo
fi

# A C program compiled to a WASI command component, run as a command on the terminal host:
# it reads its arguments, an env variable, sleeps 20 ms (suspending its fiber) and echoes stdin.
CLI=$(dirname "$0")/cli
run run list -a "$CLI"
echo "\$ echo 'a line from stdin' | wirt run -a $CLI greet Demo"
echo "a line from stdin" | "$WIRT" run -a "$CLI" greet Demo 2>&1
echo

# Files: Lua drives a C program compiled to a WASI component on a mount (examples/files/notes):
# writes, reads, lists, renames; a path leaving the mount and a write to a read-only mount are
# refused.
run call -a "$(dirname "$0")/files" files:main

# HTTP: `wirt run` serves examples/http (port 0: the real address is read from the log), curl
# talks to it, SIGTERM drains and stops it.
HTTP_APP=$(dirname "$0")/http
HTTP_LOG=$(mktemp)
echo "\$ wirt run -a $HTTP_APP &"
"$WIRT" run -a "$HTTP_APP" 2>"$HTTP_LOG" &
HTTP_PID=$!
BASE=""
# Boot compiles every module first: the 14 MB JavaScript component takes tens of seconds on tier 1.
for _ in $(seq 1 4800); do
  BASE=$(grep -oE 'listening on http://[0-9.]+:[0-9]+' "$HTTP_LOG" | grep -oE 'http://.*' || true)
  [ -n "$BASE" ] && break
  kill -0 "$HTTP_PID" 2>/dev/null || break  # boot failed: the log says why
  sleep 0.05
done
cat "$HTTP_LOG"
if [ -z "$BASE" ]; then kill "$HTTP_PID" 2>/dev/null; echo "(HTTP demo: the server did not start)"; exit 1; fi
demo_curl() { echo "\$ curl $*"; curl -s --max-time 10 "$@"; echo; }
demo_curl "$BASE/api/hello?name=Ada"
demo_curl -H 'Content-Type: application/json' -d '{"numbers": [1, 2, 3.5]}' "$BASE/api/sum"
demo_curl "$BASE/api/items/7"
demo_curl -i "$BASE/api/items/x"
demo_curl --data-binary 'Wippy' "$BASE/greet"
demo_curl -N "$BASE/api/ticks"
demo_curl "$BASE/hello"
demo_curl -H 'Content-Type: text/plain' --data-binary 'streamed through a JS component' "$BASE/echo"
demo_curl -s -o /dev/null -w '%{http_code} %{content_type} %{size_download} bytes\n' "$BASE/"
echo "\$ kill -TERM $HTTP_PID   # drains in-flight requests, then exits 0"
kill -TERM "$HTTP_PID"
wait "$HTTP_PID" && echo "(exit 0)"
rm -f "$HTTP_LOG"
