//! Reading the GitOps repository: which files are manifests, and the workloads each defines.
//!
//! The walk respects `.gitignore` (also outside a git checkout), skips `.git`, and never follows a
//! symbolic link: a link could lead out of the repository, and an atomic write would replace the
//! link with a file. Files that can't be read or edited are listed as skipped with the reason,
//! never silently dropped, when they could have mattered: see [`could_matter`]. This module only
//! reads; it never writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::edit::{DocHeader, Manifest, Parsed, Workload};

/// The name of the file gitops-restart writes in an overlay folder for its strategic-merge
/// patches (see `locate::patch`); the index marks it so its documents are not read as
/// workloads of their own.
pub const PATCH_FILE: &str = "gitops-restart-patch.yaml";

/// One manifest file of the repository and the workloads it defines.
#[derive(Debug)]
pub struct ManifestFile {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub text: String,
    pub workloads: Vec<Workload>,
    /// The parse, kept for files with workloads so that editing them needn't parse again.
    pub parsed: Option<Parsed>,
    /// Every document that has a mapping root: its index in the file and its header.
    pub docs: Vec<(usize, DocHeader)>,
    /// The documents the locator reads in full (kustomizations, Argo CD Applications,
    /// ApplicationSets and cluster Secrets, Flux Kustomizations and HelmReleases, `argocd-cm`),
    /// as JSON.
    pub objects: Vec<(usize, serde_json::Value)>,
}

/// A file that was not considered, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// Path relative to the repository root, with `/` separators; empty when the error has no
    /// path (a folder that could not be listed).
    pub file: String,
    /// 1-based line of the error (YAML that does not parse); null when it concerns the whole
    /// file.
    pub line: Option<usize>,
    /// Why it was skipped, and what to do about it.
    pub reason: String,
}

/// A Helm chart of the repository (a folder with `Chart.yaml` and a `templates/` folder), as far
/// as the locator needs it: whether its templates read a values path.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Every file under its `templates/` folder (any depth, any type, `_helpers.tpl` too): path
    /// relative to the repository root, and text.
    pub templates: Vec<(String, String)>,
    /// Why its templates, as the tool reads them, may not be all the chart renders, when they
    /// may not: then nobody can tell from them which values it reads.
    pub incomplete: Option<String>,
}

/// Everything the planner needs to know about the repository.
#[derive(Debug, Default)]
pub struct Index {
    /// Manifest files that parsed, in path order (including those without workloads).
    pub files: Vec<ManifestFile>,
    pub skipped: Vec<Skipped>,
    /// Paths named like the overlay patch file that are not a manifest the tool may edit (a
    /// folder, an excluded file), with why: the plan must neither create nor list them.
    pub taken: BTreeMap<String, String>,
    /// Helm charts with templates, by folder (relative to the root, the folder of `Chart.yaml`).
    pub charts: BTreeMap<String, Chart>,
    /// Every folder the walk met (relative, not the root), in path order: what an Argo CD
    /// ApplicationSet's git directories generator lists.
    pub dirs: Vec<String>,
    /// `.json` files (path, text) that include/exclude keep, read only when the repository
    /// holds an ApplicationSet: what its git files generator may read besides YAML.
    pub json: Vec<(String, String)>,
    /// Temporary files a killed `apply` left (`.gitops-restart.PID.XXXXXX.tmp` of a run that is
    /// over, see `write`), in path order: never read, removed by the next `apply`.
    pub stale_temp_files: Vec<String>,
}

impl Index {
    /// Why `path` can't be created or edited as a manifest, when something is there already
    /// that is not an indexed manifest file (a folder, a link, an excluded or unparseable file):
    /// the line it is about, when there is one, and the reason.
    pub fn unusable(&self, path: &str) -> Option<(Option<usize>, String)> {
        if let Some(why) = self.taken.get(path) {
            return Some((None, why.clone()));
        }
        self.skipped
            .iter()
            .find(|s| s.file == path)
            .map(|s| (s.line, s.reason.clone()))
    }

    /// Every workload with the file that defines it.
    pub fn workloads(&self) -> impl Iterator<Item = (&ManifestFile, &Workload)> {
        self.files
            .iter()
            .flat_map(|f| f.workloads.iter().map(move |w| (f, w)))
    }
}

