#!/usr/bin/env bash
# Cluster fault test (issue 13 acceptance, docs/cluster.md §11): node "srv" serves f:work and
# runs processes on f:host; a driver node calls f:work in a loop (500 ms deadline) and keeps two
# of srv's processes monitored, while this script kills srv (-9) and restarts it 20 times.
# Every call must return its result or a clean Unavailable/Timeout/NotFound within its deadline
# (+ slack for a loaded machine), and every monitored process must deliver exactly one EXIT
# (Unavailable when its node died). Heartbeats are 250 ms here (fault/*/.wippy.yaml).
# Usage: fault.sh path/to/wirt. Exit 77 (skipped) without nats-server.
set -uo pipefail
WIRT=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
CYCLES=${CYCLES:-20}
SLACK_MS=${SLACK_MS:-400}
NATS=$(command -v nats-server || true)
[ -z "$NATS" ] && [ -x /usr/sbin/nats-server ] && NATS=/usr/sbin/nats-server
if [ -z "$NATS" ]; then echo "SKIP: nats-server is not installed (scripts/bootstrap installs it)"; exit 77; fi
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
"$NATS" -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do (: >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done
start() {  # start NAME APP: a `wirt run` node, waiting until it has joined
  "$WIRT" run -a "$HERE/fault/$2" --cluster "$URL" --node "$1" >>"$TMP/$1.log" 2>&1 &
  SRV=$!
  PIDS+=("$SRV")
  for _ in $(seq 400); do
    [ "$(grep -c "cluster node $1 joined" "$TMP/$1.log")" -ge "$3" ] && return 0
    sleep 0.025
  done
  echo "FAIL: node $1 did not join"; tail "$TMP/$1.log"; exit 1
}
start srv server 1
timeout 120 "$WIRT" call --cluster "$URL" -a "$HERE/fault/driver" driver:loop 100 "$SLACK_MS" >"$TMP/driver.out" 2>"$TMP/driver.err" &
DRIVER=$!
sleep 1
for i in $(seq "$CYCLES"); do
  sleep 0.5
  kill -9 "$SRV"; wait "$SRV" 2>/dev/null
  sleep 0.$((RANDOM % 4))
  start srv server $((i + 1))
done
sleep 1
start stopper stopper 1
if ! wait "$DRIVER"; then echo "FAIL: the driver failed:"; cat "$TMP/driver.out" "$TMP/driver.err"; exit 1; fi
tail -1 "$TMP/driver.out" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("driver: %(calls)d calls in %(seconds).1f s: %(ok)d results, %(clean)d clean errors, %(late)d late (max %(max_ms).0f ms); %(spawned)d remote processes monitored, %(exits)d EXITs (%(exits_unavailable)d Unavailable), %(duplicate_exits)d duplicates" % r)
problems = []
if r["bad"]: problems.append("unclean results: %s" % r["bad"][:5])
if r["late"]: problems.append("%d calls passed their deadline + slack" % r["late"])
if r["missing"]: problems.append("watchers missed the EXIT of %s" % r["missing"])
if r["duplicate_exits"]: problems.append("%d duplicate EXITs" % r["duplicate_exits"])
if r["exits"] != r["spawned"]: problems.append("%d spawned, %d EXITs" % (r["spawned"], r["exits"]))
if r["ok"] == 0 or r["exits_unavailable"] == 0: problems.append("the loop never saw both results and node losses")
for p in problems: print("FAIL: " + p)
sys.exit(1 if problems else 0)
' || exit 1
echo "ok: $CYCLES kills and restarts of srv: every call answered or failed cleanly within its deadline, no EXIT missed"
