//! Exports: a corpus (one document or a folder, every coder's sidecar) written in formats other
//! tools read. The GUI and the CLI both call [`write`]; it builds everything in memory, asks
//! `progress` after each document whether to go on, and only then writes, atomically, so a
//! cancelled or failed export leaves nothing half-written.
//!
//! Positions everywhere are Unicode code points of the document text exactly as decoded
//! (CRLF kept), end exclusive. Annotations whose quote is no longer in the text (orphans) are
//! exported without positions where the format allows it and reported where it does not.

pub mod brat;
pub mod csv;
pub mod html;
pub mod jsonl;
pub mod w3c;

use std::path::{Path, PathBuf};

use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::Codebook;
use crate::corpus::{Corpus, CorpusDocument};
use crate::document::Span;
use crate::error::{Error, ErrorKind};

/// The formats Marginalia exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One row per annotation, UTF-8 CSV (spreadsheets; formula-like cells neutralised).
    Csv,
    /// One JSON object per annotation per line, with the exact text.
    Jsonl,
    /// W3C Web Annotation JSON-LD (an AnnotationCollection, or JSON lines with --jsonl).
    W3c,
    /// brat standoff: a folder of .txt + .ann files with annotation.conf and visual.conf.
    Brat,
    /// A self-contained, printable HTML report.
    Html,
    /// A REFI-QDA project (.qdpx) for QualCoder, NVivo, ATLAS.ti and MAXQDA.
    Qdpx,
}

impl Format {
    pub const ALL: [Format; 6] = [Format::Csv, Format::Jsonl, Format::W3c, Format::Brat, Format::Html, Format::Qdpx];

    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Jsonl => "JSON lines",
            Format::W3c => "W3C Web Annotation",
            Format::Brat => "brat standoff",
            Format::Html => "HTML report",
            Format::Qdpx => "REFI-QDA project",
        }
    }

    /// Does this format write a folder (rather than one file)?
    pub fn writes_folder(self) -> bool {
        matches!(self, Format::Brat)
    }

    /// The usual file extension (none for folder formats).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::W3c => "jsonld",
            Format::Brat => "",
            Format::Html => "html",
            Format::Qdpx => "qdpx",
        }
    }
}

/// Choices that change how a format is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// CSV: start with a UTF-8 byte-order mark so that Excel reads the file as UTF-8.
    pub excel: bool,
    /// W3C: one annotation per line instead of one AnnotationCollection.
    pub jsonl: bool,
}

/// What an export wrote and what it could not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub documents: usize,
    pub annotations: usize,
    pub files: Vec<PathBuf>,
    /// Things the format could not carry, one sentence each.
    pub notes: Vec<String>,
}

/// Writes `corpus` as `format` to `out` (a file, or a folder for brat). `progress(done, total)`
/// is called after each document is prepared; returning `false` cancels the export, and then
/// nothing is written.
pub fn write(
    corpus: &Corpus,
    format: Format,
    options: &Options,
    out: &Path,
    progress: &dyn Fn(usize, usize) -> bool,
) -> Result<Summary, Error> {
    let files = match format {
        Format::Csv => vec![(PathBuf::new(), csv::render(corpus, options, progress)?)],
        Format::Jsonl => vec![(PathBuf::new(), jsonl::render(corpus, progress)?.into_bytes())],
        Format::W3c => vec![(PathBuf::new(), w3c::render(corpus, options, progress)?.into_bytes())],
        Format::Html => vec![(PathBuf::new(), html::render(corpus, progress)?.into_bytes())],
        Format::Brat => {
            let (files, notes) = brat::render(corpus, progress)?;
            return finish(corpus, out, files, notes, true);
        }
        Format::Qdpx => {
            if out.is_dir() {
                return Err(Error::usage("is a folder; this format writes one file")
                    .in_file(out)
                    .hint("pass a file path with -o"));
            }
            let report = crate::refi::qdpx::export(corpus, out, progress)?;
            return Ok(Summary {
                documents: report.documents,
                annotations: report.annotations,
                files: vec![out.to_path_buf()],
                notes: report.notes,
            });
        }
    };
    let mut notes = Vec::new();
    let orphans = rows(corpus).iter().filter(|r| r.span.is_none()).count();
    if orphans > 0 {
        notes.push(format!(
            "{orphans} annotation(s) are orphaned (their quote is no longer in the text) and were written without positions"
        ));
    }
    finish(corpus, out, files, notes, false)
}

