//! Code matrices across a folder: how often each code was applied per document, per coder, per
//! value of a document variable, or together with each other code (co-occurrence).
//!
//! Two annotations co-occur when the same coder made both in the same document and their spans
//! overlap ([`Unit::Overlap`]) or touch a common paragraph, a line of the text as the document
//! view shows it ([`Unit::Paragraph`]). A cell of the code x code matrix counts such pairs of two
//! different annotations, one coded with the row's code and one with the column's, so the matrix
//! is symmetric. Orphans co-occur with nothing.
//!
//! This module only reads a loaded [`Corpus`]; it never writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::corpus::Corpus;
use crate::error::Error;
use crate::export::{all_codes, document_name, is_placed};
use crate::retrieve::coder_of;
use crate::vars::{Kind, parse_number};

/// What the columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Axis {
    Code,
    Document,
    Coder,
    /// The values of a document variable (documents without a value are left out).
    Variable(String),
}

impl Axis {
    /// Parses `code`, `document`, `coder` or `var:NAME`.
    pub fn parse(s: &str) -> Result<Axis, Error> {
        match s.trim() {
            "code" => Ok(Axis::Code),
            "document" => Ok(Axis::Document),
            "coder" => Ok(Axis::Coder),
            other => match other.strip_prefix("var:") {
                Some(name) if !name.trim().is_empty() => Ok(Axis::Variable(name.trim().to_owned())),
                _ => Err(Error::usage(format!("\"{s}\" is not a matrix axis"))
                    .hint("use code, document, coder or var:NAME (a document variable)")),
            },
        }
    }
}

/// What counts as appearing together in a code x code matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    /// The two spans overlap by at least one character.
    #[default]
    Overlap,
    /// The two spans touch a common paragraph (a line of the text, as the document view shows it).
    Paragraph,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatrixQuery {
    /// The columns (rows are always codes).
    pub cols: Axis,
    pub unit: Unit,
    /// Only these coders' annotations (all when empty).
    pub coders: Vec<String>,
    /// Each cell as a share of its column's total instead of a count.
    pub share: bool,
}

/// A table of figures: `counts[row][col]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// Code ids.
    pub rows: Vec<String>,
    /// Code ids, document names, coder names or variable values.
    pub cols: Vec<String>,
    pub counts: Vec<Vec<f64>>,
}

/// An annotation reduced to what a matrix needs.
struct Item {
    doc: usize,
    coder: String,
    code: usize,
    /// Code points, or paragraph indexes for [`Unit::Paragraph`]; `None` for orphans.
    range: Option<(usize, usize)>,
}

