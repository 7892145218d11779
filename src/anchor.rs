//! Re-anchoring: finding where each annotation's quote now stands after its document changed.
//!
//! Three passes per annotation, cheapest first: the exact quote near where the text's edits
//! have moved it (choosing among repeats by how much prefix/suffix context matches), then the
//! text between the quote's prefix and suffix, then an approximate match of the quote near its
//! expected place. What none of them places becomes an orphan: kept, reported, never dropped.

use crate::annotation::{AnchorStatus, Annotation};
use crate::document::{Document, Span};

/// How far (in code points) around the expected position the fuzzy pass looks.
const FUZZY_WINDOW: usize = 2_000;
/// Quotes longer than this are not fuzzy-matched (the cost grows with length × window).
const FUZZY_MAX_QUOTE: usize = 2_000;
/// The largest edit distance accepted, as a fraction of the quote's length.
const FUZZY_MAX_ERROR: f64 = 0.25;

/// What happened to the annotations of one sidecar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorReport {
    pub anchored: usize,
    pub reanchored: usize,
    pub orphaned: usize,
}

impl AnchorReport {
    pub fn all_anchored(&self) -> bool {
        self.reanchored == 0 && self.orphaned == 0
    }
    pub fn summary(&self) -> String {
        format!("{} anchored, {} re-anchored, {} orphaned", self.anchored, self.reanchored, self.orphaned)
    }
}

/// Checks every annotation against `doc` and moves or orphans those whose quote is not where
/// they say. Annotations are updated in place (span, context, status).
pub fn reanchor_all(doc: &Document, annotations: &mut [Annotation]) -> AnchorReport {
    let mut report = AnchorReport::default();
    // Process in old-position order so that the running shift predicts where the next quote is.
    // First, on every core, the annotations whose quote and context are still exactly in place
    // (usually all of them): they are anchored whatever moved before them.
    let in_place = in_place_all(doc, annotations);
    let mut order: Vec<usize> = (0..annotations.len()).filter(|&i| !in_place[i]).collect();
    order.sort_by_key(|&i| annotations[i].sort_key());
    report.anchored = annotations.len() - order.len();
    let mut shift: isize = 0;
    for i in order {
        let a = &mut annotations[i];
        let old_start = a.start;
        let status = reanchor_one(doc, a, shift);
        match status {
            AnchorStatus::Anchored => report.anchored += 1,
            AnchorStatus::Reanchored => {
                report.reanchored += 1;
                shift = a.start as isize - old_start as isize;
            }
            AnchorStatus::Orphaned => report.orphaned += 1,
        }
    }
    report
}

/// For each annotation, is it in place: not orphaned, its quote at its span on grapheme
/// boundaries, its context on both sides as saved? Those found so are marked anchored.
fn in_place_all(doc: &Document, annotations: &mut [Annotation]) -> Vec<bool> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let per_thread = annotations.len().div_ceil(threads).max(4096);
    let mut found = vec![false; annotations.len()];
    let mark = |part: &mut [Annotation], marks: &mut [bool]| {
        for (a, mark) in part.iter_mut().zip(marks) {
            *mark = in_place(doc, a);
            if *mark {
                a.status = AnchorStatus::Anchored;
            }
        }
    };
    // A short list is checked here: starting a thread costs more than checking it (a folder of
    // thousands of documents would start thousands).
    if annotations.len() <= per_thread {
        mark(annotations, &mut found);
        return found;
    }
    std::thread::scope(|scope| {
        for (part, marks) in annotations.chunks_mut(per_thread).zip(found.chunks_mut(per_thread)) {
            scope.spawn(move || mark(part, marks));
        }
    });
    found
}

