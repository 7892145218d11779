//! SemEval-2020 Task 11 (the Propaganda Techniques Corpus) import: one `article<ID>.txt` per
//! document and tab-separated labels files beside it.
//!
//! - `article<ID>.task-flc-tc.labels`: rows `ID<TAB>TECHNIQUE<TAB>BEGIN<TAB>END`;
//! - `article<ID>.task-si.labels`: rows `ID<TAB>BEGIN<TAB>END` (spans without a technique).
//!
//! BEGIN is inclusive and END exclusive, counted in characters (code points) of the article's
//! text, as Python's `text[begin:end]` slices it; spans may overlap. Technique names contain
//! commas (`Name_Calling,Labeling`): a row is split on tabs only. A file holding the rows of
//! many articles (as the task's combined files do) is read too: the first column says which
//! article a row belongs to.
//!
//! The texts are looked for beside the labels file, then in the folders beside that folder
//! whose name contains "articles" (the task's `train-articles/` next to
//! `train-labels-task-flc-tc/`). Only regular files are read; links are not followed.
//!
//! Techniques become codes by id or name; a folder without a codebook (and a document without
//! a sidecar) starts with the built-in "semeval2020" codebook, whose ids are the task's labels,
//! so nothing needs mapping. Spans of the SI task become the code `propaganda`.
//!
//! The task's articles start with a byte-order mark that their offsets count as the first
//! character (Python reads it as `\u{feff}`); Marginalia's text has no such character, so the
//! offsets of an article that starts with one are read one character earlier (unless they fit
//! the text better as they are: spans the task's guidelines would not start or end with white
//! space or punctuation). Each row's annotation gets a time-ordered id (UUID version 7) in the
//! order of the rows, which the export keeps: the task's scorer compares rows in file order.
//! A labels file written by the export for a document with another name than `article<ID>.txt`
//! has that name's stem as its ID, and its text is `<stem>.txt`. Everything is read and checked
//! before anything is written; then all files are written, or none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::{Document, Span};
use crate::error::Error;
use crate::import::brat::not_regular;
use crate::import::commit::{all_or_nothing, nothing_written};
use crate::import::{Summary, add_all, add_code, format_error, inside, open_session, read_capped};
use crate::session::Session;

pub use crate::export::semeval::{CODEBOOK, SI_SUFFIX, SPAN_ONLY_CODE, TC_SUFFIX};

/// Which labels file: with techniques (technique classification) or spans only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Tc,
    Si,
}

/// One row of a labels file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub article: String,
    /// `None` in span-identification rows.
    pub technique: Option<String>,
    pub begin: usize,
    pub end: usize,
    /// The line it was on (for messages).
    pub line: usize,
}

/// Is this the name of a labels file?
pub fn is_labels_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_lowercase().ends_with(".labels"))
}

/// The task a labels file is for, from its name (or, for other names, its first row).
fn task_of(path: &Path, text: &str) -> Task {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.ends_with(SI_SUFFIX) || name.ends_with("-si.labels") {
        return Task::Si;
    }
    if name.ends_with(TC_SUFFIX) || name.ends_with("-tc.labels") {
        return Task::Tc;
    }
    match text.lines().find(|l| !l.trim().is_empty()).map(|l| l.split('\t').count()) {
        Some(3) => Task::Si,
        _ => Task::Tc,
    }
}

/// The article id a labels file's name gives (`article123.task-si.labels` → `123`). A file with
/// no rows named after another text beside it (`speech.task-flc-tc.labels` beside `speech.txt`,
/// as the export writes for a document with another name) gives that text's stem.
fn article_of_name(path: &Path, rows: &[Row]) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    if let Some(id) = stem.strip_prefix("article").filter(|id| !id.is_empty()) {
        return Some(id.to_owned());
    }
    let lower = name.to_lowercase();
    let stem = [TC_SUFFIX, SI_SUFFIX].iter().find(|s| lower.ends_with(*s)).map(|s| &name[..name.len() - s.len()])?;
    (rows.is_empty() && !stem.is_empty() && path.with_file_name(format!("{stem}.txt")).exists()).then(|| stem.to_owned())
}

/// The names the text of `article` may have: `article<ID>.txt`, and for an id that is not a
/// number (a document exported under its own name), `<ID>.txt`.
fn text_names(article: &str) -> Vec<String> {
    let mut names = vec![format!("article{article}.txt")];
    if !article.chars().all(|c| c.is_ascii_digit()) && crate::import::inside(Path::new("."), article).is_ok() {
        names.push(format!("{article}.txt"));
    }
    names
}

