#!/usr/bin/env bash
# CLI acceptance checks: exit codes, stdout and stderr of `wirt` as a user sees them.
# Usage: tests/cli/run.sh path/to/wirt
set -u
WIRT=$(realpath "${1:?usage: run.sh path/to/wirt}")
HERE=$(cd "$(dirname "$0")" && pwd)
APPS=$HERE/apps
BASICS=$HERE/../apps/basics
passed=0
failed=0

# check NAME EXPECTED_RC STDOUT_PATTERN STDERR_PATTERN -- command...
check() {
  local name=$1 want_rc=$2 out_pat=$3 err_pat=$4
  shift 5
  local out err rc
  out=$("$@" 2>/tmp/wirt-cli-err.$$)
  rc=$?
  err=$(cat /tmp/wirt-cli-err.$$)
  rm -f /tmp/wirt-cli-err.$$
  local why=""
  [ "$rc" = "$want_rc" ] || why="exit $rc, want $want_rc"
  [ -z "$out_pat" ] || printf '%s' "$out" | grep -qE -- "$out_pat" || why="$why; stdout '$out' !~ /$out_pat/"
  [ -z "$err_pat" ] || printf '%s' "$err" | grep -qE -- "$err_pat" || why="$why; stderr '$err' !~ /$err_pat/"
  if [ -z "$why" ]; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: $why"
  fi
}

