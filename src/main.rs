//! The binary: parse the arguments, set up logging, resolve them into a [`Run`], run it, and map
//! the result to an exit code (0 done, 1 error, 2 pending). It decides nothing itself.
//!
//! A report whose reader went away (`gitops-restart plan | head -1`: the write fails with
//! EPIPE, as Rust ignores SIGPIPE) is dropped quietly: the run ends as it would have otherwise,
//! with no message and its own exit code.

use std::process::ExitCode;

use clap::Parser as _;
use gitops_restart::actions::{self, Github};
use gitops_restart::report::{escape_line, escape_text};
use gitops_restart::settings::{Cli, Run};
use gitops_restart::{Outcome, run_with};

fn main() -> ExitCode {
    if let Err(err) = gitops_restart::settings::check_environment() {
        return fail(&err.to_string(), actions::Env::from_process().is_some());
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with 0; a usage error is an error (1), not "pending".
            if !err.use_stderr() {
                let _ = err.print();
                return ExitCode::SUCCESS;
            }
            // A usage error quotes the argument, which may come from outside (an input of the
            // action): shown escaped, line by line, when it holds anything to escape.
            let plain = err.render().to_string();
            if plain.lines().all(|line| escape_line(line) == line) {
                let _ = err.print();
            } else {
                for line in plain.lines() {
                    eprintln!("{}", escape_line(line));
                }
            }
            return ExitCode::from(1);
        }
    };
    init_logging(cli.verbose);
    // In GitHub Actions: outputs, step summary, and workflow commands on stderr (the runner
    // reads both streams; stdout stays the report).
    let actions_env = actions::Env::from_process();
    let run = match Run::from_cli(cli, chrono::Utc::now()) {
        Ok(run) => run,
        Err(err) => return fail(&err.to_string(), actions_env.is_some()),
    };
    let mut stderr = std::io::stderr();
    let mut github = actions_env.clone().map(|env| Github {
        env,
        commands: &mut stderr,
    });
    // Buffered: a report is many small writes.
    let mut stdout = std::io::BufWriter::new(QuietWhenClosed::new(anstream::stdout().lock()));
    let result = run_with(&run, github.as_mut(), &mut stdout).and_then(|outcome| {
        std::io::Write::flush(&mut stdout)?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Pending) => ExitCode::from(2),
        Err(err) => fail(&format!("{err:#}"), actions_env.is_some()),
    }
}

/// One line on stderr, an `::error::` annotation in GitHub Actions; exit 1. The message may
/// quote outside text (a path, a name, a server's answer): its control characters are shown
/// escaped, so it stays one line and drives no terminal.
fn fail(message: &str, in_actions: bool) -> ExitCode {
    if in_actions {
        eprint!("{}", actions::error(message));
    } else {
        eprintln!("error: {}", escape_text(message));
    }
    ExitCode::from(1)
}

/// The report's stdout: once its reader is gone (a write fails with EPIPE), the rest of the
/// report is dropped without a word; the run goes on and ends with its own exit code (`pr`
/// has finished its GitHub work before the report is written).
struct QuietWhenClosed<W> {
    inner: W,
    closed: bool,
}

impl<W> QuietWhenClosed<W> {
    fn new(inner: W) -> Self {
        QuietWhenClosed {
            inner,
            closed: false,
        }
    }

    fn closed_on<T>(&mut self, result: std::io::Result<T>, done: T) -> std::io::Result<T> {
        match result {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            other => other,
        }
    }
}

impl<W: std::io::Write> std::io::Write for QuietWhenClosed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.closed_on(result, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.closed_on(result, ())
    }
}

/// Stderr for the logs, one event per write: a line break inside an event (a name or a message
/// that holds one) is shown as `\n`, so that no line of a log starts with outside text.
struct OneLinePerEvent(std::io::Stderr);

impl std::io::Write for OneLinePerEvent {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, eol) = text.strip_suffix('\n').map_or((&*text, ""), |b| (b, "\n"));
        self.0
            .write_all(format!("{}{eol}", escape_text(body)).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
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
                eprintln!(
                    "warning: RUST_LOG `{}` is not a log filter ({err}); ignored",
                    escape_text(&v)
                );
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
        .with_writer(|| OneLinePerEvent(std::io::stderr()))
        .with_ansi(false)
        .init();
}
