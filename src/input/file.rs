//! An input's bytes: a file or stdin (`-`), read up to a limit, as UTF-8 text.
//!
//! It must not interpret the text. Invariants: at most the limit plus one byte is read, so an
//! endless stream (`/dev/zero` on stdin, a pipe that never ends) ends with [`ReadError::TooLarge`]
//! rather than exhausting memory; a regular file larger than the limit is refused before it is
//! read; devices, sockets and directories are refused without being read (a pipe, such as
//! `<(kubectl get ...)`, is read); a regular file is read into a buffer of its own size, so a
//! big snapshot is not copied while it is read.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// The most bytes an input of one kind may hold, and what to call that kind in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    /// "a snapshot", "a notice": what the limit is for.
    pub what: &'static str,
}

/// A snapshot: a whole cluster's objects, as `kubectl get -o json` prints them. 50,000 pods
/// with their `managedFields` take a few hundred MB; the limit leaves room above that, and the
/// text is held in memory once.
pub(crate) const SNAPSHOT: Limit = Limit {
    bytes: 1 << 30,
    what: "a snapshot",
};

/// A notice: one AWS Health event, or EKS events (thousands of them fit).
pub(crate) const NOTICE: Limit = Limit {
    bytes: 16 << 20,
    what: "a notice",
};

/// The configuration file.
pub(crate) const CONFIG: Limit = Limit {
    bytes: 16 << 20,
    what: "the configuration file",
};

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.bytes;
        match bytes {
            b if b >= 1 << 30 && b % (1 << 30) == 0 => write!(f, "{} GiB", b >> 30),
            b if b >= 1 << 20 && b % (1 << 20) == 0 => write!(f, "{} MiB", b >> 20),
            b if b >= 1 << 10 && b % (1 << 10) == 0 => write!(f, "{} KiB", b >> 10),
            b => write!(f, "{b} bytes"),
        }
    }
}

/// Why an input could not be read. Each renders as one line naming the input.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The system refused (no such file, no permission, a read error).
    #[error("cannot read {name}: {cause}")]
    Io { name: String, cause: std::io::Error },
    /// More bytes than the limit.
    #[error("cannot read {name}: larger than {limit}, the limit for {}", .limit.what)]
    TooLarge { name: String, limit: Limit },
    /// A device, a socket or a directory.
    #[error("cannot read {name}: {what}, not a file or a pipe")]
    NotAFile { name: String, what: &'static str },
    /// Bytes that are not UTF-8.
    #[error("cannot read {name}: not UTF-8 text{}", utf16_hint(*.utf16))]
    NotUtf8 { name: String, utf16: bool },
}

fn utf16_hint(utf16: bool) -> &'static str {
    if utf16 {
        " (UTF-16, as PowerShell's `>` writes it: save it as UTF-8)"
    } else {
        ""
    }
}

impl ReadError {
    /// The system refused to read `path` (for tests of the readers' callers).
    #[cfg(test)]
    pub(crate) fn io(path: &Path, cause: std::io::Error) -> ReadError {
        ReadError::Io {
            name: path.display().to_string(),
            cause,
        }
    }

    /// The file does not exist (an optional input may be absent).
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Read an input: the file at `path`, or stdin when `path` is `-`, as text of at most
/// `limit.bytes` bytes. Messages name the input as `path` displays.
pub(crate) fn read(path: &Path, limit: Limit) -> Result<String, ReadError> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        return read_from(std::io::stdin().lock(), &name, limit, 0);
    }
    let io = |cause| ReadError::Io {
        name: name.clone(),
        cause,
    };
    // Looked at before opening: opening a device can itself do something.
    let metadata = std::fs::metadata(path).map_err(io)?;
    if let Some(what) = not_a_file(metadata.file_type()) {
        return Err(ReadError::NotAFile { name, what });
    }
    let size = if metadata.is_file() {
        metadata.len()
    } else {
        0
    };
    if size > limit.bytes {
        return Err(ReadError::TooLarge { name, limit });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    read_from(file, &name, limit, usize::try_from(size).unwrap_or(0))
}

/// What a file type is when it is neither a regular file nor a pipe.
fn not_a_file(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    None
}

/// Read at most `limit.bytes` bytes of text from `reader`; `expected` is the size to reserve
/// (0 when unknown).
pub(super) fn read_from(
    reader: impl Read,
    name: &str,
    limit: Limit,
    expected: usize,
) -> Result<String, ReadError> {
    let mut bytes = Vec::with_capacity(expected);
    // One byte past the limit tells "exactly the limit" from "more".
    reader
        .take(limit.bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|cause| ReadError::Io {
            name: name.to_owned(),
            cause,
        })?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit.bytes {
        return Err(ReadError::TooLarge {
            name: name.to_owned(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|error| ReadError::NotUtf8 {
        name: name.to_owned(),
        utf16: matches!(error.as_bytes(), [0xff, 0xfe, ..] | [0xfe, 0xff, ..]),
    })
}
