//! Locating the source in real GitOps layouts. What each run decides and writes, as the plan
//! prints it (each workload's action and file:line, the notes, the diff of every edited file), is
//! a snapshot in `snapshots/it__locate__*.snap` named after what it guards; the proof against a
//! real peer is rendering with real `kubectl kustomize` before and after each edit: the affected
//! rendering changes only in the restart value, the others render byte-identical.

use std::path::Path;
use std::process::Command as Process;

use crate::cli::{TestContext, fixtures};

const KEY: &str = "kubectl.kubernetes.io/restartedAt";

fn layout(name: &str) -> TestContext {
    let ctx = TestContext::empty();
    copy_tree(&fixtures().join("layouts").join(name), ctx.path());
    ctx
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `kubectl kustomize DIR`, which must succeed.
///
/// The corpus holds only YAML files, so the inputs of configMapGenerators (scripts, configs) are
/// missing from its copies: each one kustomize asks for is created empty, inside the scratch
/// copy, and the render retried.
fn render(dir: &Path) -> String {
    for _ in 0..10 {
        let out = kubectl_kustomize(dir);
        if out.status.success() {
            return String::from_utf8(out.stdout).unwrap();
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let missing = stderr
            .split("evalsymlink failure on '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .map(std::path::PathBuf::from)
            .filter(|p| p.starts_with(std::env::temp_dir()));
        let Some(missing) = missing else {
            panic!("kubectl kustomize {}: {stderr}", dir.display());
        };
        std::fs::create_dir_all(missing.parent().unwrap()).unwrap();
        std::fs::write(&missing, "").unwrap();
    }
    panic!(
        "kubectl kustomize {}: too many missing generator inputs",
        dir.display()
    );
}

/// `kubectl kustomize DIR`; a missing kubectl fails the test with how to install it.
pub fn kubectl_kustomize(dir: &Path) -> std::process::Output {
    match Process::new("kubectl").arg("kustomize").arg(dir).output() {
        Ok(out) => out,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "kubectl is not installed, and the render tests need it (`kubectl kustomize`): \
             install kubectl 1.27 or later (its kustomize reads `patches:`) as \
             https://kubernetes.io/docs/tasks/tools/ describes, and put it on PATH"
        ),
        Err(err) => panic!("cannot run kubectl: {err}"),
    }
}

/// The rendering after the edit must be the one before plus only restart lines (and the
/// `annotations:`/`metadata:` keys holding them), with the restart value `value`.
fn assert_only_restart_added(before: &str, after: &str, value: &str, expected_restarts: usize) {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut restarts = 0;
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end();
        match change.tag() {
            similar::ChangeTag::Equal => {}
            similar::ChangeTag::Delete => panic!("the rendering lost a line: {line:?}\n{after}"),
            similar::ChangeTag::Insert => {
                let trimmed = line.trim();
                if trimmed == format!("{KEY}: \"{value}\"")
                    || trimmed == format!("restartAt: \"{value}\"")
                {
                    restarts += 1;
                } else {
                    assert!(
                        ["annotations:", "metadata:", "podAnnotations:"].contains(&trimmed),
                        "unexpected rendered line {line:?}\n{after}"
                    );
                }
            }
        }
    }
    assert_eq!(restarts, expected_restarts, "{after}");
}

/// What `gitops-restart COMMAND --restarted-at DAY ARGS` prints on the scratch copy (the plan's
/// table, its notes and warnings, and the diff of every file it edits or would edit), headed by
/// the command line and with the copy's path redacted as `[REPO]`: what the snapshots show, so
/// that one `.snap` file reads as what locating decided and what it writes.
fn run(ctx: &TestContext, command: &str, day: &str, args: &[&str]) -> String {
    let full = [&[command, "--restarted-at", day], args].concat();
    let out = ctx.cmd(&full).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "gitops-restart {}: {}{stdout}",
        full.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = format!("$ gitops-restart {}\n{stdout}", full.join(" "))
        .replace(&ctx.path().display().to_string(), "[REPO]");
    let temp = std::env::temp_dir().display().to_string();
    assert!(!text.contains(&temp), "a scratch path is left in:\n{text}");
    text
}

/// `plan` restarting at [`VALUE`]: decides and writes nothing.
fn plan(ctx: &TestContext, args: &[&str]) -> String {
    run(ctx, "plan", "2026-11-20", args)
}

/// `apply` restarting at [`VALUE`]: the plan, carried out.
fn apply(ctx: &TestContext, args: &[&str]) -> String {
    run(ctx, "apply", "2026-11-20", args)
}

const VALUE: &str = "2026-11-20T00:00:00Z";

/// Compare `report` with `snapshots/it__locate__NAME.snap`, named after what it guards. The
/// report is headed by its command line, so the Rust expression is left out of the snapshot.
fn assert_report(name: &str, report: &str) {
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(name, report);
    });
}

