//! Writing planned edits into the working tree: all of them, or none.
//!
//! Every file is first staged: compared with the text the plan was made from (a file changed in
//! between is never overwritten; a file the plan creates must still be absent), its folder checked
//! to lie inside the repository, and the new text written to a temporary file beside it with the
//! original's permissions. Only when every file is staged are the temporary files renamed over
//! the originals, in path order. A reader sees each file old or new, never half of one; a failure
//! while staging writes nothing, and a rename that fails undoes the renames before it, so an
//! overlay never lists a patch file that wasn't written.

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
    let mut done: Vec<(&FileEdit, PathBuf)> = Vec::with_capacity(staged.len());
    for Staged { edit, path, temp } in staged {
        let renamed = if edit.created {
            temp.persist_noclobber(&path).map(drop)
        } else {
            temp.persist(&path).map(drop)
        };
        if let Err(err) = renamed {
            let undone = undo(&done);
            let mut message = format!("cannot write {}: {}", edit.path, err.error);
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

/// Check one file and write its new text to a temporary file beside it.
fn stage<'e>(root: &Path, edit: &'e FileEdit) -> anyhow::Result<Staged<'e>> {
    let path = root.join(&edit.path);
    let dir = path.parent().unwrap_or(root);
    // A folder swapped for a link since the walk must not lead the write out of the repository.
    let real_dir = dir.canonicalize()?;
    if !real_dir.starts_with(root) {
        bail!(
            "its folder now leads outside the repository (to {}): a symbolic link?",
            real_dir.display()
        );
    }
    let permissions = if edit.created {
        if std::fs::symlink_metadata(&path).is_ok() {
            bail!("the file appeared since the repository was read; run the command again");
        }
        std::os::unix::fs::PermissionsExt::from_mode(0o644)
    } else {
        let meta = std::fs::symlink_metadata(&path)?;
        if !meta.is_file() {
            bail!("it is no longer a regular file; run the command again");
        }
        if std::fs::read(&path)? != edit.before.as_bytes() {
            bail!("the file changed since it was read; run the command again");
        }
        meta.permissions()
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".gitops-restart.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    // No fsync per file: the rename already makes each file atomic for readers, and a sync per
    // file costs seconds on large repositories; like git's own checkout, durability across a
    // power loss is left to the filesystem.
    temp.write_all(edit.after.as_bytes())?;
    std::fs::set_permissions(temp.path(), permissions)?;
    Ok(Staged {
        edit,
        path,
        temp: temp.into_temp_path(),
    })
}

/// Put back what the renames so far replaced: the old text, or no file for a created one.
fn undo(done: &[(&FileEdit, PathBuf)]) -> anyhow::Result<()> {
    for (edit, path) in done.iter().rev() {
        if edit.created {
            std::fs::remove_file(path).with_context(|| format!("cannot remove {}", edit.path))?;
        } else {
            let dir = path.parent().expect("a file in the repository");
            let mut temp = tempfile::Builder::new()
                .prefix(".gitops-restart.")
                .suffix(".tmp")
                .tempfile_in(dir)?;
            temp.write_all(edit.before.as_bytes())?;
            std::fs::set_permissions(temp.path(), std::fs::metadata(path)?.permissions())?;
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
