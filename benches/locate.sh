#!/usr/bin/env bash
# Benchmark indexing and resolving a kustomize repository: 10,000 workloads in 1,000 bases,
# used by 2,000 overlays (prod and staging) with namespaces and name prefixes. Times
# `plan --workload` for one workload of the prod cluster (it indexes the repository and resolves
# every rendering), median of RUNS, and peak RSS. Rerunnable; data goes to benches/out/locate/.
set -euo pipefail
cd "$(dirname "$0")/.."
BASES=${BASES:-1000}
PER=${PER:-10}
RUNS=${RUNS:-5}
OUT=benches/out/locate
BIN=target/release/gitops-restart
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --locked
rm -rf "$OUT" && mkdir -p "$OUT"
python3 benches/gen_overlays.py "$OUT/repo" "$BASES" "$PER"
: >"$OUT/runs.tsv"
for run in $(seq "$RUNS"); do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$OUT/rss" "$BIN" plan --repo "$OUT/repo" --cluster prod \
        --workload app0500/Deployment/prod-svc05 --restarted-at 2026-11-20 --output json >"$OUT/plan.json"
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(tail -n1 "$OUT/rss")" >>"$OUT/runs.tsv"
done
python3 - "$OUT/plan.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["workloads"][0]
assert w["action"] == "bump" and w["file"] == "apps/app0500/overlays/prod/gitops-restart-patch.yaml", w
PY
wall=$(cut -d' ' -f1 "$OUT/runs.tsv" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
rss=$(cut -d' ' -f2 "$OUT/runs.tsv" | sort -n | tail -n1)
echo "index + resolve $((BASES * PER)) workloads in $((BASES * 2)) overlays: median ${wall} ms over $RUNS runs, peak RSS $((rss / 1024)) MB"
