#!/usr/bin/env bash
# Builds the bench/wasm inputs into OUT (default build/bench/wasm), each only when its sources
# changed:
#   bench.wasm        clang --target=wasm32 -O2 of src/bench.c (no libc, bulk-memory for memset)
#   bench_native.o    gcc -O2 of the same source
#   sqlite.wasm       SQLite amalgamation + src/sqlite_bench.c, clang --target=wasm32-wasi -O2 + wasi-libc
#                     (reactor: exports _initialize and run_sqlite)
#   sqlite_native.o   the same with gcc -O2
#   wirt_bench_wasm   harness.cc linked with the above and the wirt static libraries
# The SQLite amalgamation comes from the npm package better-sqlite3 (deps/sqlite3/), installed
# with `npm install --ignore-scripts` into build/bench/node_modules; it is never committed.
# Missing tools (no npm, no wasi-libc) skip the SQLite part with a message, nothing else.
# Usage: bench/wasm/build.sh [BUILD_DIR] (default: build)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(realpath "${1:-$ROOT/build}")
OUT="$BUILD/bench/wasm"
mkdir -p "$OUT"
CLANG=${CLANG:-clang}
GCC=${GCC:-gcc}
GXX=${GXX:-g++}

# newer OUTPUT INPUT... : true when OUTPUT is missing or older than an input
stale() { local o=$1; shift; [ ! -e "$o" ] && return 0; for i in "$@"; do [ "$i" -nt "$o" ] && return 0; done; return 1; }
say() { echo "bench/wasm/build: $*" >&2; }

# clang + wasm-ld build the .wasm files; wasi-libc and the wasm32 compiler-rt builtins serve the
# SQLite build. Installed on demand (Debian packages) when missing and running as root.
need=()
command -v "$CLANG" >/dev/null || need+=(clang)
command -v wasm-ld >/dev/null || need+=(lld)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc libclang-rt-14-dev-wasm32)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  say "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    say "apt-get install ${need[*]} failed"
fi
command -v "$CLANG" >/dev/null && command -v wasm-ld >/dev/null || { say "needs clang and wasm-ld (lld)"; exit 1; }

# ---- compute workloads ----
if stale "$OUT/bench.wasm" "$HERE/src/bench.c"; then
  $CLANG --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--strip-debug \
    -o "$OUT/bench.wasm" "$HERE/src/bench.c"
fi
if stale "$OUT/bench_native.o" "$HERE/src/bench.c"; then
  $GCC -O2 -c -o "$OUT/bench_native.o" "$HERE/src/bench.c"
fi

# ---- SQLite ----
SQLITE_OBJS=()
SQLITE_DEF=""
SQL_DIR="$BUILD/bench/node_modules/better-sqlite3/deps/sqlite3"
if [ ! -f "$SQL_DIR/sqlite3.c" ] && command -v npm >/dev/null; then
  say "fetching the SQLite amalgamation (npm better-sqlite3, --ignore-scripts) into $BUILD/bench"
  (cd "$BUILD/bench" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
     --prefix . better-sqlite3@12 >/dev/null) || say "npm install failed"
fi
SQL_DEFS=(-DSQLITE_OS_OTHER=1 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION
  -DSQLITE_TEMP_STORE=3 -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_DQS=0
  -DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_PROGRESS_CALLBACK)
if [ -f "$SQL_DIR/sqlite3.c" ] && [ -f /usr/lib/wasm32-wasi/libc.a ]; then
  WASI=(--target=wasm32-wasi --sysroot=/usr -O2 -I"$SQL_DIR" "${SQL_DEFS[@]}" -w)
  # The amalgamation (~40 s per compiler) is compiled once; the driver is relinked when it changes.
  if stale "$OUT/sqlite3_wasm.o" "$SQL_DIR/sqlite3.c"; then
    say "compiling the SQLite amalgamation for wasm32-wasi and natively (clang -O2 and gcc -O2 in parallel, ~40 s)"
    $CLANG "${WASI[@]}" -c -o "$OUT/sqlite3_wasm.o.tmp" "$SQL_DIR/sqlite3.c" &
    local_pid=$!
    $GCC -O2 -I"$SQL_DIR" "${SQL_DEFS[@]}" -w -c -o "$OUT/sqlite3_native.o" "$SQL_DIR/sqlite3.c"
    wait $local_pid
    mv "$OUT/sqlite3_wasm.o.tmp" "$OUT/sqlite3_wasm.o"
  fi
  if stale "$OUT/sqlite.wasm" "$OUT/sqlite3_wasm.o" "$HERE/src/sqlite_bench.c"; then
    $CLANG "${WASI[@]}" -mexec-model=reactor -Wl,--strip-debug -o "$OUT/sqlite.wasm" \
      "$OUT/sqlite3_wasm.o" "$HERE/src/sqlite_bench.c"
  fi
  if stale "$OUT/sqlite_native.o" "$OUT/sqlite3_native.o" "$HERE/src/sqlite_bench.c"; then
    $GCC -O2 -I"$SQL_DIR" "${SQL_DEFS[@]}" -w -c -o "$OUT/sqlite_bench_native.o" "$HERE/src/sqlite_bench.c"
    ld -r -o "$OUT/sqlite_native.o" "$OUT/sqlite3_native.o" "$OUT/sqlite_bench_native.o"
  fi
fi
if [ -f "$OUT/sqlite.wasm" ] && [ -f "$OUT/sqlite_native.o" ]; then
  SQLITE_OBJS=("$OUT/sqlite_native.o")
  SQLITE_DEF=-DWIRT_BENCH_SQLITE
else
  rm -f "$OUT/sqlite.wasm"
  say "SQLite part skipped (needs npm and wasi-libc)"
fi

# ---- harness, linked against the wirt build's static libraries ----
LIBS=("$BUILD/libwirt_wasi.a" "$BUILD/libwirt_sched.a" "$BUILD/libwirt_wasm.a" "$BUILD/libwirt_core.a")
for l in "${LIBS[@]}"; do [ -f "$l" ] || { say "missing $l (build wirt first)"; exit 1; }; done
HARNESS="$OUT/wirt_bench_wasm"
if stale "$HARNESS" "$HERE/harness.cc" "$OUT/bench_native.o" "${SQLITE_OBJS[@]}" "${LIBS[@]}" || \
   { [ -n "$SQLITE_DEF" ] && ! grep -q run_sqlite "$OUT/harness.flags" 2>/dev/null; }; then
  $GXX -std=c++20 -O2 -I"$ROOT/src" $SQLITE_DEF -o "$HARNESS" "$HERE/harness.cc" \
    "$OUT/bench_native.o" "${SQLITE_OBJS[@]}" "${LIBS[@]}" \
    /usr/lib/x86_64-linux-gnu/libwabt.a /usr/lib/x86_64-linux-gnu/libtcc.a \
    -lfmt -lboost_context -lcrypto -ldl -lpthread -lm
  echo "${SQLITE_DEF:+run_sqlite}" >"$OUT/harness.flags"
fi
echo "$HARNESS"
