//! The command line's own documents: shell completion scripts (clap_complete) and man pages
//! (clap_mangen), generated from the same clap description as `--help`, so they never drift
//! from the flags.
//!
//! Responsibility: render into memory or the writer it is given, nothing else; [`crate::run`]
//! decides where the bytes go. Invariants: the output is the same bytes for the same binary (no
//! date in the pages); the pages are the main one (`gitops-restart.1`) first, then one per
//! command (`gitops-restart-plan.1`, ...), without clap's `help` command.

use std::io::Write;

use clap::CommandFactory as _;

use super::{Cli, Shell};

/// The binary's name, as the scripts complete it and the pages title it.
const NAME: &str = "gitops-restart";

/// Write `shell`'s completion script for every command and flag.
pub fn completions(shell: Shell, out: &mut dyn Write) -> std::io::Result<()> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Elvish => clap_complete::Shell::Elvish,
        Shell::PowerShell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), NAME, &mut script);
    if shell == clap_complete::Shell::Bash {
        // clap_complete's bash script spells a command's state `gitops__restart__subcmd__plan`
        // where it is set and `gitops__subcmd__restart__subcmd__plan` where it is matched, so a
        // command's flags never complete for a name with a hyphen (clap-rs/clap#6421): the
        // matches are spelled as they are set. A no-op once clap_complete is fixed.
        let fixed = String::from_utf8_lossy(&script).replace(
            "gitops__subcmd__restart__subcmd__",
            "gitops__restart__subcmd__",
        );
        return out.write_all(fixed.as_bytes());
    }
    out.write_all(&script)
}

/// One man page: its file name (`gitops-restart-plan.1`) and its roff text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManPage {
    pub file_name: String,
    pub roff: Vec<u8>,
}

/// The man pages in section 1: the main page first, then one per command (and per nested
/// command, were there any), each titled and named `gitops-restart-COMMAND`.
pub fn man_pages() -> std::io::Result<Vec<ManPage>> {
    let mut root = Cli::command().disable_help_subcommand(true);
    // Built, each command's display name is `gitops-restart-COMMAND`.
    root.build();
    let mut pages = Vec::new();
    let mut pending = vec![root];
    while let Some(command) = pending.pop() {
        pages.push(ManPage {
            file_name: clap_mangen::Man::new(command.clone()).get_filename(),
            roff: render(&command)?,
        });
        let mut children: Vec<clap::Command> = command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .cloned()
            .collect();
        children.reverse();
        pending.extend(children);
    }
    Ok(pages)
}

/// clap_mangen's page, except that the text after the options (`after_help`: the inventory
/// sources, exit codes, examples), laid out in columns for `--help`, is a NOTES section kept
/// as written instead of an EXTRA section whose lines roff would fill into paragraphs.
fn render(command: &clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if command.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    if let Some(after) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
    {
        let mut notes = clap_mangen::roff::Roff::new();
        notes.control("SH", ["NOTES"]).control("nf", []);
        for line in after.to_string().lines() {
            notes.text([clap_mangen::roff::roman(line)]);
        }
        notes.control("fi", []);
        notes.to_writer(&mut out)?;
    }
    if command.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_command_the_main_one_first() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|p| p.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "gitops-restart.1",
                "gitops-restart-plan.1",
                "gitops-restart-apply.1",
                "gitops-restart-pr.1",
                "gitops-restart-verify.1",
                "gitops-restart-rbac.1",
                "gitops-restart-completions.1",
                "gitops-restart-man.1",
            ]
        );
        for page in &pages {
            let text = String::from_utf8(page.roff.clone()).unwrap();
            let title = page.file_name.trim_end_matches(".1");
            assert!(text.contains(&format!("\n.TH {title} 1 ")), "{text}");
            assert!(text.contains("\n.SH NAME\n"), "{text}");
            assert!(text.contains("\n.SH SYNOPSIS\n"), "{text}");
            assert!(!text.contains(".SH EXTRA"), "{text}");
        }
        assert_eq!(man_pages().unwrap(), pages, "the same bytes every time");
        // The examples after the options are kept line by line.
        let main = String::from_utf8(pages[0].roff.clone()).unwrap();
        let notes = &main[main.find("\n.SH NOTES\n.nf\n").expect("a NOTES section")..];
        assert!(notes.contains("\nExit codes: 0 done"), "{notes}");
        assert!(notes.contains("\n.fi\n"), "{notes}");
    }

    #[test]
    fn every_shell_completes_every_command() {
        for shell in Shell::ALL {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let script = String::from_utf8(out).unwrap();
            for word in [
                "plan",
                "apply",
                "pr",
                "verify",
                "rbac",
                "completions",
                "man",
            ] {
                assert!(script.contains(word), "{shell:?}: no `{word}`");
            }
            // Fish names long flags without their dashes (`-l launched-before`).
            assert!(script.contains("launched-before"), "{shell:?}");
        }
    }
}
