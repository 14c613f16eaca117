//! The container image and the in-cluster example: the Dockerfile runs the static release
//! binary as a numeric non-root user on a distroless base, from where the packaging script and
//! the release workflow put it; `examples/kubernetes` parses, renders with kustomize, holds the
//! ClusterRole exactly as `gitops-restart rbac` prints it, wires every name it uses, and its
//! CronJob's command line is one the binary takes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::gitops_restart;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_dockerfile_runs_the_static_binary_as_nonroot_on_distroless() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(
        instructions,
        [
            "FROM gcr.io/distroless/static-debian12:nonroot",
            "ARG TARGETPLATFORM",
            "COPY dist/image/${TARGETPLATFORM}/gitops-restart /usr/local/bin/gitops-restart",
            "USER 65532:65532",
            "WORKDIR /work",
            "ENTRYPOINT [\"/usr/local/bin/gitops-restart\"]",
            "CMD [\"--help\"]",
        ]
    );
    // The context holds only what the COPY takes.
    assert_eq!(
        read(".dockerignore")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        ["*", "!dist/image/"]
    );
    // Where the packaging script leaves the musl binaries, and the release workflow the
    // released ones, for each platform the image is built for.
    let script = read("scripts/package.sh");
    assert!(
        script.contains("x86_64-unknown-linux-musl) arch=amd64"),
        "{script}"
    );
    assert!(
        script.contains("aarch64-unknown-linux-musl) arch=arm64"),
        "{script}"
    );
    assert!(
        script.contains("\"$dist/image/linux/$arch/gitops-restart\""),
        "{script}"
    );
    let workflow = read(".github/workflows/release.yml");
    for platform in ["linux/amd64", "linux/arm64"] {
        assert!(
            workflow.contains(&format!("dist/image/{platform}")),
            "{platform}"
        );
    }
    assert!(workflow.contains("platforms: linux/amd64,linux/arm64"));
}

/// Every document of every YAML file of `examples/kubernetes`, by file.
fn example_documents() -> BTreeMap<String, Vec<Value>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("examples/kubernetes")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, docs);
        }
    }
    files
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

#[test]
fn the_cluster_role_is_what_rbac_prints() {
    let printed = gitops_restart().arg("rbac").output().unwrap();
    assert!(printed.status.success());
    let printed = String::from_utf8(printed.stdout).unwrap();
    let role = &printed[..=printed.find("\n---\n").unwrap()];
    let example = read("examples/kubernetes/rbac.yaml");
    let first = &example[..=example.find("\n---\n").unwrap()];
    assert!(
        first.ends_with(role),
        "examples/kubernetes/rbac.yaml's ClusterRole differs from `gitops-restart rbac`'s; \
         regenerate it:\n\n{role}"
    );
}