/// The kustomize layout's podinfo in prod: its base is shared with staging.
const PROD_PODINFO: &[&str] = &[
    "--cluster",
    "prod-eks",
    "--workload",
    "prod/Deployment/prod-podinfo-v2",
];

#[test]
fn kustomize_shared_base_is_patched_in_the_affected_overlay_only() {
    let ctx = layout("kustomize");
    let staging = render(&ctx.path().join("overlays/staging"));
    let prod = render(&ctx.path().join("overlays/prod"));
    assert_report(
        "shared_base_is_restarted_through_a_patch_in_the_prod_overlay",
        &apply(&ctx, PROD_PODINFO),
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("overlays/prod")), VALUE, 1);
    assert_eq!(
        render(&ctx.path().join("overlays/staging")),
        staging,
        "staging must render byte-identical"
    );

    // A second run updates the same patch instead of adding another; a third with the same
    // value changes nothing.
    let later = [
        run(&ctx, "apply", "2026-11-21", PROD_PODINFO),
        run(&ctx, "apply", "2026-11-21", PROD_PODINFO),
    ];
    assert_report("later_runs_update_the_patch_they_wrote", &later.join("\n"));
    assert_only_restart_added(
        &prod,
        &render(&ctx.path().join("overlays/prod")),
        "2026-11-21T00:00:00Z",
        1,
    );
}

#[test]
fn kustomize_component_used_by_one_overlay_is_edited_in_place() {
    let ctx = layout("kustomize");
    let staging = render(&ctx.path().join("overlays/staging"));
    let prod = render(&ctx.path().join("overlays/prod"));
    assert_report(
        "component_used_by_the_prod_overlay_only_is_edited_in_place",
        &apply(
            &ctx,
            &[
                "--cluster",
                "prod-eks",
                "--workload",
                "prod/Deployment/prod-exporter-v2",
            ],
        ),
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("overlays/prod")), VALUE, 1);
    assert_eq!(render(&ctx.path().join("overlays/staging")), staging);
}

#[test]
fn names_before_prefixes_and_other_clusters_are_not_found() {
    let ctx = layout("kustomize");
    assert_report(
        "names_before_the_prefix_and_other_clusters_are_not_found",
        &plan(
            &ctx,
            &[
                "--cluster",
                "prod-eks",
                "--workload",
                "prod/Deployment/podinfo",
                "--workload",
                "staging/Deployment/podinfo",
            ],
        ),
    );
}

/// A kind is matched whatever its case; a manifest without a namespace matches the one asked for
/// (and says so); a name no manifest defines is not found.
#[test]
fn named_workloads_match_namespace_or_report_why_not() {
    let ctx = TestContext::demo();
    assert_report(
        "named_workloads_match_by_namespace_or_say_why_not",
        &plan(
            &ctx,
            &[
                "--workload",
                "shop/deployment/frontend",
                "--workload",
                "edge/DaemonSet/gateway",
                "--workload",
                "kube-system/Deployment/coredns",
            ],
        ),
    );
}

#[test]
fn two_candidates_without_namespace_are_ambiguous() {
    let ctx = TestContext::empty();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers: []\n";
    ctx.write("staging/api.yaml", manifest);
    ctx.write("prod/api.yaml", manifest);
    assert_report(
        "two_candidates_without_namespace_are_ambiguous",
        &plan(&ctx, &["--workload", "web/Deployment/api"]),
    );
}

