#!/usr/bin/env bash
# Time hostile YAML in a repository with the release binary, and keep the result in
# BENCHMARKS.md: alias bombs (a billion nodes in under 1 KiB) in every kind of document the
# tool reads in full, nesting past the limit and repeated keys, beside one ordinary Deployment.
# The same files as tests/it/limits.rs, which checks the outcome (each skipped with its reason,
# the Deployment still planned) in a debug build; this measures the release build.
#
# Target (the hostile-input issue): each run under 1 s and 100 MB peak RSS.
#
# The section "## Hostile YAML in the repository" is replaced in BENCHMARKS.md, below the line
# that benches/editor.sh keeps (that script rewrites everything above it).
# Usage: benches/limits.sh            (RUNS=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
REPORT=${REPORT:-BENCHMARKS.md}
BIN=target/release/gitops-restart
REPO=benches/out/limits
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak RSS)" >&2
    apt-get install -y time >/dev/null
fi
cargo build --release --locked --quiet

rm -rf "$REPO" && mkdir -p "$REPO"
python3 - "$REPO" <<'PY'
import os, sys
root = sys.argv[1]
bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join(['*a%d' % (i - 1)] * 10)}]\n" for i in range(1, 9))
indented = "".join("  " + line + "\n" for line in bomb.splitlines())
heads = {
    "apps/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web.yaml]\n",
    "argo/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n",
    "flux/release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: shop\n",
    "flux/kustomization.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shop\n",
    "argo/argocd-cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n",
    "apps/other.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec: {}\n",
}
files = {path: head + "x:\n" + indented for path, head in heads.items()}
web = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
       "spec:\n  template:\n    spec:\n      containers: []\n")
files["apps/web.yaml"] = web
files["apps/deep.yaml"] = "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + "[" * 100 + "]" * 100 + "\n"
files["apps/dup.yaml"] = web.replace("name: web", "name: dup") + "  template: {}\n"
for path, text in files.items():
    os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
    with open(os.path.join(root, path), "w") as f:
        f.write(text)
PY

runs=()
for _ in $(seq "$RUNS"); do
    stats=$( { /usr/bin/time -f '%e %M' "$BIN" plan --repo "$REPO" --all-workloads \
        --restarted-at 2026-11-20T00:00:00Z --output json >"$REPO.json"; } 2>&1 | tail -1)
    runs+=("$stats")
done
python3 - "$REPO.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
skipped = {s["file"] for s in report["skipped_files"]}
bumped = [w["name"] for w in report["workloads"] if w["action"] == "bump"]
assert len(skipped) == 8, skipped
assert bumped == ["web"], bumped
PY
read -r wall _ < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
peak=$(printf '%s\n' "${runs[@]}" | awk '$2 > m {m = $2} END {print m}')
wall_ms=$(awk -v s="$wall" 'BEGIN {printf "%d", s * 1000}')
peak_mb=$(awk -v k="$peak" 'BEGIN {printf "%.1f", k / 1024}')
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; then echo met; else echo "**missed**"; fi; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
section=$(cat <<SECTION
## Hostile YAML in the repository

Written by \`benches/limits.sh\` on $(date -u +%F) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)).
Machine: $(nproc) CPUs ($cpu), $mem memory, $(uname -sr).

A repository of one Deployment beside eight hostile files, each under 1 KiB: an alias bomb (a
billion nodes once expanded) in a kustomization, an Argo CD Application, a Flux HelmRelease and
Kustomization, \`argocd-cm\` and a Deployment, a document nested 100 deep and one with a
repeated key (the files of \`tests/it/limits.rs\`). \`plan --all-workloads\` with the release
build, $RUNS runs: all eight are skipped with their reason and the Deployment is planned
(checked).

| | wall time (median) | peak RSS (largest) |
|---|---:|---:|
| \`gitops-restart plan\` | $wall_ms ms | $peak_mb MB |

Targets: under 1 s: $(verdict "$wall" 1); under 100 MB: $(verdict "$peak_mb" 100). Bounds: aliases
may expand to 100,000 nodes and nesting to 64 levels per document; past them the file is
skipped without building the rest.
SECTION
)

python3 benches/keep_section.py "$REPORT" "$section"
echo "$section"
