#!/usr/bin/env bash
# Runs libFuzzer targets one after another, each for SECONDS with one job (`make fuzz`), and
# prints one line per target: seconds, inputs executed, inputs/s, crashes.
#   run.sh BUILD_DIR SECONDS SHARED_DIR TARGET...
# Corpora live in BUILD_DIR/fuzz/corpus/<target> (kept between runs), seeded from the project's
# own files and with tests/fuzz/regressions/<target>/ (inputs that once crashed); crash inputs are
# written to BUILD_DIR/fuzz/crashes/<target>-*; logs to
# BUILD_DIR/fuzz/logs/<target>.log. Exit status 1 when any target found a crash.
set -u
build=$1 seconds=$2 shared=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$build/fuzz
mkdir -p "$out/corpus" "$out/crashes" "$out/logs"

seed() {  # seed TARGET: copy the seed files of a target into its corpus
  local c=$out/corpus/$1
  mkdir -p "$c"
  # Inputs that once crashed (tests/fuzz/regressions/TARGET): run first, every time.
  cp -n "$here/regressions/$1/"* "$c"/ 2>/dev/null
  case $1 in
    component_decoder_fuzz) cp -n "$shared"/fixtures/wippy/*.wasm "$repo"/tests/fixtures/components/*/*.wasm "$c"/ 2>/dev/null ;;
    json_fuzz) cp -n "$repo"/tests/fixtures/components/cases.json "$c"/ 2>/dev/null
               printf '{"a":[1,2.5,"x",{"b":null}],"c":"\\u00e9"}' > "$c/seed-obj.json" ;;
    wit_parser_fuzz) for f in "$shared"/fixtures/wippy/wit/*.wit "$repo"/tests/fixtures/components/*/*.wit; do
                       [ -f "$f" ] && cp -n "$f" "$c/$(basename "$(dirname "$f")")-$(basename "$f")"; done ;;
    yaml_entry_fuzz) i=0; for f in $(find "$repo/tests" "$repo/examples" -name '_index.yaml' 2>/dev/null); do
                       cp -n "$f" "$c/index-$i.yaml"; i=$((i + 1)); done ;;
    wat_fuzz) cp -n "$repo"/tests/apps/wasm_core/src/wat/*.wat "$c"/ 2>/dev/null ;;
    canonical_abi_fuzz) printf '\x01\x04' > "$c/seed-params"; printf '\x02\x00' > "$c/seed-results" ;;
    engine_diff_fuzz) [ -f "$c/seed-0" ] || head -c 4096 /dev/urandom > "$c/seed-0" ;;
  esac
}

status=0
printf '%-24s %8s %12s %10s %8s\n' target seconds inputs inputs/s crashes
for t in "$@"; do
  seed "$t"
  log=$out/logs/$t.log
  start=$(date +%s)
  extra=()
  [ "$t" = engine_diff_fuzz ] && extra=(-timeout=120 -max_len=8192)
  # -jobs=1: one process (2 shared cores); leaks are checked (detect_leaks default).
  ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1} \
    "$build/fuzz/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$out/crashes/$t-" "${extra[@]}" "$out/corpus/$t" > "$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | awk '{print $2}' | tail -1)
  # crash-, leak-, timeout- and oom- inputs count; slow-unit- files are only slow.
  crashes=$(ls "$out/crashes/$t-"{crash,leak,timeout,oom}-* 2>/dev/null | wc -l)
  printf '%-24s %8s %12s %10s %8s\n' "$t" "$secs" "${runs:-?}" "${rate:-?}" "$crashes"
  if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
    status=1
    grep -m3 -E 'ERROR|SUMMARY|engine difference|runtime error' "$log" | sed 's/^/    /'
  fi
done
exit $status