fn in_place(doc: &Document, a: &Annotation) -> bool {
    // The same tests as `reanchor_one`'s first one, on byte offsets found once: the text
    // before the span ends with the prefix exactly when the prefix's length in code points
    // before the span is the prefix (fewer code points there cannot equal it), and likewise
    // after.
    let span = Span::new(a.start, a.end);
    if a.status == AnchorStatus::Orphaned || span.end > doc.len_chars() {
        return false;
    }
    let text = doc.text();
    let (start, end) = (doc.byte_of(span.start), doc.byte_of(span.end));
    text[start..end] == a.exact
        && text[..start].ends_with(a.prefix.as_str())
        && text[end..].starts_with(a.suffix.as_str())
        && grapheme_boundary_at(text, start)
        && grapheme_boundary_at(text, end)
}

/// Is byte offset `byte` (a char boundary) of `text` a grapheme-cluster boundary?
fn grapheme_boundary_at(text: &str, byte: usize) -> bool {
    unicode_segmentation::GraphemeCursor::new(byte, text.len(), true).is_boundary(text, 0).unwrap_or(true)
}

/// Places one annotation in `doc`; `shift` is how far earlier annotations moved.
pub fn reanchor_one(doc: &Document, a: &mut Annotation, shift: isize) -> AnchorStatus {
    let span = Span::new(a.start, a.end);
    let expected = (a.start as isize + shift).clamp(0, doc.len_chars() as isize) as usize;
    if a.status != AnchorStatus::Orphaned
        && span.end <= doc.len_chars()
        && doc.slice(span) == a.exact
        && doc.is_grapheme_boundary(span.start)
        && doc.is_grapheme_boundary(span.end)
    {
        let prefix_ok = doc.before(span.start, a.prefix.chars().count()) == a.prefix;
        let suffix_ok = doc.after(span.end, a.suffix.chars().count()) == a.suffix;
        // The same text at the same place is this annotation only if its context agrees, or
        // no other occurrence matches the context better: a short quote ("—", "vote") may
        // sit at its old position by chance after an edit earlier in the text moved it.
        if (prefix_ok && suffix_ok) || find_exact(doc, a, expected) == Some(span) {
            if !(prefix_ok && suffix_ok) {
                a.requote(doc, span);
            }
            a.status = AnchorStatus::Anchored;
            return AnchorStatus::Anchored;
        }
    }
    let found =
        find_exact(doc, a, expected).or_else(|| find_between_context(doc, a, expected)).or_else(|| find_fuzzy(doc, a, expected));
    match found {
        Some(new_span) => {
            a.requote(doc, new_span);
            a.status = AnchorStatus::Reanchored;
        }
        None => a.status = AnchorStatus::Orphaned,
    }
    a.status
}

/// All occurrences of the exact quote, best context match first, nearest to `expected` next.
fn find_exact(doc: &Document, a: &Annotation, expected: usize) -> Option<Span> {
    if a.exact.is_empty() {
        return None;
    }
    let text = doc.text();
    let quote_len = a.exact.chars().count();
    let (prefix_len, suffix_len) = (a.prefix.chars().count(), a.suffix.chars().count());
    let score_at = |span: Span| {
        common_suffix(doc.before(span.start, prefix_len), &a.prefix) + common_prefix(doc.after(span.end, suffix_len), &a.suffix)
    };
    // Where the edits before it predict: when the quote and all its context are there, no
    // other place can score better, so the scan of the whole text (costly in a long text with
    // many annotations to move) is skipped.
    let predicted = Span::new(expected, expected + quote_len);
    if predicted.end <= doc.len_chars()
        && doc.slice(predicted) == a.exact
        && doc.is_grapheme_boundary(predicted.start)
        && doc.is_grapheme_boundary(predicted.end)
        && score_at(predicted) == prefix_len + suffix_len
    {
        return Some(predicted);
    }
    let mut best: Option<(usize, usize, Span)> = None; // (context score, distance, span)
    for byte in occurrences(text, &a.exact) {
        let start = doc.char_of(byte);
        let span = Span::new(start, start + quote_len);
        if !doc.is_grapheme_boundary(span.start) || !doc.is_grapheme_boundary(span.end) {
            continue;
        }
        let score = score_at(span);
        let distance = start.abs_diff(expected);
        let better = match &best {
            None => true,
            Some((s, d, _)) => score > *s || (score == *s && distance < *d),
        };
        if better {
            best = Some((score, distance, span));
        }
    }
    best.map(|(_, _, span)| span)
}

