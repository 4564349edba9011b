#!/usr/bin/env python3
"""The reference's own WASM acceptance cases on wirt (issue 12 item 1).

Assembles wippyai/runtime's tests/app/src/test/wasm (*.lua, *.wat, *.wasm, _index.yaml) into a
scratch app (never inside the repository), runs `wirt test` on it and requires every case to
pass except those listed in wasm_cases.expected, each with its reason (the DESIGN §1.3 mapping
difference, fixtures the reference never published, modules wirt does not provide yet).

Where things come from:
- the reference: WIRT_REFERENCE_RUNTIME (a checkout, or a git directory), else the local mirror
  the `fetch` tool makes (/work/.mirror/wippyai+runtime*/repo); none → skipped (exit 77);
- WASM binaries: the mirror's file when its sha256 matches the entry's `hash:`, else the file
  with that sha256 in $WIRT_SHARED_DIR/fixtures/wippy (the project's copy of the same fixtures);
- what the cases import from the rest of the reference app: `app.lib:assert` (the reference's
  tests/app/src/lib/assert.lua), the `app:processes` process host and the `app:gateway` /
  `app:api.public` HTTP service and router (written here, minimal).

Entries wirt refuses at boot (e.g. a module it lacks, a binary nobody published) are left out
with a notice naming the problem, so the other cases still run; the cases that need them then
fail and must be listed in wasm_cases.expected.

Besides the cases as they are, call_encoder_wasm also runs adapted to DESIGN §1.3 (a top-level
result<T, E> returns `value, nil` / `nil, err`): its other checks must pass unchanged.

Usage: wasm_cases.py WIRT [--keep]
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
CASES = "tests/app/src/test/wasm"
HERE = os.path.dirname(os.path.abspath(__file__))


def notice(msg):
    print(f"wasm_cases: {msg}", flush=True)


class Source:
    """The reference's files, from a checkout or a git directory."""

    def __init__(self, path):
        self.path = path
        self.checkout = os.path.isdir(os.path.join(path, CASES))

    def list(self, folder):
        if self.checkout:
            return sorted(os.listdir(os.path.join(self.path, folder)))
        out = subprocess.run(["git", "--git-dir", self.path, "ls-tree", "--name-only", "HEAD", folder + "/"],
                             capture_output=True, text=True, check=True).stdout
        return sorted(os.path.basename(line) for line in out.splitlines() if line)

    def read(self, rel):
        """The file's bytes, or None when this copy does not have them (e.g. a blob never fetched)."""
        if self.checkout:
            p = os.path.join(self.path, rel)
            return open(p, "rb").read() if os.path.isfile(p) else None
        r = subprocess.run(["git", "--git-dir", self.path, "show", "HEAD:" + rel], capture_output=True)
        return r.stdout if r.returncode == 0 else None


def find_reference():
    given = os.environ.get("WIRT_REFERENCE_RUNTIME")
    candidates = [given] if given else sorted(glob.glob("/work/.mirror/wippyai+runtime*/repo"))
    for c in candidates:
        if c and os.path.isdir(os.path.join(c, CASES)):
            return Source(c)
        if c and os.path.isfile(os.path.join(c, "HEAD")) and shutil.which("git"):
            return Source(c)
    return None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def fixtures_by_hash(shared):
    out = {}
    for p in glob.glob(os.path.join(shared, "fixtures", "wippy", "*.wasm")):
        with open(p, "rb") as f:
            out.setdefault(sha256(f.read()), p)
    return out


def split_entries(index_text):
    """(head, [entry blocks]) of an _index.yaml whose entries are `  - name: x` blocks."""
    lines = index_text.splitlines(keepends=True)
    head, blocks, cur = [], [], None
    for line in lines:
        if line.startswith("  - name:"):
            cur = [line]
            blocks.append(cur)
        elif cur is None:
            head.append(line)
        else:
            cur.append(line)
    return "".join(head), ["".join(b) for b in blocks]


def block_name(block):
    return block.split("\n", 1)[0].split("name:", 1)[1].strip()