/// The parts of a kustomization the tool reads: what it includes and names, and its patches.
///
/// Patch lists stay loosely typed: an inline patch (a string, or `patch:` instead of `path:`) must
/// not make the whole kustomization unreadable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Kustomization {
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub bases: Vec<String>,
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub patches: Vec<serde_json::Value>,
    pub patches_strategic_merge: Vec<serde_json::Value>,
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Vec<serde_json::Value>,
}

impl Kustomization {
    /// The files it lists as patches (relative to its folder).
    pub fn patch_files(&self) -> impl Iterator<Item = &str> {
        self.patches_strategic_merge
            .iter()
            .filter_map(serde_json::Value::as_str)
            .chain(
                self.patches
                    .iter()
                    .chain(&self.patches_json6902)
                    .filter_map(|p| p["path"].as_str()),
            )
    }
}

/// `dir/reference`, normalised; `None` when it climbs out of the repository.
pub fn join(dir: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for part in reference.trim_end_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// `(folder, file name)` of a relative path.
pub fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn is_kustomization(name: &str) -> bool {
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
        || path.file_name().is_some_and(|n| n == "Kustomization")
}

/// Walk the repository at `root` and index its manifests.
///
/// # Errors
/// Fails only when the root itself can't be read; problems with single files become
/// [`Skipped`] entries.
pub fn index(root: &Path, annotation: &str, config: &Config) -> anyhow::Result<Index> {
    let meta = std::fs::metadata(root)
        .map_err(|e| anyhow::anyhow!("cannot read repository {}: {e}", root.display()))?;
    anyhow::ensure!(
        meta.is_dir(),
        "repository {} is not a directory",
        root.display()
    );
    // Absolute, so that kustomization references resolve lexically whatever `--repo` was.
    let root = &root.canonicalize()?;
    let include = (!config.include.is_empty())
        .then(|| glob_set(&config.include))
        .transpose()?;
    let exclude = glob_set(&config.exclude)?;
    let mut index = Index::default();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut json_paths: Vec<(String, PathBuf)> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(std::ffi::OsStr::cmp)
        .build();
    let mut chart_dirs: HashMap<PathBuf, bool> = HashMap::new();
    // Skipped files whose text shows no Kubernetes object: listed only if a kustomization
    // reaches them (see `could_matter`).
    let mut quiet: BTreeSet<String> = BTreeSet::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                index.skipped.push(Skipped {
                    file: String::new(),
                    line: None,
                    reason: err.to_string(),
                });
                continue;
            }
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let patch_file = path.file_name().is_some_and(|n| n == PATCH_FILE);
        // `apply`'s temporary files are never read, whatever folder they are in.
        if !file_type.is_dir()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
            && crate::write::is_temp_name(name)
        {
            if entry
                .metadata()
                .is_ok_and(|meta| crate::write::is_stale_temp(name, &meta))
            {
                index.stale_temp_files.push(relative(root, path));
            }
            continue;
        }
        if file_type.is_dir() {
            if path != root {
                index.dirs.push(relative(root, path));
            }
            if patch_file {
                index
                    .taken
                    .insert(relative(root, path), "a folder has this name".to_owned());
            }
            continue;
        }
        let json = path.extension().is_some_and(|e| e == "json");
        // Chart templates are read whatever their type: `_helpers.tpl` reads values too.
        let chart = chart_of_template(root, path, &mut chart_dirs).map(|dir| relative(root, &dir));
        if !is_yaml(path) && !json && chart.is_none() {
            continue;
        }
        let rel = relative(root, path);
        if rel == crate::config::FILE_NAME {
            continue;
        }
        let kept =
            !(include.as_ref().is_some_and(|set| !set.is_match(&rel)) || exclude.is_match(&rel));
        if json && chart.is_none() {
            if kept && file_type.is_file() {
                json_paths.push((rel, path.to_path_buf()));
            }
            continue;
        }
        let mut chart = chart.map(|dir| index.charts.entry(dir).or_default());
        if !kept {
            if let Some(chart) = chart {
                chart.incomplete.get_or_insert(format!(
                    "its template {rel} is left out by include/exclude in .gitops-restart.yaml"
                ));
            }
            if patch_file {
                index.taken.insert(
                    rel,
                    "the file is left out by include/exclude in .gitops-restart.yaml".to_owned(),
                );
            }
            continue;
        }
        if file_type.is_symlink() {
            if let Some(chart) = chart {
                chart.incomplete.get_or_insert(format!(
                    "its template {rel} is a symbolic link, which is not followed"
                ));
            }
            if !is_yaml(path) {
                continue;
            }
            // Read through the link only to tell whether it could have mattered (a file it
            // leads to, within the limit: never a pipe or a device).
            let target = std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file);
            if let Some(Ok(text)) = target.map(|m| read_bounded(path, m.len()))
                && !looks_like_kubernetes(&String::from_utf8_lossy(
                    &text.map_or_else(|b| b, String::into_bytes),
                ))
            {
                quiet.insert(rel.clone());
            }
            index.skipped.push(Skipped {
                file: rel,
                line: None,
                reason: "symbolic link: not followed; edit the file it points to".to_owned(),
            });
            continue;
        }
        if !file_type.is_file() {
            // A pipe would block the walk, a device never end: neither is opened.
            if let Some(chart) = chart {
                chart.incomplete.get_or_insert(format!(
                    "its template {rel} is not a regular file, which is not read"
                ));
            }
            if is_yaml(path) {
                index.skipped.push(Skipped {
                    file: rel,
                    line: None,
                    reason: format!("{}: not read", not_regular(file_type)),
                });
            }
            continue;
        }
        let size = entry.metadata().map_or(0, |m| m.len());
        if let Some(chart) = chart.as_mut() {
            let text = read_bounded(path, size);
            let kubernetes = match text {
                Ok(Ok(text)) => {
                    let kubernetes = looks_like_kubernetes(&text);
                    chart.templates.push((rel.clone(), text));
                    kubernetes
                }
                Ok(Err(bytes)) => {
                    chart
                        .incomplete
                        .get_or_insert(format!("its template {rel} is not UTF-8 text"));
                    looks_like_kubernetes(&String::from_utf8_lossy(&bytes))
                }
                Err(err) => {
                    chart
                        .incomplete
                        .get_or_insert(format!("its template {rel}: {err}"));
                    true
                }
            };
            if !is_yaml(path) {
                continue;
            }
            if !kubernetes {
                quiet.insert(rel.clone());
            }
            index.skipped.push(Skipped {
                file: rel,
                line: None,
                reason: "Helm chart template (a templates/ folder beside Chart.yaml): set the \
                         restart through the chart's values instead"
                    .to_owned(),
            });
            continue;
        }
        match read_bounded(path, size) {
            Err(reason) => index.skipped.push(Skipped {
                file: rel,
                line: None,
                reason,
            }),
            Ok(Ok(text)) => texts.push((rel, text)),
            Ok(Err(bytes)) => {
                if !looks_like_kubernetes(&String::from_utf8_lossy(&bytes)) {
                    quiet.insert(rel.clone());
                }
                index.skipped.push(Skipped {
                    file: rel,
                    line: None,
                    reason: "not UTF-8 text".to_owned(),
                });
            }
        }
    }
    // Parsing is most of the work: spread it over the cores, keeping path order.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = texts.len().div_ceil(threads).max(1);
    let parsed: Vec<Result<ManifestFile, Skipped>> = std::thread::scope(|scope| {
        let workers: Vec<_> = texts
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(rel, text)| parse_file(rel, text, annotation))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("parsing never panics"))
            .collect()
    });
    for ((_, text), result) in texts.iter().zip(parsed) {
        match result {
            Ok(file) => index.files.push(file),
            Err(skipped) => {
                if !looks_like_kubernetes(text) {
                    quiet.insert(skipped.file.clone());
                }
                index.skipped.push(skipped);
            }
        }
    }
    for (dir, chart) in &mut index.charts {
        if chart.incomplete.is_none() {
            chart.incomplete = chart_dependencies(root, dir, &index.files);
        }
    }
    let kustomizations = read_kustomizations(&index.files);
    let reached = kustomization_references(&kustomizations);
    index
        .skipped
        .retain(|s| could_matter(&s.file, !quiet.contains(&s.file), &reached));
    // JSON is only read for an ApplicationSet's git files generator (config files are small).
    let appsets = index.files.iter().any(|f| {
        f.docs
            .iter()
            .any(|(_, h)| h.kind.as_deref() == Some("ApplicationSet"))
    });
    if appsets {
        for (rel, path) in json_paths {
            let size = std::fs::symlink_metadata(&path).map_or(u64::MAX, |m| m.len());
            if let Ok(Ok(text)) = read_bounded(&path, size) {
                index.json.push((rel, text));
            }
        }
    }
    ignored_patch_files(root, &kustomizations, &mut index);
    // A patch file only changes what a kustomization renders: it defines no workload and
    // declares nothing, even when it looks like a Deployment or a HelmRelease.
    let patch_only = patch_only_files(&kustomizations);
    for file in index
        .files
        .iter_mut()
        .filter(|f| patch_only.contains(&f.path))
    {
        file.workloads.clear();
        file.parsed = None;
        file.objects.clear();
    }
    Ok(index)
}

