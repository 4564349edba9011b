#!/usr/bin/env python3
"""Hot reload under HTTP load (issue 12 item 4): `wirt run --watch` serves an endpoint whose Lua
handler calls a WASM function (function.wasm, a file in an fs.directory) and a Lua function
(function.lua, source: file://), each returning a version tag. While client threads send requests
without pause, the WASM file and the Lua file are swapped together 20 times between two versions.

Asserted: zero failed requests; every response is one version pair that existed ("wasm=1 lua=1"
or "wasm=2 lua=2"; never a mix within one call); each swap is applied as one reload; a broken
YAML saved during --watch is rejected with its error logged while the old version keeps serving;
the next good save is applied, and routes follow their endpoints (an added endpoint answers, a
removed one is 404) on the same listener.

Usage: watch_under_load.py WIRT. Exit 77 (skipped) when wat2wasm is missing.
"""
import hashlib
import http.client
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SWAPS = 20
CLIENTS = 4

INDEX = """version: "1.0"
namespace: app
entries:
  - {name: gateway, kind: http.service, addr: "127.0.0.1:0", lifecycle: {auto_start: true}}
  - {name: api, kind: http.router, meta: {server: app:gateway}, prefix: /}
  - {name: version, kind: http.endpoint, meta: {router: app:api}, method: GET, path: /version, func: app:handler}
  - {name: handler, kind: function.lua, source: file://handler.lua, method: handle, modules: [funcs]}
  - {name: lua_version, kind: function.lua, source: file://lua_version.lua, method: version}
  - {name: wasm_files, kind: fs.directory, directory: ./wasm}
  - {name: wasm_version, kind: function.wasm, fs: app:wasm_files, path: version.wasm, hash: "sha256:%s", method: version}
"""
EXTRA = """  - {name: added, kind: http.endpoint, meta: {router: app:api}, method: GET, path: /added, func: app:lua_version}
"""
HANDLER = """return {handle = function()
  local w = funcs.call("app:wasm_version")
  local l = funcs.call("app:lua_version")
  return "wasm=" .. tostring(w) .. " lua=" .. tostring(l)
end}
"""


def lua_version(n):
    return "return {version = function() return %d end}\n" % n


def wat_version(n):
    return '(module (func (export "version") (result i32) i32.const %d))\n' % n