SUPPORT_INDEX = """version: "1.0"
namespace: app
# Written by tests/reference/wasm_cases.py: what the reference's wasm cases use from its app.
entries:
  - name: gateway
    kind: http.service
    addr: 127.0.0.1:8085
    lifecycle: {auto_start: true}
  - name: api.public
    kind: http.router
    meta: {server: gateway}
    prefix: /
  - name: processes
    kind: process.host
    lifecycle: {auto_start: true}
"""

LIB_INDEX = """version: "1.0"
namespace: app.lib
entries:
  - name: assert
    kind: library.lua
    source: file://assert.lua
"""

# DESIGN §1.3: a top-level result<T, E> is `value, nil` on ok and `nil, err` on error.
DESIGN_13_TRY_DIVIDE = """	local divide_ok, divide_ok_err = funcs.call("app.test.wasm:encoder_component_try_divide", 10, 2)
	assert.is_nil(divide_ok_err, "try-divide success should not error")
	assert.eq(divide_ok, 5, "try-divide ok result (DESIGN 1.3: the ok value itself)")

	local divide_err, divide_err_call = funcs.call("app.test.wasm:encoder_component_try_divide", 10, 0)
	assert.is_nil(divide_err, "try-divide err: no value (DESIGN 1.3)")
	assert.not_nil(divide_err_call, "try-divide err: an error (DESIGN 1.3)")
	assert.eq(divide_err_call:message(), "division by zero", "try-divide err message")
	assert.eq(divide_err_call:details().code, 1, "try-divide err.code in details")

	return true
"""


def adapt_encoder(text):
    start = text.find('\tlocal divide_ok, divide_ok_err')
    end = text.find('\treturn true', start)
    if start < 0 or end < 0:
        return None
    return text[:start] + DESIGN_13_TRY_DIVIDE + text[end + len('\treturn true\n'):]


def assemble(src, app, shared):
    wasm_dir = os.path.join(app, "src", "test", "wasm")
    os.makedirs(wasm_dir)
    files = {}
    for name in src.list(CASES):
        data = src.read(f"{CASES}/{name}")
        if data is None:
            notice(f"{name}: not in this copy of the reference (unreadable blob)")
            continue
        files[name] = data
    index = files.pop("_index.yaml").decode()
    by_hash = fixtures_by_hash(shared)
    # Each WASM an entry loads, by path and sha256: the reference's copy, else the fixture.
    for path, digest in set(re.findall(r"path: /(\S+)\n\s+hash: sha256:([0-9a-fA-F]{64})", index)):
        digest = digest.lower()
        if path in files and sha256(files[path]) == digest:
            continue
        if digest in by_hash:
            notice(f"{path}: from the fixtures ({os.path.basename(by_hash[digest])}, same sha256)")
            with open(by_hash[digest], "rb") as f:
                files[path] = f.read()
        else:
            notice(f"{path}: no file with sha256 {digest[:12]}… in the reference or the fixtures")
    for name, data in files.items():
        with open(os.path.join(wasm_dir, name), "wb") as f:
            f.write(data)
    enc = files.get("call_encoder_wasm.lua")
    adapted = adapt_encoder(enc.decode()) if enc else None
    if adapted:
        with open(os.path.join(wasm_dir, "call_encoder_wasm_design13.lua"), "w") as f:
            f.write(adapted)
        head, blocks = split_entries(index)
        for b in blocks:
            if block_name(b) == "call_encoder_wasm":
                blocks.append(b.replace("name: call_encoder_wasm", "name: call_encoder_wasm_design13")
                               .replace("file://call_encoder_wasm.lua", "file://call_encoder_wasm_design13.lua"))
                break
        index = head + "".join(blocks)
    else:
        notice("call_encoder_wasm.lua changed upstream: no DESIGN §1.3 variant")
    with open(os.path.join(wasm_dir, "_index.yaml"), "w") as f:
        f.write(index)
    lib = os.path.join(app, "src", "lib")
    os.makedirs(lib)
    assert_lua = src.read("tests/app/src/lib/assert.lua")
    if assert_lua is None:
        raise SystemExit("wasm_cases: the reference has no tests/app/src/lib/assert.lua")
    with open(os.path.join(lib, "assert.lua"), "wb") as f:
        f.write(assert_lua)
    with open(os.path.join(lib, "_index.yaml"), "w") as f:
        f.write(LIB_INDEX)
    with open(os.path.join(app, "src", "_index.yaml"), "w") as f:
        f.write(SUPPORT_INDEX)


