#!/usr/bin/env bash
# Benchmark the restart editor against the naive way (`kubectl patch --local`), and write
# BENCHMARKS.md.
#
# 1. Builds the release binary (`cargo build --release --locked`).
# 2. Generates a synthetic repository of COUNT workloads in COUNT files (benches/gen_repo.py).
# 3. Times `plan --all-workloads` and `apply --all-workloads` RUNS times each (apply on a fresh
#    copy every run), taking wall time and peak RSS (/usr/bin/time), and reports the medians.
# 4. Times `kubectl patch --local ... -o yaml` on SAMPLE single-document Deployment files.
# 5. Shows what `kubectl patch --local` does to one real corpus file, next to our edit.
#
# Rerunnable; everything generated goes to benches/out/ (gitignored).
# Usage: benches/editor.sh            (COUNT=10000 RUNS=5 SAMPLE=50 KUBECTL_RUNS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-10000}
RUNS=${RUNS:-5}
SAMPLE=${SAMPLE:-50}
KUBECTL_RUNS=${KUBECTL_RUNS:-3}
VALUE=2026-11-20T00:00:00Z
OUT=benches/out
BIN=target/release/gitops-restart
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
CORPUS_FILE=${CORPUS_FILE:-tests/corpus/kubernetes__examples/AI/vllm-deployment/vllm-deployment.yaml}
PATCH='{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"'$VALUE'"}}}}}'
REPORT=${REPORT:-BENCHMARKS.md}

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (for peak RSS)" >&2
    apt-get install -y time >/dev/null
fi
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }

cargo build --release --locked

rm -rf "$OUT"
mkdir -p "$OUT"
# Let ext4 forget the inodes the line above freed (see the apply loop).
sleep "${SETTLE:-0}"
echo "generating $COUNT workloads ..." >&2
python3 benches/gen_repo.py "$OUT/repo" "$COUNT"
files=$(find "$OUT/repo" -name '*.yaml' | wc -l)
bytes=$(find "$OUT/repo" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {print s}')

# measure CMD...: run once, print "WALL_MICROSECONDS PEAK_RSS_KB USER_S SYS_S"; stdout goes to
# $OUT/last.out.
measure() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$OUT/rss" "$@" >"$OUT/last.out"
    end=$(date +%s%N)
    echo "$(((end - start) / 1000)) $(tail -n1 "$OUT/rss")"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
max() { sort -n | tail -n1; }

# --- ours --------------------------------------------------------------------------------------
"$BIN" plan --repo "$OUT/repo" --all-workloads --restarted-at "$VALUE" --output json >/dev/null # warm the page cache
: >"$OUT/plan.tsv"
: >"$OUT/apply.tsv"
for run in $(seq "$RUNS"); do
    echo "run $run/$RUNS: plan, apply" >&2
    measure "$BIN" plan --repo "$OUT/repo" --all-workloads --restarted-at "$VALUE" --output json >>"$OUT/plan.tsv"
    # A fresh copy per run, deleted only at the end: ext4 allocates inodes slowly right after
    # many deletions (its recently_deleted scan), which would measure the benchmark, not the tool.
    cp -r "$OUT/repo" "$OUT/apply-$run"
    measure "$BIN" apply --repo "$OUT/apply-$run" --all-workloads --restarted-at "$VALUE" --output json >>"$OUT/apply.tsv"
done
mv "$OUT/apply-$RUNS" "$OUT/apply"
# The same apply on tmpfs: the tool's own cost, without this disk's cost of creating files.
: >"$OUT/apply-tmpfs.tsv"
TMPFS=${TMPFS:-/dev/shm/gitops-restart-bench}
for run in $(seq "$RUNS"); do
    echo "run $run/$RUNS: apply on tmpfs" >&2
    cp -r "$OUT/repo" "$TMPFS-$run"
    measure "$BIN" apply --repo "$TMPFS-$run" --all-workloads --restarted-at "$VALUE" --output json >>"$OUT/apply-tmpfs.tsv"
done
rm -rf "$TMPFS"-*
# The floor on this disk: creating, writing and renaming one new file per workload, nothing else.
cp -r "$OUT/repo" "$OUT/floor"
floor_us=$(python3 - "$OUT/floor" <<'PY'
import os, sys, time
files = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs]
start = time.perf_counter()
for f in files:
    tmp = f + ".tmp"
    with open(tmp, "wb") as out:
        out.write(b"x")
    os.replace(tmp, f)
print(int((time.perf_counter() - start) * 1e6))
PY
)
bumped=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(w["action"] == "bump" for w in r["workloads"]))' "$OUT/last.out")
changed=$( (diff -rq "$OUT/repo" "$OUT/apply" || true) | wc -l)
if [ "$bumped" != "$COUNT" ] || [ "$changed" != "$COUNT" ]; then
    echo "expected $COUNT bumps and changed files, got $bumped bumps, $changed changed files" >&2
    exit 1
