#!/usr/bin/env bash
# The demo: boots examples/hello and calls its functions the way a user would.
set -euo pipefail
WIRT=${1:-build/bin/wirt}
APP=$(dirname "$0")/hello
run() { echo "\$ wirt $*"; "$WIRT" "$@"; echo; }
run check -a "$APP"
run call -a "$APP" demo:greet World
run call -a "$APP" demo:summarize '[2, 4, 6, 8]'
run call -a "$APP" demo:fib 50
run call -a "$APP" demo:title_case "hello from webassembly"
run call -a "$APP" demo:main Lua
echo "\$ wirt call -a $APP demo:greet '\"\"'   # errors come back with their kind"
"$WIRT" call -a "$APP" demo:greet '""' 2>&1 || echo "(exit $?)"
echo
run test -a "$APP"

# A C program compiled to a WASI command component, run as a command on the terminal host:
# it reads its arguments, an env variable, sleeps 20 ms (suspending its fiber) and echoes stdin.
CLI=$(dirname "$0")/cli
run run list -a "$CLI"
echo "\$ echo 'a line from stdin' | wirt run -a $CLI greet Demo"
echo "a line from stdin" | "$WIRT" run -a "$CLI" greet Demo 2>&1
