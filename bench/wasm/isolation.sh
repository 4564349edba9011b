#!/usr/bin/env bash
# Starvation benchmark for the wasm worker class (README "Isolated WASM workers"): on ONE main
# worker thread, a Lua function sleeps 10 ms N times and records how late each wake-up is, while
# 4 CPU-bound WASM calls (an infinite loop stopped by limits.max_execution_ms: SPIN_MS), started
# every 10 wake-ups, run
#   - shared:   on the main workers (no pool.worker_class), and
#   - isolated: with pool.worker_class: wasm on a one-thread wasm class (.wippy.yaml
#               scheduler.wasm_isolation: {workers: 1}).
# Prints p50 / p99 / max lateness (ms) of both side by side and their ratio.
#
#   bench/wasm/isolation.sh [WIRT] [N] [SPIN_MS]     (defaults: build/bin/wirt 100 400)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WIRT=${1:-$ROOT/build/bin/wirt}
N=${2:-100}
SPIN_MS=${3:-400}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

make_app() {  # dir pool-line
  mkdir -p "$1"
  printf 'scheduler:\n  wasm_isolation: {workers: 1}\n' > "$1/.wippy.yaml"
  cat > "$1/_index.yaml" <<YAML
version: "1.0"
namespace: b
entries:
  - name: spin
    kind: function.wat
    method: spin
    source: '(module (func (export "spin") (loop (br 0))))'
    limits: {max_execution_ms: $SPIN_MS}
$2
  - name: measure
    kind: function.lua
    modules: [time, funcs]
    method: f
    source: |
      return {f = function(n)
        -- A spinning call arrives every 10 wake-ups from the 5th on (4 in all), as requests would.
        local spins = {}
        local lates = {}
        for i = 1, n do
          if i % 10 == 5 and #spins < 4 then spins[#spins + 1] = funcs.async("b:spin") end
          local t0 = time.now()
          time.sleep("10ms")
          lates[i] = time.now():sub(t0) / time.MILLISECOND - 10
        end
        for i = 1, #spins do spins[i]:response():receive() end
        table.sort(lates)
        return string.format("%.2f %.2f %.2f", lates[math.ceil(n * 0.5)], lates[math.ceil(n * 0.99)], lates[n])
      end}
YAML
}

make_app "$TMP/shared" ""
make_app "$TMP/isolated" "    pool: {worker_class: wasm}"
read -r s50 s99 smax < <("$WIRT" call --threads 1 -a "$TMP/shared" b:measure "$N" | tr -d '"')
read -r i50 i99 imax < <("$WIRT" call --threads 1 -a "$TMP/isolated" b:measure "$N" | tr -d '"')

echo "# Lua timer lateness (10 ms sleeps x $N) on 1 main thread while 4 WASM calls spin ${SPIN_MS} ms each (p99 of N=100: the 2nd-worst wake-up)"
echo "# reproduce: bench/wasm/isolation.sh $WIRT $N $SPIN_MS   (machine: $(nproc) cores)"
printf '%-10s %10s %10s %10s\n' "" "p50 ms" "p99 ms" "max ms"
printf '%-10s %10s %10s %10s\n' shared "$s50" "$s99" "$smax"
printf '%-10s %10s %10s %10s\n' isolated "$i50" "$i99" "$imax"
awk -v s="$s99" -v i="$i99" 'BEGIN { d = (i < 0.01 ? 0.01 : i); printf "p99 shared/isolated: %.0fx\n", s / d }'