/// The most bytes a file of the repository may hold to be read: manifests are kilobytes, a big
/// generated CRD bundle a few megabytes.
pub const FILE_LIMIT: u64 = 16 << 20;

/// A regular file's text, or its bytes when they are not UTF-8, read only when `size` (its
/// length as the walk saw it) is within [`FILE_LIMIT`], and never more than the limit even if
/// it grows meanwhile; else why it is not read.
fn read_bounded(path: &Path, size: u64) -> Result<Result<String, Vec<u8>>, String> {
    use std::io::Read as _;
    let too_large = || {
        format!(
            "larger than {} MiB, the limit for a file of the repository: not read; split it or \
             exclude it",
            FILE_LIMIT >> 20
        )
    };
    if size > FILE_LIMIT {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|file| file.take(FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(|err| format!("cannot read: {err}"))?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(too_large());
    }
    Ok(String::from_utf8(bytes).map_err(std::string::FromUtf8Error::into_bytes))
}

/// What a file that is neither a regular file, a folder nor a link is.
fn not_regular(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a named pipe (FIFO), not a regular file"
    } else if file_type.is_socket() {
        "a socket, not a regular file"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device, not a regular file"
    } else {
        "not a regular file"
    }
}

/// Parse one manifest file; a file that can't be edited becomes a [`Skipped`] entry.
fn parse_file(rel: &str, text: &str, annotation: &str) -> Result<ManifestFile, Skipped> {
    match Manifest::parse(text, annotation) {
        Ok(manifest) => {
            let kustomization = rel.rsplit('/').next().is_some_and(is_kustomization);
            let mut docs = Vec::new();
            let mut objects = Vec::new();
            for doc in 0..manifest.doc_count() {
                let Some(header) = manifest.header(doc) else {
                    continue;
                };
                if kustomization || is_locator_object(&header) {
                    let value = manifest.doc_value(doc).to_json();
                    // Of Secrets, only Argo CD's cluster Secrets are kept.
                    let other_secret = header.kind.as_deref() == Some("Secret")
                        && value
                            .pointer("/metadata/labels/argocd.argoproj.io~1secret-type")
                            .and_then(serde_json::Value::as_str)
                            != Some("cluster");
                    if !other_secret {
                        objects.push((doc, value));
                    }
                }
                docs.push((doc, header));
            }
            let (workloads, parsed) = if manifest.workloads.is_empty() {
                (Vec::new(), None)
            } else {
                (manifest.workloads.clone(), Some(manifest.into_parsed()))
            };
            Ok(ManifestFile {
                path: rel.to_owned(),
                text: text.to_owned(),
                workloads,
                parsed,
                docs,
                objects,
            })
        }
        Err(err) => Err(Skipped {
            file: rel.to_owned(),
            line: Some(err.line()),
            reason: err.message(),
        }),
    }
}

