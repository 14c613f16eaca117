//! What a release ships besides the binary, run through the binary: the completion scripts
//! (`completions SHELL`, the bash one driven by a real bash), the man pages (`man`,
//! `man --dir`, rendered by `man -l` where it exists), and the packaging files that the
//! release workflow and the README rely on.

use std::path::Path;
use std::process::Command;

use crate::support::gitops_restart;

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "elvish", "powershell"];
const COMMANDS: [&str; 7] = [
    "plan",
    "apply",
    "pr",
    "verify",
    "rbac",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    let out = gitops_restart().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in SHELLS {
        let script = stdout_of(&["completions", shell]);
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
        for flag in ["launched-before", "snapshot", "github-repo", "dir"] {
            assert!(script.contains(flag), "{shell}: no `{flag}`");
        }
    }
    let out = gitops_restart()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[possible values: bash, zsh, fish, elvish, powershell]"),
        "{stderr}"
    );
}

/// Complete `words` (the last one being typed) with the bash script, as bash's programmable
/// completion calls it; the candidates.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}' || exit 9\n\
         COMP_WORDS=({})\n\
         COMP_CWORD={}\n\
         _gitops__restart gitops-restart \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The bash script completes commands, and each command's own flags (clap_complete alone does
/// not, for a name with a hyphen: see `settings::manual`).
#[test]
fn bash_completes_commands_and_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("gitops-restart.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    assert_eq!(bash_complete(&script, &["gitops-restart", "pl"]), ["plan"]);
    assert_eq!(
        bash_complete(&script, &["gitops-restart", "plan", "--launched"]),
        ["--launched-before"]
    );
    assert_eq!(
        bash_complete(&script, &["gitops-restart", "pr", "--github-r"]),
        ["--github-repo"]
    );
    assert_eq!(
        bash_complete(&script, &["gitops-restart", "completions", "p"]),
        ["powershell"]
    );
    assert_eq!(
        bash_complete(&script, &["gitops-restart", "plan", "--output", "m"]),
        ["markdown"]
    );
}