def boot_problems(wirt, app):
    """Entry names (in app.test.wasm) wirt refuses at boot, with the messages."""
    r = subprocess.run([wirt, "check", "-a", app], capture_output=True, text=True, timeout=600)
    if r.returncode == 0:
        return {}
    problems = {}
    for line in (r.stderr + r.stdout).splitlines():
        m = re.search(r"entry app\.test\.wasm:([A-Za-z0-9_.\-]+)", line)
        if m:
            problems.setdefault(m.group(1), line.strip())
    if not problems:
        print(r.stdout + r.stderr)
        raise SystemExit("wasm_cases: the scratch app does not boot, and no entry is named")
    return problems


def drop_entries(app, names):
    p = os.path.join(app, "src", "test", "wasm", "_index.yaml")
    head, blocks = split_entries(open(p).read())
    kept = [b for b in blocks if block_name(b) not in names]
    with open(p, "w") as f:
        f.write(head + "".join(kept))


def load_expected():
    expected = {}
    with open(os.path.join(HERE, "wasm_cases.expected")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                expected[name] = reason.strip()
    return expected


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    wirt = sys.argv[1]
    keep = "--keep" in sys.argv
    src = find_reference()
    if src is None:
        print("skipped: no copy of wippyai/runtime (fetch it, or set WIRT_REFERENCE_RUNTIME to a checkout)")
        return SKIP
    shared = os.environ.get("WIRT_SHARED_DIR") or os.path.join(HERE, "..", "..", "..", "shared")
    app = tempfile.mkdtemp(prefix="wirt-reference-wasm-")
    try:
        notice(f"reference: {src.path}; scratch app: {app}")
        assemble(src, app, shared)
        dropped = {}
        for _ in range(5):  # a dropped entry can leave another one dangling (endpoint → function)
            problems = boot_problems(wirt, app)
            if not problems:
                break
            for name, why in problems.items():
                notice(f"left out {name}: {why}")
            dropped.update(problems)
            drop_entries(app, set(problems))
        r = subprocess.run([wirt, "test", "-a", app], capture_output=True, text=True, timeout=840)
        print(r.stdout, end="")
        results = {}
        for line in r.stdout.splitlines():
            m = re.match(r"(PASS|FAIL) app\.test\.wasm:(\S+)", line)
            if m:
                results[m.group(2)] = (m.group(1), line)
        for name in dropped:
            if name.startswith("call_"):
                results[name] = ("FAIL", f"FAIL app.test.wasm:{name}: left out at boot: {dropped[name]}")
        expected = load_expected()
        bad = []
        for name, (verdict, line) in sorted(results.items()):
            if verdict == "FAIL" and name not in expected:
                bad.append(f"unexpected failure: {line}")
            elif verdict == "PASS" and name in expected:
                bad.append(f"{name} passes now: remove it from wasm_cases.expected")
            elif verdict == "FAIL":
                notice(f"expected failure {name}: {expected[name]}")
        for name in expected:
            if name not in results:
                bad.append(f"{name} is listed in wasm_cases.expected but did not run")
        if not any(v == "PASS" for v, _ in results.values()):
            bad.append("no case passed")
        for b in bad:
            print(f"wasm_cases: {b}")
        passed = sum(1 for v, _ in results.values() if v == "PASS")
        notice(f"{passed} passed, {len(results) - passed} failed ({len(bad)} not as expected)")
        return 1 if bad else 0
    finally:
        if keep:
            notice(f"kept {app}")
        else:
            shutil.rmtree(app, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
