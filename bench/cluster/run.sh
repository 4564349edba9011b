#!/usr/bin/env bash
# Cluster benchmark (issue 13, docs/cluster.md §11): remote funcs.call round trips between two
# wirt nodes on loopback, beside a local funcs.call and a bare NATS request/reply of the same
# payload (the floor, a small libnats program), printing the ratio to the bare round trip
# (goal ≤ 1.5×). Usage: bench/cluster/run.sh path/to/wirt [N] [BYTES]
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
N=${2:-5000}
BYTES=${3:-64}
PARALLEL=32
HERE=$(cd "$(dirname "$0")" && pwd)
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$NATS" ] || { echo "## Cluster: skipped (nats-server not installed; scripts/bootstrap installs it)"; exit 0; }
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
cc -O2 -o "$TMP/bare_rr" "$HERE/bare_rr.c" $(pkg-config --cflags --libs libnats) -lpthread
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done

"$TMP/bare_rr" serve "$URL" >"$TMP/bare.log" &
PIDS+=($!)
"$WIRT" run --threads 2 -a "$HERE/server" --cluster "$URL" --node bench-srv >"$TMP/srv.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "joined" "$TMP/srv.log" && grep -q serving "$TMP/bare.log" && break; sleep 0.05; done

bare=$("$TMP/bare_rr" request "$URL" "$N" "$BYTES" "$PARALLEL")
remote=$("$WIRT" call --threads 2 -a "$HERE/client" --cluster "$URL" --node bench-cli bench_client:measure \
  '"bench_srv:echo"' "$N" "$BYTES" "$PARALLEL" 2>/dev/null)
local_=$("$WIRT" call --threads 2 -a "$HERE/client" bench_client:measure '"bench_client:echo"' "$N" "$BYTES" "$PARALLEL")

echo "## Cluster: funcs.call round trips, $BYTES-byte string payload, $N calls (2 nodes on loopback, 2 worker threads each)"
echo
echo "Reproduce: bench/cluster/run.sh $1 $N $BYTES"
echo
python3 - "$bare" "$remote" "$local_" <<'PY'
import json, sys
bare, remote, local = (json.loads(a) for a in sys.argv[1:4])
print("| call | p50 | p99 | calls/s (1 in flight) | calls/s (32 in flight) | p50 ÷ bare NATS |")
print("|---|---|---|---|---|---|")
for name, r in [("bare NATS request/reply (libnats)", bare), ("wirt remote funcs.call", remote), ("wirt local funcs.call", local)]:
    print(f"| {name} | {r['p50_us']:.1f} µs | {r['p99_us']:.1f} µs | {r['seq_calls_per_s']:.0f} | {r['par_calls_per_s']:.0f} | {r['p50_us']/bare['p50_us']:.2f}× |")
print()
ratio = remote['p50_us'] / bare['p50_us']
print(f"Remote p50 round trip = {ratio:.2f}× the bare NATS round trip (goal ≤ 1.5×): {'met' if ratio <= 1.5 else 'NOT met'}")
PY
