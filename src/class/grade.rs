//! Grades of a class folder: every student (every coder but the key) against the answer key,
//! per text and code, with the figures of [`crate::agree::score`] (the ones
//! `marginalia agree DOC KEY STUDENT --key KEY` reports).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use super::require_class;
use crate::agree::{self, ALL, Measure};
use crate::error::{Error, ErrorKind};

/// One student's result on one text for one code (or [`ALL`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    pub student: String,
    pub document: String,
    /// A code id, or "all".
    pub code: String,
    pub code_name: String,
    pub found: usize,
    pub missed: usize,
    pub extra: usize,
    pub precision: Measure,
    pub recall: Measure,
    /// points / 100.
    pub f1: Measure,
    /// 100 · F1: the `score` of `marginalia agree --key`.
    pub points: Measure,
}

/// What [`grade`] found: the rows, and notes on what could not be graded.
#[derive(Debug, Clone, Default)]
pub struct Grades {
    pub rows: Vec<GradeRow>,
    /// The students, sorted by name.
    pub students: Vec<String>,
    /// The texts graded, in file name order.
    pub documents: Vec<String>,
    pub notes: Vec<String>,
}

/// The coder a sidecar's file name names: `<doc>.<coder>.annotations.ron` → coder; `None` for
/// the default sidecar.
fn coder_of(file: &str, doc: &str) -> Option<String> {
    let rest = file.strip_prefix(doc)?.strip_prefix('.')?.strip_suffix(".annotations.ron")?;
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// Grades every student of the class folder against its key (named in `class.ron`). A student
/// with no sidecar for a text is graded on it as having marked nothing. A text without a key
/// sidecar is left out, with a note.
pub fn grade(folder: &Path) -> Result<Grades, Error> {
    let class = require_class(folder)?;
    let key = class.key.clone().ok_or_else(|| {
        Error::usage(format!("{} does not say which coder is the answer key", folder.join(super::CLASS_FILE).display()))
            .hint("run `marginalia class key FOLDER --coder NAME`")
    })?;
    let docs = super::texts_in(folder)?;
    let mut per_doc: Vec<(std::path::PathBuf, BTreeMap<String, std::path::PathBuf>)> = Vec::new();
    let mut students = BTreeSet::new();
    for doc in &docs {
        let name = doc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut coders = BTreeMap::new();
        for sc in crate::sidecar::find_sidecars(doc) {
            let file = sc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some(coder) = coder_of(&file, &name) {
                coders.insert(coder, sc);
            }
        }
        students.extend(coders.keys().filter(|c| **c != key).cloned());
        per_doc.push((doc.clone(), coders));
    }
    let mut grades = Grades { students: students.iter().cloned().collect(), ..Grades::default() };
    for (doc_path, coders) in &per_doc {
        let doc = crate::document::Document::open(doc_path)?;
        let Some(key_path) = coders.get(&key) else {
            grades.notes.push(format!("{} has no sidecar of the key \"{key}\"; it is not graded", doc.file_name()));
            continue;
        };
        grades.documents.push(doc.file_name());
        let key_coder = agree::load_coder(&doc, key_path)?;
        for student in &students {
            let (annotations, codebook) = match coders.get(student) {
                Some(path) => {
                    let s = agree::load_coder(&doc, path)?;
                    // As `agree DOC KEY STUDENT --key KEY` builds it: the key's codebook first.
                    let mut codebook = key_coder.codebook.clone();
                    codebook.merge_missing(&s.codebook);
                    (s.annotations, codebook)
                }
                None => (Vec::new(), key_coder.codebook.clone()),
            };
            let score = agree::score(&doc, &key_coder.annotations, &annotations, &codebook);
            for c in std::iter::once(&score.total).chain(&score.per_code) {
                let code_name = if c.code == ALL {
                    "all codes".to_owned()
                } else {
                    codebook.code(&c.code).map_or_else(|| c.code.clone(), |x| x.name.clone())
                };
                grades.rows.push(GradeRow {
                    student: student.clone(),
                    document: doc.file_name(),
                    code: c.code.clone(),
                    code_name,
                    found: c.found,
                    missed: c.missed,
                    extra: c.extra,
                    precision: c.precision.clone(),
                    recall: c.recall.clone(),
                    f1: match &c.score {
                        Measure::Value(v) => Measure::Value(v / 100.0),
                        other => other.clone(),
                    },
                    points: c.score.clone(),
                });
            }
        }
    }
    Ok(grades)
}

/// "Student A", "Student B", … "Student Z", "Student AA", … for the names in sorted order.
pub fn pseudonyms(names: &[String]) -> BTreeMap<String, String> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let mut letters = String::new();
            let mut n = i + 1;
            while n > 0 {
                n -= 1;
                letters.insert(0, (b'A' + (n % 26) as u8) as char);
                n /= 26;
            }
            (name.clone(), format!("Student {letters}"))
        })
        .collect()
}

