//! Expanding ApplicationSets from small repositories written to a temporary folder: every
//! generator, both template syntaxes, and what can't be seen offline.

use super::*;
use crate::config::Config;
use crate::locate::GitOps;
use crate::locate::models::GitOpsObject;

/// The repository of `files`, and what its one ApplicationSet expands to.
fn expand_in(files: &[(&str, &str)], config: &str) -> Expansion {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = Config::parse(config, "c").unwrap();
    let index = crate::repo::index(dir.path(), "a/b", &config).unwrap();
    let clusters = known_clusters(&index, &config);
    let (file, set) = index
        .files
        .iter()
        .find_map(|f| {
            f.objects
                .iter()
                .find_map(|(_, o)| match GitOpsObject::read(o) {
                    GitOpsObject::ApplicationSet(set) => Some((f.path.clone(), set)),
                    _ => None,
                })
        })
        .expect("an ApplicationSet");
    expand(&set, &index, &clusters, &Place::new(file, Some(1)))
}

/// `name: destination cluster (name or server) -> paths`, one line per generated Application.
fn summary(expansion: &Expansion) -> Vec<String> {
    expansion
        .apps
        .iter()
        .map(|app| {
            let d = &app.spec.destination;
            let paths: Vec<&str> = app
                .spec
                .source
                .iter()
                .chain(&app.spec.sources)
                .filter_map(|s| s.path.as_deref())
                .collect();
            format!(
                "{}: {}/{} -> {}",
                app.name,
                d.name.as_deref().or(d.server.as_deref()).unwrap_or("-"),
                d.namespace.as_deref().unwrap_or("-"),
                paths.join(",")
            )
        })
        .collect()
}

fn messages(expansion: &Expansion) -> Vec<String> {
    expansion.findings.iter().map(Finding::text).collect()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";

fn appset(go: bool, generators: &str, template: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: web, namespace: argocd}}\n\
         spec:\n  goTemplate: {go}\n  generators:\n{generators}  template:\n{template}"
    )
}

#[test]
fn list_generator_with_fasttemplate_gives_one_application_per_element() {
    let set = appset(
        false,
        "  - list:\n      elements:\n      - cluster: staging\n      - cluster: prod\n        values: {tier: gold}\n",
        "    metadata: {name: 'web-{{cluster}}'}\n    spec:\n      project: default\n      \
         source: {repoURL: https://x/y.git, path: 'web/{{ cluster }}'}\n      \
         destination: {name: '{{cluster}}', namespace: 'web-{{values.tier}}'}\n",
    );
    let out = expand_in(
        &[("appsets/web.yaml", &set), ("web/prod/d.yaml", DEPLOYMENT)],
        "",
    );
    assert_eq!(summary(&out), ["web-prod: prod/web-gold -> web/prod"]);
    // staging has no `values.tier`: its namespace can't be filled in.
    assert_eq!(
        messages(&out),
        [
            "appsets/web.yaml:1: ApplicationSet web: generator 1 (list): its Application \
          web-staging can't be built offline (spec.destination.namespace: `{{values.tier}}` is \
          not a parameter)"
        ]
    );
    assert!(out.unexpanded[0].may_be("web-staging") && !out.unexpanded[0].may_be("web-prod"));
    assert!(out.unexpanded[0].may_render("web/staging"));
}

#[test]
fn list_generator_with_go_templates_and_elements_yaml() {
    let set = appset(
        true,
        "  - list:\n      elements:\n      - {cluster: Staging-EU, env: {name: staging}}\n      \
         elementsYaml: |\n        - {cluster: prod, env: {name: prod}}\n",
        "    metadata: {name: '{{ .cluster | lower }}-{{ index .env \"name\" }}'}\n    spec:\n      \
         source: {path: 'envs/{{ .env.name }}'}\n      destination: {name: '{{ normalize .cluster }}'}\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert_eq!(
        summary(&out),
        [
            "staging-eu-staging: staging-eu/- -> envs/staging",
            "prod-prod: prod/- -> envs/prod"
        ]
    );
    assert!(messages(&out).is_empty(), "{:?}", messages(&out));
}

