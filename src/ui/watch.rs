//! Keeping an open folder current: other programs (the command line, `git pull`, a merge, a
//! sync tool, another coder's app) change its documents and sidecars while it is open. The
//! folder is watched (the operating system's file notifications, through `notify`); once
//! changes have settled for a moment, the documents they touch are read again on a thread of
//! their own, and the app puts them in the loaded folder: its lines, its counts and every view
//! computed from it (the code matrix recomputes itself) follow, with an "updated" line shown.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::corpus::ReadAgain;

/// How long the folder must be quiet before what changed is read (a `git pull` writes many
/// files in a burst).
const QUIET: Duration = Duration::from_millis(200);

/// A watched folder.
pub struct FolderWatch {
    pub root: PathBuf,
    _watcher: notify::RecommendedWatcher,
    events: Receiver<PathBuf>,
    pending: BTreeSet<PathBuf>,
    last_event: Option<Instant>,
}

impl FolderWatch {
    /// Watches `root` (not its subfolders: a folder's documents and sidecars lie side by side);
    /// each change wakes the app (`ctx`). `None` when the system cannot watch it (the folder
    /// then shows what was read, and Refresh reads it again).
    pub fn start(root: &Path, ctx: &egui::Context) -> Option<Self> {
        let (tx, events) = channel();
        let ctx = ctx.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                if is_of_interest(&path) {
                    let _ = tx.send(path);
                    ctx.request_repaint();
                }
            }
        })
        .ok()?;
        watcher.watch(root, RecursiveMode::NonRecursive).ok()?;
        Some(Self { root: root.to_path_buf(), _watcher: watcher, events, pending: BTreeSet::new(), last_event: None })
    }

    /// The files changed since the last call, once the folder has been quiet for a moment;
    /// `None` while nothing changed or changes are still coming (a repaint is asked for then).
    pub fn changed(&mut self, ctx: &egui::Context) -> Option<BTreeSet<PathBuf>> {
        loop {
            match self.events.try_recv() {
                Ok(path) => {
                    self.pending.insert(path);
                    self.last_event = Some(Instant::now());
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        if self.pending.is_empty() {
            return None;
        }
        let quiet_for = self.last_event.map_or(QUIET, |t| t.elapsed());
        if quiet_for < QUIET {
            ctx.request_repaint_after(QUIET - quiet_for);
            return None;
        }
        Some(std::mem::take(&mut self.pending))
    }
}

/// A document, a sidecar or the folder's codebook or variables: not a temporary file of a save
/// in progress, a lock file or a copy kept aside.
fn is_of_interest(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".lock") || name.contains(".theirs-") {
        return false;
    }
    name.ends_with(".annotations.ron")
        || crate::corpus::DOCUMENT_EXTENSIONS.iter().any(|e| name.to_lowercase().ends_with(&format!(".{e}")))
        || name == crate::session::FOLDER_CODEBOOK
        || name == crate::vars::FILE_NAME
}

/// What a set of changed files asks of the open folder whose documents are `documents`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Documents whose text or sidecars changed: read them again.
    pub documents: Vec<PathBuf>,
    /// A document appeared or went, or the folder's codebook or variables changed: read the
    /// whole folder again.
    pub whole_folder: bool,
}

/// Sorts changed files into the documents they belong to (a sidecar is its document's:
/// `speech.txt.ana.annotations.ron` is `speech.txt`'s).
pub fn changes(changed: &BTreeSet<PathBuf>, documents: &[PathBuf]) -> Changes {
    // By file name, once: a `git pull` may change thousands of files of a large folder.
    let by_name: std::collections::HashMap<&str, &PathBuf> =
        documents.iter().filter_map(|d| Some((d.file_name()?.to_str()?, d))).collect();
    let mut out = Changes::default();
    let add = |doc: &PathBuf, out: &mut Changes| {
        if !out.documents.contains(doc) {
            out.documents.push(doc.clone());
        }
    };
    for path in changed {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if name == crate::session::FOLDER_CODEBOOK || name == crate::vars::FILE_NAME {
            out.whole_folder = true;
            continue;
        }
        if let Some(doc) = by_name.get(name).filter(|d| d.as_path() == path.as_path()) {
            if path.exists() {
                add(doc, &mut out);
            } else {
                out.whole_folder = true;
            }
            continue;
        }
        if name.ends_with(".annotations.ron") {
            // The longest document name that the sidecar's name starts with, then a dot.
            let owner = name.match_indices('.').map(|(i, _)| &name[..i]).filter_map(|prefix| by_name.get(prefix)).last();
            if let Some(doc) = owner {
                add(doc, &mut out);
            }
            continue;
        }
        // A document the folder did not list: it appeared.
        if path.exists() {
            out.whole_folder = true;
        }
    }
    out
}

/// Documents being read again on a thread of their own.
pub struct Rereading {
    pub documents: Vec<PathBuf>,
    result: Receiver<Vec<ReadAgain>>,
}

impl Rereading {
    pub fn start(documents: Vec<PathBuf>, ctx: &egui::Context) -> Self {
        let (tx, result) = channel();
        let (docs, ctx) = (documents.clone(), ctx.clone());
        let spawned = std::thread::Builder::new().name("marginalia-reread".into()).spawn(move || {
            let _ = tx.send(docs.iter().map(|d| crate::corpus::read_again(d)).collect());
            ctx.request_repaint();
        });
        if spawned.is_err() {
            // No thread: read here rather than leave the folder behind.
            let (tx, rx) = channel();
            let _ = tx.send(documents.iter().map(|d| crate::corpus::read_again(d)).collect());
            return Self { documents, result: rx };
        }
        Self { documents, result }
    }

    /// What was read, once it is.
    pub fn poll(&self) -> Option<Vec<ReadAgain>> {
        match self.result.try_recv() {
            Ok(read) => Some(read),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_files_are_sorted_into_their_documents() {
        let docs = vec![PathBuf::from("/f/speech.txt"), PathBuf::from("/f/speech.txt.notes.txt"), PathBuf::from("/f/b.md")];
        let changed: BTreeSet<PathBuf> = [
            "/f/speech.txt.ana.annotations.ron",
            "/f/speech.txt.notes.txt.annotations.ron",
            "/f/b.md.annotations.ron",
            "/f/b.md.bruno-1a2b3c4d.annotations.ron",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect();
        let c = changes(&changed, &docs);
        assert!(!c.whole_folder);
        assert_eq!(c.documents.len(), 3, "{:?}", c.documents);
        assert!(c.documents.contains(&docs[0]) && c.documents.contains(&docs[1]) && c.documents.contains(&docs[2]));
        let codebook: BTreeSet<PathBuf> = [PathBuf::from("/f").join(crate::session::FOLDER_CODEBOOK)].into();
        assert!(changes(&codebook, &docs).whole_folder);
    }

    #[test]
    fn temporary_and_lock_files_are_not_changes() {
        for name in [
            ".speech.txt.annotations.ron.Xy12.tmp",
            "speech.txt.annotations.ron.lock",
            "speech.txt.annotations.theirs-20261201T101500.ron",
        ] {
            assert!(!is_of_interest(Path::new(name)), "{name}");
        }
        assert!(is_of_interest(Path::new("speech.txt.ana.annotations.ron")));
        assert!(is_of_interest(Path::new("speech.txt")));
    }
}
