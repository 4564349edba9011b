#!/usr/bin/env bash
# Runs `wirt test` on an app and fails when the process's peak RSS exceeds a bound.
# Usage: tests/cli/peak_rss.sh path/to/wirt APP_DIR MAX_KB
set -u
WIRT=${1:?usage: peak_rss.sh wirt app max_kb}
APP=${2:?}
MAX_KB=${3:?}
STATS=$(mktemp)
/usr/bin/time -f '%M %e' -o "$STATS" "$WIRT" test -a "$APP"
rc=$?
read -r rss_kb secs < <(tail -1 "$STATS")
rm -f "$STATS"
echo "peak RSS ${rss_kb} kB (bound ${MAX_KB} kB), ${secs} s"
[ "$rc" -eq 0 ] || { echo "FAIL: wirt test exited $rc"; exit 1; }
[ "$rss_kb" -le "$MAX_KB" ] || { echo "FAIL: peak RSS ${rss_kb} kB above ${MAX_KB} kB"; exit 1; }
