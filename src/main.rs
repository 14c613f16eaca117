//! The binary: parse arguments, set up logging, run, map the result to an exit code (0 done,
//! 1 error, 2 pending).

use std::process::ExitCode;

use clap::Parser as _;
use gitops_restart::actions::{self, Github};
use gitops_restart::cli::{Cli, Command, Mode, Settings};
use gitops_restart::{Outcome, run_with};

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
    init_logging(cli.verbose);
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
            if actions::Env::from_process().is_some() {
                eprint!("{}", actions::error(&message));
            } else {
                eprintln!("error: {message}");
            }
            return ExitCode::from(1);
        }
    };
    // In GitHub Actions: outputs, step summary, and workflow commands on stderr (the runner
    // reads both streams; stdout stays the report).
    let actions_env = actions::Env::from_process();
    let mut stderr = std::io::stderr();
    if actions_env.is_some() && settings.mode == Mode::Pr {
        let token = settings
            .pull_request
            .as_ref()
            .and_then(|flags| std::env::var(&flags.token_env).ok());
        if let Some(token) = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
            let _ = std::io::Write::write_all(&mut stderr, actions::add_mask(&token).as_bytes());
        }
    }
    let mut github = actions_env.clone().map(|env| Github {
        env,
        commands: &mut stderr,
    });
    // Buffered: a report is many small writes.
    let mut stdout = std::io::BufWriter::new(anstream::stdout().lock());
    let result = run_with(&settings, github.as_mut(), &mut stdout).and_then(|outcome| {
        std::io::Write::flush(&mut stdout)?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Pending) => ExitCode::from(2),
        Err(err) => {
            if actions_env.is_some() {
                eprint!("{}", actions::error(&format!("{err:#}")));
            } else {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(1)
        }
    }
}

/// Logs go to stderr (stdout is the report), without colours, and only when asked for: `-v`,
/// `RUST_LOG`, or the runner's debug logging (`RUNNER_DEBUG=1`).
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 if std::env::var("RUNNER_DEBUG").is_ok_and(|v| v == "1") => Some("debug"),
        0 => None,
        1 => Some("info"),
        2 => Some("debug"),
        _ => Some("trace"),
    };
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| match tracing_subscriber::EnvFilter::try_new(&v) {
            Ok(filter) => Some(filter),
            Err(err) => {
                eprintln!("warning: RUST_LOG `{v}` is not a log filter ({err}); ignored");
                None
            }
        });
    let filter = match (from_env, level) {
        (Some(filter), _) => filter,
        (None, Some(level)) => {
            tracing_subscriber::EnvFilter::new(format!("gitops_restart={level}"))
        }
        (None, None) => return,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
