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

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::corpus::Corpus;
use crate::error::Error;
use crate::export::{all_codes, document_name, is_placed};
use crate::retrieve::{Passage, coder_of};
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
    /// Each cell as a share instead of a count (`None`: counts).
    pub share: Option<Share>,
}

/// What a cell's share is a share of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Share {
    /// The share of documents that contain the code: per document, 1 when it has the code and
    /// 0 when not; per coder, of the documents the coder coded, those where the coder applied
    /// the code; per variable value, of the documents with that value, those with the code;
    /// code x code, of all documents, those where the two codes co-occur.
    #[default]
    Documents,
    /// The cell's count divided by its column's total.
    Column,
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
    /// Index into [`Items::coders`].
    coder: usize,
    code: usize,
    /// Code points, or paragraph indexes for [`Unit::Paragraph`]; `None` for orphans.
    range: Option<(usize, usize)>,
    /// Where the annotation is: its sidecar's index in the document, its index in the sidecar.
    at: (usize, usize),
}

/// The annotations a query counts, with the rows (codes) and the coders they name.
struct Items {
    rows: Vec<String>,
    coders: Vec<String>,
    items: Vec<Item>,
    variable: Option<crate::vars::Variable>,
}

/// Reads the annotations `query` counts out of `corpus` (one pass, no text copied).
fn items(corpus: &Corpus, query: &MatrixQuery) -> Result<Items, Error> {
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
    let mut coders: Vec<String> = Vec::new();
    let mut coder_index: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::with_capacity(corpus.annotation_count());
    const RECENT: usize = 16;
    let mut last_coder: Option<(&str, usize)> = None;
    let mut recent_codes: Vec<(&str, usize)> = Vec::with_capacity(RECENT);
    for (di, d) in corpus.documents.iter().enumerate() {
        for (si, sc) in d.sidecars.iter().enumerate() {
            for (ai, a) in sc.sidecar.annotations.iter().enumerate() {
                let coder = coder_of(a, &sc.sidecar.coder);
                if !query.coders.is_empty() && !query.coders.iter().any(|c| c == coder) {
                    continue;
                }
                // A folder has a few coders and codes: the last ones seen usually match, a
                // comparison of two short strings being cheaper than hashing one.
                let coder = match last_coder {
                    Some((name, i)) if name == coder => i,
                    _ => {
                        let i = *coder_index.entry(coder).or_insert_with(|| {
                            coders.push(coder.to_owned());
                            coders.len() - 1
                        });
                        last_coder = Some((coder, i));
                        i
                    }
                };
                let code = match recent_codes.iter().find(|(id, _)| *id == a.code.as_str()) {
                    Some(&(_, c)) => c,
                    None => {
                        let c = match code_index.get(a.code.as_str()) {
                            Some(&c) => c,
                            None => {
                                rows.push(a.code.clone());
                                code_index.insert(a.code.clone(), rows.len() - 1);
                                rows.len() - 1
                            }
                        };
                        if recent_codes.len() == RECENT {
                            recent_codes.remove(0);
                        }
                        recent_codes.push((a.code.as_str(), c));
                        c
                    }
                };
                let range = is_placed(a, d).then(|| match query.unit {
                    Unit::Overlap => (a.start, a.end),
                    Unit::Paragraph => {
                        let first = d.doc.paragraph_at(a.start);
                        // Paragraph ranges are inclusive: turned into half-open ones.
                        (first, d.doc.paragraph_at(a.end.saturating_sub(1).max(a.start)).max(first) + 1)
                    }
                });
                items.push(Item { doc: di, coder, code, range, at: (si, ai) });
            }
        }
    }
    Ok(Items { rows, coders, items, variable })
}

/// The columns of `query.cols` and, for the axes that tally annotations (all but codes), the
/// column each item counts in.
fn columns(corpus: &Corpus, query: &MatrixQuery, items: &Items) -> (Vec<String>, Vec<Option<usize>>) {
    match &query.cols {
        Axis::Code => (items.rows.clone(), Vec::new()),
        Axis::Document => {
            let cols: Vec<String> = corpus.documents.iter().map(|d| document_name(corpus, d)).collect();
            (cols, items.items.iter().map(|it| Some(it.doc)).collect())
        }
        Axis::Coder => {
            let mut order: Vec<usize> = (0..items.coders.len()).collect();
            order.sort_by(|&a, &b| items.coders[a].cmp(&items.coders[b]));
            let mut place = vec![0; order.len()];
            for (col, &c) in order.iter().enumerate() {
                place[c] = col;
            }
            let cols = order.iter().map(|&c| items.coders[c].clone()).collect();
            (cols, items.items.iter().map(|it| Some(place[it.coder])).collect())
        }
        Axis::Variable(name) => {
            let (cols, doc_col) = value_columns(corpus, name, items);
            (cols, items.items.iter().map(|it| doc_col[it.doc]).collect())
        }
    }
}

