#!/usr/bin/env bash
# Differential test of the project's own components (tests/fixtures/components): every case of
# cases.json runs under wirt (one boot per component, through the Lua runner c:run_cases /
# js:run_cases of tests/apps/components) and is compared with cases.json and with the node
# reference (reference.mjs: jco transpile + preview2-shim), by the rules of CASES.md.
#
#   run.sh WIRT BUILD_DIR [--js none|subset|all]
#
# js-types is 12.9 MB of core wasm, compiled once per boot on tier 1 (~20 s, ~0.5 GB; entries
# sharing the binary share the compilation), so every function gets an entry by default;
# `--js subset` (WIRT_DIFF_JS=subset) runs only JS_FUNCS. Known differences are listed
# in known-differences.txt. Without node or the npm packages (scripts/build-components installs
# them into BUILD_DIR/fixtures-npm) the node comparison is skipped with a notice: the cases.json
# comparison still runs, and the script exits 77 (ctest: skipped) if that passed.
set -u
wirt=$1
build=$2
js_mode=${WIRT_DIFF_JS:-all}
if [ "${3:-}" = "--js" ]; then js_mode=$4; fi
JS_FUNCS=${JS_FUNCS:-"item-bump outcomes-map"}

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
comp=$repo/tests/fixtures/components
app=$repo/tests/apps/components
npm=${WIRT_FIXTURES_NPM:-$build/fixtures-npm}
export WIRT_CACHE_DIR=${WIRT_CACHE_DIR:-$build/wasm-cache}
cases="@$(cat "$comp/cases.json")"
known="@$(cat "$here/known-differences.txt")"

have_node=1
if ! command -v node >/dev/null 2>&1; then
  have_node=0; why="node not found"
elif [ ! -d "$npm/node_modules/@bytecodealliance/jco" ] || [ ! -d "$npm/node_modules/@bytecodealliance/preview2-shim" ]; then
  have_node=0; why="npm packages not found in $npm (run scripts/build-components)"
fi

reference() {  # reference.mjs output for a component, as the runner's "@..." argument
  if [ $have_node = 1 ]; then
    local out
    if ! out=$(WIRT_FIXTURES_NPM=$npm node "$comp/reference.mjs" "$1"); then
      echo "FAIL: node reference.mjs $1 failed" >&2
      return 1
    fi
    printf '@%s' "$out"
  else
    printf '@'
  fi
}

status=0
run() {  # run APP ENTRY COMPONENT WASM
  local ref t0 out rc
  ref=$(reference "$4") || { status=1; return; }
  t0=$(date +%s)
  out=$("$wirt" call -a "$1" "$2" "$3" "$cases" "$ref" "$known" 2>&1)
  rc=$?
  # the report: one line per case that did not simply pass, then the counts
  printf '%s\n' "$out" | sed -e 's/^"//' -e 's/"$//' -e 's/^error \[[A-Za-z]*\]: //' \
    -e 's/\\n/\n/g' -e 's/\\"/"/g' -e 's/\\\\/\\/g'
  echo "($3: $(( $(date +%s) - t0 )) s)"
  if [ $rc -ne 0 ]; then status=1; fi
}

run "$app" c:run_cases c-types "$comp/c-types/c-types.wasm"

if [ "$js_mode" != none ]; then
  # The JS app with the chosen entries, generated from tests/apps/components/js.
  gen=$build/differential/js-types-$js_mode
  rm -rf "$gen" && mkdir -p "$gen/src"
  cp "$app/js/src/runner.lua" "$gen/src/"
  if [ "$js_mode" = all ]; then keep='.'; else keep="name: ($(echo $JS_FUNCS | tr ' ' '|')),"; fi
  awk -v keep="$keep" -v dir="$comp" '
    /^  - \{name: / && /kind: function.wasm/ { if ($0 !~ keep) next }
    { sub(/directory: \.\.\/\.\.\/\.\.\/fixtures\/components/, "directory: " dir); print }
  ' "$app/js/src/_index.yaml" > "$gen/src/_index.yaml"
  echo "js-types entries: $(grep -c 'kind: function.wasm' "$gen/src/_index.yaml") ($js_mode)"
  # tier 2 cannot build this module (cc runs out of memory on its ~150 MB of C): stay on tier 1
  WIRT_CC=${WIRT_CC:-false} run "$gen" js:run_cases js-types "$comp/js-types/js-types.wasm"
fi

if [ $status -ne 0 ]; then
  echo "differential.components: FAILED"
  exit 1
fi
if [ $have_node = 0 ]; then
  echo "skipped: node reference not run: $why (the cases.json comparison passed)"
  exit 77
fi
echo "differential.components: passed"
