#!/usr/bin/env bash
# Time the GitHub Action's own steps with a released binary, and keep the result in BENCHMARKS.md.
#
# Builds the release binary, then runs the ignored test `action::release::timing`
# (tests/it/action/release.rs), which packs that binary as the release workflow does
# (gitops-restart-vX.Y.Z-TARGET.tar.gz, stripped, and SHA256SUMS), serves it from the loopback
# release server of tests/it/fake_release.rs (behind GitHub's redirect), and runs action.yml's
# steps the way the action's tests do: the install step alone (download and verify), then every
# step for the demo's `plan`, each 5 times from a fresh runner folder. Loopback measures the
# action, not GitHub's network: on a runner add the transfer of the archive.
#
# The section "## The GitHub Action with a released binary" is replaced in BENCHMARKS.md, below
# the line that benches/editor.sh keeps (that script rewrites everything above it).
# Usage: benches/action.sh
set -euo pipefail
cd "$(dirname "$0")/.."

REPORT=${REPORT:-BENCHMARKS.md}

cargo build --release --locked
release_dir="${CARGO_TARGET_DIR:-target}/release"
bin="$(cd "$release_dir" && pwd)/gitops-restart"
size=$(wc -c < "$bin")

table=$(GITOPS_RESTART_BENCH_BIN="$bin" cargo test --locked --test it action::release::timing -- \
    --ignored --nocapture 2>/dev/null | grep '^|')
[ -n "$table" ] || { echo "the timing test printed no table" >&2; exit 1; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
section=$(cat <<SECTION
## The GitHub Action with a released binary

Written by \`benches/action.sh\` on $(date -u +%F) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)).
Machine: $(nproc) CPUs ($cpu), $mem memory, $(uname -sr); $(curl --version | head -n 1 | cut -d' ' -f1-2), $(tar --version | head -n 1).
Load average as it finished: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share the machine: the slowest run shows them).

\`action.yml\`'s steps run as in \`tests/it/action.rs\` (bash, the runner's files in a scratch
folder), against a loopback server serving the release build ($((size / 1024)) KiB, stripped
and packed as a release asset) the way GitHub does (a redirect to the storage host). Wall time
from the first step's start, 5 runs each:

$table

Both targets are met when both columns stay under them. The install step is curl twice, sha256sum,
gunzip and tar, and the binary's \`--version\`; the run step is the binary's \`plan\` on the demo
(\`fixtures/demo\`) with the GitHub Actions outputs. On a hosted runner the archive's transfer
from GitHub's storage host adds to the first line; the source build it replaces took 5 min 45 s
cold on this kind of machine (issue 15).
SECTION
)

python3 benches/keep_section.py "$REPORT" "$section"
echo "$table"
