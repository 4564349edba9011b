#!/usr/bin/env bash
# Hot reload re-advertises what a node serves (issue 13, docs/cluster.md §3): node rl1 runs
# `wirt run --watch` on a scratch copy of node_b; a caller node without b:* entries calls
# through the cluster while entries are added, changed, made local (meta.cluster: local) and
# removed, and one created by a Lua registry changeset. Each applied change is followed by "cluster node rl1 now serves N functions", and
# routing follows: added ids answer, local and removed ones are NotFound, untouched ones keep
# answering. Usage: reload.sh path/to/wirt. Exit 77 (skipped) without nats-server.
set -uo pipefail
WIRT=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cluster/lib.sh
source "$HERE/lib.sh"

PORT=$(free_port)
URL=nats://127.0.0.1:$PORT
"$NATS" -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=("$!")
wait_port "$PORT" || { echo "FAIL: nats-server did not start"; cat "$TMP/nats.log"; exit 1; }
mkdir -p "$TMP/node/src" "$TMP/caller/src"
cp "$HERE"/node_b/src/* "$TMP/node/src/"
# b:mk creates b:made through a Lua registry changeset (no file changes): the node must
# advertise it as it does for a saved file.
cat >"$TMP/node/src/mk.yaml" <<'YAML'
version: "1.0"
namespace: b
entries:
  - name: mk
    kind: function.lua
    modules: [registry]
    method: f
    source: |
      return {f = function()
        local v, err = registry.snapshot():changes():create({id = "b:made", kind = "function.lua",
          data = {source = "return {f = function() return 'made by Lua' end}", method = "f"}}):apply()
        if not v then return nil, err end
        return v:id()
      end}
YAML
cp "$HERE"/node_c/src/* "$TMP/caller/src/"
"$WIRT" run --watch -a "$TMP/node" --cluster "$URL" --node rl1 >"$TMP/rl1.log" 2>&1 &
PIDS+=("$!")
wait_log "$TMP/rl1.log" "cluster node rl1 joined" && wait_log "$TMP/rl1.log" "watching" \
  || { echo "FAIL: node rl1 did not start"; cat "$TMP/rl1.log"; exit 1; }
call() { timeout 20 "$WIRT" call --cluster "$URL" -a "$TMP/caller" "$@" 2>&1 | tail -1; }
RELOADS=0
# hot FILE-CONTENT: writes src/hot.yaml (or removes it when empty) and waits for the reload.
hot() {
  if [ -z "$1" ]; then rm -f "$TMP/node/src/hot.yaml"; else printf '%s\n' "$1" >"$TMP/node/src/hot.yaml.tmp" && mv "$TMP/node/src/hot.yaml.tmp" "$TMP/node/src/hot.yaml"; fi
  RELOADS=$((RELOADS + 1))
  wait_log "$TMP/rl1.log" "cluster node rl1 now serves" "$RELOADS" || { fail "reload $RELOADS was not applied"; tail -5 "$TMP/rl1.log"; }
}
entry() {  # entry RESULT [META]: the hot.yaml text of b:hot returning RESULT
  printf 'version: "1.0"\nnamespace: b\nentries:\n  - {name: hot, kind: function.lua, %ssource: "return {f=function() return %s end}", method: f}' "${2:-}" "$1"
}

out=$(call b:hot)
echo "$out" | grep -q "NotFound" && pass "before: b:hot is served by no node" || fail "before: $out"
hot "$(entry "'v1'")"
out=$(call b:hot)
[ "$out" = '"v1"' ] && pass "an added entry is advertised: b:hot → v1 across the cluster" || fail "added: $out"
hot "$(entry "'v2'")"
out=$(call b:hot)
[ "$out" = '"v2"' ] && pass "a changed entry stays advertised and answers with the new version" || fail "changed: $out"
hot "$(entry "'v3'" "meta: {cluster: local}, ")"
out=$(call b:hot)
echo "$out" | grep -q "NotFound" && pass "made local (meta.cluster: local): withdrawn, NotFound" || fail "made local: $out"
hot "$(entry "'v4'")"
out=$(call b:hot)
[ "$out" = '"v4"' ] && pass "public again: advertised again" || fail "public again: $out"
hot ""
out=$(call b:hot)
echo "$out" | grep -q "NotFound" && pass "a removed entry is withdrawn: NotFound" || fail "removed: $out"
out=$(call b:mk)
RELOADS=$((RELOADS + 1))
wait_log "$TMP/rl1.log" "cluster node rl1 now serves" "$RELOADS" || fail "the Lua change was not re-advertised ($out)"
out=$(call b:made)
[ "$out" = '"made by Lua"' ] && pass "an entry a Lua registry changeset created is advertised: b:made across the cluster" \
  || fail "Lua changeset: $out"
out=$(call b:add 2 3)
[ "$out" = "5" ] && pass "an untouched entry kept answering through every reload" || fail "untouched: $out"
[ "$(grep -c "reload .* applied" "$TMP/rl1.log")" -ge $((RELOADS - 1)) ] \
  && [ "$(grep -c "now serves" "$TMP/rl1.log")" -eq "$RELOADS" ] \
  && pass "$((RELOADS - 1)) file reloads and 1 Lua change applied, each followed by one re-advertisement" || fail "log: $(grep -E 'reload|serves' "$TMP/rl1.log")"
finish
