//! Inter-coder agreement and answer-key scoring.
//!
//! [`compute`] compares several coders' annotations of one document: for every pair of coders
//! F1 (exact and overlap matching) and Cohen's kappa, for all coders together Fleiss' kappa,
//! Krippendorff's alpha and the unitizing alpha α_u; each per code and over all codes
//! (`"all"`). [`disagreements`] lists where two coders differ, with spans a view can scroll
//! to. [`score`] grades a student's annotations against an answer key. [`load_coders`] reads
//! sidecars for any of these, refusing those made for another text.
//!
//! Units of the kappas and of alpha are the document's code points. For a single code every
//! code point is labelled "present" or "absent" for each coder, so overlapping annotations
//! need no rule. For `"all"` the label of a code point is the *set* of codes covering it, as
//! one combined category (the empty set is "none"); two coders agree on a code point only
//! when the same codes cover it. Orphaned and empty annotations are left out everywhere.
//! docs/agreement.md gives every formula with its source.

pub mod disagree;
pub mod links;
pub mod load;
pub mod matching;
pub mod score;
pub mod stats;
pub mod unitizing;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::Codebook;
use crate::document::{Document, Span};

pub use disagree::{Disagreement, DisagreementKind, disagreements};
pub use links::{CoderLinks, LinkPairStats, link_agreement};
pub use load::{LoadedCoder, load_coder, load_coders, name_coders};
pub use score::{ClassReport, CodeScore, Score, ScoredItem, score};
pub use stats::{Measure, Unit};

/// The `code` of statistics taken over all codes together.
pub const ALL: &str = "all";

/// One coder's annotations, as given to [`compute`], reduced to what agreement looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderSummary {
    pub name: String,
    /// Annotations that entered the statistics.
    pub counted: usize,
    /// Orphaned annotations (not found in the text), left out.
    pub orphaned: usize,
    /// Annotations of no characters, left out.
    pub empty: usize,
}

/// A code that appears in the report, in codebook order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLabel {
    pub id: String,
    pub name: String,
}

/// Agreement of one pair of coders on one code (or [`ALL`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PairStats {
    pub coder_a: String,
    pub coder_b: String,
    pub code: String,
    /// Annotations of each coder that were compared.
    pub count_a: usize,
    pub count_b: usize,
    pub matched_exact: usize,
    pub matched_overlap: usize,
    pub f1_exact: Measure,
    pub f1_overlap: Measure,
    pub cohen_kappa: Measure,
}

/// Agreement of all coders together on one code (or [`ALL`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OverallStats {
    pub code: String,
    pub fleiss_kappa: Measure,
    pub krippendorff_alpha: Measure,
    pub alpha_u: Measure,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgreementReport {
    /// Code points in the document: the number of units of the kappas and alpha.
    pub units: usize,
    pub coders: Vec<CoderSummary>,
    pub codes: Vec<CodeLabel>,
    /// For each pair of coders (in the order given), [`ALL`] first, then each code.
    pub pairs: Vec<PairStats>,
    /// [`ALL`] first, then each code.
    pub overall: Vec<OverallStats>,
    /// Agreement on links (see [`links`]), for each pair of coders [`ALL`] first, then each
    /// link type; empty when no coder drew a link or none were given.
    pub links: Vec<LinkPairStats>,
}

impl AgreementReport {
    pub fn pair(&self, coder_a: &str, coder_b: &str, code: &str) -> Option<&PairStats> {
        self.pairs.iter().find(|p| p.coder_a == coder_a && p.coder_b == coder_b && p.code == code)
    }
    pub fn overall(&self, code: &str) -> Option<&OverallStats> {
        self.overall.iter().find(|o| o.code == code)
    }
    /// The display name of a code id (or "all codes").
    pub fn code_name(&self, code: &str) -> String {
        if code == ALL {
            return "all codes".to_owned();
        }
        self.codes.iter().find(|c| c.id == code).map_or_else(|| code.to_owned(), |c| c.name.clone())
    }

