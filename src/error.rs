//! Errors as values a person can act on: which file, where in it, what went wrong, what to do.
//!
//! Every fallible core operation returns [`Error`]. Its `Display` is one line, suitable for the
//! CLI's stderr and the GUI's message bar alike. Nothing in the core panics on bad input.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place inside a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read or written.
    Io,
    /// The document cannot be opened as text.
    Document,
    /// The sidecar is malformed, foreign or inconsistent.
    Sidecar,
    /// The sidecar changed on disk since it was read; nothing was written.
    Conflict,
    /// A codebook is malformed or inconsistent.
    Codebook,
    /// An import or export failed on its input.
    Format,
    /// The request itself does not make sense (unknown code, span out of range, ...).
    Usage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub file: Option<PathBuf>,
    pub place: Option<Place>,
    /// What went wrong, as a sentence fragment that follows the file name.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, file: None, place: None, message: message.into(), hint: None }
    }
    pub fn io(path: &Path, what: &str, err: std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::NotFound => "check the path",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            std::io::ErrorKind::StorageFull => "free some disk space and try again; nothing was lost",
            _ => "check that the disk is available and try again",
        };
        Self::new(ErrorKind::Io, format!("{what}: {err}")).in_file(path).hint(hint)
    }
    pub fn document(path: &Path, message: &str, hint: &str) -> Self {
        Self::new(ErrorKind::Document, message).in_file(path).hint(hint)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn in_file(mut self, path: &Path) -> Self {
        self.file = Some(path.to_path_buf());
        self
    }
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.place = Some(Place { line, column });
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(p) = self.place {
                write!(f, ":{}:{}", p.line, p.column)?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
