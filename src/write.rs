//! Writing planned edits into the working tree: all of them, or none.
//!
//! Every file is first staged: compared with the text the plan was made from (a file changed in
//! between is never overwritten; a file the plan creates must still be absent), its folder checked
//! to lie inside the repository, and the new text written to a temporary file beside it with the
//! original's permissions. Only when every file is staged are the temporary files renamed over
//! the originals, one by one in path order (whatever order the edits came in, and however the
//! staging was spread over threads). A reader sees each file old or new, never half of one; a
//! failure while staging writes nothing, and a rename that fails undoes the renames before it.
//! A failure says which file failed and why, which files were written (and restored, or not),
//! and which were not: in path order, so a person can follow it, and so a run killed halfway
//! leaves the files before some path written and those after it not.
//!
//! Writes stay inside the repository even if the tree changes during the run: while staging and
//! again right before each rename (and each undo), every folder from the root to the file must
//! be a folder, not a symbolic link, and the folder must resolve to where it lies under the
//! root. A file is refused, before anything is written, when replacing it would lose something
//! the user set up: a hard link (the other names would keep the old text) or a read-only file
//! (someone meant it not to change). The new file keeps the old one's permissions, and its owner
//! and group where the process may set them (as root, or when they are already its own).
//!
//! Temporary files are named `.gitops-restart.PID.XXXXXX.tmp` ([`temp`]): a run killed
//! before its renames (`kill -9`) leaves them, and the next run finds them by that name, tells
//! whether the run that left them is gone, and removes them ([`remove_stale`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tempfile::TempPath;

use crate::plan::FileEdit;

mod temp;

pub use temp::{is_stale_temp, is_temp_name, remove_stale};

/// How many paths a failure message names in each list before it says how many more.
const NAMED: usize = 10;

/// One file ready to be renamed into place.
struct Staged<'e> {
    edit: &'e FileEdit,
    path: PathBuf,
    /// Closed, so that staging 10,000 files holds no 10,000 descriptors; removed when dropped.
    temp: TempPath,
}

/// Write every edit under `root`, or none: see the module documentation.
pub fn apply(root: &Path, edits: &[FileEdit]) -> anyhow::Result<()> {
    apply_with(root, edits, |_| {})
}

