#!/usr/bin/env bash
# Benchmark the live inventory: `plan` and `verify` against a fake Kubernetes API on 127.0.0.1
# (benches/fake_kube.py) serving a simulated cluster of 50,000 Fargate pods with their 5,000
# ReplicaSets and Deployments and 500 PDBs, in pages of 500. Prints the requests the tool sent
# (target: the page count plus a handful), wall time (median of RUNS) and peak RSS (target:
# under 250 MB). Rerunnable; generated data goes to benches/out/cluster/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKLOADS=${WORKLOADS:-5000}
PODS=${PODS:-50000}
RUNS=${RUNS:-5}
OUT=benches/out/cluster
BIN=target/release/gitops-restart
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --locked
rm -rf "$OUT" && mkdir -p "$OUT"
python3 benches/gen_snapshot.py "$OUT" "$WORKLOADS" "$PODS"
echo "cluster: $(du -m "$OUT/snapshot.json" | cut -f1) MB as a snapshot" >&2

python3 benches/fake_kube.py "$OUT/snapshot.json" "$OUT/port" "$OUT/stats.json" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 300); do [ -s "$OUT/port" ] && break; sleep 0.1; done
PORT=$(cat "$OUT/port")
cat >"$OUT/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: bench
    cluster:
      server: http://127.0.0.1:$PORT
contexts:
  - name: bench
    context: {cluster: bench, user: bench}
current-context: bench
users:
  - name: bench
    user: {token: bench-token}
YAML

# Pages: each list needs ceil(n/500) requests, an empty one 1; discovery adds /apis.
pages=$(python3 - "$OUT/snapshot.json" <<'PY'
import json, sys, math, collections
c = collections.Counter(i["kind"] for i in json.load(open(sys.argv[1]))["items"])
kinds = ["Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "PodDisruptionBudget"]
print(sum(max(1, math.ceil(c[k] / 500)) for k in kinds))
PY
)

measure() { # NAME ARGS... ; appends "ms rss_kib requests" per run to $OUT/NAME.tsv
    local name=$1
    shift
    : >"$OUT/$name.tsv"
    for _ in $(seq "$RUNS"); do
        local before after start end
        before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$OUT/stats.json" 2>/dev/null || echo 0)
        start=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$OUT/rss" "$BIN" "$@" >"$OUT/$name.out" || [ $? = 2 ]
        end=$(date +%s%N)
        after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$OUT/stats.json")
        echo "$(((end - start) / 1000000)) $(tail -n1 "$OUT/rss") $((after - before))" >>"$OUT/$name.tsv"
    done
}
summary() { # NAME LABEL
    local wall rss requests
    wall=$(cut -d' ' -f1 "$OUT/$1.tsv" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    rss=$(cut -d' ' -f2 "$OUT/$1.tsv" | sort -n | tail -n1)
    requests=$(cut -d' ' -f3 "$OUT/$1.tsv" | sort -n | tail -n1)
    printf '| %s | %s | %s | %s ms | %s MB |\n' "$2" "$requests" "$pages" "$wall" "$((rss / 1024))"
}

measure plan plan --kubeconfig "$OUT/kubeconfig" --repo "$OUT/repo" --launched-before 2026-11-20 --output json
measure verify verify --kubeconfig "$OUT/kubeconfig" --repo "$OUT/repo" --launched-before 2026-11-20 --output json
measure snapshot plan --snapshot "$OUT/snapshot.json" --repo "$OUT/repo" --launched-before 2026-11-20 --output json

# The live plan must be the snapshot plan, less the cluster name the context gives.
python3 - "$OUT/plan.out" "$OUT/snapshot.out" <<'PY'
import json, sys
live, snap = (json.load(open(p)) for p in sys.argv[1:3])
assert live.pop("cluster") == "bench" and snap.pop("cluster") is None
assert live == snap, "live and snapshot plans differ"
PY
other=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["other"]))' "$OUT/stats.json")
[ "$other" = 0 ] || { echo "unexpected requests: see $OUT/stats.json" >&2; exit 1; }

echo "| run | requests | pages | wall time (median of $RUNS) | peak RSS |"
echo "|---|---:|---:|---:|---:|"
summary plan "\`plan\` from the cluster"
summary verify "\`verify\` from the cluster"
summary snapshot "\`plan\` from the same objects as a snapshot (no requests)"
