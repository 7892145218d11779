//! The state the app shares with its views, below every view: which panels are shown, a
//! document being opened, the class folder open, what the class dashboard asks for and an
//! export as chosen. Plain data; nothing here draws or touches the disk.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::class::ClassManifest;
use crate::error::Error;
use crate::export::{Format, Options};
use crate::session::Session;

/// Below this window width (points) the annotation panel moves under the text.
pub const NARROW_WIDTH: f32 = 900.0;

/// Which side panels are shown (each can be hidden with a shortcut).
pub struct Panels {
    pub annotations: bool,
    pub folder: bool,
    /// The folder list in a narrow window: hidden unless asked for.
    pub folder_when_narrow: bool,
}

impl Default for Panels {
    fn default() -> Self {
        Self { annotations: true, folder: true, folder_when_narrow: false }
    }
}

/// A document being opened on a worker thread (large files), and how to let it go.
pub struct Opening {
    pub path: PathBuf,
    pub bytes: u64,
    pub started: Instant,
    pub(super) result: super::task::Pending<Result<Session, Error>>,
}

/// Documents (or sidecars) at least this large are opened on a thread of their own, with a
/// message and a Cancel button, even before the first frame (every document opened while the
/// window runs is): opening a 10 MB document with 100,000 annotations takes about half a second.
pub const OPEN_IN_BACKGROUND_BYTES: u64 = 1_000_000;

/// The class folder the app has open: its manifest, its students and their pseudonyms (read
/// on the worker whenever the folder is read, see [`super::pseudonym_store::read_class`]; the
/// menu offers the dashboard when it names a key).
#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub root: PathBuf,
    pub manifest: ClassManifest,
    /// Every coder with a sidecar in the folder but the key, sorted.
    pub students: Vec<String>,
    /// Every name a student goes by (their sidecars' file-name part, the names they sign
    /// with) → their pseudonym: one map for every view, window and export.
    pub aliases: BTreeMap<String, String>,
    /// The class's pseudonyms as kept on this computer.
    pub pseudonyms: crate::class::pseudonym::PseudonymMap,
    /// Why the pseudonyms could not be kept, if they could not.
    pub problem: Option<String>,
}

impl ClassInfo {
    pub fn has_key(&self) -> bool {
        self.manifest.key.is_some()
    }
}

/// What the dashboard asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassCommand {
    /// Open the dashboard and grade the class (again).
    Grade,
    /// Open `document` with the compare view on `student` and the key.
    OpenPair { document: PathBuf, student: String },
    /// Turn anonymous mode on or off (a setting).
    SetAnonymous(bool),
    /// Save the rubric and the comments into `class.ron` now, without waiting for a pause
    /// (before something that reads them from there).
    SaveNow,
    /// Write every student's feedback page into the folder.
    WriteFeedback { out: PathBuf },
    /// Write a gradebook (already made, names as shown) to a file.
    WriteGradebook { path: PathBuf, text: String },
}

/// Where the rubric and comments stand against `class.ron`, for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassSaveState {
    /// Edits not written yet (waiting for a pause, or being written).
    Saving,
    /// Everything is written; when the last save finished, "12:04:31".
    Saved(String),
    /// The last save failed: why (the edits are kept and saving is retried).
    Failed(String),
}

/// An export, as chosen in File > Export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    /// A document or a folder.
    pub source: PathBuf,
    pub format: Format,
    pub options: Options,
    pub out: PathBuf,
    /// Coder → pseudonym (a class in anonymous mode): the rows name coders by these.
    pub aliases: std::collections::BTreeMap<String, String>,
}
