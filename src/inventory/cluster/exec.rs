//! Exec credential plugins (`aws eks get-token`), run by the tool itself within a time limit.
//!
//! Responsibility: run the kubeconfig's `users[].user.exec` plugin the way client-go does (its
//! arguments, its environment, `KUBERNETES_EXEC_INFO`, stdin only when interactive), read the
//! `ExecCredential` it prints (JSON or YAML), and put its token (or client certificate) into
//! the configuration in place of the plugin, so that kube never runs the plugin itself (kube
//! waits on it without a limit, on the runtime's only thread, and again for each client it
//! builds). A token that says when it expires is refreshed by running the plugin again, a
//! minute before ([`Plugin::expiring`]).
//!
//! A plugin that produces nothing within `--request-timeout` is stopped with its whole process
//! group (a shell script's `sleep` too: it runs in a group of its own) and named: "the exec
//! plugin `aws` produced no credentials in 30s". One that runs on a terminal and may ask the
//! person there (`interactiveMode` not `Never`, stdin a terminal) keeps the terminal and has no
//! limit: the person can answer it or stop it.
//!
//! It must not show what the plugin prints on stdout (the credential), its arguments or its
//! environment: failures are worded by [`super::describe::credentials_error`] from kube's own
//! error types, on one line (the program, its exit status, the first line of its stderr,
//! scrubbed; a program that cannot be started, with the first line of the kubeconfig's
//! `installHint`), and the token joins the secrets every message is scrubbed of.

use std::io::{IsTerminal as _, Read as _};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kube::client::AuthError;
use kube::config::{Config, ExecConfig, ExecInteractiveMode};
use serde::Deserialize;

use super::describe::{credentials_error, start_error};
use crate::redact;

/// A token is refreshed this long before it expires, as kube does.
const REFRESH_BEFORE: Duration = Duration::from_secs(60);
/// How often a running plugin is looked at.
const POLL: Duration = Duration::from_millis(20);

/// What a plugin prints: an `ExecCredential`, of which only the status counts.
#[derive(Deserialize)]
struct ExecCredential {
    status: Option<Status>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    expiration_timestamp: Option<String>,
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// The kubeconfig's exec plugin, once its credentials are in the configuration.
pub(super) struct Plugin {
    exec: ExecConfig,
    timeout: Duration,
    /// When the token it gave expires; `None`: never, as far as it said.
    expires: Option<DateTime<Utc>>,
}

impl Plugin {
    /// Run the plugin of `config`, if it has one, and put its credentials in the configuration
    /// instead (their forms added to `secrets`). `None` when the configuration names no plugin.
    pub(super) fn take(
        config: &mut Config,
        timeout: Duration,
        secrets: &mut Vec<String>,
    ) -> Result<Option<Plugin>, String> {
        let Some(exec) = config.auth_info.exec.take() else {
            return Ok(None);
        };
        let mut plugin = Plugin {
            exec,
            timeout,
            expires: None,
        };
        plugin.refresh(config, secrets)?;
        Ok(Some(plugin))
    }

    /// Whether the token expires within [`REFRESH_BEFORE`].
    pub(super) fn expiring(&self) -> bool {
        self.expires.is_some_and(|at| {
            at - chrono::Duration::from_std(REFRESH_BEFORE).unwrap_or_default() <= Utc::now()
        })
    }

