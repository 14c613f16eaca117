//! Tests of `write`: all or none, path order, what a failure says, links, owners.

use super::*;

use std::path::Path;

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
    let err = apply_with(dir.path(), &edits, |at| {
        if at == 0 {
            std::fs::rename(dir.path().join("apps"), &moved).unwrap();
            std::os::unix::fs::symlink(&moved, dir.path().join("apps")).unwrap();
        }
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
    let err = apply_with(dir.path(), &edits, |at| {
        if at == 0 {
            let moved = outside.path().join("z");
            std::fs::rename(dir.path().join("z"), &moved).unwrap();
            std::os::unix::fs::symlink(&moved, dir.path().join("z")).unwrap();
        }
    })
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("written before it, then restored: a.yaml"),
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
        err.contains(
            "cannot write linked.yaml; no file was written (none of the 2 planned files: \
             a.yaml, linked.yaml): it has 2 hard links"
        ),
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
        err.contains(
            "cannot write ro.yaml; no file was written (none of the 2 planned files: a.yaml, \
             ro.yaml): it is read-only (mode 444)"
        ),
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

/// The files in `dir` named like `apply`'s temporary files.
fn temporary_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found.extend(temporary_files(&entry.path()));
        } else if name.starts_with(".gitops-restart.") {
            found.push(name);
        }
    }
    found
}

/// A repository of `paths`, each holding `x`, and the edits to `y` in the order given.
fn repository(paths: &[&str]) -> (tempfile::TempDir, Vec<FileEdit>) {
    let dir = tempfile::tempdir().unwrap();
    for path in paths {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, "x\n").unwrap();
    }
    let edits = paths.iter().map(|p| edit(p, "x\n", "y\n", false)).collect();
    (dir, edits)
}

#[test]
fn files_are_renamed_in_path_order_whatever_order_the_edits_come_in() {
    let paths = [
        "z.yaml",
        "apps/b.yaml",
        "apps/a.yaml",
        "m/n/o.yaml",
        "b.yaml",
    ];
    let (dir, edits) = repository(&paths);
    let mut written_before = Vec::new();
    apply_with(dir.path(), &edits, |_| {
        let mut written: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|p| std::fs::read_to_string(dir.path().join(p)).unwrap() == "y\n")
            .collect();
        written.sort_unstable();
        written_before.push(written);
    })
    .unwrap();
    let mut sorted = paths.to_vec();
    sorted.sort_unstable();
    // Before the n-th rename, exactly the first n paths in path order are written.
    for (at, written) in written_before.iter().enumerate() {
        assert_eq!(written, &sorted[..at], "before rename {at}");
    }
    assert_eq!(written_before.len(), paths.len());
    assert!(temporary_files(dir.path()).is_empty());
}

#[test]
fn a_rename_failing_midway_says_what_was_written_restored_and_not_written() {
    let (dir, edits) = repository(&["z.yaml", "m.yaml", "b/c.yaml", "a.yaml"]);
    // Right before m.yaml (third in path order) is renamed, a folder takes its place: the
    // rename fails even as root.
    let err = apply_with(dir.path(), &edits, |at| {
        if at == 2 {
            std::fs::remove_file(dir.path().join("m.yaml")).unwrap();
            std::fs::create_dir(dir.path().join("m.yaml")).unwrap();
            std::fs::write(dir.path().join("m.yaml/inside"), "").unwrap();
        }
    })
    .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.starts_with("cannot write m.yaml (file 3 of 4, in path order): "),
        "{err}"
    );
    assert!(
        err.ends_with(
            "; written before it, then restored: a.yaml, b/c.yaml; not written: z.yaml; the \
             working tree is as it was: fix the cause and run the command again"
        ),
        "{err}"
    );
    for path in ["a.yaml", "b/c.yaml", "z.yaml"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(path)).unwrap(),
            "x\n",
            "{path}"
        );
    }
    assert!(temporary_files(dir.path()).is_empty());
}

