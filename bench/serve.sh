#!/usr/bin/env bash
# Benchmark (issue 10): varamu serve under load. Builds a synthetic biobank
# store of PEOPLE people (default 200000), annotates it, makes dev-ca
# certificates, starts varamu serve on loopback and runs bench/serveload:
# CDS Hooks order-sign for random annotated patients from 200 and then 1000
# concurrent TLS clients (client certificate), 30 s each, printing errors,
# p50, p99 and max, then the time from a store commit to its generation
# being served. The load generator and the server share the machine.
#
# Usage: bench/serve.sh [PEOPLE] [WORKDIR]
#   PREP_ONLY=1 builds the store and stops (so the load run can be timed
#   separately); CLIENTS=200,1000 and DURATION=30s change the runs.
set -euo pipefail
people=${1:-200000}
work=${2:-bench/out/serve-$people}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
V="$work/varamu"
(cd "$root" && go build -o "$V" ./cmd/varamu && go build -o "$work/serveload" ./bench/serveload)

. "$root/bench/biobank.sh"
biobank_store "$V" "$people" "$work"
store="$work/store"
[[ -z "${PREP_ONLY:-}" ]] || exit 0
biobank_serve "$V" "$work"
echo "server $url (pid $pid), $(nproc) cores shared with the load generator"
/usr/bin/time -f "load generator: peak RSS %M KiB" "$work/serveload" -store "$store" -ca "$work/ca" -url "$url" -clients "${CLIENTS:-200,1000}" -duration "${DURATION:-30s}"
ps -o rss= -p $pid | awk '{printf "server peak-ish RSS now: %d MiB\n", $1/1024}'
