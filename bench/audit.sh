#!/usr/bin/env bash
# bench/audit.sh: audit log figures (issue 11), every entry acknowledged
# only once durable (fsynced and integrated):
#   - appends per second and the submit-to-durable latency (p50, p99) for
#     one and 64 writers, each waiting for every entry (decision: what
#     logging adds to one access decision) or keeping many outstanding
#     (pipelined), A/B: A hands each entry to tessera's queue directly
#     (before group commit), B is the log as shipped (group commit);
#     RUNS runs of each (default 5), interleaved, medians with min-max;
#   - the raw durability cost of the disk (fsync, one file replaced the way
#     tessera's POSIX storage replaces each file), which bounds the rest;
#   - with strace, the fsyncs of 200 one-entry decisions, A and B;
#   - the time to verify a log of ENTRIES entries (default 1,000,000; 0
#     skips it).
# The machine's load average is printed before and after: on a shared
# machine every figure is a shared-machine figure.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ENTRIES=${ENTRIES:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/audit.test" ./audit/
load() { echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
echo "machine: $(nproc) cores, $(uname -sr); $(load)"

# summarise FILE: per case, median (min-max) of each metric.
summarise() {
  awk '/^Benchmark/ {
      name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark[A-Za-z]+\//, "", name)
      for (i = 3; i < NF; i++) if ($(i+1) ~ /entries\/s|in-tree\/s|p50-ms|p99-ms|ns\/op/) { v[name, $(i+1)] = v[name, $(i+1)] " " $i; if (!seen[name]++) order[++n] = name }
    }
    function stat(list,   a, k, i, j, t) {
      k = split(list, a, " ")
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return sprintf("%s (%s-%s)", (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2, a[1], a[k])
    }
    END {
      for (c = 1; c <= n; c++) {
        line = sprintf("  %-24s", order[c])
        split("entries/s in-tree/s p50-ms p99-ms ns/op", us, " ")
        for (i = 1; i <= 5; i++) if ((order[c], us[i]) in v && !(us[i] == "ns/op" && (order[c], "entries/s") in v)) line = line sprintf("  %s %s", us[i], stat(v[order[c], us[i]]))
        print line
      }
    }' "$1"
}

echo "== disk: raw durability cost, $RUNS runs (ns/op = one operation)"
for _ in $(seq "$RUNS"); do
  (cd "$tmp" && ./audit.test -test.run '^$' -test.bench '^BenchmarkDisk$' -test.benchtime 200x) | grep '^Benchmark' >>"$tmp/disk"
done
summarise "$tmp/disk"

if command -v strace >/dev/null; then
  echo "== syscalls of 200 one-entry batches (decision/writers=1)"
  for ab in A B; do
    direct=; [ "$ab" = A ] && direct=1
    (cd "$tmp" && VARAMU_BENCH_DIRECT=$direct strace -f -c -e trace=fsync,fdatasync,renameat,renameat2 -o "$tmp/strace" \
      ./audit.test -test.run '^$' -test.bench '^BenchmarkAppend$/^decision/writers=1$' -test.benchtime 1x >/dev/null)
    echo "  $ab:"
    grep -E 'fsync|fdatasync|rename' "$tmp/strace" | awk '{print "    " $NF ": " $4 " calls, " $4/200 " per decision"}'
  done
  echo "  (each rename is a file written with O_SYNC before it: one more flush per rename)"
fi

echo "== appends, A (tessera queue directly) / B (journal), $RUNS runs each, $(load)"
for _ in $(seq "$RUNS"); do
  (cd "$tmp" && VARAMU_BENCH_DIRECT=1 ./audit.test -test.run '^$' -test.bench '^BenchmarkAppend$' -test.benchtime 1x) | grep '^Benchmark' >>"$tmp/a"
  (cd "$tmp" && ./audit.test -test.run '^$' -test.bench '^BenchmarkAppend$' -test.benchtime 1x) | grep '^Benchmark' >>"$tmp/b"
done
echo "A: tessera's queue directly"
summarise "$tmp/a"
echo "B: write-ahead journal (as shipped)"
summarise "$tmp/b"
echo "after: $(load)"

if [ "$ENTRIES" -gt 0 ]; then
  echo "== verify"
  (cd "$tmp" && VARAMU_BENCH_ENTRIES=$ENTRIES ./audit.test -test.run '^$' -test.bench '^BenchmarkVerify$' -test.benchtime 1x -test.timeout 30m -test.v) | grep -E '^Benchmark|built'
  load
fi
