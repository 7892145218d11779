//! Retrieval across a folder: every coded passage that meets a [`Query`] (codes, coders,
//! document variables, text), as plain [`Passage`] rows that the CLI prints and a view can draw.
//!
//! This module only reads a loaded [`Corpus`]; it never writes.

pub mod write;

use serde::Serialize;

use crate::annotation::Annotation;
use crate::codebook::{Code, Codebook};
use crate::corpus::{Corpus, CorpusDocument};
use crate::error::Error;
use crate::export::{all_codes, document_name, is_placed};
use crate::vars::Condition;

/// What to retrieve. Empty lists do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Code ids (see [`resolve_codes`]). A passage carries one of them; with `all_codes` it
    /// carries one of them and the same coder coded every other listed code on a span that
    /// overlaps it.
    pub codes: Vec<String>,
    pub all_codes: bool,
    /// Coder names (exact).
    pub coders: Vec<String>,
    /// Conditions on the document's variables; all must hold.
    pub conditions: Vec<Condition>,
    /// Text that the passage or its note contains (case-insensitive).
    pub text: Option<String>,
}

/// One retrieved passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// The document's path relative to the folder.
    pub document: String,
    pub coder: String,
    /// The code's id.
    pub code: String,
    pub code_name: String,
    /// Code points, end exclusive; `None` for an orphan (its quote is no longer in the text).
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub exact: String,
    pub note: String,
    pub id: String,
}

/// The codebook of the whole folder: every code defined in it, first definition wins.
pub fn folder_codebook(corpus: &Corpus) -> Codebook {
    Codebook { codes: all_codes(corpus), ..corpus.codebook.clone() }
}

/// Code ids for codes given by id or name (as `add --code` takes them); an unknown one is an
/// error that lists the codes.
pub fn resolve_codes(corpus: &Corpus, wanted: &[String]) -> Result<Vec<String>, Error> {
    let book = folder_codebook(corpus);
    wanted
        .iter()
        .map(|w| {
            book.resolve(w).map(|c: &Code| c.id.clone()).ok_or_else(|| {
                let names: Vec<String> = book.codes.iter().map(|c| format!("{} ({})", c.name, c.id)).collect();
                Error::usage(format!("there is no code \"{w}\" in this folder's codebooks"))
                    .hint(format!("use one of: {}", names.join(", ")))
            })
        })
        .collect()
}

/// Checks the query's conditions against the folder's variables (unknown variable, a value
/// of the wrong kind) before anything is retrieved.
pub fn check(corpus: &Corpus, query: &Query) -> Result<(), Error> {
    query.conditions.iter().try_for_each(|c| c.check(&corpus.variables))
}

/// The coder an annotation counts for: its own `coder`, else its sidecar's.
pub fn coder_of<'a>(a: &'a Annotation, sidecar_coder: &'a str) -> &'a str {
    if a.coder.trim().is_empty() { sidecar_coder } else { &a.coder }
}

/// Does the document meet every condition on variables?
pub fn document_matches(corpus: &Corpus, d: &CorpusDocument, conditions: &[Condition]) -> bool {
    if conditions.is_empty() {
        return true;
    }
    let key = Corpus::variable_key(d);
    conditions.iter().all(|c| c.holds(&corpus.variables, &key))
}

/// Every passage of the folder that meets `query`, by document (folder order), then position,
/// then coder. Orphans come last in their document.
pub fn retrieve(corpus: &Corpus, query: &Query) -> Result<Vec<Passage>, Error> {
    check(corpus, query)?;
    let names: std::collections::HashMap<String, String> = all_codes(corpus).into_iter().map(|c| (c.id, c.name)).collect();
    let needle = query.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty());
    let mut out = Vec::new();
    for d in &corpus.documents {
        if !document_matches(corpus, d, &query.conditions) {
            continue;
        }
        let document = document_name(corpus, d);
        let mut found: Vec<Passage> = Vec::new();
        for sc in &d.sidecars {
            let annotations: Vec<&Annotation> = sc
                .sidecar
                .annotations
                .iter()
                .filter(|a| query.coders.is_empty() || query.coders.iter().any(|c| c == coder_of(a, &sc.sidecar.coder)))
                .collect();
            for a in &annotations {
                if !query.codes.is_empty() && !query.codes.contains(&a.code) {
                    continue;
                }
                if query.all_codes && !has_all_codes(a, &annotations, &query.codes, d) {
                    continue;
                }
                if let Some(t) = &needle
                    && !a.exact.to_lowercase().contains(t)
                    && !a.note.to_lowercase().contains(t)
                {
                    continue;
                }
                found.push(passage(&document, &sc.sidecar.coder, a, is_placed(a, d), &names));
            }
        }
        found.sort_by(passage_order);
        out.extend(found);
    }
    Ok(out)
}

/// The row of one annotation of `document` (a sidecar of `sidecar_coder`); `placed`: is it in
/// the current text ([`is_placed`])? `names` gives code names by id.
pub fn passage(
    document: &str,
    sidecar_coder: &str,
    a: &Annotation,
    placed: bool,
    names: &std::collections::HashMap<String, String>,
) -> Passage {
    Passage {
        document: document.to_owned(),
        coder: coder_of(a, sidecar_coder).to_owned(),
        code: a.code.clone(),
        code_name: names.get(&a.code).cloned().unwrap_or_else(|| a.code.clone()),
        start: placed.then_some(a.start),
        end: placed.then_some(a.end),
        exact: a.exact.clone(),
        note: a.note.clone(),
        id: a.id.to_string(),
    }
}

/// The order of passages within a document: by position (orphans last), then end, coder,
/// code and id.
pub fn passage_order(x: &Passage, y: &Passage) -> std::cmp::Ordering {
    (x.start.is_none(), x.start, x.end, &x.coder, &x.code, &x.id).cmp(&(
        y.start.is_none(),
        y.start,
        y.end,
        &y.coder,
        &y.code,
        &y.id,
    ))
}

/// Is every listed code other than `a`'s on an annotation (of the same coder's list) that
/// overlaps `a`? Orphans overlap nothing.
fn has_all_codes(a: &Annotation, annotations: &[&Annotation], codes: &[String], d: &CorpusDocument) -> bool {
    if !is_placed(a, d) {
        return codes.iter().all(|c| *c == a.code);
    }
    let span = a.span();
    codes
        .iter()
        .filter(|c| **c != a.code)
        .all(|c| annotations.iter().any(|b| b.code == *c && b.id != a.id && is_placed(b, d) && b.span().overlaps(&span)))
}
