use chrono::{DateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::model::{Code, Finding, Kind, Place};
use crate::plan::{Decision, PlannedWorkload};
use crate::repo::Skipped;

/// The pull request body's budget, as `github::options` gives it (60,000 less its footer).
const BODY: usize = 59_800;

fn time() -> DateTime<Utc> {
    "2026-11-20T09:00:00Z".parse().unwrap()
}

fn plan(workloads: Vec<PlannedWorkload>) -> Plan {
    Plan {
        cluster: Some("prod-eks".to_owned()),
        launched_before: Some(time()),
        deadline: Some(time()),
        now: "2026-11-18T09:00:00Z".parse().unwrap(),
        workloads,
        ..Plan::empty(time())
    }
}

fn workload(namespace: &str, name: &str, decision: Decision) -> PlannedWorkload {
    PlannedWorkload {
        namespace: Some(namespace.to_owned()),
        kind: Kind::Deployment,
        name: name.to_owned(),
        pods: Some(2),
        oldest_pod_created: Some("2026-10-01T00:00:00Z".to_owned()),
        decision,
        warnings: vec![],
    }
}

fn bump(file: &str) -> Decision {
    Decision::Bump {
        place: Place::new(file, Some(2)),
    }
}

fn no_pdb() -> Finding {
    Finding::warning(
        Code::NoPdb,
        "no PodDisruptionBudget selects these pods: EKS evicts zone by zone",
    )
}

/// `n` Deployments in 50 namespaces, each bumped and without a PodDisruptionBudget, as the
/// issue's 400 and 4,500.
fn without_pdbs(n: usize) -> Plan {
    plan(
        (0..n)
            .map(|i| {
                let (ns, name) = (format!("team-{:02}", i % 50), format!("app-{i:05}"));
                let mut w = workload(&ns, &name, bump(&format!("apps/{ns}/{name}.yaml")));
                w.warnings.push(no_pdb());
                w
            })
            .collect(),
    )
}

#[test]
fn two_alike_stay_a_list_three_are_grouped() {
    let mut two = without_pdbs(2);
    let md = render_within(&two, Budget::UNLIMITED, PLAN);
    assert!(md.contains(
        "> - `team-00/Deployment/app-00000`: no PodDisruptionBudget selects these pods: EKS evicts zone by zone\n\
         > - `team-01/Deployment/app-00001`: no PodDisruptionBudget"
    ));
    two.workloads
        .extend(without_pdbs(3).workloads.into_iter().skip(2));
    let md = render_within(&two, Budget::UNLIMITED, PLAN);
    assert!(
        md.contains(
            "> [!WARNING]\n> **To check before the deadline:**\n>\n\
             > - **3 workloads:** no PodDisruptionBudget selects these pods: EKS evicts zone by zone\n\
             >   <details><summary>Workloads</summary>\n>\n\
             >   - `team-00/Deployment/app-00000`\n\
             >   - `team-01/Deployment/app-00001`\n\
             >   - `team-02/Deployment/app-00002`\n>\n\
             >   </details>\n"
        ),
        "{md}"
    );
    assert!(!md.contains("Cut to fit"));
}

#[test]
fn repeated_reasons_show_their_names_as_placeholders() {
    let manual = |ns: &str, name: &str| {
        workload(
            ns,
            name,
            Decision::Manual {
                place: None,
                reason: format!("delete it: kubectl -n {ns} delete pod {name}"),
            },
        )
    };
    let md = render_within(
        &plan(vec![manual("a", "x"), manual("b", "y"), manual("c", "z")]),
        Budget::UNLIMITED,
        PLAN,
    );
    assert!(
        md.contains(
            "### Needs a person\n\n- **3 workloads** (manual): delete it: `kubectl -n \
             <namespace> delete pod <name>`\n  <details><summary>Workloads</summary>"
        ),
        "{md}"
    );
}

#[test]
fn four_hundred_without_pdbs_fit_the_body() {
    let plan = without_pdbs(400);
    let whole = render_within(&plan, Budget::UNLIMITED, PLAN);
    let body = render_limited(&plan, BODY);
    assert!(Budget::utf16(BODY).size(&body) <= BODY);
    assert_eq!(
        whole.matches("no PodDisruptionBudget").count(),
        1,
        "one warning for all"
    );
    // Every row of what the pull request changes, and the warning with its count.
    assert_eq!(body.matches("| `team-").count(), 400, "{body}");
    assert!(body.contains("> - **400 workloads:** no PodDisruptionBudget selects"));
    assert!(body.contains("### After merge"));
    if Budget::utf16(BODY).size(&whole) > BODY {
        assert!(
            body.contains("_Cut to fit: some lists of workloads are shortened; "),
            "{}",
            &body[..400]
        );
    }
}

#[test]
fn forty_five_hundred_fit_with_what_needs_a_person() {
    let mut plan = without_pdbs(4_500);
    plan.workloads.push(workload(
        "ops",
        "debug",
        Decision::Manual {
            place: None,
            reason: "standalone pod: replace it by hand".to_owned(),
        },
    ));
    plan.workloads
        .last_mut()
        .unwrap()
        .warnings
        .push(Finding::critical(Code::PdbBlocksEviction, "blocked"));
    plan.warnings = (0..300)
        .map(|i| Finding::info(Code::SnapshotDuplicate, format!("items[{i}] repeats")))
        .collect();
    let started = std::time::Instant::now();
    let whole = render_within(&plan, Budget::UNLIMITED, PLAN);
    let body = render_limited(&plan, BODY);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    // Whole, as `plan --output markdown` and a step summary show it: one warning for all,
    // under 1 MiB.
    assert_eq!(whole.matches("| `team-").count(), 4_500);
    assert_eq!(whole.matches("no PodDisruptionBudget").count(), 1);
    assert!(whole.len() < 1_000_000, "{}", whole.len());
    assert!(Budget::utf16(BODY).size(&body) <= BODY);
    let rows = body.matches("| `team-").count();
    assert!((250..4_500).contains(&rows), "{rows}");
    assert!(body.contains(&format!(
        "_{} more workload(s) not shown in this table._",
        4_500 - rows
    )));
    // What needs a person is kept though the table could fill the body alone.
    assert!(body.contains(
        "### Needs a person\n\n| workload | action | next step |\n|---|---|---|\n\
         | `ops/Deployment/debug` | manual | standalone pod: replace it by hand |\n"
    ));
    assert!(body.contains("> - `ops/Deployment/debug`: blocked\n"));
    assert!(body.contains("> - **4500 workloads:** no PodDisruptionBudget"));
    // Context (info) goes last: here, not at all.
    assert!(!body.contains("snapshot-duplicate"));
    assert!(
        body.contains(&format!(
            "_Cut to fit: {} rows of the table and 1 note not shown, and some lists of \
             workloads are shortened; run `gitops-restart plan` for the full report._",
            4_500 - rows
        )),
        "{}",
        &body[..600]
    );
}

#[test]
fn the_header_keeps_a_huge_cluster_name_short() {
    let mut plan = without_pdbs(3);
    plan.cluster = Some("🦀".repeat(100_000));
    let body = render_limited(&plan, BODY);
    assert!(Budget::utf16(BODY).size(&body) <= BODY);
    assert!(body.starts_with(&format!(
        "## Restart of workloads on `{}…`",
        "🦀".repeat(255)
    )));
    assert!(body.contains("### After merge"));
}

/// Names as Kubernetes allows them and beyond: any character, any length.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,20}",
        "\\PC{0,40}",
        "[🦀é`|<>*_\\\\-]{1,300}",
        Just("x".repeat(2_000)),
    ]
}

