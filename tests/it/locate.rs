//! Locating the source in real GitOps layouts, proven by rendering with real `kubectl kustomize`
//! before and after each edit: the affected rendering changes only in the restart value, the
//! others render byte-identical.

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

fn plan_json(ctx: &TestContext, args: &[&str]) -> serde_json::Value {
    ctx.json(&[&["plan", "--restarted-at", "2026-11-20"], args].concat())
}

fn apply(ctx: &TestContext, args: &[&str]) -> serde_json::Value {
    ctx.json(&[&["apply", "--restarted-at", "2026-11-20"], args].concat())
}

const VALUE: &str = "2026-11-20T00:00:00Z";

#[test]
fn kustomize_shared_base_is_patched_in_the_affected_overlay_only() {
    let ctx = layout("kustomize");
    let staging = render(&ctx.path().join("overlays/staging"));
    let prod = render(&ctx.path().join("overlays/prod"));
    let report = apply(
        &ctx,
        &[
            "--cluster",
            "prod-eks",
            "--workload",
            "prod/Deployment/prod-podinfo-v2",
        ],
    );
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "overlays/prod/gitops-restart-patch.yaml");
    assert!(
        w["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("shared with overlay overlays/staging"),
        "{w}"
    );
    assert_eq!(w["warnings"][0]["code"], "patched-in-overlay");
    assert_eq!(w["warnings"][0]["severity"], "info");
    assert_eq!(
        ctx.read("base/deployment.yaml"),
        std::fs::read_to_string(fixtures().join("layouts/kustomize/base/deployment.yaml")).unwrap()
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("overlays/prod")), VALUE, 1);
    assert_eq!(
        render(&ctx.path().join("overlays/staging")),
        staging,
        "staging must render byte-identical"
    );

    // A second run updates the same patch instead of adding another.
    let kustomization = ctx.read("overlays/prod/kustomization.yaml");
    let again = ctx.json(&[
        "apply",
        "--restarted-at",
        "2026-11-21",
        "--cluster",
        "prod-eks",
        "--workload",
        "prod/Deployment/prod-podinfo-v2",
    ]);
    assert_eq!(again["edits"].as_array().unwrap().len(), 1, "{again}");
    assert_eq!(ctx.read("overlays/prod/kustomization.yaml"), kustomization);
    assert!(
        ctx.read("overlays/prod/gitops-restart-patch.yaml")
            .contains("2026-11-21T00:00:00Z")
    );
    let same = ctx.json(&[
        "apply",
        "--restarted-at",
        "2026-11-21",
        "--cluster",
        "prod-eks",
        "--workload",
        "prod/Deployment/prod-podinfo-v2",
    ]);
    assert!(same["edits"].as_array().unwrap().is_empty());
    assert_eq!(same["workloads"][0]["action"], "already-bumped");
}

#[test]
fn kustomize_component_used_by_one_overlay_is_edited_in_place() {
    let ctx = layout("kustomize");
    let staging = render(&ctx.path().join("overlays/staging"));
    let prod = render(&ctx.path().join("overlays/prod"));
    let report = apply(
        &ctx,
        &[
            "--cluster",
            "prod-eks",
            "--workload",
            "prod/Deployment/prod-exporter-v2",
        ],
    );
    assert_eq!(report["workloads"][0]["action"], "bump", "{report}");
    assert_eq!(
        report["workloads"][0]["file"],
        "components/exporter/exporter.yaml"
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("overlays/prod")), VALUE, 1);
    assert_eq!(render(&ctx.path().join("overlays/staging")), staging);
}

#[test]
fn names_before_prefixes_and_other_clusters_are_not_found() {
    let ctx = layout("kustomize");
    let report = plan_json(
        &ctx,
        &[
            "--cluster",
            "prod-eks",
            "--workload",
            "prod/Deployment/podinfo",
            "--workload",
            "staging/Deployment/podinfo",
        ],
    );
    assert_eq!(report["workloads"][0]["action"], "not-found", "{report}");
    let reason = report["workloads"][1]["reason"].as_str().unwrap();
    assert_eq!(report["workloads"][1]["action"], "not-found");
    assert!(
        reason.contains("only for other clusters") && reason.contains("staging-eks"),
        "{reason}"
    );
}

