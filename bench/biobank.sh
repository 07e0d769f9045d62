# Shared by bench/research.sh and bench/serve.sh (source it, then call its
# functions): the synthetic biobank store both benchmarks run against, and
# varamu serve started on it with dev-ca certificates.

# biobank_store VARAMU PEOPLE WORKDIR: makes WORKDIR/store (genotypes, HIS
# records with consents, PGx annotation) from WORKDIR/synth (datasets synth,
# seed 1) when the store is not there yet, and the synthetic input only
# then (a kept store needs no input). Progress goes to stderr.
biobank_store() {
  local V=$1 people=$2 work=$3
  local data="$work/synth" store="$work/store"
  if [[ ! -f "$store/manifest.json" ]]; then
    [[ -f "$data/synth.json" ]] || "$V" datasets synth --people "$people" --seed 1 --out "$data" >&2
    "$V" ingest vcf --store "$store" "$data/genotypes.vcf.gz" >&2
    "$V" ingest fhir --store "$store" --biobank-samples "$data/biobank/samples.tsv" "$data/fhir" >&2
    "$V" annotate --store "$store" --outside-calls "$data/biobank/outside-calls.tsv" >&2
  fi
}

# biobank_serve VARAMU WORKDIR: makes fresh dev-ca certificates in
# WORKDIR/ca for WORKDIR/store, starts varamu serve on a loopback port and
# waits until it listens. Sets pid (the server's process id, killed on
# exit) and url (https://127.0.0.1:PORT).
biobank_serve() {
  local V=$1 work=$2
  rm -rf "$work/ca"
  "$V" dev-ca --store "$work/store" --out "$work/ca" >/dev/null
  "$V" serve --store "$work/store" --config "$work/ca/serve.toml" --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 600); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.5; done
  url=$(sed -n 's/^listening on //p' "$work/serve.out")
  [[ -n $url ]] || { echo "varamu serve did not start: $(cat "$work/serve.log")" >&2; exit 1; }
}
