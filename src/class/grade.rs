//! Grades of a class folder: every student (every coder but the key) against the answer key,
//! per text and code, with the figures of [`crate::agree::score`] (the ones
//! `marginalia agree DOC KEY STUDENT --key KEY` reports).
//!
//! [`grade_scores`] keeps each student's whole [`Score`] per text (which key passages were
//! found, missed, what was added), so that the dashboard, the per-passage view and the
//! feedback pages all read the same scoring; [`Graded::grades`] turns it into the rows that
//! `marginalia class grade` prints, and the grade on the rubric's scale comes from those rows.
//!
//! Only the codes asked for on a text (`class.ron`'s `codes`) are scored on it: every score
//! comes from [`score_text`], which leaves out the key's and the student's annotations of other
//! codes, and which lists the key passages a student marked with another code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::rubric::Rubric;
use super::{ClassManifest, require_class};
use crate::agree::{self, ALL, CodeLabel, Measure, Score, ScoredItem};
use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::{Document, Span};
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

/// Was `student`'s hand-in collected after the class's due date? A date alone is due at the
/// end of that day (UTC).
fn is_late(class: &super::ClassManifest, student: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    let Some(due) = class.due.as_deref() else { return false };
    let due = time::OffsetDateTime::parse(due, &Rfc3339).ok().or_else(|| {
        let date = time::Date::parse(due, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
        Some(date.with_hms(23, 59, 59).ok()?.assume_utc())
    });
    let handed = class.collected.get(student).and_then(|c| time::OffsetDateTime::parse(&c.time, &Rfc3339).ok());
    matches!((due, handed), (Some(due), Some(handed)) if handed > due)
}

/// The roster's entry for a student of the folder (by their name, username or email).
fn roster_entry<'a>(roster: &'a [super::roster::Student], student: &str) -> Option<&'a super::roster::Student> {
    let key = super::roster::name_key(student);
    let mut found = roster.iter().filter(|s| {
        [&s.name, &s.username, &s.email].into_iter().any(|n| !n.trim().is_empty() && super::roster::name_key(n) == key)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
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
    /// The assignment's title (`class.ron`), for gradebook column names.
    pub title: String,
    /// Points per code and the scale of the grade (`class.ron`).
    pub rubric: Rubric,
    /// The teacher's comment per student (`class.ron`).
    pub comments: BTreeMap<String, String>,
    /// The class's roster (`roster.csv`), when it has one: the gradebooks' identity columns.
    pub roster: Vec<super::roster::Student>,
    /// Students whose hand-in was collected after the due date.
    pub late: BTreeSet<String>,
    /// The roster's students with no work in the folder, by name.
    pub missing: Vec<String>,
    /// What could not be graded, and why: everyone else is graded.
    pub not_graded: Vec<NotGraded>,
}

/// A student (or a whole text) left out of the grades because a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotGraded {
    /// The student left out; `None` when a whole text is (its key's sidecar is unreadable).
    pub student: Option<String>,
    pub text: String,
    /// The error, naming the file.
    pub reason: String,
}

impl std::fmt::Display for NotGraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.student {
            Some(student) => write!(f, "{student} is not graded: {}", self.reason),
            None => write!(f, "{} is not graded for anyone: {}", self.text, self.reason),
        }
    }
}

/// One graded text: the document, the key's passages, and every student's score on it.
#[derive(Debug, Clone)]
pub struct GradedText {
    pub document: Document,
    pub path: PathBuf,
    /// The codes asked for on the text (`class.ron`'s `codes`, named by the key's codebook);
    /// empty when any code counts.
    pub asked: Vec<CodeLabel>,
    /// The key's passages that were scored (placed in the text, of a code asked for), in text
    /// order.
    pub key_passages: Vec<ScoredItem>,
    /// Each student's score, in the order of [`Graded::students`].
    pub scores: Vec<Score>,
    /// Each student's key passages marked with another code, in the order of
    /// [`Graded::students`] (see [`TextScore::wrong_codes`]).
    pub wrong_codes: Vec<Vec<WrongCode>>,
}

