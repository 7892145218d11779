//! Feedback for each student: one self-contained HTML page (no scripts, no external files)
//! per student with, for every text, the text itself showing the student's marks and the
//! key's (the key's as a shaded background, the student's underlined, so they differ without
//! colour; a legend says which is which), the lists of passages found, marked with the wrong
//! code, missed and added, the scores, and the teacher's comment. Every figure comes from
//! [`super::grade_scores`], so only the codes asked for on a text are on its page.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::{Graded, GradedText, Grades, WrongCode, pseudonyms, replace_names};
use crate::agree::{ALL, Score, ScoredItem, score::percent};
use crate::document::{Document, Span};
use crate::error::Error;

fn esc(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// The file a student's feedback is written to: `feedback-<name>.html`, with anything but
/// letters and digits in the name made a hyphen. Two students whose names give the same file
/// are told apart by [`unique_file_names`].
pub fn file_name(shown: &str) -> String {
    let safe: String = shown.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect();
    format!("feedback-{safe}.html")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:48em;color:#222;line-height:1.5}\
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}\
td.n{text-align:right}.text{white-space:pre-wrap;border:1px solid #ccc;padding:1em;background:#fff}\
mark.key{background:#ffe08a;color:inherit;padding:0}\
span.mine{text-decoration:underline;text-decoration-thickness:3px;text-decoration-color:#0072B2;text-underline-offset:3px}\
.comment{border-left:4px solid #0072B2;padding:.3em .8em;background:#f3f7fb}\
blockquote{margin:.2em 0 .2em 1em;padding-left:.6em;border-left:3px solid #999}.note{color:#555}";

/// One student's feedback page. `anonymous` shows their pseudonym instead of their name (and
/// in the comment), pseudonyms given in the order of the names ([`pseudonyms`]).
pub fn feedback_html(graded: &Graded, grades: &Grades, student: &str, anonymous: bool) -> String {
    let names = anonymous.then(|| pseudonyms(&graded.students));
    feedback_html_as(graded, grades, student, names.as_ref())
}

/// One student's feedback page; with `names` (real name → pseudonym), the student is named by
/// their pseudonym, and their own names in the comment are replaced by it ([`replace_names`]).
pub fn feedback_html_as(graded: &Graded, grades: &Grades, student: &str, names: Option<&BTreeMap<String, String>>) -> String {
    let shown = match names {
        Some(names) => names.get(student).cloned().unwrap_or_else(|| "Student ?".to_owned()),
        None => student.to_owned(),
    };
    let Some(index) = graded.student_index(student) else { return String::new() };
    let scale = grades.rubric.scale;
    let title = if graded.title.trim().is_empty() { "Your annotations".to_owned() } else { graded.title.clone() };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} - {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title),
        esc(&shown)
    );
    let _ = writeln!(h, "<h1>{}</h1>\n<p>Feedback for <strong>{}</strong></p>", esc(&title), esc(&shown));
    let _ = writeln!(h, "<p>Grade: <strong>{}</strong></p>", esc(&scale.display(grades.grade(student))));
    let comment = grades.comment(student);
    if !comment.trim().is_empty() {
        let comment = match names {
            Some(names) => replace_names(comment, student, names),
            None => comment.to_owned(),
        };
        let _ = writeln!(h, "<h2>Comment from your teacher</h2>\n<div class=\"comment\"><p>{}</p></div>", esc(&comment));
    }
    let _ = writeln!(
        h,
        "<p>In the texts below, <mark class=\"key\">a shaded background</mark> marks a passage of the answer key and \
         <span class=\"mine\">a thick underline</span> marks a passage you annotated. Where you found a key passage, \
         it has both; so has a key passage you marked with another code (listed under \"Wrong code\").</p>"
    );
    for text in &graded.texts {
        let Some(score) = text.scores.get(index) else { continue };
        let wrong = text.wrong_codes.get(index).map_or(&[][..], Vec::as_slice);
        let grade = scale.display(grades.text_grade(student, &text.document.file_name()));
        text_section(&mut h, text, score, wrong, &grade);
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// One text of the feedback page: the grade on it, the codes asked for, the table of figures
/// per code, the text with both sets of marks, and the lists of passages found, marked with the
/// wrong code, missed and added. A key passage marked with the wrong code is in the score's
/// missed (and the student's mark in its added, when its code is asked for): it is listed under
/// "Wrong code" only.
fn text_section(h: &mut String, text: &GradedText, score: &Score, wrong: &[WrongCode], grade: &str) {
    let doc = &text.document;
    let code_name = |id: &str| {
        if id == ALL {
            "all codes".to_owned()
        } else {
            score.codes.iter().find(|l| l.id == id).map_or_else(|| id.to_owned(), |l| l.name.clone())
        }
    };
    let _ = writeln!(h, "<section>\n<h2>{}</h2>", esc(&doc.file_name()));
    let _ = writeln!(
        h,
        "<p>Grade on this text: <strong>{}</strong>. Found {} of the key's {} passages; {} of yours are not in the key.</p>",
        esc(grade),
        score.total.found,
        score.total.found + score.total.missed,
        score.total.extra
    );
    if !text.asked.is_empty() {
        let names: Vec<String> = text.asked.iter().map(|c| esc(&c.name).into_owned()).collect();
        let _ = writeln!(
            h,
            "<p>Codes asked for on this text: {}. Passages marked with other codes are not graded.</p>",
            names.join(", ")
        );
    }
    h.push_str("<table>\n<tr><th>Code</th><th>Found</th><th>Missed</th><th>Added</th><th>Precision</th><th>Recall</th><th>F1</th></tr>\n");
    for c in score.per_code.iter().chain(std::iter::once(&score.total)) {
        let share = |m: &crate::agree::Measure| m.value().map_or_else(|| "n/a".to_owned(), |v| format!("{:.0}%", v * 100.0));
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&code_name(&c.code)),
            c.found,
            c.missed,
            c.extra,
            share(&c.precision),
            share(&c.recall),
            esc(&percent(&c.score))
        );
    }
    h.push_str("</table>\n");
    let key_spans: Vec<Span> = score.found.iter().map(|(k, _)| k.span).chain(score.missed.iter().map(|m| m.span)).collect();
    let mine: Vec<Span> = score
        .found
        .iter()
        .map(|(_, s)| s.span)
        .chain(score.extra.iter().map(|e| e.span))
        .chain(wrong.iter().map(|w| w.student.span))
        .collect();
    let _ = writeln!(h, "<div class=\"text\">{}</div>", marked_text(doc, &key_spans, &mine));
    let item = |i: &ScoredItem, note_label: &str| {
        let (line, col) = doc.line_col(i.span.start);
        let mut li = format!(
            "<li><strong>{}</strong> (line {line}, column {col})<blockquote>{}</blockquote>",
            esc(&code_name(&i.code)),
            esc(&i.exact)
        );
        if !note_label.is_empty() && !i.note.trim().is_empty() {
            let _ = write!(li, "<p class=\"note\">{note_label}: {}</p>", esc(&i.note));
        }
        li.push_str("</li>\n");
        li
    };
    let _ = writeln!(h, "<h3>Found ({})</h3>", score.found.len());
    if !score.found.is_empty() {
        h.push_str("<ul>\n");
        for (k, _) in &score.found {
            h.push_str(&item(k, "Note"));
        }
        h.push_str("</ul>\n");
    }
    let _ = writeln!(h, "<h3>Wrong code ({})</h3>", wrong.len());
    if !wrong.is_empty() {
        h.push_str(
            "<p>Passages of the key you marked with another code. They are not found: each counts as a passage \
             missed.</p>\n<ul>\n",
        );
        for w in wrong {
            let (line, col) = doc.line_col(w.key.span.start);
            let _ = write!(
                h,
                "<li>Wrong code: you chose {}, the key says {} (line {line}, column {col})<blockquote>{}</blockquote>",
                esc(&w.student_code_name),
                esc(&w.key_code_name),
                esc(&w.key.exact)
            );
            if w.student.exact != w.key.exact {
                let _ = write!(h, "<p class=\"note\">You marked: {}</p>", esc(&w.student.exact));
            }
            if !w.key.note.trim().is_empty() {
                let _ = write!(h, "<p class=\"note\">Why it counts: {}</p>", esc(&w.key.note));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }
    let wrong_keys: BTreeSet<uuid::Uuid> = wrong.iter().map(|w| w.key.id).collect();
    let wrong_marks: BTreeSet<uuid::Uuid> = wrong.iter().map(|w| w.student.id).collect();
    let missed: Vec<&ScoredItem> = score.missed.iter().filter(|m| !wrong_keys.contains(&m.id)).collect();
    let added: Vec<&ScoredItem> = score.extra.iter().filter(|e| !wrong_marks.contains(&e.id)).collect();
    let _ = writeln!(h, "<h3>Missed ({})</h3>", missed.len());
    if !missed.is_empty() {
        h.push_str("<ul>\n");
        for m in missed {
            h.push_str(&item(m, "Why it counts"));
        }
        h.push_str("</ul>\n");
    }
    let _ = writeln!(h, "<h3>Added, not in the key ({})</h3>", added.len());
    if !added.is_empty() {
        h.push_str("<ul>\n");
        for e in added {
            h.push_str(&item(e, ""));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// The text, escaped, with the key's passages in `<mark class="key">` and the student's in
/// `<span class="mine">` (overlaps nest, cut where either begins or ends).
fn marked_text(doc: &Document, key: &[Span], mine: &[Span]) -> String {
    let len = doc.len_chars();
    let mut cuts: Vec<usize> = vec![0, len];
    for s in key.iter().chain(mine) {
        cuts.push(s.start.min(len));
        cuts.push(s.end.min(len));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut h = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a >= b {
            continue;
        }
        let covers = |spans: &[Span]| spans.iter().any(|s| s.start <= a && b <= s.end);
        let text = esc(doc.slice(Span::new(a, b)));
        match (covers(key), covers(mine)) {
            (true, true) => {
                let _ = write!(h, "<mark class=\"key\"><span class=\"mine\">{text}</span></mark>");
            }
            (true, false) => {
                let _ = write!(h, "<mark class=\"key\">{text}</mark>");
            }
            (false, true) => {
                let _ = write!(h, "<span class=\"mine\">{text}</span>");
            }
            (false, false) => h.push_str(&text),
        }
    }
    h
}

/// Writes the feedback page of every student (or only `only`) of a graded class into
/// `out_dir` (made if missing); returns the files written.
pub fn write_feedback_pages(graded: &Graded, out_dir: &Path, only: Option<&str>, anonymous: bool) -> Result<Vec<PathBuf>, Error> {
    let names: Option<BTreeMap<String, String>> = anonymous.then(|| pseudonyms(&graded.students));
    write_feedback_pages_as(graded, out_dir, only, names.as_ref())
}

/// [`write_feedback_pages`], every student named by their pseudonym in `names` (real name →
/// pseudonym) when given, in the page and its file name.
pub fn write_feedback_pages_as(
    graded: &Graded,
    out_dir: &Path,
    only: Option<&str>,
    names: Option<&BTreeMap<String, String>>,
) -> Result<Vec<PathBuf>, Error> {
    if let Some(name) = only
        && graded.student_index(name).is_none()
    {
        return Err(Error::usage(format!("\"{}\" is not a student of this class", crate::error::printable(name)))
            .hint("pass a coder name that `marginalia class grade` lists"));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, "cannot make the folder", e))?;
    let grades = graded.grades();
    // Every student's file name, worked out over the whole class so that a page keeps its
    // name whether it is written alone (`only`) or with the others.
    let shown: Vec<(&String, &str)> = graded
        .students
        .iter()
        .filter_map(|student| match names {
            // A student without a pseudonym would be named: left out.
            Some(names) => names.get(student).map(|p| (student, p.as_str())),
            None => Some((student, student.as_str())),
        })
        .collect();
    let files = unique_file_names(&shown.iter().map(|(_, s)| *s).collect::<Vec<_>>());
    let mut written = Vec::new();
    for ((student, _), file) in shown.iter().zip(files) {
        if only.is_some_and(|o| o != student.as_str()) {
            continue;
        }
        let path = out_dir.join(file);
        crate::io::write_atomic(&path, feedback_html_as(graded, &grades, student, names).as_bytes(), false)?;
        written.push(path);
    }
    Ok(written)
}

/// The file names of the pages of students shown as `shown` (in that order): [`file_name`],
/// except that names that would be the same file (compared without regard to case, as on
/// Windows and macOS) each get `-` and a short hash of the name they stand for, so that no
/// page ever overwrites another.
pub fn unique_file_names(shown: &[&str]) -> Vec<String> {
    let plain: Vec<String> = shown.iter().map(|s| file_name(s)).collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for name in &plain {
        *count.entry(name.to_lowercase()).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = plain.iter().filter(|n| count[&n.to_lowercase()] == 1).map(|n| n.to_lowercase()).collect();
    let mut out = Vec::with_capacity(shown.len());
    for (name, student) in plain.into_iter().zip(shown) {
        if count[&name.to_lowercase()] == 1 {
            out.push(name);
            continue;
        }
        let stem = name.strip_suffix(".html").unwrap_or(&name);
        let mut hash = short_hash(student);
        let mut candidate = format!("{stem}-{hash:08x}.html");
        // Two names with the same hash, or a name that already ends so: hash again.
        while !taken.insert(candidate.to_lowercase()) {
            hash = hash.wrapping_mul(0x0100_0193) ^ 0x5f;
            candidate = format!("{stem}-{hash:08x}.html");
        }
        out.push(candidate);
    }
    out
}

/// FNV-1a over the name's bytes: stable across runs and versions.
fn short_hash(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}
