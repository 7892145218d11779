//! Errors as values a person can act on: which file, where in it, what went wrong, what to do.
//!
//! Every fallible core operation returns [`Error`]. Its `Display` is one line, suitable for the
//! CLI's stderr and the GUI's message bar alike. Nothing in the core panics on bad input.

use std::fmt;
use std::path::{Path, PathBuf};

use unicode_segmentation::GraphemeCursor;

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
    /// Another program held the file's write lock for too long; nothing was written.
    Locked,
    /// A codebook is malformed or inconsistent.
    Codebook,
    /// An import or export failed on its input.
    Format,
    /// The request itself does not make sense (unknown code, span out of range, ...).
    Usage,
    /// The job was stopped before it finished, by the user or because the thread doing it
    /// ended; nothing was written.
    Cancelled,
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
    /// One line, safe to print on a terminal: control characters that came from a file or a
    /// file name (escape sequences, line breaks, bells) and bidirectional overrides are shown
    /// escaped, never raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", printable(&file.display().to_string()))?;
            if let Some(p) = self.place {
                write!(f, ":{}:{}", p.line, p.column)?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", printable(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, " ({})", printable(hint))?;
        }
        Ok(())
    }
}

/// `text` with control characters and bidirectional formatting characters escaped (`\n`,
/// `\u{1b}`), so that printing it cannot move the cursor, change colours, ring a bell, start a
/// new line or reorder what follows.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How many characters of a name or text from a file an error message quotes.
pub const QUOTE_CHARS: usize = 40;

/// The first `n` user-perceived characters (grapheme clusters) of `s` on one line, with an
/// ellipsis when cut: for lists, status lines and tables. Never splits an emoji or an accent
/// from its letter; control characters (line breaks, tabs) become spaces.
pub fn excerpt(s: &str, n: usize) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len().min(4 * n + 3));
    let (mut at, mut count, mut last) = (0, 0, 0);
    while at < s.len() {
        if count == n {
            // There is more: the last character taken makes way for the ellipsis.
            out.truncate(last);
            out.push('…');
            return out;
        }
        last = out.len();
        let b = bytes[at];
        // A printable ASCII character followed by ASCII (or nothing) is a cluster of its own:
        // no ASCII character extends or joins the one before it. (A table of a million rows
        // spends most of its time here.)
        if (0x20..0x7F).contains(&b) && bytes.get(at + 1).is_none_or(u8::is_ascii) {
            out.push(b as char);
            at += 1;
        } else {
            let next = GraphemeCursor::new(at, s.len(), true).next_boundary(s, 0).ok().flatten().unwrap_or(s.len());
            let cluster = &s[at..next];
            if cluster.chars().any(char::is_control) {
                out.push(' ');
            } else {
                out.push_str(cluster);
            }
            at = next;
        }
        count += 1;
    }
    out
}

/// The 1-based line and column (in code points) of byte offset `byte` of `text`, for messages
/// that point into a file. An offset past the end or inside a character counts as the start of
/// that character. The one place where Marginalia turns an offset into a line and column.
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let byte = text.floor_char_boundary(byte.min(text.len()));
    let before = &text[..byte];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
