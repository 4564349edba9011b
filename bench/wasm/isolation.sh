#!/usr/bin/env bash
# Starvation benchmark for the wasm worker class (README "Isolated WASM workers"): on ONE main
# worker thread, a Lua function sleeps 10 ms N times and records how late each wake-up is, while
# 4 CPU-bound WASM calls (an infinite loop stopped by limits.max_execution_ms: SPIN_MS), started
# every 10 wake-ups, run
#   - shared:   on the main workers (no pool.worker_class), and
#   - isolated: with pool.worker_class: wasm on a one-thread wasm class (.wippy.yaml
#               scheduler.wasm_isolation: {workers: 1}).
# Prints p50 / p99 / max lateness (ms) of both side by side and their ratio. Then the same for
# HTTP: `wirt run --threads 1` serves GET /ping (a Lua handler) while four requests to /spin run
# the spinning WASM call; a client times N pings, 10 ms apart, during the spins (response time).
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

  # The HTTP half: a service on a free port, /ping answers at once, /spin runs b:spin.
  cat > "$1/http.yaml" <<YAML
version: "1.0"
namespace: web
entries:
  - {name: server, kind: http.service, addr: "127.0.0.1:0", lifecycle: {auto_start: true}}
  - {name: root, kind: http.router, meta: {server: web:server}}
  - {name: ping, kind: function.lua, modules: [http], method: f, source: "return {f = function() return 'ok' end}"}
  - {name: spin, kind: function.lua, modules: [funcs], method: f, source: "return {f = function() funcs.call('b:spin') return 'spun' end}"}
  - {name: ping_ep, kind: http.endpoint, meta: {router: web:root}, method: GET, path: /ping, func: web:ping}
  - {name: spin_ep, kind: http.endpoint, meta: {router: web:root}, method: GET, path: /spin, func: web:spin}
YAML
}

# http_lateness APP: p50 p99 max response time (ms) of N pings while 4 /spin requests run.
http_lateness() {
  local log="$TMP/run.log" pid url
  "$WIRT" run --threads 1 -a "$1" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    url=$(sed -n 's/.*http.service web:server listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "wirt run did not start:" >&2; cat "$log" >&2; kill "$pid"; return 1; }
  python3 - "$url" "$N" <<'PY'
import http.client, sys, threading, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); n = int(sys.argv[2])
def get(path):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", path); r = c.getresponse(); r.read(); c.close()
get("/ping")  # warm: the handler's Lua state exists
spins = [threading.Thread(target=get, args=("/spin",)) for _ in range(4)]
for t in spins: t.start()
time.sleep(0.05)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
times = []
for _ in range(n):
    t0 = time.perf_counter(); c.request("GET", "/ping"); r = c.getresponse(); r.read()
    times.append((time.perf_counter() - t0) * 1000); time.sleep(0.01)
for t in spins: t.join()
times.sort()
print("%.2f %.2f %.2f" % (times[(n + 1) // 2 - 1], times[max(0, -(-n * 99 // 100) - 1)], times[-1]))
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true
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

read -r hs50 hs99 hsmax < <(http_lateness "$TMP/shared")
read -r hi50 hi99 himax < <(http_lateness "$TMP/isolated")
echo "# HTTP GET /ping response time (N=$N, 10 ms apart) on 1 main thread while 4 requests run the ${SPIN_MS} ms WASM spin"
printf '%-10s %10s %10s %10s\n' "" "p50 ms" "p99 ms" "max ms"
printf '%-10s %10s %10s %10s\n' shared "$hs50" "$hs99" "$hsmax"
printf '%-10s %10s %10s %10s\n' isolated "$hi50" "$hi99" "$himax"
# Shared, a ping queued behind the spin requests waits for all of them, and the pings after it
# run once the spins are over: the max, not p99, is the starvation a client sees.
awk -v s="$hsmax" -v i="$himax" 'BEGIN { d = (i < 0.01 ? 0.01 : i); printf "HTTP max shared/isolated: %.0fx\n", s / d }'
