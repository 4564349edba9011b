#!/usr/bin/env bash
# Outgoing HTTP requests/s from guests: Lua http_client and the C wasi:http client component
# (tests/fixtures/components/c-http-client; both libcurl on the asio loop) side by side with
# node's fetch, the same loop (N GETs from C concurrent sequential loops) against the
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
APP=$(mktemp -d)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT" "$APP"; }
trap cleanup EXIT

node "$HERE/target_server.mjs" > "$OUT" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$OUT" ] && break; sleep 0.05; done
AUTH="127.0.0.1:$(head -1 "$OUT")"
URL="http://$AUTH/"

# The app, with the component entry pointing at the committed fixture.
cp -r "$HERE/client_app" "$APP/app"
FIX=$(cd "$HERE/../../tests/fixtures/components" && pwd)
SHA=$(sha256sum "$FIX/c-http-client/c-http-client.wasm" | cut -c1-64)
cat > "$APP/app/src/component.yaml" <<YAML
version: "1.0"
namespace: bench
entries:
  - {name: fixtures, kind: fs.directory, directory: "$FIX", mode: "0555"}
  - {name: c_fetch, kind: function.wasm, fs: bench:fixtures, path: /c-http-client/c-http-client.wasm,
     hash: "sha256:$SHA", method: fetch, imports: [wasi:http], pool: {type: lazy, max_size: 1000}}
YAML

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "## Outgoing HTTP: $N GETs from $C concurrent loops to a loopback node server, $(nproc) cores"
echo "command: bench/http/client.sh (N=$N C=$C THREADS=$THREADS)"
echo
printf '| client | requests | seconds | req/s | ratio to node |\n|---|---|---|---|---|\n'
node_json=$(node "$HERE/node_client.mjs" "$URL" "$N" "$C")
node_rps=$(field rps <<<"$node_json")
lua_json=$("$WIRT" call --threads "$THREADS" -a "$APP/app" bench:run "$URL" "$N" "$C")
lua_rps=$(field rps <<<"$lua_json")
c_json=$("$WIRT" call --threads "$THREADS" -a "$APP/app" bench:run_component "$AUTH" "$N" "$C")
c_rps=$(field rps <<<"$c_json")
row() { printf '| %s | %s | %.2f | %.0f | %.2f |\n' "$1" "$(field requests <<<"$2")" "$(field seconds <<<"$2")" "$3" \
        "$(awk -v a="$3" -v b="$node_rps" 'BEGIN { print a / b }')"; }
row "node fetch (1 thread)" "$node_json" "$node_rps"
row "wirt Lua http_client (--threads $THREADS)" "$lua_json" "$lua_rps"
row "wirt C component, wasi:http (--threads $THREADS)" "$c_json" "$c_rps"
