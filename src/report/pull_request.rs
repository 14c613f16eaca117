//! What `pr` did to the pull request, as the reports show it: the `pull_request` member of the
//! JSON report and one line of the text report. Plain data; [`crate::github`] fills it in, the
//! report renderers and the GitHub Actions adapter read it. No I/O but the writer given.

use serde::Serialize;

use super::escape::text;

/// What a run did to the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// No pull request was open for the branch: the commit, the branch and the pull request
    /// were created.
    Created,
    /// The open pull request was brought up to date: a new commit on the branch, or only a new
    /// title and body.
    Updated,
    /// The open pull request already holds these changes, title, body, labels and assignees:
    /// nothing was written.
    Unchanged,
    /// Nothing is left to restart, on evidence (the repository, or an inventory of the whole
    /// cluster): the open pull request was closed, with a comment saying why.
    Closed,
    /// Someone else committed to the branch: nothing was written to the branch, the title or
    /// the description (a comment says so once, with how to hand the branch back: the label
    /// `gitops-restart:rebase`).
    OthersCommitted,
    /// The last pull request of the branch, with these same edits, was closed without merging:
    /// not opened again (`number` and `url` are that pull request's).
    Declined,
    /// Nothing to restart and no pull request open.
    None,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::Unchanged => "unchanged",
            Operation::Closed => "closed",
            Operation::OthersCommitted => "others-committed",
            Operation::Declined => "declined",
            Operation::None => "none",
        }
    }
}

/// The `pull_request` member of the JSON report.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PullRequestReport {
    /// What this run did to the pull request.
    pub operation: Operation,
    /// The pull request's number; null when the operation is `none`.
    pub number: Option<u64>,
    /// The pull request's web page (`html_url`); null when the operation is `none`.
    pub url: Option<String>,
    /// The branch gitops-restart owns for this cluster (`--branch`, default
    /// `gitops-restart/<cluster>`).
    pub branch: String,
    /// The commit the branch points at after this run: the restart commit (`created`,
    /// `updated`, `unchanged`), or the closed pull request's last head (`closed`); null when
    /// the operation is `none`.
    pub head_sha: Option<String>,
    /// What went wrong without failing the run (a reviewer GitHub would not request), one
    /// sentence each; absent when nothing did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The merged pull request this run followed through: the branch's last one, merged, whose
    /// verification this run checked (and commented when the result was new); absent when
    /// none. A follow-up pull request for what is left is then `number`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed: Option<Followed>,
}

/// The follow-through on a merged pull request.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Followed {
    /// The merged pull request's number.
    pub number: u64,
    /// Its web page (`html_url`).
    pub url: String,
    /// Old Fargate pods the verification found left (as `verify`'s `remaining_pods`).
    pub remaining_pods: usize,
    /// Workloads that still own old pods (as `verify`'s `workloads`, counted).
    pub remaining_workloads: usize,
    /// Whether this run commented the result (false: the same result was commented before).
    pub commented: bool,
}

/// One line for the text report; the URL, the branch and the notes (which may quote GitHub)
/// escaped as outside text.
pub fn render_text(
    report: &PullRequestReport,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let branch = text(&report.branch);
    match (&report.number, &report.url) {
        (Some(number), Some(url)) => writeln!(
            out,
            "\npull request: {} #{number} {} (branch {branch})",
            report.operation.as_str(),
            text(url),
        )?,
        _ => writeln!(
            out,
            "\npull request: none (nothing to restart, and no pull request open for branch {branch})",
        )?,
    }
    if let Some(f) = &report.followed {
        writeln!(
            out,
            "  followed through #{} (merged) {}: {} old pod(s) left in {} workload(s){}",
            f.number,
            text(&f.url),
            f.remaining_pods,
            f.remaining_workloads,
            if f.commented {
                ", commented"
            } else {
                ", already commented"
            }
        )?;
    }
    for note in &report.notes {
        writeln!(out, "  note: {}", text(note))?;
    }
    Ok(())
}
