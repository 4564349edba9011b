#!/usr/bin/env bash
# Cluster acceptance (docs/cluster.md §11, issue 13): a real nats-server on 127.0.0.1 with a free
# port and three `wirt run` nodes (B and C serve svc:*, B also b:*, A serves the client app),
# then clients that call across them, a node killed mid-call and restarted, and the NATS server
# stopped and started again. Usage: run.sh path/to/wirt. Exit 77 (skipped) without nats-server.
set -uo pipefail
WIRT=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cluster/lib.sh
source "$HERE/lib.sh"

PORT=$(free_port)
URL=nats://127.0.0.1:$PORT
start_nats() {
  "$NATS" -a 127.0.0.1 -p "$PORT" -js -sd "$TMP/js" >"$TMP/nats.log" 2>&1 &
  NATS_PID=$!
  PIDS+=("$NATS_PID")
  wait_port "$PORT" && return 0
  echo "nats-server did not start:"; cat "$TMP/nats.log"; exit 1
}
# start_node NAME APPDIR [ARGS...]: a `wirt run` node; waits until it has joined and subscribed.
start_node() {
  local name=$1 app=$2; shift 2
  # shellcheck disable=SC2086
  "$WIRT" ${LOG_OPT:-} run -a "$HERE/$app" --cluster "$URL" --node "$name" "$@" >"$TMP/$name.log" 2>&1 &
  eval "PID_$name=$!"
  PIDS+=("$!")
  wait_log "$TMP/$name.log" "cluster node $name joined" && return 0
  echo "node $name did not join:"; cat "$TMP/$name.log"; exit 1
}

start_nats
start_node b1 node_b --threads 1
LOG_OPT="--log-level info" start_node c1 node_c
start_node a1 client
pass "nats-server on $URL and nodes b1, c1, a1 joined"

# Calls across nodes, load balancing, context travel, permission on the callee, not-served ids.
if out=$(timeout 60 "$WIRT" test --cluster "$URL" -a "$HERE/client" --suite basic 2>&1); then
  pass "client suite: $(echo "$out" | tail -1)"
else
  fail "client suite:"; echo "$out"
fi

# `wirt call --cluster … -a APP ID` of an entry only another node serves.
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" b:add 2 3 2>"$TMP/call.err")
[ "$out" = "5" ] && pass "wirt call -a node_c b:add 2 3 → 5 (served by b1)" || fail "wirt call b:add: $out $(cat "$TMP/call.err")"
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" nobody:here 2>&1)
echo "$out" | grep -q "error \[NotFound\]: function nobody:here is not served by any node" \
  && pass "wirt call of an id nobody serves: NotFound" || fail "wirt call nobody:here: $out"
# Without --cluster the same call is a local NotFound (nothing joins).
out=$(timeout 20 "$WIRT" call -a "$HERE/node_c" b:add 2 3 2>&1)
echo "$out" | grep -q "NotFound" && pass "without --cluster nothing is remote" || fail "local-only call: $out"