/// Parses a labels file. Every row must have the task's columns and whole-number offsets with
/// BEGIN < END; the error names the line and column.
pub fn parse(path: &Path, text: &str, task: Task) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    let columns = match task {
        Task::Tc => 4,
        Task::Si => 3,
    };
    let shape = match task {
        Task::Tc => "ID<TAB>TECHNIQUE<TAB>BEGIN<TAB>END",
        Task::Si => "ID<TAB>BEGIN<TAB>END",
    };
    for (n, line) in text.split('\n').enumerate() {
        let lineno = n + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != columns {
            return Err(format_error(
                path,
                format!("line {lineno} has {} tab-separated field(s); this file's rows have {columns}: {shape}", fields.len()),
            )
            .at(lineno, 1)
            .hint("fields are separated by tabs (technique names keep their commas)"));
        }
        let column_of = |k: usize| fields[..k].iter().map(|f| f.chars().count() + 1).sum::<usize>() + 1;
        let number = |k: usize, what: &str| -> Result<usize, Error> {
            fields[k].trim().parse::<usize>().map_err(|_| {
                format_error(path, format!("line {lineno}: the {what} \"{}\" is not a whole number", fields[k]))
                    .at(lineno, column_of(k))
                    .hint("offsets count characters (code points) of the article from 0")
            })
        };
        let article = fields[0].trim().to_owned();
        if article.is_empty() {
            return Err(format_error(path, format!("line {lineno} has no article id")).at(lineno, 1));
        }
        let (technique, b, e) = match task {
            Task::Tc => {
                let t = fields[1].trim();
                if t.is_empty() {
                    return Err(format_error(path, format!("line {lineno} has no technique")).at(lineno, column_of(1)));
                }
                (Some(t.to_owned()), 2, 3)
            }
            Task::Si => (None, 1, 2),
        };
        let (begin, end) = (number(b, "begin")?, number(e, "end")?);
        if begin >= end {
            return Err(format_error(path, format!("line {lineno}: the span {begin}..{end} is empty or reversed"))
                .at(lineno, column_of(b))
                .hint("BEGIN is the first character and END the one after the last"));
        }
        rows.push(Row { article, technique, begin, end, line: lineno });
    }
    Ok(rows)
}

/// One labels file to read.
struct LabelsFile {
    path: PathBuf,
    task: Task,
    rows: Vec<Row>,
    /// The article its name gives, so that an empty file still brings its article in.
    named_article: Option<String>,
}

