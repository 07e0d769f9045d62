#!/usr/bin/env bash
# Benchmark (issue 12): the research API at biobank size. Builds a
# synthetic biobank store of PEOPLE people (default 200000) with HIS
# records, consents and PGx annotation, makes dev-ca certificates (the
# researcher is a member of demo-hmb), starts varamu serve on loopback and
# times over TLS with curl, RUNS times each (default 5):
#   first   the first cohort count (builds or loads the project's consented
#           view)
#   history HISTORY (default 60) distinct cross-tabs asked once each
#           (pairs of sex, age band, PGx phenotypes, medications,
#           conditions), so that the timed answers are checked against a
#           realistic history of earlier answers (a refused one counts)
#   first-b the first Beacon count after the server started (decides the
#           view's people again, logged, when the view was loaded from the
#           store rather than built by this server)
#   count   a cohort count (conditions × medication)
#   xtab    a cross-tab (sex × CYP2C19 phenotype)
#   beacon  a one-position genotype count (Beacon v2, count granularity)
# and prints median, min and max per question, of the wall time and of the
# server's CPU time, with the load average. The machine may be shared: the
# load average is printed before and after, and the CPU time is what an
# answer costs on an idle machine with one core (the server's own
# parallelism aside).
#
# Usage: bench/research.sh [PEOPLE] [WORKDIR]; PREP_ONLY=1 builds the store
# and stops; RUNS=N changes the repetitions, HISTORY=N the earlier answers.
set -euo pipefail
people=${1:-200000}
work=${2:-bench/out/research-$people}
runs=${RUNS:-5}
history=${HISTORY:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
V="$work/varamu"
(cd "$root" && go build -o "$V" ./cmd/varamu)

. "$root/bench/biobank.sh"
biobank_store "$V" "$people" "$work"
store="$work/store"
[[ -z "${PREP_ONLY:-}" ]] || exit 0
biobank_serve "$V" "$work"
ca="$work/ca"
echo "people $people, server $url, $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ask METHOD PATH [BODY]: prints the seconds curl took and the CPU
# seconds the server spent meanwhile (its utime + stime: what the answer
# costs whatever the machine's load); fails on a non-200 (or, with
# REFUSED_OK set, a status other than 200 and 409).
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ask() {
  local out c0 c1
  c0=$(cpu)
  out=$(curl -sS -o "$work/answer.json" -w '%{http_code} %{time_total}' --cacert "$ca/ca.pem" --cert "$ca/researcher.pem" \
    --key "$ca/researcher.key" -X "$1" "$url$2" ${3:+-H 'Content-Type: application/json' --data "$3"})
  c1=$(cpu)
  [[ ${out%% *} == 200 || -n ${REFUSED_OK:-} && ${out%% *} == 409 ]] || { echo "HTTP ${out%% *} for $2: $(cat "$work/answer.json")" >&2; exit 1; }
  echo "${out#* } $(awk -v d=$((c1 - c0)) -v t="$tick" 'BEGIN {printf "%.2f", d / t}')"
}
# stats NAME "WALL CPU"...: median, min, max of the wall and the CPU
# seconds.
stats() {
  local name=$1; shift
  for col in 1 2; do
    printf '%s\n' "$@" | awk -v c=$col '{print $c}' | sort -g | awk -v n="$name" -v what="$([[ $col == 1 ]] && echo wall || echo cpu)" \
      '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2;
      printf "%-8s %-4s median %.3f s  (min %.3f, max %.3f, %d runs)\n", n, what, m, v[1], v[NR], NR}'
  done
}
count='{"conditions": ["I25"], "medications": ["B01AC"]}'
xtab='{"dimensions": ["sex", "phenotype:CYP2C19"]}'
beacon='/research/demo-hmb/beacon/g_variants?referenceName=chr10&start=94781858&referenceBases=G&alternateBases=A&requestedGranularity=count'
stats first "$(ask POST /research/demo-hmb/cohorts "$count")"
stats first-b "$(ask GET "$beacon")"
dims=(sex age_band phenotype:CYP2C19 phenotype:CYP2D6 phenotype:CYP2C9 phenotype:SLCO1B1 phenotype:TPMT phenotype:DPYD
  phenotype:CYP3A5 phenotype:NUDT15 phenotype:UGT1A1 medication:B01AC medication:C10AA condition:I25 condition:E11 condition:I10 condition:J45)
h=()
for a in "${dims[@]}"; do
  for b in "${dims[@]}"; do
    [[ $a != "$b" ]] || continue
    (( ${#h[@]} < history )) || break 2
    h+=("$(REFUSED_OK=1 ask POST /research/demo-hmb/cohorts "{\"dimensions\": [\"$a\", \"$b\"]}")")
  done
done
(( ${#h[@]} == 0 )) || stats history "${h[@]}"
c=(); x=(); b=()
for _ in $(seq "$runs"); do
  c+=("$(ask POST /research/demo-hmb/cohorts "$count")")
  x+=("$(ask POST /research/demo-hmb/cohorts "$xtab")")
  b+=("$(ask GET "$beacon")")
done
stats count "${c[@]}"
stats xtab "${x[@]}"
stats beacon "${b[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
ps -o rss= -p $pid | awk '{printf "server RSS: %d MiB\n", $1/1024}'
