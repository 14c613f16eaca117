//! Progress while listing a large cluster: a spinner with counts on a terminal, nothing
//! otherwise.
//!
//! Responsibility: the one place that may draw on stderr while the library works. The library
//! reports through [`Progress`]; which implementation it gets is decided at the edge
//! ([`for_stderr`]), so pipes, CI logs and tests stay silent and the report on stdout is never
//! mixed with progress.
//!
//! It must not draw anything but its own line, and must leave the terminal clean: the line is
//! erased when listing ends (or the spinner is dropped on an error), before any report or
//! error message is written.
//!
//! Invariants: a [`Spinner`] draws at most every [`TICK`] from its own thread, so a slow
//! request still shows that something is happening, and updates cost a mutex, not a write.

use std::io::{IsTerminal as _, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the spinner redraws.
pub const TICK: Duration = Duration::from_millis(100);

/// What the library tells about a long-running listing.
pub trait Progress {
    /// Listing `resource`; `objects` items and `pages` pages so far in all.
    fn update(&mut self, resource: &str, objects: usize, pages: usize);
    /// Listing is over: erase whatever was drawn.
    fn finish(&mut self);
}

/// Draws nothing: pipes, CI logs, tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn update(&mut self, _: &str, _: usize, _: usize) {}
    fn finish(&mut self) {}
}

/// A spinner on stderr when stderr is a terminal, else [`Silent`].
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Spinner::start(Box::new(std::io::stderr())))
    } else {
        Box::new(Silent)
    }
}

#[derive(Default)]
struct State {
    resource: String,
    objects: usize,
    pages: usize,
    done: bool,
}

/// A one-line spinner, `⠹ listing pods: 12,500 objects, 25 pages`, redrawn from a thread.
pub struct Spinner {
    state: Arc<(Mutex<State>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

impl Spinner {
    /// Start drawing into `out` (stderr; a buffer in tests).
    pub fn start(mut out: Box<dyn Write + Send>) -> Self {
        let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut frame = 0usize;
            let mut guard = lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            loop {
                if guard.done {
                    break;
                }
                let line = format!(
                    "\r\x1b[2K{} listing {}: {} objects, {} pages",
                    FRAMES[frame % FRAMES.len()],
                    if guard.resource.is_empty() {
                        "the API"
                    } else {
                        &guard.resource
                    },
                    thousands(guard.objects),
                    guard.pages
                );
                // A terminal that went away is no reason to fail the run.
                let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
                frame += 1;
                guard = wake
                    .wait_timeout(guard, TICK)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
            }
            let _ = out.write_all(b"\r\x1b[2K").and_then(|()| out.flush());
        });
        Spinner {
            state,
            thread: Some(thread),
        }
    }
}

impl Progress for Spinner {
    fn update(&mut self, resource: &str, objects: usize, pages: usize) {
        let mut state = self
            .state
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.resource != resource {
            resource.clone_into(&mut state.resource);
        }
        state.objects = objects;
        state.pages = pages;
    }

    fn finish(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.state
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .done = true;
            self.state.1.notify_all();
            let _ = thread.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `12500` as `12,500`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read after the spinner's thread wrote into it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_spinner_shows_counts_and_erases_its_line() {
        let buffer = Shared::default();
        let mut spinner = Spinner::start(Box::new(buffer.clone()));
        spinner.update("pods", 12_500, 25);
        std::thread::sleep(TICK * 3);
        spinner.finish();
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("listing pods: 12,500 objects, 25 pages"),
            "{text:?}"
        );
        assert!(text.ends_with("\r\x1b[2K"), "{text:?}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