/// A key passage the student marked with another code. It is not found: the key's passage is
/// among the score's `missed`, and the student's mark among its `extra` (or, when its code is
/// not asked for on the text, left out of the score).
#[derive(Debug, Clone, PartialEq)]
pub struct WrongCode {
    /// The key's passage, with the key's code and note.
    pub key: ScoredItem,
    pub key_code_name: String,
    /// The student's mark on it, with the code they chose.
    pub student: ScoredItem,
    pub student_code_name: String,
}

/// A student's score on one text of a class, as [`score_text`] computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextScore {
    /// The score on the codes asked for on the text.
    pub score: Score,
    /// The key passages the student missed but marked with another code (one mark each), in
    /// text order.
    pub wrong_codes: Vec<WrongCode>,
}

impl ClassManifest {
    /// The code ids asked for on a text (by its file name); empty when any code counts.
    pub fn asked_codes(&self, file_name: &str) -> &[String] {
        self.codes.get(file_name).map_or(&[], Vec::as_slice)
    }
}

/// Whether an annotation of `code` counts on a text that asks for `asked` (every code counts
/// when none is asked for).
pub fn is_asked(code: &str, asked: &[String]) -> bool {
    asked.is_empty() || asked.iter().any(|c| c == code)
}

/// Scores a student's annotations on one text of a class against the key's, with
/// [`crate::agree::score`], on the codes asked for on the text only: the key's and the
/// student's annotations of other codes are left out of every figure (the score, its "all
/// codes" total, its lists of found, missed and added passages). With no code asked for,
/// every code counts, and the score is the one `marginalia agree --key` reports.
///
/// A key passage the student missed but marked with another code (a code asked for or not,
/// overlapping it, one mark per passage) is also listed as a [`WrongCode`].
pub fn score_text(
    doc: &Document,
    key: &[Annotation],
    student: &[Annotation],
    codebook: &Codebook,
    asked: &[String],
) -> TextScore {
    let (key_asked, _): (Vec<Annotation>, Vec<Annotation>) = key.iter().cloned().partition(|a| is_asked(&a.code, asked));
    let (student_asked, student_other): (Vec<Annotation>, Vec<Annotation>) =
        student.iter().cloned().partition(|a| is_asked(&a.code, asked));
    let score = agree::score(doc, &key_asked, &student_asked, codebook);
    // The student's marks on no key passage of their code: those added, and those of codes
    // not asked for (placed and clamped as the score places them).
    let (other, _, _) = agree::counted(doc, &student_other);
    let mut unmatched: Vec<ScoredItem> = score.extra.clone();
    unmatched.extend(other.iter().map(|a| ScoredItem {
        id: a.id,
        span: a.span(),
        code: a.code.clone(),
        exact: a.exact.clone(),
        note: a.note.clone(),
    }));
    let missed_spans: Vec<Span> = score.missed.iter().map(|m| m.span).collect();
    let unmatched_spans: Vec<Span> = unmatched.iter().map(|u| u.span).collect();
    let name = |id: &str| codebook.code(id).map_or_else(|| id.to_owned(), |c| c.name.clone());
    let mut wrong_codes: Vec<WrongCode> = agree::matching::overlap(&missed_spans, &unmatched_spans)
        .into_iter()
        .filter(|&(k, s)| score.missed[k].code != unmatched[s].code)
        .map(|(k, s)| WrongCode {
            key: score.missed[k].clone(),
            key_code_name: name(&score.missed[k].code),
            student: unmatched[s].clone(),
            student_code_name: name(&unmatched[s].code),
        })
        .collect();
    wrong_codes.sort_by_key(|w| (w.key.span, w.key.id));
    TextScore { score, wrong_codes }
}