/// Whether the locator needs a document in full.
fn is_locator_object(header: &DocHeader) -> bool {
    let group = header
        .api_version
        .as_deref()
        .and_then(|a| a.split_once('/'))
        .map(|(g, _)| g);
    match (group, header.kind.as_deref()) {
        (Some("argoproj.io"), Some("Application" | "ApplicationSet"))
        | (
            Some("kustomize.toolkit.fluxcd.io" | "kustomize.config.k8s.io"),
            Some("Kustomization" | "Component"),
        )
        | (Some("helm.toolkit.fluxcd.io"), Some("HelmRelease"))
        // Argo CD cluster Secrets, for ApplicationSet clusters generators.
        | (None, Some("Secret")) => true,
        (None, Some("ConfigMap")) => header.name.as_deref() == Some("argocd-cm"),
        _ => false,
    }
}

/// Every kustomization of the repository with its folder, read once for the lists below.
fn read_kustomizations(files: &[ManifestFile]) -> Vec<(String, Kustomization)> {
    files
        .iter()
        .filter_map(|file| {
            let (dir, name) = split(&file.path);
            if !is_kustomization(name) {
                return None;
            }
            let (_, value) = file.objects.first()?;
            let k = serde_json::from_value::<Kustomization>(value.clone()).ok()?;
            Some((dir.to_owned(), k))
        })
        .collect()
}

