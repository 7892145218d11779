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