/// The values of a variable in their natural order, and each document's column (`None`: no
/// value).
fn value_columns(corpus: &Corpus, name: &str, items: &Items) -> (Vec<String>, Vec<Option<usize>>) {
    let def = items.variable.as_ref().expect("looked up with the items");
    let values: Vec<Option<&str>> =
        corpus.documents.iter().map(|d| corpus.variables.value(&Corpus::variable_key(d), name)).collect();
    let mut cols: Vec<String> = values.iter().flatten().map(|v| (*v).to_owned()).collect();
    sort_values(&mut cols, def.kind, &def.choices);
    let index: HashMap<&str, usize> = cols.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let doc_col = values.iter().map(|v| v.and_then(|v| index.get(v).copied())).collect();
    (cols, doc_col)
}

/// Builds the matrix of codes (rows) by `query.cols`.
pub fn build(corpus: &Corpus, query: &MatrixQuery) -> Result<Matrix, Error> {
    let items = items(corpus, query)?;
    let (cols, col_of) = columns(corpus, query, &items);
    let rows = items.rows.len();
    let mut counts = vec![vec![0u64; cols.len()]; rows];
    if query.cols == Axis::Code {
        for_each_pair(&items.items, |i, j| {
            let (a, b) = (items.items[i].code, items.items[j].code);
            counts[a][b] += 1;
            if a != b {
                counts[b][a] += 1;
            }
        });
    } else {
        for (it, col) in items.items.iter().zip(&col_of) {
            if let Some(c) = col {
                counts[it.code][*c] += 1;
            }
        }
    }
    let counts = match query.share {
        None => counts.iter().map(|r| r.iter().map(|&n| n as f64).collect()).collect(),
        Some(Share::Column) => shares(&counts),
        Some(Share::Documents) => document_shares(corpus, query, &items, &col_of, rows, cols.len()),
    };
    Ok(Matrix { rows: items.rows, cols, counts })
}

/// [`Share::Documents`]: for each cell, the documents that contain the row's code in the
/// column's sense, divided by the documents the column stands for (see [`Share`]).
fn document_shares(
    corpus: &Corpus,
    query: &MatrixQuery,
    items: &Items,
    col_of: &[Option<usize>],
    rows: usize,
    cols: usize,
) -> Vec<Vec<f64>> {
    use std::collections::HashSet;
    // Distinct (row, column, document) that hold the code, and the documents of each column.
    let mut holding: HashSet<(usize, usize, usize)> = HashSet::new();
    let mut of_column: Vec<usize> = vec![0; cols];
    match &query.cols {
        Axis::Code => {
            for_each_pair(&items.items, |i, j| {
                let (a, b, doc) = (items.items[i].code, items.items[j].code, items.items[i].doc);
                holding.insert((a, b, doc));
                holding.insert((b, a, doc));
            });
            of_column.fill(corpus.documents.len());
        }
        Axis::Document => of_column.fill(1),
        Axis::Coder => {
            let coded: HashSet<(usize, usize)> =
                items.items.iter().zip(col_of).filter_map(|(it, c)| c.map(|c| (c, it.doc))).collect();
            for (c, _) in coded {
                of_column[c] += 1;
            }
        }
        Axis::Variable(name) => {
            // Each document with a value counts once in its value's column, coded or not.
            for c in value_columns(corpus, name, items).1.into_iter().flatten() {
                of_column[c] += 1;
            }
        }
    }
    if query.cols != Axis::Code {
        for (it, c) in items.items.iter().zip(col_of) {
            if let Some(c) = c {
                holding.insert((it.code, *c, it.doc));
            }
        }
    }
    let mut held = vec![vec![0usize; cols]; rows];
    for (r, c, _) in holding {
        held[r][c] += 1;
    }
    held.iter()
        .map(|row| row.iter().zip(&of_column).map(|(&n, &t)| if t == 0 { 0.0 } else { n as f64 / t as f64 }).collect())
        .collect()
}

