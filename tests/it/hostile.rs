//! Hostile content: a repository, a snapshot and a notice whose names, paths, kustomization
//! entries and notice fields carry workflow commands (`\n::error file=x::Spoofed`,
//! `::add-mask::`, `::stop-commands::`), terminal escapes (a title, clear screen) and markdown
//! (a heading, a team mention, `<details>`, a link, a lone backtick), run through every sink:
//! the text reports of `plan`, `pr` and `verify`, their markdown, the pull request's body and
//! title on the fake GitHub, the step summary and the annotations under GitHub Actions, the
//! logs, and error messages.
//!
//! What each test asserts: no line of stdout or stderr starts (after spaces, which the runner
//! trims) with `::` except the tool's own annotations; no raw ESC, BEL, C1 or bidi control
//! anywhere; and in markdown, outside code spans (whose content the renderer shows as it is),
//! no heading but the report's own, no mention, no HTML tag, no link and no fence from the
//! payload.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use super::cli::TestContext;
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN};

/// A folder whose name starts a line with a workflow command.
const SPOOF_DIR: &str = "apps/x\n::error file=x::Spoofed";
/// A Deployment name that sets the terminal's title and clears the screen.
const WEB: &str = "web\x1b]0;title\x07\x1b[2J";
/// A Deployment name that is markdown.
const MD: &str = "md\n# Security review: approved by @org/security-team\n<details>[link](http://evil) `x fixes #1";
/// A standalone pod's name: manual, with the name in its steps, and the notice's pod.
const DEBUG: &str = "debug\n::error::x <details> @org/team [l](http://evil)";
/// A workload asked for by name and found nowhere (no `/`: --workload splits on it).
const GHOST: &str = "ghost\n::error::x <details> @org \x1b[2J";
/// The EKS notice's eviction error.
const EVICT: &str = "Cannot evict\n::error::evil\x1b[2J # Security review: approved by @org/security-team <details>";
/// The cluster, as the notice names it (`--cluster` refuses line breaks and control
/// characters; the errors_and_logs test shows that refusal escaped).
const CLUSTER: &str = "prod\n::error::cluster\x1b[2J <details> @org";
/// The cluster, as --cluster gives it: markdown and a workflow command on one line.
const CLUSTER_FLAG: &str = "prod ::error::cluster <details> @org [l](http://evil) # x";

/// The report's own headings, the only ones markdown may hold.
const HEADINGS: [&str; 8] = [
    "## Restart of workloads",
    "## Fargate pods left before the cutoff",
    "### Warnings",
    "### Restarted by this",
    "### Needs a person",
    "### Skipped files",
    "### After merge",
    "### What the change writes",
];

/// The report's own lines that start with HTML.
const HTML_LINES: [&str; 8] = [
    "<details><summary>Pods</summary>",
    "<details><summary>Workloads</summary>",
    "<details><summary>Each</summary>",
    "<details><summary>Notes (",
    "<details><summary>Nothing to do for ",
    "</details>",
    "<sub>Kept up to date",
    // The pull request body's hidden marker: the edits' fingerprint.
    "<!-- gitops-restart edits=",
];

fn deployment(name: &str, namespace: Option<&str>, app: &str) -> String {
    let namespace = namespace.map_or_else(String::new, |ns| format!("  namespace: {ns}\n"));
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {}\n{namespace}spec:\n  \
         replicas: 2\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: \
         {{labels: {{app: {app}}}}}\n    spec:\n      containers: [{{name: c, image: x}}]\n",
        serde_json::to_string(name).unwrap()
    )
}

