//! SemEval-2020 Task 11 labels: per document its text (`<stem>.txt`, exactly as decoded,
//! UTF-8), `<stem>.task-flc-tc.labels` (rows `ID<TAB>TECHNIQUE<TAB>BEGIN<TAB>END`) and
//! `<stem>.task-si.labels` (rows `ID<TAB>BEGIN<TAB>END`), in the shape the task's data and
//! scorers use. With more than one coder, each coder's files go in a folder of their own.
//!
//! - The ID is the digits of a document named `article<ID>.txt`, else its file stem (the
//!   import finds `<stem>.txt` by it).
//! - TECHNIQUE is the code's id: with the built-in "semeval2020" codebook that is the task's
//!   exact label (`Name_Calling,Labeling`), so the files can be scored as they are.
//! - BEGIN and END are code points of the text, END exclusive (Python's `text[begin:end]`). A
//!   text that started with a byte-order mark keeps it, and the offsets count it as the first
//!   character, as the task's articles and labels do.
//! - Row order: the task's technique scorer sorts each article's rows by BEGIN (keeping the
//!   file's order among rows with the same BEGIN) and compares them one by one with the data
//!   set's, so rows imported from a labels file keep that file's order (the import gives them
//!   time-ordered ids); the others come in order of BEGIN, END and TECHNIQUE, each before the
//!   first imported row that starts after it. Each line ends with `\n`; an identical row is
//!   written once. Annotations with the code `propaganda` (spans imported from an SI file,
//!   technique not given) go to the SI file only.
//! - The SI file lists the spans in order, overlapping ones merged into one (the task's span
//!   scorer refuses overlapping spans).
//!
//! Not carried: notes, attributes, coders (beyond the folder per coder), times, and orphaned
//! annotations (they have no place in the text).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::path::PathBuf;

use crate::codebook::Codebook;
use crate::corpus::Corpus;
use crate::error::Error;
use crate::export::{Ticker, document_rows};

/// The end of a technique-classification labels file's name.
pub const TC_SUFFIX: &str = ".task-flc-tc.labels";
/// The end of a span-identification labels file's name.
pub const SI_SUFFIX: &str = ".task-si.labels";
/// The code that spans of the span-identification task (no technique) get.
pub const SPAN_ONLY_CODE: &str = "propaganda";
/// The short name of the built-in codebook with the task's 14 techniques.
pub const CODEBOOK: &str = "semeval2020";

pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// A cell without tabs or line breaks.
fn one_cell(s: &str) -> String {
    s.chars().map(|c| if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c }).collect()
}

/// The article id and the file stem of a document named `name`.
pub fn article_id(name: &str) -> (String, String) {
    let stem = name.strip_suffix(".txt").or_else(|| name.rsplit_once('.').map(|(s, _)| s)).unwrap_or(name).to_owned();
    (id_of_stem(&stem), stem)
}

/// The article id of the files `<stem>.txt` and `<stem>.task-…labels`: the digits of
/// `article<ID>`, else the stem.
fn id_of_stem(stem: &str) -> String {
    let id = match stem.strip_prefix("article") {
        Some(digits) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => digits,
        _ => stem,
    };
    one_cell(id)
}

/// One row: where the imported rows' order puts it (their time-ordered id), its span and
/// technique.
type Row = (Option<uuid::Uuid>, usize, usize, String);

pub fn render<P: FnMut(usize, usize) -> bool>(corpus: &Corpus, ticker: &mut Ticker<P>) -> Result<(Files, Vec<String>), Error> {
    let techniques: BTreeSet<String> =
        Codebook::builtin(CODEBOOK).map(|cb| cb.codes.into_iter().map(|c| c.id).collect()).unwrap_or_default();
    let several_coders =
        corpus.documents.iter().flat_map(|d| d.sidecars.iter().map(|s| s.sidecar.coder.as_str())).collect::<BTreeSet<_>>().len()
            > 1;
    let mut files: Files = Vec::new();
    let mut stems = BTreeSet::new();
    let (mut orphans, mut with_notes) = (0, 0);
    let mut other_codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_article = Vec::new();
    let (mut merged, mut with_bom) = (0, 0);
    for (i, d) in corpus.documents.iter().enumerate() {
        let name = d.doc.file_name();
        let (mut id, mut stem) = article_id(&name);
        if !stems.insert(stem.clone()) {
            stem = name.replace('.', "_");
            id = id_of_stem(&stem);
            stems.insert(stem.clone());
        }
        // The task's articles start with a byte-order mark their offsets count: a text that
        // had one keeps it, and so do its offsets.
        let bom = d.doc.encoding() == crate::document::SourceEncoding::Utf8Bom;
        with_bom += usize::from(bom);
        let mut text = if bom { "\u{feff}".to_owned() } else { String::new() };
        text.push_str(d.doc.text());
        if !(stem.starts_with("article") && id.chars().all(|c| c.is_ascii_digit())) {
            not_article.push(name.clone());
        }
        let rows = document_rows(corpus, i, d);
        let coder_of: HashMap<uuid::Uuid, &str> = d
            .sidecars
            .iter()
            .flat_map(|sc| sc.sidecar.annotations.iter().map(move |a| (a.id, sc.sidecar.coder.as_str())))
            .collect();
        let mut by_coder: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for sc in &d.sidecars {
            by_coder.entry(sc.sidecar.coder.clone()).or_default();
        }
        for r in &rows {
            ticker.annotation()?;
            let Some(span) = r.span else {
                orphans += 1;
                continue;
            };
            let a = r.annotation;
            if !a.note.is_empty() || !a.attributes.is_empty() {
                with_notes += 1;
            }
            if !techniques.contains(&a.code) && a.code != SPAN_ONLY_CODE {
                *other_codes.entry(a.code.clone()).or_default() += 1;
            }
            let coder = coder_of.get(&a.id).copied().unwrap_or_default().to_owned();
            let order = (a.id.get_version_num() == 7).then_some(a.id);
            let shift = usize::from(bom);
            by_coder.entry(coder).or_default().push((order, span.start + shift, span.end + shift, one_cell(&a.code)));
        }
        if by_coder.is_empty() {
            by_coder.insert(String::new(), Vec::new());
        }
        for (coder, rows) in by_coder {
            let folder = if several_coders && !coder.is_empty() { PathBuf::from(safe_folder(&coder)) } else { PathBuf::new() };
            let (tc, si, m) = labels_of(&id, rows);
            merged += m;
            files.push((folder.join(format!("{stem}.txt")), text.as_bytes().to_vec()));
            files.push((folder.join(format!("{stem}{TC_SUFFIX}")), tc.into_bytes()));
            files.push((folder.join(format!("{stem}{SI_SUFFIX}")), si.into_bytes()));
        }
        ticker.report()?;
    }
    let left_out = LeftOut { orphans, other_codes, not_article, with_notes };
    let mut notes = left_out.notes(several_coders);
    if merged > 0 {
        notes.push(format!(
            "{merged} overlapping span(s) were merged with the spans they overlap in the .task-si.labels files: the task's span scorer refuses overlapping spans"
        ));
    }
    if with_bom > 0 {
        notes.push(format!(
            "{with_bom} text(s) start with a byte-order mark: it is kept, and the offsets count it as the first character, as the task's articles do"
        ));
    }
    Ok((files, notes))
}

