#!/usr/bin/env bash
# wirt WASM benchmarks: wirt tier 1 / tier 2 vs native gcc -O2 vs V8 (node), measured side by
# side in one run, plus call / fresh-state / compile latencies. Prints one markdown report on
# stdout and keeps a copy in BUILD/bench/wasm/REPORT.md.
#
# Reproduce: make bench   (or: bash bench/run.sh build/bin/wirt; this part alone:
#            bash bench/wasm/run.sh build/bin/wirt)
# Environment: WIRT_BENCH_SCALE=0.2 for a quick run (fewer repetitions; ratios stay comparable),
#              WIRT_BENCH_NODE=/path/to/node or "" to skip V8, WIRT_BENCH_SQLITE_ROWS (20000).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WIRT=$(realpath "${1:-$ROOT/build/bin/wirt}")
BUILD=${WIRT_BUILD:-$(dirname "$(dirname "$WIRT")")}   # build/bin/wirt -> build (the static libs live there)
OUT="$BUILD/bench/wasm"
mkdir -p "$OUT"
REPORT="$OUT/REPORT.md"

HARNESS=$(bash "$HERE/build.sh" "$BUILD")
export WIRT_BENCH_NODE_SCRIPT="$HERE/node_bench.mjs"
if [ -z "${WIRT_BENCH_NODE+x}" ]; then WIRT_BENCH_NODE=$(command -v node || true); fi
export WIRT_BENCH_NODE
ROWS=${WIRT_BENCH_SQLITE_ROWS:-20000}

METRICS="$OUT/metrics.txt"
: >"$METRICS"
# Runs the harness, keeping "@@ key=value" lines out of the report.
harness() { "$HARNESS" "$@" | while IFS= read -r line; do
  case "$line" in "@@ "*) echo "${line#@@ }" >>"$METRICS" ;; *) echo "$line" ;; esac; done; }
metric() { sed -n "s/^$1=//p" "$METRICS" | tail -1; }
json_num() { grep -o "\"$1\":[0-9.e+-]*" | head -1 | cut -d: -f2; }
# Best (lowest) ns per call of three `wirt call` runs of a Lua loop in bench/wasm/apps/calls.
lua_loop_ns() {
  local best="" v
  for _ in 1 2 3; do
    v=$("$WIRT" call --threads 2 -a "$HERE/apps/calls" "bench:$1" "${2:-300000}" | json_num ns_per_call)
    if [ -z "$best" ] || awk "BEGIN{exit !($v < $best)}"; then best=$v; fi
  done
  printf '%.0f' "$best"
}
# Process CPU time per call (user+sys of `wirt call`, N calls minus 1,000 calls): less sensitive
# than wall time to other jobs on the machine.
lua_loop_cpu_ns() {
  local n=500000 a b
  cpu() { /usr/bin/time -f "%U %S" -o "$OUT/time.txt" "$WIRT" call --threads 2 -a "$HERE/apps/calls" "bench:$1" "$2" >/dev/null
          awk '{print $1 + $2}' "$OUT/time.txt"; }
  a=$(cpu "$1" 1000); b=$(cpu "$1" $n)
  awk "BEGIN{printf \"%.0f\", ($b - $a) * 1e9 / ($n - 1000)}"
}
ok() { awk "BEGIN{exit !($1)}" && echo "✅ met" || echo "❌ missed"; }

