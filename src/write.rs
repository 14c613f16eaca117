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

/// Write every edit under `root`. Stops at the first failure, naming the file.
pub fn apply(root: &Path, edits: &[FileEdit]) -> anyhow::Result<()> {
    for edit in edits {
        write_one(root, edit).with_context(|| format!("cannot write {}", edit.path))?;
    }
    Ok(())
}

fn write_one(root: &Path, edit: &FileEdit) -> anyhow::Result<()> {
    let path = root.join(&edit.path);
    let current = std::fs::read(&path)?;
    if current != edit.before.as_bytes() {
        bail!("the file changed since it was read; run the command again");
    }
    let dir = path.parent().unwrap_or(root);
    let permissions = std::fs::metadata(&path)?.permissions();
    let mut temp = tempfile::Builder::new()
        .prefix(".gitops-restart.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(edit.after.as_bytes())?;
    temp.as_file().sync_all()?;
    std::fs::set_permissions(temp.path(), permissions)?;
    temp.persist(&path)?;
    Ok(())
}