def main():
    wirt = sys.argv[1]
    wat2wasm = shutil.which("wat2wasm")
    if not wat2wasm:
        print("skipped: wat2wasm (wabt) not found")
        return 77
    tmp = tempfile.mkdtemp(prefix="wirt-reload-")
    try:
        return run(wirt, wat2wasm, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(wirt, wat2wasm, tmp):
    app = os.path.join(tmp, "app")
    src = os.path.join(app, "src")
    os.makedirs(os.path.join(app, "wasm"))
    os.makedirs(src)
    staged = os.path.join(tmp, "staged")  # the prebuilt versions, renamed into place
    os.makedirs(staged)
    for n in (1, 2):
        with open(os.path.join(staged, "v%d.wat" % n), "w") as f:
            f.write(wat_version(n))
        subprocess.run([wat2wasm, os.path.join(staged, "v%d.wat" % n), "-o", os.path.join(staged, "v%d.wasm" % n)],
                       check=True)
        with open(os.path.join(staged, "v%d.lua" % n), "w") as f:
            f.write(lua_version(n))
    digests = {}
    for n in (1, 2):
        with open(os.path.join(staged, "v%d.wasm" % n), "rb") as f:
            digests[n] = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(staged, "v%d.yaml" % n), "w") as f:
            f.write(INDEX % digests[n])
    shutil.copy(os.path.join(staged, "v1.wasm"), os.path.join(app, "wasm", "version.wasm"))
    shutil.copy(os.path.join(staged, "v1.lua"), os.path.join(src, "lua_version.lua"))
    with open(os.path.join(src, "handler.lua"), "w") as f:
        f.write(HANDLER)
    shutil.copy(os.path.join(staged, "v1.yaml"), os.path.join(src, "_index.yaml"))

    proc = subprocess.Popen([wirt, "run", "--watch", "-a", app, "--threads", "2"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    lines = queue.Queue()
    log = []

    def read_stderr():
        for line in proc.stderr:
            log.append(line)
            lines.put(line)

    threading.Thread(target=read_stderr, daemon=True).start()

    def wait_for(pattern, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            m = re.search(pattern, line)
            if m:
                return m
        sys.stderr.write("".join(log))
        raise SystemExit("FAIL: no line matching %r within %ss" % (pattern, timeout))

    try:
        port = int(wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        wait_for(r"watching ")

        def get(path, conn=None):
            c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode()

        status, body = get("/version")
        assert (status, body) == (200, "wasm=1 lua=1"), (status, body)

        stop = threading.Event()
        results = {"ok": 0, "failed": [], "bodies": set()}
        lock = threading.Lock()

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while not stop.is_set():
                try:
                    status, body = get("/version", conn)
                    with lock:
                        if status == 200 and body in ("wasm=1 lua=1", "wasm=2 lua=2"):
                            results["ok"] += 1
                            results["bodies"].add(body)
                        else:
                            results["failed"].append((status, body))
                except Exception as e:  # a dropped connection is a failed request
                    with lock:
                        results["failed"].append(("exception", repr(e)))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for i in range(SWAPS):
            n = 2 if i % 2 == 0 else 1
            # The files in one burst (three renames, microseconds apart): one transaction.
            for name in ("wasm", "yaml", "lua"):
                shutil.copy(os.path.join(staged, "v%d.%s" % (n, name)), os.path.join(tmp, "next." + name))
            os.replace(os.path.join(tmp, "next.wasm"), os.path.join(app, "wasm", "version.wasm"))
            os.replace(os.path.join(tmp, "next.yaml"), os.path.join(src, "_index.yaml"))
            os.replace(os.path.join(tmp, "next.lua"), os.path.join(src, "lua_version.lua"))
            m = wait_for(r"reload (\d+) (applied|rejected)")
            assert m.group(2) == "applied" and int(m.group(1)) == i + 1, m.group(0)
            time.sleep(0.1)  # requests on the new version before the next swap
            status, body = get("/version")
            assert (status, body) == (200, "wasm=%d lua=%d" % (n, n)), (i, status, body)
        stop.set()
        for t in threads:
            t.join()
        print("requests during %d swaps: %d ok, %d failed; versions seen: %s" %
              (SWAPS, results["ok"], len(results["failed"]), sorted(results["bodies"])))
        assert not results["failed"], results["failed"][:10]
        assert results["ok"] > SWAPS, results["ok"]
        assert results["bodies"] == {"wasm=1 lua=1", "wasm=2 lua=2"}, results["bodies"]

        # A broken YAML: rejected and logged as `wirt check` does, the old version keeps serving.
        last = get("/version")
        index = INDEX % digests[1 if SWAPS % 2 == 0 else 2]
        with open(os.path.join(src, "_index.yaml"), "w") as f:
            f.write(index + "  - {name: broken, kind: function.lua\n")
        wait_for(r"error \[.*\]: src/_index\.yaml")
        wait_for(r"reload rejected: \d+ problems?; the running version keeps serving")
        assert get("/version") == last, "the old version must keep serving"
        # The next good save is applied: an added endpoint answers on the same listener.
        with open(os.path.join(src, "_index.yaml"), "w") as f:
            f.write(index + EXTRA)
        wait_for(r"reload \d+ applied")
        assert get("/added") == (200, "2" if SWAPS % 2 == 1 else "1"), get("/added")
        assert get("/version") == last
        # And a removed one is gone.
        with open(os.path.join(src, "_index.yaml"), "w") as f:
            f.write(index)
        wait_for(r"reload \d+ applied")
        assert get("/added")[0] == 404
        print("PASS hot reload under load: %d swaps, broken save rejected, routes follow endpoints" % SWAPS)
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
