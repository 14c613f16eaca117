#!/usr/bin/env bash
# Count the GitHub API requests of `gitops-restart pr`, and keep the result in BENCHMARKS.md.
#
# Runs the ignored test `github::request_counts` (release build): for a repository whose plan
# changes 1, 50 and 500 files, it runs the binary against the stateful fake GitHub of
# tests/it/fake_github.rs and counts, from the fake's request log, the requests (and the writes
# among them) of four runs: a new pull request, the same run again, a run after the base branch
# moved, and a run with nothing left to restart (the pull request is closed). Wall times are on
# loopback, so they measure the tool, not GitHub.
#
# The section "## GitHub API requests of `pr`" is replaced in BENCHMARKS.md, below the line
# that benches/editor.sh keeps (that script rewrites everything above it).
# Usage: benches/github.sh
set -euo pipefail
cd "$(dirname "$0")/.."

REPORT=${REPORT:-BENCHMARKS.md}

table=$(cargo test --release --locked --test it github::request_counts -- --ignored --nocapture \
    2>/dev/null | grep '^|')
[ -n "$table" ] || { echo "the counting test printed no table" >&2; exit 1; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
section=$(cat <<SECTION
## GitHub API requests of \`pr\`

Written by \`benches/github.sh\` on $(date -u +%F) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)).
Machine: $(nproc) CPUs ($cpu), $mem memory, $(uname -sr).

Requests the binary makes to the fake GitHub (\`tests/it/fake_github.rs\`, loopback), writes in
brackets, for a plan that changes N files (one Deployment each) with default options (no
\`--base\`, labels, assignees or reviewers):

$table

Targets: a constant number of requests whatever N (met: no request per file, the changed
files go inline in one tree request); at most 10 for a new pull request (met: 9; labels and
assignees add 1, reviewers 1, and \`--base\` or \`pullRequest.base\` saves the repository read);
only reads for an unchanged re-run (met: 7 reads, 0 writes). The reads of a new pull request
are: the pull requests of the branch (open and closed, one list), the repository (default
branch), the base ref, its commit, its tree (recursive, one listing whatever the size); the
unchanged re-run adds the pull request's head commit (is it gitops-restart's?) and tree.
Closing reads the pull request list, its head commit and its comments (the closing comment is
posted once), then writes the comment and the state. These runs are more than 48 hours before
the deadline, with no merged pull request: in the last 48 hours a run on a pull request opened
before then also reads its comments (is the reminder posted?), and the runs after a merge read
the merged pull request's comments (is this result commented?); each writes once, the first time.
SECTION
)

python3 benches/keep_section.py "$REPORT" "$section"
echo "$table"