fn read_labels(path: &Path) -> Result<LabelsFile, Error> {
    let bytes = read_capped(path)?;
    let text = String::from_utf8(bytes).map_err(|_| format_error(path, "is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let task = task_of(path, text);
    let rows = parse(path, text, task)?;
    let named_article = article_of_name(path, &rows);
    Ok(LabelsFile { path: path.to_path_buf(), task, rows, named_article })
}

/// Article → rows, with the file each came from.
type RowsByArticle = BTreeMap<String, Vec<(Row, PathBuf)>>;

/// What an import met on the way that the summary reports.
#[derive(Default)]
struct Tally {
    /// Files not read: why, for each.
    skipped: Vec<String>,
    /// Article texts not found.
    missing: Vec<String>,
    si_covered: usize,
    duplicates: usize,
    widened: Vec<String>,
    total_rows: usize,
    /// Articles whose offsets count the byte-order mark their text starts with.
    bom_counted: Vec<String>,
    /// Articles starting with a byte-order mark whose offsets do not count it.
    bom_uncounted: Vec<String>,
    /// Rows that hold only the byte-order mark.
    only_bom: usize,
    ids: RowIds,
}

/// Time-ordered ids (UUID version 7) for the rows, in the order they are read.
struct RowIds {
    millis: u64,
    next: u64,
}

impl Default for RowIds {
    fn default() -> Self {
        let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        Self { millis, next: 0 }
    }
}

impl RowIds {
    fn next(&mut self) -> uuid::Uuid {
        let random = uuid::Uuid::new_v4();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&random.as_bytes()[..10]);
        self.next += 1;
        uuid::Builder::from_unix_timestamp_millis(self.millis + self.next, &bytes).into_uuid()
    }
}

/// One article ready to write: the document's path and bytes, and its session with the
/// annotations added (how many, and how many were there already).
type Prepared = (PathBuf, Vec<u8>, Session, usize, usize);

/// Imports a labels file, or a folder of them, into `folder`.
pub fn import(input: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let mut tally = Tally::default();
    let (labels_dir, files) = labels_files(input, &mut tally.skipped)?;
    // Article → technique rows and span-only rows.
    let mut tc = RowsByArticle::new();
    let mut si = RowsByArticle::new();
    let mut articles: BTreeSet<String> = BTreeSet::new();
    for f in files {
        if let Some(a) = &f.named_article {
            articles.insert(a.clone());
        }
        let target = match f.task {
            Task::Tc => &mut tc,
            Task::Si => &mut si,
        };
        for r in f.rows {
            articles.insert(r.article.clone());
            target.entry(r.article.clone()).or_default().push((r, f.path.clone()));
        }
        if let (Task::Tc, Some(a)) = (f.task, &f.named_article) {
            tc.entry(a.clone()).or_default();
        }
    }
    let text_dirs = text_dirs(&labels_dir);
    let semeval = Codebook::builtin(CODEBOOK).unwrap_or_default();
    let mut prepared = Vec::new();
    for article in &articles {
        // Rows with techniques win; span-only rows are used for articles that have no others.
        let rows: Vec<(Row, PathBuf)> = match (tc.get(article), si.get(article)) {
            (Some(t), s) => {
                tally.si_covered += s.map_or(0, Vec::len);
                t.clone()
            }
            (None, Some(s)) => s.clone(),
            (None, None) => Vec::new(),
        };
        let found = prepare_article(article, &rows, &text_dirs, &semeval, input, folder, coder, &mut tally)?;
        prepared.extend(found);
    }
    if prepared.is_empty() {
        let mut why: Vec<String> = Vec::new();
        if !tally.missing.is_empty() {
            why.push(format!("no text for {}", tally.missing.join(", ")));
        }
        why.extend(tally.skipped.iter().cloned());
        let looked_in = text_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(format_error(
            input,
            format!("has labels but none of their articles can be read ({}); nothing was written", why.join("; ")),
        )
        .hint(format!(
            "put each article<ID>.txt beside the labels, or in a folder next to them named like \"train-articles\" (looked in {looked_in})"
        )));
    }

    // Everything is checked, and no text is in the way: write all, or nothing.
    for (doc_path, bytes, ..) in &prepared {
        if std::fs::symlink_metadata(doc_path).is_ok()
            && std::fs::read(doc_path).map_err(|e| Error::io(doc_path, "cannot read the existing file", e))? != *bytes
        {
            return Err(Error::usage("exists already with other content; nothing was written")
                .in_file(doc_path)
                .hint("move it aside, or import into another folder with --into"));
        }
    }
    let (_, written) = all_or_nothing(|w| {
        for (doc_path, bytes, session, ..) in &mut prepared {
            w.new_file(doc_path, bytes)?;
            w.sidecar(session)?;
        }
        Ok(())
    })?;
    let mut summary = Summary { written, ..Summary::default() };
    let docs = prepared.len();
    let added_total: usize = prepared.iter().map(|p| p.3).sum();
    let skipped_total: usize = prepared.iter().map(|p| p.4).sum();
    summary.carried.push(format!(
        "{added_total} annotation(s) from {} row(s) imported into {docs} article(s) in {}",
        tally.total_rows,
        folder.display()
    ));
    if skipped_total > 0 {
        summary.carried.push(format!("{skipped_total} were in the sidecars already"));
    }
    tally.add_to(&mut summary);
    Ok(summary)
}

/// The labels files to read (one, or those of a folder) and the folder they are in. Files
/// that are not regular are refused when named, skipped (and noted) in a folder.
fn labels_files(input: &Path, skipped: &mut Vec<String>) -> Result<(PathBuf, Vec<LabelsFile>), Error> {
    let (labels_dir, paths): (PathBuf, Vec<PathBuf>) = if input.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| Error::io(input, "cannot read the folder", e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| is_labels_file(p))
            .collect();
        paths.sort();
        (input.to_path_buf(), paths)
    } else {
        let dir = input.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| ".".into());
        (dir, vec![input.to_path_buf()])
    };
    let mut files = Vec::new();
    for p in paths {
        if let Some(why) = not_regular(&p) {
            if !input.is_dir() {
                return Err(format_error(&p, format!("is not read: {why}; nothing was written"))
                    .hint("copy the file into the folder instead of linking it"));
            }
            skipped.push(why);
            continue;
        }
        files.push(read_labels(&p)?);
    }
    if files.is_empty() {
        return Err(format_error(input, "holds no SemEval labels file (.task-flc-tc.labels or .task-si.labels)")
            .hint("pass the folder of a SemEval-2020 Task 11 data set, or one labels file"));
    }
    Ok((labels_dir, files))
}