impl Grades {
    /// The same grades with every student name replaced by its pseudonym.
    pub fn anonymized(mut self) -> Self {
        let names = pseudonyms(&self.students);
        for row in &mut self.rows {
            row.student = names[&row.student].clone();
        }
        self.students = self.students.iter().map(|s| names[s].clone()).collect();
        self.students.sort();
        // A note may name the key, never a student; keep them as they are.
        self
    }

    pub fn to_json(&self) -> Value {
        let number = |m: &Measure| m.value().map_or(Value::Null, |v| json!(v));
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    json!({
                        "student": r.student,
                        "document": r.document,
                        "code": r.code,
                        "code_name": r.code_name,
                        "found": r.found,
                        "missed": r.missed,
                        "extra": r.extra,
                        "precision": number(&r.precision),
                        "recall": number(&r.recall),
                        "f1": number(&r.f1),
                        "points": number(&r.points),
                    })
                })
                .collect(),
        )
    }

    pub fn to_table(&self) -> String {
        let w = |f: fn(&GradeRow) -> usize, min: usize| self.rows.iter().map(f).max().unwrap_or(min).max(min);
        let sw = w(|r| r.student.chars().count(), 7);
        let dw = w(|r| r.document.chars().count(), 8);
        let cw = w(|r| r.code_name.chars().count(), 4).min(30);
        let mut s = format!(
            "{:<sw$}  {:<dw$}  {:<cw$}  {:>9}  {:>6}  {:>5}  {:>6}\n",
            "STUDENT", "DOCUMENT", "CODE", "PRECISION", "RECALL", "F1", "POINTS"
        );
        for r in &self.rows {
            s.push_str(&format!(
                "{:<sw$}  {:<dw$}  {:<cw$}  {:>9}  {:>6}  {:>5}  {:>6}\n",
                r.student,
                r.document,
                crate::document::excerpt(&r.code_name, cw),
                r.precision.display(3),
                r.recall.display(3),
                r.f1.display(3),
                r.points.display(1)
            ));
        }
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s
    }
}

/// A gradebook for Moodle's grade import (CSV): one row per student, the identifying column
/// `Username`, then one grade column per text (its "all codes" points, 0 to 100), then
/// `Average` (the mean over the texts). An undefined grade is an empty cell.
pub fn gradebook_csv(grades: &Grades) -> Result<String, Error> {
    let fail = |e: csv::Error| Error::new(ErrorKind::Format, format!("cannot write the gradebook: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["Username".to_owned()];
    header.extend(grades.documents.iter().map(|d| format!("{d} points")));
    header.push("Average".to_owned());
    w.write_record(&header).map_err(fail)?;
    for student in &grades.students {
        let mut record = vec![student.clone()];
        let mut sum = 0.0;
        let mut n = 0usize;
        for doc in &grades.documents {
            let points = grades
                .rows
                .iter()
                .find(|r| r.student == *student && r.document == *doc && r.code == ALL)
                .and_then(|r| r.points.value());
            if let Some(p) = points {
                sum += p;
                n += 1;
            }
            record.push(points.map(|p| format!("{p:.2}")).unwrap_or_default());
        }
        record.push(if n > 0 { format!("{:.2}", sum / n as f64) } else { String::new() });
        w.write_record(&record).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::Format, format!("the gradebook is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_follow_the_sorted_names_and_go_on_past_z() {
        let names: Vec<String> = (0..28).map(|i| format!("s{i:02}")).rev().collect();
        let p = pseudonyms(&names);
        assert_eq!(p["s00"], "Student A");
        assert_eq!(p["s25"], "Student Z");
        assert_eq!(p["s26"], "Student AA");
        assert_eq!(p["s27"], "Student AB");
    }

    #[test]
    fn the_coder_is_read_from_the_sidecars_file_name() {
        assert_eq!(coder_of("speech.txt.ana.annotations.ron", "speech.txt").as_deref(), Some("ana"));
        assert_eq!(coder_of("speech.txt.annotations.ron", "speech.txt"), None);
        assert_eq!(coder_of("speech.txt.ana.annotations.ron", "letter.md"), None);
    }
}
