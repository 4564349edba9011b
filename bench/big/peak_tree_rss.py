#!/usr/bin/env python3
"""Runs a command and samples the summed resident memory of its whole process tree (the
command and every descendant: parallel compilers included) every 0.2 s.
Prints "peak_tree_rss_kb=N wall_s=S" on stderr when the command ends; exits with its status.
Usage: peak_tree_rss.py COMMAND [ARGS...]"""
import os, subprocess, sys, time

def tree_rss_kb(root):
    children, rss = {}, {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/stat') as f:
                parts = f.read().rsplit(')', 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
        rss[int(pid)] = pages * os.sysconf('SC_PAGE_SIZE') // 1024
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total

t0 = time.monotonic()
proc = subprocess.Popen(sys.argv[1:])
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss_kb(proc.pid))
    time.sleep(0.2)
print(f"peak_tree_rss_kb={peak} wall_s={time.monotonic() - t0:.1f}", file=sys.stderr)
sys.exit(proc.returncode)