/// The text between an occurrence of the prefix and the next occurrence of the suffix, when it
/// is close to the quote's old length and resembles it.
fn find_between_context(doc: &Document, a: &Annotation, expected: usize) -> Option<Span> {
    let min_context = 8;
    if a.prefix.chars().count() < min_context || a.suffix.chars().count() < min_context {
        return None;
    }
    let text = doc.text();
    let quote_len = a.exact.chars().count();
    let mut best: Option<(usize, Span)> = None;
    for pbyte in occurrences(text, &a.prefix) {
        let qstart_byte = pbyte + a.prefix.len();
        let limit = (quote_len * 2 + 64).min(text.len() - qstart_byte);
        // Look for the suffix within a bounded distance after the prefix.
        let window_end = doc.byte_of(doc.char_of(qstart_byte) + limit + a.suffix.chars().count());
        let Some(rel) = text[qstart_byte..window_end].find(a.suffix.as_str()) else { continue };
        let start = doc.char_of(qstart_byte);
        let end = doc.char_of(qstart_byte + rel);
        let candidate = doc.slice(Span::new(start, end));
        let distance = levenshtein(candidate, &a.exact);
        if (distance as f64) > (quote_len.max(1) as f64) * 0.5 {
            continue;
        }
        let closeness = start.abs_diff(expected);
        if best.as_ref().is_none_or(|(d, _)| closeness < *d) {
            best = Some((closeness, Span::new(start, end)));
        }
    }
    best.map(|(_, s)| s).filter(|s| !s.is_empty())
}

/// An approximate match of the quote near `expected` (semi-global edit distance).
fn find_fuzzy(doc: &Document, a: &Annotation, expected: usize) -> Option<Span> {
    let pattern: Vec<char> = a.exact.chars().collect();
    if pattern.len() < 4 || pattern.len() > FUZZY_MAX_QUOTE {
        return None;
    }
    let lo = expected.saturating_sub(FUZZY_WINDOW + pattern.len());
    let hi = (expected + FUZZY_WINDOW + pattern.len() * 2).min(doc.len_chars());
    let window: Vec<char> = doc.slice(Span::new(lo, hi)).chars().collect();
    let (distance, start, end) = best_substring_match(&pattern, &window)?;
    if distance as f64 > pattern.len() as f64 * FUZZY_MAX_ERROR {
        return None;
    }
    Some(Span::new(lo + start, lo + end))
}

/// Sellers' algorithm: the substring of `text` with the smallest edit distance to `pattern`.
/// Returns (distance, start, end) in chars of `text`; ties go to the leftmost end.
fn best_substring_match(pattern: &[char], text: &[char]) -> Option<(usize, usize, usize)> {
    let m = pattern.len();
    // prev[i] = (distance, start) for pattern[..i] ending at the previous text position.
    let mut prev: Vec<(usize, usize)> = (0..=m).map(|i| (i, 0)).collect();
    let mut cur = prev.clone();
    let mut best: Option<(usize, usize, usize)> = None;
    for (j, &tc) in text.iter().enumerate() {
        cur[0] = (0, j + 1);
        for i in 1..=m {
            let sub = (prev[i - 1].0 + usize::from(pattern[i - 1] != tc), prev[i - 1].1);
            let del = (cur[i - 1].0 + 1, cur[i - 1].1);
            let ins = (prev[i].0 + 1, prev[i].1);
            cur[i] = sub.min(del).min(ins);
        }
        let (d, s) = cur[m];
        if best.is_none_or(|(bd, _, _)| d < bd) {
            best = Some((d, s, j + 1));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    best
}

/// Byte offsets of every occurrence of `needle` in `text`, overlapping ones included (the
/// quote "ha ha" occurs twice in "ha ha ha"; `str::match_indices` would report it once).
fn occurrences<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        if needle.is_empty() || from > text.len() {
            return None;
        }
        let at = from + text[from..].find(needle)?;
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        Some(at)
    })
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).count()
}