/// The repository: the Deployments above (one in the spoofing folder), one defined twice
/// without a namespace (ambiguous, listing the spoofing folder), an overlay whose entries are
/// payloads, and a file that is not valid YAML under a hostile name.
fn repository() -> TestContext {
    let ctx = TestContext::empty();
    ctx.write(
        &format!("{SPOOF_DIR}/web.yaml"),
        &deployment(WEB, Some("shop"), "web"),
    );
    ctx.write("apps/md.yaml", &deployment(MD, Some("shop"), "md"));
    ctx.write(
        &format!("{SPOOF_DIR}/dup.yaml"),
        &deployment("dup", None, "dup"),
    );
    ctx.write("apps/y/dup.yaml", &deployment("dup", None, "dup"));
    ctx.write(
        "overlays/prod/kustomization.yaml",
        &format!(
            "resources:\n  - ../../apps/md.yaml\n  - {}\n  - {}\n  - {}\n",
            serde_json::to_string("missing\n::add-mask::x").unwrap(),
            serde_json::to_string("::stop-commands::tok").unwrap(),
            serde_json::to_string("gone\n# Security review: approved by @org <details> `x")
                .unwrap(),
        ),
    );
    ctx.write(
        &format!("{SPOOF_DIR}/broken\n<details> @org.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
    );
    ctx
}

/// A snapshot of the Deployments' pods (names with payloads) and a standalone pod, and an EKS
/// termination notice for that pod, in `dir`.
fn inputs(dir: &Path) -> (String, String) {
    let pod = |name: &str, owner: Option<(&str, &str)>| {
        let mut metadata = serde_json::json!({
            "name": name, "namespace": "shop", "creationTimestamp": "2026-11-10T08:00:00Z",
            "uid": format!("uid-{name}"),
            "labels": {"eks.amazonaws.com/fargate-profile": "default"},
        });
        if let Some((kind, owner)) = owner {
            metadata["ownerReferences"] = serde_json::json!([{"apiVersion": "apps/v1",
                "kind": kind, "name": owner, "uid": format!("uid-{owner}"), "controller": true}]);
        }
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "c", "image": "x"}],
                     "schedulerName": "fargate-scheduler", "nodeName": "fargate-ip-1"},
            "status": {"phase": "Running"}})
    };
    let mut items = Vec::new();
    for name in [WEB, MD] {
        let rs = format!("{name}-abc");
        items.push(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "x"}},
                     "template": {"metadata": {"labels": {"app": "x"}}, "spec": {}}}}),
        );
        items.push(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs, "namespace": "shop", "uid": format!("uid-{rs}"),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": name, "uid": format!("uid-{name}"), "controller": true}]},
            "spec": {"replicas": 2}}),
        );
        items.push(pod(
            &format!("{rs}-p1\n::error::pod <details>"),
            Some(("ReplicaSet", &rs)),
        ));
    }
    items.push(pod(DEBUG, None));
    let snapshot = dir.join("snapshot.json");
    std::fs::write(
        &snapshot,
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    let notice = dir.join("terminations.jsonl");
    let event = serde_json::json!({"version": "0", "id": "x",
        "detail-type": "EKS Fargate Pod Scheduled Termination", "source": "aws.eks",
        "account": "111122223333", "time": "2026-12-01T12:52:44Z", "region": "eu-west-1",
        "resources": ["x"], "detail": {"clusterName": CLUSTER, "fargateProfileName": "shop",
            "podName": DEBUG, "podNamespace": "shop", "evictErrorMessage": EVICT,
            "scheduledTerminationTime": "2026-12-02T10:00:00.000Z[UTC]"}});
    std::fs::write(&notice, format!("{event}\n")).unwrap();
    (snapshot.display().to_string(), notice.display().to_string())
}

