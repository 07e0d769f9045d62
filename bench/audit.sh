#!/usr/bin/env bash
# bench/audit.sh: audit log figures (issue 11): appends per second and the
# latency an Append adds to one access decision (p50, p99) with 1 and 64
# concurrent writers, and the time to verify a log of ENTRIES entries
# (default 1,000,000). Every Append is acknowledged only once fsynced.
set -eu
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-1000000}
APPENDS=${APPENDS:-3000}
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench '^BenchmarkAppend$' -benchtime "${APPENDS}x" -count 1 ./audit/ | grep -E '^Benchmark'
VARAMU_BENCH_ENTRIES=$ENTRIES go test -run '^$' -bench '^BenchmarkVerify$' -benchtime 1x -count 1 -timeout 30m -v ./audit/ | grep -E '^Benchmark|built'