fn finish(
    corpus: &Corpus,
    out: &Path,
    files: Vec<(PathBuf, Vec<u8>)>,
    notes: Vec<String>,
    folder: bool,
) -> Result<Summary, Error> {
    if folder {
        if out.is_file() {
            return Err(Error::usage("is a file; brat exports write a folder").in_file(out).hint("pass a folder path with -o"));
        }
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, "cannot create the output folder", e))?;
    } else if out.is_dir() {
        return Err(Error::usage("is a folder; this format writes one file").in_file(out).hint("pass a file path with -o"));
    }
    let mut written = Vec::new();
    for (rel, bytes) in files {
        let path = if folder { out.join(rel) } else { out.to_path_buf() };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "cannot create the folder", e))?;
        }
        crate::sidecar::write_atomic(&path, &bytes, false)?;
        written.push(path);
    }
    Ok(Summary {
        documents: corpus.documents.len(),
        annotations: corpus.documents.iter().map(|d| d.sidecars.iter().map(|s| s.sidecar.annotations.len()).sum::<usize>()).sum(),
        files: written,
        notes,
    })
}

pub(crate) fn cancelled() -> Error {
    Error::new(ErrorKind::Usage, "the export was cancelled; nothing was written")
}

/// Calls `progress` for document `i` of `total`; an error when the user cancelled.
pub(crate) fn tick(progress: &dyn Fn(usize, usize) -> bool, done: usize, total: usize) -> Result<(), Error> {
    if progress(done, total) { Ok(()) } else { Err(cancelled()) }
}

/// One annotation with everything an export row needs.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub doc_index: usize,
    /// The document's path relative to the corpus folder.
    pub document: String,
    pub coder: String,
    pub annotation: &'a Annotation,
    pub codebook: &'a Codebook,
    pub code_name: String,
    /// The name of the code's group, or "".
    pub code_group: String,
    /// `None` for orphans: their saved span does not hold their quote in the current text.
    pub span: Option<Span>,
}

/// The document's name as exports show it: its path relative to the corpus folder.
pub fn document_name(corpus: &Corpus, doc: &CorpusDocument) -> String {
    doc.path
        .strip_prefix(&corpus.root)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| doc.doc.file_name())
}

/// Every annotation of the corpus: by document, then coder (default sidecar first), then
/// position.
pub fn rows(corpus: &Corpus) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for (i, d) in corpus.documents.iter().enumerate() {
        out.extend(document_rows(corpus, i, d));
    }
    out
}

/// The rows of one document.
pub fn document_rows<'a>(corpus: &Corpus, doc_index: usize, d: &'a CorpusDocument) -> Vec<Row<'a>> {
    let document = document_name(corpus, d);
    let mut out = Vec::new();
    for sc in &d.sidecars {
        let codebook = &sc.sidecar.codebook;
        for a in &sc.sidecar.annotations {
            let code = codebook.code(&a.code);
            let span = (a.status != AnchorStatus::Orphaned && a.end <= d.doc.len_chars()).then(|| a.span());
            out.push(Row {
                doc_index,
                document: document.clone(),
                coder: if a.coder.trim().is_empty() { sc.sidecar.coder.clone() } else { a.coder.clone() },
                annotation: a,
                codebook,
                code_name: code.map(|c| c.name.clone()).unwrap_or_else(|| a.code.clone()),
                code_group: codebook.group_name(&a.code).unwrap_or_default().to_owned(),
                span,
            });
        }
    }
    out
}

/// The attribute ids of the corpus, in codebook order: the folder codebook's first, then any
/// other sidecar's, then ids only found in annotations.
pub fn attribute_ids(corpus: &Corpus) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut push = |id: &str| {
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    };
    let mut books = vec![&corpus.codebook];
    books.extend(corpus.documents.iter().flat_map(|d| d.sidecars.iter().map(|s| &s.sidecar.codebook)));
    for cb in books {
        for code in &cb.codes {
            for a in &code.attributes {
                push(&a.id);
            }
        }
    }
    for d in &corpus.documents {
        for sc in &d.sidecars {
            for a in &sc.sidecar.annotations {
                for k in a.attributes.keys() {
                    push(k);
                }
            }
        }
    }
    ids
}

/// Every code used or defined in the corpus, first definition wins, in codebook order.
pub fn all_codes(corpus: &Corpus) -> Vec<crate::codebook::Code> {
    let mut codes: Vec<crate::codebook::Code> = Vec::new();
    let mut books = vec![&corpus.codebook];
    books.extend(corpus.documents.iter().flat_map(|d| d.sidecars.iter().map(|s| &s.sidecar.codebook)));
    for cb in books {
        for c in &cb.codes {
            if !codes.iter().any(|x| x.id == c.id) {
                codes.push(c.clone());
            }
        }
    }
    codes
}
