//! Kustomize resolution: which documents a kustomization renders, and under which names.
//!
//! Resolved as kustomize does for identity: `resources` and `components` in order, each
//! directory through its own kustomization first, then this kustomization's `namePrefix`,
//! `nameSuffix` and `namespace`. Patches, generators and remote bases don't change which
//! manifest defines a workload, so they are not followed (remote bases are noted). Problems
//! (a missing file, a cycle) become warnings naming the kustomization, never errors: the rest of
//! the repository still resolves. Each kustomization (or kustomize Component) is read once, into
//! [`Kustomization`]; one that doesn't read (a field of the wrong type) renders as an empty one.
//! Pure: reads only the [`Index`].

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use serde::Deserialize;

use crate::model::{Code, Finding, Place};
use crate::repo::{Index, Kustomization, ManifestFile, join, split};

/// A document as a rendering produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rendered {
    /// Index into [`Index::files`].
    pub(super) file: usize,
    /// Document index in the file.
    pub(super) doc: usize,
    pub(super) api_version: String,
    pub(super) kind: String,
    /// The name and namespace the object gets in the cluster (`None`: not set by anything yet).
    pub(super) name: String,
    pub(super) namespace: Option<String>,
    /// The name and namespace as they enter the rendering's root kustomization, before its own
    /// transformations: what a patch in that kustomization must name.
    pub(super) name_in_root: String,
    pub(super) namespace_in_root: Option<String>,
    /// Why `name` or `namespace` can't be known here: they hold a Flux `postBuild` variable the
    /// repository doesn't set (they are then left as written).
    pub(super) unresolved: Option<String>,
}

/// Looks kustomizations up in the index.
pub(super) struct Resolver<'i> {
    index: &'i Index,
    by_path: HashMap<&'i str, usize>,
    /// Directories (relative, no trailing slash) that hold a kustomization, with its file.
    kustomizations: HashMap<String, usize>,
    /// Each of those kustomizations, read once, by file.
    read: HashMap<usize, Rc<Kustomization>>,
    pub(super) warnings: Vec<Finding>,
}

/// The kustomization file names kustomize accepts, in its order of preference.
const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