/// [`apply`], calling `before_rename` with the index (in path order) of each file right before
/// it is renamed into place (tests change the tree there).
fn apply_with(
    root: &Path,
    edits: &[FileEdit],
    mut before_rename: impl FnMut(usize),
) -> anyhow::Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot read repository {}", root.display()))?;
    let mut order: Vec<&FileEdit> = edits.iter().collect();
    order.sort_by(|a, b| a.path.cmp(&b.path));
    // Staging is mostly kernel time (create, write, chmod): spread it over the cores. Each
    // worker stages a run of consecutive paths and stops at its first failure, so the first
    // failure of the first failing worker is the first failing file in path order.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = order.len().div_ceil(threads).max(1);
    let none_written = match order.as_slice() {
        [_] => "no file was written".to_owned(),
        _ => format!("no file was written (none of the {})", planned(&order)),
    };
    let staged: Vec<Staged> = std::thread::scope(|scope| {
        let workers: Vec<_> = order
            .chunks(chunk)
            .map(|part| {
                let (root, none_written) = (&root, &none_written);
                scope.spawn(move || {
                    part.iter()
                        .map(|edit| {
                            stage(root, edit).with_context(|| {
                                format!("cannot write {}; {none_written}", edit.path)
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("staging never panics"))
            .collect::<anyhow::Result<Vec<Vec<_>>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let total = staged.len();
    let mut done: Vec<(&FileEdit, PathBuf)> = Vec::with_capacity(total);
    for (at, Staged { edit, path, temp }) in staged.into_iter().enumerate() {
        before_rename(at);
        // The tree may have changed since staging: a folder swapped for a link now.
        let renamed = if let Err(err) = inside(&root, &edit.path) {
            Err(err)
        } else if !edit.created && !still_as_read(&path, edit) {
            // Checked at staging too; again here, so a person's edit made while the other files
            // were staged is not replaced (the window left is this check to the rename).
            Err(anyhow::anyhow!(
                "the file changed since it was read; run the command again"
            ))
        } else if edit.created {
            temp.persist_noclobber(&path)
                .map(drop)
                .map_err(|e| anyhow::Error::from(e.error))
        } else {
            temp.persist(&path)
                .map(drop)
                .map_err(|e| anyhow::Error::from(e.error))
        };
        if let Err(err) = renamed {
            let undone = undo(&root, &done);
            let not_written: Vec<&str> = order[at + 1..].iter().map(|e| e.path.as_str()).collect();
            bail!(failure(
                &format!(
                    "cannot write {} (file {} of {total}, in path order): {err:#}",
                    edit.path,
                    at + 1
                ),
                &undone,
                &not_written
            ));
        }
        done.push((edit, path));
    }
    Ok(())
}

/// Whether the file at `path` still holds the text the plan edited: same length first, so a
/// changed file is mostly told without reading it.
fn still_as_read(path: &Path, edit: &FileEdit) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.len() == edit.before.len() as u64)
        && std::fs::read(path).is_ok_and(|text| text == edit.before.as_bytes())
}

/// `3 planned files: a.yaml, b.yaml, c.yaml`.
fn planned(order: &[&FileEdit]) -> String {
    let paths: Vec<&str> = order.iter().map(|e| e.path.as_str()).collect();
    format!("{} planned files: {}", paths.len(), names(&paths))
}

/// Up to [`NAMED`] paths, then how many more.
pub(crate) fn names(paths: &[&str]) -> String {
    crate::report::first_and_more(paths, NAMED)
}

/// What a rename that failed midway left: `failed` (the file and why), then the files renamed
/// before it, restored or not, and the files after it, never written.
fn failure(failed: &str, undone: &Undone, not_written: &[&str]) -> String {
    let mut message = failed.to_owned();
    if undone.restored.is_empty() && undone.kept.is_empty() {
        message.push_str("; no file was written before it");
    }
    if !undone.restored.is_empty() {
        message.push_str(&format!(
            "; written before it, then restored: {}",
            names(&undone.restored)
        ));
    }
    if !undone.kept.is_empty() {
        let kept: Vec<String> = undone
            .kept
            .iter()
            .map(|(path, err)| format!("{path} ({err:#})"))
            .collect();
        let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
        message.push_str(&format!(
            "; written before it and NOT restored (they hold the new text): {}",
            names(&kept)
        ));
    }
    if !not_written.is_empty() {
        message.push_str(&format!("; not written: {}", names(not_written)));
    }
    message.push_str(if undone.kept.is_empty() {
        "; the working tree is as it was: fix the cause and run the command again"
    } else {
        "; check the files not restored (`git diff`), then run the command again"
    });
    message
}

/// Check that the folder of `rel` (relative to the canonical `root`, `/`-separated, without
/// `..`) is inside the repository: each folder from the root down is a folder, not a symbolic
/// link, and the folder resolves to where it lies under the root. Returns that folder.
fn inside(root: &Path, rel: &str) -> anyhow::Result<PathBuf> {
    let mut dir = root.to_path_buf();
    let folders = rel.rsplit_once('/').map_or("", |(folders, _)| folders);
    for part in folders.split('/').filter(|p| !p.is_empty()) {
        if matches!(part, "." | "..") {
            bail!("its path leaves the folder it names ({part})");
        }
        dir.push(part);
    }
    // One resolution proves it: the folder resolves to its own literal path under the canonical
    // root only if no folder on the way is a link. This runs before every rename, so the
    // folder-by-folder look that names the culprit is kept for when it fails.
    match dir.canonicalize() {
        Ok(resolved) if resolved == dir => Ok(dir),
        resolved => Err(why_outside(root, &dir, resolved.ok())),
    }
}

/// Why the folder `dir` (under `root`) did not resolve to itself: the first folder on the way
/// that is a link or no folder, else where it leads.
fn why_outside(root: &Path, dir: &Path, resolved: Option<PathBuf>) -> anyhow::Error {
    let mut at = root.to_path_buf();
    for part in dir.strip_prefix(root).unwrap_or(dir).components() {
        at.push(part);
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(err) => return anyhow::anyhow!("cannot read its folder {}: {err}", at.display()),
        };
        if meta.file_type().is_symlink() {
            return anyhow::anyhow!(
                "its folder {} is now a symbolic link, which could lead outside the repository; \
                 run the command again on a tree that is not changing",
                super::repo::relative(root, &at)
            );
        }
        if !meta.is_dir() {
            return anyhow::anyhow!("{} is no longer a folder", super::repo::relative(root, &at));
        }
    }
    anyhow::anyhow!(
        "its folder now leads outside the repository (to {}): a symbolic link?",
        resolved.map_or_else(|| dir.display().to_string(), |r| r.display().to_string())
    )
}

/// Check one file and write its new text to a temporary file beside it.
fn stage<'e>(root: &Path, edit: &'e FileEdit) -> anyhow::Result<Staged<'e>> {
    use std::os::unix::fs::MetadataExt as _;
    let path = root.join(&edit.path);
    // A folder swapped for a link since the walk must not lead the write out of the repository.
    let dir = inside(root, &edit.path)?;
    let (permissions, owner) = if edit.created {
        if std::fs::symlink_metadata(&path).is_ok() {
            // The index saw no file here (an ignored one is a taken path the plan never
            // creates): it was created since the repository was read.
            bail!(
                "a file of this name is there now, but was not when the repository was read, so \
                 the plan creates it instead of editing it: it was created since (by a person or \
                 another run); run the command again to plan with it"
            );
        }
        (std::os::unix::fs::PermissionsExt::from_mode(0o644), None)
    } else {
        let meta = std::fs::symlink_metadata(&path)?;
        if !meta.is_file() {
            bail!("it is no longer a regular file; run the command again");
        }
        if meta.nlink() > 1 {
            bail!(
                "it has {} hard links, which a new file would split (the other names keeping \
                 the old text): make it a file of its own (`cp --remove-destination` a copy over \
                 it) or exclude it in .gitops-restart.yaml",
                meta.nlink()
            );
        }
        if meta.permissions().readonly() {
            bail!(
                "it is read-only (mode {:o}), so it is not replaced: make it writable \
                 (`chmod u+w`) or exclude it in .gitops-restart.yaml",
                meta.mode() & 0o7777
            );
        }
        if std::fs::read(&path)? != edit.before.as_bytes() {
            bail!("the file changed since it was read; run the command again");
        }
        (meta.permissions(), Some((meta.uid(), meta.gid())))
    };
    let mut temp = temp::builder().tempfile_in(&dir)?;
    // No fsync per file: the rename already makes each file atomic for readers, and a sync per
    // file costs seconds on large repositories; like git's own checkout, durability across a
    // power loss is left to the filesystem.
    temp.write_all(edit.after.as_bytes())?;
    keep_owner(temp.as_file(), owner)?;
    // After the owner: changing it may clear set-id bits.
    std::fs::set_permissions(temp.path(), permissions)?;
    Ok(Staged {
        edit,
        path,
        temp: temp.into_temp_path(),
    })
}

/// Give `file` the owner and group `owner`, where the process may: as root, or a group it is
/// in. Where it may not (`EPERM`), the file stays the process's own, as any new file would.
fn keep_owner(file: &std::fs::File, owner: Option<(u32, u32)>) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let Some((uid, gid)) = owner else {
        return Ok(());
    };
    let meta = file.metadata()?;
    if (meta.uid(), meta.gid()) == (uid, gid) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(uid), Some(gid)) {
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            // The group alone may be allowed (a group the user is in).
            match std::os::unix::fs::fchown(file, None, Some(gid)) {
                Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
                other => Ok(other?),
            }
        }
        other => Ok(other?),
    }
}