/// Every student's scores on every text of a class folder, as [`grade_scores`] computes them.
#[derive(Debug, Clone, Default)]
pub struct Graded {
    /// The answer key's coder name.
    pub key: String,
    pub title: String,
    /// The students, sorted by name (without regard to case).
    pub students: Vec<String>,
    /// The texts with a key sidecar, in file name order.
    pub texts: Vec<GradedText>,
    pub notes: Vec<String>,
    pub rubric: Rubric,
    pub comments: BTreeMap<String, String>,
    /// As in [`Grades`]: the roster, the late and the missing.
    pub roster: Vec<super::roster::Student>,
    pub late: BTreeSet<String>,
    pub missing: Vec<String>,
    /// As in [`Grades`]: who (or which text) could not be graded, and why.
    pub not_graded: Vec<NotGraded>,
}

/// The class on one code, over every student and text where the code is in play.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSummary {
    pub code: String,
    pub code_name: String,
    /// The mean of the students' F1 on the code (over the texts where it is in play).
    pub mean_f1: Option<f64>,
    /// The key's passages with the code that students found, of how many (summed over
    /// students and texts).
    pub found: usize,
    pub key_passages: usize,
}

impl CodeSummary {
    /// The share of the key's passages with the code that were found.
    pub fn share_found(&self) -> Option<f64> {
        (self.key_passages > 0).then(|| self.found as f64 / self.key_passages as f64)
    }
}

