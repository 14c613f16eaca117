//! gitops-restart: restart EKS Fargate workloads through the GitOps repository.
//!
//! [`settings`] turns the command line and `.gitops-restart.yaml` into one [`settings::Run`],
//! once and up front (a configuration error is reported before any work): the command, the
//! inventory source, the annotation in force, `pr`'s settings merged from the flags and the
//! file. Nothing past it sees clap: [`run`] takes the `Run`, and each stage the part it needs
//! ([`github::publish`] the resolved [`settings::PullRequest`]).
//!
//! The pipeline stages are the modules, plain data in and plain data out: [`inventory`] reads
//! the pods and their owners, [`repo`] indexes the repository, [`plan`] decides what to do,
//! [`edit`] splices the restart into text, [`report`] renders, `write` writes, [`github`] opens
//! the pull request, [`verify`] checks after the sync. [`run`] reads the input files it is told
//! of (through `input`, which bounds their size and YAML's aliases), [`repo`] and `write` touch the repository (and [`actions`], in GitHub Actions, the
//! runner's output and summary files; `man --dir`, the folder it names), and the library never
//! prints: [`run`] renders into the writer it is given.

pub mod actions;
pub mod config;
pub mod edit;
pub(crate) mod encoding;
pub(crate) mod github;
pub(crate) mod input;
pub mod inventory;
pub(crate) mod locate;
pub mod model;
pub(crate) mod net;
pub(crate) mod notice;
pub mod plan;
pub(crate) mod progress;
pub(crate) mod proxy;
pub(crate) mod rbac;
pub(crate) mod redact;
pub mod repo;
pub mod report;
pub mod settings;
pub(crate) mod time;
pub(crate) mod validate;
pub mod verify;
pub(crate) mod write;
pub(crate) mod yaml;

use std::io::Write;

use anyhow::Context;

use settings::{Command, Output, Pipeline, Run, Selection};

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or nothing to do: exit 0.
    Done,
    /// Edits are pending (`plan --exit-code`): exit 2.
    Pending,
}

/// Run one command: read the notices and the inventory, index the repository, build the plan,
/// report it, and apply it if asked; or, for `rbac`, print the ClusterRole (`completions` and
/// `man`: the script, the pages).
pub fn run(run: &Run, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    run_with(run, None, out)
}

/// [`run`], and in GitHub Actions also the step outputs, the step summary and the annotations
/// (see [`actions`]); `pr` masks its token there before anything else.
pub fn run_with(
    run: &Run,
    github: Option<&mut actions::Github<'_>>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    match run {
        Run::Pipeline(settings) => run_pipeline(settings, github, out),
        Run::Rbac { group } => {
            rbac::render(group, out)
                .and_then(|()| out.flush())
                .context("cannot write the ClusterRole")?;
            Ok(Outcome::Done)
        }
        Run::Completions(shell) => {
            settings::completions(*shell, out)
                .and_then(|()| out.flush())
                .context("cannot write the completion script")?;
            Ok(Outcome::Done)
        }
        Run::Man { dir } => {
            write_man_pages(dir.as_deref(), out)?;
            Ok(Outcome::Done)
        }
    }
}

/// `man`: the main page on `out`, or every page into `dir` (created if missing) with each
/// path written printed on `out`.
fn write_man_pages(dir: Option<&std::path::Path>, out: &mut dyn Write) -> anyhow::Result<()> {
    let pages = settings::man_pages().context("cannot render the man pages")?;
    let Some(dir) = dir else {
        out.write_all(&pages[0].roff)
            .and_then(|()| out.flush())
            .context("cannot write the man page")?;
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the folder {} for the man pages: check the path and its permissions",
            dir.display()
        )
    })?;
    for page in pages {
        let path = dir.join(&page.file_name);
        std::fs::write(&path, &page.roff).with_context(|| {
            format!(
                "cannot write the man page {}: check the folder's permissions",
                path.display()
            )
        })?;
        writeln!(out, "{}", path.display()).context("cannot write the list of man pages")?;
    }
    out.flush().context("cannot write the list of man pages")?;
    Ok(())
}

