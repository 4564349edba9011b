#!/usr/bin/env python3
"""Loopback HTTP(S) server for the http_client acceptance checks and the benchmark.

Usage: server.py PORTFILE [--tls CERT KEY]
Binds 127.0.0.1:0, writes the port to PORTFILE, serves until killed. Routes:
  /hello               "hello" (+ X-Test header, two cookies)
  /echo                the request: JSON {method, path, query, headers, body_len, body_sha256, body}
  /sha256              POST body → its sha256 hex
  /bytes/N             N bytes 'a'+i%26, chunked in 64 KiB pieces
  /redirect/N          302 → /redirect/N-1 … /hello
  /status/N            status N, empty body
  /silent              reads the request, never answers
  /count               how many requests this server has seen (not counting /count)
"""
import hashlib
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl

COUNT = [0]
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        url = urlsplit(self.path)
        path = url.path
        if path != "/count":
            with LOCK:
                COUNT[0] += 1
        body = self._body()
        if path == "/hello":
            return self._send(200, b"hello", [("X-Test", "yes"), ("Set-Cookie", "a=1; Path=/"),
                                              ("Set-Cookie", "b=two"), ("Content-Type", "text/plain")])
        if path == "/echo":
            doc = {"method": self.command, "path": path, "query": dict(parse_qsl(url.query, keep_blank_values=True)),
                   "headers": {k.lower(): v for k, v in self.headers.items()}, "body_len": len(body),
                   "body_sha256": hashlib.sha256(body).hexdigest(),
                   "body": body[:4096].decode("utf-8", "replace")}
            return self._send(200, json.dumps(doc).encode(), [("Content-Type", "application/json")])
        if path == "/sha256":
            return self._send(200, hashlib.sha256(body).hexdigest().encode())
        if path.startswith("/bytes/"):
            n = int(path[7:])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pattern = bytes(ord("a") + i % 26 for i in range(26 * 2521))  # 65546 bytes
            off = 0
            while off < n:
                k = min(65536, n - off)
                start = off % 26
                piece = (pattern[start:] + pattern)[:k]
                self.wfile.write(b"%x\r\n" % k + piece + b"\r\n")
                off += k
            self.wfile.write(b"0\r\n\r\n")
            return
        if path.startswith("/redirect/"):
            n = int(path[10:])
            return self._send(302, b"", [("Location", "/hello" if n <= 1 else "/redirect/%d" % (n - 1))])
        if path.startswith("/status/"):
            return self._send(int(path[8:]))
        if path == "/silent":
            time.sleep(3600)
            return
        if path == "/count":
            with LOCK:
                n = COUNT[0]
            return self._send(200, str(n).encode())
        return self._send(404, b"not found")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 2048


def main():
    portfile = sys.argv[1]
    srv = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 2 and sys.argv[2] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
