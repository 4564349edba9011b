#!/usr/bin/env bash
# Cluster over TLS (issue 13, docs/cluster.md §8), with a CA made here by openssl: a nats-server
# that requires TLS, and one that also requires client certificates (mutual TLS). Nodes name
# their PEM files in the `cluster: tls: {ca, cert, key}` section of .wippy.yaml.
# Checks: a node trusting the CA joins and a second one calls it across the cluster; a node that
# trusts another CA, or speaks plain NATS to the TLS port, fails at once with a clear error
# naming cluster.tls; under mutual TLS a node without a certificate is refused, one with a
# certificate signed by the CA joins and calls.
# Usage: tls.sh path/to/wirt. Exit 77 (skipped) without nats-server.
set -uo pipefail
WIRT=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cluster/lib.sh
source "$HERE/lib.sh"

# The test's PKI: a CA, a server certificate for 127.0.0.1/localhost, a client certificate, and
# a second (rogue) CA nobody's certificate is signed by.
PKI=$TMP/pki
mkdir -p "$PKI"
mkca() {  # mkca NAME
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wirt test $1" \
    -keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>/dev/null
}
mkcert() {  # mkcert NAME CN EXT: a key and a certificate signed by ca
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
  printf '%b' "$3" >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}
mkca ca
mkca rogue
mkcert server localhost 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
mkcert client wirt-node 'extendedKeyUsage=clientAuth\n'
[ -s "$PKI/server.pem" ] && [ -s "$PKI/client.pem" ] || { echo "FAIL: openssl could not make the test PKI"; exit 1; }

PORT=$(free_port)
MPORT=$(free_port)
"$NATS" -a 127.0.0.1 -p "$PORT" --tls --tlscert "$PKI/server.pem" --tlskey "$PKI/server.key" >"$TMP/nats-tls.log" 2>&1 &
PIDS+=("$!")
"$NATS" -a 127.0.0.1 -p "$MPORT" --tlsverify --tlscert "$PKI/server.pem" --tlskey "$PKI/server.key" \
  --tlscacert "$PKI/ca.pem" >"$TMP/nats-mtls.log" 2>&1 &
PIDS+=("$!")
wait_port "$PORT" && wait_port "$MPORT" || { echo "FAIL: nats-server with TLS did not start"; cat "$TMP"/nats-*.log; exit 1; }
URL=tls://127.0.0.1:$PORT
MURL=tls://127.0.0.1:$MPORT

# mkapp NAME FROM YAML: the entries of tests/cluster/FROM with a .wippy.yaml cluster section.
# Servers get node_b's (b:add), callers node_c's (no b:*: their b:add can only be remote).
mkapp() { mkdir -p "$TMP/$1/src"; cp "$HERE/$2"/src/* "$TMP/$1/src/"; printf 'cluster:\n%b' "$3" >"$TMP/$1/.wippy.yaml"; }
mkapp trusting node_b "  tls: {ca: $PKI/ca.pem}\n"
mkapp trusting_caller node_c "  tls: {ca: $PKI/ca.pem}\n"
mkapp rogue node_c "  tls: {ca: $PKI/rogue.pem}\n"
mkapp plain node_c ""
mkapp mutual node_b "  tls: {ca: $PKI/ca.pem, cert: $PKI/client.pem, key: $PKI/client.key}\n"
mkapp mutual_caller node_c "  tls: {ca: $PKI/ca.pem, cert: $PKI/client.pem, key: $PKI/client.key}\n"

# node_and_call NODE APP URL CALLER WANT WHAT ARGS...: a serving node NODE of APP, then a call
# of ARGS from the CALLER app through URL, which must print WANT.
node_and_call() {
  local node=$1 app=$2 url=$3 caller=$4 want=$5 what=$6 out
  shift 6
  "$WIRT" run -a "$TMP/$app" --cluster "$url" --node "$node" >"$TMP/$node.log" 2>&1 &
  PIDS+=("$!")
  wait_log "$TMP/$node.log" "cluster node $node joined" || fail "node $node did not join: $(tail -3 "$TMP/$node.log")"
  out=$(timeout 20 "$WIRT" call --cluster "$url" -a "$TMP/$caller" "$@" 2>&1 | tail -1)
  [ "$out" = "$want" ] && pass "$what" || fail "$what: $out"
}
# refused URL APP WHAT: joining URL with APP's settings fails at once with the refusal naming
# cluster.tls when APP has TLS settings.
refused() {
  local out
  out=$(timeout 20 "$WIRT" call --cluster "$1" -a "$TMP/$2" b:add 1 2 2>&1)
  if echo "$out" | grep -q "error \[Unavailable\]: cluster: the NATS server at $1 refused node" \
     && { ! grep -q tls "$TMP/$2/.wippy.yaml" || echo "$out" | grep -q "cluster.tls"; }; then
    pass "$3"
  else fail "$3: $out"; fi
}

node_and_call tls1 trusting "$URL" trusting_caller 5 \
  "TLS: a node trusting the test CA joins, and another calls it across the cluster (b:add 2 3 → 5)" b:add 2 3
refused "$URL" rogue "TLS: a node trusting another CA is refused, naming cluster.tls"
refused "nats://127.0.0.1:$PORT" plain "TLS: a plain node on the TLS port is refused at once"
# Mutual TLS: the server checks the node's certificate.
refused "$MURL" trusting_caller "mutual TLS: a node without a client certificate is refused, naming cluster.tls"
node_and_call mtls1 mutual "$MURL" mutual_caller 42 \
  "mutual TLS: nodes with certificates signed by the CA join and call each other" b:add 20 22
finish