/// `plan`, `apply`, `pr` and `verify`.
fn run_pipeline(
    settings: &Pipeline,
    mut github: Option<&mut actions::Github<'_>>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if let (Some(github), Command::Pr(pull_request)) = (github.as_mut(), &settings.command)
        && let Ok(token) = std::env::var(&pull_request.token_env)
    {
        github.mask(&token);
    }
    let config = settings.config.clone();
    let annotation = settings.annotation.clone();
    let cutoff = read_cutoff(settings)?;
    let dates = schedule(settings, &cutoff)?;
    let launched_before = dates.launched_before;
    let deadline = dates.deadline;
    let mut cluster = settings.cluster.clone().or(cutoff.cluster.clone());
    let mut warnings = Vec::new();
    let mut gitops = inventory::GitOps::default();
    // How far the inventory is the whole cluster: what `pr` needs to close its pull request.
    let mut completeness = None;
    // `pr`'s inventory, kept for the verification it comments after a merge.
    let mut kept = None;
    let targets = match &settings.selection {
        Selection::All => plan::Targets::All,
        Selection::Named(refs) => {
            gitops = read_gitops_context(settings, &mut warnings)?;
            plan::Targets::Named(refs.clone())
        }
        Selection::Snapshots(_) | Selection::Cluster(_) => {
            let options = affected_options(settings, launched_before, &cutoff);
            let Loaded {
                inventory,
                warnings: notes,
                context_cluster,
                eks_cluster,
            } = load_inventory(settings, &options)?;
            warnings.extend(notes);
            gitops = inventory.gitops().clone();
            completeness = Some(inventory::completeness(
                &inventory,
                &options,
                inventory::ClusterFacts {
                    cluster: cluster.as_deref(),
                    context_cluster: eks_cluster.as_deref(),
                },
            ));
            cluster = cluster.or(context_cluster);
            warnings.extend(inventory::exact_pod_warnings(&inventory, &options));
            warnings.extend(inventory::pods_only_warning(&inventory, &options));
            if settings.command == Command::Verify {
                let input = verify::VerifyInput {
                    inventory: &inventory,
                    options: &options,
                    index: None,
                    annotation: &annotation,
                    config: &config,
                    cluster,
                    deadline,
                    warnings,
                };
                return run_verify(settings, input, github, out);
            }
            let affected = inventory::affected(&inventory, &options);
            tracing::info!(
                workloads = affected.len(),
                pods = affected.iter().map(|w| w.pods).sum::<usize>(),
                "affected by the cutoff"
            );
            if matches!(settings.command, Command::Pr(_)) {
                kept = Some((inventory, options));
            }
            plan::Targets::Affected(affected)
        }
    };
    if !cutoff.pods.is_empty()
        && !matches!(
            settings.selection,
            Selection::Snapshots(_) | Selection::Cluster(_)
        )
    {
        warnings.push(model::Finding::warning(
            model::Code::NoticePodsWithoutInventory,
            format!(
                "the notices name {} pod(s); give --snapshot to find the workloads they belong to",
                cutoff.pods.len()
            ),
        ));
    }
    // What the dates mean (a deadline passed or unknown) after what the inputs said.
    warnings.extend(dates.findings);
    let index = index_repository(settings, &annotation, &config)?;
    warnings.extend(stale_temp_files(settings, &index));
    let input = plan::PlanInput {
        targets,
        restarted_at: dates.restarted_at,
        restarted_from: dates.restarted_from,
        now: settings.restart_value.now,
        launched_before,
        deadline,
        cluster,
        annotation,
        warnings,
        config,
        gitops,
    };
    let plan = plan::build(&index, &input);
    // What `verify` would report on this inventory: `pr` comments it on a merged pull request,
    // and makes it only then.
    let verify_later = kept.as_ref().map(|(inventory, options)| {
        let (index, input) = (&index, &input);
        move || {
            verify::check(verify::VerifyInput {
                inventory,
                options,
                index: Some(index),
                annotation: &input.annotation,
                config: &input.config,
                cluster: input.cluster.clone(),
                deadline: input.deadline,
                warnings: Vec::new(),
            })
        }
    });
    let context = github::Context {
        verification: verify_later.as_ref().map(|f| f as &github::Verify<'_>),
    };
    deliver(
        settings,
        &plan,
        completeness.as_ref(),
        &context,
        github,
        out,
    )
}

/// The notices' cutoff, deadline, cluster and named pods, combined for `--cluster`.
fn read_cutoff(settings: &Pipeline) -> anyhow::Result<notice::Cutoff> {
    let notices = settings
        .notices
        .iter()
        .map(|path| {
            let text = input::read(path, input::NOTICE)?;
            let notice = notice::parse(&text, &path.display().to_string())?;
            tracing::info!(file = %path.display(), bytes = text.len(), "read a notice");
            Ok(notice)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cutoff = notice::combine_for(&notices, settings.cluster.as_deref())?;
    tracing::info!(
        launched_before = ?cutoff.launched_before.map(time::format_time),
        deadline = ?cutoff.deadline.map(time::format_time),
        cluster = ?cutoff.cluster,
        pods = cutoff.pods.len(),
        "the notices say"
    );
    Ok(cutoff)
}

/// The dates in force (the flags over the notices'), the restart value, and what the report
/// must say about them; refused when they can't be read or contradict each other or the time of
/// the run ([`notice::schedule`]).
fn schedule(settings: &Pipeline, cutoff: &notice::Cutoff) -> anyhow::Result<notice::Schedule> {
    let notices: Vec<String> = settings
        .notices
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let dates = notice::schedule(&notice::Given {
        launched_before: settings.launched_before,
        deadline: settings.deadline,
        cutoff,
        notices: &notices,
        restart: settings.restart_value,
        writes: settings.command != Command::Verify,
    })?;
    tracing::info!(
        launched_before = ?dates.launched_before.map(time::format_time),
        deadline = ?dates.deadline.map(time::format_time),
        restarted_at = %time::format_time(dates.restarted_at),
        restarted_from = ?dates.restarted_from,
        now = %time::format_time(settings.restart_value.now),
        "the dates in force"
    );
    Ok(dates)
}

/// The repository's index: its manifests, workloads and skipped files.
fn index_repository(
    settings: &Pipeline,
    annotation: &str,
    config: &config::Config,
) -> anyhow::Result<repo::Index> {
    let started = std::time::Instant::now();
    let index = repo::index(&settings.repo, annotation, config)?;
    tracing::info!(
        repo = %settings.repo.display(),
        manifests = index.files.len(),
        workloads = index.workloads().count(),
        skipped = index.skipped.len(),
        ms = started.elapsed().as_millis(),
        "indexed the repository"
    );
    Ok(index)
}

/// Temporary files a killed `apply` left in the repository: `apply` removes them (and says so),
/// the other commands name them, as `git add -A` would commit them.
fn stale_temp_files(settings: &Pipeline, index: &repo::Index) -> Option<model::Finding> {
    let files = &index.stale_temp_files;
    if files.is_empty() {
        return None;
    }
    let listed = |paths: &[String]| {
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        write::names(&paths)
    };
    let message = if settings.command == Command::Apply {
        let (removed, failed) = write::remove_stale(&settings.repo, files);
        tracing::info!(
            removed = removed.len(),
            failed = failed.len(),
            "stale temporary files"
        );
        let mut parts = Vec::new();
        if !removed.is_empty() {
            parts.push(format!(
                "removed {} temporary file(s) that a killed apply had left: {}",
                removed.len(),
                listed(&removed)
            ));
        }
        if !failed.is_empty() {
            let failed: Vec<String> = failed
                .iter()
                .map(|(path, why)| format!("{path} ({why})"))
                .collect();
            parts.push(format!(
                "could not remove {} temporary file(s) that a killed apply had left, which \
                 `git add -A` would commit: {}; delete them by hand",
                failed.len(),
                listed(&failed)
            ));
        }
        if parts.is_empty() {
            return None;
        }
        parts.join("; ")
    } else {
        format!(
            "{} temporary file(s) that a killed apply left, which `git add -A` would commit: {}; \
             `gitops-restart apply` removes them, or delete them",
            files.len(),
            listed(files)
        )
    };
    Some(model::Finding::warning(
        model::Code::StaleTempFiles,
        message,
    ))
}

/// Carry the plan out as the command asks (`apply` writes the files, `pr` publishes the pull
/// request, closing it only with the evidence of `completeness`, the inventory's, `None`
/// without one, and following through on a merged one with `context`), tell GitHub Actions,
/// and render the report.
fn deliver(
    settings: &Pipeline,
    plan: &plan::Plan,
    completeness: Option<&inventory::Completeness>,
    context: &github::Context<'_>,
    github: Option<&mut actions::Github<'_>>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let mut actions = std::collections::BTreeMap::new();
    for w in &plan.workloads {
        *actions
            .entry(w.decision.action().as_str())
            .or_insert(0_usize) += 1;
    }
    tracing::info!(?actions, files = plan.edits.len(), restarted_at = %time::format_time(plan.restarted_at), "planned");
    if settings.command == Command::Apply {
        write::apply(&settings.repo, &plan.edits)?;
        tracing::info!(files = plan.edits.len(), "wrote the edits");
    }
    // `pr` writes to GitHub only: the working tree stays as it is.
    let pull_request = match &settings.command {
        Command::Pr(pull_request) => Some(github::publish(
            plan,
            &settings.repo,
            pull_request,
            completeness,
            context,
        )?),
        _ => None,
    };
    if let Some(github) = github {
        github.plan(plan, pull_request.as_ref(), &settings.repo)?;
    }
    match settings.output {
        Output::Text => report::text::render(plan, out),
        Output::Json => report::json::render_with_pull_request(plan, pull_request.as_ref(), out),
        Output::Markdown => report::markdown::render(plan, out),
    }
    .and_then(|()| match (&pull_request, settings.output) {
        (Some(pr), Output::Text | Output::Markdown) => report::pull_request::render_text(pr, out),
        _ => Ok(()),
    })
    .context("cannot write the report")?;
    let exit_code = matches!(settings.command, Command::Plan { exit_code: true });
    Ok(if exit_code && plan.has_pending_edits() {
        Outcome::Pending
    } else {
        Outcome::Done
    })
}

/// Which pods are affected: the cutoff, the Fargate filter, and the pods EKS named.
fn affected_options(
    settings: &Pipeline,
    launched_before: Option<chrono::DateTime<chrono::Utc>>,
    cutoff: &notice::Cutoff,
) -> inventory::AffectedOptions {
    inventory::AffectedOptions {
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
    }
}

/// The inventory from the snapshots or the live cluster (with the Applications of
/// `--gitops-context`), its warnings, the cluster name the kube context suggests, and the one it
/// names for sure (an EKS context). Refuses to
/// start without a cutoff: listing a whole cluster to find that nothing can be affected would
/// waste minutes.
fn load_inventory(
    settings: &Pipeline,
    options: &inventory::AffectedOptions,
) -> anyhow::Result<Loaded> {
    let mut inventory = inventory::Inventory::new();
    let mut warnings = Vec::new();
    let mut context_cluster = None;
    let mut eks_cluster = None;
    match &settings.selection {
        Selection::Snapshots(paths) => {
            for path in paths {
                let text = input::read(path, input::SNAPSHOT)?;
                let (part, notes) = inventory::snapshot::parse(&text, &path.display().to_string())?;
                tracing::info!(
                    file = %path.display(),
                    pods = part.pods().count(),
                    controllers = part.controllers().count(),
                    warnings = notes.len(),
                    "read a snapshot"
                );
                inventory.extend(part);
                warnings.extend(notes);
            }
        }
        Selection::Cluster(access) => {
            require_cutoff(settings, options)?;
            let mut progress = progress::for_stderr();
            let listing = inventory::cluster::list(access, progress.as_mut())?;
            context_cluster = listing.cluster_name();
            eks_cluster = listing.eks_cluster_name();
            tracing::info!(
                server = %listing.server,
                gitops = ?listing.gitops,
                objects = listing.inventory.gitops().len(),
                "listed the GitOps kinds served"
            );
            inventory = listing.inventory;
            inventory.gitops_mut().server = Some(listing.server);
            warnings = listing.warnings;
        }
        Selection::All | Selection::Named(_) => {}
    }
    require_cutoff(settings, options)?;
    let from_context = read_gitops_context(settings, &mut warnings)?;
    inventory.gitops_mut().extend(from_context);
    Ok(Loaded {
        inventory,
        warnings,
        context_cluster,
        eks_cluster,
    })
}

/// What [`load_inventory`] read.
struct Loaded {
    inventory: inventory::Inventory,
    warnings: Vec<model::Finding>,
    /// The cluster name the kube context suggests.
    context_cluster: Option<String>,
    /// The cluster an EKS kube context names for sure.
    eks_cluster: Option<String>,
}

/// Which pods are affected must be known: by a cutoff, or the pods EKS named.
fn require_cutoff(settings: &Pipeline, options: &inventory::AffectedOptions) -> anyhow::Result<()> {
    if options.launched_before.is_some() || !options.exact_pods.is_empty() {
        return Ok(());
    }
    if settings.notices.is_empty() {
        anyhow::bail!(
            "no cutoff: give --launched-before TIME or a --notice, so that it is known which \
             pods are affected"
        );
    }
    anyhow::bail!(
        "no cutoff: the notices give no date and name no pod, so it is not known which pods are \
         affected; give --launched-before TIME"
    )
}

/// The Argo CD Applications of `--gitops-context`, when given: listed from that context, and
/// marked as read there; a refused list is one of `warnings`, not an error.
fn read_gitops_context(
    settings: &Pipeline,
    warnings: &mut Vec<model::Finding>,
) -> anyhow::Result<inventory::GitOps> {
    let Some(access) = &settings.gitops else {
        return Ok(inventory::GitOps::default());
    };
    let mut progress = progress::for_stderr();
    let listing = inventory::cluster::list_applications(access, progress.as_mut())?;
    let source = inventory::GitOpsSource::Context {
        context: listing.context.clone().unwrap_or_default(),
        cluster: listing.cluster_name().unwrap_or_default(),
        server: listing.server.clone(),
    };
    let mut listed = listing.inventory;
    let gitops = std::mem::take(listed.gitops_mut()).from_source(&source);
    tracing::info!(
        context = ?listing.context,
        server = %listing.server,
        applications = gitops.len(),
        "read the Applications of the GitOps context"
    );
    warnings.extend(listing.warnings);
    Ok(gitops)
}

/// `verify`: classify the old pods left against the repository, report, exit 2 if any.
fn run_verify(
    settings: &Pipeline,
    input: verify::VerifyInput<'_>,
    github: Option<&mut actions::Github<'_>>,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let index = repo::index(&settings.repo, input.annotation, input.config)?;
    // A directory without manifests (verify run outside the repository) tells nothing. Helm
    // releases count: a repository of HelmReleases restarts through their values.
    let has_manifests = index.workloads().next().is_some()
        || index.files.iter().any(|f| {
            f.docs
                .iter()
                .any(|(_, h)| matches!(h.kind.as_deref(), Some("HelmRelease" | "Application")))
        });
    let mut warnings = input.warnings;
    if !has_manifests {
        warnings.push(model::Finding::warning(
            model::Code::NoManifests,
            format!(
                "no workload manifests under {}: give --repo to tell a pending sync from a restart \
                 never merged",
                settings.repo.display()
            ),
        ));
    }
    let verification = verify::check(verify::VerifyInput {
        index: has_manifests.then_some(&index),
        warnings,
        ..input
    });
    if let Some(github) = github {
        github.verification(&verification, &settings.repo)?;
    }
    match settings.output {
        Output::Text => verify::render_text(&verification, settings.restart_value.now, out),
        Output::Json => verify::render_json(&verification, out),
        Output::Markdown => verify::render_markdown(&verification, out),
    }
    .context("cannot write the report")?;
    Ok(if verification.is_clean() {
        Outcome::Done
    } else {
        Outcome::Pending
    })
}
