#!/bin/bash
# `wirt exec` as a user runs it (src/cli/exec.cc): a preview1 command reads a file through a
# --dir preopen and exits with proc_exit's code; escapes are refused (notcapable = 76); a bad
# --dir is an error; a wasi:cli/run component gets its args, env and exit code, and the --dir
# folders as its wasi:filesystem preopens.
# usage: exec.sh WIRT
set -u
WIRT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
check() {  # NAME WANT GOT
  if [ "$2" == "$3" ]; then echo "ok   $1"; else echo "FAIL $1: want [$2], got [$3]"; fails=$((fails + 1)); fi
}

# cat(path at 100): opens it beneath the first preopen (fd 3), copies it to stdout, then exits
# with 0; an open error exits with the errno.
make_cat() {  # PATH
  local p=$1
  cat >"$TMP/cat.wat" <<WAT
(module
  (import "wasi_snapshot_preview1" "path_open" (func \$open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func \$read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func \$write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func \$exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "$p")
  (func (export "_start") (local \$e i32)
    (local.set \$e (call \$open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const ${#p}) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))
    (if (local.get \$e) (then (call \$exit (local.get \$e))))
    ;; iovec at 16: buf 1024, len 4096; nread at 32
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 4096))
    (drop (call \$read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 32)))
    (i32.store (i32.const 20) (i32.load (i32.const 32)))
    (drop (call \$write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
    (call \$exit (i32.const 0))))
WAT
}

mkdir -p "$TMP/data/sub"
echo -n "inside" >"$TMP/data/sub/file.txt"
echo -n "secret" >"$TMP/secret.txt"

make_cat "sub/file.txt"
out=$("$WIRT" exec --dir "$TMP/data::/data" "$TMP/cat.wat"); rc=$?
check "reads through a preopen" "inside/0" "$out/$rc"

make_cat "../secret.txt"
out=$("$WIRT" exec --dir "$TMP/data" "$TMP/cat.wat"); rc=$?
check "a .. escape is notcapable" "/76" "$out/$rc"

ln -s "$TMP/secret.txt" "$TMP/data/link"
make_cat "link"
out=$("$WIRT" exec --dir "$TMP/data" "$TMP/cat.wat"); rc=$?
check "an absolute symlink is notcapable" "/76" "$out/$rc"

make_cat "sub/file.txt"
out=$("$WIRT" exec "$TMP/cat.wat" 2>/dev/null); rc=$?
check "no preopen: fd 3 is badf" "/8" "$out/$rc"

err=$("$WIRT" exec --dir "$TMP/missing" "$TMP/cat.wat" 2>&1 >/dev/null); rc=$?
check "a missing --dir is an error" "1" "$rc"
case "$err" in *"missing"*) check "the error names it" ok ok ;; *) check "the error names it" "…missing…" "$err" ;; esac

err=$("$WIRT" exec "$TMP/none.wasm" 2>&1); rc=$?
check "a missing file exits 1" "1" "$rc"

# A wasi:cli/run component (tests/fixtures/components/c-cli): args, --env, stdin, exit code.
CLI="$HERE/../fixtures/components/c-cli/cli.wasm"
out=$(echo "line" | "$WIRT" exec --env GREETING=hi "$CLI" Ada 3 2>/dev/null); rc=$?
# wasi:cli/exit takes result<_, _>: any failing code is 1 (as wasmtime).
check "component: a failing exit is 1" "1" "$rc"
case "$out" in *"hello Ada"*"greeting: hi"*"stdin: line"*) check "component: args, env, stdin" ok ok ;;
  *) check "component: args, env, stdin" "hello Ada … greeting: hi … stdin: line" "$out" ;; esac

echo | "$WIRT" exec "$CLI" Ada 0 >/dev/null 2>&1; rc=$?
check "component: exit(0) is 0" "0" "$rc"

# --dir reaches a component too: its wasi:filesystem preopens (tests/fixtures/components/c-files).
FILES="$HERE/../fixtures/components/c-files/files.wasm"
out=$("$WIRT" exec --dir "$TMP/data::/data" "$FILES" check /data sub/file.txt inside 2>&1); rc=$?
check "component: reads through a --dir preopen" "0" "$rc"
"$WIRT" exec --dir "$TMP/data::/data" "$FILES" write /data sub/new.txt "from the component" >/dev/null 2>&1
check "component: writes through it" "from the component" "$(cat "$TMP/data/sub/new.txt" 2>/dev/null)"
out=$("$WIRT" exec --dir "$TMP/data::/data" "$FILES" expect /data read ../secret.txt EPERM 2>&1); rc=$?
check "component: a .. escape is refused (not-permitted -> EPERM)" "0" "$rc"
out=$("$WIRT" exec --dir "$TMP/data::/data" "$FILES" expect /data read link EPERM 2>&1); rc=$?
check "component: an absolute symlink is refused" "0" "$rc"
out=$("$WIRT" exec "$FILES" check /data sub/file.txt inside 2>&1); rc=$?
check "component: no --dir, no preopen" "1" "$rc"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