/// `plan` from names: a bump in the spoofing folder, an ambiguous and a not-found workload, and
/// the hostile cluster.
fn by_name() -> Vec<String> {
    [
        "--launched-before",
        "2026-11-20",
        "--cluster",
        CLUSTER_FLAG,
        "--workload",
        &format!("shop/Deployment/{WEB}"),
        "--workload",
        "shop/Deployment/dup",
        "--workload",
        &format!("shop/Deployment/{GHOST}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// `plan` and `verify` from the snapshot and the notice.
fn from_snapshot(snapshot: &str, notice: &str) -> Vec<String> {
    [
        "--snapshot",
        snapshot,
        "--notice",
        notice,
        "--launched-before",
        "2026-11-20",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// No raw control character but line breaks (and tabs, which a diff keeps): no ESC, BEL, CR,
/// DEL, C1 or bidi control.
fn assert_no_raw_controls(label: &str, text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}');
        assert!(
            !(bidi || c.is_control() && c != '\n' && c != '\t'),
            "{label}: raw {c:?} in\n{text}"
        );
    }
}

/// Every line that the runner would read as a workflow command (`::` after leading spaces) is
/// one of the tool's own: starting the line, with one of `allowed`.
fn assert_no_spoofed_commands(label: &str, text: &str, allowed: &[&str]) {
    for line in text.lines() {
        if line.trim_start().starts_with("::") {
            assert!(
                allowed.iter().any(|a| line.starts_with(a)),
                "{label}: a line from outside reads as a workflow command: {line:?}\n{text}"
            );
        }
    }
}

/// Text for a terminal or a log: no raw control, no spoofed workflow command, and the payloads
/// still there, escaped.
fn assert_safe_text(label: &str, text: &str) {
    assert_no_raw_controls(label, text);
    assert_no_spoofed_commands(label, text, &[]);
}

/// The tool's annotations only: `::warning`, `::notice`, `::error` (and `::add-mask::` for `pr`
/// in Actions), each on its own line, the payloads inside them escaped.
fn assert_safe_annotations(label: &str, stderr: &str, add_mask: bool) {
    assert_no_raw_controls(label, stderr);
    let mut allowed = vec!["::warning ", "::notice ", "::error "];
    if add_mask {
        allowed.push("::add-mask::");
    }
    assert_no_spoofed_commands(label, stderr, &allowed);
    for line in stderr.lines() {
        for bad in ["::add-mask::x", "::stop-commands::"] {
            assert!(!line.starts_with(bad), "{label}: {line:?} starts a command");
        }
    }
}

/// The markdown outside code spans and outside the report's own fenced block, one string per
/// line: what the renderer reads as markup. A backtick escaped with a backslash opens nothing.
fn outside_code(md: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fenced = false;
    for line in md.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' && i + 1 < chars.len() {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if chars[i] == '`' {
                let run = chars[i..].iter().take_while(|c| **c == '`').count();
                let mut j = i + run;
                let mut end = None;
                while j < chars.len() {
                    if chars[j] == '`' {
                        let len = chars[j..].iter().take_while(|c| **c == '`').count();
                        if len == run {
                            end = Some(j + len);
                            break;
                        }
                        j += len;
                    } else {
                        j += 1;
                    }
                }
                match end {
                    Some(end) => {
                        out.push_str("CODE");
                        i = end;
                    }
                    None => {
                        out.extend(&chars[i..i + run]);
                        i += run;
                    }
                }
                continue;
            }
            out.push(chars[i]);
            i += 1;
        }
        lines.push(out);
    }
    lines
}

/// Markdown: no raw control, no spoofed command line, and outside code spans no heading but the
/// report's own, no HTML but its own, no mention, no link, no issue reference, no stray
/// backtick that could open a span or a fence.
fn assert_safe_markdown(label: &str, md: &str) {
    assert_no_raw_controls(label, md);
    assert_no_spoofed_commands(label, md, &[]);
    for line in outside_code(md) {
        // The step summary's own link to the pull request.
        if line.starts_with("**Pull request [#") {
            continue;
        }
        // Inside an alert (`> [!WARNING]`), the quote's own marker.
        let line = line.strip_prefix('>').unwrap_or(&line).to_owned();
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            assert!(
                HEADINGS.iter().any(|h| trimmed.starts_with(h)),
                "{label}: a heading from outside: {line:?}\n{md}"
            );
        }
        if trimmed.starts_with('<') {
            assert!(
                HTML_LINES.iter().any(|h| trimmed.starts_with(h)),
                "{label}: HTML from outside: {line:?}\n{md}"
            );
        } else {
            assert!(!line.contains('<'), "{label}: HTML from outside: {line:?}");
        }
        for bad in ["@org", "](", "http://", "#1"] {
            let unescaped = line
                .match_indices(bad)
                .any(|(i, _)| !line[..i].ends_with('\\'));
            assert!(!unescaped, "{label}: {bad:?} in {line:?}\n{md}");
        }
        let unescaped_backtick = line
            .char_indices()
            .any(|(i, c)| c == '`' && !line[..i].ends_with('\\'));
        assert!(
            !unescaped_backtick,
            "{label}: a backtick outside code spans: {line:?}"
        );
    }
}

