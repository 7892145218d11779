//! Where two coders differ, one item per difference, each with the span to scroll to.
//!
//! For each pair of coders: annotations with the same span and code agree and are not
//! listed. Of the rest, same-code annotations matched by overlap (one-to-one, as for F1) have
//! different boundaries. What is still unmatched is paired across codes: the same span with
//! another code, or an overlapping span with another code. Whatever is left was marked by only
//! one of the two.

use serde::Serialize;
use uuid::Uuid;

use crate::annotation::Annotation;
use crate::document::{Document, Span};

use super::{counted, matching};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisagreementKind {
    /// Both marked exactly the same passage, with different codes.
    SameSpanDifferentCode,
    /// Both gave the same code to overlapping passages with different boundaries.
    DifferentBoundaries,
    /// Overlapping passages with different boundaries and different codes.
    OverlapDifferentCode,
    /// Only one of the two coders marked anything here.
    OnlyOneCoder,
}

impl DisagreementKind {
    pub fn label(self) -> &'static str {
        match self {
            DisagreementKind::SameSpanDifferentCode => "same passage, different code",
            DisagreementKind::DifferentBoundaries => "same code, different boundaries",
            DisagreementKind::OverlapDifferentCode => "overlapping passages, different codes",
            DisagreementKind::OnlyOneCoder => "marked by one coder only",
        }
    }
}

/// One coder's side of a disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub id: Uuid,
    pub span: Span,
    pub code: String,
}

impl Side {
    fn of(a: &Annotation) -> Self {
        Self { id: a.id, span: a.span(), code: a.code.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub kind: DisagreementKind,
    pub coder_a: String,
    pub coder_b: String,
    /// The passage to show: both sides' spans together.
    pub span: Span,
    pub a: Option<Side>,
    pub b: Option<Side>,
}

/// Every disagreement of every pair of coders (in the order given), each pair's in text order.
/// Orphaned and empty annotations are left out.
pub fn disagreements(doc: &Document, coders: &[(String, Vec<Annotation>)]) -> Vec<Disagreement> {
    let kept: Vec<Vec<Annotation>> = coders.iter().map(|(_, a)| counted(doc, a).0).collect();
    let mut out = Vec::new();
    for i in 0..kept.len() {
        for j in i + 1..kept.len() {
            let mut found = pair(&kept[i], &kept[j]);
            for d in &mut found {
                d.coder_a = coders[i].0.clone();
                d.coder_b = coders[j].0.clone();
            }
            out.extend(found);
        }
    }
    out
}

fn pair(a: &[Annotation], b: &[Annotation]) -> Vec<Disagreement> {
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut out = Vec::new();
    let item = |kind, x: Option<&Annotation>, y: Option<&Annotation>| {
        let spans: Vec<Span> = x.iter().chain(y.iter()).map(|z| z.span()).collect();
        let span = Span::new(spans.iter().map(|s| s.start).min().unwrap_or(0), spans.iter().map(|s| s.end).max().unwrap_or(0));
        Disagreement { kind, coder_a: String::new(), coder_b: String::new(), span, a: x.map(Side::of), b: y.map(Side::of) }
    };
    let codes: std::collections::BTreeSet<&str> = a.iter().chain(b).map(|x| x.code.as_str()).collect();
    // Same code: exact matches agree; overlap matches among the rest differ in boundaries.
    for code in codes {
        let ia: Vec<usize> = (0..a.len()).filter(|&k| a[k].code == code).collect();
        let ib: Vec<usize> = (0..b.len()).filter(|&k| b[k].code == code).collect();
        let sa: Vec<Span> = ia.iter().map(|&k| a[k].span()).collect();
        let sb: Vec<Span> = ib.iter().map(|&k| b[k].span()).collect();
        for (x, y) in matching::exact(&sa, &sb) {
            used_a[ia[x]] = true;
            used_b[ib[y]] = true;
        }
        let ra: Vec<usize> = ia.iter().copied().filter(|&k| !used_a[k]).collect();
        let rb: Vec<usize> = ib.iter().copied().filter(|&k| !used_b[k]).collect();
        let sa: Vec<Span> = ra.iter().map(|&k| a[k].span()).collect();
        let sb: Vec<Span> = rb.iter().map(|&k| b[k].span()).collect();
        for (x, y) in matching::overlap(&sa, &sb) {
            used_a[ra[x]] = true;
            used_b[rb[y]] = true;
            out.push(item(DisagreementKind::DifferentBoundaries, Some(&a[ra[x]]), Some(&b[rb[y]])));
        }
    }
    // Different codes: identical spans first, then overlapping ones.
    let rest = |used: &[bool]| -> Vec<usize> { (0..used.len()).filter(|&k| !used[k]).collect() };
    let (ra, rb) = (rest(&used_a), rest(&used_b));
    let sa: Vec<Span> = ra.iter().map(|&k| a[k].span()).collect();
    let sb: Vec<Span> = rb.iter().map(|&k| b[k].span()).collect();
    for (x, y) in matching::exact(&sa, &sb) {
        used_a[ra[x]] = true;
        used_b[rb[y]] = true;
        out.push(item(DisagreementKind::SameSpanDifferentCode, Some(&a[ra[x]]), Some(&b[rb[y]])));
    }
    let (ra, rb) = (rest(&used_a), rest(&used_b));
    let sa: Vec<Span> = ra.iter().map(|&k| a[k].span()).collect();
    let sb: Vec<Span> = rb.iter().map(|&k| b[k].span()).collect();
    for (x, y) in matching::overlap(&sa, &sb) {
        used_a[ra[x]] = true;
        used_b[rb[y]] = true;
        out.push(item(DisagreementKind::OverlapDifferentCode, Some(&a[ra[x]]), Some(&b[rb[y]])));
    }
    for k in rest(&used_a) {
        out.push(item(DisagreementKind::OnlyOneCoder, Some(&a[k]), None));
    }
    for k in rest(&used_b) {
        out.push(item(DisagreementKind::OnlyOneCoder, None, Some(&b[k])));
    }
    out.sort_by_key(|d| (d.span.start, d.span.end, d.kind as u8));
    out
}
