#!/usr/bin/python3
"""bench/scaling.py SCALING.TSV OUT.PNG: plot store size and ingest time
against samples from bench/run's scaling table (samples, sites, store
bytes, VCF.gz bytes, ingest seconds, peak RSS MiB), per genotype so that
runs with fewer sites compare. Needs Debian's python3-matplotlib."""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = [list(map(float, l.split("\t"))) for l in open(sys.argv[1]) if l.strip()]
n = [r[0] for r in rows]
g = [r[0] * r[1] for r in rows]
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.plot(n, [8 * r[2] / gi for r, gi in zip(rows, g)], "o-", label="varamu store")
a.plot(n, [8 * r[3] / gi for r, gi in zip(rows, g)], "s--", label="VCF.gz")
a.set(xscale="log", xlabel="samples", ylabel="bits per genotype", title="Size")
a.legend()
b.plot(n, [1e9 * r[4] / gi for r, gi in zip(rows, g)], "o-", label="ingest")
b.set(xscale="log", xlabel="samples", ylabel="ns per genotype", title="Ingest time")
for r in rows:
    b.annotate(f"{int(r[1]):,} sites\n{int(r[5])} MiB", (r[0], 1e9 * r[4] / (r[0] * r[1])), fontsize=7)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
