#!/usr/bin/env bash
# Executes every notebook against a live research API: builds varamu, makes
# a synthetic biobank store (varamu demo), writes the development
# certificates and projects.json (varamu dev-ca), starts varamu serve on a
# free loopback port, runs each notebook with `jupyter nbconvert --execute`
# (a failing cell fails this script) and stops the server. Run from the
# repository root; .ci/run calls it. Needs Debian's jupyter-nbconvert,
# python3-ipykernel, python3-pandas, python3-matplotlib, python3-requests.
set -euo pipefail
cd "$(dirname "$0")/.."
people="${NOTEBOOK_PEOPLE:-400}"
work=$(mktemp -d /tmp/varamu-notebooks.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/varamu" ./cmd/varamu
"$work/varamu" demo --people "$people" --background 200 --out "$work/demo" >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
"$work/varamu" dev-ca --store "$work/demo/store" --out "$work/ca" >/dev/null
"$work/varamu" serve --store "$work/demo/store" --config "$work/ca/serve.toml" --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^listening on //p' "$work/serve.out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "varamu serve did not start"; cat "$work/serve.err"; exit 1; }
export VARAMU_URL="$url" VARAMU_CERTS="$work/ca" VARAMU_PROJECT=demo-hmb
for nb in notebooks/*.ipynb; do
  echo "notebook $nb"
  # The kernel runs in the notebook's directory (it imports varamu_research);
  # outputs go to the work directory, the repository stays clean.
  /usr/bin/python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
    --output-dir "$work/out" "$nb" >"$work/nbconvert.log" 2>&1 || { cat "$work/nbconvert.log"; exit 1; }
done
echo "notebooks done: $(ls notebooks/*.ipynb | wc -l) executed against $url"