/// The passages a cell of [`build`]'s matrix counts (`row` and `col` index its rows and
/// columns), in [`crate::retrieve::retrieve`]'s order. For codes x codes, the annotations of
/// either code that make a counted pair with one of the other.
pub fn cell_passages(corpus: &Corpus, query: &MatrixQuery, row: usize, col: usize) -> Result<Vec<Passage>, Error> {
    let items = items(corpus, query)?;
    let (cols, col_of) = columns(corpus, query, &items);
    if row >= items.rows.len() || col >= cols.len() {
        return Ok(Vec::new());
    }
    let mut chosen = vec![false; items.items.len()];
    if query.cols == Axis::Code {
        for_each_pair(&items.items, |i, j| {
            let (a, b) = (items.items[i].code, items.items[j].code);
            if (a, b) == (row, col) || (b, a) == (row, col) {
                chosen[i] = true;
                chosen[j] = true;
            }
        });
    } else {
        for (k, (it, c)) in items.items.iter().zip(&col_of).enumerate() {
            chosen[k] = it.code == row && *c == Some(col);
        }
    }
    let names: HashMap<String, String> = all_codes(corpus).into_iter().map(|c| (c.id, c.name)).collect();
    let mut found: Vec<(usize, Passage)> = items
        .items
        .iter()
        .zip(&chosen)
        .filter(|(_, chosen)| **chosen)
        .map(|(it, _)| {
            let d = &corpus.documents[it.doc];
            let sc = &d.sidecars[it.at.0];
            let a = &sc.sidecar.annotations[it.at.1];
            (it.doc, crate::retrieve::passage(&document_name(corpus, d), &sc.sidecar.coder, a, is_placed(a, d), &names))
        })
        .collect();
    found.sort_by(|(d1, x), (d2, y)| d1.cmp(d2).then_with(|| crate::retrieve::passage_order(x, y)));
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Calls `pair(i, j)` for each pair of items (indexes, `i` first by start) that co-occur:
/// within each document and coder, a sweep over the items sorted by start compares each with
/// those that start before it ends.
fn for_each_pair(items: &[Item], mut pair: impl FnMut(usize, usize)) {
    // (start, end, item) of the placed items of each (document, coder).
    type Spans = Vec<(usize, usize, usize)>;
    let mut groups: BTreeMap<(usize, usize), Spans> = BTreeMap::new();
    for (k, it) in items.iter().enumerate() {
        if let Some((s, e)) = it.range {
            groups.entry((it.doc, it.coder)).or_default().push((s, e, k));
        }
    }
    for spans in groups.values_mut() {
        spans.sort_unstable();
        for (i, &(_, end, k)) in spans.iter().enumerate() {
            for &(start2, _, k2) in &spans[i + 1..] {
                if start2 >= end {
                    break;
                }
                pair(k, k2);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated folder: 12 documents with 30 overlapping annotations each, by three coders,
    /// with a choice and a number variable.
    fn corpus() -> (tempfile::TempDir, Corpus) {
        let dir = tempfile::tempdir().unwrap();
        crate::testdata::write_folder(dir.path(), 12, 3_000, 30, 7).unwrap();
        let corpus = crate::corpus::load(dir.path()).unwrap();
        (dir, corpus)
    }

    #[test]
    fn every_cell_lists_as_many_passages_as_it_counts() {
        let (_dir, corpus) = corpus();
        for cols in [Axis::Document, Axis::Coder, Axis::Variable("group".into()), Axis::Variable("year".into())] {
            let query = MatrixQuery { cols: cols.clone(), unit: Unit::Overlap, coders: Vec::new(), share: None };
            let m = build(&corpus, &query).unwrap();
            let mut total = 0.0;
            for (r, row) in m.counts.iter().enumerate() {
                for (c, &n) in row.iter().enumerate() {
                    let passages = cell_passages(&corpus, &query, r, c).unwrap();
                    assert_eq!(passages.len() as f64, n, "{cols:?} {} x {}", m.rows[r], m.cols[c]);
                    assert!(passages.iter().all(|p| p.code == m.rows[r]));
                    total += n;
                }
            }
            assert_eq!(total as usize, corpus.annotation_count(), "{cols:?}: every annotation is counted once");
        }
    }

    #[test]
    fn a_co_occurrence_cell_lists_annotations_that_overlap_one_of_the_other_code() {
        let (_dir, corpus) = corpus();
        let query = MatrixQuery { cols: Axis::Code, unit: Unit::Overlap, coders: Vec::new(), share: None };
        let m = build(&corpus, &query).unwrap();
        let mut checked = 0;
        for r in 0..m.rows.len() {
            for c in 0..m.cols.len() {
                let passages = cell_passages(&corpus, &query, r, c).unwrap();
                assert_eq!(passages.is_empty(), m.counts[r][c] == 0.0, "{} x {}", m.rows[r], m.cols[c]);
                for p in &passages {
                    let other = if p.code == m.rows[r] { &m.cols[c] } else { &m.rows[r] };
                    let overlaps = passages.iter().any(|q| {
                        q.id != p.id
                            && &q.code == other
                            && q.document == p.document
                            && q.coder == p.coder
                            && q.start < p.end
                            && p.start < q.end
                    });
                    assert!(overlaps, "{p:?} pairs with no {other}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 0, "the generated folder has overlapping codes");
    }
}
