//! Auto-coding: every match of a regular expression in a document becomes an annotation with
//! one code, added as one [`Action::AutoCode`] so that a single undo takes the whole run back.
//!
//! Matches are widened to whole characters (grapheme clusters), as a selection is; empty
//! matches are skipped, and so is a match already coded with the same code on the same span,
//! so running the same pattern twice adds nothing the second time.

use regex::Regex;

use crate::annotation::Annotation;
use crate::document::{Document, Span};
use crate::edits::Action;
use crate::error::Error;

/// Compiles `pattern` (Rust `regex` syntax; `(?i)` for case-insensitive). With `whole_words`
/// a match must start and end at word boundaries.
pub fn compile(pattern: &str, whole_words: bool) -> Result<Regex, Error> {
    let full = if whole_words { format!(r"\b(?:{pattern})\b") } else { pattern.to_owned() };
    Regex::new(&full).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned();
        Error::usage(format!("--pattern \"{pattern}\" is not a valid regular expression: {last}"))
            .hint("see https://docs.rs/regex/#syntax; escape . ( ) [ ] ? * + with a backslash to match them literally")
    })
}

/// The spans of the matches in `doc`, snapped to grapheme boundaries, in order, without
/// duplicates (two matches inside one emoji snap to the same span).
pub fn find(doc: &Document, re: &Regex) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for m in re.find_iter(doc.text()) {
        if m.is_empty() {
            continue;
        }
        let span = doc.snap(Span::new(doc.char_of(m.start()), doc.char_of(m.end())));
        if span.is_empty() || spans.last() == Some(&span) {
            continue;
        }
        spans.push(span);
    }
    spans
}

/// The action that codes every span in `spans` with `code`, leaving out spans that `existing`
/// already codes with it; `None` when there is nothing to add.
pub fn action(doc: &Document, existing: &[impl AsRef<Annotation>], spans: &[Span], code: &str, coder: &str) -> Option<Action> {
    let taken: std::collections::HashSet<(usize, usize)> =
        existing.iter().map(AsRef::as_ref).filter(|a| a.code == code).map(|a| (a.start, a.end)).collect();
    let adds: Vec<Annotation> =
        spans.iter().filter(|s| !taken.contains(&(s.start, s.end))).map(|s| Annotation::new(doc, *s, code, coder)).collect();
    (!adds.is_empty()).then_some(Action::AutoCode(adds))
}
