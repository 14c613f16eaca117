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
