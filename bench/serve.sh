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

data="$work/synth"
[[ -f "$data/synth.json" ]] || "$V" datasets synth --people "$people" --seed 1 --out "$data" >&2
store="$work/store"
if [[ ! -f "$store/manifest.json" ]]; then
  "$V" ingest vcf --store "$store" "$data/genotypes.vcf.gz" >&2
  "$V" ingest fhir --store "$store" --biobank-samples "$data/biobank/samples.tsv" "$data/fhir" >&2
  "$V" annotate --store "$store" --outside-calls "$data/biobank/outside-calls.tsv" >&2
fi
[[ -z "${PREP_ONLY:-}" ]] || exit 0
rm -rf "$work/ca"
"$V" dev-ca --store "$store" --out "$work/ca" >/dev/null
"$V" serve --store "$store" --config "$work/ca/serve.toml" --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.5; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
echo "server $url (pid $pid), $(nproc) cores shared with the load generator"
/usr/bin/time -f "load generator: peak RSS %M KiB" "$work/serveload" -store "$store" -ca "$work/ca" -url "$url" -clients "${CLIENTS:-200,1000}" -duration "${DURATION:-30s}"
ps -o rss= -p $pid | awk '{printf "server peak-ish RSS now: %d MiB\n", $1/1024}'
