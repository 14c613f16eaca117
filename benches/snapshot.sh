#!/usr/bin/env bash
# Benchmark `plan` from a snapshot: 50,000 Fargate pods with their ReplicaSets and Deployments,
# against a repository of 5,000 workloads. Prints wall time (median of RUNS) and peak RSS.
# Rerunnable; generated data goes to benches/out/snapshot/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKLOADS=${WORKLOADS:-5000}
PODS=${PODS:-50000}
RUNS=${RUNS:-5}
OUT=benches/out/snapshot
BIN=target/release/gitops-restart
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --locked
rm -rf "$OUT" && mkdir -p "$OUT"
python3 benches/gen_snapshot.py "$OUT" "$WORKLOADS" "$PODS"
echo "snapshot: $(du -m "$OUT/snapshot.json" | cut -f1) MB, $(find "$OUT/repo" -name '*.yaml' | wc -l) manifests" >&2
: >"$OUT/runs.tsv"
for _ in $(seq "$RUNS"); do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$OUT/rss" "$BIN" plan --repo "$OUT/repo" --snapshot "$OUT/snapshot.json" \
        --launched-before 2026-11-20 --output json >"$OUT/plan.json"
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(tail -n1 "$OUT/rss")" >>"$OUT/runs.tsv"
done
bumps=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(w["action"]=="bump" for w in r["workloads"]))' "$OUT/plan.json")
[ "$bumps" = "$WORKLOADS" ] || { echo "expected $WORKLOADS bumps, got $bumps" >&2; exit 1; }
wall=$(cut -d' ' -f1 "$OUT/runs.tsv" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
rss=$(cut -d' ' -f2 "$OUT/runs.tsv" | sort -n | tail -n1)
echo "plan, $PODS pods, $WORKLOADS workloads: median ${wall} ms over $RUNS runs, peak RSS $((rss / 1024)) MB"
