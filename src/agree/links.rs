//! Agreement on links: for each pair of coders and each link type, how many of their links
//! are the same link.
//!
//! A link of coder A matches a link of coder B when their types are equal and both ends
//! match: A's origin is paired with B's origin, and A's target with B's target, by the one-to-one
//! matching of annotations that the span F1 uses (within a code; exact, or by overlap). Each
//! link is matched at most once. With A as the reference, precision is the share of B's links
//! that match one of A's, recall the share of A's links that B matched, and F1 their harmonic
//! mean, 2·matched / (A's links + B's links). Links with an orphaned or empty end are left out,
//! as their annotations are.

use std::collections::HashMap;

use uuid::Uuid;

use super::{ALL, counted, matching};
use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::{Document, Span};
use crate::link::Link;

use super::stats::Measure;

/// Link agreement of one pair of coders on one link type (or [`ALL`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPairStats {
    pub coder_a: String,
    pub coder_b: String,
    /// A link type id, or [`ALL`].
    pub link_type: String,
    pub count_a: usize,
    pub count_b: usize,
    pub matched_exact: usize,
    pub matched_overlap: usize,
    pub precision_exact: Measure,
    pub recall_exact: Measure,
    pub f1_exact: Measure,
    pub precision_overlap: Measure,
    pub recall_overlap: Measure,
    pub f1_overlap: Measure,
}

/// One coder's annotations and links, as [`link_agreement`] takes them.
pub struct CoderLinks<'a> {
    pub name: &'a str,
    pub annotations: &'a [Annotation],
    pub links: &'a [Link],
}

/// A one-to-one matching of two lists of spans (see [`matching`]).
type SpanMatching = fn(&[Span], &[Span]) -> Vec<(usize, usize)>;

/// Pairs A's annotation ids with B's by `rule` (exact or overlap), code by code.
fn pair_annotations(a: &[Annotation], b: &[Annotation], rule: SpanMatching) -> HashMap<Uuid, Uuid> {
    let mut codes: Vec<&str> = a.iter().chain(b).map(|x| x.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut paired = HashMap::new();
    for code in codes {
        let of = |set: &[Annotation]| -> (Vec<Uuid>, Vec<Span>) {
            set.iter().filter(|x| x.code == code).map(|x| (x.id, x.span())).unzip()
        };
        let ((ids_a, spans_a), (ids_b, spans_b)) = (of(a), of(b));
        for (i, j) in rule(&spans_a, &spans_b) {
            paired.insert(ids_a[i], ids_b[j]);
        }
    }
    paired
}

/// How many of `a`'s links have a partner in `b`: same type, ends paired by `paired`; each
/// link of `b` used once.
fn matched_links(a: &[&Link], b: &[&Link], paired: &HashMap<Uuid, Uuid>) -> usize {
    let mut free: HashMap<(Uuid, Uuid, &str), usize> = HashMap::new();
    for l in b {
        *free.entry((l.origin, l.target, l.link_type.as_str())).or_default() += 1;
    }
    let mut matched = 0;
    for l in a {
        let (Some(&origin), Some(&target)) = (paired.get(&l.origin), paired.get(&l.target)) else { continue };
        if let Some(n) = free.get_mut(&(origin, target, l.link_type.as_str()))
            && *n > 0
        {
            *n -= 1;
            matched += 1;
        }
    }
    matched
}

fn of_type<'a>(links: &[&'a Link], link_type: &str) -> Vec<&'a Link> {
    links.iter().copied().filter(|l| l.link_type == link_type).collect()
}

fn share(matched: usize, of: usize, whose: &str) -> Measure {
    if of == 0 {
        Measure::undefined(format!("{whose} drew no link of this type"))
    } else {
        Measure::Value(matched as f64 / of as f64)
    }
}

fn link_f1(matched: usize, a: usize, b: usize) -> Measure {
    if a + b == 0 {
        return Measure::undefined("neither coder drew a link of this type");
    }
    Measure::Value(2.0 * matched as f64 / (a + b) as f64)
}