#[test]
fn missing_keys_and_unknown_functions_are_named() {
    let set = appset(
        true,
        "  - list:\n      elements:\n      - {cluster: a}\n",
        "    metadata: {name: 'web-{{ .cluster }}', labels: {x: '{{ sha1sum .cluster }}'}}\n    \
         spec:\n      source: {path: '{{ .path }}'}\n      destination: {name: '{{ .cluster }}'}\n",
    )
    .replace(
        "goTemplate: true\n",
        "goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert!(out.apps.is_empty());
    assert_eq!(
        messages(&out),
        [
            "appsets/web.yaml:1: ApplicationSet web: generator 1 (list): its Application web-a \
          can't be built offline (spec.source.path: map has no entry for key \"path\")"
        ]
    );
    // A function it can't evaluate in a field that decides nothing is not a problem.
    let set = set
        .replace("'{{ .path }}'", "web")
        .replace("sha1sum", "sha256sum");
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert_eq!(summary(&out), ["web-a: a/- -> web"]);
    let set = set.replace("path: web", "path: '{{ .cluster | sha256sum }}'");
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert!(messages(&out)[0].contains("function `sha256sum` is not supported offline"));
}

const CLUSTER_SECRETS: &str = "\
apiVersion: v1
kind: Secret
metadata:
  name: prod-eu
  labels: {argocd.argoproj.io/secret-type: cluster, env: prod}
  annotations: {team: blue}
stringData: {name: Prod-EU, server: 'https://prod-eu.example'}
---
apiVersion: v1
kind: Secret
metadata:
  name: staging
  labels: {argocd.argoproj.io/secret-type: cluster, env: staging}
data: {name: c3RhZ2luZw==, server: aHR0cHM6Ly9zdGFnaW5nLmV4YW1wbGU=}
";

#[test]
fn clusters_generator_selects_secrets_and_configured_clusters() {
    let config = "clusters:\n  dev:\n    server: https://dev.example\n    labels: {env: dev}\n";
    let set = appset(
        false,
        "  - clusters:\n      selector:\n        matchExpressions:\n        - {key: env, operator: In, values: [prod, dev]}\n      \
         values: {overlay: '{{metadata.labels.env}}'}\n",
        "    metadata: {name: 'web-{{nameNormalized}}'}\n    spec:\n      \
         source: {path: 'web/{{values.overlay}}'}\n      destination: {server: '{{server}}', namespace: web}\n",
    );
    let files = [
        ("argocd/clusters.yaml", CLUSTER_SECRETS),
        ("appsets/web.yaml", set.as_str()),
    ];
    let out = expand_in(&files, config);
    assert_eq!(
        summary(&out),
        [
            "web-prod-eu: https://prod-eu.example/web -> web/prod",
            "web-dev: https://dev.example/web -> web/dev"
        ]
    );
    // No selector: every cluster, Argo CD's own included; goTemplate reads nested metadata.
    let set = appset(
        true,
        "  - clusters: {}\n",
        "    metadata: {name: 'web-{{.name}}'}\n    spec:\n      \
         source: {path: web}\n      destination: {name: '{{.name}}', namespace: '{{ index .metadata.labels \"env\" }}'}\n",
    );
    let files = [
        ("argocd/clusters.yaml", CLUSTER_SECRETS),
        ("appsets/web.yaml", set.as_str()),
    ];
    let out = expand_in(&files, "");
    assert_eq!(
        summary(&out),
        [
            "web-Prod-EU: Prod-EU/prod -> web",
            "web-staging: staging/staging -> web"
        ]
    );
    assert!(
        messages(&out)[0].contains("its Application web-in-cluster can't be built offline"),
        "Argo CD's own cluster has no metadata: {:?}",
        messages(&out)
    );
}

#[test]
fn git_directories_generator_lists_folders_as_argo_cd_matches_them() {
    let files = [
        ("apps/web/d.yaml", DEPLOYMENT),
        ("apps/api/d.yaml", DEPLOYMENT),
        ("apps/legacy/d.yaml", DEPLOYMENT),
        ("apps/web/base/d.yaml", DEPLOYMENT),
        ("apps/.hidden/d.yaml", DEPLOYMENT),
    ];
    let generators = "  - git:\n      repoURL: https://x/y.git\n      revision: HEAD\n      \
                      directories:\n      - path: 'apps/*'\n      - {path: apps/legacy, exclude: true}\n";
    let set = appset(
        true,
        generators,
        "    metadata: {name: '{{.path.basename}}-{{ index .path.segments 0 }}'}\n    spec:\n      \
         source: {path: '{{.path.path}}'}\n      destination: {name: in-cluster, namespace: '{{.path.basenameNormalized}}'}\n",
    );
    let mut all = files.to_vec();
    all.push(("appsets/web.yaml", &set));
    assert_eq!(
        summary(&expand_in(&all, "")),
        [
            "api-apps: in-cluster/api -> apps/api",
            "web-apps: in-cluster/web -> apps/web"
        ]
    );
    let set = appset(
        false,
        generators,
        "    metadata: {name: '{{path.basename}}-{{path[0]}}'}\n    spec:\n      \
         source: {path: '{{path}}'}\n      destination: {name: in-cluster}\n",
    );
    all.pop();
    all.push(("appsets/web.yaml", &set));
    assert_eq!(
        summary(&expand_in(&all, "")),
        [
            "api-apps: in-cluster/- -> apps/api",
            "web-apps: in-cluster/- -> apps/web"
        ]
    );
}

#[test]
fn git_files_generator_reads_json_and_yaml_parameters() {
    let files = [
        (
            "clusters/prod/config.json",
            r#"{"cluster": {"name": "prod", "replicas": 3}}"#,
        ),
        (
            "clusters/staging/config.yaml",
            "- cluster: {name: staging-a}\n- cluster: {name: staging-b}\n",
        ),
        (
            "clusters/old/config.json",
            r#"{"cluster": {"name": "old"}}"#,
        ),
    ];
    let generators = "  - git:\n      repoURL: https://x/y.git\n      files:\n      \
                      - path: 'clusters/**/config.*'\n      - {path: clusters/old/*, exclude: true}\n";
    let set = appset(
        false,
        generators,
        "    metadata: {name: 'web-{{cluster.name}}-{{cluster.replicas}}'}\n    spec:\n      \
         source: {path: 'web/{{path.basename}}'}\n      destination: {name: '{{cluster.name}}'}\n",
    );
    let mut all = files.to_vec();
    all.push(("appsets/web.yaml", &set));
    let out = expand_in(&all, "");
    assert_eq!(summary(&out), ["web-prod-3: prod/- -> web/prod"]);
    assert_eq!(
        out.findings.len(),
        2,
        "staging has no replicas: {:?}",
        messages(&out)
    );
    let set = appset(
        true,
        generators,
        "    metadata: {name: 'web-{{.cluster.name}}'}\n    spec:\n      \
         source: {path: '{{.path.path}}/{{.path.filename}}'}\n      destination: {name: '{{.cluster.name}}'}\n",
    );
    all.pop();
    all.push(("appsets/web.yaml", &set));
    assert_eq!(
        summary(&expand_in(&all, "")),
        [
            "web-prod: prod/- -> clusters/prod/config.json",
            "web-staging-a: staging-a/- -> clusters/staging/config.yaml",
            "web-staging-b: staging-b/- -> clusters/staging/config.yaml"
        ]
    );
}

#[test]
fn matrix_fills_the_second_generator_with_the_first_ones_parameters() {
    let files = [
        ("apps/web/envs/prod/d.yaml", DEPLOYMENT),
        ("apps/web/envs/staging/d.yaml", DEPLOYMENT),
        ("apps/api/envs/prod/d.yaml", DEPLOYMENT),
    ];
    let set = appset(
        true,
        "  - matrix:\n      generators:\n      - clusters:\n          selector: {matchLabels: {env: prod}}\n      \
         - git:\n          repoURL: https://x/y.git\n          \
         directories: [{path: 'apps/*/envs/{{ index .metadata.labels \"env\" }}'}]\n",
        "    metadata: {name: '{{ index .path.segments 1 }}-{{.name}}'}\n    spec:\n      \
         source: {path: '{{.path.path}}'}\n      destination: {server: '{{.server}}'}\n",
    );
    let mut all = files.to_vec();
    all.push(("argocd/clusters.yaml", CLUSTER_SECRETS));
    all.push(("appsets/web.yaml", &set));
    assert_eq!(
        summary(&expand_in(&all, "")),
        [
            "api-Prod-EU: https://prod-eu.example/- -> apps/api/envs/prod",
            "web-Prod-EU: https://prod-eu.example/- -> apps/web/envs/prod"
        ]
    );
    // fasttemplate refuses a parameter with two values.
    let set = appset(
        false,
        "  - matrix:\n      generators:\n      - list: {elements: [{name: a}]}\n      \
         - list: {elements: [{name: b}]}\n",
        "    metadata: {name: '{{name}}'}\n    spec:\n      source: {path: web}\n      destination: {name: x}\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert!(out.apps.is_empty());
    assert!(
        messages(&out)[0].contains("parameter `name` has two values"),
        "{:?}",
        messages(&out)
    );
}

#[test]
fn merge_overrides_base_parameters_by_merge_keys() {
    let set = appset(
        false,
        "  - merge:\n      mergeKeys: [server]\n      generators:\n      \
         - clusters:\n          selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}\n          \
         values: {overlay: default}\n      \
         - list:\n          elements:\n          - {server: 'https://prod-eu.example', values.overlay: prod}\n",
        "    metadata: {name: 'web-{{name}}'}\n    spec:\n      source: {path: 'web/{{values.overlay}}'}\n      \
         destination: {name: '{{name}}'}\n",
    );
    let files = [
        ("argocd/clusters.yaml", CLUSTER_SECRETS),
        ("appsets/web.yaml", set.as_str()),
    ];
    assert_eq!(
        summary(&expand_in(&files, "")),
        [
            "web-Prod-EU: Prod-EU/- -> web/prod",
            "web-staging: staging/- -> web/default"
        ]
    );
    let bad = set.replace("      mergeKeys: [server]\n", "");
    let out = expand_in(&[("appsets/web.yaml", &bad)], "");
    assert!(
        messages(&out)[0].contains("merge: no mergeKeys"),
        "{:?}",
        messages(&out)
    );
}

#[test]
fn generator_templates_selectors_and_duplicates() {
    let set = appset(
        false,
        "  - list:\n      elements: [{cluster: prod, tier: gold}, {cluster: staging, tier: bronze}, {cluster: prod, tier: gold}]\n    \
         selector: {matchLabels: {tier: gold}}\n    template:\n      metadata: {}\n      spec:\n        source: {path: 'gold/{{cluster}}'}\n",
        "    metadata: {name: 'web-{{cluster}}'}\n    spec:\n      source: {path: 'web/{{cluster}}'}\n      \
         destination: {name: '{{cluster}}'}\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert_eq!(summary(&out), ["web-prod: prod/- -> gold/prod"]);
    assert!(messages(&out)[0].contains("two Applications named web-prod"));
}

#[test]
fn generators_that_need_a_live_argo_cd_are_named_with_what_they_may_deploy() {
    let set = appset(
        false,
        "  - pullRequest:\n      github: {owner: acme, repo: shop}\n  \
         - matrix:\n      generators:\n      - list: {elements: [{a: b}]}\n      - plugin: {configMapRef: {name: p}}\n",
        "    metadata: {name: 'web-pr-{{number}}'}\n    spec:\n      source: {path: 'previews/{{branch}}/web'}\n      \
         destination: {name: in-cluster, namespace: 'pr-{{number}}'}\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert!(out.apps.is_empty());
    assert_eq!(
        messages(&out),
        [
            "appsets/web.yaml:1: ApplicationSet web: its pullRequest generator is not expanded \
             offline: the Applications it generates are not seen",
            "appsets/web.yaml:1: ApplicationSet web: its plugin generator is not expanded \
             offline: the Applications it generates are not seen"
        ]
    );
    let u = &out.unexpanded[0];
    assert!(u.may_be("web-pr-12") && !u.may_be("api-pr-12"));
    assert!(u.may_render("previews/feature/x/web") && !u.may_render("web"));
    assert_eq!(
        u.note(),
        "ApplicationSet web (appsets/web.yaml:1) may deploy it: its pullRequest generator is \
         not expanded offline"
    );
}

#[test]
fn go_path_match_is_go_path_match() {
    use gopath::go_match;
    for (pattern, name, want) in [
        ("apps/*", "apps/web", true),
        ("apps/*", "apps/web/base", false),
        ("apps/*/envs/prod", "apps/web/envs/prod", true),
        ("apps/w?b", "apps/web", true),
        ("apps/[a-v]*", "apps/web", false),
        ("apps/[^a-v]*", "apps/web", true),
        ("apps/\\*", "apps/*", true),
        ("apps/{web,api}", "apps/web", false),
        ("*", "apps", true),
    ] {
        assert_eq!(go_match(pattern, name), Ok(want), "{pattern} {name}");
    }
    assert!(go_match("apps/[", "apps/web").is_err());
}

#[test]
fn normalize_is_argo_cds_sanitize_name() {
    assert_eq!(normalize("Prod_EU.cluster-"), "prod-eu.cluster");
    assert_eq!(normalize("--a b--"), "a-b");
}

#[test]
fn workloads_an_unexpanded_set_may_deploy_name_it() {
    use crate::locate::{LiveWorkload, Located, Locator};
    let dir = tempfile::tempdir().unwrap();
    let set = appset(
        false,
        "  - plugin: {configMapRef: {name: envs}}\n",
        "    metadata: {name: '{{env}}-web'}\n    spec:\n      source: {path: 'apps/{{env}}'}\n      \
         destination: {name: '{{cluster}}'}\n",
    );
    for (path, text) in [
        ("appsets/web.yaml", set.as_str()),
        (
            "apps/qa/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: web}\nspec:\n  template:\n    spec:\n      containers: []\n",
        ),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = Config::parse("clusters:\n  staging:\n    paths: [apps]\n", "c").unwrap();
    let index = crate::repo::index(dir.path(), "a/b", &config).unwrap();
    let locator = Locator::new(&index, &config, "a/b", &GitOps::default(), None);
    let live = LiveWorkload {
        namespace: "web",
        kind: "Deployment",
        name: "web",
        ..LiveWorkload::default()
    };
    let Located::NotFound { reason } = locator.locate(&live, Some("prod")) else {
        panic!("not found expected");
    };
    assert!(
        reason.ends_with(
            "; ApplicationSet web (appsets/web.yaml:1) may deploy it: its plugin generator is \
             not expanded offline"
        ),
        "{reason}"
    );
    // Found for staging, but the tracking names an Application the set may generate.
    let annotations = std::collections::BTreeMap::from([(
        "argocd.argoproj.io/tracking-id".to_owned(),
        "qa-web:apps/Deployment:web/web".to_owned(),
    )]);
    let tracked = LiveWorkload {
        annotations: Some(&annotations),
        ..live.clone()
    };
    assert!(matches!(
        locator.locate(&live, Some("staging")),
        Located::Found { .. }
    ));
    let Located::NotFound { reason } = locator.locate(&tracked, Some("staging")) else {
        panic!("not found expected");
    };
    assert!(
        reason.starts_with(
            "the controller's tracking names Application qa-web, which gitops-restart does not \
             see: ApplicationSet web (appsets/web.yaml:1) may deploy it"
        ),
        "{reason}"
    );
}

#[test]
fn keys_that_are_no_generator_are_named() {
    let set = appset(
        false,
        "  - clusterDecisionResource: {configMapRef: ocm}\n    requeueAfterSeconds: 60\n",
        "    metadata: {name: 'web-{{name}}'}\n    spec:\n      source: {path: web}\n      \
         destination: {name: '{{name}}'}\n",
    );
    let out = expand_in(&[("appsets/web.yaml", &set)], "");
    assert_eq!(
        messages(&out),
        [
            "appsets/web.yaml:1: ApplicationSet web: its clusterDecisionResource generator is \
             not expanded offline: the Applications it generates are not seen",
            "appsets/web.yaml:1: ApplicationSet web: its generator 1 has `requeueAfterSeconds`, \
             which is no generator gitops-restart knows: the Applications it generates are not \
             seen"
        ]
    );
}
