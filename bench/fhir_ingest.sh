#!/usr/bin/env bash
# Benchmark: FHIR Bulk NDJSON ingest (varamu ingest fhir).
#
# Generates the synthetic biobank's FHIR Bulk NDJSON with
# `varamu datasets synth` (PEOPLE people, default 200000), ingests it into a
# fresh store under /usr/bin/time -v, and reports resources per second
# (wall clock and per CPU second) and peak RSS. Goal (issue 5): >= 50,000
# resources/s on 2 cores, peak RSS < 2 GiB.
#
# Usage: bench/fhir_ingest.sh [PEOPLE] [WORKDIR]
#   VARAMU=path/to/varamu to use an existing binary (default: go build).
set -euo pipefail

people=${1:-200000}
work=${2:-$(mktemp -d -t varamu-fhir-bench.XXXXXX)}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"

varamu=${VARAMU:-}
if [[ -z "$varamu" ]]; then
	varamu="$work/varamu"
	(cd "$root" && go build -o "$varamu" ./cmd/varamu)
fi

data="$work/synth-$people"
if [[ ! -f "$data/synth.json" ]]; then
	"$varamu" datasets synth --people "$people" --seed 1 --background 10 --out "$data" >&2
fi
input_mb=$(du -sm "$data/fhir" | cut -f1)

store="$work/store"
rm -rf "$store"
log="$work/ingest.log"
/usr/bin/time -v "$varamu" ingest fhir --store "$store" "$data/fhir" \
	--biobank-samples "$data/biobank/samples.tsv" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }

resources=$(sed -n 's/^ingest [^:]*: [0-9]* files, \([0-9]*\) resources.*/\1/p' "$log")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
user=$(sed -n 's/.*User time (seconds): //p' "$log")
sys=$(sed -n 's/.*System time (seconds): //p' "$log")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
store_mb=$(du -sm "$store" | cut -f1)

grep -E '^(ingest|  )' "$log"
awk -v n="$resources" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss_kb" \
	-v people="$people" -v in_mb="$input_mb" -v st_mb="$store_mb" -v cpus="$(nproc)" 'BEGIN {
	cpu = user + sys
	printf "people %d, input %d MB NDJSON, store %d MB\n", people, in_mb, st_mb
	printf "resources %d, wall %.2fs, cpu %.2fs (%d cpus)\n", n, wall, cpu, cpus
	printf "resources/s (wall): %.0f\n", n / wall
	printf "resources/s per cpu-second: %.0f (x2 cores = %.0f)\n", n / cpu, 2 * n / cpu
	printf "peak RSS: %.0f MiB\n", rss / 1024
}'