# Hostile requests straight on the wire (tests/cluster/poke.py speaks NATS): each gets an
# Invalid error reply naming the problem, and node b1 keeps serving. b1's .wippy.yaml sets
# max_message: 64KB (the cluster: section is read; the flags override only servers and node).
poke() { python3 "$HERE/poke.py" "$PORT" "$1" "$2" 2>&1 | tr -d '\000' ; }
for check in "garbage|malformed MessagePack" "big|over the 65536-byte limit" \
             "mismatch|call request names b:private on subject wirt.call.b:ping" "deep|nesting deeper than 200"; do
  kind=${check%%|*} want=${check#*|}
  out=$(poke wirt.call.b:ping "$kind")
  if echo "$out" | grep -q "Invalid" && echo "$out" | grep -qF "$want"; then pass "hostile request ($kind): Invalid, \"$want\""
  else fail "hostile request ($kind): $(echo "$out" | head -c 400)"; fi
done
# The same for a remote spawn request (C.spawn.HOST) and a process message (C.node.N.proc).
out=$(poke wirt.spawn.b:host garbage)
echo "$out" | grep -q "Invalid" && echo "$out" | grep -qF "malformed MessagePack" \
  && pass "hostile spawn request: Invalid, \"malformed MessagePack\"" || fail "hostile spawn: $(echo "$out" | head -c 400)"
poke wirt.node.b1.proc garbage >/dev/null
sleep 0.2
grep -q "refused a process message from node poker" "$TMP/b1.log" && pass "hostile process message: refused and logged" || fail "b1 log lacks the refused process message"
# An EXIT notice is accepted only from the node its process runs on.
poke wirt.node.a1.ctl fake_exit >/dev/null
sleep 0.2
grep -q "refused an EXIT from node poker for {b1@b:host|1}" "$TMP/a1.log" && pass "a forged EXIT (sender is not the process's node): refused" || fail "a1 log lacks the refused EXIT"
grep -q "refused a request from node poker" "$TMP/b1.log" && pass "b1 logged the refusals naming the sender" || fail "b1 log lacks the refusal"
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" b:ping 2>"$TMP/call.err")
[ "$out" = '"pong"' ] && pass "b1 serves after the hostile requests" || fail "after hostile requests: $out"

# Kill -9 node B while a call holds it: the caller gets Unavailable (node lost, ~3 s) or
# Timeout by its 8 s deadline; nothing hangs.
timeout 30 "$WIRT" call --cluster "$URL" -a "$HERE/client" client:slow_call '"5s"' '"8s"' >"$TMP/slow.out" 2>&1 &
SLOW=$!
# And three processes on b1 monitored from another node: each watcher gets EXIT (Unavailable).
timeout 30 "$WIRT" call --cluster "$URL" -a "$HERE/client" client:watch_remote 3 >"$TMP/watch.out" 2>&1 &
WATCH=$!
# And links (trapped), a spawn_linked child and a process.monitor of existing PIDs on b1: each
# tie ends with LINK_DOWN / EXIT carrying Unavailable.
timeout 30 "$WIRT" call --cluster "$URL" -a "$HERE/client" client:ties_remote >"$TMP/ties.out" 2>&1 &
TIES=$!
sleep 1.5
KILLED_AT=$(date +%s%N)
kill -9 "$PID_b1"; wait "$PID_b1" 2>/dev/null
wait "$SLOW"
wait "$WATCH"
wait "$TIES"
if tail -1 "$TMP/ties.out" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
ev = r["events"]
assert len(ev) == 4, r
assert all(e["error"] == "Unavailable" for e in ev), r
downs = sorted(e["from"] for e in ev if e["kind"] == "pid.link.down")
assert downs == sorted(r["linked"] + [r["child"]]), r
assert [e["from"] for e in ev if e["kind"] == "pid.exit"] == [r["watched"]], r
'; then
  pass "b1 killed: 3 links got LINK_DOWN and a process.monitor got EXIT, all Unavailable"
else
  fail "remote links on kill: $(cat "$TMP/ties.out")"
fi
# The name a process on b1 held is released by the survivors: a fresh node (which judges no
# holder stale in its first 3 heartbeats) finds it free in the bucket.
NAME=$(tail -1 "$TMP/ties.out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("name",""))' 2>/dev/null)
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/client" client:lookup_name "\"$NAME\"" 2>&1 | tail -1)
echo "$out" | grep -q '"kind":"NotFound"' && [ -n "$NAME" ] && pass "b1 killed: the name $NAME its process held is free" \
  || fail "name of a lost node: $NAME → $out"
out=$(tail -1 "$TMP/watch.out")
if echo "$out" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["spawned"] == 3 and len(r["exits"]) == 3, r
assert all(e["kind"] == "Unavailable" for e in r["exits"]), r
assert len({e["from"] for e in r["exits"]}) == 3, r
'; then
  lag=$(( ($(date +%s%N) - KILLED_AT) / 1000000 ))
  pass "b1 killed: all 3 remote watchers got EXIT Unavailable (watcher done ${lag} ms after the kill; loss window 3 s)"
else
  fail "remote watchers on kill: $(cat "$TMP/watch.out")"
fi
out=$(cat "$TMP/slow.out")
if echo "$out" | grep -q '"kind":"Unavailable"\|"kind":"Timeout"'; then
  ms=$(echo "$out" | python3 -c 'import json,sys; print(int(json.loads(sys.stdin.read().splitlines()[-1])["ms"]))')
  if [ "$ms" -le 8500 ]; then pass "node b1 killed mid-call: $(echo "$out" | tail -1 | cut -c1-160)"; else fail "the call took $ms ms"; fi
else
  fail "kill mid-call: $out"
fi
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" b:add 2 3 2>&1)
echo "$out" | grep -q "NotFound" && pass "b1 gone: b:add is NotFound" || fail "after the kill: $out"

# Restart it: routing recovers.
start_node b1 node_b --threads 1
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" b:add 2 3 2>"$TMP/call.err")
[ "$out" = "5" ] && pass "b1 restarted: b:add → 5 again" || fail "after the restart: $out $(cat "$TMP/call.err")"
grep -q "node b1 restarted\|node b1 lost" "$TMP/c1.log" && pass "c1 noticed b1's loss" || fail "c1 log: $(cat "$TMP/c1.log")"

# Stop the NATS server while a client loops over local and remote calls, then start it again.
timeout 60 "$WIRT" test --cluster "$URL" -a "$HERE/client" --suite reconnect >"$TMP/reconnect.out" 2>&1 &
LOOP=$!
sleep 1.5
kill "$NATS_PID"
wait "$NATS_PID" 2>/dev/null
sleep 1.5
start_nats
if wait "$LOOP"; then
  pass "NATS restarted: $(grep -E '^(PASS|FAIL)' "$TMP/reconnect.out")"
else
  fail "reconnect:"; cat "$TMP/reconnect.out"
fi
# The long-running nodes reconnected and serve again.
out=$(timeout 20 "$WIRT" call --cluster "$URL" -a "$HERE/node_c" b:add 20 22 2>"$TMP/call.err")
[ "$out" = "42" ] && pass "after the NATS restart b1 serves again" || fail "after the NATS restart: $out $(cat "$TMP/call.err")"

# A clean stop announces the leave: peers drop b1 at once. c1 must be back on the restarted
# server first: a node still reconnecting (libnats retries every 2 s) misses the announcement,
# which failed this check about 1 run in 10 when c1's reconnect came late.
wait_log "$TMP/c1.log" "node c1 connected to NATS" "$(grep -c "node c1 lost its NATS connection" "$TMP/c1.log")"
kill -TERM "$PID_b1"
wait "$PID_b1" 2>/dev/null
sleep 0.3
grep -q "node b1 left the cluster" "$TMP/c1.log" && pass "b1 left cleanly" || fail "clean leave: $(tail -5 "$TMP/c1.log")"

# Security of the wire (docs/cluster.md §8): a NATS server that requires a user/password (and
# one that requires a token). A node with the right credentials in .wippy.yaml joins and
# calls; one with wrong (or no) credentials fails at once with a clear error.
APORT=$(free_port)
TPORT=$(free_port)
"$NATS" -a 127.0.0.1 -p "$APORT" --user wirt --pass s3cret >"$TMP/nats-auth.log" 2>&1 &
PIDS+=("$!")
"$NATS" -a 127.0.0.1 -p "$TPORT" --auth t0ken-42 >"$TMP/nats-token.log" 2>&1 &
PIDS+=("$!")
mkapp() { mkdir -p "$TMP/$1/src"; cp "$HERE"/node_b/src/* "$TMP/$1/src/"; printf 'cluster:\n%b' "$2" >"$TMP/$1/.wippy.yaml"; }
mkapp auth_good '  user: wirt\n  password: s3cret\n'
mkapp auth_bad '  user: wirt\n  password: guessed\n'
mkapp auth_none ''
mkapp token_good '  token: t0ken-42\n'
mkapp token_bad '  token: nope\n'
wait_port "$APORT"; wait_port "$TPORT"
AURL=nats://127.0.0.1:$APORT TURL=nats://127.0.0.1:$TPORT
"$WIRT" run -a "$TMP/auth_good" --cluster "$AURL" --node secure1 >"$TMP/secure1.log" 2>&1 &
PIDS+=("$!")
wait_log "$TMP/secure1.log" "cluster node secure1 joined"
out=$(timeout 20 "$WIRT" call --cluster "$AURL" -a "$TMP/auth_good" svc:whoami 2>&1 | tail -1)
[ "$out" = '"b"' ] && pass "user/password: a node with the right password joins and calls" || fail "auth good: $out $(tail -3 "$TMP/secure1.log")"
for app in auth_bad auth_none; do
  out=$(timeout 20 "$WIRT" call --cluster "$AURL" -a "$TMP/$app" b:add 1 2 2>&1)
  if echo "$out" | grep -q "error \[Unavailable\]: cluster: the NATS server at $AURL refused node .*Authorization Violation"; then
    pass "user/password: $app is refused with a clear error"
  else fail "$app: $out"; fi
done
out=$(timeout 20 "$WIRT" call --cluster "$TURL" -a "$TMP/token_good" b:add 1 2 2>&1 | tail -1)
[ "$out" = "3" ] && pass "token: the right token joins (local call on a joined node)" || fail "token good: $out"
out=$(timeout 20 "$WIRT" call --cluster "$TURL" -a "$TMP/token_bad" b:add 1 2 2>&1)
echo "$out" | grep -q "refused node .*(cluster.token)" && pass "token: a wrong token is refused naming cluster.token" || fail "token bad: $out"

finish