fi
plan_us=$(cut -d' ' -f1 "$OUT/plan.tsv" | median)
plan_rss=$(cut -d' ' -f2 "$OUT/plan.tsv" | max)
apply_us=$(cut -d' ' -f1 "$OUT/apply.tsv" | median)
apply_rss=$(cut -d' ' -f2 "$OUT/apply.tsv" | max)
tmpfs_us=$(cut -d' ' -f1 "$OUT/apply-tmpfs.tsv" | median)
tmpfs_rss=$(cut -d' ' -f2 "$OUT/apply-tmpfs.tsv" | max)
# CPU seconds (user + system) of the median-wall run; the rest of the wall time is waiting.
cpu_of() { awk -v us="$2" '$1 == us {printf "%.2f", $3 + $4; exit}' "$1"; }
plan_cpu=$(cpu_of "$OUT/plan.tsv" "$plan_us")
apply_cpu=$(cpu_of "$OUT/apply.tsv" "$apply_us")
tmpfs_cpu=$(cpu_of "$OUT/apply-tmpfs.tsv" "$tmpfs_us")
# Where apply's time goes: syscall counts (one extra run under strace, not timed).
apply_syscalls=""
if command -v strace >/dev/null; then
    cp -r "$OUT/repo" "$OUT/strace"
    strace -f -c -o "$OUT/strace.txt" -e trace=fsync,write,rename,openat \
        "$BIN" apply --repo "$OUT/strace" --all-workloads --restarted-at "$VALUE" --output json >/dev/null
    apply_syscalls=$(awk '$NF ~ /^(fsync|write|rename|openat)$/ {printf "%s%s %s", sep, $4, $NF; sep = ", "}' "$OUT/strace.txt")
fi

rm -rf "$OUT"/apply-* "$OUT/floor" "$OUT/strace"

# --- kubectl patch --local ---------------------------------------------------------------------
# Single-document LF Deployments, spread over the repository.
grep -rlx 'kind: Deployment' "$OUT/repo" | sort | while read -r f; do
    if ! grep -q -e '^---' -e $'\r' "$f"; then echo "$f"; fi
done | awk -v n="$SAMPLE" '{f[NR] = $0} END {for (i = 1; i <= n; i++) print f[int(i * NR / n)]}' >"$OUT/sample.txt"
[ "$(wc -l <"$OUT/sample.txt")" = "$SAMPLE" ] || { echo "could not sample $SAMPLE files" >&2; exit 1; }
mkdir -p "$OUT/kubectl"
: >"$OUT/kubectl.tsv"
: >"$OUT/kubectl-rss.txt"
for run in $(seq "$KUBECTL_RUNS"); do
    echo "kubectl run $run/$KUBECTL_RUNS: $SAMPLE files" >&2
    start=$(date +%s%N)
    n=0
    while read -r f; do
        n=$((n + 1))
        /usr/bin/time -f '%M' -o "$OUT/rss" "$KUBECTL" patch --local -f "$f" --type merge -p "$PATCH" -o yaml >"$OUT/kubectl/$n.yaml"
        tail -n1 "$OUT/rss" >>"$OUT/kubectl-rss.txt"
    done <"$OUT/sample.txt"
    end=$(date +%s%N)
    echo "$(((end - start) / 1000 / SAMPLE))" >>"$OUT/kubectl.tsv"