/// The coder a sidecar's file name names: `<doc>.<coder>.annotations.ron` → coder; `None` for
/// the default sidecar.
fn coder_of(file: &str, doc: &str) -> Option<String> {
    let rest = file.strip_prefix(doc)?.strip_prefix('.')?.strip_suffix(".annotations.ron")?;
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// The coders with a sidecar of each text of the folder: (text, coder → sidecar).
type Sidecars = Vec<(PathBuf, BTreeMap<String, PathBuf>)>;

fn sidecars_of(folder: &Path) -> Result<Sidecars, Error> {
    let mut per_doc = Vec::new();
    for doc in super::texts_in(folder)? {
        let name = doc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut coders = BTreeMap::new();
        for sc in crate::sidecar::find_sidecars(&doc) {
            let file = sc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some(coder) = coder_of(&file, &name) {
                coders.insert(coder, sc);
            }
        }
        per_doc.push((doc, coders));
    }
    Ok(per_doc)
}

/// The students of a class folder (every coder with a sidecar of one of its texts, the key
/// excepted), sorted: only file names are read.
pub fn students_in(folder: &Path, key: Option<&str>) -> Result<Vec<String>, Error> {
    let mut students = BTreeSet::new();
    for (_, coders) in sidecars_of(folder)? {
        students.extend(coders.into_keys().filter(|c| Some(c.as_str()) != key));
    }
    Ok(students.into_iter().collect())
}

/// Grades every student of the class folder against its key (named in `class.ron`), on each
/// text with the codes asked for on it only (see [`score_text`]). A student with no sidecar for
/// a text is graded on it as having marked nothing. A text without a key sidecar is left out,
/// with a note.
pub fn grade(folder: &Path) -> Result<Grades, Error> {
    Ok(grade_scores(folder, &mut |_, _| true)?.grades())
}

/// Scores every student on every text, as [`grade`] does, keeping the whole scores.
/// `progress(done, total)` is called after each text (and before the first); returning false
/// stops the grading with [`ErrorKind::Cancelled`].
pub fn grade_scores(folder: &Path, progress: &mut dyn FnMut(usize, usize) -> bool) -> Result<Graded, Error> {
    let class = require_class(folder)?;
    let key = class.key.clone().ok_or_else(|| {
        Error::usage(format!("{} does not say which coder is the answer key", folder.join(super::CLASS_FILE).display()))
            .hint("run `marginalia class key FOLDER --coder NAME`")
    })?;
    let per_doc = sidecars_of(folder)?;
    // Every sidecar is read first: a student one of whose sidecars cannot be read (made for
    // another text, damaged) is left out and listed; everyone else is graded.
    let total = per_doc.len();
    let mut not_graded = Vec::new();
    let mut texts = Vec::new();
    for (i, (doc_path, coders)) in per_doc.iter().enumerate() {
        if !progress(i, total) {
            return Err(Error::new(ErrorKind::Cancelled, "grading was stopped"));
        }
        let doc = Document::open(doc_path)?;
        let Some(key_path) = coders.get(&key) else {
            texts.push((doc, doc_path, None, BTreeMap::new()));
            continue;
        };
        let key_coder = match agree::load_coder(&doc, key_path) {
            Ok(k) => k,
            Err(e) => {
                not_graded.push(NotGraded { student: None, text: doc.file_name(), reason: e.to_string() });
                continue;
            }
        };
        let mut loaded = BTreeMap::new();
        for (student, path) in coders.iter().filter(|(c, _)| **c != key) {
            match agree::load_coder(&doc, path) {
                Ok(s) => {
                    loaded.insert(student.clone(), s);
                }
                Err(e) => {
                    not_graded.push(NotGraded { student: Some(student.clone()), text: doc.file_name(), reason: e.to_string() })
                }
            }
        }
        texts.push((doc, doc_path, Some(key_coder), loaded));
    }
    let left_out: BTreeSet<&String> = not_graded.iter().filter_map(|n| n.student.as_ref()).collect();
    let mut students = BTreeSet::new();
    for (_, coders) in &per_doc {
        students.extend(coders.keys().filter(|c| **c != key && !left_out.contains(c)).cloned());
    }
    let roster = super::roster::Roster::load(folder)?.unwrap_or_default();
    let handed_in: Vec<String> = students.iter().chain(left_out.iter().copied()).cloned().collect();
    let missing: Vec<String> = roster.missing(&handed_in).into_iter().map(|s| s.name.clone()).collect();
    let late: BTreeSet<String> = students.iter().filter(|s| is_late(&class, s)).cloned().collect();
    // Sorted as a class list is read: "ben" between "Ana" and "Chloe".
    let mut order: Vec<String> = students.iter().cloned().collect();
    order.sort_by_key(|s| (s.to_lowercase(), s.clone()));
    let mut graded = Graded {
        key: key.clone(),
        title: class.title.clone(),
        students: order.clone(),
        rubric: class.rubric.clone(),
        comments: class.comments.clone(),
        roster: roster.students,
        late,
        missing,
        not_graded,
        ..Graded::default()
    };
    for name in &graded.missing {
        graded.notes.push(format!("{name} (on the roster) handed nothing in"));
    }
    for name in &graded.late {
        graded.notes.push(format!("{name}'s hand-in came after the due date ({})", class.due.as_deref().unwrap_or_default()));
    }
    for (doc, doc_path, key_coder, mut loaded) in texts {
        let Some(key_coder) = key_coder else {
            graded.notes.push(format!("{} has no sidecar of the key \"{key}\"; it is not graded", doc.file_name()));
            continue;
        };
        let asked = class.asked_codes(&doc.file_name()).to_vec();
        let mut scores = Vec::with_capacity(order.len());
        let mut wrong_codes = Vec::with_capacity(order.len());
        for student in &order {
            let (annotations, codebook) = match loaded.remove(student) {
                Some(s) => {
                    // As `agree DOC KEY STUDENT --key KEY` builds it: the key's codebook first.
                    let mut codebook = key_coder.codebook.clone();
                    codebook.merge_missing(&s.codebook);
                    (s.annotations, codebook)
                }
                None => (Vec::new(), key_coder.codebook.clone()),
            };
            let scored = score_text(&doc, &key_coder.annotations, &annotations, &codebook, &asked);
            scores.push(scored.score);
            wrong_codes.push(scored.wrong_codes);
        }
        // Every score holds each key passage once, found or missed; with no student, score
        // the key against nothing to list them.
        let any = scores
            .first()
            .cloned()
            .unwrap_or_else(|| score_text(&doc, &key_coder.annotations, &[], &key_coder.codebook, &asked).score);
        let mut key_passages: Vec<ScoredItem> = any.found.into_iter().map(|(k, _)| k).chain(any.missed).collect();
        key_passages.sort_by_key(|k| (k.span, k.id));
        let asked = asked
            .into_iter()
            .map(|id| CodeLabel { name: key_coder.codebook.code(&id).map_or_else(|| id.clone(), |c| c.name.clone()), id })
            .collect();
        graded.texts.push(GradedText { document: doc, path: doc_path.clone(), asked, key_passages, scores, wrong_codes });
    }
    progress(total, total);
    Ok(graded)
}

impl Graded {
    /// The rows `marginalia class grade` prints: per student, text and code (and all codes).
    pub fn grades(&self) -> Grades {
        let mut grades = Grades {
            students: self.students.clone(),
            documents: self.texts.iter().map(|t| t.document.file_name()).collect(),
            notes: self.notes.clone(),
            title: self.title.clone(),
            rubric: self.rubric.clone(),
            comments: self.comments.clone(),
            roster: self.roster.clone(),
            late: self.late.clone(),
            missing: self.missing.clone(),
            not_graded: self.not_graded.clone(),
            rows: Vec::new(),
        };
        for text in &self.texts {
            let document = text.document.file_name();
            for (student, score) in self.students.iter().zip(&text.scores) {
                for c in std::iter::once(&score.total).chain(&score.per_code) {
                    let code_name = if c.code == ALL {
                        "all codes".to_owned()
                    } else {
                        score.codes.iter().find(|l| l.id == c.code).map_or_else(|| c.code.clone(), |l| l.name.clone())
                    };
                    grades.rows.push(GradeRow {
                        student: student.clone(),
                        document: document.clone(),
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
        grades
    }

    /// The index of a student in [`Self::students`].
    pub fn student_index(&self, name: &str) -> Option<usize> {
        self.students.iter().position(|s| s == name)
    }
}

/// "Student A", "Student B", … "Student Z", "Student AA", … for the names in sorted order.
pub fn pseudonyms(names: &[String]) -> BTreeMap<String, String> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted.into_iter().enumerate().map(|(i, name)| (name.clone(), super::pseudonym::label(i))).collect()
}

/// `text`, a comment on `student`, with the student's own names (whole, or a part such as the
/// first name; any case, whole words) replaced by their pseudonym in `names`: a comment that
/// says "Well done, Zoltan" must not name him in anonymous output. Other words are left alone,
/// another student's name among them (see [`super::pseudonym::anonymize_comment`]).
pub fn replace_names(text: &str, student: &str, names: &BTreeMap<String, String>) -> String {
    super::pseudonym::anonymize_comment(text, student, names)
}

impl Grades {
    /// The same grades with every student name replaced by its pseudonym (in comments too),
    /// pseudonyms given in the order of the names ([`pseudonyms`]).
    pub fn anonymized(self) -> Self {
        let names = pseudonyms(&self.students);
        self.anonymized_with(&names)
    }

    /// The same grades with every student named by their pseudonym in `names` (real name →
    /// pseudonym; a student missing from it is "Student ?"), and each comment with its
    /// student's own names replaced ([`replace_names`]).
    pub fn anonymized_with(mut self, names: &BTreeMap<String, String>) -> Self {
        let shown = |s: &str| names.get(s).cloned().unwrap_or_else(|| "Student ?".to_owned());
        for row in &mut self.rows {
            row.student = shown(&row.student);
        }
        // A comment on someone without a pseudonym (no longer a student) could not be shown.
        self.comments =
            self.comments.iter().filter_map(|(s, c)| names.get(s).map(|p| (p.clone(), replace_names(c, s, names)))).collect();
        self.students = self.students.iter().map(|s| shown(s)).collect();
        self.students.sort();
        self.students.dedup();
        // Nothing that identifies a student leaves with pseudonyms: no roster, no missing names.
        self.late = self.late.iter().filter_map(|s| names.get(s).cloned()).collect();
        self.roster.clear();
        self.missing.clear();
        // The reason names the student's file: only the text is kept.
        for n in &mut self.not_graded {
            if n.student.is_some() {
                n.student = Some("a student".to_owned());
                n.reason = format!(
                    "their sidecar of {} cannot be read (the reason names them: grade without anonymous mode to read it)",
                    n.text
                );
            }
        }
        // A note may name the key, never a student; keep them as they are.
        self
    }

    /// The rows of one student on one text.
    fn rows_of<'a>(&'a self, student: &'a str, document: &'a str) -> impl Iterator<Item = &'a GradeRow> + 'a {
        self.rows.iter().filter(move |r| r.student == student && r.document == document)
    }

    /// A student's grade on one text as a share from 0 to 1 (see [`Rubric::fraction`]).
    pub fn fraction(&self, student: &str, document: &str) -> Option<f64> {
        self.rubric.fraction(self.rows_of(student, document).map(|r| (r.code.as_str(), r.f1.value())))
    }

    /// A student's grade on one text, on the rubric's scale.
    pub fn text_grade(&self, student: &str, document: &str) -> Option<f64> {
        self.fraction(student, document).map(|f| self.rubric.scale.of(f))
    }

    /// A student's grade for the assignment on the rubric's scale: the mean of their texts'
    /// grades (texts where the grade is undefined are left out).
    pub fn grade(&self, student: &str) -> Option<f64> {
        let fractions: Vec<f64> = self.documents.iter().filter_map(|d| self.fraction(student, d)).collect();
        (!fractions.is_empty()).then(|| self.rubric.scale.of(fractions.iter().sum::<f64>() / fractions.len() as f64))
    }

    /// The class per code, in the order codes first appear in the rows.
    pub fn per_code(&self) -> Vec<CodeSummary> {
        let mut out: Vec<CodeSummary> = Vec::new();
        let mut f1s: Vec<Vec<f64>> = Vec::new();
        for r in self.rows.iter().filter(|r| r.code != ALL) {
            let i = match out.iter().position(|c| c.code == r.code) {
                Some(i) => i,
                None => {
                    out.push(CodeSummary {
                        code: r.code.clone(),
                        code_name: r.code_name.clone(),
                        mean_f1: None,
                        found: 0,
                        key_passages: 0,
                    });
                    f1s.push(Vec::new());
                    out.len() - 1
                }
            };
            out[i].found += r.found;
            out[i].key_passages += r.found + r.missed;
            f1s[i].extend(r.f1.value());
        }
        for (c, values) in out.iter_mut().zip(f1s) {
            c.mean_f1 = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
        }
        out
    }

    /// The comment on a student, "" when none.
    pub fn comment(&self, student: &str) -> &str {
        self.comments.get(student).map_or("", String::as_str)
    }

    /// The mean of a student's "all codes" points over the texts with a grade.
    fn average_points(&self, student: &str) -> Option<f64> {
        let points: Vec<f64> = self
            .documents
            .iter()
            .filter_map(|d| self.rows_of(student, d).find(|r| r.code == ALL).and_then(|r| r.points.value()))
            .collect();
        (!points.is_empty()).then(|| points.iter().sum::<f64>() / points.len() as f64)
    }

    pub fn to_json(&self) -> Value {
        let number = |m: Option<f64>| m.map_or(Value::Null, |v| json!(v));
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    // A code's row: its F1 on the scale; the "all" row: the text's grade.
                    let grade = if r.code == ALL {
                        self.text_grade(&r.student, &r.document)
                    } else {
                        r.f1.value().map(|f| self.rubric.scale.of(f))
                    };
                    json!({
                        "student": r.student,
                        "document": r.document,
                        "code": r.code,
                        "code_name": r.code_name,
                        "found": r.found,
                        "missed": r.missed,
                        "extra": r.extra,
                        "precision": number(r.precision.value()),
                        "recall": number(r.recall.value()),
                        "f1": number(r.f1.value()),
                        "points": number(r.points.value()),
                        "grade": number(grade),
                        "comment": self.comment(&r.student),
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
        if !self.students.is_empty() {
            s.push_str(&format!("\n{:<sw$}  {:>9}  COMMENT\n", "STUDENT", format!("GRADE {}", self.rubric.scale.unit())));
            for student in &self.students {
                let grade = self.grade(student).map_or_else(|| "n/a".to_owned(), |g| format!("{g:.2}"));
                let comment = self.comment(student).replace(['\n', '\r'], " ");
                s.push_str(&format!("{student:<sw$}  {grade:>9}  {comment}\n"));
            }
        }
        let per_code = self.per_code();
        if !per_code.is_empty() {
            s.push_str(&format!("\n{:<cw$}  {:>7}  {:>11}\n", "CLASS BY CODE", "MEAN F1", "KEY FOUND"));
            for c in &per_code {
                let mean = c.mean_f1.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"));
                let found = format!("{}/{}", c.found, c.key_passages);
                s.push_str(&format!("{:<cw$}  {mean:>7}  {found:>11}\n", crate::document::excerpt(&c.code_name, cw)));
            }
        }
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        for n in &self.not_graded {
            s.push_str(&format!("not graded: {n}\n"));
        }
        s
    }
}

/// Writes one gradebook row, every cell neutralised as in every CSV Marginalia writes
/// ([`crate::export::csv::neutralise`]): names, titles and comments may start like a formula.
fn write_row<I, S>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> Result<(), Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let cells: Vec<String> = cells.into_iter().map(|c| crate::export::csv::neutralise(c.as_ref()).into_owned()).collect();
    w.write_record(&cells).map_err(csv_error)
}

fn csv_error(e: csv::Error) -> Error {
    Error::new(ErrorKind::Format, format!("cannot write the gradebook: {e}"))
}

fn csv_string(w: csv::Writer<Vec<u8>>) -> Result<String, Error> {
    let bytes = w.into_inner().map_err(|e| csv_error(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::Format, format!("the gradebook is not UTF-8: {e}")))
}

fn two_decimals(v: Option<f64>) -> String {
    v.map(|p| format!("{p:.2}")).unwrap_or_default()
}

/// A gradebook for Moodle's grade import (CSV): one row per student, the identifying column
/// `Username`, then one column per text (its "all codes" points, 0 to 100), `Average` (the
/// mean of those), `Grade` (the grade on the rubric's scale) and `Feedback` (the teacher's
/// comment). An undefined figure is an empty cell.
pub fn gradebook_csv(grades: &Grades) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["Username".to_owned()];
    header.extend(grades.documents.iter().map(|d| format!("{d} points")));
    header.extend(["Average".to_owned(), "Grade".to_owned(), "Feedback".to_owned()]);
    write_row(&mut w, &header)?;
    for student in &grades.students {
        // The platform's login when the roster knows the student, so that the row imports.
        let username = roster_entry(&grades.roster, student).filter(|s| !s.username.is_empty()).map(|s| s.username.clone());
        let mut record = vec![username.unwrap_or_else(|| student.clone())];
        for doc in &grades.documents {
            let points = grades.rows_of(student, doc).find(|r| r.code == ALL).and_then(|r| r.points.value());
            record.push(two_decimals(points));
        }
        record.push(two_decimals(grades.average_points(student)));
        record.push(two_decimals(grades.grade(student)));
        let mut feedback = grades.comment(student).to_owned();
        if grades.late.contains(student) {
            feedback = format!("{} {feedback}", "(handed in late)").trim().to_owned();
        }
        record.push(feedback);
        write_row(&mut w, &record)?;
    }
    // Roster students who handed nothing in: a row with no points, so the teacher sees them.
    for name in &grades.missing {
        let Some(s) = roster_entry(&grades.roster, name) else { continue };
        let login = if s.username.is_empty() { s.name.clone() } else { s.username.clone() };
        let mut record = vec![login];
        record.extend(grades.documents.iter().map(|_| String::new()));
        record.extend([String::new(), String::new(), "No hand-in".to_owned()]);
        write_row(&mut w, &record)?;
    }
    csv_string(w)
}

/// A gradebook for Canvas's *Import* (CSV): the columns `Student`, `ID`, `SIS User ID`,
/// `SIS Login ID`, `Section`, then one assignment column named after the assignment's title
/// holding the grade on the rubric's scale; a `Points Possible` row under the header gives
/// the scale's maximum. The coder name goes in `Student` and `SIS Login ID`; `ID`, `SIS User
/// ID` and `Section` are left empty for Canvas to match on the login.
pub fn canvas_csv(grades: &Grades) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let title = if grades.title.trim().is_empty() { "Marginalia assignment".to_owned() } else { grades.title.clone() };
    write_row(&mut w, ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title.as_str()])?;
    let max = format!("{:.2}", grades.rubric.scale.max());
    write_row(&mut w, ["Points Possible", "", "", "", "", max.as_str()])?;
    for student in &grades.students {
        let grade = two_decimals(grades.grade(student));
        // The roster's identity columns when it knows the student: Canvas matches on them.
        match roster_entry(&grades.roster, student) {
            Some(s) => {
                let login = if s.username.is_empty() { student.as_str() } else { s.username.as_str() };
                write_row(&mut w, [s.name.as_str(), &s.platform_id, &s.id_number, login, &s.section, grade.as_str()])
            }
            None => write_row(&mut w, [student.as_str(), "", "", student.as_str(), "", grade.as_str()]),
        }?;
    }
    csv_string(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(doc: &Document, quote: &str, code: &str, coder: &str) -> Annotation {
        let start = doc.char_of(doc.text().find(quote).unwrap());
        Annotation::new(doc, Span::new(start, start + quote.chars().count()), code, coder)
    }

    #[test]
    fn only_the_codes_asked_for_are_scored_and_a_key_passage_with_another_code_is_a_wrong_code() {
        let doc = Document::from_text("Rents will rise. Buses must run at night. The mayor is brave. Parks close at six.\n");
        let cb = Codebook::default();
        let key = vec![
            mark(&doc, "Rents will rise", "prediction", "key"),
            mark(&doc, "Buses must run at night", "demand", "key"),
            mark(&doc, "The mayor is brave", "opinion", "key"),
            // Two codes on one passage: the student's prediction there finds the first only,
            // and is no wrong code for the second.
            mark(&doc, "Parks close at six", "prediction", "key"),
            mark(&doc, "Parks close at six", "demand", "key"),
        ];
        let student = vec![
            mark(&doc, "Rents will rise", "opinion", "s"),
            mark(&doc, "Buses must run", "prediction", "s"),
            mark(&doc, "The mayor is brave", "opinion", "s"),
            mark(&doc, "Parks close", "prediction", "s"),
        ];
        let asked = ["prediction".to_owned(), "demand".to_owned()];
        let scored = score_text(&doc, &key, &student, &cb, &asked);
        let s = &scored.score;
        assert_eq!((s.total.found, s.total.missed, s.total.extra), (1, 3, 1), "the opinions are left out");
        assert!(s.codes.iter().all(|c| c.id != "opinion"), "{:?}", s.codes);
        let wrong: Vec<(&str, &str, &str)> =
            scored.wrong_codes.iter().map(|w| (w.key.exact.as_str(), w.key.code.as_str(), w.student.code.as_str())).collect();
        assert_eq!(wrong, [("Rents will rise", "prediction", "opinion"), ("Buses must run at night", "demand", "prediction")]);
        assert_eq!(scored.wrong_codes[0].student_code_name, cb.code("opinion").unwrap().name);

        // With no code asked for, every code counts: the score is `agree::score`'s.
        let all = score_text(&doc, &key, &student, &cb, &[]);
        assert_eq!(all.score, agree::score(&doc, &key, &student, &cb));
        assert_eq!(all.wrong_codes.len(), 2);
        assert!(is_asked("opinion", &[]) && !is_asked("opinion", &asked) && is_asked("demand", &asked));
    }

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

    #[test]
    fn names_in_comments_are_the_students_own_only() {
        let names = pseudonyms(&["ana".to_owned(), "ana lima".to_owned(), "bo".to_owned()]);
        let out = replace_names("Ana Lima and ANA helped Bob; bo too.", "ana lima", &names);
        assert_eq!(out, "Student B and Student B helped Bob; bo too.");
        assert_eq!(replace_names("Thanks, Bo; Bob and bow stay.", "bo", &names), "Thanks, Student C; Bob and bow stay.");
    }
}