#[test]
fn the_examples_parse_render_and_wire_every_name() {
    let files = example_documents();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["cronjob.yaml", "kustomization.yaml", "rbac.yaml"]);
    let kustomization = &files["kustomization.yaml"][0];
    assert_eq!(
        kustomization["resources"],
        json!(["cronjob.yaml", "rbac.yaml"])
    );
    let docs: Vec<Value> = files
        .iter()
        .filter(|(name, _)| *name != "kustomization.yaml")
        .flat_map(|(_, docs)| docs.clone())
        .collect();
    for doc in &docs {
        assert!(
            doc["apiVersion"].is_string() && doc["kind"].is_string(),
            "{doc}"
        );
    }

    // The binding: the ClusterRole, to the CronJob's ServiceAccount.
    let binding = find(&docs, "ClusterRoleBinding", "gitops-restart-reader");
    find(
        &docs,
        "ClusterRole",
        binding["roleRef"]["name"].as_str().unwrap(),
    );
    let subject = &binding["subjects"][0];
    assert_eq!(subject["kind"], "ServiceAccount");
    let namespace = subject["namespace"].as_str().unwrap();
    find(&docs, "Namespace", namespace);
    let account = find(&docs, "ServiceAccount", subject["name"].as_str().unwrap());
    assert_eq!(account["metadata"]["namespace"], namespace);

    let cronjob = find(&docs, "CronJob", "gitops-restart");
    assert_eq!(cronjob["metadata"]["namespace"], namespace);
    assert_eq!(
        cronjob["spec"]["suspend"], true,
        "suspended until a notice arrives"
    );
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], subject["name"]);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    let main = &pod["containers"][0];
    assert_eq!(
        main["image"],
        format!(
            "ghcr.io/gitops-restart/gitops-restart:v{}",
            env!("CARGO_PKG_VERSION")
        ),
        "the example runs this version's image"
    );

    // Every ConfigMap key the containers read exists (or is optional); the Secret is the
    // user's to create, as the file's header says.
    let config_map = find(&docs, "ConfigMap", "gitops-restart");
    let header = read("examples/kubernetes/cronjob.yaml");
    let containers = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap());
    let mut volumes_used = Vec::new();
    for container in containers {
        assert_eq!(
            container["securityContext"]["allowPrivilegeEscalation"],
            false
        );
        assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
        for env in container["env"].as_array().unwrap() {
            let from = &env["valueFrom"];
            if let Some(key) = from["configMapKeyRef"]["key"].as_str() {
                assert_eq!(from["configMapKeyRef"]["name"], "gitops-restart");
                assert!(
                    config_map["data"].get(key).is_some()
                        || from["configMapKeyRef"]["optional"] == true,
                    "{key}"
                );
            }
            if let Some(name) = from["secretKeyRef"]["name"].as_str() {
                assert!(
                    header.contains(&format!("create secret generic {name}")),
                    "{name}"
                );
            }
        }
        for mount in container["volumeMounts"].as_array().unwrap() {
            volumes_used.push(mount["name"].as_str().unwrap().to_owned());
        }
    }
    for volume in volumes_used {
        assert!(
            pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["name"] == volume.as_str()),
            "{volume}"
        );
    }

    let rendered = crate::locate::kubectl_kustomize(&root().join("examples/kubernetes"));
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let rendered: Vec<Value> =
        serde_saphyr::from_multiple(&String::from_utf8(rendered.stdout).unwrap()).unwrap();
    assert_eq!(rendered.len(), docs.len());
}

/// The CronJob's command line and variables are ones the binary takes: with the ConfigMap as
/// shipped (no cutoff yet) it stops at the empty cutoff; with a cutoff it gets as far as the
/// cluster, which a test machine has none of.
#[test]
fn the_cronjob_command_line_is_one_the_binary_takes() {
    let docs: Vec<Value> = example_documents()["cronjob.yaml"].clone();
    let pod = &find(&docs, "CronJob", "gitops-restart")["spec"]["jobTemplate"]["spec"]["template"]
        ["spec"];
    let main = &pod["containers"][0];
    let data = &find(&docs, "ConfigMap", "gitops-restart")["data"];
    let repo = tempfile::tempdir().unwrap();
    let args: Vec<String> = main["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a.as_str().unwrap() {
            "/repo" => repo.path().display().to_string(),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(args[0], "pr");
    let run = |cutoff: Option<&str>| {
        let mut cmd = gitops_restart();
        cmd.args(&args).env("GITHUB_TOKEN", "not-a-token");
        for env in main["env"].as_array().unwrap() {
            let name = env["name"].as_str().unwrap();
            if let Some(key) = env["valueFrom"]["configMapKeyRef"]["key"].as_str()
                && let Some(value) = data[key].as_str()
            {
                cmd.env(
                    name,
                    cutoff.filter(|_| key == "launched-before").unwrap_or(value),
                );
            }
        }
        // No cluster to reach: no in-cluster variables, an empty kubeconfig.
        cmd.env("KUBECONFIG", repo.path().join("no-kubeconfig"))
            .env("HOME", repo.path());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run(None);
    assert_eq!(
        stderr.trim(),
        "error: GITOPS_RESTART_LAUNCHED_BEFORE is set but empty: give it a value, or unset it for \
         the default"
    );
    let stderr = run(Some("2026-11-20T09:00:00Z"));
    for usage in [
        "unexpected argument",
        "Usage:",
        "invalid value",
        "set but empty",
    ] {
        assert!(!stderr.contains(usage), "{stderr}");
    }
    assert!(stderr.contains("kubeconfig"), "{stderr}");
}
