#!/usr/bin/env bash
# Big modules ready (issue 11 item 4): SQLite (bench/wasm/build.sh builds it) and the 13 MB
# JavaScript component (jco componentize; tests/fixtures/components/js-types), cold and from
# the caches, tier 1 and tier 2, plus the peak memory of the whole process tree during the JS
# component's tier-2 build (its compilers included). Prints ROW lines (bench/README.md).
#
# Reproduce: bash bench/big/run.sh build/bin/wirt   (part of `make bench`)
# WIRT_BENCH_BIG_TIER2=0 skips the tier-2 builds (the JS component's takes minutes).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WIRT=$(realpath "${1:-$ROOT/build/bin/wirt}")
BIN=$(dirname "$WIRT")
BENCH=$BIN/wirt_big_bench
[ -x "$BENCH" ] || { echo "bench/big: $BENCH not built (cmake --build build --target wirt_big_bench)" >&2; exit 1; }
T2=tier2; [ "${WIRT_BENCH_BIG_TIER2:-1}" = 0 ] && T2=""
echo "## Big modules: ready to call (wirt_big_bench, one run each)"
echo
SQLITE=$(dirname "$BIN")/bench/wasm/sqlite.wasm
if [ -f "$SQLITE" ]; then
  echo "Command: $BENCH sqlite $SQLITE $T2"
  "$BENCH" sqlite "$SQLITE" $T2
else
  echo "SQLite skipped: $SQLITE not built (bash bench/wasm/build.sh)"
fi
JS=$ROOT/tests/fixtures/components/js-types/js-types.wasm
echo "Command: $BENCH js $JS $T2"
if [ -n "$T2" ]; then
  PEAK=$(mktemp)
  python3 "$HERE/peak_tree_rss.py" "$BENCH" js "$JS" $T2 2>"$PEAK"
  echo "ROW js_tier2_peak_tree_rss_mb $(( $(sed -n 's/^peak_tree_rss_kb=\([0-9]*\).*/\1/p' "$PEAK") / 1024 )) MB -"
  rm -f "$PEAK"
else
  "$BENCH" js "$JS"
fi
# First call of the JS component through wirt (boot + call), from the caches the runs above
# left in a private folder.
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
APP=$ROOT/examples/components
ms() { local t0 t1; t0=$(date +%s%N); WIRT_CACHE_DIR=$CACHE "$WIRT" call -a "$APP" comp:item_bump_js '{"name":"a","tag-count":1,"tags":[]}' >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
echo "Command: WIRT_CACHE_DIR=<empty> $WIRT call -a $APP comp:item_bump_js '{...}' (twice: cold, then cached)"
echo "ROW js_first_call_cold_ms $(ms) ms -"
echo "ROW js_first_call_cached_ms $(ms) ms -"
