#!/usr/bin/env bash
# File read throughput from a guest (issue 10 acceptance): one file of SIZE_MB (default 1024)
# read to its end by the c-files fixture (tests/fixtures/components/c-files/files.c `count`:
# wasi-libc read() with a 1 MiB buffer)
#   - as a component: the preview1 adapter's fd_read -> wasi:filesystem read-via-stream +
#     wasi:io input-stream.blocking-read (src/wasi/filesystem_streams.cc, 1 MiB per call at most)
#   - as a core module: preview1 fd_read (src/wasi/preview1_fs.cc, readv into guest memory)
# against `cat FILE > /dev/null` on the same file, all from the page cache (a first cat warms it).
# Each is the best of RUNS (default 3) wall times of a whole `wirt exec --tier2` (start-up and
# the tier-2 compile cached beforehand included, about 10 ms). Prints the ratios (wirt / cat:
# lower is better) and the commands.
# Usage: bench/wasi/files.sh [path/to/wirt] [SIZE_MB] [RUNS]
set -euo pipefail
WIRT=$(realpath "${1:-build/bin/wirt}")
SIZE_MB=${2:-1024}
RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$ROOT/tests/fixtures/components/c-files
DIR=$(mktemp -d "${TMPDIR:-/tmp}/wirt-bench-files.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
head -c "$((SIZE_MB << 20))" /dev/urandom > "$DIR/big"
cat "$DIR/big" > /dev/null

best() {  # OUT command... : the best wall time in seconds over RUNS runs, stdout to OUT
  local out=$1 b="" t0 t1 s; shift
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$@" > "$out"
    t1=$(date +%s%N)
    s=$(( t1 - t0 ))
    if [ -z "$b" ] || [ "$s" -lt "$b" ]; then b=$s; fi
  done
  python3 -c "print(f'{$b/1e9:.3f}')"
}
expect_count() {
  local got; got=$(cat "$DIR/out")
  [ "$got" = "$((SIZE_MB << 20))" ] || { echo "wrong byte count: $got" >&2; exit 1; }
}

COMPONENT=("$WIRT" exec --tier2 --dir "$DIR::/data" "$FIX/files.wasm" count /data/big)
CORE=("$WIRT" exec --tier2 --dir "$DIR::/data" "$FIX/files.core.wasm" count /data/big)
"${COMPONENT[@]}" > /dev/null  # compile tier 2 into the cache first: measure the steady state
"${CORE[@]}" > /dev/null

cat_s=$(best /dev/null cat "$DIR/big")
comp_s=$(best "$DIR/out" "${COMPONENT[@]}"); expect_count
core_s=$(best "$DIR/out" "${CORE[@]}"); expect_count

echo "## Guest file reads: $SIZE_MB MiB from the page cache (best of $RUNS)"
echo
echo "| reader | seconds | MiB/s | vs cat |"
echo "|---|---|---|---|"
row() { python3 -c "s=$2; c=$cat_s; print(f'| $1 | {s:.3f} | {$SIZE_MB/s:,.0f} | {s/c:.2f}x |')"; }
row "cat FILE > /dev/null" "$cat_s"
row "component: read-via-stream (jco preview1 adapter)" "$comp_s"
row "core module: preview1 fd_read" "$core_s"
echo
echo "Commands: cat $DIR/big > /dev/null; ${COMPONENT[*]}; ${CORE[*]}"
echo "Reproduce: bench/wasi/files.sh $WIRT $SIZE_MB $RUNS"