/// Edit distance in chars (two-row dynamic programming).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for j in 1..=b.len() {
            cur[j] = (prev[j - 1] + usize::from(ca != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotate(doc: &Document, quote: &str) -> Annotation {
        let byte = doc.text().find(quote).unwrap();
        let start = doc.char_of(byte);
        Annotation::new(doc, Span::new(start, start + quote.chars().count()), "demand", "t")
    }

    #[test]
    fn insertion_before_moves_the_annotation() {
        let old = Document::from_text("We ask for one thing: lower rents now. Thank you.");
        let mut a = annotate(&old, "lower rents now");
        let new = Document::from_text("Friends 🎉, we ask for one thing: lower rents now. Thank you.");
        assert_eq!(reanchor_one(&new, &mut a, 0), AnchorStatus::Reanchored);
        assert_eq!(new.slice(a.span()), "lower rents now");
    }

    #[test]
    fn repeated_quote_is_chosen_by_context() {
        let old = Document::from_text("First: vote today. Second: vote today. Third.");
        let byte = old.text().rfind("vote today").unwrap();
        let start = old.char_of(byte);
        let mut a = Annotation::new(&old, Span::new(start, start + 10), "demand", "t");
        let new = Document::from_text("Intro. First: vote today. Second: vote today. Third.");
        reanchor_one(&new, &mut a, 0);
        assert_eq!(new.before(a.start, 8), "Second: ");
    }

    #[test]
    fn a_short_quote_left_at_its_old_place_by_chance_follows_its_context() {
        // The first dash is annotated; deleting "x" moves it one place left, and the second
        // dash now sits at the annotation's old position.
        let old = Document::from_text("Wait x—— then go.");
        let mut a = Annotation::new(&old, Span::new(6, 7), "opinion", "t");
        assert_eq!(a.prefix, "Wait x");
        let new = Document::from_text("Wait —— then go.");
        assert_eq!(new.slice(Span::new(6, 7)), "—");
        assert_eq!(reanchor_one(&new, &mut a, 0), AnchorStatus::Reanchored);
        assert_eq!(a.span(), Span::new(5, 6));
        assert_eq!(a.suffix, "— then go.");
    }

    #[test]
    fn overlapping_repeats_are_all_candidates() {
        // "ha ha" occurs at 0 and at 3; the annotation was on the second, after "ha ".
        let old = Document::from_text("ha ha ha!");
        let mut a = Annotation::new(&old, Span::new(3, 8), "opinion", "t");
        let new = Document::from_text("“ha ha ha!");
        assert_eq!(reanchor_one(&new, &mut a, 0), AnchorStatus::Reanchored);
        assert_eq!(a.span(), Span::new(4, 9));
        assert_eq!(occurrences("aaaa", "aa").collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(occurrences("é—é—é", "é—é").collect::<Vec<_>>(), vec![0, 5]);
    }

    #[test]
    fn edited_quote_is_found_fuzzily_and_vanished_quote_is_orphaned() {
        let old = Document::from_text("The mayor promised twelve new buses by spring, and more later.");
        let mut a = annotate(&old, "promised twelve new buses by spring");
        let new = Document::from_text("The mayor promised twelve electric buses by spring, and more later.");
        assert_eq!(reanchor_one(&new, &mut a, 0), AnchorStatus::Reanchored);
        assert_eq!(a.exact, "promised twelve electric buses by spring");

        let gone = Document::from_text("Completely different text about weather.");
        let mut b = annotate(&old, "promised twelve new buses by spring");
        assert_eq!(reanchor_one(&gone, &mut b, 0), AnchorStatus::Orphaned);
        assert_eq!(b.exact, "promised twelve new buses by spring");
    }
}
