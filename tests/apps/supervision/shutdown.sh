#!/usr/bin/env bash
# process.service under `wirt run` as a user sees it on stderr (issue 12 item 3): a service that
# keeps failing is restarted with logged delays, then given up on with an error; on SIGTERM the
# services stop in reverse dependency order (the dependent first) and wirt exits 0.
# Usage: shutdown.sh WIRT
set -euo pipefail
wirt=$1
app=$(mktemp -d)
err=$(mktemp)
trap 'rm -rf "$app" "$err"' EXIT
mkdir -p "$app/src"
cat >"$app/src/_index.yaml" <<'YAML'
version: "1.0"
namespace: sd
entries:
  - {name: host, kind: process.host, lifecycle: {auto_start: true}}
  - {name: crash, kind: process.lua, source: file://svc.lua, method: crash}
  - {name: serve, kind: process.lua, source: file://svc.lua, method: serve}
  - name: doomed
    kind: process.service
    process: crash
    host: sd:host
    lifecycle: {auto_start: true, restart: {initial_delay: 50ms, jitter: 0, max_attempts: 2}}
  - {name: base, kind: process.service, process: serve, host: sd:host, lifecycle: {auto_start: true, stop_timeout: 1s}}
  - name: dependent
    kind: process.service
    process: serve
    host: sd:host
    lifecycle: {auto_start: true, depends_on: [base], stop_timeout: 1s}
YAML
cat >"$app/src/svc.lua" <<'LUA'
return {
  crash = function() error("no database") end,
  serve = function()
    while true do
      if process.events():receive().kind == process.event.CANCEL then return "stopped" end
    end
  end,
}
LUA
"$wirt" --log-level info run -a "$app" 2>"$err" &
pid=$!
sleep 2
kill -TERM $pid
rc=0
wait $pid || rc=$?
fail=0
expect() {
  if ! grep -qF -- "$1" "$err"; then echo "FAIL: missing: $1"; fail=1; fi
}
[ $rc -eq 0 ] || { echo "FAIL: exit code $rc"; fail=1; }
expect 'wirt: warn: process.service sd:doomed: failed: '
expect 'restart 1 in 50ms'
expect 'restart 2 in 100ms'
expect 'wirt: error: process.service sd:doomed: failed: '
expect 'gave up after 2 restarts (lifecycle.restart.max_attempts 2): the service stays down'
if grep -qF 'restart 3 in' "$err"; then echo "FAIL: restarted past max_attempts"; fail=1; fi
dep=$(grep -n 'process.service sd:dependent: stopping' "$err" | cut -d: -f1 || true)
base=$(grep -n 'process.service sd:base: stopping' "$err" | cut -d: -f1 || true)
if [ -z "$dep" ] || [ -z "$base" ] || [ "$dep" -ge "$base" ]; then
  echo "FAIL: dependent must stop before base (lines: dependent=$dep base=$base)"; fail=1
fi
if [ $fail -ne 0 ]; then echo "--- stderr:"; cat "$err"; exit 1; fi
echo "supervision shutdown: ok"
