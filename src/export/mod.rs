//! Exports: a corpus (one document or a folder, every coder's sidecar) written in formats other
//! tools read. The GUI and the CLI both call [`write`]; it streams the export into a temporary
//! file, asks `progress` every thousand annotations whether to go on, and renames the file into
//! place only when it is complete, so a cancelled or failed export leaves nothing half-written.
//!
//! Positions everywhere are Unicode code points of the document text exactly as decoded
//! (CRLF kept), end exclusive. Annotations whose quote is no longer in the text (orphans) are
//! exported without positions where the format allows it and reported where it does not.

pub mod brat;
pub mod csv;
pub mod html;
pub mod jsonl;
pub mod semeval;
pub mod variables;
pub mod w3c;
pub mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::Codebook;
use crate::corpus::{Corpus, CorpusDocument};
use crate::document::Span;
use crate::error::Error;
pub use crate::progress::{PROGRESS_EVERY, Ticker};

/// The formats Marginalia exports to. (The CLI maps `--format NAME` onto it by
/// [`Format::name`]; the core knows nothing of argument parsing.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// An Excel workbook (.xlsx): the CSV's columns with typed cells, header frozen and filtered.
    Xlsx,
    /// SemEval-2020 Task 11 labels: a folder of article texts with .task-flc-tc.labels and
    /// .task-si.labels files.
    Semeval,
}

impl Format {
    pub const ALL: [Format; 8] =
        [Format::Csv, Format::Xlsx, Format::Jsonl, Format::W3c, Format::Brat, Format::Semeval, Format::Html, Format::Qdpx];

    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Jsonl => "JSON lines",
            Format::W3c => "W3C Web Annotation",
            Format::Brat => "brat standoff",
            Format::Html => "HTML report",
            Format::Qdpx => "REFI-QDA project",
            Format::Xlsx => "Excel workbook",
            Format::Semeval => "SemEval-2020 Task 11 labels",
        }
    }

    /// The name a user types for it (`--format csv`): lower case, one word.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::W3c => "w3c",
            Format::Brat => "brat",
            Format::Html => "html",
            Format::Qdpx => "qdpx",
            Format::Xlsx => "xlsx",
            Format::Semeval => "semeval",
        }
    }

    /// What the format is, in one line (the CLI's help shows it).
    pub fn about(self) -> &'static str {
        match self {
            Format::Csv => "One row per annotation, UTF-8 CSV (spreadsheets; formula-like cells neutralised)",
            Format::Jsonl => "One JSON object per annotation per line, with the exact text",
            Format::W3c => "W3C Web Annotation JSON-LD (an AnnotationCollection, or JSON lines with --jsonl)",
            Format::Brat => "brat standoff: a folder of .txt + .ann files with annotation.conf and visual.conf",
            Format::Html => "A self-contained, printable HTML report",
            Format::Qdpx => "A REFI-QDA project (.qdpx) for QualCoder, NVivo, ATLAS.ti and MAXQDA",
            Format::Xlsx => "An Excel workbook (.xlsx): the CSV's columns with typed cells, header frozen and filtered",
            Format::Semeval => {
                "SemEval-2020 Task 11 labels: a folder of article texts with .task-flc-tc.labels and .task-si.labels files"
            }
        }
    }

    /// Does this format write a folder (rather than one file)?
    pub fn writes_folder(self) -> bool {
        matches!(self, Format::Brat | Format::Semeval)
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
            Format::Xlsx => "xlsx",
            Format::Semeval => "",
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
    /// HTML: list documents that have no annotations too (left out by default).
    pub include_empty: bool,
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
/// counts annotations: it is called every [`PROGRESS_EVERY`] annotations and after each
/// document; returning `false` cancels the export, and then nothing is written.
///
/// Single-file formats are streamed into a temporary file beside `out` that is renamed over it
/// only once complete, so memory does not grow with the size of the export and a cancelled or
/// failed export leaves nothing half-written.
pub fn write(
    corpus: &Corpus,
    format: Format,
    options: &Options,
    out: &Path,
    progress: &dyn Fn(usize, usize) -> bool,
) -> Result<Summary, Error> {
    let mut summary = write_readable(corpus, format, options, out, progress)?;
    // Files of the folder that could not be read are named, not passed over in silence.
    summary.notes.extend(corpus.unreadable.iter().map(|e| format!("left out, unreadable: {e}")));
    Ok(summary)
}

/// [`write`] of the documents and sidecars that were read.
fn write_readable(
    corpus: &Corpus,
    format: Format,
    options: &Options,
    out: &Path,
    progress: &dyn Fn(usize, usize) -> bool,
) -> Result<Summary, Error> {
    let mut ticker = Ticker::new(corpus.annotation_count(), progress);
    if format.writes_folder() {
        if out.is_file() {
            return Err(Error::usage(format!("is a file; {} exports write a folder", format.label()))
                .in_file(out)
                .hint("pass a folder path with -o"));
        }
    } else if out.is_dir() {
        return Err(Error::usage("is a folder; this format writes one file").in_file(out).hint("pass a file path with -o"));
    }
    let mut notes = Vec::new();
    match format {
        Format::Csv => stage(out, |w| csv::write(corpus, options, w, &mut ticker))?,
        Format::Jsonl => stage(out, |w| jsonl::write(corpus, w, &mut ticker))?,
        Format::W3c => stage(out, |w| w3c::write(corpus, options, w, &mut ticker))?,
        Format::Html => {
            crate::io::write_atomic(out, html::render(corpus, options, &mut ticker)?.as_bytes(), false)?;
        }
        Format::Xlsx => {
            let mut xlsx_notes = Vec::new();
            stage(out, |w| {
                xlsx_notes = xlsx::write(corpus, w, &mut ticker)?;
                Ok(())
            })?;
            notes.extend(xlsx_notes);
        }
        Format::Brat | Format::Semeval => {
            let (files, brat_notes) =
                if format == Format::Brat { brat::render(corpus, &mut ticker)? } else { semeval::render(corpus, &mut ticker)? };
            std::fs::create_dir_all(out).map_err(|e| Error::io(out, "cannot create the output folder", e))?;
            let mut written = Vec::new();
            for (rel, bytes) in files {
                let path = out.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "cannot create the folder", e))?;
                }
                crate::io::write_atomic(&path, &bytes, false)?;
                written.push(path);
            }
            return Ok(Summary {
                documents: corpus.documents.len(),
                annotations: ticker.total(),
                files: written,
                notes: brat_notes,
            });
        }
        Format::Qdpx => {
            let report = crate::refi::qdpx::export_with(corpus, out, &mut ticker)?;
            return Ok(Summary {
                documents: report.documents,
                annotations: report.annotations,
                files: vec![out.to_path_buf()],
                notes: report.notes,
            });
        }
    }
    let orphans = corpus
        .documents
        .iter()
        .flat_map(|d| d.sidecars.iter().flat_map(move |s| s.sidecar.annotations.iter().map(move |a| (d, a))))
        .filter(|(d, a)| !is_placed(a, d))
        .count();
    if orphans > 0 {
        notes.push(format!(
            "{orphans} annotation(s) are orphaned (their quote is no longer in the text) and were written without positions"
        ));
    }
    Ok(Summary { documents: corpus.documents.len(), annotations: ticker.total(), files: vec![out.to_path_buf()], notes })
}

