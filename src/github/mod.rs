//! `gitops-restart pr`: the plan's edits as one pull request per cluster, kept up to date.
//!
//! The commit is made through the Git Data API (a tree with the changed files on the base
//! branch's tree, then a commit), so no git credentials are needed and GitHub signs it for App
//! and Actions tokens; the local working tree is never written. The branch is deterministic
//! (`gitops-restart/<cluster>`), so each run finds the pull request the last one opened and
//! updates it: nothing is written when the branch already holds exactly these changes on the
//! current base and the title, body, labels and assignees are as wanted; a pull request with
//! nothing left to restart is closed with a comment. Before anything is written, every file to
//! change is compared (by blob id) with the base branch: a stale checkout would otherwise
//! revert a change made there since. Each step can fail and be re-run: an orphan tree or commit
//! is harmless, a branch without a pull request is reused, a pull request missing its labels
//! gets them on the next run.

mod api;
mod git;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::net::{Replay, RetryPolicy};
pub use api::GithubError;
use api::{Api, Permission};
use git::{RepoSlug, encode};

use crate::config::PullRequestConfig;
use crate::plan::{Action, Plan};
use crate::time::format_time;

/// GitHub refuses bodies over 65,536 characters; the margin covers its counting in UTF-16.
const BODY_LIMIT: usize = 60_000;
const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_BRANCH_PREFIX: &str = "gitops-restart/";
/// Internal: the retry time unit in milliseconds, so that tests run the real schedule quickly.
const TIME_UNIT_VAR: &str = "GITOPS_RESTART_GITHUB_TIME_UNIT_MS";
const FOOTER: &str = "\n---\n<sub>Kept up to date by gitops-restart: later runs rewrite this \
                      branch and this description, and close the pull request when nothing is \
                      left to restart.</sub>\n";

/// What `pr` was told on the command line: the pull request's settings (the configuration's
/// [`PullRequestConfig`] fills the gaps), and how to reach GitHub.
#[derive(Debug, Clone, Default)]
pub struct PrFlags {
    pub options: PullRequestConfig,
    /// The environment variable holding the token.
    pub token_env: String,
    pub api_url: Option<String>,
    /// `OWNER/NAME`; else derived from the checkout's `origin` remote.
    pub github_repo: Option<String>,
}

/// What a run did to the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
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
    /// Nothing is left to restart: the open pull request was closed, with a comment saying why.
    Closed,
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
    /// What went wrong without failing the run (a reviewer GitHub would not request), one
    /// sentence each; absent when nothing did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One line for the text report.
pub fn render_text(
    report: &PullRequestReport,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match (&report.number, &report.url) {
        (Some(number), Some(url)) => writeln!(
            out,
            "\npull request: {} #{number} {url} (branch {})",
            report.operation.as_str(),
            report.branch
        )?,
        _ => writeln!(
            out,
            "\npull request: none (nothing to restart, and no pull request open for branch {})",
            report.branch
        )?,
    }
    for note in &report.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

/// Open, update, leave alone or close the pull request for `plan`, made from the checkout at
/// `repo_dir`.
pub fn publish(
    plan: &Plan,
    repo_dir: &Path,
    flags: &PrFlags,
    config: &PullRequestConfig,
) -> Result<PullRequestReport, GithubError> {
    let options = Options::resolve(plan, flags, config)?;
    let token = std::env::var(&flags.token_env)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GithubError::NoToken {
            var: flags.token_env.clone(),
        })?;
    let slug = match flags
        .github_repo
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        Some(text) => RepoSlug::parse(text).ok_or_else(|| {
            GithubError::Setup(format!(
                "`{text}` is not a GitHub repository: give --github-repo OWNER/NAME"
            ))
        })?,
        None => {
            let url = git::origin_url(repo_dir).ok_or_else(|| {
                GithubError::Setup(format!(
                    "which GitHub repository? {} has no `origin` remote: give --github-repo \
                     OWNER/NAME (or set GITHUB_REPOSITORY)",
                    repo_dir.display()
                ))
            })?;
            RepoSlug::from_remote_url(&url).ok_or_else(|| {
                GithubError::Setup(format!(
                    "the `origin` remote {} names no OWNER/NAME: give --github-repo OWNER/NAME",
                    git::redact_url(&url)
                ))
            })?
        }
    };
    // Plan paths are relative to --repo, which may be a folder of the checkout.
    let prefix = git::checkout_prefix(repo_dir);
    let changes: Vec<Change> = plan
        .edits
        .iter()
        .map(|edit| Change {
            path: format!("{prefix}{}", edit.path),
            before_id: (!edit.created).then(|| git::blob_id(edit.before.as_bytes())),
            after_id: git::blob_id(edit.after.as_bytes()),
            after: &edit.after,
        })
        .collect();
    let api_url = flags
        .api_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
    let mut retry = RetryPolicy::GITHUB;
    if let Some(ms) = std::env::var(TIME_UNIT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        retry.first = Duration::from_millis(ms);
    }
    crate::net::block_on(async {
        let api = Api::new(&api_url, token, &flags.token_env, slug, retry)?;
        Sync {
            api: &api,
            options: &options,
            changes: &changes,
        }
        .run()
        .await
    })
    .map_err(|e| GithubError::Setup(format!("cannot start the network runtime: {e}")))?
}