/// Where the texts are: beside the labels, then in sibling folders named "…articles…".
fn text_dirs(labels_dir: &Path) -> Vec<PathBuf> {
    let mut text_dirs = vec![labels_dir.to_path_buf()];
    if let Some(parent) = labels_dir.parent().filter(|p| !p.as_os_str().is_empty()).or(Some(Path::new(".."))) {
        let mut siblings: Vec<PathBuf> = std::fs::read_dir(parent)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.is_dir()
                            && p.file_name().is_some_and(|n| n.to_string_lossy().to_lowercase().contains("articles"))
                            && p != labels_dir
                    })
                    .collect()
            })
            .unwrap_or_default();
        siblings.sort();
        text_dirs.extend(siblings);
    }
    text_dirs
}

/// Reads one article's text and turns its rows into annotations, checked. `None` when its text
/// is not found or not a regular file (noted in `tally`).
#[allow(clippy::too_many_arguments)] // the import's inputs and its tally, each needed once
fn prepare_article(
    article: &str,
    rows: &[(Row, PathBuf)],
    text_dirs: &[PathBuf],
    semeval: &Codebook,
    input: &Path,
    folder: &Path,
    coder: &str,
    tally: &mut Tally,
) -> Result<Option<Prepared>, Error> {
    let names = text_names(article);
    let found = names.iter().find_map(|name| {
        text_dirs.iter().map(|d| d.join(name)).find(|p| std::fs::symlink_metadata(p).is_ok()).map(|p| (p, name))
    });
    let Some((txt, name)) = found else {
        tally.missing.push(names[0].clone());
        return Ok(None);
    };
    if let Some(why) = not_regular(&txt) {
        tally.skipped.push(why);
        return Ok(None);
    }
    let bytes = read_capped(&txt).map_err(|e| nothing_written(e, &txt))?;
    let doc = Document::from_bytes(&bytes).map_err(|_| {
        format_error(&txt, "is not a text file; nothing was written").hint("SemEval articles are UTF-8 plain text")
    })?;
    let doc_path = inside(folder, name)?;
    let mut session = open_session(&doc, &doc_path, coder).map_err(|e| nothing_written(e, &doc_path))?;
    let mut codebook = session.edits.codebook().clone();
    if !session.had_sidecar && codebook == Codebook::default() {
        codebook = semeval.clone();
    }
    let len = doc.len_chars();
    let shift = if bytes.starts_with(b"\xEF\xBB\xBF") {
        let shift = bom_shift(&doc, rows);
        if shift == 1 {
            tally.bom_counted.push(article.to_owned())
        } else {
            tally.bom_uncounted.push(article.to_owned())
        }
        shift
    } else {
        0
    };
    let mut seen: BTreeSet<(usize, usize, Option<String>)> = BTreeSet::new();
    let mut annotations = Vec::new();
    for (r, from) in rows {
        tally.total_rows += 1;
        let (begin, end) = (r.begin.saturating_sub(shift), r.end - shift);
        if end > len {
            return Err(format_error(
                from,
                format!(
                    "line {}: the span {}..{} runs past the end of {} ({len} characters{}); nothing was written",
                    r.line,
                    r.begin,
                    r.end,
                    txt.display(),
                    if shift == 1 { " after the byte-order mark its offsets count" } else { "" }
                ),
            )
            .at(r.line, 1)
            .hint("check that the labels belong to this article; offsets count characters (code points), not bytes"));
        }
        if begin >= end {
            tally.only_bom += 1;
            continue;
        }
        if !seen.insert((begin, end, r.technique.clone())) {
            tally.duplicates += 1;
            continue;
        }
        let code = technique_code(&mut codebook, semeval, r.technique.as_deref().unwrap_or(SPAN_ONLY_CODE));
        let raw = Span::new(begin, end);
        let mut a = Annotation::new(&doc, raw, &code, coder);
        a.id = tally.ids.next();
        if a.span() != raw {
            tally.widened.push(format!("article {article} line {} ({raw} → {})", r.line, a.span()));
        }
        annotations.push(a);
    }
    codebook.validate().map_err(|e| e.in_file(input))?;
    let (added, already) = add_all(&mut session, codebook, annotations).map_err(|e| nothing_written(e, &txt))?;
    Ok(Some((doc_path, bytes, session, added, already)))
}