#[test]
fn a_file_that_cannot_be_restored_is_named_and_the_others_are_still_restored() {
    let (dir, edits) = repository(&["a.yaml", "b/c.yaml", "d.yaml", "e.yaml"]);
    let outside = tempfile::tempdir().unwrap();
    let err = apply_with(dir.path(), &edits, |at| {
        if at == 2 {
            // b/ (with b/c.yaml written) moves out and a link takes its place, so b/c.yaml can't
            // be restored through it; and d.yaml's rename fails.
            std::fs::rename(dir.path().join("b"), outside.path().join("b")).unwrap();
            std::os::unix::fs::symlink(outside.path().join("b"), dir.path().join("b")).unwrap();
            std::fs::remove_file(dir.path().join("d.yaml")).unwrap();
            std::fs::create_dir_all(dir.path().join("d.yaml/x")).unwrap();
        }
    })
    .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.starts_with("cannot write d.yaml (file 3 of 4, in path order): "),
        "{err}"
    );
    assert!(
        err.contains(
            "; written before it, then restored: a.yaml; written before it and NOT restored \
             (they hold the new text): b/c.yaml (its folder b is now a symbolic link"
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            "; not written: e.yaml; check the files not restored (`git diff`), then run the \
             command again"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        "x\n"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("b/c.yaml")).unwrap(),
        "y\n"
    );
}

#[test]
fn long_lists_name_ten_paths_and_count_the_rest() {
    let paths: Vec<String> = (0..25).map(|i| format!("f{i:02}.yaml")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    assert_eq!(
        names(&paths),
        "f00.yaml, f01.yaml, f02.yaml, f03.yaml, f04.yaml, f05.yaml, f06.yaml, f07.yaml, \
         f08.yaml, f09.yaml and 15 more"
    );
}

#[test]
fn temporary_files_carry_the_process_id_and_stale_ones_are_removed() {
    let (dir, edits) = repository(&["a.yaml"]);
    // What a killed run leaves: a run that is over (its process reaped), and an unrelated file.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = format!("sub/.gitops-restart.{dead}.Ab12Cd.tmp");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join(&stale), "half").unwrap();
    std::fs::write(dir.path().join("sub/.gitops-restart.notes.tmp"), "mine").unwrap();
    let (removed, failed) = remove_stale(
        dir.path(),
        &[stale.clone(), "sub/.gitops-restart.notes.tmp".to_owned()],
    );
    assert_eq!(removed, [stale]);
    assert!(failed.is_empty());
    assert_eq!(temporary_files(dir.path()), [".gitops-restart.notes.tmp"]);

    // This run's own files are named with its id while they exist.
    let mut seen = Vec::new();
    apply_with(dir.path(), &edits, |_| seen = temporary_files(dir.path())).unwrap();
    let prefix = format!(".gitops-restart.{}.", std::process::id());
    assert!(seen.iter().any(|n| n.starts_with(&prefix)), "{seen:?}");
}

#[test]
fn a_file_created_since_the_plan_where_the_plan_creates_one_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gitops-restart-patch.yaml"), "# mine\n").unwrap();
    let err = apply(
        dir.path(),
        &[edit("gitops-restart-patch.yaml", "", "a: 1\n", true)],
    )
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "cannot write gitops-restart-patch.yaml; no file was written: a file of this name is \
         there now, but was not when the repository was read, so the plan creates it instead of \
         editing it: it was created since (by a person or another run); run the command again \
         to plan with it"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("gitops-restart-patch.yaml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn a_file_edited_by_a_person_while_others_were_staged_is_kept_and_the_rest_restored() {
    let (dir, edits) = repository(&["a.yaml", "b.yaml", "c.yaml"]);
    let err = apply_with(dir.path(), &edits, |at| {
        if at == 1 {
            std::fs::write(dir.path().join("b.yaml"), "a person's edit\n").unwrap();
        }
    })
    .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("b.yaml") && message.contains("changed since it was read"),
        "{message}"
    );
    assert!(message.contains("restored: a.yaml"), "{message}");
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert_eq!(
        read("b.yaml"),
        "a person's edit\n",
        "the person's edit is kept"
    );
    assert_eq!(
        read("a.yaml"),
        edits[0].before,
        "the file before it is restored"
    );
    assert_eq!(
        read("c.yaml"),
        edits[2].before,
        "the file after it is not written"
    );
    assert!(temporary_files(dir.path()).is_empty());
}
