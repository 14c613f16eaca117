//! What the two API clients (Kubernetes through kube, GitHub through octocrab) share: the
//! process's one async runtime, one retry policy, and how an error's chain of causes is worded
//! ([`error_chain`]). Their proxy, and the connector under both, are [`crate::proxy`]'s.
//!
//! The rest of the tool is synchronous; the clients enter async code through [`block_on`] on a
//! single-threaded runtime made once. A request is sent again only after a fault that retrying
//! can cure (no answer, a 5xx, a rate limit), waiting a backoff that doubles from
//! [`RetryPolicy::first`], a bounded number of times. A request that changes something and is not
//! safe to repeat ([`Replay::Never`]) is never sent again after a fault that may have come after
//! the server acted on it: a second comment is worse than a failed run that the next run
//! finishes. This module does no I/O itself and never sees a credential.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

/// Run `future` to completion on the process's runtime (made on first use).
///
/// # Errors
/// The runtime could not be started (the operating system refused a thread or a timer).
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime.block_on(future));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(RUNTIME.get_or_init(|| runtime).block_on(future))
}

/// An error and its sources, `outer: inner: root`, leaving out a source whose words are
/// already in what came before (libraries often repeat their source in their own message).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; each later one doubles it. Also the unit in which
    /// server-given waits (`Retry-After` seconds) are counted, so tests can run the same
    /// schedule in milliseconds.
    pub first: Duration,
}

impl RetryPolicy {
    /// The Kubernetes API: four attempts, 0.2 s, 0.4 s, 0.8 s apart.
    pub const KUBERNETES: RetryPolicy = RetryPolicy {
        attempts: 4,
        first: Duration::from_millis(200),
    };

    /// GitHub: five attempts, 1 s, 2 s, 4 s, 8 s apart (secondary rate limits ask for more,
    /// and get what they ask).
    pub const GITHUB: RetryPolicy = RetryPolicy {
        attempts: 5,
        first: Duration::from_secs(1),
    };

    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.first * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// Whether another attempt may follow failed attempt `attempt`.
    pub fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.attempts
    }
}

/// Whether a request that changes something may be sent again when its answer was lost or a
/// server error (it may have been carried out all the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Repeating it does no harm: reads, content-addressed objects (git blobs, trees, commits),
    /// setting a value, or a creation whose repeat the server refuses in a way the caller
    /// handles (a branch or pull request that already exists).
    Safe,
    /// Repeating it would do it twice (a comment): sent again only when the server said it did
    /// not act (a rate limit).
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_the_attempts() {
        let policy = RetryPolicy::KUBERNETES;
        let waits: Vec<_> = (1..policy.attempts).map(|a| policy.backoff(a)).collect();
        assert_eq!(
            waits,
            [200, 400, 800].map(Duration::from_millis),
            "three waits between four attempts"
        );
        assert!(policy.may_retry(3) && !policy.may_retry(4));
    }

    #[test]
    fn one_runtime_serves_every_call() {
        let first = block_on(async { tokio::runtime::Handle::current().id() }).unwrap();
        let second = block_on(async { tokio::runtime::Handle::current().id() }).unwrap();
        assert_eq!(first, second);
    }
}