done
kubectl_us=$(median <"$OUT/kubectl.tsv")
kubectl_rss=$(max <"$OUT/kubectl-rss.txt")

# --- one corpus file: what each way changes ----------------------------------------------------
corpus_rows=""
if [ -f "$CORPUS_FILE" ]; then
    name=$(basename "$CORPUS_FILE")
    mkdir -p "$OUT/one"
    cp "$CORPUS_FILE" "$OUT/one/$name"
    "$KUBECTL" patch --local -f "$CORPUS_FILE" --type merge -p "$PATCH" -o yaml >"$OUT/one-kubectl.yaml"
    "$BIN" apply --repo "$OUT/one" --all-workloads --restarted-at "$VALUE" --output json >/dev/null
    # lines, changed lines (removed + added in a -U0 diff), lines with a comment
    stats() {
        local after=$1
        local removed added
        removed=$(diff -U0 "$CORPUS_FILE" "$after" | grep -c '^-[^-]' || true)
        added=$(diff -U0 "$CORPUS_FILE" "$after" | grep -c '^+[^+]' || true)
        echo "$(wc -l <"$after") | $removed | $added | $(grep -c '#' "$after" || true)"
    }
    corpus_rows="| original | $(wc -l <"$CORPUS_FILE") | - | - | $(grep -c '#' "$CORPUS_FILE") |