#[test]
fn argocd_apps_of_apps_trace_and_patch_the_prod_overlay() {
    let ctx = layout("argocd");
    let prod = render(&ctx.path().join("shop/overlays/prod"));
    let staging = render(&ctx.path().join("shop/overlays/staging"));
    assert_report(
        "argocd_workload_of_two_clusters_without_cluster_is_ambiguous",
        &plan(&ctx, &["--workload", "shop/Deployment/web"]),
    );
    assert_report(
        "argocd_prod_application_is_patched_in_its_overlay",
        &apply(
            &ctx,
            &["--cluster", "prod-eks", "--workload", "shop/Deployment/web"],
        ),
    );
    assert_only_restart_added(
        &prod,
        &render(&ctx.path().join("shop/overlays/prod")),
        VALUE,
        1,
    );
    assert_eq!(render(&ctx.path().join("shop/overlays/staging")), staging);

    // Staging: the Application ignores the annotation and has no automated sync: both said.
    let ctx = layout("argocd");
    assert_report(
        "argocd_staging_ignoring_the_annotation_without_automated_sync_is_warned",
        &plan(
            &ctx,
            &[
                "--cluster",
                "staging-eks",
                "--workload",
                "shop/Deployment/web",
            ],
        ),
    );
}

#[test]
fn flux_cluster_folders_choose_the_overlay_and_suspension_is_warned() {
    let ctx = layout("flux");
    let staging = render(&ctx.path().join("apps/staging"));
    let prod = render(&ctx.path().join("apps/prod"));
    assert_report(
        "flux_prod_cluster_folder_chooses_the_prod_overlay",
        &apply(
            &ctx,
            &[
                "--cluster",
                "prod",
                "--workload",
                "podinfo/Deployment/podinfo",
            ],
        ),
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("apps/prod")), VALUE, 1);
    assert_eq!(render(&ctx.path().join("apps/staging")), staging);
    let ctx = layout("flux");
    assert_report(
        "flux_suspended_kustomization_is_warned",
        &plan(
            &ctx,
            &[
                "--cluster",
                "staging",
                "--workload",
                "podinfo/Deployment/podinfo",
            ],
        ),
    );
}

#[test]
fn bad_references_are_warnings_and_the_run_goes_on() {
    let ctx = layout("kustomize");
    ctx.write(
        "overlays/broken/kustomization.yaml",
        "resources:\n- ../missing\n- ../loop\n",
    );
    ctx.write(
        "overlays/loop/kustomization.yaml",
        "resources:\n- ../broken\n",
    );
    ctx.write("apps/app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ghost\nspec:\n  source:\n    path: nowhere\n  destination:\n    namespace: x\n");
    assert_report(
        "missing_reference_cycle_and_empty_application_are_warnings",
        &plan(&ctx, PROD_PODINFO),
    );
    // Each is an object with its code and the file it names.
    let report = ctx.json(&[&["plan", "--restarted-at", "2026-11-20"], PROD_PODINFO].concat());
    let missing = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("../missing"))
        .unwrap();
    assert_eq!(missing["code"], "broken-reference");
    assert_eq!(missing["severity"], "warning");
    assert_eq!(missing["file"], "overlays/broken/kustomization.yaml");
    let ghost = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "renders-nothing")
        .unwrap();
    assert_eq!(ghost["file"], "apps/app.yaml");
    assert_eq!(ghost["line"], 1);
}

#[test]
fn helm_releases_get_the_restart_through_values() {
    let ctx = layout("helm");
    assert_report(
        "helm_values_carry_the_restart_and_string_values_are_manual",
        &apply(
            &ctx,
            &[
                "--workload",
                "podinfo/Deployment/podinfo",
                "--workload",
                "default/Deployment/echo",
                "--workload",
                "monitoring/Deployment/grafana",
            ],
        ),
    );
    // The chart's own templates are never touched, and a re-run changes nothing.
    assert_report(
        "helm_values_rerun_changes_nothing",
        &apply(
            &ctx,
            &[
                "--workload",
                "podinfo/Deployment/podinfo",
                "--workload",
                "default/Deployment/echo",
            ],
        ),
    );
}

