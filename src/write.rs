//! Writing planned edits into the working tree, atomically.
//!
//! Each file is written to a temporary file beside it, given the original's permissions, flushed,
//! and renamed over the original: a reader sees the old file or the new one, never half of one,
//! and a failure leaves the original untouched. Before writing, the file on disk is compared with
//! the text the plan was made from, so a file changed in between is never overwritten.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, bail};

use crate::plan::FileEdit;

/// Write every edit under `root`, on every core: creating and renaming files is mostly kernel
/// time. Each file is atomic on its own; on failure the error names the first file (in path
/// order) that could not be written, and files written before it stay written.
pub fn apply(root: &Path, edits: &[FileEdit]) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = edits.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = edits
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    for edit in part {
                        write_one(root, edit)
                            .with_context(|| format!("cannot write {}", edit.path))?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("writing never panics"))
            .collect::<anyhow::Result<Vec<()>>>()
    })?;
    Ok(())
}

fn write_one(root: &Path, edit: &FileEdit) -> anyhow::Result<()> {
    let path = root.join(&edit.path);
    let dir = path.parent().unwrap_or(root);
    if edit.created {
        if path.exists() {
            bail!("the file appeared since the repository was read; run the command again");
        }
        let mut temp = tempfile::Builder::new()
            .prefix(".gitops-restart.")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        temp.write_all(edit.after.as_bytes())?;
        std::fs::set_permissions(
            temp.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )?;
        temp.persist_noclobber(&path)?;
        return Ok(());
    }
    let current = std::fs::read(&path)?;
    if current != edit.before.as_bytes() {
        bail!("the file changed since it was read; run the command again");
    }
    let permissions = std::fs::metadata(&path)?.permissions();
    let mut temp = tempfile::Builder::new()
        .prefix(".gitops-restart.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    // No fsync per file: the rename already makes each file atomic for readers, and a sync per
    // file costs seconds on large repositories; like git's own checkout, durability across a
    // power loss is left to the filesystem.
    temp.write_all(edit.after.as_bytes())?;
    std::fs::set_permissions(temp.path(), permissions)?;
    temp.persist(&path)?;
    Ok(())
}
