#!/usr/bin/env python3
"""bench/ab.py REPS FIGURE -- VARAMU-COMMAND... -- PEER-COMMAND...

Times two commands alternately (A B A B ..., REPS runs each, output
discarded, process start-up included) and prints one row: the figure, each
command's median wall seconds with its min-max, the ratio of the medians
(peer / varamu: above 1 means varamu is faster), and each one's median CPU
seconds (user + system), which a loaded machine inflates less than wall
time. A failing run is an error.
"""
import resource
import statistics
import subprocess
import sys
import time


def run(cmd):
    """Wall seconds and CPU seconds (user + system, the command and its
    children) of one run."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    d = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return d, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main(argv):
    if len(argv) < 5 or argv[2] != "--" or "--" not in argv[3:]:
        sys.exit(__doc__)
    reps, figure = int(argv[0]), argv[1]
    rest = argv[3:]
    k = rest.index("--")
    a, b = rest[:k], rest[k + 1:]
    ta, tb, ca, cb = [], [], [], []
    for _ in range(reps):
        for cmd, t, c in ((a, ta, ca), (b, tb, cb)):
            wall, cpu = run(cmd)
            t.append(wall)
            c.append(cpu)
    ma, mb = statistics.median(ta), statistics.median(tb)
    qa, qb = statistics.median(ca), statistics.median(cb)
    print(f"{figure:<48} {ma:8.3f} [{min(ta):.3f}-{max(ta):.3f}]  {mb:8.3f} [{min(tb):.3f}-{max(tb):.3f}]  {mb / ma:7.2f}x"
          f"  cpu {qa:.3f} / {qb:.3f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