/// What undoing the renames of a failed run did, in path order.
#[derive(Debug, Default)]
struct Undone<'e> {
    /// Back to their old text, or removed when the run created them.
    restored: Vec<&'e str>,
    /// Still holding the new text, and why restoring them failed.
    kept: Vec<(&'e str, anyhow::Error)>,
}

/// Put back what the renames so far replaced: the old text, or no file for a created one. Every
/// file is tried, the last renamed first; one that can't be restored doesn't stop the others.
fn undo<'e>(root: &Path, done: &[(&'e FileEdit, PathBuf)]) -> Undone<'e> {
    let mut undone = Undone::default();
    for (edit, path) in done.iter().rev() {
        match restore(root, edit, path) {
            Ok(()) => undone.restored.push(&edit.path),
            Err(err) => undone.kept.push((&edit.path, err)),
        }
    }
    undone.restored.reverse();
    undone.kept.reverse();
    undone
}

/// Put back one file: its old text, or no file for a created one.
fn restore(root: &Path, edit: &FileEdit, path: &Path) -> anyhow::Result<()> {
    inside(root, &edit.path)?;
    if edit.created {
        std::fs::remove_file(path)?;
        return Ok(());
    }
    let dir = path.parent().expect("a file in the repository");
    let mut temp = temp::builder().tempfile_in(dir)?;
    temp.write_all(edit.before.as_bytes())?;
    let meta = std::fs::symlink_metadata(path)?;
    keep_owner(
        temp.as_file(),
        Some((
            std::os::unix::fs::MetadataExt::uid(&meta),
            std::os::unix::fs::MetadataExt::gid(&meta),
        )),
    )?;
    std::fs::set_permissions(temp.path(), meta.permissions())?;
    temp.persist(path)
        .map_err(|e| anyhow::Error::from(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests;