/// Whether the offsets of an article whose text starts with a byte-order mark count it (1, the
/// task's convention) or not (0): the one under which fewer spans fall outside the text or
/// start or end with a character the task's guidelines keep out of spans (white space, `.`,
/// `,`, `:`, `;`), the task's convention when both fit as well.
fn bom_shift(doc: &Document, rows: &[(Row, PathBuf)]) -> usize {
    let len = doc.len_chars();
    let misfits = |shift: usize| {
        rows.iter()
            .filter(|(r, _)| {
                let (Some(b), Some(e)) = (r.begin.checked_sub(shift), r.end.checked_sub(shift)) else { return true };
                if b >= e || e > len {
                    return true;
                }
                let text = doc.slice(Span::new(b, e));
                let bad = |c: Option<char>| c.is_some_and(|c| c.is_whitespace() || matches!(c, '.' | ',' | ':' | ';'));
                bad(text.chars().next()) || bad(text.chars().next_back())
            })
            .count()
    };
    if misfits(1) <= misfits(0) { 1 } else { 0 }
}

impl Tally {
    /// Adds what was not carried as it was to `summary`.
    fn add_to(self, summary: &mut Summary) {
        if !self.bom_counted.is_empty() {
            summary.carried.push(format!(
                "note: the text of {} article(s) starts with a byte-order mark, which their offsets count as the first character (as the task's files do); they were read one character earlier: {}",
                self.bom_counted.len(),
                self.bom_counted.join(", ")
            ));
        }
        if !self.bom_uncounted.is_empty() {
            summary.carried.push(format!(
                "note: the text of {} article(s) starts with a byte-order mark, which their offsets do not count (their spans fit the text as they are): {}",
                self.bom_uncounted.len(),
                self.bom_uncounted.join(", ")
            ));
        }
        if self.only_bom > 0 {
            summary.not_carried.push(format!("{} row(s) hold nothing but the byte-order mark", self.only_bom));
        }
        if self.duplicates > 0 {
            summary.not_carried.push(format!(
                "{} row(s) repeating another row of the same article (same technique and span) were imported once",
                self.duplicates
            ));
        }
        if self.si_covered > 0 {
            summary.not_carried.push(format!(
                "{} span-only row(s) of .task-si.labels files were not imported: their articles' .task-flc-tc.labels give the spans with techniques",
                self.si_covered
            ));
        }
        if !self.widened.is_empty() {
            summary.not_carried.push(format!(
                "{} span(s) split a character (an emoji, a letter with accents) and were widened to whole characters: {}",
                self.widened.len(),
                self.widened.join(", ")
            ));
        }
        if !self.missing.is_empty() {
            summary.not_carried.push(format!(
                "the labels of {} article(s) whose text was not found: {}",
                self.missing.len(),
                self.missing.join(", ")
            ));
        }
        if !self.skipped.is_empty() {
            summary.not_carried.push(format!("{} file(s) skipped: {}", self.skipped.len(), self.skipped.join("; ")));
        }
    }
}

/// The id of the code for a technique label: a code with that id, or that name, else the
/// built-in technique of that label (added), else a new code named after the label.
fn technique_code(codebook: &mut Codebook, semeval: &Codebook, label: &str) -> String {
    if let Some(c) = codebook.code(label) {
        return c.id.clone();
    }
    if let Some(c) = codebook.resolve(label) {
        return c.id.clone();
    }
    if let Some(c) = semeval.code(label)
        && codebook.resolve(&c.name).is_none()
    {
        let mut c = c.clone();
        if c.key.is_some_and(|k| codebook.by_key(k).is_some()) {
            c.key = None;
        }
        codebook.codes.push(c);
        return label.to_owned();
    }
    let name = if label == SPAN_ONLY_CODE { "Propaganda (technique not given)" } else { label };
    add_code(codebook, label, name, None)
}