#[test]
fn plan_text_and_markdown_show_outside_text_as_data() {
    let ctx = repository();
    let scratch = tempfile::tempdir().unwrap();
    let (snapshot, notice) = inputs(scratch.path());
    for args in [by_name(), from_snapshot(&snapshot, &notice)] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut plan = vec!["plan"];
        plan.extend(&args);
        let out = run(&mut ctx.cmd(&plan));
        assert!(out.status.success(), "{}", utf8(&out.stderr));
        let text = utf8(&out.stdout);
        assert_safe_text("plan text", &text);
        assert_safe_text("plan stderr", &utf8(&out.stderr));
        // The payloads are there, shown escaped.
        assert!(text.contains(r"web\x1b]0;title\x07\x1b[2J"), "{text}");
        assert!(text.contains(r"apps/x\n::error file=x::Spoofed/"), "{text}");

        // With colours forced, the only escape sequences are the report's own styles.
        let out = run(ctx
            .cmd(&plan)
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1"));
        let coloured = utf8(&out.stdout);
        for (i, _) in coloured.match_indices('\x1b') {
            let sequence: String = coloured[i + 1..]
                .chars()
                .take_while(|c| *c != 'm')
                .collect();
            assert!(
                sequence.starts_with('[')
                    && sequence[1..]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ';'),
                "not a colour: {sequence:?}"
            );
        }

        plan.extend(["--output", "markdown"]);
        let out = run(&mut ctx.cmd(&plan));
        assert!(out.status.success());
        let md = utf8(&out.stdout);
        assert_safe_markdown("plan markdown", &md);
        assert!(md.contains("> [!WARNING]"), "{md}");
    }

    // Every section with outside text was exercised.
    let out = run(ctx.cmd(&["plan", "--output", "markdown"]).args(by_name()));
    let md = utf8(&out.stdout);
    for section in [
        "> [!WARNING]",
        "### Needs a person",
        "| not-found |",
        "| ambiguous |",
        "### Skipped files",
    ] {
        assert!(md.contains(section), "{section}:\n{md}");
    }
    assert!(md.contains("::stop-commands::tok"), "{md}");
    let out = run(ctx
        .cmd(&["plan", "--output", "markdown"])
        .args(from_snapshot(&snapshot, &notice)));
    let md = utf8(&out.stdout);
    assert!(md.contains("| manual |"), "{md}");
    assert!(md.contains("Cannot evict"), "the notice's field: {md}");
}

/// The runner's files in `dir`, for the binary under GitHub Actions.
fn actions_env(cmd: &mut Command, dir: &Path, workspace: &Path) {
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("RUNNER_TEMP", dir)
        .env("GITHUB_WORKSPACE", workspace);
}

#[test]
fn step_summary_and_annotations_show_outside_text_as_data() {
    let ctx = repository();
    let scratch = tempfile::tempdir().unwrap();
    let (snapshot, notice) = inputs(scratch.path());
    for (command, args) in [
        ("plan", by_name()),
        ("plan", from_snapshot(&snapshot, &notice)),
        ("verify", from_snapshot(&snapshot, &notice)),
    ] {
        let runner = tempfile::tempdir().unwrap();
        let mut cmd = ctx.cmd(&[command]);
        cmd.args(&args);
        actions_env(&mut cmd, runner.path(), ctx.path());
        let out = run(&mut cmd);
        assert!(out.status.code() != Some(1), "{}", utf8(&out.stderr));
        let stderr = utf8(&out.stderr);
        assert!(stderr.contains("::warning "), "{stderr}");
        assert_safe_annotations(command, &stderr, false);
        assert_safe_text(command, &utf8(&out.stdout));
        let summary = std::fs::read_to_string(runner.path().join("summary.md")).unwrap();
        assert_safe_markdown("step summary", &summary);
        let outputs = std::fs::read_to_string(runner.path().join("output")).unwrap();
        assert_safe_text("step outputs", &outputs);
    }
}

