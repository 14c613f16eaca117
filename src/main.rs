//! The binary: parse arguments, run, map the result to an exit code (0 done, 1 error, 2 pending).

use std::process::ExitCode;

use clap::Parser as _;
use gitops_restart::cli::{Cli, Command, Settings};
use gitops_restart::{Outcome, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with 0; a usage error is an error (1), not "pending".
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // `rbac` reads nothing: it prints its YAML and is done.
    if let Command::Rbac(args) = &cli.command {
        let mut stdout = std::io::stdout().lock();
        return match gitops_restart::rbac::render(&args.group, &mut stdout) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: cannot write the ClusterRole: {err}");
                ExitCode::from(1)
            }
        };
    }
    let settings = match Settings::from_cli(cli, chrono::Utc::now()) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };
    // Buffered: a report is many small writes.
    let mut stdout = std::io::BufWriter::new(anstream::stdout().lock());
    let result = run(&settings, &mut stdout).and_then(|outcome| {
        std::io::Write::flush(&mut stdout)?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Pending) => ExitCode::from(2),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