/// The pull request wanted, flags over configuration over defaults.
struct Options {
    base: Option<String>,
    branch: String,
    title: String,
    body: String,
    commit_message: String,
    close_comment: String,
    labels: Vec<String>,
    reviewers: Vec<String>,
    team_reviewers: Vec<String>,
    assignees: Vec<String>,
    draft: bool,
}

impl Options {
    fn resolve(
        plan: &Plan,
        flags: &PrFlags,
        file: &PullRequestConfig,
    ) -> Result<Options, GithubError> {
        let settings = flags.options.over(file);
        let cluster = plan.cluster.as_deref();
        let branch = match &settings.branch {
            Some(branch) => branch.clone(),
            None => {
                let prefix = settings
                    .branch_prefix
                    .as_deref()
                    .unwrap_or(DEFAULT_BRANCH_PREFIX);
                let cluster = cluster.ok_or_else(|| {
                    GithubError::Setup(
                        "the pull request's branch is named after the cluster: give --cluster \
                         (or a notice that names it), or --branch"
                            .to_owned(),
                    )
                })?;
                format!("{prefix}{cluster}")
            }
        };
        if !git::valid_branch(&branch) {
            return Err(GithubError::Setup(format!(
                "`{branch}` can't be a branch name (spaces, `..`, `~^:?*[\\` and a leading `.` \
                 are not allowed)"
            )));
        }
        let deadline = plan.deadline.map(format_time);
        let title = match &settings.title {
            Some(template) => template
                .replace("{cluster}", cluster.unwrap_or("the cluster"))
                .replace("{deadline}", deadline.as_deref().unwrap_or("the deadline")),
            None => {
                let mut title = "Restart Fargate workloads".to_owned();
                if let Some(cluster) = cluster {
                    title.push_str(&format!(" on {cluster}"));
                }
                if let Some(deadline) = &deadline {
                    title.push_str(&format!(" before {deadline}"));
                }
                title
            }
        };
        let mut body = crate::report::markdown::render_limited(plan, BODY_LIMIT - FOOTER.len());
        body.push_str(FOOTER);
        Ok(Options {
            base: settings.base,
            branch,
            commit_message: commit_message(&title, plan),
            close_comment: close_comment(plan),
            title,
            body,
            labels: settings.labels,
            reviewers: settings.reviewers,
            team_reviewers: settings.team_reviewers,
            assignees: settings.assignees,
            draft: settings.draft.unwrap_or(false),
        })
    }
}

/// The commit message: the title, then the workloads restarted.
fn commit_message(title: &str, plan: &Plan) -> String {
    const SHOWN: usize = 100;
    let bumped: Vec<String> = plan
        .workloads
        .iter()
        .filter(|w| w.action == Action::Bump)
        .map(|w| format!("- {}", w.id()))
        .collect();
    let mut message = format!("{title}\n\n");
    for line in bumped.iter().take(SHOWN) {
        message.push_str(line);
        message.push('\n');
    }
    if bumped.len() > SHOWN {
        message.push_str(&format!("- and {} more\n", bumped.len() - SHOWN));
    }
    message
}

/// Why an open pull request is closed: nothing in the plan needs an edit any more.
fn close_comment(plan: &Plan) -> String {
    let count = |action: Action| plan.workloads.iter().filter(|w| w.action == action).count();
    let on = plan
        .cluster
        .as_deref()
        .map_or_else(String::new, |c| format!(" on `{c}`"));
    let mut reason = if plan.workloads.is_empty() {
        "no workload is affected any more".to_owned()
    } else {
        format!(
            "no manifest needs a change: {} workload(s) already carry the restart",
            count(Action::AlreadyBumped)
        )
    };
    let manual = count(Action::Manual);
    if manual > 0 {
        reason.push_str(&format!(
            "; {manual} still need a manual action (see `gitops-restart plan`)"
        ));
    }
    format!(
        "Nothing is left to restart through git{on}: {reason}.\n\nClosing this pull request; \
         gitops-restart opens a new one if that changes."
    )
}

