//! Tests of the GitHub Actions conventions: escapes, outputs, annotations.

use super::*;

#[test]
fn escapes_follow_the_workflow_command_rules() {
    assert_eq!(
        escape_data("50% done\r\nnext: a,b"),
        "50%25 done%0D%0Anext: a,b"
    );
    assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    assert_eq!(
        command(
            "warning",
            &[
                ("file", "apps/a,b.yaml".to_owned()),
                ("line", "3".to_owned())
            ],
            "x::y\nz\x1b[2J 5%"
        ),
        "::warning file=apps/a%2Cb.yaml,line=3::x::y\\nz\\x1b[2J 5%25\n",
        "a line break or an ESC in a message is outside text: shown escaped"
    );
    assert_eq!(command("add-mask", &[], "s3cr%t"), "::add-mask::s3cr%25t\n");
}

#[test]
fn outputs_use_a_heredoc_only_for_line_breaks() {
    let text = render_outputs(&[
        ("pr-number", "12".to_owned()),
        ("odd", "a\nGITOPS_RESTART_EOF\nb".to_owned()),
    ]);
    assert_eq!(
        text,
        "pr-number=12\nodd<<GITOPS_RESTART_EOF_\na\nGITOPS_RESTART_EOF\nb\nGITOPS_RESTART_EOF_\n"
    );
}

#[test]
fn env_only_under_github_actions() {
    let vars = |actions: &'static str| {
        move |name: &str| match name {
            "GITHUB_ACTIONS" => Some(OsString::from(actions)),
            "GITHUB_OUTPUT" => Some(OsString::from("/tmp/out")),
            "GITHUB_STEP_SUMMARY" => Some(OsString::new()),
            _ => None,
        }
    };
    assert_eq!(Env::from_vars(vars("false")), None);
    let env = Env::from_vars(vars("true")).unwrap();
    assert_eq!(env.output, Some(PathBuf::from("/tmp/out")));
    assert_eq!(env.step_summary, None, "empty is unset");
}

/// Severity picks the command; a finding's own place in the repository wins over its
/// workload's line, and an input's name is never taken for a file of the repository.
#[test]
fn findings_are_annotated_by_severity_at_their_place() {
    use crate::model::{Kind, WorkloadId};
    use crate::plan::{Decision, PlannedWorkload};
    let plan = Plan {
        workloads: vec![PlannedWorkload {
            namespace: Some("shop".to_owned()),
            kind: Kind::Deployment,
            name: "web".to_owned(),
            pods: None,
            oldest_pod_created: None,
            decision: Decision::Bump {
                place: Place::new("apps/web.yaml", Some(3)),
            },
            warnings: vec![
                Finding::critical(Code::PdbBlocksEviction, "blocked"),
                Finding::info(Code::PatchedInOverlay, "patched"),
                Finding::warning(Code::ArgocdIgnoresRestart, "ignored")
                    .at(Place::new("argocd/cm.yaml", Some(7))),
            ]
            .into_iter()
            .map(|f| f.about(WorkloadId::new(Some("shop"), Kind::Deployment, "web")))
            .collect(),
        }],
        warnings: vec![
            Finding::warning(Code::BrokenReference, "`../x` does not exist")
                .at(Place::new("overlays/kustomization.yaml", None)),
            Finding::warning(Code::SnapshotItemSkipped, "items[1]: bad; skipped")
                .at(Place::input("snap.json")),
        ],
        ..Plan::empty(chrono::DateTime::UNIX_EPOCH)
    };
    assert_eq!(
        plan_annotations(&plan, "gitops/"),
        "::warning file=gitops/apps/web.yaml,line=3,title=shop/Deployment/web::blocked\n\
         ::warning file=gitops/argocd/cm.yaml,line=7,title=shop/Deployment/web::ignored\n\
         ::warning file=gitops/overlays/kustomization.yaml,title=gitops-restart::`../x` does not exist\n\
         ::warning title=gitops-restart::snap.json: items[1]: bad; skipped\n\
         ::notice file=gitops/apps/web.yaml,line=3,title=shop/Deployment/web::patched\n"
    );
}

/// GitHub shows 10 annotations of each kind per step: past that, 9 of the most urgent
/// and a tenth that counts the rest; a kind within the cap is whole.
#[test]
fn annotations_are_capped_per_kind_most_severe_first() {
    let command = |kind: Level, rank: u8, n: usize| Annotation {
        kind,
        rank,
        command: format!("::{} title=t::{rank}-{n}\n", kind.as_str()),
    };
    let mut annotations: Vec<Annotation> = (0..30).map(|n| command(Level::Warning, 2, n)).collect();
    annotations.extend((0..3).map(|n| command(Level::Warning, 0, n)));
    annotations.extend((0..10).map(|n| command(Level::Notice, 4, n)));
    let text = capped(annotations, "see the summary");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20, "{text}");
    assert_eq!(
        &lines[..5],
        [
            "::warning title=t::0-0",
            "::warning title=t::0-1",
            "::warning title=t::0-2",
            "::warning title=t::2-0",
            "::warning title=t::2-1"
        ]
    );
    assert_eq!(
        lines[9],
        "::warning title=gitops-restart::24 more warnings are not annotated (GitHub shows 10 of \
         each kind per step): see the summary"
    );
    assert_eq!(lines[10], "::notice title=t::4-0");
    assert_eq!(lines[19], "::notice title=t::4-9");
}

#[test]
fn workspace_prefix_of_a_subfolder() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("deploy/gitops")).unwrap();
    assert_eq!(
        workspace_prefix(&ws.path().join("deploy/gitops"), ws.path()),
        "deploy/gitops/"
    );
    assert_eq!(workspace_prefix(ws.path(), ws.path()), "");
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(workspace_prefix(elsewhere.path(), ws.path()), "");
}

#[test]
fn the_follow_through_is_an_output_of_pr_empty_without_one() {
    use crate::report::pull_request::{Followed, Operation, PullRequestReport};
    let plan = Plan::empty(chrono::DateTime::UNIX_EPOCH);
    let mut report = PullRequestReport {
        operation: Operation::None,
        number: None,
        url: None,
        branch: "gitops-restart/prod".to_owned(),
        head_sha: None,
        notes: vec![],
        followed: None,
    };
    let output = |report: &PullRequestReport| {
        plan_outputs(&plan, Some(report))
            .into_iter()
            .find(|(name, _)| *name == "followed-pr-number")
            .map(|(_, value)| value)
    };
    assert_eq!(output(&report).as_deref(), Some(""));
    report.followed = Some(Followed {
        number: 7,
        url: "https://github.com/acme/gitops/pull/7".to_owned(),
        remaining_pods: 0,
        remaining_workloads: 0,
        commented: true,
    });
    assert_eq!(output(&report).as_deref(), Some("7"));
    assert!(
        plan_outputs(&plan, None)
            .iter()
            .all(|(name, _)| *name != "followed-pr-number"),
        "not for plan"
    );
}