/// Charts in the repository are read: a release whose chart's templates read `podAnnotations` is
/// bumped there; one whose chart never reads it (a Flux HelmRelease and an Argo CD Application of
/// the same local chart) is manual with the reason. A `{name}` values path keeps a dotted name
/// as one key, whether the values already hold it or not.
#[test]
fn local_charts_must_read_the_values_path_and_names_with_dots_are_one_key() {
    let ctx = layout("helm-local");
    assert_report(
        "helm_local_charts_that_never_read_the_values_path_are_manual",
        &apply(
            &ctx,
            &[
                "--workload",
                "shop/Deployment/web",
                "--workload",
                "shop/Deployment/worker",
                "--workload",
                "reports/Deployment/reports",
                "--workload",
                "shop/Deployment/apps-api.v2",
                "--workload",
                "shop/Deployment/apps-web.v1",
            ],
        ),
    );
    // The chart's templates are untouched; the dotted names are one key each.
    assert!(
        !ctx.read("charts/web/templates/deployment.yaml")
            .contains("restartedAt")
    );
    let apps = ctx.read("apps/apps.yaml");
    assert!(
        apps.contains("      api.v2:\n        containers:"),
        "{apps}"
    );
    assert!(apps.contains("      web.v1:\n        pod:\n"), "{apps}");
    // A chart with dependencies renders templates the repository may not hold (a library chart
    // reading the parent's values): nobody can tell, so the values are bumped as before.
    let chart = ctx.read("charts/worker/Chart.yaml");
    ctx.write(
        "charts/worker/Chart.yaml",
        &format!("{chart}dependencies:\n  - name: common\n    version: 2.x\n    repository: oci://ghcr.io/acme/charts\n"),
    );
    let report = plan(&ctx, &["--workload", "shop/Deployment/worker"]);
    assert!(
        report.contains("bump    shop       Deployment  worker  -     clusters/prod/worker.yaml:1"),
        "{report}"
    );
}

#[test]
fn live_tracking_id_leads_to_the_application_without_a_cluster() {
    let ctx = layout("argocd");
    let snapshot = serde_json::json!({
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": "web", "namespace": "shop", "uid": "d1", "creationTimestamp": "2026-01-01T00:00:00Z",
                          "annotations": {"argocd.argoproj.io/tracking-id": "shop-prod:apps/Deployment:shop/web"}},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet",
             "metadata": {"name": "web-6d8f", "namespace": "shop", "uid": "r1", "creationTimestamp": "2026-01-01T00:00:00Z",
                          "labels": {"app": "web", "pod-template-hash": "6d8f"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d1", "controller": true}]}},
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "web-6d8f-a", "namespace": "shop", "uid": "p1", "creationTimestamp": "2026-11-01T00:00:00Z",
                          "labels": {"app": "web", "pod-template-hash": "6d8f"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d8f", "uid": "r1", "controller": true}]},
             "spec": {"schedulerName": "fargate-scheduler", "containers": []}, "status": {"phase": "Running"}}
        ]
    });
    ctx.write("snapshot.json", &snapshot.to_string());
    let snapshot_path = ctx.path().join("snapshot.json").display().to_string();
    assert_report(
        "live_tracking_id_chooses_the_prod_application",
        &plan(
            &ctx,
            &[
                "--snapshot",
                &snapshot_path,
                "--launched-before",
                "2026-11-20",
            ],
        ),
    );
}

/// A scratch copy of a folder of the test corpus (`tests/corpus`).
fn corpus(path: &str) -> TestContext {
    let ctx = TestContext::empty();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(path),
        ctx.path(),
    );
    ctx
}