#[test]
fn the_man_page_renders() {
    let page = stdout_of(&["man"]);
    for header in [
        ".TH gitops-restart 1 ",
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH NOTES",
    ] {
        assert!(page.contains(&format!("\n{header}")), "no {header}: {page}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gitops-restart.1");
    std::fs::write(&file, &page).unwrap();
    // `man -l` renders it where man exists (the test proves the roff either way).
    let Ok(out) = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
    else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gitops-restart - Restart EKS Fargate workloads"),
        "{text}"
    );
    assert!(text.contains("gitops-restart-plan(1)"), "{text}");
    // The examples keep their lines.
    assert!(
        text.lines().any(|l| l.trim()
            == "gitops-restart plan --workload shop/Deployment/frontend --restarted-at 2026-11-20"),
        "{text}"
    );
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("share/man/man1");
    let listed = stdout_of(&["man", "--dir", target.to_str().unwrap()]);
    let mut expected = vec!["gitops-restart.1".to_owned()];
    expected.extend(COMMANDS.map(|c| format!("gitops-restart-{c}.1")));
    let listed: Vec<&str> = listed.lines().collect();
    assert_eq!(
        listed,
        expected
            .iter()
            .map(|name| target.join(name).display().to_string())
            .collect::<Vec<_>>()
    );
    for name in &expected {
        let page = std::fs::read_to_string(target.join(name)).unwrap();
        let title = name.trim_end_matches(".1");
        assert!(page.contains(&format!("\n.TH {title} 1 ")), "{name}");
    }
    let pr = std::fs::read_to_string(target.join("gitops-restart-pr.1")).unwrap();
    assert!(pr.contains("github\\-repo"), "{pr}");
    // A folder that can't be created is one line naming it.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let out = gitops_restart()
        .args(["man", "--dir"])
        .arg(blocker.join("man1"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot create the folder "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The relative links (`[text](path)`, `path#anchor`) of `markdown`.
fn relative_links(markdown: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or_default();
        // Code spans hold `](`, but no link target holds a space or a backtick.
        let plain = !target.contains(|c: char| c.is_whitespace() || c == '`');
        if plain && !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:")
        {
            links.push(target.to_owned());
        }
    }
    links
}

/// Every relative link of the documents resolves to a file or folder in the repository (the
/// README's links to the schemas, the examples and SECURITY.md among them).
#[test]
fn the_documents_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = Vec::new();
    for doc in [
        "README.md",
        "SECURITY.md",
        "BENCHMARKS.md",
        "docs/findings.md",
    ] {
        let path = root.join(doc);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for link in relative_links(&text) {
            let target = path.parent().unwrap().join(&link);
            assert!(
                target.exists(),
                "{doc} links to {link}, which does not exist"
            );
            checked.push(link);
        }
    }
    for expected in [
        "schema/report.schema.json",
        "schema/verify.schema.json",
        "schema/config.schema.json",
    ] {
        assert!(
            checked.iter().any(|l| l == expected),
            "no link to {expected}"
        );
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `scripts/package.sh TARGET` with `GITOPS_RESTART_PREBUILT`, into `dist`; its output.
fn package(
    dist: &Path,
    prebuilt: &Path,
    target: &str,
    version: Option<&str>,
) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts/package.sh"))
        .arg(target)
        .args(version)
        .env("DIST_DIR", dist)
        .env("GITOPS_RESTART_PREBUILT", prebuilt)
        .env_remove("GITOPS_RESTART_DOCS_BIN");
    cmd.output().unwrap()
}

/// The archive's entries, sorted.
fn entries(archive: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(archive)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches('/').to_owned())
        .collect();
    names.sort();
    names
}

/// The packaging script assembles the archive the README and the Action's download rely on
/// (run with a stand-in for the release binary: the release build itself is not part of the
/// tests), and keeps one SHA256SUMS line per archive.
#[test]
fn the_packaging_script_writes_the_archive_and_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    // A stand-in that runs the binary under test: small, so the test packs it quickly.
    let prebuilt = dir.path().join("gitops-restart");
    std::fs::write(
        &prebuilt,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_gitops-restart")
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&prebuilt).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&prebuilt, perms).unwrap();

    let target = "x86_64-unknown-linux-gnu";
    let out = package(&dist, &prebuilt, target, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = format!("gitops-restart-v{VERSION}-{target}");
    let archive = dist.join(format!("{stem}.tar.gz"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        archive.display().to_string()
    );
    let mut expected: Vec<String> = [
        "",
        "/gitops-restart",
        "/README.md",
        "/LICENSE",
        "/completions",
        "/completions/gitops-restart.bash",
        "/completions/_gitops-restart",
        "/completions/gitops-restart.fish",
        "/completions/gitops-restart.elv",
        "/completions/_gitops-restart.ps1",
        "/man",
        "/man/gitops-restart.1",
    ]
    .iter()
    .map(|e| format!("{stem}{e}"))
    .chain(COMMANDS.map(|c| format!("{stem}/man/gitops-restart-{c}.1")))
    .collect();
    expected.sort();
    assert_eq!(entries(&archive), expected);
    assert!(!dist.join(&stem).exists(), "the staging folder is removed");

    // Unpacked: the binary runs, the documents are the binary's.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(status.success());
    let folder = unpacked.join(&stem);
    let version = Command::new(folder.join("gitops-restart"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("gitops-restart {VERSION}")
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("completions/gitops-restart.fish")).unwrap(),
        stdout_of(&["completions", "fish"])
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("man/gitops-restart.1")).unwrap(),
        stdout_of(&["man"])
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        std::fs::read(folder.join("LICENSE")).unwrap(),
        std::fs::read(root.join("LICENSE")).unwrap()
    );

    // SHA256SUMS: `<hex>  <file>`, one line per archive, sorted, replaced on a re-run.
    let sums_line = |text: &str, file: &str| {
        text.lines()
            .find(|l| l.ends_with(&format!("  {file}")))
            .map(str::to_owned)
    };
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let line = sums_line(&sums, &format!("{stem}.tar.gz")).expect("a line for the archive");
    let (hex, _) = line.split_once("  ").unwrap();
    assert_eq!(hex.len(), 64, "{line}");
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{line}"
    );
    let other = package(
        &dist,
        &prebuilt,
        "aarch64-apple-darwin",
        Some(&format!("v{VERSION}")),
    );
    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let again = package(&dist, &prebuilt, target, Some(VERSION));
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let files: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        files,
        [
            format!("gitops-restart-v{VERSION}-aarch64-apple-darwin.tar.gz"),
            format!("{stem}.tar.gz")
        ]
    );
    if let Ok(check) = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
    {
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }

    // A version other than Cargo.toml's is refused, and so is a musl binary that isn't static.
    let wrong = package(&dist, &prebuilt, target, Some("v999.0.0"));
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains(&format!("version v999.0.0 is not Cargo.toml's ({VERSION})")),
        "{stderr}"
    );
    if Command::new("file").arg("--version").output().is_ok() {
        let musl = package(&dist, &prebuilt, "x86_64-unknown-linux-musl", None);
        assert_eq!(musl.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&musl.stderr);
        assert!(stderr.contains("is not statically linked"), "{stderr}");
        assert!(
            !dist
                .join(format!(
                    "gitops-restart-v{VERSION}-x86_64-unknown-linux-musl.tar.gz"
                ))
                .exists()
        );
    }
}

/// cargo-binstall's templates in Cargo.toml name the archive and the binary in it as the
/// packaging script does.
#[test]
fn the_binstall_metadata_names_the_release_archives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let value = |key: &str| {
        let section = &manifest[manifest.find("[package.metadata.binstall]").unwrap()..];
        let line = section
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key}"));
        line.split_once(" = ")
            .unwrap()
            .1
            .trim_matches('"')
            .to_owned()
    };
    let repository = manifest
        .lines()
        .find_map(|l| l.strip_prefix("repository = "))
        .unwrap()
        .trim_matches('"');
    let target = "aarch64-unknown-linux-musl";
    let expand = |template: String| {
        template
            .replace("{ repo }", repository)
            .replace("{ name }", "gitops-restart")
            .replace("{ version }", VERSION)
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tar.gz")
            .replace("{ bin }", "gitops-restart")
            .replace("{ binary-ext }", "")
    };
    assert_eq!(value("pkg-fmt"), "tgz");
    assert_eq!(
        expand(value("pkg-url")),
        format!(
            "{repository}/releases/download/v{VERSION}/gitops-restart-v{VERSION}-{target}.tar.gz"
        )
    );
    assert_eq!(
        expand(value("bin-dir")),
        format!("gitops-restart-v{VERSION}-{target}/gitops-restart")
    );
}
