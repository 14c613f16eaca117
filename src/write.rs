//! Writing planned edits into the working tree: all of them, or none.
//!
//! Every file is first staged: compared with the text the plan was made from (a file changed in
//! between is never overwritten; a file the plan creates must still be absent), its folder checked
//! to lie inside the repository, and the new text written to a temporary file beside it with the
//! original's permissions. Only when every file is staged are the temporary files renamed over
//! the originals, in path order. A reader sees each file old or new, never half of one; a failure
//! while staging writes nothing, and a rename that fails undoes the renames before it, so an
//! overlay never lists a patch file that wasn't written.
//!
//! Writes stay inside the repository even if the tree changes during the run: while staging and
//! again right before each rename (and each undo), every folder from the root to the file must
//! be a folder, not a symbolic link, and the folder must resolve to where it lies under the
//! root. A file is refused, before anything is written, when replacing it would lose something
//! the user set up: a hard link (the other names would keep the old text) or a read-only file
//! (someone meant it not to change). The new file keeps the old one's permissions, and its owner
//! and group where the process may set them (as root, or when they are already its own).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tempfile::TempPath;

use crate::plan::FileEdit;

/// One file ready to be renamed into place.
struct Staged<'e> {
    edit: &'e FileEdit,
    path: PathBuf,
    /// Closed, so that staging 10,000 files holds no 10,000 descriptors; removed when dropped.
    temp: TempPath,
}

/// Write every edit under `root`, or none: see the module documentation.
pub fn apply(root: &Path, edits: &[FileEdit]) -> anyhow::Result<()> {
    apply_with(root, edits, || {})
}

