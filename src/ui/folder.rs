//! The opened folder as the app holds it: its documents, with what their sidecars say. Read
//! on a thread of its own ([`super::folder_load`]) and shown by the folder panel.

use std::path::{Path, PathBuf};

use crate::codebook::Codebook;
use crate::error::Error;

/// One document of the open folder, with what its sidecars say.
#[derive(Debug, Clone)]
pub struct FolderEntry {
    pub path: PathBuf,
    pub name: String,
    /// Annotations per code id in the default sidecar.
    pub counts: Vec<(String, usize)>,
    pub total: usize,
    pub done: bool,
    /// Other coders' sidecars beside it.
    pub coders: usize,
    /// Annotations per (coder, code id) in every sidecar of the document, for the overview.
    pub by_coder: std::collections::BTreeMap<(String, String), usize>,
    /// (coder, code) of each annotation of the default sidecar, as counted in `by_coder`.
    default_annotations: Vec<(String, String)>,
    pub problem: Option<String>,
}

impl FolderEntry {
    /// A document whose sidecars have not been read yet.
    pub fn unread(path: &Path) -> Self {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Self {
            path: path.to_path_buf(),
            name,
            counts: Vec::new(),
            total: 0,
            done: false,
            coders: 0,
            by_coder: Default::default(),
            default_annotations: Vec::new(),
            problem: None,
        }
    }

    /// What a loaded document's sidecars say: `person`'s own sidecar as the line's counts, the
    /// others as other coders'; `problem` is why their sidecar could not be read.
    pub fn of_document(
        d: &crate::corpus::CorpusDocument,
        codebook: &Codebook,
        problem: Option<&Error>,
        person: &crate::coder::Coder,
    ) -> Self {
        let mut entry = Self::unread(&d.path);
        let mut own = None;
        for sc in &d.sidecars {
            if own.is_none() && sc.owner().is(person) {
                own = Some(sc);
            } else {
                entry.coders += 1;
                entry.count_coders(&sc.sidecar.annotations);
            }
        }
        if let Some(sc) = own {
            entry.fill(&sc.sidecar.annotations, sc.sidecar.done, codebook);
        }
        entry.problem = problem.map(Self::describe);
        entry
    }

    /// A document that could not be read, and why.
    pub fn failed(path: &Path, problem: Option<&Error>) -> Self {
        Self { problem: Some(problem.map_or_else(|| "could not be read".to_owned(), Self::describe)), ..Self::unread(path) }
    }

    /// An error named by the file's name alone: the panel is the folder's.
    fn describe(e: &Error) -> String {
        let file = e.file.as_ref().and_then(|f| f.file_name()).map(PathBuf::from);
        Error { file: file.or(e.file.clone()), ..e.clone() }.to_string()
    }

    /// Adds one sidecar's annotations to the per-coder counts.
    fn count_coders(&mut self, annotations: &[impl std::borrow::Borrow<crate::Annotation>]) {
        for a in annotations {
            let a = a.borrow();
            *self.by_coder.entry((a.coder.clone(), a.code.clone())).or_default() += 1;
        }
    }

    /// Updates the counts from annotations in memory (the open document).
    pub fn fill(&mut self, annotations: &[impl std::borrow::Borrow<crate::Annotation>], done: bool, codebook: &Codebook) {
        // The default sidecar's share of the per-coder counts is replaced, other coders' kept.
        for a in &self.default_annotations {
            if let Some(n) = self.by_coder.get_mut(a) {
                *n = n.saturating_sub(1);
            }
        }
        self.default_annotations = annotations.iter().map(|a| (a.borrow().coder.clone(), a.borrow().code.clone())).collect();
        self.count_coders(annotations);
        self.by_coder.retain(|_, n| *n > 0);
        self.counts = codebook
            .codes
            .iter()
            .map(|c| (c.id.clone(), annotations.iter().filter(|a| a.borrow().code == c.id).count()))
            .collect();
        self.total = annotations.len();
        self.done = done;
    }
}

/// The opened folder: its documents, with what their sidecars say.
pub struct Folder {
    pub root: PathBuf,
    pub entries: Vec<FolderEntry>,
    /// While the sidecars are being read: how many documents are read, of how many.
    pub reading: Option<(usize, usize)>,
    /// When documents changed by another program were last read again, and how many.
    pub updated: Option<(std::time::Instant, usize)>,
}

impl Folder {
    /// The folder's documents, before their sidecars are read.
    pub fn listed(root: &Path, docs: &[PathBuf]) -> Self {
        Self {
            root: root.to_path_buf(),
            entries: docs.iter().map(|d| FolderEntry::unread(d)).collect(),
            reading: None,
            updated: None,
        }
    }

    /// Every coder with annotations in the folder, sorted.
    pub fn coders(&self) -> Vec<String> {
        let mut coders: Vec<String> = self.entries.iter().flat_map(|e| e.by_coder.keys().map(|(c, _)| c.clone())).collect();
        coders.sort();
        coders.dedup();
        coders
    }

    /// Annotations of `code` in entry `i`, by one coder or (None) by all.
    pub fn count(&self, i: usize, code: &str, coder: Option<&str>) -> usize {
        self.entries[i].by_coder.iter().filter(|((c, k), _)| k == code && coder.is_none_or(|w| w == c)).map(|(_, n)| n).sum()
    }
}
