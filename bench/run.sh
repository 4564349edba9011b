#!/usr/bin/env bash
# wirt benchmarks, measured side by side in one run. Usage: bench/run.sh [path/to/wirt]
# Reproduce: make bench   (or: bash bench/run.sh build/bin/wirt)
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
echo "# wirt benchmarks — $(date -u +%F) on $(nproc) cores"
echo
echo "## Fibers: 1,000 concurrent funcs.async calls, each time.sleep(\"10ms\"), 2 worker threads"
for run in 1 2 3; do
  /usr/bin/time -f "peak_rss_kb=%M" "$WIRT" call --threads 2 -a "$HERE/apps/fibers" bench:concurrent_sleep 1000 '"10ms"' 2>&1
done
echo
echo "## Same with 10,000 calls"
/usr/bin/time -f "peak_rss_kb=%M" "$WIRT" call --threads 2 -a "$HERE/apps/fibers" bench:concurrent_sleep 10000 '"10ms"' 2>&1
echo
echo "## Lua -> Lua funcs.call overhead vs a plain Lua call (100,000 calls)"
"$WIRT" call --threads 2 -a "$HERE/apps/fibers" bench:call_overhead 100000
echo
bash "$HERE/components/run.sh" "$WIRT"
bash "$HERE/calls/run.sh" "$WIRT"
if [ -x "$HERE/wasm/run.sh" ]; then bash "$HERE/wasm/run.sh" "$WIRT"; fi
echo
bash "$HERE/big/run.sh" "$WIRT"
echo
bash "$HERE/http/run.sh" "$WIRT"
echo
bash "$HERE/wasi/files.sh" "$WIRT"
bash "$HERE/cluster/run.sh" "$WIRT"
bash "$HERE/http/client.sh" "$WIRT"