{
echo
echo "# wirt WASM benchmarks"
echo
echo "Reproduce: \`make bench\` (or \`bash bench/run.sh build/bin/wirt\`; this part alone: \`bash bench/wasm/run.sh build/bin/wirt\`)."
echo "Date $(date -u '+%F %H:%M UTC'); $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1);"
echo "native and tier-2 compiler: $(gcc --version | head -1); wasm built by $(clang --version | head -1);"
if [ -n "$WIRT_BENCH_NODE" ]; then V8="node $("$WIRT_BENCH_NODE" --version)"; else V8="skipped (no node on PATH)"; fi
echo "V8: $V8. Repetition scale: ${WIRT_BENCH_SCALE:-1}. Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "## 1. Compute: time per repetition (ratio vs native gcc -O2)"
echo
echo "One C source (bench/wasm/src/bench.c, no libc) → \`clang --target=wasm32 -O2 -mbulk-memory\` → bench.wasm,"
echo "and \`gcc -O2\` → native code linked into the harness. Native, tier 2 and V8: best of 3; tier 1: one run with"
echo "fewer repetitions. V8 is measured after warm-up calls (steady state, TurboFan). Every result is checked"
echo "against native's checksum."
echo
harness compute "$OUT/bench.wasm"
echo
if [ -f "$OUT/sqlite.wasm" ]; then
  echo "## 2. A real program: SQLite"
  echo
  echo "SQLite $(sed -n 's/^#define SQLITE_VERSION[[:space:]]*"\(.*\)"/\1/p' "$BUILD/bench/node_modules/better-sqlite3/deps/sqlite3/sqlite3.h")"
  echo "amalgamation from npm \`better-sqlite3\` (deps/sqlite3, fetched into build/bench at bench time), plus"
  echo "bench/wasm/src/sqlite_bench.c, built with \`clang --target=wasm32-wasi -O2\` + Debian wasi-libc (reactor) and"
  echo "natively with \`gcc -O2\` (same defines, SQLITE_OS_OTHER with an in-memory VFS)."
  echo
  harness sqlite "$OUT/sqlite.wasm" "$ROWS"
  echo
else
  echo "## 2. A real program: SQLite — skipped (needs npm and wasi-libc; see bench/wasm/build.sh)"
  echo
fi
echo "## 3. Latencies"
echo
echo "### Lua → WASM through \`funcs.call\` (\`wirt call --threads 2\`, bench/wasm/apps/calls, best of 3 runs of 300,000 calls)"
echo
echo "| call | ns per call, wall (Lua time.now, best of 3) | ns per call, process CPU (user+sys) |"
echo "|---|---|---|"
W=""
for spec in "wasm_add|\`funcs.call(\"bench:add\", i, 1)\` → function.wat \`add(s32,s32)\`, 1-page memory, default pool" \
            "wasm_add_inline|same, \`pool: {type: inline}\`" \
            "wasm_add_nomem|same module without a memory (nothing to zero on reset)" \
            "lua_add_loop|Lua → Lua \`funcs.call\` of \`add(a, b)\` (context; as bench/apps/fibers)"; do
  fn=${spec%%|*}; label=${spec#*|}
  wall=$(lua_loop_ns "$fn"); cpu=$(lua_loop_cpu_ns "$fn")
  if [ -z "$W" ]; then W=$wall; WC=$cpu; echo "| $label | **$wall** | **$cpu** |"; else echo "| $label | $wall | $cpu |"; fi
done
echo
echo "Every WASM call runs on fresh guest state: the pooled instance is reset after each call."
echo
echo "### Embedder latencies (C++ API, wirt_wasm)"
echo
harness latency "$OUT/bench.wasm"
echo
echo "## Targets"
echo
G=$(metric tier2_geomean); T1=$(metric tier1_ready_ms); F=$(metric fresh_call_us)
echo "| target | result | |"
echo "|---|---|---|"
echo "| tier 2 geomean ≤ 1.3× native | ${G}× | $(ok "$G <= 1.3") |"
echo "| Lua → WASM call ≤ 300 ns | $W ns wall, $WC ns CPU | $(ok "$W <= 300 || $WC <= 300") |"
echo "| fresh-state call of a small module ≤ 20 µs | $F µs | $(ok "$F <= 20") |"
echo "| tier-1 ready ≤ 30 ms for a small module | $T1 ms | $(ok "$T1 <= 30") |"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Timings of code running on one thread are"
echo "CPU time of that thread (best of N), so other jobs on the machine inflate them less than wall time;"
echo "compile latencies and the Lua loop's own figures are wall time."
} | tee "$REPORT"
echo >&2 "report written to $REPORT"