/// Link agreement of every pair of coders (in the order given): [`ALL`] first, then each link
/// type either coder used, in codebook order (then unknown ids by id). Empty when no coder drew
/// a link.
pub fn link_agreement(doc: &Document, coders: &[CoderLinks<'_>], codebook: &Codebook) -> Vec<LinkPairStats> {
    // Each coder's annotations that count, and the links between them.
    let kept: Vec<(Vec<Annotation>, Vec<&Link>)> = coders
        .iter()
        .map(|c| {
            let (annotations, _, _) = counted(doc, c.annotations);
            let ids: std::collections::HashSet<Uuid> = annotations.iter().map(|a| a.id).collect();
            let links = c.links.iter().filter(|l| ids.contains(&l.origin) && ids.contains(&l.target)).collect();
            (annotations, links)
        })
        .collect();
    if kept.iter().all(|(_, links)| links.is_empty()) {
        return Vec::new();
    }
    let mut types: Vec<String> = codebook
        .link_types
        .iter()
        .filter(|t| kept.iter().any(|(_, links)| links.iter().any(|l| l.link_type == t.id)))
        .map(|t| t.id.clone())
        .collect();
    let mut unknown: Vec<String> = kept
        .iter()
        .flat_map(|(_, links)| links.iter().map(|l| l.link_type.clone()))
        .filter(|id| codebook.link_type(id).is_none())
        .collect();
    unknown.sort();
    unknown.dedup();
    types.extend(unknown);

    let mut out = Vec::new();
    for i in 0..kept.len() {
        for j in i + 1..kept.len() {
            let ((ann_a, links_a), (ann_b, links_b)) = (&kept[i], &kept[j]);
            let exact = pair_annotations(ann_a, ann_b, matching::exact);
            let overlap = pair_annotations(ann_a, ann_b, matching::overlap);
            let row = |link_type: &str, a: Vec<&Link>, b: Vec<&Link>| {
                let (me, mo) = (matched_links(&a, &b, &exact), matched_links(&a, &b, &overlap));
                let (ca, cb) = (a.len(), b.len());
                LinkPairStats {
                    coder_a: coders[i].name.to_owned(),
                    coder_b: coders[j].name.to_owned(),
                    link_type: link_type.to_owned(),
                    count_a: ca,
                    count_b: cb,
                    matched_exact: me,
                    matched_overlap: mo,
                    precision_exact: share(me, cb, coders[j].name),
                    recall_exact: share(me, ca, coders[i].name),
                    f1_exact: link_f1(me, ca, cb),
                    precision_overlap: share(mo, cb, coders[j].name),
                    recall_overlap: share(mo, ca, coders[i].name),
                    f1_overlap: link_f1(mo, ca, cb),
                }
            };
            out.push(row(ALL, links_a.clone(), links_b.clone()));
            for t in &types {
                let (a, b) = (of_type(links_a, t), of_type(links_b, t));
                out.push(row(t, a, b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Span;

    /// Worked by hand. Text positions: three claims and two pieces of evidence.
    /// Ana: e1→c1 supports, e2→c2 supports, e2→c3 attacks (3 links).
    /// Bo:  e1'→c1 supports (e1' overlaps e1 but is not the same span), e2→c2 supports,
    ///      e2→c3 supports (wrong type) (3 links).
    /// Exact matching pairs e2, c1, c2, c3 (not e1): matched = 1 (e2→c2 supports).
    /// Overlap matching also pairs e1 with e1': matched = 2.
    /// All types: exact P = 1/3, R = 1/3, F1 = 2·1/6 = 1/3; overlap P = R = F1 = 2/3.
    /// Supports: Ana 2, Bo 3; exact matched 1: P = 1/3, R = 1/2, F1 = 2/5;
    ///           overlap matched 2: P = 2/3, R = 1, F1 = 4/5.
    /// Attacks: Ana 1, Bo 0: matched 0, P undefined, R = 0, F1 = 0.
    #[test]
    fn link_agreement_on_a_hand_worked_example() {
        let doc = Document::from_text("Claim one. Claim two. Claim three. Evidence one is here. Evidence two.");
        let ann = |s: usize, e: usize, code: &str, id: u128| {
            let mut a = Annotation::new(&doc, Span::new(s, e), code, "x");
            a.id = Uuid::from_u128(id);
            a
        };
        let claims = |base: u128| {
            vec![ann(0, 10, "opinion", base + 1), ann(11, 21, "opinion", base + 2), ann(22, 34, "opinion", base + 3)]
        };
        let mut ana_ann = claims(0);
        ana_ann.push(ann(35, 47, "factual-assertion", 11));
        ana_ann.push(ann(56, 69, "factual-assertion", 12));
        let mut bo_ann = claims(100);
        bo_ann.push(ann(35, 55, "factual-assertion", 111));
        bo_ann.push(ann(56, 69, "factual-assertion", 112));
        let link = |t: &str, o: u128, g: u128| Link::new(t, Uuid::from_u128(o), Uuid::from_u128(g), "x");
        let ana_links = vec![link("supports", 11, 1), link("supports", 12, 2), link("attacks", 12, 3)];
        let bo_links = vec![link("supports", 111, 101), link("supports", 112, 102), link("supports", 112, 103)];
        let coders = [
            CoderLinks { name: "ana", annotations: &ana_ann, links: &ana_links },
            CoderLinks { name: "bo", annotations: &bo_ann, links: &bo_links },
        ];
        let rows = link_agreement(&doc, &coders, &Codebook::default());
        assert_eq!(rows.iter().map(|r| r.link_type.as_str()).collect::<Vec<_>>(), ["all", "supports", "attacks"]);
        let v = |m: &Measure| m.value().unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} != {b}");
        let all = &rows[0];
        assert_eq!((all.count_a, all.count_b, all.matched_exact, all.matched_overlap), (3, 3, 1, 2));
        close(v(&all.precision_exact), 1.0 / 3.0);
        close(v(&all.recall_exact), 1.0 / 3.0);
        close(v(&all.f1_exact), 1.0 / 3.0);
        close(v(&all.f1_overlap), 2.0 / 3.0);
        let supports = &rows[1];
        assert_eq!((supports.count_a, supports.count_b, supports.matched_exact, supports.matched_overlap), (2, 3, 1, 2));
        close(v(&supports.precision_exact), 1.0 / 3.0);
        close(v(&supports.recall_exact), 0.5);
        close(v(&supports.f1_exact), 0.4);
        close(v(&supports.precision_overlap), 2.0 / 3.0);
        close(v(&supports.recall_overlap), 1.0);
        close(v(&supports.f1_overlap), 0.8);
        let attacks = &rows[2];
        assert_eq!((attacks.count_a, attacks.count_b, attacks.matched_overlap), (1, 0, 0));
        assert!(attacks.precision_exact.value().is_none());
        close(v(&attacks.recall_overlap), 0.0);
        close(v(&attacks.f1_overlap), 0.0);
    }
}
