#!/usr/bin/env bash
# Component benchmarks (issue: component model, processes): Lua → component calls and
# concurrent sleeping calls, over the third-party fixtures in $WIRT_SHARED_DIR/fixtures/wippy
# (default: ../shared beside the checkout); skipped with a notice when they are absent.
# Usage: bench/components/run.sh path/to/wirt
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP=$ROOT/build/bench/components
. "$HERE/../lib/fixture_app.sh"
fixture_app Components "$APP" "$HERE/app.yaml.in" "$HERE/bench.lua" || exit 0

echo "## Components: Lua → component calls (2 worker threads, tier 2)"
echo
echo "| call | per call |"
echo "|---|---|"
"$WIRT" call --threads 2 -a "$APP" bench:calls 20000 2000 | python3 -c '
import json, sys
r = json.load(sys.stdin)
for k in ["core_add_ns", "compute_ns", "transform_100_users_ns"]:
    print(f"| {k[:-3]} | {r[k]/1000:.2f} µs |")
'
if command -v perf >/dev/null && perf stat -e instructions true >/dev/null 2>&1; then
  perf record -q -o "$APP/perf.data" -- "$WIRT" call --threads 2 -a "$APP" bench:transform_only 3000 >/dev/null 2>&1 || true
  share=$(perf report -i "$APP/perf.data" --no-children --sort sym --stdio 2>/dev/null |
    awk '/^ +[0-9.]+%/ { p=$1; sub("%","",p); total+=p; if ($0 ~ /component::(lower|lift|store|load|.*abi)|canonical|abi_|Lower|Lift/) abi+=p }
         END { if (total>0) printf "%.0f", abi }')
  echo
  echo "Share of transform-users (100 users) CPU samples in canonical-ABI lifting/lowering: ${share:-?}% (perf)"
fi
echo
echo "## Sleeping component calls: 1,000 concurrent sleep-ms(50) on 2 worker threads"
for n in 1 1000; do
  out=$( { /usr/bin/time -f "rss_kb=%M" "$WIRT" call --threads 2 -a "$APP" bench:sleepers $n 50; } 2>&1 )
  echo "$n calls: $(echo "$out" | head -1), peak $(echo "$out" | grep rss_kb)"
  eval "rss_$n=$(echo "$out" | grep -o 'rss_kb=[0-9]*' | cut -d= -f2)"
done
echo "memory per suspended call: $(( (rss_1000 - rss_1) / 1000 )) KB"
