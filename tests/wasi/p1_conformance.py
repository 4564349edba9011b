#!/usr/bin/env python3
"""WASI preview1 conformance: every program of the wasi-testsuite folders (c, rust,
assemblyscript) run through `wirt exec` as wasi-testsuite's SPECIFICATION.md says: a scratch
copy of `root` preopened as "/", the spec's args and env (and nothing else), stdin empty, then
the exit code and (when the spec gives it) stdout compared. Prints `N passed, N failed, N skipped` per folder and exits 1
on a failure not listed in p1-exclusions.txt (an excluded program that passes is reported, so
the list shrinks); exits 77 (skipped) when the suite folder is absent.

usage: p1_conformance.py WIRT SUITE_DIR EXCLUSIONS [--tier2]
(--tier2: every program compiled by cc -O2 first, `wirt exec --tier2`)
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

FOLDERS = ["c", "rust", "assemblyscript"]
TIMEOUT = 60  # seconds per program


def load_exclusions(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def spec_of(wasm):
    spec = {"args": [], "env": {}, "root": None, "exit_code": 0}
    path = wasm[:-5] + ".json"
    if os.path.exists(path):
        with open(path) as f:
            spec.update(json.load(f))
    return spec


def writable_copy(src, dst):
    shutil.copytree(src, dst, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(dst):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    os.chmod(dst, os.stat(dst).st_mode | stat.S_IWUSR)


def run_one(wirt, folder, name, scratch, env_extra, tier2):
    wasm = os.path.join(folder, name + ".wasm")
    spec = spec_of(wasm)
    cmd = [wirt, "exec"] + (["--tier2"] if tier2 else [])
    if spec.get("root"):
        root = os.path.join(scratch, "root")
        writable_copy(os.path.join(folder, spec["root"]), root)
        cmd += ["--dir", root + "::/"]
    for k, v in spec.get("env", {}).items():
        cmd += ["--env", f"{k}={v}"]
    cmd += [wasm] + list(spec.get("args", []))
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT,
                           cwd=scratch, env=env_extra)
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT} s"
    want_code = spec.get("exit_code", 0)
    if p.returncode != want_code:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        return f"exit code {p.returncode}, want {want_code}: {' | '.join(err[-3:])}"
    # stdout is compared when the spec names it: upstream's runner adds its `read` operation
    # only then, and some programs (rust/path_open_preopen) print diagnostics there.
    want_out = spec.get("stdout")
    if want_out is not None and p.stdout.decode(errors="replace") != want_out:
        return f"stdout {p.stdout[:200]!r}, want {want_out[:200]!r}"
    return None


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    wirt, suite, exclusions_path = sys.argv[1:4]
    wirt, suite = os.path.abspath(wirt), os.path.abspath(suite)  # programs run in their scratch folder
    env_extra = dict(os.environ)
    tier2 = "--tier2" in sys.argv[4:]
    if not os.path.isdir(suite):
        print(f"notice: {suite} is absent: WASI p1 conformance skipped")
        return 77
    exclusions = load_exclusions(exclusions_path)
    unexpected, fixed = [], []
    totals = [0, 0, 0, 0]
    for sub in FOLDERS:
        folder = os.path.join(suite, sub)
        if not os.path.isdir(folder):
            print(f"{sub}: folder absent: skipped")
            continue
        passed = failed = skipped = excluded = 0
        for f in sorted(os.listdir(folder)):
            if f.endswith(".cleanup"):
                os.remove(os.path.join(folder, f))
        for f in sorted(os.listdir(folder)):
            if not f.endswith(".wasm"):
                continue
            name = f[:-5]
            key = f"{sub}/{name}"
            with tempfile.TemporaryDirectory(prefix="wasi-p1-") as scratch:
                why = run_one(wirt, folder, name, scratch, env_extra, tier2)
            if why is None:
                passed += 1
                if key in exclusions:
                    fixed.append(key)
                continue
            if key in exclusions:
                excluded += 1
                print(f"EXCLUDED {key}: {why} ({exclusions[key]})")
                continue
            failed += 1
            unexpected.append(key)
            print(f"FAIL {key}: {why}")
        print(f"{sub}: {passed} passed, {failed} failed, {skipped} skipped, {excluded} excluded")
        for i, n in enumerate([passed, failed, skipped, excluded]):
            totals[i] += n
        sys.stdout.flush()
    print(f"total: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped, {totals[3]} excluded")
    for key in fixed:
        print(f"note: {key} passes now: remove it from {exclusions_path}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