/// Streams one export file through `fill` into a temporary file beside `out`, renamed over it
/// only when `fill` succeeded; on an error (or a cancel) the temporary file is removed.
fn stage(out: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>) -> Result<(), Error> {
    let mut failure = None;
    let written = crate::io::write_atomic_with(out, false, |w| {
        fill(w).map_err(|e| {
            failure = Some(e);
            std::io::Error::other("the export stopped")
        })
    });
    // Our own error (a cancel, say) explains the failed write better than the write's.
    match failure {
        Some(e) => Err(e),
        None => written.map(drop),
    }
}

/// Does the annotation's saved span hold its quote in the current text (is it not an orphan)?
pub fn is_placed(a: &Annotation, d: &CorpusDocument) -> bool {
    a.status != AnchorStatus::Orphaned && a.end <= d.doc.len_chars()
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
    /// Every link of the annotation's sidecar.
    pub links: &'a [crate::link::Link],
    pub code_name: String,
    /// The name of the code's group, or "".
    pub code_group: String,
    /// `None` for orphans: their saved span does not hold their quote in the current text.
    pub span: Option<Span>,
}

/// The links that start at the row's annotation, as the CSV and xlsx `links` cell writes them:
/// `TYPE:TARGET-ID` for each (the link type's id and the target annotation's id), joined by
/// `; `, in the order of the links' ids. Empty when there are none.
pub fn outgoing_links_cell(r: &Row<'_>) -> String {
    let id = r.annotation.id;
    r.links.iter().filter(|l| l.origin == id).map(|l| format!("{}:{}", l.link_type, l.target)).collect::<Vec<_>>().join("; ")
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

/// The rows of one document.
pub fn document_rows<'a>(corpus: &Corpus, doc_index: usize, d: &'a CorpusDocument) -> Vec<Row<'a>> {
    let document = document_name(corpus, d);
    let mut out = Vec::new();
    for sc in &d.sidecars {
        let codebook = &sc.sidecar.codebook;
        for a in &sc.sidecar.annotations {
            let code = codebook.code(&a.code);
            let span = is_placed(a, d).then(|| a.span());
            out.push(Row {
                doc_index,
                document: document.clone(),
                coder: if a.coder.trim().is_empty() { sc.sidecar.coder.clone() } else { a.coder.clone() },
                annotation: a,
                codebook,
                links: &sc.sidecar.links,
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

/// The link types of every codebook in the corpus, each id once, the folder codebook's first:
/// those of [`Corpus::merged_codebook`].
pub fn all_link_types(corpus: &Corpus) -> Vec<crate::codebook::LinkType> {
    corpus.merged_codebook().0.link_types
}

/// Every code defined in the corpus, in codebook order: [`Corpus::merged_codebook`].
pub fn all_codes(corpus: &Corpus) -> Vec<crate::codebook::Code> {
    corpus.merged_codebook().0.codes
}

/// The document variables as export columns: `var:NAME` for each variable, by name.
pub fn variable_columns(corpus: &Corpus) -> Vec<String> {
    corpus.variables.variables.iter().map(|v| format!("var:{}", v.name)).collect()
}

/// The values of the document's variables, in [`variable_columns`] order ("" when unset).
pub fn variable_values<'a>(corpus: &'a Corpus, doc: &CorpusDocument) -> Vec<&'a str> {
    let key = Corpus::variable_key(doc);
    corpus.variables.variables.iter().map(|v| corpus.variables.value(&key, &v.name).unwrap_or_default()).collect()
}
