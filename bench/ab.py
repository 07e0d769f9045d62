#!/usr/bin/env python3
"""bench/ab.py REPS FIGURE -- VARAMU-COMMAND... -- PEER-COMMAND...

Times two commands alternately (A B A B ..., REPS runs each, output
discarded, process start-up included) and prints one row: the figure, each
command's median wall seconds with its min-max, and the ratio of the
medians (peer / varamu: above 1 means varamu is faster). A failing run is
an error.
"""
import statistics
import subprocess
import sys
import time


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main(argv):
    if len(argv) < 5 or argv[2] != "--" or "--" not in argv[3:]:
        sys.exit(__doc__)
    reps, figure = int(argv[0]), argv[1]
    rest = argv[3:]
    k = rest.index("--")
    a, b = rest[:k], rest[k + 1:]
    ta, tb = [], []
    for _ in range(reps):
        ta.append(run(a))
        tb.append(run(b))
    ma, mb = statistics.median(ta), statistics.median(tb)
    print(f"{figure:<48} {ma:8.3f} [{min(ta):.3f}-{max(ta):.3f}]  {mb:8.3f} [{min(tb):.3f}-{max(tb):.3f}]  {mb / ma:7.2f}x",
          flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
