#!/usr/bin/env bash
# Outgoing HTTP requests/s from guests: Lua http_client (wirt, libcurl on the asio loop) side by
# side with node's fetch, the same loop (N GETs from C concurrent sequential loops) against the
# same loopback node server, in the same run. Ratios are wirt / node.
# Usage: bench/http/client.sh [path/to/wirt]   (N=20000 C=32 THREADS=2 by default)
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
N=${N:-20000}
C=${C:-32}
THREADS=${THREADS:-2}
command -v node >/dev/null || { echo "(outgoing HTTP benchmark skipped: node missing)"; exit 0; }
PIDS=()
OUT=$(mktemp)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$OUT"; }
trap cleanup EXIT

node "$HERE/target_server.mjs" > "$OUT" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$OUT" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(head -1 "$OUT")/"

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "## Outgoing HTTP: $N GETs from $C concurrent loops to a loopback node server, $(nproc) cores"
echo "command: bench/http/client.sh (N=$N C=$C THREADS=$THREADS)"
echo
printf '| client | requests | seconds | req/s | ratio to node |\n|---|---|---|---|---|\n'
node_json=$(node "$HERE/node_client.mjs" "$URL" "$N" "$C")
node_rps=$(field rps <<<"$node_json")
lua_json=$("$WIRT" call --threads "$THREADS" -a "$HERE/client_app" bench:run "$URL" "$N" "$C")
lua_rps=$(field rps <<<"$lua_json")
row() { printf '| %s | %s | %.2f | %.0f | %.2f |\n' "$1" "$(field requests <<<"$2")" "$(field seconds <<<"$2")" "$3" \
        "$(awk -v a="$3" -v b="$node_rps" 'BEGIN { print a / b }')"; }
row "node fetch (1 thread)" "$node_json" "$node_rps"
row "wirt Lua http_client (--threads $THREADS)" "$lua_json" "$lua_rps"
