# Shared by the cluster test scripts (sourced): the nats-server binary (exit 77, skipped, when
# it is not installed), a scratch folder and the processes to kill at exit, free ports, and
# pass/fail counting. Expects WIRT and HERE set by the script.
NATS=$(command -v nats-server || true)
[ -z "$NATS" ] && [ -x /usr/sbin/nats-server ] && NATS=/usr/sbin/nats-server
if [ -z "$NATS" ]; then
  echo "SKIP: nats-server is not installed (scripts/bootstrap installs it)"
  exit 77
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s at most).
wait_port() {
  for _ in $(seq 100); do
    (: >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# wait_log FILE TEXT [COUNT]: until FILE has COUNT (default 1) lines with TEXT (10 s at most).
wait_log() {
  for _ in $(seq 400); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
    sleep 0.025
  done
  return 1
}
# finish: the exit status, with the node logs when a check failed.
finish() {
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed; logs:"
    for f in "$TMP"/*.log; do echo "== $f"; tail -20 "$f"; done
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