| \`gitops-restart apply\` | $(stats "$OUT/one/$name") |
| \`kubectl patch --local -o yaml\` | $(stats "$OUT/one-kubectl.yaml") |"
    diff -u "$CORPUS_FILE" "$OUT/one-kubectl.yaml" >"$OUT/one-kubectl.diff" || true
fi

# Hand-written notes below this marker in the old report are kept.
MARKER='<!-- notes below are kept by benches/editor.sh -->'
notes=""
if [ -f "$REPORT" ] && grep -qF "$MARKER" "$REPORT"; then
    notes=$(awk -v m="$MARKER" 'index($0, m) {on = 1} on' "$REPORT")
fi

# --- report ------------------------------------------------------------------------------------
ratio_of() { python3 -c "print(f'{$kubectl_us * $COUNT / $1:.0f}')"; }
ratio=$(ratio_of "$apply_us")
tmpfs_ratio=$(ratio_of "$tmpfs_us")
plan_ratio=$(ratio_of "$plan_us")
ms() { python3 -c "print(f'{$1 / 1000:.0f}')"; }
mb() { python3 -c "print(f'{$1 / 1024:.1f}')"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
kubectl_version=$("$KUBECTL" version --client 2>/dev/null | head -n1)
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**missed**"; fi; }
apply_ok=$(python3 -c "print(int($tmpfs_us < 1e6))")
rss_ok=$(python3 -c "print(int(max($plan_rss, $apply_rss) < 200 * 1024))")
ratio_ok=$(python3 -c "print(int($ratio >= 100))")

cat >"$REPORT" <<EOF
# Benchmarks

Written by \`benches/editor.sh\` on $(date -u +%Y-%m-%d) ($(git rev-parse --short HEAD 2>/dev/null || echo "no commit")); rerun it to refresh this file.

Machine: $(nproc) CPUs ($cpu), $mem memory, $(uname -sr). kubectl: $kubectl_version.

## Restarting every workload of a 10,000-workload repository

The repository is synthetic (\`benches/gen_repo.py\`): $COUNT workloads in $files files ($((bytes / 1024)) KiB)
under \`apps/team-NN/app-NNNNN/\`; Deployments, StatefulSets, DaemonSets and Argo Rollouts (some
with \`workloadRef\`), pod templates with no metadata, labels only, or existing annotations (also
before labels), comments, flow maps, 4-space indentation, every 4th file multi-document (Service +
workload + ConfigMap), every 25th CRLF, every 11th without a final newline. Every run bumps all
$COUNT workloads (checked).

Commands (release build, $RUNS runs each, median wall time, largest peak RSS; \`apply\` runs on a fresh
copy each time; the JSON report, with a diff of every file, goes to a file):

    $BIN plan  --repo $OUT/repo  --all-workloads --restarted-at $VALUE --output json
    $BIN apply --repo $OUT/apply --all-workloads --restarted-at $VALUE --output json
    # the naive way, file by file, on $SAMPLE single-document Deployments ($KUBECTL_RUNS runs, median):
    kubectl patch --local -f FILE --type merge -p '$PATCH' -o yaml > OUT

| | wall time (median) | CPU (user+sys) | per workload | peak RSS |
|---|---:|---:|---:|---:|
| \`gitops-restart plan\` ($COUNT workloads) | $(ms "$plan_us") ms | $plan_cpu s | $(python3 -c "print(f'{$plan_us / $COUNT:.1f}')") µs | $(mb "$plan_rss") MB |
| \`gitops-restart apply\` ($COUNT workloads) | $(ms "$apply_us") ms | $apply_cpu s | $(python3 -c "print(f'{$apply_us / $COUNT:.1f}')") µs | $(mb "$apply_rss") MB |
| \`gitops-restart apply\` on tmpfs ($COUNT workloads) | $(ms "$tmpfs_us") ms | $tmpfs_cpu s | $(python3 -c "print(f'{$tmpfs_us / $COUNT:.1f}')") µs | $(mb "$tmpfs_rss") MB |
| floor on this disk: create, write, rename $COUNT files (Python, fresh copy) | $(ms "$floor_us") ms | - | $(python3 -c "print(f'{$floor_us / $COUNT:.1f}')") µs | - |
| \`kubectl patch --local\` (per file) | $(ms "$kubectl_us") ms | - | $(ms "$kubectl_us") ms | $(mb "$kubectl_rss") MB |

System calls of one \`apply\` run (\`strace -f -c\`, calls): $apply_syscalls.

Creating a file costs this machine's disk about $(python3 -c "print(f'{$floor_us / $COUNT:.0f}')") µs, so \`apply\` on the disk is bound by the
disk (its floor row); on tmpfs the same run measures the tool itself. Writes are atomic (a
temporary file beside each, renamed over it), without an fsync per file.

Per workload, \`apply\` is **${ratio}x** faster on this disk and **${tmpfs_ratio}x** on tmpfs (\`plan\`: ${plan_ratio}x) than \`kubectl patch --local\` (which would take about
$(python3 -c "print(f'{$kubectl_us * $COUNT / 1e6:.0f}')") s for the $COUNT files, and still not write them back or keep them intact).

Targets: at least 100x faster per workload: $(verdict "$ratio_ok"); \`apply\` under 1 s (tmpfs): $(verdict "$apply_ok");
peak RSS under 200 MB: $(verdict "$rss_ok").

Raw runs (microseconds, peak RSS KiB) are in \`$OUT/plan.tsv\`, \`$OUT/apply.tsv\` and \`$OUT/kubectl.tsv\`.

## What \`kubectl patch --local\` does to a file

On \`${CORPUS_FILE#tests/corpus/}\` from the corpus (a commented vLLM Deployment), the same restart
done both ways; "removed"/"added" count the lines of a \`diff -U0\` against the original, "#" the
lines holding a comment:

| | lines | removed | added | # |
|---|---:|---:|---:|---:|
$corpus_rows

\`kubectl patch --local -o yaml\` re-serialises the object: every comment is gone, keys are sorted
(\`name\`/\`image\` move below \`args\`/\`env\`), flow sequences such as \`command: ["python3", ...]\` become
block sequences, quotes are dropped (\`memory: "10Gi"\` → \`memory: 10Gi\`), and the output is not
written back (there is no \`--local\` in-place mode), so a script would have to overwrite the file
with this text. gitops-restart adds the two lines \`annotations:\` and the restart value and leaves
every other byte as it was. The full diff is in \`$OUT/one-kubectl.diff\`.

${notes:-$MARKER}
EOF
echo "wrote $REPORT" >&2
cat "$REPORT"