/// A file to change, as the repository names it.
/// The mode of a regular, non-executable file in a git tree: what a file the plan creates gets.
const NEW_FILE_MODE: &str = "100644";

struct Change<'p> {
    path: String,
    /// The blob id of the checkout's file; `None` for a file the plan creates.
    before_id: Option<String>,
    after_id: String,
    after: &'p str,
}

#[derive(Deserialize)]
struct Repository {
    default_branch: String,
}

#[derive(Deserialize)]
struct GitRef {
    object: Sha,
}

#[derive(Deserialize)]
struct Sha {
    sha: String,
}

#[derive(Deserialize)]
struct GitCommit {
    tree: Sha,
    #[serde(default)]
    parents: Vec<Sha>,
}

#[derive(Deserialize)]
struct GitTree {
    sha: String,
    tree: Vec<TreeEntry>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct TreeEntry {
    path: String,
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

// Our own small types rather than octocrab's models: those require many fields this tool never
// reads, and a GitHub Enterprise Server release that omits one would fail the run.
#[derive(Debug, Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
    title: String,
    body: Option<String>,
    head: PullHead,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    assignees: Option<Vec<User>>,
    #[serde(default)]
    requested_reviewers: Option<Vec<User>>,
    #[serde(default)]
    requested_teams: Option<Vec<Team>>,
}

#[derive(Debug, Deserialize)]
struct PullHead {
    sha: String,
}

#[derive(Debug, Deserialize)]
struct Label {
    name: String,
}

#[derive(Debug, Deserialize)]
struct User {
    login: String,
}

#[derive(Debug, Deserialize)]
struct Team {
    slug: String,
}

/// A tree, listed recursively in one request; when GitHub truncates the listing (over 100,000
/// entries), read one folder at a time along the paths asked for.
struct TreeView {
    root: String,
    /// Path → entry, when the listing is complete.
    full: Option<HashMap<String, TreeEntry>>,
    /// Tree id → its entries, for the truncated case.
    folders: HashMap<String, Vec<TreeEntry>>,
}

impl TreeView {
    async fn load(api: &Api, sha: &str, what: &str) -> Result<TreeView, GithubError> {
        let tree: GitTree = api
            .get(
                &api.path(&format!("/git/trees/{sha}?recursive=1")),
                what,
                Permission::ContentsRead,
            )
            .await?;
        let full =
            (!tree.truncated).then(|| tree.tree.into_iter().map(|e| (e.path.clone(), e)).collect());
        Ok(TreeView {
            root: tree.sha,
            full,
            folders: HashMap::new(),
        })
    }

    async fn entry(&mut self, api: &Api, path: &str) -> Result<Option<TreeEntry>, GithubError> {
        if let Some(full) = &self.full {
            return Ok(full.get(path).cloned());
        }
        let parts: Vec<&str> = path.split('/').collect();
        let mut sha = self.root.clone();
        for (depth, part) in parts.iter().enumerate() {
            if !self.folders.contains_key(&sha) {
                let tree: GitTree = api
                    .get(
                        &api.path(&format!("/git/trees/{sha}")),
                        "read a folder of a large tree",
                        Permission::ContentsRead,
                    )
                    .await?;
                self.folders.insert(sha.clone(), tree.tree);
            }
            let Some(found) = self.folders[&sha].iter().find(|e| e.path == *part) else {
                return Ok(None);
            };
            if depth + 1 == parts.len() {
                return Ok(Some(TreeEntry {
                    path: path.to_owned(),
                    ..found.clone()
                }));
            }
            if found.kind != "tree" {
                return Ok(None);
            }
            sha = found.sha.clone();
        }
        Ok(None)
    }

    /// Every non-folder entry, path → (mode, id), when the listing is complete.
    fn files(&self) -> Option<BTreeMap<&str, (&str, &str)>> {
        let full = self.full.as_ref()?;
        Some(
            full.values()
                .filter(|e| e.kind != "tree")
                .map(|e| (e.path.as_str(), (e.mode.as_str(), e.sha.as_str())))
                .collect(),
        )
    }
}

/// One run against the API.
struct Sync<'a> {
    api: &'a Api,
    options: &'a Options,
    changes: &'a [Change<'a>],
}