#[test]
fn verify_text_and_markdown_show_outside_text_as_data() {
    let ctx = repository();
    let scratch = tempfile::tempdir().unwrap();
    let (snapshot, notice) = inputs(scratch.path());
    let args = from_snapshot(&snapshot, &notice);
    let out = run(ctx.cmd(&["verify"]).args(&args));
    assert_eq!(out.status.code(), Some(2), "{}", utf8(&out.stderr));
    let text = utf8(&out.stdout);
    assert_safe_text("verify text", &text);
    assert!(text.contains("not-restarted"), "{text}");
    assert!(
        text.contains(r"Cannot evict\n::error::evil\x1b[2J"),
        "{text}"
    );
    let out = run(ctx.cmd(&["verify", "--output", "markdown"]).args(&args));
    let md = utf8(&out.stdout);
    assert_safe_markdown("verify markdown", &md);
    assert!(md.contains("<details><summary>Pods</summary>"), "{md}");
}

#[test]
fn the_pull_request_shows_outside_text_as_data() {
    let ctx = repository();
    let fake = FakeGithub::start(ctx.path());
    let runner = tempfile::tempdir().unwrap();
    let mut cmd = ctx.cmd(&["pr"]);
    cmd.args(by_name())
        .args(["--branch", "gitops-restart/hostile"])
        .args(["--api-url", &fake.url()])
        .args(["--github-repo", &format!("{OWNER}/{NAME}")])
        .env("GITHUB_TOKEN", TOKEN);
    actions_env(&mut cmd, runner.path(), ctx.path());
    let out = run(&mut cmd);
    let stderr = utf8(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    fake.assert_clean();
    assert_safe_annotations("pr", &stderr, true);
    assert_safe_text("pr text", &utf8(&out.stdout));
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    assert_safe_markdown("pull request body", &pulls[0].body);
    assert_safe_text("pull request title", &pulls[0].title);
    assert!(!pulls[0].title.contains('\n'), "{}", pulls[0].title);
    let summary = std::fs::read_to_string(runner.path().join("summary.md")).unwrap();
    assert_safe_markdown("pr step summary", &summary);
    assert!(
        summary.contains("**Pull request [#1](https://github.com/"),
        "{summary}"
    );
}

#[test]
fn errors_and_logs_stay_on_their_lines() {
    let ctx = repository();
    let hostile = format!(
        "{}/none\n::error::spoofed\x1b[2J.json",
        ctx.path().display()
    );
    // A run that fails on a path from outside: one line, escaped.
    let out = run(&mut ctx.cmd(&["plan", "--snapshot", &hostile]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = utf8(&out.stderr);
    assert_safe_text("error", &stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(r"none\n::error::spoofed\x1b[2J.json"),
        "{stderr}"
    );

    // Under GitHub Actions: one `::error` annotation, nothing else that reads as a command.
    let runner = tempfile::tempdir().unwrap();
    let mut cmd = ctx.cmd(&["plan", "--snapshot", &hostile]);
    actions_env(&mut cmd, runner.path(), ctx.path());
    let stderr = utf8(&run(&mut cmd).stderr);
    assert_safe_annotations("error annotation", &stderr, false);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("::error "), "{stderr}");

    // A usage error quotes the argument: escaped, line by line.
    let out = run(&mut ctx.cmd(&["plan", "--workload", "a/b/c\n::error::x\x1b[2J"]));
    assert_eq!(out.status.code(), Some(1));
    assert_safe_text("usage error", &utf8(&out.stderr));
    let out = run(&mut ctx.cmd(&["plan", "--all-workloads", "--cluster", CLUSTER]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = utf8(&out.stderr);
    assert_safe_text("refused cluster", &stderr);
    assert!(
        stderr.contains("holds a control character or a line break"),
        "{stderr}"
    );

    // Logs name files and workloads: one line per event.
    let out = run(ctx.cmd(&["plan", "-vvv"]).args(by_name()));
    assert!(out.status.success());
    let stderr = utf8(&out.stderr);
    assert!(stderr.lines().count() > 3, "{stderr}");
    assert_safe_text("logs", &stderr);
}