/// The overlay patch path of each kustomization's folder, taken when a file is there that the
/// walk did not see: an ignore rule (`.gitignore`, `.ignore`, git's exclude files) hides it.
/// The plan must not create it: the write would find it there, and the tool must not replace a
/// file it does not read.
fn ignored_patch_files(root: &Path, kustomizations: &[(String, Kustomization)], index: &mut Index) {
    for (dir, _) in kustomizations {
        let Some(path) = join(dir, PATCH_FILE) else {
            continue;
        };
        let seen = index.files.iter().any(|f| f.path == path)
            || index.skipped.iter().any(|s| s.file == path)
            || index.taken.contains_key(&path);
        if !seen && std::fs::symlink_metadata(root.join(&path)).is_ok() {
            index.taken.insert(
                path,
                "a file of this name is there, but an ignore rule (.gitignore, .ignore or git's \
                 exclude files) hides it, so gitops-restart neither reads nor replaces it"
                    .to_owned(),
            );
        }
    }
}

/// Files that kustomizations list as patches and never as resources: patch fragments, not
/// workloads, even when they look like one.
fn patch_only_files(kustomizations: &[(String, Kustomization)]) -> BTreeSet<String> {
    let mut patches = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for (dir, k) in kustomizations {
        resources.extend(k.resources.iter().filter_map(|r| join(dir, r)));
        patches.extend(k.patch_files().filter_map(|p| join(dir, p)));
    }
    patches.difference(&resources).cloned().collect()
}

/// Every file a kustomization of the repository lists (`resources`, `components`, `bases` and
/// patches), relative to the root.
fn kustomization_references(kustomizations: &[(String, Kustomization)]) -> BTreeSet<String> {
    let mut listed = BTreeSet::new();
    for (dir, k) in kustomizations {
        let lists = k.resources.iter().chain(&k.components).chain(&k.bases);
        listed.extend(
            lists
                .map(String::as_str)
                .chain(k.patch_files())
                .filter_map(|r| join(dir, r)),
        );
    }
    listed
}

/// Whether a file that can't be read or edited as a manifest could have mattered, and so is
/// listed under skipped files: its text shows a Kubernetes object (`kubernetes`: an `apiVersion`
/// and a `kind` key, or a text that could not be read), a kustomization lists it, or it is a
/// kustomization or the overlay patch file itself. Other YAML that no rendering and no
/// kustomization reaches (CI workflows, Ansible, editor settings) is not Kubernetes at all: it is
/// left out silently, like a file of any other type. Walk errors (no file) are always listed.
fn could_matter(file: &str, kubernetes: bool, reached: &BTreeSet<String>) -> bool {
    let name = split(file).1;
    file.is_empty()
        || kubernetes
        || reached.contains(file)
        || is_kustomization(name)
        || name == crate::locate::patch::PATCH_FILE
}

/// Whether a text shows a Kubernetes object: an `apiVersion` key and a `kind` key, quoted or
/// not, each at a line's start, after `- `, or in a flow mapping (`{"apiVersion": ...`).
/// Lexical, so that templates and text that doesn't parse are judged too.
fn looks_like_kubernetes(text: &str) -> bool {
    let has_key = |key: &str| {
        text.match_indices(key).any(|(at, _)| {
            let before = text[..at]
                .trim_end_matches(['"', '\''])
                .trim_end_matches([' ', '\t']);
            let after = text[at + key.len()..].trim_start_matches(['"', '\'']);
            (before.is_empty() || before.ends_with(['\n', '-', '{', ',']))
                && after.trim_start_matches([' ', '\t']).starts_with(':')
        })
    };
    has_key("apiVersion") && has_key("kind")
}

/// A set of globs matched against paths relative to the repository root.
fn glob_set(globs: &[String]) -> anyhow::Result<globset::GlobSet> {
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        set.add(globset::Glob::new(glob)?);
    }
    Ok(set.build()?)
}

/// The chart folder when `path` lies under a `templates/` folder that sits beside a
/// `Chart.yaml` (the nearest such folder: a subchart's templates belong to the subchart).
fn chart_of_template(
    root: &Path,
    path: &Path,
    cache: &mut HashMap<PathBuf, bool>,
) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root))
        .find(|dir| {
            dir.file_name().is_some_and(|n| n == "templates")
                && *cache.entry(dir.to_path_buf()).or_insert_with(|| {
                    dir.parent()
                        .is_some_and(|chart| chart.join("Chart.yaml").is_file())
                })
        })
        .and_then(Path::parent)
        .map(Path::to_path_buf)
}

