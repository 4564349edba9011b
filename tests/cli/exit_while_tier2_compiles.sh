#!/usr/bin/env bash
# Regression: a process that exits while its background tier-2 compile runs.
#  1. `wirt call` exited while the compile ran: the builder thread then hashed and dlopen-ed the
#     new object while exit() ran libcrypto's cleanup (SIGSEGV at 0x18 in CRYPTO_THREAD_read_lock,
#     seen in CI after Boot.CallerDeadlineStopsGuestCodeWithoutItsOwnLimit). Swept over guest run
#     times so that exit lands before, during and after the compile.
#  2. A compiler still running at exit is killed, and its temporary files are removed at once
#     (they used to stay until the next process built something).
# Usage: tests/cli/exit_while_tier2_compiles.sh path/to/wirt
set -u
WIRT=${1:?usage: exit_while_tier2_compiles.sh path/to/wirt}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
mkdir -p "$WORK/app"
cat > "$WORK/app/_index.yaml" <<'YAML'
namespace: t
entries:
  - name: spin
    kind: function.wat
    method: spin
    source: |
      (module (func (export "spin") (param i32) (local i32)
        (loop (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))))
YAML

# 1. Exit around the end of a real compile.
crashes=0
for i in $(seq 0 39); do
  cache="$WORK/cache-$i"
  WIRT_CACHE_DIR="$cache" "$WIRT" call -a "$WORK/app" t:spin $((i * 1500000)) > "$WORK/out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    crashes=$((crashes + 1))
    echo "FAIL: run $i exited $rc: $(tail -2 "$WORK/out")"
  fi
done
[ "$crashes" -eq 0 ] || fail=1
echo "exit around a finishing compile: $crashes of 40 runs failed"

# 2. A compiler that would run for 60 s: killed at exit, nothing left behind.
cat > "$WORK/slow-cc" <<EOF2
#!/bin/sh
case "\$1" in --version) exec cc --version ;; esac
echo \$\$ > "$WORK/slow-cc.pid"
sleep 60
exec cc "\$@"
EOF2
chmod +x "$WORK/slow-cc"
cache="$WORK/cache-slow"
start=$(date +%s%N)
WIRT_CC="$WORK/slow-cc" WIRT_CACHE_DIR="$cache" timeout 30 "$WIRT" call -a "$WORK/app" t:spin 1 > "$WORK/out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 0 ] || { echo "FAIL: wirt call with a slow compiler exited $rc: $(tail -2 "$WORK/out")"; fail=1; }
[ "$ms" -lt 10000 ] || { echo "FAIL: exit waited ${ms} ms for the compiler"; fail=1; }
# Alive = exists and is not a zombie (in a container, pid 1 may never reap the killed compiler).
alive() { [ -f "$1" ] && [ -r "/proc/$(cat "$1")/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$(cat "$1")/stat"; }
for _ in 1 2 3 4 5 6 7 8 9 10; do  # give the kernel a moment to deliver the kill
  alive "$WORK/slow-cc.pid" || break
  sleep 0.1
done
if alive "$WORK/slow-cc.pid"; then
  echo "FAIL: the compiler outlived wirt"; fail=1
fi
left=$(find "$cache" -name '.tmp-*' 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: $left temporary files left in the cache: $(ls -A "$cache")"; fail=1; }
echo "exit during a slow compile: rc $rc after ${ms} ms, $left temporary files left"
[ "$fail" -eq 0 ] && echo "PASS"
exit $fail
