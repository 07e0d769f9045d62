#!/usr/bin/env bash
# Benchmark (issue 13): varamu risk score against plink2 --score on the same
# synthetic cohort. plink2 reads its own .pgen made beforehand (the
# conversion time is reported separately, as is varamu's ingest). Runs
# alternate varamu, plink2, varamu, plink2 ... RUNS times each; medians with
# min–max, the throughput ratio, and peak RSS. Then the same with 10 scores
# at once (10 scoring files for varamu, 10 weight columns for plink2). The
# scores of both tools are compared sample by sample.
#
# plink2 is given the variants varamu matched (as pgsc_calc does after its
# matching step), with the effect allele as named in the store.
#
# Usage: bench/risk.sh [SAMPLES] [VARIANTS] [SCORE_VARIANTS] [RUNS] [WORKDIR]
# The issue's size is 20000 1000000 1000000 5.
#
# A prepared WORKDIR is used as it is: each input (cohort.vcf.gz, store/,
# cohort.pgen, score1..10.txt) is made only when missing, so inputs made
# beforehand (or symlinked; the store must be a writable copy, as the runs
# add risk tables to it) are not made again. SCORES="1" runs only the
# 1-score pair, SCORES="10" only the 10-score one (default "1 10").
# VARAMU=path runs that binary instead of building this checkout's.
# Every run's wall time, CPU time (user + sys) and peak RSS is reported,
# with the load average before each pair: the machine may be shared.
set -euo pipefail
samples=${1:-20000}
variants=${2:-1000000}
svars=${3:-$variants}
runs=${4:-5}
work=${5:-bench/out/risk-$samples-$variants}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
V="$work/varamu"
if [[ -n "${VARAMU:-}" ]]; then # a binary built beforehand (e.g. of another branch)
  cp "$VARAMU" "$V"
else
  (cd "$root" && go build -o "$V" ./cmd/varamu)
fi
T() { /usr/bin/time -f "%e %M %U %S" "$@"; }
scores=${SCORES:-1 10}
echo "machine: $(nproc) cores, shared; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# plink2 --score multiplies through the BLAS Debian links it with: the
# reference libblas3 runs on one core, OpenBLAS (which .ci/run's Python
# packages bring) on all; a figure means nothing without saying which.
echo "plink2: $(plink2 --version | head -1); its BLAS: $(readlink -f "$(ldconfig -p | awk '/libblas.so.3 .*x86-64/ { print $NF; exit }')")"

autosomes=$(seq -s, -f 'chr%g' 1 22)
vcf="$work/cohort.vcf.gz"
if [[ ! -f "$vcf" ]]; then
  read -r s m _ < <(T "$V" datasets synth-vcf --samples "$samples" --variants "$variants" --seed 1 --chromosomes "$autosomes" -o "$vcf" 2>&1 >/dev/null | tail -1)
  echo "generating the VCF ($samples samples x $variants variants): $s s"
fi
store="$work/store"
if [[ ! -f "$store/manifest.json" ]]; then
  read -r s m _ < <(T "$V" ingest vcf --store "$store" "$vcf" 2>&1 >/dev/null | tail -1)
  echo "varamu ingest vcf (conversion): $s s, peak RSS $((m / 1024)) MiB"
fi
if [[ ! -f "$work/cohort.pgen" ]]; then
  read -r s m _ < <(T plink2 --vcf "$vcf" --vcf-half-call missing --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 1000 \
    --make-pgen --out "$work/cohort" --silent 2>&1 | tail -1)
  echo "plink2 --make-pgen (conversion): $s s, peak RSS $((m / 1024)) MiB"
fi
[[ -f "$work/score1.txt" ]] || "$V" datasets synth-pgs --vcf "$vcf" --variants "$svars" --seed 1 --id S1 -o "$work/score1.txt" >/dev/null
# Scores 2..10: the same variants with other weights (reading the VCF once).
for k in $(seq 2 10); do
  [[ -f "$work/score$k.txt" ]] || awk -v k="$k" 'BEGIN { FS = OFS = "\t"; srand(k) }
    /^#pgs_id=/ { print "#pgs_id=S" k; next } /^#pgs_name=/ { print "#pgs_name=S" k; next }
    /^#/ || $1 == "chr_name" { print; next } { $5 = sprintf("%.6g", (rand() - 0.5) / 10); print }' \
    "$work/score1.txt" >"$work/score$k.txt"
done