check call_add_prints_13 0 '^13$' '' -- "$WIRT" call -a "$BASICS" app:add 6 7
check call_nested_table_as_json 0 '^\{"inputs":\[6,7\],"sum":13\}$' '' -- "$WIRT" call -a "$BASICS" app:pair 6 7
check call_string_arg_when_not_json 0 '^"not json!"$' '' -- "$WIRT" call -a "$BASICS" app:echo "not json!"
check call_unknown_id_not_found 1 '' '^error \[NotFound\]: no handler registered for target: app:nope$' -- "$WIRT" call -a "$BASICS" app:nope
check call_error_kind_on_stderr 1 '' '^error \[Conflict\]: busy$' -- "$WIRT" call -a "$BASICS" app:fail_with_kind Conflict busy
check call_json_args 0 '^\[\{"a":\[1,2\]\},true,"x",2.5\]$' '' -- "$WIRT" call -a "$BASICS" app:echo '{"a":[1,2]}' true '"x"' 2.5
check call_list_arg_not_split_regression 0 '^\[-5,\[1,2\],"--x"\]$' '' -- "$WIRT" call -a "$BASICS" app:echo -5 '[1,2]' --x
check call_from_other_cwd 0 '^13$' '' -- bash -c "cd / && '$WIRT' call -a '$BASICS' app:add 6 7"
check test_counts_last_line 0 '6 passed, 0 failed$' '' -- "$WIRT" test -a "$BASICS"
check test_suite_filter 0 '6 passed, 0 failed$' '' -- "$WIRT" test -a "$BASICS" --suite basics
check test_suite_unknown_fails 1 '' 'no tests found' -- "$WIRT" test -a "$BASICS" --suite nope
check check_ok 0 '^ok: [0-9]+ entries' '' -- "$WIRT" check -a "$BASICS"
check yaml_syntax_error_names_file_line_col 1 '' '_index.yaml:6:4: YAML syntax error' -- "$WIRT" check -a "$APPS/yaml_syntax"
check file_ref_escape_rejected 1 '' 'entry bad:leak: file:// path escapes the app folder' -- "$WIRT" check -a "$APPS/file_escape"
check duplicate_id_warns_last_wins 0 '^2$' 'duplicate entry id dup:f: b.yaml:3:5 replaces the definition in a.yaml:3:5' -- "$WIRT" call -a "$APPS/duplicate_id" dup:f
check unknown_module_rejected 1 '' "_index.yaml:3:5: entry bad:needs_http: modules: unknown module 'telepathy'" -- "$WIRT" check -a "$APPS/unknown_module"
check lua_syntax_error_rejected 1 '' 'entry bad:broken: Lua syntax error: bad:broken:1:' -- "$WIRT" check -a "$APPS/lua_syntax"
check bad_method_lists_exports 1 '' "method 'mian' not found in bad:wrong \(exported functions: main, other\)" -- "$WIRT" check -a "$APPS/bad_method"
check wasm_hash_mismatch_rejected 1 '' 'entry bad:greet: hash verification failed: hash mismatch: expected 0+, got c475' -- "$WIRT" check -a "$APPS/wasm_hash"
check wasm_wat_syntax_error_has_line_col 1 '' 'entry bad:broken: failed to load wat module: bad:broken:4:5: unexpected token i32.bogus' -- "$WIRT" check -a "$APPS/wasm_wat_syntax"
check wasm_bad_method_lists_exports 1 '' 'method anser is not an exported function \(callable exports: answer, other\)' -- "$WIRT" check -a "$APPS/wasm_method"
check wasm_simd_rejected_naming_feature 1 '' 'entry bad:vec: .*SIMD' -- "$WIRT" check -a "$APPS/wasm_simd"
check wasm_wit_signature_mismatch 1 '' 'wit: add: func\(a: s64, b: s32\) -> s32 lowers to core type \(i64, i32\) -> \(i32\), but the export has type \(i32, i32\) -> \(i32\)' -- "$WIRT" check -a "$APPS/wasm_wit_mismatch"
check wasm_wit_syntax_error_has_line_col 1 '' "wit: 1:18: expected '\)' or ','" -- "$WIRT" check -a "$APPS/wasm_bad_wit"
check wat_call_prints_42 0 '^42$' '' -- "$WIRT" call -a "$HERE/../apps/wasm_core" wasm:answer
check core_wasm_string_roundtrip 0 '^"Hello, wörld ✓!"$' '' -- "$WIRT" call -a "$HERE/../apps/wasm_core" wasm:greet 'wörld ✓'
check wasi_stdout_goes_to_log 0 '^16$' '\[wasm:wasi_hello\] stdout: hello from wasm' -- "$WIRT" --log-level info call -a "$HERE/../apps/wasm_core" wasm:wasi_hello
check compile_fills_cache 0 'compiled [0-9]+ modules into the cache' '' -- env WIRT_CACHE_DIR=/tmp/wirt-cli-cache.$$ "$WIRT" compile -a "$HERE/../apps/wasm_core"
check run_list_lists_commands 0 'build-all +Build everything +\(cmds:build\)' '' -- "$WIRT" run list -a "$APPS/commands"
check run_list_empty 0 'No commands found' '' -- "$WIRT" run list -a "$BASICS"
PROCS=$HERE/../apps/processes
check run_command_prints_string 0 '^Hello, World!$' '' -- "$WIRT" run -a "$PROCS" hello World
check run_command_integer_is_exit_code 7 '' '' -- "$WIRT" run -a "$PROCS" exit-code 7
check run_command_error_exits_1 1 '' '^error \[Invalid\]: this command always fails$' -- "$WIRT" run -a "$PROCS" fail
check run_wasm_process_command 0 '^Hello, Wasm!$' '' -- "$WIRT" run -a "$PROCS" greet-wasm Wasm
check run_list_shows_process_commands 0 'greet-wasm +Greet through a core wasm process +\(proc:greet_wasm\)' '' -- "$WIRT" run list -a "$PROCS"
check run_services_stops_cleanly_on_sigterm 0 '' '' -- timeout --preserve-status -s TERM 2 "$WIRT" run -a "$PROCS"
CLIAPP=$HERE/../../examples/cli
check run_wasi_command_component_stdio 0 '^hello Ada$' '' -- bash -c "echo 'piped' | '$WIRT' run -a '$CLIAPP' greet Ada | head -1"
check run_wasi_command_reads_stdin_and_env 0 'stdin: piped' '' -- bash -c "echo 'piped' | '$WIRT' run -a '$CLIAPP' greet Ada | grep -e greeting -e stdin | tr '\n' ' '"
check run_wasi_command_stderr_and_exit_code 1 '' 'cli: args=2 sleeping 20 ms' -- bash -c "'$WIRT' run -a '$CLIAPP' greet Ada 3 </dev/null >/dev/null"
check run_unknown_command 1 '' 'command "nope" not found' -- "$WIRT" run -a "$APPS/commands" nope
check missing_app_dir 1 '' 'NotFound' -- "$WIRT" check -a "$APPS/does-not-exist"
check bad_log_level 2 '' 'log-level' -- "$WIRT" --log-level loud check -a "$BASICS"
check log_level_info_shows_print 0 '' '' -- "$WIRT" --log-level info call -a "$BASICS" app:add 1 2

