//! Grading against an answer key: which of the key's passages a student found (an annotation
//! with the same code overlapping it, matched one-to-one), which they missed, and which of
//! theirs the key does not have; per code and in total, with precision, recall and a score
//! (F1 as a percentage). A class report gathers every student's score as a table, CSV or a
//! self-contained HTML page that gives the key's notes on missed passages as feedback.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::{Document, Span};
use crate::error::{Error, ErrorKind};
use crate::export::csv::neutralise;

use super::{ALL, CodeLabel, Measure, counted, matching, used_codes, with_measures};

/// A passage in a score: the key's (found, missed) or the student's (extra).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredItem {
    pub id: Uuid,
    pub span: Span,
    pub code: String,
    pub exact: String,
    /// The key's note (for a key passage) or the student's (for an extra one).
    pub note: String,
}

impl ScoredItem {
    fn of(a: &Annotation) -> Self {
        Self { id: a.id, span: a.span(), code: a.code.clone(), exact: a.exact.clone(), note: a.note.clone() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CodeScore {
    pub code: String,
    pub found: usize,
    pub missed: usize,
    pub extra: usize,
    /// found / (found + extra).
    pub precision: Measure,
    /// found / (found + missed).
    pub recall: Measure,
    /// 100 · F1 = 100 · 2·found / (2·found + missed + extra).
    pub score: Measure,
}

impl CodeScore {
    fn new(code: &str, found: usize, missed: usize, extra: usize) -> Self {
        let ratio = |num: usize, den: usize, why: &str| {
            if den == 0 { Measure::undefined(why) } else { Measure::Value(num as f64 / den as f64) }
        };
        Self {
            code: code.to_owned(),
            found,
            missed,
            extra,
            precision: ratio(found, found + extra, "the student marked nothing with this code"),
            recall: ratio(found, found + missed, "the key marks nothing with this code"),
            score: if found + missed + extra == 0 {
                Measure::undefined("neither the key nor the student marked anything with this code")
            } else {
                Measure::Value(100.0 * 2.0 * found as f64 / (2 * found + missed + extra) as f64)
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub codes: Vec<CodeLabel>,
    /// One row per code used by the key or the student, in codebook order.
    pub per_code: Vec<CodeScore>,
    /// Over all codes (`code` is [`ALL`]).
    pub total: CodeScore,
    /// Key passages the student found, with the student's matching passage.
    pub found: Vec<(ScoredItem, ScoredItem)>,
    /// Key passages the student did not find (with the key's notes as feedback).
    pub missed: Vec<ScoredItem>,
    /// Student passages the key does not have.
    pub extra: Vec<ScoredItem>,
    /// Student annotations left out because they could not be placed in the text.
    pub orphaned: usize,
}

/// Scores `student` against `key` on `doc` (codes named and ordered by `codebook`).
pub fn score(doc: &Document, key: &[Annotation], student: &[Annotation], codebook: &Codebook) -> Score {
    let (key, _, _) = counted(doc, key);
    let (student, orphaned, _) = counted(doc, student);
    let codes = used_codes(codebook, [key.as_slice(), student.as_slice()]);
    let mut per_code = Vec::new();
    let (mut found, mut missed, mut extra) = (Vec::new(), Vec::new(), Vec::new());
    for code in &codes {
        let k: Vec<&Annotation> = key.iter().filter(|a| a.code == code.id).collect();
        let s: Vec<&Annotation> = student.iter().filter(|a| a.code == code.id).collect();
        let ks: Vec<Span> = k.iter().map(|a| a.span()).collect();
        let ss: Vec<Span> = s.iter().map(|a| a.span()).collect();
        let pairs = matching::overlap(&ks, &ss);
        let mut key_used = vec![false; k.len()];
        let mut student_used = vec![false; s.len()];
        for &(x, y) in &pairs {
            key_used[x] = true;
            student_used[y] = true;
            found.push((ScoredItem::of(k[x]), ScoredItem::of(s[y])));
        }
        missed.extend((0..k.len()).filter(|&x| !key_used[x]).map(|x| ScoredItem::of(k[x])));
        extra.extend((0..s.len()).filter(|&y| !student_used[y]).map(|y| ScoredItem::of(s[y])));
        per_code.push(CodeScore::new(&code.id, pairs.len(), k.len() - pairs.len(), s.len() - pairs.len()));
    }
    let total = CodeScore::new(
        ALL,
        per_code.iter().map(|c| c.found).sum(),
        per_code.iter().map(|c| c.missed).sum(),
        per_code.iter().map(|c| c.extra).sum(),
    );
    found.sort_by_key(|(k, _)| (k.span, k.id));
    missed.sort_by_key(|m| (m.span, m.id));
    extra.sort_by_key(|e| (e.span, e.id));
    Score { codes, per_code, total, found, missed, extra, orphaned }
}

/// Every student's score against one key.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassReport {
    pub document: String,
    pub key: String,
    pub codebook: Codebook,
    /// (student name, score), in the order given.
    pub students: Vec<(String, Score)>,
}

impl ClassReport {
    pub fn new(
        doc: &Document,
        key_name: &str,
        key: &[Annotation],
        students: &[(String, Vec<Annotation>)],
        codebook: &Codebook,
    ) -> Self {
        Self {
            document: doc.file_name(),
            key: key_name.to_owned(),
            codebook: codebook.clone(),
            students: students.iter().map(|(name, s)| (name.clone(), score(doc, key, s, codebook))).collect(),
        }
    }

    fn code_name(&self, code: &str) -> String {
        if code == ALL {
            return "all codes".to_owned();
        }
        self.codebook.code(code).map_or_else(|| code.to_owned(), |c| c.name.clone())
    }

    /// The codes that appear in any student's score, in codebook order.
    fn codes(&self) -> Vec<CodeLabel> {
        let mut seen: BTreeMap<String, CodeLabel> = BTreeMap::new();
        for (_, s) in &self.students {
            for c in &s.codes {
                seen.entry(c.id.clone()).or_insert_with(|| c.clone());
            }
        }
        let mut codes: Vec<CodeLabel> = seen.into_values().collect();
        codes.sort_by_key(|c| (self.codebook.index_of(&c.id).unwrap_or(usize::MAX), c.id.clone()));
        codes
    }

    /// A table for the terminal: one row per student, the total score and each code's
    /// found/missed/extra.
    pub fn to_table(&self) -> String {
        let mut out = format!("Class report: {} against the key \"{}\"\n\n", self.document, self.key);
        let name_w = self.students.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(7).max(7);
        out.push_str(&format!(
            "{:<name_w$}  {:>6}  {:>9}  {:>6}  {:>5}  {:>6}  {:>5}\n",
            "STUDENT", "SCORE", "PRECISION", "RECALL", "FOUND", "MISSED", "EXTRA"
        ));
        for (name, s) in &self.students {
            out.push_str(&format!(
                "{:<name_w$}  {:>6}  {:>9}  {:>6}  {:>5}  {:>6}  {:>5}\n",
                name,
                percent(&s.total.score),
                s.total.precision.display(2),
                s.total.recall.display(2),
                s.total.found,
                s.total.missed,
                s.total.extra
            ));
        }
        let codes = self.codes();
        if !codes.is_empty() {
            out.push_str("\nPer code (found/missed/extra, score):\n");
            for code in &codes {
                out.push_str(&format!("  {}\n", code.name));
                for (name, s) in &self.students {
                    if let Some(c) = s.per_code.iter().find(|c| c.code == code.id) {
                        out.push_str(&format!(
                            "    {:<name_w$}  {}/{}/{}  {}\n",
                            name,
                            c.found,
                            c.missed,
                            c.extra,
                            percent(&c.score)
                        ));
                    }
                }
            }
        }
        out
    }

    /// One row per student and code, plus a row with code "all" per student.
    pub fn to_csv(&self) -> Result<String, Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| Error::new(ErrorKind::Format, format!("cannot write the CSV report: {e}"));
        w.write_record(["student", "code", "code_name", "found", "missed", "extra", "precision", "recall", "score"])
            .map_err(fail)?;
        let number = |m: &Measure| m.value().map(|v| format!("{v:.4}")).unwrap_or_default();
        for (name, s) in &self.students {
            for c in std::iter::once(&s.total).chain(&s.per_code) {
                // Names and codes come from sidecars: a cell that starts like a formula is
                // neutralised as in every CSV Marginalia writes.
                w.write_record([
                    neutralise(name).into_owned(),
                    neutralise(&c.code).into_owned(),
                    neutralise(&self.code_name(&c.code)).into_owned(),
                    c.found.to_string(),
                    c.missed.to_string(),
                    c.extra.to_string(),
                    number(&c.precision),
                    number(&c.recall),
                    c.score.value().map(|v| format!("{v:.1}")).unwrap_or_default(),
                ])
                .map_err(fail)?;
            }
        }
        let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
        String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::Format, format!("the CSV report is not UTF-8: {e}")))
    }

    /// A self-contained HTML page (no scripts, no external files): a summary table, then per
    /// student a table per code and the missed passages with the key's notes as feedback.
    pub fn to_html(&self, doc: &Document) -> String {
        let mut h = String::new();
        let title = format!("Class report: {} ({} key)", self.document, self.key);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str(&format!("<title>{}</title>\n", esc(&title)));
        h.push_str(
            "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}\
             table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left}\
             td.n{text-align:right}blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #999}\
             .feedback{color:#0072B2}.place{color:#666;font-size:90%}</style>\n</head>\n<body>\n",
        );
        h.push_str(&format!("<h1>{}</h1>\n", esc(&title)));
        h.push_str("<table>\n<tr><th>Student</th><th>Score</th><th>Precision</th><th>Recall</th><th>Found</th><th>Missed</th><th>Extra</th></tr>\n");
        for (name, s) in &self.students {
            h.push_str(&format!(
                "<tr><td><a href=\"#{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                esc(&anchor_id(name)),
                esc(name),
                esc(&percent(&s.total.score)),
                esc(&s.total.precision.display(2)),
                esc(&s.total.recall.display(2)),
                s.total.found,
                s.total.missed,
                s.total.extra
            ));
        }
        h.push_str("</table>\n");
        for (name, s) in &self.students {
            h.push_str(&format!("<section id=\"{}\">\n<h2>{}</h2>\n", esc(&anchor_id(name)), esc(name)));
            h.push_str("<table>\n<tr><th>Code</th><th>Found</th><th>Missed</th><th>Extra</th><th>Score</th></tr>\n");
            for c in s.per_code.iter().chain(std::iter::once(&s.total)) {
                h.push_str(&format!(
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                    esc(&self.code_name(&c.code)),
                    c.found,
                    c.missed,
                    c.extra,
                    esc(&percent(&c.score))
                ));
            }
            h.push_str("</table>\n");
            if !s.missed.is_empty() {
                h.push_str("<h3>Missed</h3>\n<ul>\n");
                for m in &s.missed {
                    h.push_str(&item_html(doc, m, &self.code_name(&m.code), true));
                }
                h.push_str("</ul>\n");
            }
            if !s.extra.is_empty() {
                h.push_str("<h3>Not in the key</h3>\n<ul>\n");
                for e in &s.extra {
                    h.push_str(&item_html(doc, e, &self.code_name(&e.code), false));
                }
                h.push_str("</ul>\n");
            }
            if s.orphaned > 0 {
                h.push_str(&format!(
                    "<p>{} annotation(s) could not be placed in this text and were not scored.</p>\n",
                    s.orphaned
                ));
            }
            h.push_str("</section>\n");
        }
        h.push_str("</body>\n</html>\n");
        h
    }

    /// The report as JSON: per student the total and per-code rows, and the passages.
    pub fn to_json(&self) -> Value {
        let row = |c: &CodeScore| {
            with_measures(
                json!({ "code": c.code, "found": c.found, "missed": c.missed, "extra": c.extra }),
                &[("precision", &c.precision), ("recall", &c.recall), ("score", &c.score)],
            )
        };
        let item =
            |i: &ScoredItem| json!({ "start": i.span.start, "end": i.span.end, "code": i.code, "text": i.exact, "note": i.note });
        json!({
            "document": self.document,
            "key": self.key,
            "students": self.students.iter().map(|(name, s)| json!({
                "student": name,
                "total": row(&s.total),
                "codes": s.per_code.iter().map(row).collect::<Vec<_>>(),
                "missed": s.missed.iter().map(item).collect::<Vec<_>>(),
                "extra": s.extra.iter().map(item).collect::<Vec<_>>(),
                "orphaned": s.orphaned,
            })).collect::<Vec<_>>(),
        })
    }
}

fn item_html(doc: &Document, item: &ScoredItem, code_name: &str, feedback: bool) -> String {
    let (line, col) = doc.line_col(item.span.start);
    let mut h = format!(
        "<li><strong>{}</strong> <span class=\"place\">(line {line}, column {col})</span>\n<blockquote>{}</blockquote>\n",
        esc(code_name),
        esc(&item.exact)
    );
    if feedback && !item.note.trim().is_empty() {
        h.push_str(&format!("<p class=\"feedback\">Feedback: {}</p>\n", esc(&item.note)));
    }
    h.push_str("</li>\n");
    h
}

/// A score as a percentage with one decimal, or "n/a".
pub fn percent(m: &Measure) -> String {
    m.value().map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

fn esc(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn anchor_id(name: &str) -> String {
    let id: String = name.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect();
    format!("student-{id}")
}