    /// The report as JSON: `coders`, `codes`, `pairs` and `overall`. An undefined statistic is
    /// `null`, and its reason is in the row's `undefined` object under the same name.
    pub fn to_json(&self) -> Value {
        let pairs: Vec<Value> = self
            .pairs
            .iter()
            .map(|p| {
                with_measures(
                    json!({
                        "coder_a": p.coder_a, "coder_b": p.coder_b, "code": p.code,
                        "count_a": p.count_a, "count_b": p.count_b,
                        "matched_exact": p.matched_exact, "matched_overlap": p.matched_overlap,
                    }),
                    &[("f1_exact", &p.f1_exact), ("f1_overlap", &p.f1_overlap), ("cohen_kappa", &p.cohen_kappa)],
                )
            })
            .collect();
        let overall: Vec<Value> = self
            .overall
            .iter()
            .map(|o| {
                with_measures(
                    json!({ "code": o.code }),
                    &[("fleiss_kappa", &o.fleiss_kappa), ("krippendorff_alpha", &o.krippendorff_alpha), ("alpha_u", &o.alpha_u)],
                )
            })
            .collect();
        let links: Vec<Value> = self
            .links
            .iter()
            .map(|l| {
                with_measures(
                    json!({
                        "coder_a": l.coder_a, "coder_b": l.coder_b, "type": l.link_type,
                        "count_a": l.count_a, "count_b": l.count_b,
                        "matched_exact": l.matched_exact, "matched_overlap": l.matched_overlap,
                    }),
                    &[
                        ("precision_exact", &l.precision_exact),
                        ("recall_exact", &l.recall_exact),
                        ("f1_exact", &l.f1_exact),
                        ("precision_overlap", &l.precision_overlap),
                        ("recall_overlap", &l.recall_overlap),
                        ("f1_overlap", &l.f1_overlap),
                    ],
                )
            })
            .collect();
        json!({
            "units": self.units,
            "links": links,
            "coders": self.coders.iter().map(|c| json!({
                "name": c.name, "counted": c.counted, "orphaned": c.orphaned, "empty": c.empty,
            })).collect::<Vec<_>>(),
            "codes": self.codes.iter().map(|c| json!({ "id": c.id, "name": c.name })).collect::<Vec<_>>(),
            "pairs": pairs,
            "overall": overall,
        })
    }
}

/// Adds measures to a JSON object: the value (or null) under its name, reasons under
/// `undefined`.
pub fn with_measures(mut object: Value, measures: &[(&str, &Measure)]) -> Value {
    let mut reasons = serde_json::Map::new();
    if let Some(map) = object.as_object_mut() {
        for (name, m) in measures {
            map.insert((*name).to_owned(), m.value().map_or(Value::Null, |v| json!(v)));
            if let Some(r) = m.reason() {
                reasons.insert((*name).to_owned(), json!(r));
            }
        }
        if !reasons.is_empty() {
            map.insert("undefined".to_owned(), Value::Object(reasons));
        }
    }
    object
}

/// The annotations that count: not orphaned, not empty, clamped to the text.
pub(crate) fn counted(doc: &Document, annotations: &[Annotation]) -> (Vec<Annotation>, usize, usize) {
    let len = doc.len_chars();
    let mut kept = Vec::new();
    let (mut orphaned, mut empty) = (0, 0);
    for a in annotations {
        if a.status == AnchorStatus::Orphaned {
            orphaned += 1;
            continue;
        }
        let span = Span::new(a.start.min(len), a.end.min(len));
        if span.is_empty() {
            empty += 1;
            continue;
        }
        let mut a = a.clone();
        a.start = span.start;
        a.end = span.end;
        kept.push(a);
    }
    kept.sort_by_key(Annotation::sort_key);
    (kept, orphaned, empty)
}