/// What labels files cannot carry, counted while rendering.
struct LeftOut {
    orphans: usize,
    /// Codes that are not techniques → how many annotations have them.
    other_codes: BTreeMap<String, usize>,
    /// Documents not named article<ID>.txt.
    not_article: Vec<String>,
    with_notes: usize,
}

impl LeftOut {
    /// One note per kind of loss, and one when each coder has a folder of their own.
    fn notes(self, several_coders: bool) -> Vec<String> {
        let mut notes = Vec::new();
        if self.orphans > 0 {
            notes.push(format!("{} orphaned annotation(s) have no place in the text and were not written", self.orphans));
        }
        if !self.other_codes.is_empty() {
            let n: usize = self.other_codes.values().sum();
            let list: Vec<String> = self.other_codes.keys().take(8).cloned().collect();
            notes.push(format!(
                "{n} annotation(s) have codes that are not SemEval-2020 techniques ({}{}); their ids were written as technique names, which the task's scorer does not know",
                list.join(", "),
                if self.other_codes.len() > 8 { ", …" } else { "" }
            ));
        }
        if self.with_notes > 0 {
            notes.push(format!("{} annotation(s) have notes or attributes, which labels files cannot carry", self.with_notes));
        }
        if !self.not_article.is_empty() {
            notes.push(format!(
                "{} document(s) are not named article<ID>.txt, so their file stem is their id: {}",
                self.not_article.len(),
                self.not_article.join(", ")
            ));
        }
        if several_coders {
            notes.push("several coders: each coder's files are in a folder named after the coder".to_owned());
        }
        notes
    }
}

/// The technique-classification and span-identification labels of one article's rows, and
/// how many spans the SI file merged into others. Technique rows: those with a time-ordered
/// id (imported from a labels file) in the order of their ids, the others by begin, end and
/// technique, each put before the first imported row that starts after it; an identical row
/// once. SI rows: every span in order, overlapping ones merged.
fn labels_of(id: &str, rows: Vec<Row>) -> (String, String, usize) {
    let (mut imported, mut others): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.0.is_some());
    imported.sort();
    others.sort_by(|a, b| (a.1, a.2, &a.3).cmp(&(b.1, b.2, &b.3)));
    let mut spans: Vec<(usize, usize)> = imported.iter().chain(&others).map(|r| (r.1, r.2)).collect();
    let mut ordered: Vec<&Row> = Vec::new();
    let mut rest = others.iter().peekable();
    for r in &imported {
        while let Some(o) = rest.next_if(|o| o.1 < r.1) {
            ordered.push(o);
        }
        ordered.push(r);
    }
    ordered.extend(rest);
    let mut tc = String::new();
    let mut seen = BTreeSet::new();
    for (_, begin, end, technique) in ordered {
        if technique != SPAN_ONLY_CODE && seen.insert((begin, end, technique)) {
            let _ = writeln!(tc, "{id}\t{technique}\t{begin}\t{end}");
        }
    }
    spans.sort();
    spans.dedup();
    let mut si = String::new();
    let mut merged = 0;
    let mut current: Option<(usize, usize)> = None;
    for (begin, end) in spans {
        match current {
            // The scorer's overlap: a character in common (spans that only touch are apart).
            Some((b, e)) if begin < e => {
                merged += 1;
                current = Some((b, e.max(end)));
            }
            _ => {
                if let Some((b, e)) = current {
                    let _ = writeln!(si, "{id}\t{b}\t{e}");
                }
                current = Some((begin, end));
            }
        }
    }
    if let Some((b, e)) = current {
        let _ = writeln!(si, "{id}\t{b}\t{e}");
    }
    (tc, si, merged)
}

fn safe_folder(coder: &str) -> String {
    let s: String = coder.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() { "coder".to_owned() } else { s }
}