    /// Run the plugin again and put what it gives in the configuration.
    pub(super) fn refresh(
        &mut self,
        config: &mut Config,
        secrets: &mut Vec<String>,
    ) -> Result<(), String> {
        let program = self.exec.command.clone();
        let fail = |err: &AuthError, secrets: &[String]| {
            format!(
                "cannot get credentials from the kubeconfig: {}",
                credentials_error(err, program.as_deref(), secrets)
            )
        };
        let out = match run(&self.exec, self.timeout) {
            Ok(out) => out,
            Err(Failure::Auth(AuthError::AuthExecStart(io))) => {
                let plugin = format!("the exec plugin `{}`", program.as_deref().unwrap_or("?"));
                return Err(format!(
                    "cannot get credentials from the kubeconfig: {}",
                    start_error(&io, &plugin, self.exec.install_hint.as_deref())
                ));
            }
            Err(Failure::Auth(err)) => return Err(fail(&err, secrets)),
            Err(Failure::TimedOut) => {
                return Err(format!(
                    "cannot get credentials from the kubeconfig: the exec plugin `{}` produced no \
                     credentials in {}, so it was stopped: it may be waiting for input, a login \
                     or a network it cannot reach; run the kubeconfig's exec command by hand in \
                     the same environment to see what it waits for, or give --request-timeout \
                     more time",
                    program.as_deref().unwrap_or("?"),
                    super::error::seconds(self.timeout)
                ));
            }
        };
        let credential: ExecCredential = serde_saphyr::from_slice(&out.stdout)
            .map_err(|e| fail(&AuthError::AuthExecParse(Box::new(e)), secrets))?;
        let status = credential
            .status
            .ok_or_else(|| fail(&AuthError::ExecPluginFailed, secrets))?;
        let auth = &mut config.auth_info;
        if let (Some(certificate), Some(key)) =
            (status.client_certificate_data, status.client_key_data)
        {
            secrets.extend(redact::forms(&key));
            let encode = |pem: &str| crate::encoding::encode_base64(pem.as_bytes(), false);
            auth.client_certificate_data = Some(encode(&certificate));
            auth.client_key_data = Some(encode(&key).into());
        } else if let Some(token) = status.token {
            secrets.extend(redact::forms(&token));
            auth.token = Some(token.into());
        } else {
            return Err(format!(
                "cannot get credentials from the kubeconfig: the exec plugin `{}` printed an \
                 ExecCredential with neither a token nor a client certificate and key",
                program.as_deref().unwrap_or("?")
            ));
        }
        self.expires = status
            .expiration_timestamp
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc));
        Ok(())
    }
}

/// Why a plugin gave nothing.
enum Failure {
    /// It could not start, failed, or printed no credential: kube's words for it.
    Auth(AuthError),
    /// Nothing within the time limit: it was stopped.
    TimedOut,
}

/// Run the plugin as client-go does, within `timeout` unless a person may be answering it.
fn run(exec: &ExecConfig, timeout: Duration) -> Result<Output, Failure> {
    let Some(program) = &exec.command else {
        return Err(Failure::Auth(AuthError::MissingCommand));
    };
    let mut cmd = Command::new(program);
    cmd.args(exec.args.iter().flatten());
    for variable in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (variable.get("name"), variable.get("value")) {
            cmd.env(name, value);
        }
    }
    // Interactive only on a terminal, as client-go decides: a CI job's stdin is no person.
    let interactive =
        exec.interactive_mode != Some(ExecInteractiveMode::Never) && std::io::stdin().is_terminal();
    let mut spec = serde_json::json!({ "interactive": interactive });
    if exec.provide_cluster_info
        && let Some(cluster) = &exec.cluster
    {
        spec["cluster"] = serde_json::to_value(cluster).unwrap_or_default();
    }
    let info = serde_json::json!({
        "apiVersion": exec.api_version,
        "kind": "ExecCredential",
        "spec": spec,
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    let failed = |out: Output| {
        Failure::Auth(AuthError::AuthExecRun {
            cmd: program.clone(),
            out: Box::new(out),
        })
    };
    if interactive {
        // The person at the terminal answers it, or stops it: no time limit.
        cmd.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        let out = cmd
            .output()
            .map_err(|e| Failure::Auth(AuthError::AuthExecStart(e)))?;
        return if out.status.success() {
            Ok(out)
        } else {
            Err(failed(out))
        };
    }
    // A process group of its own, so that stopping it stops what it started too.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Auth(AuthError::AuthExecStart(e)))?;
    let deadline = Instant::now() + timeout;
    let out = wait(&mut child, deadline);
    let Some(out) = out else {
        stop(&mut child);
        return Err(Failure::TimedOut);
    };
    if out.status.success() {
        Ok(out)
    } else {
        Err(failed(out))
    }
}

/// The child's output once it has exited and closed both pipes, or `None` at `deadline`.
fn wait(child: &mut Child, deadline: Instant) -> Option<Output> {
    let (sender, receiver) = mpsc::channel();
    for (stream, pipe) in [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ),
    ] {
        let sender = sender.clone();
        let Some(mut pipe) = pipe else { continue };
        // Ends when every process holding the pipe's write end has exited (or been stopped).
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send((stream, bytes));
        });
    }
    drop(sender);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        std::thread::sleep(left.min(POLL));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok((0, bytes)) => stdout = bytes,
            Ok((_, bytes)) => stderr = bytes,
            // Its pipes still open at the deadline: something it started holds them.
            Err(mpsc::RecvTimeoutError::Timeout) => return None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    Some(Output {
        status,
        stdout,
        stderr,
    })
}

/// Stop the plugin's process group and reap the plugin.
fn stop(child: &mut Child) {
    let group = rustix::process::Pid::from_child(child);
    if rustix::process::kill_process_group(group, rustix::process::Signal::KILL).is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
}