# One varamu run to learn the matched variants; plink2 gets those.
# Kept from an earlier run on the same WORKDIR when both of its outputs exist
# (delete plink2-scores.tsv to list them again).
if [[ ! -s "$work/plink2-scores.tsv" || ! -s "$work/varamu10.csv" ]]; then
  read -r s m u y < <(T "$V" risk score --store "$store" "$work"/score{1..10}.txt --format csv 2>&1 >"$work/varamu10.csv" | tee "$work/varamu10.err" | tail -1)
  echo "varamu, 10 scores, the run listing the matched variants: $s s wall, $(awk -v a="$u" -v b="$y" 'BEGIN { print a + b }') s CPU, peak RSS $((m / 1024)) MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$V" query --store "$store" --format csv \
    "PIVOT (SELECT replace(chrom, 'chr', '') || ':' || pos || ':' || store_ref || ':' || store_alts AS id, store_allele AS allele, score_id, weight
            FROM risk_matches WHERE match IN ('direct', 'swapped', 'flipped', 'flipped-swapped', 'ambiguous-resolved'))
     ON score_id IN ('S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10') USING first(weight) GROUP BY id, allele ORDER BY id" \
    2>/dev/null | python3 -c '
import csv, sys
r = csv.reader(sys.stdin)
w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
for row in r:
    w.writerow([x if x != "" else "0" for x in row])
' >"$work/plink2-scores.tsv"
fi
echo "plink2 scoring rows: $(($(wc -l <"$work/plink2-scores.tsv") - 1))"

run_pair() { # label, varamu args..., --, plink2 args...
  local label=$1; shift
  local va=() pa=()
  while [[ $1 != -- ]]; do va+=("$1"); shift; done; shift
  pa=("$@")
  local vt=() vm=() vc=() pt=() pm=() pc=()
  local load0
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  for i in $(seq 1 "$runs"); do
    read -r s m u y < <(T "$V" "${va[@]}" 2>&1 >/dev/null | tail -1); vt+=("$s"); vm+=("$m"); vc+=("$(awk -v a="$u" -v b="$y" 'BEGIN { print a + b }')")
    read -r s m u y < <(T plink2 "${pa[@]}" 2>&1 >/dev/null | tail -1); pt+=("$s"); pm+=("$m"); pc+=("$(awk -v a="$u" -v b="$y" 'BEGIN { print a + b }')")
  done
  python3 - "$label" "$samples" "${vt[*]}" "${vm[*]}" "${pt[*]}" "${pm[*]}" "${vc[*]}" "${pc[*]}" "$load0 -> $(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
label, n = sys.argv[1], int(sys.argv[2])
vt, vm, pt, pm, vc, pc = ([float(x) for x in a.split()] for a in sys.argv[3:9])
mv, mp, cv, cp = statistics.median(vt), statistics.median(pt), statistics.median(vc), statistics.median(pc)
print(f"{label}: varamu {mv:.2f} s ({min(vt):.2f}–{max(vt):.2f}), plink2 {mp:.2f} s ({min(pt):.2f}–{max(pt):.2f}); "
      f"throughput ratio {mp/mv:.2f}x (>1: varamu faster); peak RSS varamu {max(vm)/1024:.0f} MiB, plink2 {max(pm)/1024:.0f} MiB")
print(f"  CPU (user+sys): varamu {cv:.2f} s ({min(vc):.2f}–{max(vc):.2f}), plink2 {cp:.2f} s ({min(pc):.2f}–{max(pc):.2f}); "
      f"ratio by CPU {cp/cv:.2f}x; {len(vt)} alternating runs each; load average {sys.argv[9]}")
PY
}
cols1=$(head -1 "$work/plink2-scores.tsv" | awk -F'\t' '{for(i=1;i<=NF;i++) if($i=="S1") print i}')
ncol=$(head -1 "$work/plink2-scores.tsv" | awk -F'\t' '{print NF}')
[[ " $scores " == *" 1 "* ]] && run_pair "1 score of $svars variants x $samples samples" risk score --store "$store" "$work/score1.txt" --format csv -- \
  --pfile "$work/cohort" --score "$work/plink2-scores.tsv" 1 2 header-read ignore-dup-ids cols=+scoresums --score-col-nums "$cols1" --threads "$(nproc)" --out "$work/p1"
[[ " $scores " == *" 10 "* ]] && run_pair "10 scores at once" risk score --store "$store" "$work"/score{1..10}.txt --format csv -- \
  --pfile "$work/cohort" --score "$work/plink2-scores.tsv" 1 2 header-read ignore-dup-ids cols=+scoresums --score-col-nums "3-$ncol" --threads "$(nproc)" --out "$work/p10"

# Equal scores: S1 sums of both tools.
[[ -f "$work/p1.sscore" ]] && python3 - "$work/varamu10.csv" "$work/p1.sscore" <<'PY'
import csv, sys
ours = {(r["sample"]): float(r["sum"]) for r in csv.DictReader(open(sys.argv[1])) if r["score"] == "S1"}
rows = list(csv.reader(open(sys.argv[2]), delimiter="\t"))
col = rows[0].index("S1_SUM")
worst = 0.0
for r in rows[1:]:
    p, v = float(r[col]), ours[r[0]]
    worst = max(worst, abs(p - v) / max(abs(v), 1e-12))
print(f"S1: {len(rows)-1} samples compared, worst relative difference {worst:.2g} (plink2 prints 6 significant digits)")
PY
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