/// The base branch as read at the start of the run.
struct Base {
    name: String,
    sha: String,
    tree: TreeView,
    /// The base's mode of each changed file, in `changes` order.
    modes: Vec<String>,
}

impl Sync<'_> {
    async fn run(&self) -> Result<PullRequestReport, GithubError> {
        let o = self.options;
        let mut report = PullRequestReport {
            operation: Operation::None,
            number: None,
            url: None,
            branch: o.branch.clone(),
            notes: Vec::new(),
        };
        let open = self.find_open().await?;
        if self.changes.is_empty() {
            if let Some(pr) = open {
                self.close(&pr).await?;
                report.operation = Operation::Closed;
                report.number = Some(pr.number);
                report.url = Some(pr.html_url);
            }
            return Ok(report);
        }
        let mut base = self.read_base().await?;
        let (pr, operation) = match open {
            Some(pr) => {
                let changed = self.update(&pr, &mut base, &mut report.notes).await?;
                let operation = if changed {
                    Operation::Updated
                } else {
                    Operation::Unchanged
                };
                (pr, operation)
            }
            None => self.create(&base, &mut report.notes).await?,
        };
        report.operation = operation;
        report.number = Some(pr.number);
        report.url = Some(pr.html_url);
        Ok(report)
    }

    /// The open pull request from our branch, if any.
    async fn find_open(&self) -> Result<Option<Pull>, GithubError> {
        let api = self.api;
        let pulls: Vec<Pull> = api
            .get(
                &api.path(&format!(
                    "/pulls?head={}&state=open&per_page=10",
                    encode(&format!("{}:{}", api.repo.owner, self.options.branch))
                )),
                "list the open pull requests",
                Permission::PullRequestsRead,
            )
            .await?;
        Ok(pulls.into_iter().min_by_key(|p| p.number))
    }

    /// The base branch's head and tree, and the check that the checkout is not stale.
    async fn read_base(&self) -> Result<Base, GithubError> {
        let api = self.api;
        let name = match &self.options.base {
            Some(name) => name.clone(),
            None => {
                let repository: Repository = api
                    .get(
                        &api.path(""),
                        "read the repository",
                        Permission::ContentsRead,
                    )
                    .await?;
                repository.default_branch
            }
        };
        let head: GitRef = api
            .get(
                &api.path(&format!("/git/ref/heads/{}", encode(&name))),
                &format!("read the base branch `{name}`"),
                Permission::ContentsRead,
            )
            .await?;
        let commit = self.commit(&head.object.sha).await?;
        let mut tree = TreeView::load(
            api,
            &commit.tree.sha,
            &format!("read the files of `{name}`"),
        )
        .await?;
        let mut modes = Vec::with_capacity(self.changes.len());
        for change in self.changes {
            let entry = tree.entry(api, &change.path).await?;
            match (entry, &change.before_id) {
                (Some(entry), Some(before)) if entry.kind == "blob" && entry.sha == *before => {
                    modes.push(entry.mode);
                }
                // A file the plan creates that the base already holds with the same bytes
                // (committed since this checkout was pulled): the commit leaves it as it is.
                (Some(entry), None) if entry.kind == "blob" && entry.sha == change.after_id => {
                    modes.push(entry.mode);
                }
                (Some(entry), before) => {
                    return Err(GithubError::Stale {
                        path: change.path.clone(),
                        base: name,
                        checkout: before.as_ref().map_or_else(
                            || "the checkout has no such file".to_owned(),
                            |id| format!("checkout blob {id}"),
                        ),
                        remote: entry.sha,
                    });
                }
                // Created by the plan: a new entry in the commit's tree.
                (None, None) => modes.push(NEW_FILE_MODE.to_owned()),
                (None, Some(_)) => {
                    return Err(GithubError::NotOnBase {
                        path: change.path.clone(),
                        base: name,
                        repo: api.repo.to_string(),
                    });
                }
            }
        }
        Ok(Base {
            name,
            sha: head.object.sha,
            tree,
            modes,
        })
    }

    async fn commit(&self, sha: &str) -> Result<GitCommit, GithubError> {
        let api = self.api;
        api.get(
            &api.path(&format!("/git/commits/{sha}")),
            &format!("read commit {sha}"),
            Permission::ContentsRead,
        )
        .await
    }

    /// Whether the pull request's head is exactly one commit on the current base holding exactly
    /// these changes.
    async fn branch_is_current(&self, pr: &Pull, base: &mut Base) -> Result<bool, GithubError> {
        let api = self.api;
        let head = self.commit(&pr.head.sha).await?;
        if head.parents.len() != 1 || head.parents[0].sha != base.sha {
            return Ok(false);
        }
        let mut branch =
            TreeView::load(api, &head.tree.sha, "read the files of the pull request").await?;
        if let (Some(mut expected), Some(actual)) = (base.tree.files(), branch.files()) {
            for (change, mode) in self.changes.iter().zip(&base.modes) {
                expected.insert(&change.path, (mode, &change.after_id));
            }
            return Ok(expected == actual);
        }
        // A truncated listing: only the changed files can be compared.
        for change in self.changes {
            let entry = branch.entry(api, &change.path).await?;
            if entry.is_none_or(|e| e.sha != change.after_id) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Create the tree and the commit on the base; returns the commit id.
    async fn make_commit(&self, base: &Base) -> Result<String, GithubError> {
        let api = self.api;
        // Contents inline: GitHub creates the blobs, so a hundred files cost one request.
        let entries: Vec<serde_json::Value> = self
            .changes
            .iter()
            .zip(&base.modes)
            .map(|(change, mode)| {
                json!({"path": change.path, "mode": mode, "type": "blob", "content": change.after})
            })
            .collect();
        let tree: Sha = api
            .post(
                &api.path("/git/trees"),
                &json!({"base_tree": base.tree.root, "tree": entries}),
                // Trees and commits are content-addressed: a repeat makes an unused twin.
                Replay::Safe,
                "create the tree of the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        let commit: Sha = api
            .post(
                &api.path("/git/commits"),
                &json!({
                    "message": self.options.commit_message,
                    "tree": tree.sha,
                    "parents": [base.sha],
                }),
                Replay::Safe,
                "create the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        Ok(commit.sha)
    }

    /// Point our branch at `sha`: create it, or force-move it when it exists (it is ours).
    async fn point_branch(&self, sha: &str, exists: bool) -> Result<(), GithubError> {
        let api = self.api;
        let branch = &self.options.branch;
        if !exists {
            let created = api
                .post::<_, IgnoredAny>(
                    &api.path("/git/refs"),
                    &json!({"ref": format!("refs/heads/{branch}"), "sha": sha}),
                    // A repeat gets "already exists", handled below.
                    Replay::Safe,
                    &format!("create branch `{branch}`"),
                    Permission::ContentsWrite,
                )
                .await;
            match created {
                Ok(_) => return Ok(()),
                // Left by an earlier run that failed before opening the pull request.
                Err(err) if err.is_unprocessable("already exists") => {}
                Err(err) => return Err(err),
            }
        }
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/git/refs/heads/{}", encode(branch))),
            &json!({"sha": sha, "force": true}),
            &format!("update branch `{branch}`"),
            Permission::ContentsWrite,
        )
        .await?;
        Ok(())
    }

    async fn create(
        &self,
        base: &Base,
        notes: &mut Vec<String>,
    ) -> Result<(Pull, Operation), GithubError> {
        let api = self.api;
        let o = self.options;
        let commit = self.make_commit(base).await?;
        self.point_branch(&commit, false).await?;
        let created = api
            .post::<_, Pull>(
                &api.path("/pulls"),
                &json!({
                    "title": o.title,
                    "head": o.branch,
                    "base": base.name,
                    "body": o.body,
                    "draft": o.draft,
                }),
                // A repeat gets "a pull request already exists", handled below.
                Replay::Safe,
                "open the pull request",
                Permission::PullRequestsWrite,
            )
            .await;
        match created {
            Ok(pr) => {
                self.decorate(&pr, true, notes).await?;
                Ok((pr, Operation::Created))
            }
            // Another run opened it meanwhile: update that one instead of failing.
            Err(err) if err.is_unprocessable("already exists") => {
                let Some(pr) = self.find_open().await? else {
                    return Err(err);
                };
                self.edit_text(&pr).await?;
                self.decorate(&pr, false, notes).await?;
                Ok((pr, Operation::Updated))
            }
            Err(err) => Err(err),
        }
    }

    /// Bring an open pull request up to date; whether anything was written.
    async fn update(
        &self,
        pr: &Pull,
        base: &mut Base,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let mut changed = false;
        let current = self.branch_is_current(pr, base).await?;
        if !current {
            let commit = self.make_commit(base).await?;
            self.point_branch(&commit, true).await?;
            changed = true;
        }
        changed |= self.edit_text(pr).await?;
        // Reviewers are asked again only when the change itself changed: GitHub drops a
        // reviewer from the requested list once they review, and asking on every run would
        // ping them for nothing.
        changed |= self.decorate(pr, !current, notes).await?;
        Ok(changed)
    }

    /// Set the title and body when they differ; whether anything was written.
    async fn edit_text(&self, pr: &Pull) -> Result<bool, GithubError> {
        let api = self.api;
        let o = self.options;
        let body = pr.body.as_deref().unwrap_or("").replace("\r\n", "\n");
        if pr.title == o.title && body == o.body {
            return Ok(false);
        }
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"title": o.title, "body": o.body}),
            "update the pull request's title and description",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(true)
    }

    /// Add missing labels and assignees, and request reviews when `ask_reviewers`; whether
    /// anything was written.
    async fn decorate(
        &self,
        pr: &Pull,
        ask_reviewers: bool,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let api = self.api;
        let o = self.options;
        let mut changed = false;
        let have_labels: Vec<&str> = pr.labels.iter().map(|l| l.name.as_str()).collect();
        let have_assignees: Vec<&str> = pr
            .assignees
            .iter()
            .flatten()
            .map(|u| u.login.as_str())
            .collect();
        let mut patch = serde_json::Map::new();
        if let Some(all) = union_if_missing(&have_labels, &o.labels) {
            patch.insert("labels".to_owned(), json!(all));
        }
        if let Some(all) = union_if_missing(&have_assignees, &o.assignees) {
            patch.insert("assignees".to_owned(), json!(all));
        }
        if !patch.is_empty() {
            // One request for both: the issue endpoint sets labels and assignees together.
            api.patch::<_, IgnoredAny>(
                &api.path(&format!("/issues/{}", pr.number)),
                &serde_json::Value::Object(patch),
                "set the pull request's labels and assignees",
                Permission::IssuesWrite,
            )
            .await?;
            changed = true;
        }
        if !ask_reviewers {
            return Ok(changed);
        }
        let requested: Vec<&str> = pr
            .requested_reviewers
            .iter()
            .flatten()
            .map(|u| u.login.as_str())
            .collect();
        let teams: Vec<&str> = pr
            .requested_teams
            .iter()
            .flatten()
            .map(|t| t.slug.as_str())
            .collect();
        let missing = |have: &[&str], want: &[String]| -> Vec<String> {
            want.iter()
                .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
                .cloned()
                .collect()
        };
        let reviewers = missing(&requested, &o.reviewers);
        let team_reviewers = missing(&teams, &o.team_reviewers);
        if reviewers.is_empty() && team_reviewers.is_empty() {
            return Ok(changed);
        }
        let asked = api
            .post::<_, IgnoredAny>(
                &api.path(&format!("/pulls/{}/requested_reviewers", pr.number)),
                &json!({"reviewers": reviewers, "team_reviewers": team_reviewers}),
                // Asking twice is asking once.
                Replay::Safe,
                "request reviews",
                Permission::PullRequestsWrite,
            )
            .await;
        match asked {
            Ok(_) => Ok(true),
            // The author, or someone without access: the pull request stands without them.
            Err(err @ GithubError::Rejected { status: 422, .. }) => {
                notes.push(format!("reviewers not requested: {err}"));
                Ok(changed)
            }
            Err(err) => Err(err),
        }
    }

    async fn close(&self, pr: &Pull) -> Result<(), GithubError> {
        let api = self.api;
        api.post::<_, IgnoredAny>(
            &api.path(&format!("/issues/{}/comments", pr.number)),
            &json!({"body": self.options.close_comment}),
            // A repeat would post the comment twice.
            Replay::Never,
            "comment on the pull request",
            Permission::IssuesWrite,
        )
        .await?;
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"state": "closed"}),
            "close the pull request",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(())
    }
}

/// `have` plus the missing `want`, or `None` when nothing is missing.
fn union_if_missing(have: &[&str], want: &[String]) -> Option<Vec<String>> {
    let missing: Vec<&String> = want
        .iter()
        .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut all: Vec<String> = have.iter().map(|h| (*h).to_owned()).collect();
    all.extend(missing.into_iter().cloned());
    Some(all)
}