/// Builds the matrix of codes (rows) by `query.cols`.
pub fn build(corpus: &Corpus, query: &MatrixQuery) -> Result<Matrix, Error> {
    let mut rows: Vec<String> = all_codes(corpus).into_iter().map(|c| c.id).collect();
    let mut code_index: HashMap<String, usize> = rows.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect();
    let variable = match &query.cols {
        Axis::Variable(name) => Some(corpus.variables.variable(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = corpus.variables.variables.iter().map(|v| v.name.as_str()).collect();
            Error::usage(format!("there is no variable \"{name}\"")).hint(if names.is_empty() {
                "this folder has no variables yet: see `marginalia vars import`".to_owned()
            } else {
                format!("the variables are: {}", names.join(", "))
            })
        })?),
        _ => None,
    };
    let mut items = Vec::new();
    for (di, d) in corpus.documents.iter().enumerate() {
        for sc in &d.sidecars {
            for a in &sc.sidecar.annotations {
                let coder = coder_of(a, &sc.sidecar.coder);
                if !query.coders.is_empty() && !query.coders.iter().any(|c| c == coder) {
                    continue;
                }
                let next = rows.len();
                let code = *code_index.entry(a.code.clone()).or_insert(next);
                if code == next {
                    rows.push(a.code.clone());
                }
                let range = is_placed(a, d).then(|| match query.unit {
                    Unit::Overlap => (a.start, a.end),
                    Unit::Paragraph => {
                        let first = d.doc.paragraph_at(a.start);
                        // Paragraph ranges are inclusive: turned into half-open ones.
                        (first, d.doc.paragraph_at(a.end.saturating_sub(1).max(a.start)).max(first) + 1)
                    }
                });
                items.push(Item { doc: di, coder: coder.to_owned(), code, range });
            }
        }
    }
    let (cols, counts) = match &query.cols {
        Axis::Code => {
            let mut counts = vec![vec![0u64; rows.len()]; rows.len()];
            co_occurrences(&items, &mut counts);
            (rows.clone(), counts)
        }
        Axis::Document => {
            let cols: Vec<String> = corpus.documents.iter().map(|d| document_name(corpus, d)).collect();
            (cols, tally(&items, rows.len(), corpus.documents.len(), |it| Some(it.doc)))
        }
        Axis::Coder => {
            let names: BTreeSet<&str> = items.iter().map(|it| it.coder.as_str()).collect();
            let cols: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
            let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, s)| (*s, i)).collect();
            let counts = tally(&items, rows.len(), cols.len(), |it| index.get(it.coder.as_str()).copied());
            (cols, counts)
        }
        Axis::Variable(name) => {
            let def = variable.as_ref().expect("looked up above");
            let values: Vec<Option<&str>> =
                corpus.documents.iter().map(|d| corpus.variables.value(&Corpus::variable_key(d), name)).collect();
            let mut cols: Vec<String> = values.iter().flatten().map(|v| (*v).to_owned()).collect();
            sort_values(&mut cols, def.kind, &def.choices);
            let index: HashMap<&str, usize> = cols.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
            let counts = tally(&items, rows.len(), cols.len(), |it| values[it.doc].and_then(|v| index.get(v).copied()));
            (cols, counts)
        }
    };
    let counts =
        if query.share { shares(&counts) } else { counts.iter().map(|r| r.iter().map(|&n| n as f64).collect()).collect() };
    Ok(Matrix { rows, cols, counts })
}

/// Counts each item in its row and the column `col_of` gives (none: not counted).
fn tally(items: &[Item], rows: usize, cols: usize, col_of: impl Fn(&Item) -> Option<usize>) -> Vec<Vec<u64>> {
    let mut counts = vec![vec![0u64; cols]; rows];
    for it in items {
        if let Some(c) = col_of(it) {
            counts[it.code][c] += 1;
        }
    }
    counts
}

/// Adds the co-occurring pairs of `items` to `counts`: within each document and coder, a sweep
/// over the items sorted by start compares each with those that start before it ends.
fn co_occurrences(items: &[Item], counts: &mut [Vec<u64>]) {
    // (start, end, code) of the placed items of each (document, coder).
    type Spans = Vec<(usize, usize, usize)>;
    let mut groups: BTreeMap<(usize, &str), Spans> = BTreeMap::new();
    for it in items {
        if let Some((s, e)) = it.range {
            groups.entry((it.doc, it.coder.as_str())).or_default().push((s, e, it.code));
        }
    }
    for spans in groups.values_mut() {
        spans.sort_unstable();
        for (i, &(_, end, code)) in spans.iter().enumerate() {
            for &(start2, _, code2) in &spans[i + 1..] {
                if start2 >= end {
                    break;
                }
                counts[code][code2] += 1;
                if code != code2 {
                    counts[code2][code] += 1;
                }
            }
        }
    }
}

/// Each cell divided by its column's total (a column of zeros stays zeros).
fn shares(counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    let cols = counts.first().map_or(0, Vec::len);
    let totals: Vec<u64> = (0..cols).map(|c| counts.iter().map(|r| r[c]).sum()).collect();
    counts
        .iter()
        .map(|r| r.iter().zip(&totals).map(|(&n, &t)| if t == 0 { 0.0 } else { n as f64 / t as f64 }).collect())
        .collect()
}

/// Distinct values in the variable's natural order: numbers by value, choices in their listed
/// order, dates and text as text.
fn sort_values(values: &mut Vec<String>, kind: Kind, choices: &[String]) {
    values.sort();
    values.dedup();
    match kind {
        Kind::Number => values.sort_by(|a, b| {
            let (x, y) = (parse_number(a).unwrap_or(f64::NAN), parse_number(b).unwrap_or(f64::NAN));
            x.total_cmp(&y).then_with(|| a.cmp(b))
        }),
        Kind::Choice => values.sort_by_key(|v| choices.iter().position(|c| c == v).unwrap_or(usize::MAX)),
        Kind::Text | Kind::Date => {}
    }
}