impl<'i> Resolver<'i> {
    pub(super) fn new(index: &'i Index) -> Self {
        let by_path: HashMap<&str, usize> = index
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i))
            .collect();
        let mut kustomizations = HashMap::new();
        for (i, file) in index.files.iter().enumerate() {
            let (dir, name) = split(&file.path);
            if FILE_NAMES.contains(&name) {
                let entry = kustomizations.entry(dir.to_owned()).or_insert(i);
                // Prefer the name kustomize prefers when a folder has several.
                let rank = |f: usize| {
                    FILE_NAMES
                        .iter()
                        .position(|n| split(&index.files[f].path).1 == *n)
                };
                if rank(i) < rank(*entry) {
                    *entry = i;
                }
            }
        }
        let read = kustomizations
            .values()
            .map(|&file| {
                let k = index.files[file]
                    .objects
                    .first()
                    .and_then(|(_, value)| Kustomization::deserialize(value).ok())
                    .unwrap_or_default();
                (file, Rc::new(k))
            })
            .collect();
        Resolver {
            index,
            by_path,
            kustomizations,
            read,
            warnings: Vec::new(),
        }
    }

    /// The relative path of a file of the index.
    pub(super) fn path_of(&self, file: usize) -> &str {
        &self.index.files[file].path
    }

    /// Whether the repository has a file at `path` that the index read.
    pub(super) fn has_file(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// The kustomization file (index into the files) of a directory, if it has one.
    pub(super) fn kustomization_in(&self, dir: &str) -> Option<usize> {
        self.kustomizations.get(dir).copied()
    }

    /// The kustomization folders rendering `dir` reads: `dir` itself when it holds one, and
    /// every folder it refers to, transitively.
    pub(super) fn tree(&self, dir: &str) -> BTreeSet<String> {
        let mut reached = BTreeSet::new();
        if self.kustomization_in(dir).is_none() {
            return reached;
        }
        let mut frontier = vec![dir.to_owned()];
        while let Some(next) = frontier.pop() {
            if reached.insert(next.clone()) {
                frontier.extend(self.referenced_dirs(&next));
            }
        }
        reached
    }

    /// The kustomization of a directory, if it has one.
    pub(super) fn kustomization(&self, dir: &str) -> Option<Rc<Kustomization>> {
        self.kustomization_in(dir).map(|file| self.read(file))
    }

    /// Every directory that holds a kustomization.
    pub(super) fn kustomization_dirs(&self) -> impl Iterator<Item = &str> {
        self.kustomizations.keys().map(String::as_str)
    }

    /// The kustomization of a directory's kustomization file.
    fn read(&self, file: usize) -> Rc<Kustomization> {
        Rc::clone(&self.read[&file])
    }

    /// The directories a kustomization refers to through `resources`, `bases` and `components`.
    pub(super) fn referenced_dirs(&self, dir: &str) -> Vec<String> {
        let Some(file) = self.kustomization_in(dir) else {
            return Vec::new();
        };
        let k = self.read(file);
        k.resources
            .iter()
            .chain(&k.bases)
            .chain(&k.components)
            .filter(|r| !is_remote(r))
            .filter_map(|r| join(dir, r))
            .filter(|p| self.kustomizations.contains_key(p))
            .collect()
    }

    /// Render the kustomization in `dir`, recording what enters it before its own
    /// transformations.
    pub(super) fn render_kustomization(&mut self, dir: &str) -> Vec<Rendered> {
        let Some(file) = self.kustomization_in(dir) else {
            self.warnings.push(
                Finding::warning(Code::BrokenReference, "has no kustomization.yaml")
                    .at(Place::new(dir, None)),
            );
            return Vec::new();
        };
        let k = self.read(file);
        let mut visiting = BTreeSet::from([dir.to_owned()]);
        let mut out = self.render_children(dir, &k, &mut visiting);
        for r in &mut out {
            r.name_in_root.clone_from(&r.name);
            r.namespace_in_root.clone_from(&r.namespace);
            transform(&k, r);
        }
        out
    }

    /// Every document in the files of `dir` (and below it, when `recurse`), as a plain directory
    /// of manifests renders them (Argo CD directory apps, Flux without a kustomization). `keep`
    /// is asked about each file's path relative to `dir` (Argo CD's `include`/`exclude`).
    pub(super) fn render_plain(
        &self,
        dir: &str,
        recurse: bool,
        keep: &dyn Fn(&str) -> bool,
    ) -> Vec<Rendered> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.index
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.path
                    .strip_prefix(&prefix)
                    .is_some_and(|rel| (recurse || !rel.contains('/')) && keep(rel))
            })
            .flat_map(|(i, f)| docs_of(i, f))
            .collect()
    }

    fn render_dir(&mut self, dir: &str, visiting: &mut BTreeSet<String>) -> Vec<Rendered> {
        let Some(file) = self.kustomization_in(dir) else {
            self.warnings.push(
                Finding::warning(
                    Code::BrokenReference,
                    "referenced as a kustomization, but has no kustomization.yaml",
                )
                .at(Place::new(dir, None)),
            );
            return Vec::new();
        };
        if !visiting.insert(dir.to_owned()) {
            self.warnings.push(
                Finding::warning(
                    Code::KustomizationCycle,
                    "kustomizations refer to each other in a cycle; not followed further",
                )
                .at(Place::new(self.index.files[file].path.clone(), None)),
            );
            return Vec::new();
        }
        let k = self.read(file);
        let mut out = self.render_children(dir, &k, visiting);
        for r in &mut out {
            transform(&k, r);
        }
        visiting.remove(dir);
        out
    }

    fn render_children(
        &mut self,
        dir: &str,
        k: &Kustomization,
        visiting: &mut BTreeSet<String>,
    ) -> Vec<Rendered> {
        let file = self
            .kustomization_in(dir)
            .map_or_else(|| dir.to_owned(), |f| self.index.files[f].path.clone());
        let mut out = Vec::new();
        for reference in k.resources.iter().chain(&k.bases).chain(&k.components) {
            if is_remote(reference) {
                continue;
            }
            let Some(path) = join(dir, reference) else {
                self.warnings.push(
                    Finding::warning(
                        Code::BrokenReference,
                        format!("`{reference}` points outside the repository; not followed"),
                    )
                    .at(Place::new(file.clone(), None)),
                );
                continue;
            };
            if let Some(&i) = self.by_path.get(path.as_str()) {
                out.extend(docs_of(i, &self.index.files[i]));
            } else if self.kustomizations.contains_key(&path) {
                out.extend(self.render_dir(&path, visiting));
            } else if !self
                .index
                .files
                .iter()
                .any(|f| f.path.starts_with(&format!("{path}/")))
            {
                self.warnings.push(
                    Finding::warning(
                        Code::BrokenReference,
                        format!(
                            "`{reference}` does not exist (or is not a manifest gitops-restart reads)"
                        ),
                    )
                    .at(Place::new(file.clone(), None)),
                );
            } else {
                self.warnings.push(
                    Finding::warning(
                        Code::BrokenReference,
                        format!("`{reference}` is a folder without a kustomization.yaml"),
                    )
                    .at(Place::new(file.clone(), None)),
                );
            }
        }
        out
    }
}

/// Every document with a kind and a name in a file, as written.
fn docs_of(i: usize, f: &ManifestFile) -> impl Iterator<Item = Rendered> + '_ {
    f.docs.iter().filter_map(move |(doc, h)| {
        let name = h.name.clone()?;
        Some(Rendered {
            file: i,
            doc: *doc,
            api_version: h.api_version.clone().unwrap_or_default(),
            kind: h.kind.clone()?,
            name: name.clone(),
            namespace: h.namespace.clone(),
            name_in_root: name,
            namespace_in_root: h.namespace.clone(),
            unresolved: None,
        })
    })
}

/// A kustomization's own transformations: name prefix and suffix, then the namespace.
fn transform(k: &Kustomization, r: &mut Rendered) {
    r.name = format!(
        "{}{}{}",
        k.name_prefix.as_deref().unwrap_or(""),
        r.name,
        k.name_suffix.as_deref().unwrap_or("")
    );
    if let Some(ns) = &k.namespace {
        r.namespace = Some(ns.clone());
    }
}

/// A remote base (git URL or `github.com/...`): not in this repository.
fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("github.com/")
        || reference.starts_with("git@")
}
