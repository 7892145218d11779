//! The class on one text, passage by passage: for each of the key's passages, which students
//! found it; and the passages students marked that the key does not have, gathered into
//! clusters of overlapping marks, so that a teacher sees "what did most of you miss?" and
//! "what did many of you mark that is not in the key?". Everything is read off the scores of
//! [`super::grade_scores`]; nothing is matched again here.

use std::collections::{BTreeMap, BTreeSet};

use super::GradedText;
use crate::agree::ScoredItem;
use crate::document::Span;

/// One of the key's passages and the students (indexes into `Graded::students`) who found it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPassage {
    pub item: ScoredItem,
    pub found_by: Vec<usize>,
}

/// Overlapping passages that students marked and the key does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraCluster {
    /// From the first mark's start to the last mark's end.
    pub span: Span,
    /// The text of the span.
    pub quote: String,
    /// The codes given, with how many marks gave each, most used first.
    pub codes: Vec<(String, usize)>,
    /// The students (indexes) with a mark in the cluster.
    pub students: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassageSummary {
    /// The key's passages, the least found first (then in text order).
    pub key: Vec<KeyPassage>,
    /// The clusters of extra marks, the most students first (then in text order).
    pub extra: Vec<ExtraCluster>,
}

/// The passage summary of one graded text.
pub fn summarize(text: &GradedText) -> PassageSummary {
    let mut found_by: BTreeMap<uuid::Uuid, Vec<usize>> = BTreeMap::new();
    for (s, score) in text.scores.iter().enumerate() {
        for (k, _) in &score.found {
            found_by.entry(k.id).or_default().push(s);
        }
    }
    let mut key: Vec<KeyPassage> = text
        .key_passages
        .iter()
        .map(|item| KeyPassage { item: item.clone(), found_by: found_by.get(&item.id).cloned().unwrap_or_default() })
        .collect();
    key.sort_by_key(|k| (k.found_by.len(), k.item.span));

    let mut extras: Vec<(usize, &ScoredItem)> =
        text.scores.iter().enumerate().flat_map(|(s, score)| score.extra.iter().map(move |e| (s, e))).collect();
    extras.sort_by_key(|(s, e)| (e.span.start, e.span.end, *s));
    let mut groups: Vec<(Span, Vec<(usize, &ScoredItem)>)> = Vec::new();
    for (s, e) in extras {
        match groups.last_mut() {
            Some((span, members)) if e.span.start < span.end => {
                span.end = span.end.max(e.span.end);
                members.push((s, e));
            }
            _ => groups.push((e.span, vec![(s, e)])),
        }
    }
    let mut extra: Vec<ExtraCluster> = groups
        .into_iter()
        .map(|(span, members)| {
            let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, e) in &members {
                *codes.entry(e.code.as_str()).or_default() += 1;
            }
            let mut codes: Vec<(String, usize)> = codes.into_iter().map(|(c, n)| (c.to_owned(), n)).collect();
            codes.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            let students: BTreeSet<usize> = members.iter().map(|(s, _)| *s).collect();
            ExtraCluster { span, quote: text.document.slice(span).to_owned(), codes, students: students.into_iter().collect() }
        })
        .collect();
    extra.sort_by_key(|c| (std::cmp::Reverse(c.students.len()), c.span));
    PassageSummary { key, extra }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Annotation;
    use crate::codebook::Codebook;
    use crate::document::Document;

    fn mark(doc: &Document, quote: &str, code: &str, coder: &str) -> Annotation {
        let start = doc.char_of(doc.text().find(quote).unwrap());
        Annotation::new(doc, Span::new(start, start + quote.chars().count()), code, coder)
    }

    #[test]
    fn key_passages_count_who_found_them_and_extras_gather_by_overlap() {
        let doc = Document::from_text("Rents will rise. Buses must run at night. The mayor is brave. Parks close at six.\n");
        let cb = Codebook::default();
        let key =
            vec![mark(&doc, "Rents will rise", "prediction", "key"), mark(&doc, "Buses must run at night", "demand", "key")];
        let students = [
            // Both found; "The mayor is brave" added.
            vec![
                mark(&doc, "Rents will rise", "prediction", "a"),
                mark(&doc, "Buses must run", "demand", "a"),
                mark(&doc, "The mayor is brave", "opinion", "a"),
            ],
            // The prediction only; "mayor is brave" (overlapping a's) and "Parks" added.
            vec![
                mark(&doc, "Rents will", "prediction", "b"),
                mark(&doc, "mayor is brave", "factual-assertion", "b"),
                mark(&doc, "Parks close at six", "opinion", "b"),
            ],
            // Nothing.
            vec![],
        ];
        let scores: Vec<_> = students.iter().map(|s| crate::agree::score(&doc, &key, s, &cb)).collect();
        let key_passages = scores[2].missed.clone();
        let text = GradedText {
            document: doc.clone(),
            path: std::path::PathBuf::from("t.txt"),
            asked: Vec::new(),
            key_passages,
            wrong_codes: vec![Vec::new(); scores.len()],
            scores,
        };
        let summary = summarize(&text);
        let key: Vec<(&str, Vec<usize>)> = summary.key.iter().map(|k| (k.item.exact.as_str(), k.found_by.clone())).collect();
        assert_eq!(key, [("Buses must run at night", vec![0]), ("Rents will rise", vec![0, 1])], "least found first");
        let extra: Vec<(&str, Vec<usize>, usize)> =
            summary.extra.iter().map(|c| (c.quote.as_str(), c.students.clone(), c.codes.len())).collect();
        assert_eq!(extra, [("The mayor is brave", vec![0, 1], 2), ("Parks close at six", vec![1], 1)]);
    }
}
