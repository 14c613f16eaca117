//! gitops-restart: restart EKS Fargate workloads through the GitOps repository.
//!
//! The pipeline stages of `DESIGN.md` are the modules, plain data in and plain data out:
//! [`repo`] indexes the repository, [`plan`] decides what to do, [`edit`] splices the restart
//! into text, [`report`] renders, [`write`] writes. Only [`repo`] and [`write`] touch files, and
//! the library never prints: [`run`] renders into the writer it is given.

pub mod cli;
pub mod edit;
pub mod plan;
pub mod repo;
pub mod report;
pub mod time;
pub mod write;
pub mod yaml;

use std::io::Write;

use anyhow::Context;

use cli::{Mode, Output, Settings};

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or nothing to do: exit 0.
    Done,
    /// Edits are pending (`plan --exit-code`): exit 2.
    Pending,
}

/// Run one command: index the repository, build the plan, report it, and apply it if asked.
pub fn run(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let index = repo::index(&settings.repo, &settings.annotation)?;
    let input = plan::PlanInput {
        targets: settings.targets.clone(),
        restarted_at: settings.restarted_at,
        launched_before: settings.launched_before,
        deadline: settings.deadline,
        cluster: None,
        annotation: settings.annotation.clone(),
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
