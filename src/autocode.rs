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

/// How a search text is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// The text as it is.
    #[default]
    Plain,
    /// The text as it is, starting and ending at word boundaries.
    WholeWords,
    /// A regular expression ([`compile`]).
    Regex,
}

/// Compiles a search: plain text is matched literally; `ignore_case` matches any case.
pub fn compile_search(text: &str, mode: SearchMode, ignore_case: bool) -> Result<Regex, Error> {
    let pattern = match mode {
        SearchMode::Plain | SearchMode::WholeWords => regex::escape(text),
        SearchMode::Regex => text.to_owned(),
    };
    let pattern = if ignore_case { format!("(?i){pattern}") } else { pattern };
    compile(&pattern, mode == SearchMode::WholeWords)
}

/// One match in a folder, with its context for a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub document: std::path::PathBuf,
    /// The fingerprint of the text the span is in: coding it is refused if the text changed.
    pub fingerprint: String,
    pub span: Span,
    /// Up to [`HIT_CONTEXT`] characters of the line before and after, and the match.
    pub before: String,
    pub text: String,
    pub after: String,
}

/// Characters of context a [`Hit`] keeps on each side.
pub const HIT_CONTEXT: usize = 40;

/// The matches of `re` in `doc` (at `path`) as hits, in order.
pub fn hits(path: &std::path::Path, doc: &Document, re: &Regex) -> Vec<Hit> {
    find(doc, re)
        .into_iter()
        .map(|span| {
            let before = doc.before(span.start, HIT_CONTEXT);
            let after = doc.after(span.end, HIT_CONTEXT);
            Hit {
                document: path.to_path_buf(),
                fingerprint: doc.fingerprint().to_owned(),
                span,
                before: before.rsplit(['\n', '\r']).next().unwrap_or_default().to_owned(),
                text: doc.slice(span).to_owned(),
                after: after.split(['\n', '\r']).next().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// Codes `spans` of the document at `path` with `code` as one undo step and saves `coder`'s
/// sidecar of it (see [`crate::coder::sidecar_for`])
/// under the sidecar's lock, atomically, as `marginalia autocode` does; the ids of the
/// annotations added (spans already coded so are left out), for [`uncode`]. Refused when the text is no longer
/// the one with `fingerprint` (the spans were found in another text).
pub fn code_spans(
    path: &std::path::Path,
    fingerprint: &str,
    spans: &[Span],
    code: &str,
    coder: &crate::coder::Coder,
) -> Result<Vec<uuid::Uuid>, Error> {
    let sidecar_path = crate::coder::sidecar_for(path, coder);
    let _lock = crate::io::lock(&crate::io::resolve(&sidecar_path)?)?;
    let mut session = crate::session::Session::open(path, Some(&sidecar_path), &coder.name)?;
    session.claim(coder);
    if session.doc.fingerprint() != fingerprint {
        return Err(Error::usage("changed since it was searched; nothing was coded in it")
            .in_file(path)
            .hint("search again, then tag the matches"));
    }
    if session.edits.codebook().code(code).is_none() {
        return Err(Error::usage(format!("has no code \"{code}\" in its codebook; nothing was coded in it"))
            .in_file(&sidecar_path)
            .hint("add the code to the document's codebook first"));
    }
    let Some(action) = action(&session.doc, session.edits.annotations(), spans, code, &coder.name) else { return Ok(Vec::new()) };
    let added = match &action {
        Action::AutoCode(a) => a.iter().map(|a| a.id).collect(),
        _ => Vec::new(),
    };
    session.apply(action).map_err(|e| e.in_file(&sidecar_path))?;
    session.save()?;
    Ok(added)
}

/// Takes back a [`code_spans`]: deletes exactly the annotations with these ids from `coder`'s
/// sidecar of the document, under its lock, and saves it; everything else in it (other annotations,
/// and edits made since) stays. Returns how many were deleted (ids already gone are skipped).
pub fn uncode(path: &std::path::Path, ids: &[uuid::Uuid], coder: &crate::coder::Coder) -> Result<usize, Error> {
    let sidecar_path = crate::coder::sidecar_for(path, coder);
    let _lock = crate::io::lock(&crate::io::resolve(&sidecar_path)?)?;
    let mut session = crate::session::Session::open(path, Some(&sidecar_path), &coder.name)?;
    let deletes: Vec<Action> = ids.iter().filter(|id| session.edits.get(**id).is_some()).map(|id| Action::Delete(*id)).collect();
    let deleted = deletes.len();
    if deleted > 0 {
        session.apply(Action::Batch(deletes)).map_err(|e| e.in_file(&sidecar_path))?;
        // A sidecar that holds nothing any more but what a new one would (no annotation, no
        // link, not marked done, the codebook a new sidecar gets) was made by the tagging now
        // taken back: it goes, rather than stay behind empty.
        let as_new = session.edits.annotations().is_empty()
            && session.edits.links().is_empty()
            && !session.edits.done()
            && *session.edits.codebook() == crate::session::codebook_for(path)?;
        // A link is the user's arrangement: it stays, and what it points to is saved.
        let linked = std::fs::symlink_metadata(&sidecar_path).is_ok_and(|m| m.file_type().is_symlink());
        if as_new && !linked && !session.changed_on_disk()? {
            std::fs::remove_file(&sidecar_path).map_err(|e| Error::io(&sidecar_path, "cannot remove the emptied sidecar", e))?;
        } else {
            session.save()?;
        }
    }
    Ok(deleted)
}
