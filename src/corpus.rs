//! A corpus: a document or a folder of documents, each with every coder's sidecar found beside
//! it, loaded and re-anchored. Exports, imports, agreement and the corpus view all read this.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::anchor::{AnchorReport, reanchor_all};
use crate::codebook::{Codebook, Merged};
use crate::document::Document;
use crate::error::{Error, ErrorKind};
use crate::session::codebook_for;
use crate::sidecar::{self, Sidecar};
use crate::vars::Variables;

/// The file extensions opened as documents.
pub const DOCUMENT_EXTENSIONS: [&str; 2] = ["txt", "md"];

/// One coder's sidecar for a document, its annotations re-anchored into the current text.
#[derive(Debug, Clone)]
pub struct CoderSidecar {
    pub path: PathBuf,
    pub sidecar: Sidecar,
    pub report: AnchorReport,
}

impl CoderSidecar {
    /// The coder's name: the sidecar's `coder` field, else the part of the file name between
    /// the document's name and `.annotations.ron`.
    pub fn coder(&self) -> &str {
        &self.sidecar.coder
    }

    /// Whose file this is, as its header says.
    pub fn owner(&self) -> crate::coder::Owner {
        crate::coder::Owner { name: self.sidecar.coder.clone(), id: self.sidecar.coder_id }
    }
}

#[derive(Debug, Clone)]
pub struct CorpusDocument {
    pub path: PathBuf,
    pub doc: Document,
    /// The default sidecar first, then other coders' in name order.
    pub sidecars: Vec<CoderSidecar>,
}

#[derive(Debug, Clone)]
pub struct Corpus {
    /// The folder (or the single document's folder).
    pub root: PathBuf,
    /// The folder's codebook.ron, else the built-in one.
    pub codebook: Codebook,
    pub documents: Vec<CorpusDocument>,
    /// What a folder held that could not be read, each with its message: a document that does
    /// not open is left out, a sidecar that does not load is left out of its document (the
    /// document's other sidecars are kept). Loading one document alone fails instead.
    pub unreadable: Vec<Error>,
    /// The folder's document variables ([`crate::vars::FILE_NAME`]); empty when there are none
    /// or the file does not load (its error is then in `unreadable`).
    pub variables: Variables,
    /// Counts the changes made to the loaded corpus since it was read (a sidecar replaced, a
    /// document read again): what was computed from it is out of date when this moved on.
    pub revision: u64,
}

impl Corpus {
    /// The name a document has in the variables file: its file name.
    pub fn variable_key(doc: &CorpusDocument) -> String {
        doc.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }
}

impl Corpus {
    /// How many annotations the sidecars hold, all coders together.
    pub fn annotation_count(&self) -> usize {
        self.documents.iter().flat_map(|d| &d.sidecars).map(|s| s.sidecar.annotations.len()).sum()
    }

    /// The folder's codebook with what every sidecar's codebook adds to it
    /// ([`Codebook::merge_missing`], sidecars in document order), and for each sidecar that
    /// added something, its path and what it added. Exports that list codes use this, so a
    /// code a coder made up is exported with the folder's codes.
    pub fn merged_codebook(&self) -> (Codebook, Vec<(&Path, Merged)>) {
        let mut codebook = self.codebook.clone();
        let mut added = Vec::new();
        for sc in self.documents.iter().flat_map(|d| &d.sidecars) {
            let merged = codebook.merge_missing(&sc.sidecar.codebook);
            if !merged.is_empty() {
                added.push((sc.path.as_path(), merged));
            }
        }
        (codebook, added)
    }
}

impl Corpus {
    /// Puts `sidecar` (annotations placed in `document`'s current text, as an open document's
    /// are) in the loaded corpus as the sidecar at `sidecar_path` of `document`, in place of
    /// what was read from disk: queries on a loaded folder then see what was saved since.
    /// False when `document` is not one of the corpus's.
    pub fn replace_sidecar(&mut self, document: &Path, sidecar_path: &Path, mut sidecar: Sidecar) -> bool {
        let Some(d) = self.documents.iter_mut().find(|d| d.path == document) else { return false };
        self.revision += 1;
        sidecar.annotations.sort_by_key(crate::annotation::Annotation::sort_key);
        let mut report = AnchorReport::default();
        for a in &sidecar.annotations {
            match a.status {
                crate::annotation::AnchorStatus::Anchored => report.anchored += 1,
                crate::annotation::AnchorStatus::Reanchored => report.reanchored += 1,
                crate::annotation::AnchorStatus::Orphaned => report.orphaned += 1,
            }
        }
        match d.sidecars.iter_mut().find(|s| s.path == sidecar_path) {
            Some(sc) => {
                sc.report = report;
                sc.sidecar = sidecar;
            }
            None => {
                d.sidecars.push(CoderSidecar { path: sidecar_path.to_path_buf(), sidecar, report });
                let default = sidecar::default_path(document);
                d.sidecars.sort_by_key(|s| (s.path != default, s.path.clone()));
            }
        }
        true
    }

