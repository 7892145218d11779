//! A corpus: a document or a folder of documents, each with every coder's sidecar found beside
//! it, loaded and re-anchored. Exports, imports, agreement and the corpus view all read this.

use std::path::{Path, PathBuf};

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
        let loaded = match sidecar::load(&sc_path) {
            Ok(Some(loaded)) => loaded,
            Ok(None) => continue,
            Err(e) => {
                unreadable.push(e);
                continue;
            }
        };
        let mut sc = loaded.sidecar;
        let report = reanchor_all(&doc, &mut sc.annotations);
        sc.annotations.sort_by_key(crate::annotation::Annotation::sort_key);
        sidecars.push(CoderSidecar { path: sc_path, sidecar: sc, report });
    }
    Ok(CorpusDocument { path: path.to_path_buf(), doc, sidecars })
}

/// Loads a document or a folder of documents.
pub fn load(path: &Path) -> Result<Corpus, Error> {
    if path.is_dir() {
        let docs = documents_in(path)?;
        if docs.is_empty() {
            return Err(Error::new(ErrorKind::Usage, "holds no .txt or .md documents")
                .in_file(path)
                .hint("pass a folder of documents or one document"));
        }
        let codebook = codebook_for(&docs[0])?;
        // One broken file must not make a class folder unopenable: it is reported, the rest loads.
        let (documents, mut unreadable) = load_all(path, &docs);
        let variables = crate::vars::load(path).unwrap_or_else(|e| {
            unreadable.push(e);
            Variables::default()
        });
        Ok(Corpus { root: path.to_path_buf(), codebook, documents, unreadable, variables })
    } else {
        let codebook = codebook_for(path)?;
        let document = load_document(path)?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut unreadable = Vec::new();
        let variables = crate::vars::load(&root).unwrap_or_else(|e| {
            unreadable.push(e);
            Variables::default()
        });
        Ok(Corpus { root, codebook, documents: vec![document], unreadable, variables })
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
/// sidecars), keeping their order; the errors come in document order too.
fn load_all(folder: &Path, docs: &[PathBuf]) -> (Vec<CorpusDocument>, Vec<Error>) {
    let mut sidecars = sidecars_in(folder, docs);
    let jobs: Vec<(&PathBuf, Vec<PathBuf>)> = docs.iter().zip(sidecars.iter_mut().map(std::mem::take)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let parts: Vec<(Vec<CorpusDocument>, Vec<Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut documents = Vec::with_capacity(part.len());
                    let mut unreadable = Vec::new();
                    for (d, sidecars) in part {
                        match load_with_sidecars(d, sidecars.clone(), &mut unreadable) {
                            Ok(document) => documents.push(document),
                            Err(e) => unreadable.push(e),
                        }
                    }
                    (documents, unreadable)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut documents = Vec::with_capacity(docs.len());
    let mut unreadable = Vec::new();
    for (d, u) in parts {
        documents.extend(d);
        unreadable.extend(u);
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