fn decision() -> impl Strategy<Value = Decision> {
    prop_oneof![
        name().prop_map(|f| Decision::Bump {
            place: Place::new(f, Some(1))
        }),
        name().prop_map(|reason| Decision::Manual {
            place: None,
            reason
        }),
        name().prop_map(|reason| Decision::NotFound { reason }),
        name().prop_map(|reason| Decision::Ambiguous {
            candidates: vec![],
            reason
        }),
        name().prop_map(|reason| Decision::Skipped { reason }),
    ]
}

fn finding() -> impl Strategy<Value = Finding> {
    (0..Code::ALL.len(), 0..3u8, name(), prop::option::of(name())).prop_map(
        |(code, severity, message, file)| {
            let code = Code::ALL[code];
            let mut f = match severity {
                0 => Finding::critical(code, message),
                1 => Finding::warning(code, message),
                _ => Finding::info(code, message),
            };
            if let Some(file) = file {
                f = f.at(Place::new(file, Some(3)));
            }
            f
        },
    )
}

fn workloads() -> impl Strategy<Value = Vec<PlannedWorkload>> {
    let one = (
        name(),
        name(),
        decision(),
        prop::collection::vec(finding(), 0..4),
    )
        .prop_map(|(ns, name, decision, warnings)| {
            let mut w = workload(&ns, &name, decision);
            w.warnings = warnings;
            w
        });
    // Few distinct workloads repeated many times: repeats make groups, and length.
    (prop::collection::vec(one, 1..12), 1..300usize).prop_map(|(distinct, n)| {
        (0..n)
            .map(|i| distinct[i % distinct.len()].clone())
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the plan, the body is within the limit, with its header and the steps after
    /// merge.
    #[test]
    fn the_body_is_always_within_the_limit(
        workloads in workloads(),
        warnings in prop::collection::vec(finding(), 0..50),
        skipped in prop::collection::vec((name(), name()), 0..30),
        cluster in prop::option::of(name()),
    ) {
        let mut plan = plan(workloads);
        plan.cluster = cluster;
        plan.warnings = warnings;
        plan.skipped_files = skipped
            .into_iter()
            .map(|(file, reason)| Skipped { file, line: None, reason })
            .collect();
        let body = render_limited(&plan, BODY);
        prop_assert!(Budget::utf16(BODY).size(&body) <= BODY, "{}", body.len());
        prop_assert!(body.starts_with("## Restart of workloads"));
        prop_assert!(body.contains("### After merge"));
        let summary = render_within(&plan, Budget::bytes(200_000), PLAN);
        prop_assert!(summary.len() <= 200_000);
    }
}

#[test]
fn the_summary_counts_and_counts_down() {
    let mut plan = without_pdbs(3);
    let manual = Decision::Manual {
        place: None,
        reason: "standalone pod".to_owned(),
    };
    plan.workloads.push(workload("ops", "debug", manual));
    plan.deadline = Some("2026-12-04T00:00:00Z".parse().unwrap());
    plan.now = "2026-12-01T19:17:00Z".parse().unwrap();
    assert_eq!(
        sections::summary(&plan, Sink::PullRequest),
        "3 workloads restart when this merges, 1 needs a person; EKS evicts in 2 days \
         (Fri 4 Dec, 00:00 UTC)."
    );
    plan.now = "2026-12-04T05:00:00Z".parse().unwrap();
    plan.workloads.truncate(1);
    assert_eq!(
        sections::summary(&plan, Sink::Report),
        "1 workload restarts when the change merges; EKS's deadline passed 5 hours ago \
         (Fri 4 Dec, 00:00 UTC)."
    );
    plan.deadline = None;
    plan.workloads.clear();
    let md = render_within(&plan, Budget::UNLIMITED, PLAN);
    assert!(
        md.contains(
            "**Nothing restarts when the change merges; the deadline is unknown (give \
             --deadline, or the AWS notice).**"
        ),
        "{md}"
    );
    assert!(md.contains("\nNothing to restart.\n"), "{md}");
}

#[test]
fn after_merge_is_verify_with_this_runs_arguments_quoted_for_a_shell_and_markdown() {
    let mut plan = without_pdbs(1);
    let md = render_within(&plan, Budget::UNLIMITED, PLAN);
    assert!(
        md.contains(
            "```sh\ngitops-restart verify --cluster prod-eks --launched-before \
             2026-11-20T09:00:00Z --deadline 2026-11-20T09:00:00Z\n```\n"
        ),
        "{md}"
    );
    plan.cluster = Some("it's ```\n$(rm -rf /)".to_owned());
    plan.annotation = "example.com/restarted at".to_owned();
    assert_eq!(
        sections::verify_command(&plan),
        "gitops-restart verify --cluster 'it'\\''s ```\\n$(rm -rf /)' --launched-before \
         2026-11-20T09:00:00Z --deadline 2026-11-20T09:00:00Z --annotation \
         'example.com/restarted at'"
    );
    let md = render_within(&plan, Budget::UNLIMITED, PLAN);
    assert!(
        md.contains("````sh\ngitops-restart verify --cluster 'it'"),
        "{md}"
    );
    assert!(md.contains("restarted at'\n````\n"), "{md}");
}

#[test]
fn the_restart_value_is_explained_and_the_body_says_what_closing_does() {
    let mut plan = without_pdbs(1);
    let body = render_limited(&plan, BODY);
    assert!(body.contains(
        "The pod templates get `kubectl.kubernetes.io/restartedAt: 2026-11-20T09:00:00Z` \
         (Argo Rollouts: `spec.restartAt: 2026-11-20T09:00:00Z`), the cutoff: a time in the \
         past on purpose"
    ));
    assert!(body.contains("### Restarted by this pull request"));
    assert!(body.contains("**Closing this pull request** without merging declines"));
    plan.restarted_from = crate::settings::RestartFrom::Clock;
    let md = render_within(&plan, Budget::UNLIMITED, PLAN);
    assert!(
        md.contains("the time of the run, as no cutoff is known"),
        "{md}"
    );
    assert!(md.contains("### Restarted by this change"));
    assert!(!md.contains("Closing this pull request"));
}

#[test]
fn critical_findings_are_a_caution_alert_and_info_is_collapsed() {
    let mut plan = without_pdbs(2);
    plan.workloads[0]
        .warnings
        .push(Finding::critical(Code::PdbBlocksEviction, "evictions fail"));
    plan.warnings
        .push(Finding::info(Code::SnapshotDuplicate, "items[3] repeats"));
    let md = render_within(&plan, Budget::UNLIMITED, PLAN);
    let caution = md.find("> [!CAUTION]\n> **Lost at the deadline").unwrap();
    let warning = md.find("> [!WARNING]\n").unwrap();
    assert!(caution < warning, "{md}");
    assert!(md.contains("> - `team-00/Deployment/app-00000`: evictions fail\n"));
    assert!(
        md.contains("<details><summary>Notes (1)</summary>\n\n- items[3] repeats\n\n</details>\n"),
        "{md}"
    );
}

/// Every workload needs a person: no table of restarts, one of what to do by hand.
fn all_manual() -> Plan {
    let mut workloads = Vec::new();
    for i in 0..4 {
        let name = format!("debug-{i}");
        workloads.push(workload(
            "ops",
            &name,
            Decision::Manual {
                place: None,
                reason: format!(
                    "standalone pod: replace it, then kubectl -n ops delete pod {name}"
                ),
            },
        ));
    }
    workloads.push(workload(
        "kube-system",
        "coredns",
        Decision::NotFound {
            reason: "no manifest in the repository defines Deployment coredns".to_owned(),
        },
    ));
    workloads.push(workload(
        "shop",
        "search",
        Decision::Ambiguous {
            candidates: vec![],
            reason: "2 manifests could define it: a.yaml:3, b.yaml:3; pass --cluster".to_owned(),
        },
    ));
    workloads[0]
        .warnings
        .push(Finding::critical(Code::NoPdb, "nothing recreates this pod"));
    plan(workloads)
}

#[test]
fn snapshot_everything_manual() {
    let body = render_limited(&all_manual(), BODY);
    assert!(!body.contains("### Restarted by"), "{body}");
    insta::assert_snapshot!(body);
}

#[test]
fn snapshot_four_hundred_with_repeated_warnings() {
    let mut plan = without_pdbs(400);
    for w in plan.workloads.iter_mut().step_by(40) {
        w.warnings.push(Finding::critical(
            Code::PdbBlocksEviction,
            "PodDisruptionBudget allows no disruption",
        ));
    }
    let body = render_limited(&plan, BODY);
    assert!(Budget::utf16(BODY).size(&body) <= BODY);
    insta::assert_snapshot!(body);
}

#[test]
fn the_commands_a_person_runs_are_code_spans_to_copy_whole() {
    assert_eq!(
        commands_as_code(
            "delete them one at a time: kubectl -n shop delete pod web-1, then kubectl -n shop \
             delete pod web-0; wait for each"
        ),
        "delete them one at a time: `kubectl -n shop delete pod web-1`, then `kubectl -n shop \
         delete pod web-0`; wait for each"
    );
    assert_eq!(
        commands_as_code("then delete the old pod: kubectl -n <namespace> delete pod <name>"),
        "then delete the old pod: `kubectl -n <namespace> delete pod <name>`"
    );
    // Outside text around a command is still escaped; text with spans of its own is left so.
    assert!(commands_as_code("*x* kubectl -n a delete pod b").starts_with("\\*x\\* `kubectl"));
    assert_eq!(
        commands_as_code("see `kubectl rollout status`"),
        escape::markdown_inline("see `kubectl rollout status`")
    );
}

#[test]
fn the_command_that_restarts_a_workload_by_hand_quotes_names_for_a_shell() {
    use crate::model::Kind;
    use crate::verify::restart_command;
    assert_eq!(
        restart_command(Some("kube-system"), &Kind::Deployment, "coredns"),
        "kubectl rollout restart -n kube-system deployment/coredns"
    );
    // A snapshot is outside input: names a shell would read stay words.
    assert_eq!(
        restart_command(Some("a;b"), &Kind::Deployment, "x$(id)"),
        "kubectl rollout restart -n 'a;b' 'deployment/x$(id)'"
    );
    assert_eq!(
        restart_command(None, &Kind::StatefulSet, "it's"),
        "kubectl rollout restart 'statefulset/it'\\''s'"
    );
}