    /// Reads `document`'s sidecars again from disk (after another program or a folder-wide
    /// change wrote them). False when the document is not one of the corpus's or no longer
    /// reads; its error then replaces it in [`Corpus::unreadable`].
    pub fn reload_document(&mut self, document: &Path) -> bool {
        if !self.documents.iter().any(|d| d.path == document) {
            return false;
        }
        self.put_read(read_again(document))
    }
}

/// A document of a corpus read again from disk (see [`read_again`]), to be put in its corpus
/// with [`Corpus::put_read`].
pub struct ReadAgain {
    pub path: PathBuf,
    pub document: Result<CorpusDocument, Error>,
    /// Sidecars of it that could not be read.
    pub unreadable: Vec<Error>,
}

/// Reads `document` and its sidecars again, as [`Corpus::reload_document`] does, without the
/// corpus: on another thread than the one that holds it.
pub fn read_again(document: &Path) -> ReadAgain {
    let mut unreadable = Vec::new();
    let document_read = load_document_tolerant(document, &mut unreadable);
    ReadAgain { path: document.to_path_buf(), document: document_read, unreadable }
}

impl Corpus {
    /// Puts a document read again ([`read_again`]) in place of the one read before. False when
    /// it is not one of the corpus's.
    pub fn put_read(&mut self, read: ReadAgain) -> bool {
        let Some(i) = self.documents.iter().position(|d| d.path == read.path) else { return false };
        self.revision += 1;
        // The document's errors and its sidecars' (whose names start with the document's).
        let name = read.path.as_os_str().to_string_lossy().into_owned();
        self.unreadable.retain(|e| e.file.as_deref().is_none_or(|f| !f.as_os_str().to_string_lossy().starts_with(&name)));
        self.unreadable.extend(read.unreadable);
        match read.document {
            Ok(d) => {
                self.documents[i] = d;
                true
            }
            Err(e) => {
                self.unreadable.push(e);
                false
            }
        }
    }
}

/// Is this a file Marginalia opens as a document?
pub fn is_document(path: &Path) -> bool {
    path.is_file()
        && path.extension().and_then(|e| e.to_str()).is_some_and(|e| DOCUMENT_EXTENSIONS.contains(&e.to_lowercase().as_str()))
}

/// The documents in a folder (not recursive), sorted by name.
pub fn documents_in(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, "cannot list the folder", e))?;
    let mut docs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| is_document(p)).collect();
    docs.sort();
    Ok(docs)
}

/// Loads one document with all its sidecars.
pub fn load_document(path: &Path) -> Result<CorpusDocument, Error> {
    let mut unreadable = Vec::new();
    let document = load_document_tolerant(path, &mut unreadable)?;
    match unreadable.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(document),
    }
}

/// Loads one document with the sidecars that load; the others' errors go to `unreadable`.
fn load_document_tolerant(path: &Path, unreadable: &mut Vec<Error>) -> Result<CorpusDocument, Error> {
    load_with_sidecars(path, sidecar::find_sidecars(path), unreadable)
}

/// Loads one document with the sidecars at `sidecar_paths` (see [`load_document_tolerant`]).
fn load_with_sidecars(path: &Path, sidecar_paths: Vec<PathBuf>, unreadable: &mut Vec<Error>) -> Result<CorpusDocument, Error> {
    let doc = Document::open(path)?;
    let mut sidecars = Vec::new();
    for sc_path in sidecar_paths {
        // Read without the stamp a save needs: nothing saves a corpus.
        let mut sc = match sidecar::read(&sc_path) {
            Ok(Some(sc)) => sc,
            Ok(None) => continue,
            Err(e) => {
                unreadable.push(e);
                continue;
            }
        };
        let report = reanchor_all(&doc, &mut sc.annotations);
        sc.annotations.sort_by_key(crate::annotation::Annotation::sort_key);
        sidecars.push(CoderSidecar { path: sc_path, sidecar: sc, report });
    }
    Ok(CorpusDocument { path: path.to_path_buf(), doc, sidecars })
}

/// Loads a document or a folder of documents.
pub fn load(path: &Path) -> Result<Corpus, Error> {
    load_counting(path, &AtomicUsize::new(0))
}