/// [`apply`], calling `between` after staging and before the first rename (tests change the
/// tree there).
fn apply_with(root: &Path, edits: &[FileEdit], between: impl FnOnce()) -> anyhow::Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot read repository {}", root.display()))?;
    // Staging is mostly kernel time (create, write, chmod): spread it over the cores.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = edits.len().div_ceil(threads).max(1);
    let staged: Vec<Staged> = std::thread::scope(|scope| {
        let workers: Vec<_> = edits
            .chunks(chunk)
            .map(|part| {
                let root = &root;
                scope.spawn(move || {
                    part.iter()
                        .map(|edit| {
                            stage(root, edit).with_context(|| {
                                format!("cannot write {}; no file was changed", edit.path)
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
    between();
    let mut done: Vec<(&FileEdit, PathBuf)> = Vec::with_capacity(staged.len());
    for Staged { edit, path, temp } in staged {
        // The tree may have changed since staging: a folder swapped for a link now.
        let renamed = if let Err(err) = inside(&root, &edit.path) {
            Err(err)
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
            let mut message = format!("cannot write {}: {err:#}", edit.path);
            match undone {
                Ok(()) => message.push_str("; the files written before it were restored"),
                Err(e) => {
                    message.push_str(&format!("; restoring the files before it failed: {e:#}"));
                }
            }
            bail!(message);
        }
        done.push((edit, path));
    }
    Ok(())
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
            bail!("the file appeared since the repository was read; run the command again");
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
    let mut temp = tempfile::Builder::new()
        .prefix(".gitops-restart.")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
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

/// Put back what the renames so far replaced: the old text, or no file for a created one.
fn undo(root: &Path, done: &[(&FileEdit, PathBuf)]) -> anyhow::Result<()> {
    for (edit, path) in done.iter().rev() {
        inside(root, &edit.path).with_context(|| format!("cannot restore {}", edit.path))?;
        if edit.created {
            std::fs::remove_file(path).with_context(|| format!("cannot remove {}", edit.path))?;
        } else {
            let dir = path.parent().expect("a file in the repository");
            let mut temp = tempfile::Builder::new()
                .prefix(".gitops-restart.")
                .suffix(".tmp")
                .tempfile_in(dir)?;
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
                .with_context(|| format!("cannot restore {}", edit.path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(path: &str, before: &str, after: &str, created: bool) -> FileEdit {
        FileEdit {
            path: path.to_owned(),
            before: before.to_owned(),
            after: after.to_owned(),
            created,
        }
    }

    #[test]
    fn writes_every_file_or_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kustomization.yaml"), "resources: []\n").unwrap();
        std::fs::create_dir(dir.path().join("taken")).unwrap();
        let edits = [
            edit(
                "kustomization.yaml",
                "resources: []\n",
                "patches: []\n",
                false,
            ),
            edit("new.yaml", "", "a: 1\n", true),
            edit("taken/x.yaml", "old\n", "new\n", false),
        ];
        let err = apply(dir.path(), &edits).unwrap_err();
        assert!(format!("{err:#}").contains("taken/x.yaml"), "{err:#}");
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).ok();
        assert_eq!(
            read("kustomization.yaml").as_deref(),
            Some("resources: []\n")
        );
        assert_eq!(read("new.yaml"), None);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");

        apply(dir.path(), &edits[..2]).unwrap();
        assert_eq!(read("kustomization.yaml").as_deref(), Some("patches: []\n"));
        assert_eq!(read("new.yaml").as_deref(), Some("a: 1\n"));
    }

    #[test]
    fn a_folder_swapped_for_a_link_before_the_rename_writes_nothing_outside() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("top.yaml"), "x\n").unwrap();
        std::fs::create_dir(dir.path().join("apps")).unwrap();
        for name in ["a.yaml", "b.yaml"] {
            std::fs::write(dir.path().join("apps").join(name), "x\n").unwrap();
        }
        let edits = [
            edit("apps/a.yaml", "x\n", "y\n", false),
            edit("apps/b.yaml", "x\n", "y\n", false),
            edit("top.yaml", "x\n", "y\n", false),
        ];
        // After staging, the folder (with the staged files) moves out of the repository and a
        // link to it takes its place: a rename through the link would write outside.
        let moved = outside.path().join("apps");
        let err = apply_with(dir.path(), &edits, || {
            std::fs::rename(dir.path().join("apps"), &moved).unwrap();
            std::os::unix::fs::symlink(&moved, dir.path().join("apps")).unwrap();
        })
        .unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("cannot write apps/a.yaml"), "{err}");
        assert!(err.contains("folder apps is now a symbolic link"), "{err}");
        for name in ["a.yaml", "b.yaml"] {
            assert_eq!(std::fs::read_to_string(moved.join(name)).unwrap(), "x\n");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("top.yaml")).unwrap(),
            "x\n"
        );
    }

    #[test]
    fn a_rename_refused_midway_undoes_the_files_before_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "x\n").unwrap();
        std::fs::create_dir(dir.path().join("z")).unwrap();
        std::fs::write(dir.path().join("z/b.yaml"), "x\n").unwrap();
        let edits = [
            edit("a.yaml", "x\n", "y\n", false),
            edit("z/b.yaml", "x\n", "y\n", false),
        ];
        let outside = tempfile::tempdir().unwrap();
        let err = apply_with(dir.path(), &edits, || {
            let moved = outside.path().join("z");
            std::fs::rename(dir.path().join("z"), &moved).unwrap();
            std::os::unix::fs::symlink(&moved, dir.path().join("z")).unwrap();
        })
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("the files written before it were restored"),
            "{err:#}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "x\n"
        );
        assert_eq!(
            std::fs::read_to_string(outside.path().join("z/b.yaml")).unwrap(),
            "x\n"
        );
    }

    #[test]
    fn hard_linked_and_read_only_files_are_refused_before_anything_is_written() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.yaml", "linked.yaml", "ro.yaml"] {
            std::fs::write(dir.path().join(name), "x\n").unwrap();
        }
        std::fs::hard_link(
            dir.path().join("linked.yaml"),
            dir.path().join("other-name.yaml"),
        )
        .unwrap();
        std::fs::set_permissions(
            dir.path().join("ro.yaml"),
            std::fs::Permissions::from_mode(0o444),
        )
        .unwrap();
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
        let err = apply(
            dir.path(),
            &[
                edit("a.yaml", "x\n", "y\n", false),
                edit("linked.yaml", "x\n", "y\n", false),
            ],
        )
        .unwrap_err();
        let err = format!("{err:#}");
        assert!(
            err.contains("cannot write linked.yaml; no file was changed: it has 2 hard links"),
            "{err}"
        );
        let err = apply(
            dir.path(),
            &[
                edit("a.yaml", "x\n", "y\n", false),
                edit("ro.yaml", "x\n", "y\n", false),
            ],
        )
        .unwrap_err();
        let err = format!("{err:#}");
        assert!(
            err.contains("cannot write ro.yaml; no file was changed: it is read-only (mode 444)"),
            "{err}"
        );
        for name in ["a.yaml", "linked.yaml", "other-name.yaml", "ro.yaml"] {
            assert_eq!(read(name), "x\n", "{name}");
        }
    }

    #[test]
    fn the_owner_is_kept_where_the_process_may_and_permissions_always() {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "x\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let before = std::fs::metadata(&path).unwrap();
        apply(dir.path(), &[edit("a.yaml", "x\n", "y\n", false)]).unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!(after.mode() & 0o7777, 0o640);
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        // Another owner: root may give it (and keeps it), others keep their own without error.
        let file = std::fs::File::open(&path).unwrap();
        keep_owner(&file, Some((0, 0))).unwrap();
        if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_ok() {
            apply(dir.path(), &[edit("a.yaml", "y\n", "z\n", false)]).unwrap();
            let after = std::fs::metadata(&path).unwrap();
            assert_eq!((after.uid(), after.gid()), (4321, 4321));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "z\n");
        }
    }

    #[test]
    fn refuses_folders_that_lead_outside() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("a.yaml"), "x\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("apps")).unwrap();
        let err = apply(dir.path(), &[edit("apps/a.yaml", "x\n", "y\n", false)]).unwrap_err();
        assert!(
            format!("{err:#}").contains("outside the repository"),
            "{err:#}"
        );
        assert_eq!(
            std::fs::read_to_string(outside.path().join("a.yaml")).unwrap(),
            "x\n"
        );
    }
}