#[test]
fn corpus_podinfo_base_shared_by_three_overlays_is_patched_in_production_only() {
    let ctx = corpus("stefanprodan__podinfo/deploy");
    let before: Vec<String> = ["dev", "staging", "production"]
        .iter()
        .map(|o| render(&ctx.path().join("overlays").join(o)))
        .collect();
    assert_report(
        "corpus_podinfo_base_of_three_overlays_is_patched_in_production",
        &apply(&ctx, &["--workload", "production/Deployment/frontend"]),
    );
    assert_eq!(render(&ctx.path().join("overlays/dev")), before[0]);
    assert_eq!(render(&ctx.path().join("overlays/staging")), before[1]);
    assert_only_restart_added(
        &before[2],
        &render(&ctx.path().join("overlays/production")),
        VALUE,
        1,
    );
}

#[test]
fn corpus_flux_helmrelease_in_a_shared_base_is_patched_per_cluster() {
    let ctx = corpus("fluxcd__flux2-kustomize-helm-example");
    ctx.write(
        ".gitops-restart.yaml",
        "clusters:\n  production:\n    paths: [apps/production, clusters/production]\n  staging:\n    paths: [apps/staging, clusters/staging]\n",
    );
    let staging = render(&ctx.path().join("apps/staging"));
    let production = render(&ctx.path().join("apps/production"));
    assert_report(
        "corpus_flux_helmrelease_of_a_shared_base_is_patched_in_production",
        &apply(
            &ctx,
            &[
                "--cluster",
                "production",
                "--workload",
                "podinfo/Deployment/podinfo",
            ],
        ),
    );
    assert_eq!(render(&ctx.path().join("apps/staging")), staging);
    assert_only_restart_added(
        &production,
        &render(&ctx.path().join("apps/production")),
        VALUE,
        1,
    );
}

#[test]
fn corpus_kustomize_ldap_overlays_by_name_prefix() {
    let ctx = corpus("kubernetes-sigs__kustomize/examples/ldap");
    let staging = render(&ctx.path().join("overlays/staging"));
    let production = render(&ctx.path().join("overlays/production"));
    // Nothing sets a namespace: the prefix alone tells production from staging.
    assert_report(
        "corpus_ldap_name_prefix_chooses_the_production_overlay",
        &apply(&ctx, &["--workload", "default/Deployment/production-ldap"]),
    );
    assert_eq!(render(&ctx.path().join("overlays/staging")), staging);
    assert_only_restart_added(
        &production,
        &render(&ctx.path().join("overlays/production")),
        VALUE,
        1,
    );
}

#[test]
fn corpus_microservices_demo_base_used_by_one_rendering_is_edited_in_place() {
    let ctx = corpus("GoogleCloudPlatform__microservices-demo/kustomize");
    let before = render(ctx.path());
    assert_report(
        "corpus_microservices_demo_base_of_one_rendering_is_edited_in_place",
        &apply(&ctx, &["--workload", "default/Deployment/frontend"]),
    );
    assert_only_restart_added(&before, &render(ctx.path()), VALUE, 1);
}

