#!/usr/bin/env bash
# The logger module's lines as a user sees them on stderr: levels, fields as one JSON object,
# child loggers' fields and dotted names, location (issue 12 item 1).
# Usage: logger_output.sh WIRT
set -euo pipefail
wirt=$1
here=$(cd "$(dirname "$0")" && pwd)
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$wirt" --log-level info test -a "$here" --suite logger 2>"$err" >/dev/null || { cat "$err"; echo "FAIL: wirt test failed"; exit 1; }
fail=0
expect() {
  if ! grep -qF -- "$1" "$err"; then echo "FAIL: missing: $1"; fail=1; fi
}
expect 'wirt: info: server started {"location":"mods:test_logger","port":8080}'
expect 'wirt: warn: rate limit approaching {"current":95,"location":"mods:test_logger","max":100}'
expect 'wirt: error: connection failed {"error":"timeout talking to db","location":"mods:test_logger"}'
expect 'wirt: info: handling request {"component":"api","location":"mods:test_logger","path":"/users","tags":["a","b"],"version":"1.0"}'
expect 'wirt: info: [auth.jwt] login attempt {"component":"api","location":"mods:test_logger","user":"admin","version":"1.0"}'
expect 'wirt: info: dot call works {"location":"mods:test_logger"}'
if grep -q 'hidden at info level' "$err"; then echo "FAIL: a debug line was written at info level"; fail=1; fi
if [ $fail -ne 0 ]; then echo "--- stderr:"; cat "$err"; exit 1; fi
echo "logger output: ok"