#[test]
fn argocd_apps_of_apps_trace_and_patch_the_prod_overlay() {
    let ctx = layout("argocd");
    let prod = render(&ctx.path().join("shop/overlays/prod"));
    let staging = render(&ctx.path().join("shop/overlays/staging"));
    let ambiguous = plan_json(&ctx, &["--workload", "shop/Deployment/web"]);
    assert_eq!(ambiguous["workloads"][0]["action"], "ambiguous");
    assert!(
        ambiguous["workloads"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("prod-eks, staging-eks")
    );
    let report = apply(
        &ctx,
        &["--cluster", "prod-eks", "--workload", "shop/Deployment/web"],
    );
    let w = &report["workloads"][0];
    assert_eq!(
        w["file"], "shop/overlays/prod/gitops-restart-patch.yaml",
        "{report}"
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
    let report = plan_json(
        &ctx,
        &[
            "--cluster",
            "staging-eks",
            "--workload",
            "shop/Deployment/web",
        ],
    );
    let warnings = report["workloads"][0]["warnings"].to_string();
    assert!(
        warnings.contains("ignoreDifferences") && warnings.contains("no automated sync"),
        "{warnings}"
    );
}

#[test]
fn flux_cluster_folders_choose_the_overlay_and_suspension_is_warned() {
    let ctx = layout("flux");
    let staging = render(&ctx.path().join("apps/staging"));
    let prod = render(&ctx.path().join("apps/prod"));
    let report = apply(
        &ctx,
        &[
            "--cluster",
            "prod",
            "--workload",
            "podinfo/Deployment/podinfo",
        ],
    );
    assert_eq!(
        report["workloads"][0]["file"], "apps/prod/gitops-restart-patch.yaml",
        "{report}"
    );
    assert_only_restart_added(&prod, &render(&ctx.path().join("apps/prod")), VALUE, 1);
    assert_eq!(render(&ctx.path().join("apps/staging")), staging);
    let ctx = layout("flux");
    let report = plan_json(
        &ctx,
        &[
            "--cluster",
            "staging",
            "--workload",
            "podinfo/Deployment/podinfo",
        ],
    );
    assert!(
        report["workloads"][0]["warnings"]
            .to_string()
            .contains("suspended"),
        "{report}"
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
    let report = plan_json(
        &ctx,
        &[
            "--cluster",
            "prod-eks",
            "--workload",
            "prod/Deployment/prod-podinfo-v2",
        ],
    );
    assert_eq!(report["workloads"][0]["action"], "bump");
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("overlays/broken/kustomization.yaml: `../missing` does not exist"),
        "{warnings}"
    );
    assert!(warnings.contains("cycle"), "{warnings}");
    assert!(
        warnings.contains("Application ghost: path `nowhere` renders nothing"),
        "{warnings}"
    );
    // Each is an object with its code and the file it names.
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
    let report = apply(
        &ctx,
        &[
            "--workload",
            "podinfo/Deployment/podinfo",
            "--workload",
            "default/Deployment/echo",
            "--workload",
            "monitoring/Deployment/grafana",
        ],
    );
    let w = report["workloads"].as_array().unwrap();
    assert_eq!(w[0]["action"], "bump", "{report}");
    assert_eq!(w[0]["file"], "clusters/prod/podinfo.yaml");
    assert!(ctx.read("clusters/prod/podinfo.yaml").ends_with(
        "    replicaCount: 2 # two is enough\n    ingress:\n      enabled: false\n    podAnnotations:\n      kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n"
    ));
    assert_eq!(w[1]["action"], "bump");
    assert!(ctx.read("apps/echo/helmrelease.yaml").contains(
        "              tag: 35\n        pod:\n          annotations:\n            kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n"
    ));
    assert!(
        w[1]["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("controllers.echo.pod.annotations")
    );
    assert_eq!(w[2]["action"], "manual");
    assert!(
        w[2]["reason"]
            .as_str()
            .unwrap()
            .contains("helm.valuesObject")
    );
    // The chart's own templates are never touched, and a re-run changes nothing.
    let again = apply(
        &ctx,
        &[
            "--workload",
            "podinfo/Deployment/podinfo",
            "--workload",
            "default/Deployment/echo",
        ],
    );
    assert!(again["edits"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["workloads"][0]["action"], "already-bumped");
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
    let report = ctx.json(&[
        "plan",
        "--snapshot",
        &snapshot_path,
        "--launched-before",
        "2026-11-20",
    ]);
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "shop/overlays/prod/gitops-restart-patch.yaml");
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
    let report = apply(&ctx, &["--workload", "production/Deployment/frontend"]);
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "overlays/production/gitops-restart-patch.yaml");
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
    let report = apply(
        &ctx,
        &[
            "--cluster",
            "production",
            "--workload",
            "podinfo/Deployment/podinfo",
        ],
    );
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "apps/production/gitops-restart-patch.yaml");
    assert_eq!(render(&ctx.path().join("apps/staging")), staging);
    assert_only_restart_added(
        &production,
        &render(&ctx.path().join("apps/production")),
        VALUE,
        1,
    );
    assert!(
        ctx.read("apps/base/podinfo/release.yaml")
            .find("restartedAt")
            .is_none()
    );
}

#[test]
fn corpus_kustomize_ldap_overlays_by_name_prefix() {
    let ctx = corpus("kubernetes-sigs__kustomize/examples/ldap");
    let staging = render(&ctx.path().join("overlays/staging"));
    let production = render(&ctx.path().join("overlays/production"));
    // Nothing sets a namespace: the prefix alone tells production from staging.
    let report = apply(&ctx, &["--workload", "default/Deployment/production-ldap"]);
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "overlays/production/gitops-restart-patch.yaml");
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
    let report = apply(&ctx, &["--workload", "default/Deployment/frontend"]);
    let w = &report["workloads"][0];
    assert_eq!(w["action"], "bump", "{report}");
    assert_eq!(w["file"], "base/frontend.yaml");
    assert_only_restart_added(&before, &render(ctx.path()), VALUE, 1);
}