/// The codes to report on: those of the codebook that any annotation uses, in codebook order,
/// then used codes the codebook lacks, by id.
pub(crate) fn used_codes<'a>(codebook: &Codebook, sets: impl IntoIterator<Item = &'a [Annotation]>) -> Vec<CodeLabel> {
    let used: BTreeSet<&str> = sets.into_iter().flatten().map(|a| a.code.as_str()).collect();
    let mut codes: Vec<CodeLabel> = codebook
        .codes
        .iter()
        .filter(|c| used.contains(c.id.as_str()))
        .map(|c| CodeLabel { id: c.id.clone(), name: c.name.clone() })
        .collect();
    for id in used {
        if codebook.code(id).is_none() {
            codes.push(CodeLabel { id: id.to_owned(), name: id.to_owned() });
        }
    }
    codes
}

/// The document cut into runs of code points on which every coder's set of codes is constant.
struct Labelling {
    /// Length of each run.
    weights: Vec<f64>,
    /// `labels[coder][run]`: an index into `sets`.
    labels: Vec<Vec<usize>>,
    /// Each distinct set of code indexes (index 0 is the empty set).
    sets: Vec<Vec<usize>>,
}

impl Labelling {
    fn new(len: usize, coders: &[Vec<Annotation>], code_index: &HashMap<&str, usize>) -> Self {
        let mut cuts: BTreeSet<usize> = BTreeSet::new();
        if len > 0 {
            cuts.insert(0);
            cuts.insert(len);
        }
        for a in coders.iter().flatten() {
            cuts.insert(a.start);
            cuts.insert(a.end);
        }
        let cuts: Vec<usize> = cuts.into_iter().collect();
        let runs = cuts.len().saturating_sub(1);
        let weights: Vec<f64> = cuts.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
        let run_of = |pos: usize| cuts.partition_point(|&c| c < pos);
        let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
        let mut set_ids: HashMap<Vec<usize>, usize> = HashMap::from([(Vec::new(), 0)]);
        let mut labels = Vec::with_capacity(coders.len());
        for annotations in coders {
            // delta[run][code]: +1 where an annotation of that code starts, −1 where it ends.
            let mut starts: BTreeMap<usize, Vec<(usize, i64)>> = BTreeMap::new();
            for a in annotations {
                let c = code_index[a.code.as_str()];
                starts.entry(run_of(a.start)).or_default().push((c, 1));
                starts.entry(run_of(a.end)).or_default().push((c, -1));
            }
            let mut depth = vec![0i64; code_index.len()];
            let mut current = 0usize;
            let mut row = Vec::with_capacity(runs);
            for run in 0..runs {
                if let Some(changes) = starts.get(&run) {
                    for &(c, d) in changes {
                        depth[c] += d;
                    }
                    let set: Vec<usize> = (0..depth.len()).filter(|&c| depth[c] > 0).collect();
                    current = *set_ids.entry(set.clone()).or_insert_with(|| {
                        sets.push(set);
                        sets.len() - 1
                    });
                }
                row.push(current);
            }
            labels.push(row);
        }
        Self { weights, labels, sets }
    }

    /// Units with the combined-set category of every coder.
    fn all_units(&self) -> Vec<Unit> {
        (0..self.weights.len())
            .map(|r| Unit::new(self.weights[r], self.labels.iter().map(|row| Some(row[r])).collect()))
            .collect()
    }

    /// Units with category 1 where the coder's set holds `code`, else 0.
    fn code_units(&self, code: usize) -> Vec<Unit> {
        let has: Vec<bool> = self.sets.iter().map(|s| s.binary_search(&code).is_ok()).collect();
        (0..self.weights.len())
            .map(|r| Unit::new(self.weights[r], self.labels.iter().map(|row| Some(usize::from(has[row[r]]))).collect()))
            .collect()
    }
}

