#!/usr/bin/env bash
# HTTP requests/s and latency: wirt (a Lua hello endpoint, a core-WASM hello through
# transport: wasi-http, wasi:http/proxy components under `wirt serve`) side by side with node's
# http.createServer, in the same run.
# wrk on loopback, 2 threads, 32 and 256 connections, DURATION (default 10s) each.
# Usage: bench/http/run.sh [path/to/wirt]   (make bench runs it)
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
DURATION=${DURATION:-10s}
WIRT_THREADS=${WIRT_THREADS:-1 2}
command -v wrk >/dev/null || { echo "(HTTP benchmark skipped: wrk missing; scripts/bootstrap installs it)"; exit 0; }
LOG=$(mktemp)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$LOG"; }
trap cleanup EXIT

# wrk → "req/s p50 p99"
measure() {
  local out
  out=$(wrk -t2 -c"$2" -d"$DURATION" --latency "$1")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%s %s %s' "$rps" "$p50" "$p99"
}

echo "## HTTP hello world: wrk -t2 -d$DURATION --latency, loopback, $(nproc) cores"
echo
printf '| server | connections | req/s | p50 | p99 |\n|---|---|---|---|---|\n'
row() { read -r rps p50 p99 <<<"$(measure "$2" "$3")"; printf '| %s | %s | %s | %s | %s |\n' "$1" "$3" "$rps" "$p50" "$p99"; }

for threads in $WIRT_THREADS; do
  : > "$LOG"
  "$WIRT" run --threads "$threads" -a "$HERE/app" 2>"$LOG" &
  PIDS+=($!)
  base=""
  for _ in $(seq 1 200); do
    base=$(grep -oE 'listening on http://[0-9.]+:[0-9]+' "$LOG" | grep -oE 'http://.*' || true)
    [ -n "$base" ] && break
    sleep 0.05
  done
  [ -n "$base" ] || { cat "$LOG"; exit 1; }
  curl -s "$base/wasm" >/dev/null; curl -s "$base/lua" >/dev/null   # warm up (tier 2 compile starts)
  sleep 2
  for c in 32 256; do
    row "wirt Lua ($threads worker thread(s))" "$base/lua" "$c"
    row "wirt WASM wasi-http ($threads worker thread(s))" "$base/wasm" "$c"
  done
  kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" || true
done

# wasi:http/proxy components under `wirt serve`: the JS fixture's GET /hello (componentize-js,
# StarlingMonkey: a fresh instance state per request) and the C fixture's hello.
FIX=$(cd "$HERE/../../tests/fixtures/components" && pwd)
serve_rows() {  # label file path threads
  : > "$LOG"
  "$WIRT" serve --threads "$4" --addr 127.0.0.1:0 "$2" 2>"$LOG" &
  PIDS+=($!)
  local sbase=""
  for _ in $(seq 1 2400); do   # the JS component compiles for tens of seconds on tier 1
    sbase=$(grep -oE 'on http://[0-9.]+:[0-9]+' "$LOG" | grep -oE 'http://.*' || true)
    [ -n "$sbase" ] && break
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$sbase" ] || { cat "$LOG"; exit 1; }
  curl -s "$sbase$3" >/dev/null
  for c in 32 256; do row "wirt serve $1 ($4 worker thread(s))" "$sbase$3" "$c"; done
  kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" || true
}
for threads in $WIRT_THREADS; do
  serve_rows "JS proxy component" "$FIX/js-proxy/js-proxy.wasm" /hello "$threads"
  serve_rows "C proxy component" "$FIX/c-proxy/c-proxy.wasm" / "$threads"
done

node -e "require('http').createServer((q, s) => { s.writeHead(200, {'Content-Type': 'text/plain'}); s.end('Hello, World!'); })
  .listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port); })" > "$LOG" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$LOG" ] && break; sleep 0.05; done
nbase=$(head -1 "$LOG")
for c in 32 256; do row "node $(node --version) http.createServer (1 thread)" "$nbase" "$c"; done