/// Regression: when the patch path was taken, `apply` listed the patch in kustomization.yaml and
/// then failed, leaving an overlay that no longer rendered.
#[test]
fn a_taken_patch_path_makes_the_workload_manual_and_touches_nothing() {
    type Take = fn(&TestContext);
    let takers: [(&str, Take); 7] = [
        ("a folder has this name", |ctx| {
            std::fs::create_dir(ctx.path().join("overlays/prod/gitops-restart-patch.yaml"))
                .unwrap();
        }),
        ("symbolic link", |ctx| {
            std::os::unix::fs::symlink(
                "replicas.yaml",
                ctx.path().join("overlays/prod/gitops-restart-patch.yaml"),
            )
            .unwrap();
        }),
        ("not valid YAML", |ctx| {
            ctx.write("overlays/prod/gitops-restart-patch.yaml", "a: [\n");
        }),
        ("left out by include/exclude", |ctx| {
            let config = ctx.read(".gitops-restart.yaml");
            ctx.write(
                ".gitops-restart.yaml",
                &format!("{config}exclude: ['**/gitops-restart-patch.yaml']\n"),
            );
            ctx.write("overlays/prod/gitops-restart-patch.yaml", "# mine\n");
        }),
        // Before, the plan created the file, and the write found it there ("the file appeared
        // since the repository was read; run again", forever).
        ("ignored by .gitignore", |ctx| {
            ctx.write(".gitignore", "gitops-restart-patch.yaml\n");
            ctx.write("overlays/prod/gitops-restart-patch.yaml", "# mine\n");
        }),
        ("a resource of the overlay", |ctx| {
            ctx.write(
                "overlays/prod/gitops-restart-patch.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
            );
            let kustomization = ctx.read("overlays/prod/kustomization.yaml");
            ctx.write(
                "overlays/prod/kustomization.yaml",
                &kustomization.replace(
                    "  - ../../base\n",
                    "  - ../../base\n  - gitops-restart-patch.yaml\n",
                ),
            );
        }),
        ("not a patch", |ctx| {
            ctx.write(
                "overlays/prod/gitops-restart-patch.yaml",
                "# replica counts per service\nreplicas:\n  podinfo: 3\n",
            );
        }),
    ];
    let mut reports = Vec::new();
    for (why, take) in takers {
        let ctx = layout("kustomize");
        take(&ctx);
        let before = ctx.snapshot_files();
        reports.push(format!(
            "# the patch path: {why}\n{}",
            apply(&ctx, PROD_PODINFO)
        ));
        assert!(ctx.snapshot_files() == before, "{why}: apply changed files");
    }
    assert_report(
        "taken_patch_path_makes_the_workload_manual",
        &reports.join("\n"),
    );
}

/// An existing patch file is edited: what a person added stays, and a second workload of the
/// overlay is appended as a new document.
#[test]
fn an_existing_patch_file_keeps_what_people_added() {
    let ctx = layout("kustomize");
    let hand_written = "# prod runs six replicas while the sale lasts (OPS-123)\n\
                        apiVersion: apps/v1\n\
                        kind: Deployment\n\
                        metadata:\n  name: podinfo\n\
                        spec:\n  replicas: 6\n  template:\n    metadata:\n      annotations:\n\
                        \x20       team: checkout\n\
                        \x20       kubectl.kubernetes.io/restartedAt: \"2026-01-05T00:00:00Z\" # last time\n";
    ctx.write("overlays/prod/gitops-restart-patch.yaml", hand_written);
    ctx.write(
        "base/worker.yaml",
        &ctx.read("base/deployment.yaml")
            .replace("podinfo", "worker"),
    );
    ctx.write(
        "base/kustomization.yaml",
        &(ctx.read("base/kustomization.yaml") + "- worker.yaml\n"),
    );
    let kustomization =
        ctx.read("overlays/prod/kustomization.yaml") + "  - path: gitops-restart-patch.yaml\n";
    ctx.write("overlays/prod/kustomization.yaml", &kustomization);
    let prod = render(&ctx.path().join("overlays/prod"));
    assert!(prod.contains("replicas: 6"), "{prod}");
    assert_report(
        "existing_patch_keeps_what_people_added_and_gains_a_document",
        &apply(
            &ctx,
            &[
                PROD_PODINFO,
                &["--workload", "prod/Deployment/prod-worker-v2"],
            ]
            .concat(),
        ),
    );
    let after = render(&ctx.path().join("overlays/prod"));
    assert!(after.contains("replicas: 6"), "{after}");
    assert_only_restart_added(
        &prod.replace("2026-01-05T00:00:00Z", VALUE),
        &after,
        VALUE,
        1,
    );
}