const PROD_PODINFO: &[&str] = &[
    "--cluster",
    "prod-eks",
    "--workload",
    "prod/Deployment/prod-podinfo-v2",
];

/// Regression: when the patch path was taken, `apply` listed the patch in kustomization.yaml and
/// then failed, leaving an overlay that no longer rendered.
#[test]
fn a_taken_patch_path_makes_the_workload_manual_and_touches_nothing() {
    type Take = fn(&TestContext);
    let takers: [(&str, Take); 4] = [
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
    ];
    for (why, take) in takers {
        let ctx = layout("kustomize");
        take(&ctx);
        let before = ctx.snapshot_files();
        let report = apply(&ctx, PROD_PODINFO);
        let w = &report["workloads"][0];
        assert_eq!(w["action"], "manual", "{why}: {report}");
        assert_eq!(
            w["file"], "overlays/prod/gitops-restart-patch.yaml",
            "{why}"
        );
        let reason = w["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{why}: {reason}");
        assert_eq!(report["edits"], serde_json::json!([]), "{why}");
        assert!(ctx.snapshot_files() == before, "{why}: apply changed files");
    }
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
    let report = apply(
        &ctx,
        &[
            PROD_PODINFO,
            &["--workload", "prod/Deployment/prod-worker-v2"],
        ]
        .concat(),
    );
    for w in report["workloads"].as_array().unwrap() {
        assert_eq!(w["action"], "bump", "{report}");
        assert_eq!(w["file"], "overlays/prod/gitops-restart-patch.yaml");
    }
    assert_eq!(
        ctx.read("overlays/prod/gitops-restart-patch.yaml"),
        hand_written.replace("2026-01-05T00:00:00Z", VALUE)
            + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  \
               template:\n    metadata:\n      annotations:\n        \
               kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n"
    );
    assert_eq!(ctx.read("overlays/prod/kustomization.yaml"), kustomization);
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
    let report = apply(
        &ctx,
        &[
            "--cluster",
            "prod-eks",
            "--workload",
            "on/Deployment/null",
            "--workload",
            "on/Deployment/1e3",
        ],
    );
    for w in report["workloads"].as_array().unwrap() {
        assert_eq!(w["action"], "bump", "{report}");
    }
    let patch = ctx.read("prod/gitops-restart-patch.yaml");
    assert!(patch.contains("  name: \"null\"\n"), "{patch}");
    assert!(patch.contains("  name: \"1e3\"\n"), "{patch}");
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
    let report = plan_json(
        &ctx,
        &["--cluster", "prod-eks", "--workload", "shop/Deployment/web"],
    );
    let warnings = report["warnings"].to_string() + &report["workloads"].to_string();
    assert!(
        warnings.contains("argocd-cm ignores differences in pod-template annotations"),
        "{report}"
    );
    // On the workload, at argocd-cm's place.
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