/// [`load`], adding one to `loaded` as each document is read (for a progress bar: the total
/// is the number of [`documents_in`] the folder).
pub fn load_counting(path: &Path, loaded: &AtomicUsize) -> Result<Corpus, Error> {
    if path.is_dir() {
        let docs = documents_in(path)?;
        if docs.is_empty() {
            return Err(Error::new(ErrorKind::Usage, "holds no .txt or .md documents")
                .in_file(path)
                .hint("pass a folder of documents or one document"));
        }
        let codebook = codebook_for(&docs[0])?;
        // One broken file must not make a class folder unopenable: it is reported, the rest loads.
        let (documents, mut unreadable) = load_all(path, &docs, loaded);
        let variables = crate::vars::load(path).unwrap_or_else(|e| {
            unreadable.push(e);
            Variables::default()
        });
        Ok(Corpus { root: path.to_path_buf(), codebook, documents, unreadable, variables, revision: 0 })
    } else {
        let codebook = codebook_for(path)?;
        let document = load_document(path)?;
        loaded.fetch_add(1, Ordering::Relaxed);
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut unreadable = Vec::new();
        let variables = crate::vars::load(&root).unwrap_or_else(|e| {
            unreadable.push(e);
            Variables::default()
        });
        Ok(Corpus { root, codebook, documents: vec![document], unreadable, variables, revision: 0 })
    }
}

/// The sidecars of each of `docs` (documents of `folder`), in [`sidecar::find_sidecars`]'s
/// order, from one listing of the folder: listing it once per document would read a folder of
/// thousands of documents thousands of times.
fn sidecars_in(folder: &Path, docs: &[PathBuf]) -> Vec<Vec<PathBuf>> {
    let index: std::collections::HashMap<String, usize> =
        docs.iter().enumerate().filter_map(|(i, d)| Some((d.file_name()?.to_string_lossy().into_owned(), i))).collect();
    let mut found = vec![Vec::new(); docs.len()];
    let Ok(entries) = std::fs::read_dir(folder) else {
        return docs.iter().map(|d| sidecar::find_sidecars(d)).collect();
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".annotations.ron") else { continue };
        // `DOC.annotations.ron` or `DOC.CODER.annotations.ron`: every document named by a part
        // of the stem that ends before a dot (or is the stem) has it.
        let ends = stem.char_indices().filter(|(_, c)| *c == '.').map(|(i, _)| i).chain([stem.len()]);
        for end in ends {
            if let Some(&i) = index.get(&stem[..end]) {
                found[i].push(docs[i].with_file_name(&name));
            }
        }
    }
    for (paths, doc) in found.iter_mut().zip(docs) {
        let default = sidecar::default_path(doc);
        paths.sort_by_key(|p| (p != &default, p.clone()));
    }
    found
}

/// Loads the documents on every core (a folder of thousands of documents is mostly parsing
/// sidecars), keeping their order; the errors come in document order too. Threads take the
/// next few documents as they finish, so one slow file does not hold up a whole share.
fn load_all(folder: &Path, docs: &[PathBuf], loaded: &AtomicUsize) -> (Vec<CorpusDocument>, Vec<Error>) {
    /// Documents a thread takes at a time.
    const BATCH: usize = 16;
    let sidecars = sidecars_in(folder, docs);
    // Twice as many threads as cores: from a cold start, reading waits on the disk, and while
    // one thread waits another parses.
    let threads = std::thread::available_parallelism().map_or(1, |n| 2 * n.get()).clamp(1, 16).min(docs.len().div_ceil(BATCH));
    let next = AtomicUsize::new(0);
    // (index of the document, the document or why not, errors of its sidecars)
    type Done = (usize, Result<CorpusDocument, Error>, Vec<Error>);
    let work = || {
        let mut done: Vec<Done> = Vec::new();
        loop {
            let from = next.fetch_add(BATCH, Ordering::Relaxed);
            if from >= docs.len() {
                return done;
            }
            for i in from..(from + BATCH).min(docs.len()) {
                let mut unreadable = Vec::new();
                let document = load_with_sidecars(&docs[i], sidecars[i].clone(), &mut unreadable);
                done.push((i, document, unreadable));
                loaded.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    let mut all: Vec<Done> = if threads <= 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        })
    };
    all.sort_unstable_by_key(|(i, _, _)| *i);
    let mut documents = Vec::with_capacity(docs.len());
    let mut unreadable = Vec::new();
    for (_, document, errors) in all {
        unreadable.extend(errors);
        match document {
            Ok(d) => documents.push(d),
            Err(e) => unreadable.push(e),
        }
    }
    (documents, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_listing_finds_the_sidecars_each_document_finds_alone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "a.txt",
            "a.txt.annotations.ron",
            "a.txt.zoë.annotations.ron",
            "a.txt.bruno.annotations.ron",
            "a.md",
            "a.md.x.y.annotations.ron",
            "b.txt",
            "b.txt.annotations.ron.bak",
            "c.annotations.ron",
            "notes.txt",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let docs = documents_in(d).unwrap();
        let found = sidecars_in(d, &docs);
        for (doc, paths) in docs.iter().zip(&found) {
            assert_eq!(paths, &sidecar::find_sidecars(doc), "{}", doc.display());
        }
        assert_eq!(found.iter().map(Vec::len).sum::<usize>(), 4);
    }
}