/// Names that YAML would read as something else are quoted in the generated patch, and the
/// overlay still renders the right object (kustomize is the judge).
#[test]
fn names_yaml_would_misread_are_quoted_in_the_generated_patch() {
    let ctx = TestContext::empty();
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"{name}\"\nspec:\n  \
             selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    \
             spec: {{containers: [{{name: a, image: a}}]}}\n"
        )
    };
    ctx.write(
        "base/kustomization.yaml",
        "resources: [null.yaml, yes.yaml]\n",
    );
    ctx.write("base/null.yaml", &deployment("null"));
    ctx.write("base/yes.yaml", &deployment("1e3"));
    for env in ["prod", "staging"] {
        ctx.write(
            &format!("{env}/kustomization.yaml"),
            &format!("namespace: \"on\"\nresources: [../base]\n# {env}\n"),
        );
    }
    ctx.write(
        ".gitops-restart.yaml",
        "clusters:\n  prod-eks: {paths: [prod]}\n  staging-eks: {paths: [staging]}\n",
    );
    let before = render(&ctx.path().join("prod"));
    assert_report(
        "names_yaml_would_misread_are_quoted_in_the_patch",
        &apply(
            &ctx,
            &[
                "--cluster",
                "prod-eks",
                "--workload",
                "on/Deployment/null",
                "--workload",
                "on/Deployment/1e3",
            ],
        ),
    );
    assert_only_restart_added(&before, &render(&ctx.path().join("prod")), VALUE, 2);
}

/// Regression: an `argocd-cm` written as Argo CD ships it (`apiVersion: v1`) was never read, so
/// a global ignoreDifferences on pod-template annotations went unreported.
#[test]
fn argocd_cm_that_ignores_the_annotation_is_warned() {
    let ctx = layout("argocd");
    ctx.write(
        "argocd/argocd-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\n\
         data:\n  resource.customizations.ignoreDifferences.all: |\n    jsonPointers:\n    \
         - /spec/template/metadata/annotations\n",
    );
    assert_report(
        "argocd_cm_ignoring_pod_template_annotations_is_warned",
        &plan(
            &ctx,
            &["--cluster", "prod-eks", "--workload", "shop/Deployment/web"],
        ),
    );
    // On the workload, at argocd-cm's place.
    let report = ctx.json(&[
        "plan",
        "--restarted-at",
        "2026-11-20",
        "--cluster",
        "prod-eks",
        "--workload",
        "shop/Deployment/web",
    ]);
    let ignores = report["workloads"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("argocd-cm"))
        .unwrap();
    assert_eq!(ignores["code"], "argocd-ignores-restart");
    assert_eq!(ignores["file"], "argocd/argocd-cm.yaml");
    assert_eq!(ignores["line"], 1);
}

/// Regression: a Rollout the editor can't restart (its `spec` is not a mapping) was reported at
/// the repository's first file instead of its own.
#[test]
fn unrestartable_rollout_is_manual_at_its_own_place() {
    let ctx = TestContext::empty();
    ctx.write(
        "a/first.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    ctx.write(
        "b/rollout.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\n  namespace: shop\nspec: oops\n",
    );
    let report = ctx.json(&[
        "plan",
        "--restarted-at",
        "2026-11-20",
        "--workload",
        "shop/Rollout/web",
    ]);
    let row = &report["workloads"][0];
    assert_eq!(row["action"], "manual");
    assert_eq!(
        row["reason"],
        "b/rollout.yaml:5: the manifest is not a restartable workload"
    );
}

/// locate-cases d10: an ApplicationSet deploys one folder to staging and prod. Without a
/// cluster, the workload the tracking id names `web-staging` is ambiguous, deployed to both:
/// never a bump that restarts prod too.
#[test]
fn appset_folder_of_two_clusters_without_cluster_is_ambiguous() {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/argocd-appset-shared-folder");
    let ctx = TestContext::empty();
    copy_tree(&scenario.join("repo"), ctx.path());
    let report = ctx.json(&[
        "plan",
        "--restarted-at",
        "2026-11-20",
        "--launched-before",
        "2026-11-20",
        "--snapshot",
        scenario.join("cluster.json").to_str().unwrap(),
    ]);
    let row = &report["workloads"][0];
    assert_eq!(row["action"], "ambiguous", "{row}");
    assert_eq!(
        row["reason"],
        "web/web.yaml:2 is deployed to several clusters (prod, staging); pass --cluster (or a notice that names it)"
    );
    assert!(report["edits"].as_array().unwrap().is_empty());
}
