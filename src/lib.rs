//! gitops-restart: restart EKS Fargate workloads through the GitOps repository.
//!
//! The pipeline stages of `DESIGN.md` are the modules, plain data in and plain data out:
//! [`repo`] indexes the repository, [`plan`] decides what to do, [`edit`] splices the restart
//! into text, [`report`] renders, [`write`] writes. Only [`repo`] and [`write`] touch files, and
//! the library never prints: [`run`] renders into the writer it is given.

pub mod cli;
pub mod config;
pub mod edit;
pub mod inventory;
pub mod notice;
pub mod plan;
pub mod repo;
pub mod report;
pub mod time;
pub mod write;
pub mod yaml;

use std::io::{Read as _, Write};
use std::path::Path;

use anyhow::Context;

use cli::{Mode, Output, Selection, Settings};

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or nothing to do: exit 0.
    Done,
    /// Edits are pending (`plan --exit-code`): exit 2.
    Pending,
}

/// Run one command: read the notices and the inventory, index the repository, build the plan,
/// report it, and apply it if asked.
pub fn run(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let notices = settings
        .notices
        .iter()
        .map(|path| {
            let text = read_input(path)?;
            Ok(notice::parse(&text, &path.display().to_string())?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cutoff = notice::combine_for(&notices, settings.cluster.as_deref())?;
    let launched_before = settings.launched_before.or(cutoff.launched_before);
    let deadline = settings.deadline.or(cutoff.deadline);
    let cluster = settings.cluster.clone().or(cutoff.cluster.clone());
    let mut warnings = Vec::new();
    let targets = match &settings.selection {
        Selection::All => plan::Targets::All,
        Selection::Named(refs) => plan::Targets::Named(refs.clone()),
        Selection::Snapshots(paths) => {
            let mut inventory = inventory::Inventory::new();
            for path in paths {
                let text = read_input(path)?;
                let (part, notes) = inventory::snapshot::parse(&text, &path.display().to_string())?;
                inventory.extend(part);
                warnings.extend(notes);
            }
            anyhow::ensure!(
                launched_before.is_some() || !cutoff.pods.is_empty(),
                "no cutoff: give --launched-before TIME or a --notice, so that it is known which \
                 pods are affected"
            );
            let options = inventory::AffectedOptions {
                launched_before,
                all_nodes: settings.all_nodes,
                exact_pods: cutoff
                    .pods
                    .iter()
                    .map(|p| inventory::ExactPod {
                        namespace: p.namespace.clone(),
                        name: p.pod.clone(),
                        evict_error: p.evict_error.clone(),
                    })
                    .collect(),
            };
            warnings.extend(inventory::exact_pod_warnings(&inventory, &options));
            plan::Targets::Affected(inventory::affected(&inventory, &options))
        }
    };
    if !cutoff.pods.is_empty() && !matches!(settings.selection, Selection::Snapshots(_)) {
        warnings.push(format!(
            "the notices name {} pod(s); give --snapshot to find the workloads they belong to",
            cutoff.pods.len()
        ));
    }
    let index = repo::index(&settings.repo, &settings.annotation)?;
    let input = plan::PlanInput {
        targets,
        restarted_at: settings
            .restarted_at
            .or(launched_before)
            .unwrap_or(settings.now),
        launched_before,
        deadline,
        cluster,
        annotation: settings.annotation.clone(),
        warnings,
    };
    let plan = plan::build(&index, &input);
    if settings.mode == Mode::Apply {
        write::apply(&settings.repo, &plan.edits)?;
    }
    match settings.output {
        Output::Text => report::text::render(&plan, out),
        Output::Json => report::json::render(&plan, out),
        Output::Markdown => report::markdown::render(&plan, out),
    }
    .context("cannot write the report")?;
    Ok(if settings.exit_code && plan.has_pending_edits() {
        Outcome::Pending
    } else {
        Outcome::Done
    })
}

/// Read an input file, `-` meaning stdin.
fn read_input(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
