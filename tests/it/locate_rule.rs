//! Where the restart of a workload is written, and how the report names it, on small
//! repositories written by each test. Each test reads the plan's JSON rows.

use serde_json::Value;

use crate::cli::TestContext;

fn deployment(name: &str, namespace: Option<&str>) -> String {
    let namespace = namespace.map_or_else(String::new, |ns| format!("  namespace: \"{ns}\"\n"));
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"{name}\"\n{namespace}spec:\n  \
         selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    \
         spec: {{containers: [{{name: a, image: a}}]}}\n"
    )
}

/// `plan` on the repository: its rows, one per workload.
fn plan(ctx: &TestContext, args: &[&str]) -> Vec<Value> {
    let report = ctx.json(&[&["plan", "--restarted-at", "2026-11-20"], args].concat());
    report["workloads"].as_array().unwrap().clone()
}

fn row<'r>(rows: &'r [Value], id: &str) -> &'r Value {
    rows.iter()
        .find(|r| {
            format!(
                "{}/{}/{}",
                r["namespace"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            ) == id
        })
        .unwrap_or_else(|| panic!("no row {id} in {rows:#?}"))
}

#[test]
fn every_workload_row_names_the_live_workload_but_all_workloads_lists_manifests() {
    let ctx = TestContext::empty();
    ctx.write("base/deploy.yaml", &deployment("web", None));
    ctx.write("base/kustomization.yaml", "resources:\n- deploy.yaml\n");
    ctx.write(
        "overlay/kustomization.yaml",
        "namePrefix: p-\nresources:\n- ../base\n",
    );
    let rows = plan(&ctx, &["--workload", "x/Deployment/p-web"]);
    assert_eq!(row(&rows, "x/Deployment/p-web")["file"], "base/deploy.yaml");
    // --all-workloads lists what the manifests define, by the names they are written with.
    let rows = plan(&ctx, &["--all-workloads"]);
    assert_eq!(row(&rows, "/Deployment/web")["file"], "base/deploy.yaml");
}