/// Agreement of several coders on one document. `coders` are (name, annotations); orphaned
/// and empty annotations are left out and counted in [`AgreementReport::coders`]. `codebook`
/// gives the order and names of codes.
pub fn compute(doc: &Document, coders: &[(String, Vec<Annotation>)], codebook: &Codebook) -> AgreementReport {
    let len = doc.len_chars();
    let mut summaries = Vec::new();
    let mut kept: Vec<Vec<Annotation>> = Vec::new();
    for (name, annotations) in coders {
        let (k, orphaned, empty) = counted(doc, annotations);
        summaries.push(CoderSummary { name: name.clone(), counted: k.len(), orphaned, empty });
        kept.push(k);
    }
    let codes = used_codes(codebook, kept.iter().map(Vec::as_slice));
    let code_index: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let labelling = Labelling::new(len, &kept, &code_index);
    let all_units = labelling.all_units();
    let code_units: Vec<Vec<Unit>> = (0..codes.len()).map(|c| labelling.code_units(c)).collect();
    let spans_of =
        |k: usize, code: &str| -> Vec<Span> { kept[k].iter().filter(|a| a.code == code).map(Annotation::span).collect() };

    let mut pairs = Vec::new();
    for i in 0..kept.len() {
        for j in i + 1..kept.len() {
            let (a, b) = (&kept[i], &kept[j]);
            // All codes: a match needs the same code.
            let mut exact_all = 0;
            let mut overlap_all = 0;
            let mut per_code = Vec::new();
            for (c, code) in codes.iter().enumerate() {
                let (sa, sb) = (spans_of(i, &code.id), spans_of(j, &code.id));
                let exact = matching::exact(&sa, &sb).len();
                let overlap = matching::overlap(&sa, &sb).len();
                exact_all += exact;
                overlap_all += overlap;
                per_code.push(PairStats {
                    coder_a: coders[i].0.clone(),
                    coder_b: coders[j].0.clone(),
                    code: code.id.clone(),
                    count_a: sa.len(),
                    count_b: sb.len(),
                    matched_exact: exact,
                    matched_overlap: overlap,
                    f1_exact: stats::f1(exact, sa.len(), sb.len()),
                    f1_overlap: stats::f1(overlap, sa.len(), sb.len()),
                    cohen_kappa: stats::cohen_kappa(&code_units[c], i, j),
                });
            }
            pairs.push(PairStats {
                coder_a: coders[i].0.clone(),
                coder_b: coders[j].0.clone(),
                code: ALL.to_owned(),
                count_a: a.len(),
                count_b: b.len(),
                matched_exact: exact_all,
                matched_overlap: overlap_all,
                f1_exact: stats::f1(exact_all, a.len(), b.len()),
                f1_overlap: stats::f1(overlap_all, a.len(), b.len()),
                cohen_kappa: stats::cohen_kappa(&all_units, i, j),
            });
            pairs.extend(per_code);
        }
    }

    let too_few = || Measure::undefined("agreement needs at least two coders");
    let overall_of = |units: &[Unit], alpha_u: Measure| -> (Measure, Measure, Measure) {
        if kept.len() < 2 {
            return (too_few(), too_few(), too_few());
        }
        (stats::fleiss_kappa(units), stats::krippendorff_alpha_nominal(units), alpha_u)
    };
    let per_code_spans: Vec<Vec<Vec<Span>>> =
        codes.iter().map(|code| (0..kept.len()).map(|k| spans_of(k, &code.id)).collect()).collect();
    let mut overall = Vec::new();
    let alpha_u_all = if codes.is_empty() {
        Measure::undefined("no coder marked any passage")
    } else {
        unitizing::alpha_u_summed(len, &per_code_spans)
    };
    let (f, k, u) = overall_of(&all_units, alpha_u_all);
    overall.push(OverallStats { code: ALL.to_owned(), fleiss_kappa: f, krippendorff_alpha: k, alpha_u: u });
    for (c, code) in codes.iter().enumerate() {
        let (f, k, u) = overall_of(&code_units[c], unitizing::alpha_u(len, &per_code_spans[c]));
        overall.push(OverallStats { code: code.id.clone(), fleiss_kappa: f, krippendorff_alpha: k, alpha_u: u });
    }
    AgreementReport { units: len, coders: summaries, codes, pairs, overall, links: Vec::new() }
}