# --- hostile inputs (issue 9): cases a `wirt test` app cannot express ---------------------
HOSTILE=$(mktemp -d /tmp/wirt-cli-hostile.XXXXXX)
mkapp() {  # mkapp NAME: an app folder whose _index.yaml is read from stdin
  mkdir -p "$HOSTILE/$1/src" && cat >"$HOSTILE/$1/src/_index.yaml"
}
DEEP_JSON=$(python3 -c 'print("[" * 60000 + "]" * 60000)')
check call_60000_deep_json_argument_no_crash 0 '^"\[\[\[' '' -- "$WIRT" call -a "$BASICS" app:echo "$DEEP_JSON"
python3 -c 'print("(module (func" + " block" * 20000 + " end" * 20000 + "))")' >"$HOSTILE/deep.wat"
mkapp deep_wat <<EOF2
version: "1.0"
namespace: bad
entries:
  - {name: deep, kind: function.wat, source: file://../../deep.wat, method: f}
EOF2
cp "$HOSTILE/deep.wat" "$HOSTILE/deep_wat/src/deep.wat"
sed -i 's|file://../../deep.wat|file://deep.wat|' "$HOSTILE/deep_wat/src/_index.yaml"
check check_20000_nested_blocks_wat_is_invalid 1 '' 'blocks nested deeper than 1000 levels' -- "$WIRT" check -a "$HOSTILE/deep_wat"
mkdir -p "$HOSTILE/deep_bin/wasm"
python3 - "$HOSTILE/deep_bin/wasm/deep.wasm" <<'PY'
import sys
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        out.append(b | 0x80 if n else b)
        if not n: return bytes(out)
depth = 20000
body = b"\x00" + b"\x02\x40" * depth + b"\x0b" * (depth + 1)
code = b"\x01" + leb(len(body)) + body
exp = b"\x01\x01f\x00\x00"
m = b"\x00asm\x01\x00\x00\x00" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00"
m += b"\x07" + leb(len(exp)) + exp + b"\x0a" + leb(len(code)) + code
open(sys.argv[1], "wb").write(m)
PY
DEEP_HASH=$(sha256sum "$HOSTILE/deep_bin/wasm/deep.wasm" | cut -d' ' -f1)
mkapp deep_bin <<EOF2
version: "1.0"
namespace: bad
entries:
  - {name: files, kind: fs.directory, directory: ./wasm, mode: "0555"}
  - {name: deep, kind: function.wasm, fs: bad:files, path: /deep.wasm, hash: "sha256:$DEEP_HASH", method: f}
EOF2
check check_20000_nested_blocks_binary_is_invalid 1 '' 'blocks nested deeper than 1000 levels' -- "$WIRT" check -a "$HOSTILE/deep_bin"
mkapp exec_ms_2pow32 <<'EOF2'
version: "1.0"
namespace: bad
entries:
  - {name: f, kind: function.wat, source: '(module (func (export "f")))', method: f, limits: {max_execution_ms: 4294967296}}
EOF2
check max_execution_ms_2pow32_is_rejected_not_truncated 1 '' 'limits.max_execution_ms must be an integer between 0 and 86400000, got 4294967296' -- "$WIRT" check -a "$HOSTILE/exec_ms_2pow32"
mkapp lua_top_loop <<'EOF2'
version: "1.0"
namespace: bad
entries:
  - {name: spin, kind: function.lua, source: 'while true do end return {f = function() end}', method: f}
EOF2
check lua_top_level_loop_times_out_at_load 1 '' 'loading bad:spin: execution time limit exceeded' -- timeout 60 "$WIRT" check -a "$HOSTILE/lua_top_loop"
check start_function_busy_3s_times_out_at_100ms 1 '' 'entry bad:slow: execution time limit exceeded \(100 ms\)' -- timeout 20 "$WIRT" check -a "$APPS/start_slow"
check start_function_loop_times_out_at_200ms 1 '' 'entry bad:loops: execution time limit exceeded \(200 ms\)' -- timeout 20 "$WIRT" check -a "$APPS/start_loops"
check sigterm_stops_a_hanging_boot 143 '' 'signal 15 during boot' -- timeout --preserve-status -s TERM 1 "$WIRT" run -a "$HOSTILE/lua_top_loop"
# The tier-2 compiler (its whole process group: sh, cc, cc1) dies with wirt. A module whose C
# takes seconds to compile; wirt is stopped while cc1 runs.
mkapp tier2 <<'EOF2'
version: "1.0"
namespace: big
entries:
  - {name: f, kind: function.wat, source: file://big.wat, method: f0}
EOF2
python3 - "$HOSTILE/tier2/src/big.wat" <<'PY'
import sys
out = ["(module"]
for f in range(400):
    body = ["(local $a i32) (local $b i32)"]
    for k in range(150):
        body.append(f"(local.set $a (i32.add (i32.mul (local.get $a) (i32.const {k + 3})) (i32.xor (local.get $b) (local.get 0))))")
        body.append(f"(local.set $b (i32.rotl (local.get $a) (i32.const {k % 31})))")
    out.append(f'(func (export "f{f}") (param i32) (result i32) ' + " ".join(body) + " (local.get $b))")
open(sys.argv[1], "w").write("\n".join(out) + ")")
PY
T2CACHE=$(mktemp -d /tmp/wirt-cli-t2.XXXXXX)
# (Patterns are anchored at the start of a command line so they never match this bash.)
check tier2_compiler_dies_with_wirt 0 '^(gone|no-compiler)$' '' -- bash -c "
  WIRT_CACHE_DIR='$T2CACHE' '$WIRT' run -a '$HOSTILE/tier2' & p=\$!
  for i in \$(seq 150); do pgrep -f '^[^ ]*cc1 .*$T2CACHE' >/dev/null && break; sleep 0.1; done
  pgrep -f '^[^ ]*cc1 .*$T2CACHE' >/dev/null || { kill -TERM \$p; wait \$p; echo no-compiler; exit 0; }
  kill -TERM \$p; wait \$p; sleep 1
  pgrep -f '^(/bin/sh -c ulimit|[^ ]*cc1 |cc ).*$T2CACHE' >/dev/null && echo alive || echo gone"
rm -rf "$HOSTILE" "$T2CACHE"

rm -rf /tmp/wirt-cli-cache.$$
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
