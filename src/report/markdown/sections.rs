//! The fixed sections of the markdown report, never cut: the header with its one-sentence
//! summary and countdown, the steps after merge (`gitops-restart verify` with this run's
//! cluster and dates, quoted for a shell and fenced for markdown), and what the change writes
//! (the restart value and why it is that value; for a pull request, what closing it does).

use std::fmt::Write as _;

use super::Sink;
use crate::edit::DEFAULT_ANNOTATION;
use crate::plan::{Action, Plan};
use crate::report::budget;
use crate::report::escape::{self, markdown_code as code};
use crate::settings::RestartFrom;
use crate::time::{countdown, day_and_time, format_time};

/// The longest cluster name a header shows (EKS allows 100 characters): longer is cut.
const NAME_MAX: usize = 256;

/// The title, and one sentence: how many workloads restart, how many need a person, and when
/// EKS evicts.
pub(super) fn header(plan: &Plan, sink: Sink) -> String {
    let mut md = String::new();
    let title = plan.cluster.as_deref().map_or_else(String::new, |c| {
        format!(" on {}", code(&budget::shorten(c, NAME_MAX)))
    });
    let _ = writeln!(md, "## Restart of workloads{title}\n");
    // Every section after it opens with its blank line.
    let _ = writeln!(md, "**{}**", summary(plan, sink));
    md
}

/// "3 workloads restart when this merges, 2 need a person; EKS evicts in 2 days (Fri 4 Dec,
/// 00:00 UTC)."
pub(super) fn summary(plan: &Plan, sink: Sink) -> String {
    let count = |actions: &[Action]| {
        plan.workloads
            .iter()
            .filter(|w| actions.contains(&w.decision.action()))
            .count()
    };
    let restart = count(&[Action::Bump]);
    let person = count(&[Action::Manual, Action::Ambiguous, Action::NotFound]);
    let merges = match sink {
        Sink::PullRequest => "when this merges",
        Sink::Report => "when the change merges",
    };
    let mut text = match restart {
        0 => format!("Nothing restarts {merges}"),
        1 => format!("1 workload restarts {merges}"),
        n => format!("{n} workloads restart {merges}"),
    };
    match person {
        0 => {}
        1 => text.push_str(", 1 needs a person"),
        n => {
            let _ = write!(text, ", {n} need a person");
        }
    }
    let _ = write!(text, "; {}.", deadline(plan));
    text
}

/// When EKS evicts, from now: "EKS evicts in 2 days (Fri 4 Dec, 00:00 UTC)".
pub(crate) fn deadline(plan: &Plan) -> String {
    match plan.deadline {
        Some(at) if at >= plan.now => format!(
            "EKS evicts {} ({})",
            countdown(at, plan.now),
            day_and_time(at, plan.now)
        ),
        Some(at) => format!(
            "EKS's deadline passed {} ({})",
            countdown(at, plan.now),
            day_and_time(at, plan.now)
        ),
        None => "the deadline is unknown (give --deadline, or the AWS notice)".to_owned(),
    }
}

/// `text` in a fenced code block, the fence longer than any run of backticks in it.
fn fenced(lang: &str, text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{text}\n{fence}\n")
}

/// The `verify` command with this run's cluster, cutoff, deadline and annotation.
pub(crate) fn verify_command(plan: &Plan) -> String {
    let mut command = "gitops-restart verify".to_owned();
    if let Some(cluster) = &plan.cluster {
        let _ = write!(command, " --cluster {}", escape::shell_word(cluster));
    }
    if let Some(cutoff) = plan.launched_before {
        let _ = write!(command, " --launched-before {}", format_time(cutoff));
    }
    if let Some(deadline) = plan.deadline {
        let _ = write!(command, " --deadline {}", format_time(deadline));
    }
    if plan.annotation != DEFAULT_ANNOTATION {
        let _ = write!(
            command,
            " --annotation {}",
            escape::shell_word(&plan.annotation)
        );
    }
    command
}

/// How a reviewer checks, after merge and sync, that no old pod is left.
pub(super) fn after_merge(plan: &Plan) -> String {
    let mut md = String::from(
        "\n### After merge\n\nOnce Argo CD or Flux has synced, the restarted workloads roll their \
         pods; what needs a person is not done by this change. To list the Fargate pods still \
         launched before the cutoff, with the next step for each, run from a checkout of this \
         repository with access to the cluster (its kubeconfig, or `--snapshot`):\n\n",
    );
    md.push_str(&fenced("sh", &verify_command(plan)));
    md
}

/// The restart value, what it is and why; for a pull request, what closing it does.
pub(super) fn what_it_writes(plan: &Plan, sink: Sink) -> String {
    let value = format_time(plan.restarted_at);
    let mut md = format!(
        "\n### What the change writes\n\nThe pod templates get {} (Argo Rollouts: \
         `spec.restartAt: {value}`), ",
        code(&format!("{}: {value}", plan.annotation))
    );
    md.push_str(match plan.restarted_from {
        RestartFrom::Cutoff => {
            "the cutoff: a time in the past on purpose, so that every run writes the same value \
             and a re-run changes nothing."
        }
        RestartFrom::Given => "the value given with `--restarted-at`.",
        RestartFrom::FailedEvictions => {
            "the time EKS last reported a pod it could not evict: every pod it named is older, \
             and the same notices give the same value, so a re-run changes nothing."
        }
        RestartFrom::Clock => {
            "the time of the run, as no cutoff is known: a later run writes a later value and \
             restarts the workloads again."
        }
    });
    if let Some(cutoff) = plan.launched_before {
        let _ = write!(
            md,
            " Pods launched before {} are affected.",
            format_time(cutoff)
        );
    }
    md.push('\n');
    if sink == Sink::PullRequest {
        md.push_str(
            "\n**Closing this pull request** without merging declines these edits: \
             gitops-restart opens no new one until the edits change, and the pods left are \
             evicted by EKS at the deadline.\n",
        );
    }
    md
}
