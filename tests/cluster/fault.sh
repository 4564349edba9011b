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
# shellcheck source=tests/cluster/lib.sh
source "$HERE/lib.sh"
PORT=$(free_port)
URL=nats://127.0.0.1:$PORT
"$NATS" -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=("$!")
wait_port "$PORT"
start() {  # start NAME APP: a `wirt run` node, waiting until it has joined
  "$WIRT" run -a "$HERE/fault/$2" --cluster "$URL" --node "$1" >>"$TMP/$1.log" 2>&1 &
  SRV=$!
  PIDS+=("$SRV")
  wait_log "$TMP/$1.log" "cluster node $1 joined" "$3" && return 0
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
