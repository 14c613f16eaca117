//! The temporary files `apply` stages its writes in, and those a killed run left behind.
//!
//! A temporary file is named `.gitops-restart.PID.XXXXXX.tmp`: the process id of the run that
//! wrote it and six random letters or digits (what `tempfile` draws). A run killed before its
//! renames (`kill -9`, a runner cancelled) leaves them beside the files it meant to replace, where
//! `git add -A` would commit them. The next run finds them by that exact name ([`is_stale_temp`]
//! while the repository is walked) and `apply` removes them ([`remove_stale`]).
//!
//! Only the tool's own files are ever removed: the exact name (an earlier version's
//! `.gitops-restart.XXXXXX.tmp` too), a regular file (never a link or a folder), in a folder that
//! resolves inside the repository, and stale: the run that wrote it is gone (no process has its
//! id), or it was last written more than [`STALE_AFTER`] ago (a process id may have been reused;
//! a live run keeps its files for seconds). A file of a run still going is left alone.

use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

/// What every temporary file's name starts with.
const PREFIX: &str = ".gitops-restart.";
/// What every temporary file's name ends with.
const SUFFIX: &str = ".tmp";
/// How many random characters `tempfile` puts in a name.
const RANDOM: usize = 6;
/// A temporary file older than this is stale whatever its process id says.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// `.gitops-restart.PID.`: this run's prefix.
static THIS_RUN: LazyLock<String> = LazyLock::new(|| format!("{PREFIX}{}.", std::process::id()));

/// A builder of this run's temporary files.
pub(super) fn builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(THIS_RUN.as_str())
        .suffix(SUFFIX)
        .rand_bytes(RANDOM);
    builder
}

/// Who wrote a temporary file, as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// `.gitops-restart.PID.XXXXXX.tmp`: the run with this process id.
    Run(u32),
    /// `.gitops-restart.XXXXXX.tmp`: an earlier version, which named no process.
    Earlier,
}

/// Who wrote the temporary file `name`; `None` when it is not a temporary file's name.
fn parse(name: &str) -> Option<Writer> {
    let middle = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let random = |s: &str| s.len() == RANDOM && s.bytes().all(|b| b.is_ascii_alphanumeric());
    match middle.split_once('.') {
        Some((pid, rest))
            if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && random(rest) =>
        {
            pid.parse().ok().map(Writer::Run)
        }
        None if random(middle) => Some(Writer::Earlier),
        _ => None,
    }
}

/// Whether `name` is a temporary file's name (of this version or an earlier one).
pub fn is_temp_name(name: &str) -> bool {
    parse(name).is_some()
}

/// Whether a process with this id exists (one of another user's counts).
fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

/// Whether the file `name`, whose metadata (not following links) is `meta`, is a temporary file
/// of a run that is over: see the module documentation.
pub fn is_stale_temp(name: &str, meta: &std::fs::Metadata) -> bool {
    let Some(writer) = parse(name) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let old = meta
        .modified()
        .ok()
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .is_some_and(|age| age >= STALE_AFTER);
    old || matches!(writer, Writer::Run(pid) if pid != std::process::id() && !alive(pid))
}

/// Remove the stale temporary files at `paths` (relative to `root`, as the repository index
/// lists them), each checked again first; the paths removed, and those that could not be, with
/// why.
pub fn remove_stale(root: &Path, paths: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut removed = Vec::new();
    let mut failed = Vec::new();
    let Ok(root) = root.canonicalize() else {
        return (removed, failed);
    };
    for rel in paths {
        let path = root.join(rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let ours = super::inside(&root, rel).is_ok()
            && std::fs::symlink_metadata(&path).is_ok_and(|meta| is_stale_temp(name, &meta));
        if !ours {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(rel.clone()),
            Err(err) => failed.push((rel.clone(), err.to_string())),
        }
    }
    (removed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_names_are_ours() {
        assert_eq!(
            parse(".gitops-restart.4242.aB3xY9.tmp"),
            Some(Writer::Run(4242))
        );
        assert_eq!(parse(".gitops-restart.aB3xY9.tmp"), Some(Writer::Earlier));
        for other in [
            ".gitops-restart.4242.aB3xY.tmp",
            ".gitops-restart.4242.aB3xY9.tmp.bak",
            ".gitops-restart.-1.aB3xY9.tmp",
            ".gitops-restart..aB3xY9.tmp",
            ".gitops-restart.4242.aB3-Y9.tmp",
            "gitops-restart.4242.aB3xY9.tmp",
            ".gitops-restart.yaml",
            ".gitops-restart.4242.aB3xY9.yaml",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
        let file = builder().tempfile().unwrap();
        let name = file.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(parse(name), Some(Writer::Run(std::process::id())), "{name}");
    }

    #[test]
    fn stale_means_a_dead_run_or_old_never_a_live_one_or_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let meta = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, "x").unwrap();
            std::fs::symlink_metadata(&path).unwrap()
        };
        // A process that has ended (and was reaped): its id is free.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let name = format!(".gitops-restart.{dead}.aaaaaa.tmp");
        assert!(is_stale_temp(&name, &meta(&name)));
        // This run, and a live one (this test's parent, the test harness's shell or init).
        let mine = format!(".gitops-restart.{}.aaaaaa.tmp", std::process::id());
        assert!(!is_stale_temp(&mine, &meta(&mine)));
        let live = format!(
            ".gitops-restart.{}.bbbbbb.tmp",
            std::os::unix::process::parent_id()
        );
        assert!(!is_stale_temp(&live, &meta(&live)));
        // An earlier version's name, fresh: maybe a live run of it.
        assert!(!is_stale_temp(
            ".gitops-restart.cccccc.tmp",
            &meta(".gitops-restart.cccccc.tmp")
        ));
        // Old: stale whatever the id says.
        let old = dir.path().join(&mine);
        let hours_ago = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
        assert!(is_stale_temp(
            &mine,
            &std::fs::symlink_metadata(&old).unwrap()
        ));
        // A link or a folder by that name is never ours.
        let link = format!(".gitops-restart.{dead}.dddddd.tmp");
        std::os::unix::fs::symlink("elsewhere", dir.path().join(&link)).unwrap();
        assert!(!is_stale_temp(
            &link,
            &std::fs::symlink_metadata(dir.path().join(&link)).unwrap()
        ));
        let folder = format!(".gitops-restart.{dead}.eeeeee.tmp");
        std::fs::create_dir(dir.path().join(&folder)).unwrap();
        assert!(!is_stale_temp(
            &folder,
            &std::fs::symlink_metadata(dir.path().join(&folder)).unwrap()
        ));
    }
}