/// Why a chart renders more than its own templates, when it does: subcharts (a `charts/`
/// folder) or dependencies (`dependencies` in `Chart.yaml`, or a `requirements.yaml`). A library
/// chart such as bjw-s common reads the parent's values from templates this repository may not
/// hold.
fn chart_dependencies(root: &Path, dir: &str, files: &[ManifestFile]) -> Option<String> {
    let chart = root.join(dir);
    if chart.join("charts").exists() {
        return Some("it has subcharts (a charts/ folder)".to_owned());
    }
    if chart.join("requirements.yaml").exists() {
        return Some("it has dependencies (requirements.yaml)".to_owned());
    }
    let chart_yaml = join(dir, "Chart.yaml")?;
    let Some(file) = files.iter().find(|f| f.path == chart_yaml) else {
        return Some("its Chart.yaml is not read (left out, or not valid YAML)".to_owned());
    };
    let Ok(manifest) = Manifest::parse(&file.text, "") else {
        return Some("its Chart.yaml is not valid YAML".to_owned());
    };
    match &manifest.doc_value(0).to_json()["dependencies"] {
        serde_json::Value::Null => None,
        serde_json::Value::Array(deps) if deps.is_empty() => None,
        _ => Some("it has dependencies (Chart.yaml `dependencies`)".to_owned()),
    }
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_normalises_and_refuses_escapes() {
        assert_eq!(join("apps/prod", "../base").as_deref(), Some("apps/base"));
        assert_eq!(
            join("apps/prod", "./deploy.yaml").as_deref(),
            Some("apps/prod/deploy.yaml")
        );
        assert_eq!(join("", "a/").as_deref(), Some("a"));
        assert_eq!(join("apps", "../../x"), None);
    }

    #[test]
    fn kubernetes_looking_text_has_an_api_version_and_a_kind_key() {
        for text in [
            "apiVersion: v1\nkind: ConfigMap\n",
            "{{- if .Values.x }}\napiVersion: apps/v1\nkind: {{ .Values.kind }}\n",
            "items:\n- apiVersion: v1\n  kind: Pod\n",
            "{\"apiVersion\": \"v1\", \"kind\": \"List\"}\n",
            "'apiVersion' : v1\n\"kind\": x\n",
        ] {
            assert!(looks_like_kubernetes(text), "{text}");
        }
        for text in [
            "on: push\njobs: {}\n",
            "kind: x\n",
            "apiVersion: v2\nname: chart\n",
            "kindness: x\napiVersions: y\n",
            "- hosts: all\n  vars: {{ x }}\n",
        ] {
            assert!(!looks_like_kubernetes(text), "{text}");
        }
    }

    #[test]
    fn a_file_matters_when_it_looks_like_kubernetes_or_a_kustomization_reaches_it() {
        let reached: BTreeSet<String> = ["app/patch.yaml".to_owned()].into();
        assert!(could_matter("app/deploy.yaml", true, &reached));
        assert!(could_matter("app/patch.yaml", false, &reached));
        assert!(could_matter("app/kustomization.yaml", false, &reached));
        assert!(could_matter(
            "app/gitops-restart-patch.yaml",
            false,
            &reached
        ));
        assert!(could_matter("", false, &reached));
        assert!(!could_matter(".github/workflows/ci.yaml", false, &reached));
    }

    #[test]
    fn patch_files_come_from_every_patch_list_and_skip_inline_patches() {
        let k: Kustomization = serde_json::from_value(serde_json::json!({
            "patchesStrategicMerge": ["a.yaml", "apiVersion: v1\nkind: X\n"],
            "patches": [{"path": "b.yaml"}, {"patch": "- op: remove"}],
            "patchesJson6902": [{"path": "c.yaml", "target": {"kind": "Deployment"}}],
            "resources": ["base"]
        }))
        .unwrap();
        let files: Vec<&str> = k.patch_files().collect();
        assert_eq!(
            files,
            ["a.yaml", "apiVersion: v1\nkind: X\n", "b.yaml", "c.yaml"]
        );
        assert_eq!(k.resources, ["base"]);
    }
}
