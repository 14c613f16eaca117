//! A stand-in for GitHub's release downloads on 127.0.0.1, for the action's install step.
//!
//! It serves what a release of this crate's version holds, as the release workflow publishes
//! it: `gitops-restart-vX.Y.Z-TARGET.tar.gz` (a folder `gitops-restart-vX.Y.Z-TARGET/` with the
//! binary) and `SHA256SUMS` (`sha256sum` lines), under `/download/vX.Y.Z/`, each answered as
//! GitHub does: a 302 to the file's storage URL (`/storage/...`), which answers the bytes.
//! A path nothing was published at gets GitHub's 404. Every request is logged.
//!
//! The archive holds a stripped copy of the binary cargo built for these tests
//! (`CARGO_BIN_EXE_gitops-restart`), packed once per test process with the `tar` CLI (the
//! benchmark packs a release build the same way).

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The release tag of this crate's version.
pub fn tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

/// The runner's `RUNNER_OS` and `RUNNER_ARCH` on this machine, and the release target the
/// action maps them to; `None` where the release has no binary.
pub fn host() -> Option<(&'static str, &'static str, &'static str)> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some(("Linux", "X64", "x86_64-unknown-linux-musl")),
        ("linux", "aarch64") => Some(("Linux", "ARM64", "aarch64-unknown-linux-musl")),
        ("macos", "x86_64") => Some(("macOS", "X64", "x86_64-apple-darwin")),
        ("macos", "aarch64") => Some(("macOS", "ARM64", "aarch64-apple-darwin")),
        _ => None,
    }
}

/// The release asset of the host's target: its name and bytes.
pub fn host_asset() -> (String, &'static [u8]) {
    let (_, _, target) = host().expect("a release target for this machine");
    (
        format!("gitops-restart-{}-{target}.tar.gz", tag()),
        archive(),
    )
}

/// The archive of the host's target, built once.
fn archive() -> &'static [u8] {
    static ARCHIVE: OnceLock<Vec<u8>> = OnceLock::new();
    ARCHIVE.get_or_init(|| pack(Path::new(env!("CARGO_BIN_EXE_gitops-restart"))))
}

/// The host target's release archive holding a stripped copy of `binary`, packed with `tar`.
pub fn pack(binary: &Path) -> Vec<u8> {
    let (_, _, target) = host().expect("a release target for this machine");
    let scratch = tempfile::tempdir().unwrap();
    let folder = format!("gitops-restart-{}-{target}", tag());
    let dir = scratch.path().join(&folder);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("gitops-restart");
    std::fs::copy(binary, &bin).unwrap();
    // The debug binary is ~200 MB with its symbols; stripped it packs in a second. Where
    // `strip` is missing the archive is bigger, and as good.
    let _ = Command::new("strip").arg(&bin).status();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
        dir.join("README.md"),
    )
    .unwrap();
    let out = scratch.path().join("release.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(scratch.path())
        .arg(&folder)
        .status()
        .unwrap();
    assert!(status.success(), "tar failed");
    std::fs::read(out).unwrap()
}

/// The SHA-256 of `bytes` in hex, from the `sha256sum` (or `shasum -a 256`) CLI, as the
/// release workflow writes it: independent of the action's own computation.
pub fn sha256(bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let out = Command::new("sha256sum")
        .arg(file.path())
        .output()
        .or_else(|_| {
            Command::new("shasum")
                .args(["-a", "256"])
                .arg(file.path())
                .output()
        })
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.split_whitespace().next().unwrap().to_owned();
    assert_eq!(hex.len(), 64, "{text}");
    hex
}

pub struct FakeRelease {
    server: MockServer,
    runtime: tokio::runtime::Runtime,
}

impl FakeRelease {
    pub fn start() -> FakeRelease {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::builder().start());
        FakeRelease { server, runtime }
    }

    /// The base the action appends `vX.Y.Z/ASSET` to (`GITOPS_RESTART_RELEASE_URL`).
    pub fn url(&self) -> String {
        format!("{}/download", self.server.uri())
    }

    /// Publish `bytes` as the asset `name` of this version's release.
    pub fn publish(&self, name: &str, bytes: &[u8]) {
        let storage = format!("/storage/{name}");
        let location = format!("{}{storage}", self.server.uri());
        self.runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path(format!("/download/{}/{name}", tag())))
                .respond_with(ResponseTemplate::new(302).insert_header("location", location))
                .mount(&self.server)
                .await;
            Mock::given(method("GET"))
                .and(path(storage))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/octet-stream")
                        .set_body_bytes(bytes.to_vec()),
                )
                .mount(&self.server)
                .await;
        });
    }

    /// Publish the host's asset (`bytes`, else the real archive; none with `asset` false) and a
    /// `SHA256SUMS` that gives it `sum` (else its true SHA-256), after another target's line.
    /// Returns the asset's name.
    pub fn publish_release(&self, bytes: Option<&[u8]>, sum: Option<&str>, asset: bool) -> String {
        let (name, archive) = host_asset();
        let bytes = bytes.unwrap_or(archive);
        let sum = sum.map_or_else(|| sha256(bytes), str::to_owned);
        let sums = format!(
            "{}  gitops-restart-{}-riscv64gc-unknown-linux-musl.tar.gz\n{sum}  {name}\n",
            "0".repeat(64),
            tag()
        );
        self.publish("SHA256SUMS", sums.as_bytes());
        if asset {
            self.publish(&name, bytes);
        }
        name
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect()
    }
}
