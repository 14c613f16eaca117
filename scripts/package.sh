#!/usr/bin/env bash
# Build and package one release target of gitops-restart.
#
#   scripts/package.sh TARGET [VERSION]
#
# builds `cargo build --release --locked --target TARGET` and writes, in dist/ (or $DIST_DIR):
#   gitops-restart-VERSION-TARGET.tar.gz holding gitops-restart-VERSION-TARGET/ with
#     gitops-restart          the binary
#     README.md, LICENSE
#     completions/            gitops-restart.bash, _gitops-restart (zsh), gitops-restart.fish,
#                             gitops-restart.elv, _gitops-restart.ps1
#     man/                    gitops-restart.1 and one page per command (gitops-restart-plan.1, ...)
#   SHA256SUMS                `<hex>  <file>` per archive: this one's line added or replaced
#   image/linux/ARCH/gitops-restart   for the Linux musl targets: what the Dockerfile copies
#
# VERSION is vX.Y.Z (the release's tag) and must be Cargo.toml's version; the default is that.
# Linux musl targets are checked to be statically linked (musl-gcc comes with Debian's and
# Ubuntu's musl-tools). GITOPS_RESTART_PREBUILT=FILE packages that binary instead of building
# (the tests do, with the debug binary); GITOPS_RESTART_DOCS_BIN=FILE generates the completions
# and man pages with that binary when the target's own can't run here.
set -euo pipefail

die() {
    echo "package.sh: $*" >&2
    exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
    die "usage: scripts/package.sh TARGET [VERSION]"
fi
target="$1"
case "$target" in
    *[!A-Za-z0-9_.-]*) die "the target \`$target\` is not a target triple" ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
crate_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[ -n "$crate_version" ] || die "no version in $root/Cargo.toml"
version="${2:-v$crate_version}"
version="v${version#v}"
[ "$version" = "v$crate_version" ] \
    || die "version $version is not Cargo.toml's ($crate_version): set Cargo.toml's version (and run cargo update -p gitops-restart) before tagging"
dist="${DIST_DIR:-$root/dist}"
name="gitops-restart-$version-$target"

# ring's C and assembly need a musl C compiler: cc-rs looks for ARCH-linux-musl-gcc, which
# Debian's and Ubuntu's musl-tools don't have; their musl-gcc builds for the machine's own
# architecture, so it stands in when the target's is the machine's.
case "$target" in
    *-linux-musl*)
        cc_var="CC_$(printf '%s' "$target" | tr '-' '_')"
        arch="${target%%-*}"
        if [ -z "${!cc_var:-}" ] && [ "$(uname -m)" = "$arch" ] \
            && ! command -v "$arch-linux-musl-gcc" >/dev/null && command -v musl-gcc >/dev/null; then
            export "$cc_var=musl-gcc"
        fi
        ;;
esac

if [ -n "${GITOPS_RESTART_PREBUILT:-}" ]; then
    bin="$GITOPS_RESTART_PREBUILT"
    [ -x "$bin" ] || die "GITOPS_RESTART_PREBUILT=$bin is not an executable file"
else
    # Without the release profile's line tables (kept there for profiling), with the symbols
    # for backtraces: x86_64 musl, 18 MB instead of 98, its archive 7 MB instead of 22.
    (cd "$root" && CARGO_PROFILE_RELEASE_DEBUG=false cargo build --release --locked --target "$target") \
        || die "cargo build --release --locked --target $target failed (is the target installed? rustup target add $target; for *-linux-musl, musl-gcc: apt-get install musl-tools)"
    bin="${CARGO_TARGET_DIR:-$root/target}/$target/release/gitops-restart"
fi

case "$target" in
    *-linux-musl*)
        command -v file >/dev/null || die "\`file\` is needed to check that the binary is static"
        linkage="$(file -L "$bin")"
        case "$linkage" in
            *"statically linked"* | *"static-pie linked"*) ;;
            *) die "the $target binary is not statically linked: $linkage" ;;
        esac
        ;;
esac

# The completions and man pages come from a binary that runs here: the target's own, else
# GITOPS_RESTART_DOCS_BIN (they are the same for every target).
docs_bin="$bin"
if ! "$docs_bin" --version >/dev/null 2>&1; then
    docs_bin="${GITOPS_RESTART_DOCS_BIN:-}"
    if [ -z "$docs_bin" ] || ! "$docs_bin" --version >/dev/null 2>&1; then
        die "the $target binary does not run here: set GITOPS_RESTART_DOCS_BIN to one that does, for the completions and man pages"
    fi
fi

stage="$dist/$name"
rm -rf "$stage" "$dist/$name.tar.gz"
mkdir -p "$stage/completions" "$stage/man"
cp "$bin" "$stage/gitops-restart"
chmod 755 "$stage/gitops-restart"
cp "$root/README.md" "$root/LICENSE" "$stage/"
"$docs_bin" completions bash >"$stage/completions/gitops-restart.bash"
"$docs_bin" completions zsh >"$stage/completions/_gitops-restart"
"$docs_bin" completions fish >"$stage/completions/gitops-restart.fish"
"$docs_bin" completions elvish >"$stage/completions/gitops-restart.elv"
"$docs_bin" completions powershell >"$stage/completions/_gitops-restart.ps1"
"$docs_bin" man --dir "$stage/man" >/dev/null

# GNU tar: the same bytes for the same files (sorted, no owner, the commit's time). bsdtar
# (macOS): no AppleDouble files.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        -C "$dist" -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
else
    COPYFILE_DISABLE=1 tar -C "$dist" -czf "$dist/$name.tar.gz" "$name"
fi
rm -rf "$stage"

if command -v sha256sum >/dev/null; then
    sum="$(cd "$dist" && sha256sum "$name.tar.gz")"
else
    sum="$(cd "$dist" && shasum -a 256 "$name.tar.gz")"
fi
sums="$dist/SHA256SUMS"
touch "$sums"
{ grep -v "  $name\.tar\.gz\$" "$sums" || true; echo "$sum"; } | sort -k 2 >"$sums.new"
mv "$sums.new" "$sums"

case "$target" in
    x86_64-unknown-linux-musl) arch=amd64 ;;
    aarch64-unknown-linux-musl) arch=arm64 ;;
    *) arch="" ;;
esac
if [ -n "$arch" ]; then
    mkdir -p "$dist/image/linux/$arch"
    cp "$bin" "$dist/image/linux/$arch/gitops-restart"
    chmod 755 "$dist/image/linux/$arch/gitops-restart"
fi

echo "$dist/$name.tar.gz"
