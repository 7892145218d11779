//! Reading an opened folder in the background: every document with every coder's sidecar,
//! once, on a thread of its own (so that saves on the worker never wait for it), counting as
//! it goes for the folder panel's progress line. What it reads serves twice: the folder
//! panel's lines, and the loaded [`Corpus`] that Retrieve and the code matrix query without
//! reading the folder again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::folder::FolderEntry;
use crate::corpus::Corpus;
use crate::error::Error;

/// The folder read: its corpus and a line for each of its documents.
pub struct FolderRead {
    pub root: PathBuf,
    pub corpus: Result<Corpus, Error>,
    /// In the order of the documents listed when the folder was opened.
    pub entries: Vec<FolderEntry>,
}

/// A folder being read.
pub struct FolderLoad {
    pub root: PathBuf,
    /// How many documents there are to read.
    pub total: usize,
    done: Arc<AtomicUsize>,
    result: Receiver<FolderRead>,
}

impl FolderLoad {
    /// Starts reading `root`, whose documents are `docs`; each line counts `person`'s own
    /// sidecar as the document's (the others as other coders').
    pub fn start(root: &Path, docs: Vec<PathBuf>, person: crate::coder::Coder) -> Self {
        let (tx, result) = channel();
        let done = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&done);
        let folder = root.to_path_buf();
        let total = docs.len();
        let spawned = std::thread::Builder::new().name("marginalia-folder".into()).spawn(move || {
            let _ = tx.send(read(&folder, &docs, &counter, &person));
        });
        if let Err(e) = spawned {
            // No thread to read on: read here rather than show a folder that never fills in.
            let (tx, rx) = channel();
            let _ = tx.send(FolderRead {
                root: root.to_path_buf(),
                corpus: Err(Error::new(crate::error::ErrorKind::Io, format!("could not start reading the folder: {e}"))),
                entries: Vec::new(),
            });
            return Self { root: root.to_path_buf(), total, done, result: rx };
        }
        Self { root: root.to_path_buf(), total, done, result }
    }

    /// Documents read so far.
    pub fn read_so_far(&self) -> usize {
        self.done.load(Ordering::Relaxed).min(self.total)
    }

    /// The folder once it is read; `None` while it is being read.
    pub fn poll(&self) -> Option<FolderRead> {
        match self.result.try_recv() {
            Ok(read) => Some(read),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(FolderRead {
                root: self.root.clone(),
                corpus: Err(Error::new(crate::error::ErrorKind::Io, "the folder could not be read: the reading thread stopped")
                    .in_file(&self.root)),
                entries: Vec::new(),
            }),
        }
    }
}

/// Reads the folder (see [`crate::corpus::load_counting`]) and makes the panel's lines from it.
fn read(root: &Path, docs: &[PathBuf], done: &AtomicUsize, person: &crate::coder::Coder) -> FolderRead {
    let mut corpus = crate::corpus::load_counting(root, done);
    // A class's answer key is not a coder: its marks are neither counted nor retrieved.
    if let Ok(corpus) = &mut corpus {
        crate::class::without_key(corpus);
    }
    let entries = match &corpus {
        Ok(corpus) => entries_of(corpus, docs, person),
        Err(_) => docs.iter().map(|d| FolderEntry::unread(d)).collect(),
    };
    FolderRead { root: root.to_path_buf(), corpus, entries }
}

/// A line for each of `docs` from the loaded corpus: what its sidecars hold, or why it (or its
/// own sidecar) could not be read.
pub fn entries_of(corpus: &Corpus, docs: &[PathBuf], person: &crate::coder::Coder) -> Vec<FolderEntry> {
    let loaded: std::collections::HashMap<&Path, &crate::corpus::CorpusDocument> =
        corpus.documents.iter().map(|d| (d.path.as_path(), d)).collect();
    docs.iter()
        .map(|path| {
            // A sidecar that could not be read is the person's when it has their file name.
            let key = crate::coder::file_key(&person.name);
            let theirs = |file: &Path| {
                file == path
                    || file == crate::sidecar::default_path(path)
                    || crate::coder::key_of(path, file).is_some_and(|k| k == key)
            };
            let problem = corpus.unreadable.iter().find(|e| e.file.as_deref().is_some_and(theirs));
            match loaded.get(path.as_path()) {
                Some(d) => FolderEntry::of_document(d, &corpus.codebook, problem, person),
                None => FolderEntry::failed(path, problem),
            }
        })
        .collect()
}
