//! Krippendorff's unitizing alpha (α_u) for the placement of spans on a continuum with gaps
//! (Krippendorff 1995, "On the reliability of unitizing continuous data", Sociological
//! Methodology 25; Krippendorff 2004, Content Analysis, 2nd ed., chapter on reliability).
//!
//! For one category, each coder cuts the continuum `0..L` into segments: the units they
//! marked (w = 1) and the gaps between them (w = 0). With m coders, segment g of coder i
//! starting at b_ig with length l_ig:
//!
//! ```text
//! uD_o = 1 / (m(m−1)L²) · Σ_i Σ_{j≠i} Σ_g Σ_h δ²_igjh
//!
//! δ²_igjh = (b_ig − b_jh)² + (b_ig+l_ig − b_jh−l_jh)²  both units and they overlap
//!         = l_ig²                                      unit ig lies inside gap jh
//!         = l_jh²                                      gap ig holds unit jh
//!         = 0                                          otherwise
//!
//! uD_e = (2/L) · Σ_i Σ_g w_ig [ (N−1)/3 · (2l_ig³ − 3l_ig² + l_ig)
//!                              + l_ig² · Σ_j Σ_h (1−w_jh)(l_jh − l_ig + 1)·[l_jh ≥ l_ig] ]
//!        / ( mL(mL−1) − Σ_i Σ_g w_ig·l_ig(l_ig − 1) )
//!
//! α_u = 1 − uD_o / uD_e
//! ```
//!
//! where N is the number of units all coders marked. Over several categories the
//! disagreements are summed: α_u = 1 − Σ_c uD_oc / Σ_c uD_ec. The formula needs one coder's
//! units of a category not to overlap, so each coder's overlapping spans of one category are
//! first merged into one unit (spans that only touch stay separate).

use crate::document::Span;

use super::stats::Measure;

/// A coder's continuum for one category: units and gaps covering `0..len` in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: u64,
    len: u64,
    unit: bool,
}

/// Sorts, clamps to `0..len`, drops empty spans and merges overlapping ones.
pub fn normalize(spans: &[Span], len: usize) -> Vec<Span> {
    let mut spans: Vec<Span> =
        spans.iter().map(|s| Span::new(s.start.min(len), s.end.min(len))).filter(|s| !s.is_empty()).collect();
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

fn segments(units: &[Span], len: usize) -> Vec<Segment> {
    let mut out = Vec::with_capacity(units.len() * 2 + 1);
    let mut pos = 0;
    for u in units {
        if u.start > pos {
            out.push(Segment { start: pos as u64, len: (u.start - pos) as u64, unit: false });
        }
        out.push(Segment { start: u.start as u64, len: u.len() as u64, unit: true });
        pos = u.end;
    }
    if pos < len {
        out.push(Segment { start: pos as u64, len: (len - pos) as u64, unit: false });
    }
    out
}

fn delta_squared(a: Segment, b: Segment) -> f64 {
    let (ab, ae, bb, be) = (a.start as f64, (a.start + a.len) as f64, b.start as f64, (b.start + b.len) as f64);
    match (a.unit, b.unit) {
        (true, true) if a.start < b.start + b.len && b.start < a.start + a.len => (ab - bb).powi(2) + (ae - be).powi(2),
        (true, false) if bb <= ab && ae <= be => (a.len as f64).powi(2),
        (false, true) if ab <= bb && be <= ae => (b.len as f64).powi(2),
        _ => 0.0,
    }
}

/// The observed and expected disagreement (uD_o, uD_e) of one category. `coders[i]` holds
/// coder i's spans of that category (normalized here). `None` when fewer than two coders or
/// an empty continuum.
pub fn disagreements(len: usize, coders: &[Vec<Span>]) -> Option<(f64, f64)> {
    let m = coders.len();
    if m < 2 || len == 0 {
        return None;
    }
    let l = len as f64;
    let mf = m as f64;
    let continua: Vec<Vec<Segment>> = coders.iter().map(|spans| segments(&normalize(spans, len), len)).collect();

    // Observed: each pair of overlapping segments of two coders, visited once by a merge walk.
    let mut observed = 0.0;
    for i in 0..m {
        for j in i + 1..m {
            let (a, b) = (&continua[i], &continua[j]);
            let (mut p, mut q) = (0, 0);
            while p < a.len() && q < b.len() {
                observed += delta_squared(a[p], b[q]);
                let (ea, eb) = (a[p].start + a[p].len, b[q].start + b[q].len);
                if ea <= eb {
                    p += 1;
                }
                if eb <= ea {
                    q += 1;
                }
            }
        }
    }
    // Σ over ordered pairs i ≠ j is twice the sum over i < j.
    let d_o = 2.0 * observed / (mf * (mf - 1.0) * l * l);

    // Expected.
    let unit_lengths: Vec<f64> = continua.iter().flatten().filter(|s| s.unit).map(|s| s.len as f64).collect();
    let mut gaps: Vec<u64> = continua.iter().flatten().filter(|s| !s.unit).map(|s| s.len).collect();
    gaps.sort_unstable();
    // suffix[k] = Σ gaps[k..]
    let mut suffix = vec![0.0; gaps.len() + 1];
    for k in (0..gaps.len()).rev() {
        suffix[k] = suffix[k + 1] + gaps[k] as f64;
    }
    let n_units = unit_lengths.len() as f64;
    let mut numerator = 0.0;
    let mut squares = 0.0;
    for &lu in &unit_lengths {
        let within = (n_units - 1.0) / 3.0 * (2.0 * lu * lu * lu - 3.0 * lu * lu + lu);
        let first = gaps.partition_point(|&g| (g as f64) < lu);
        let count = (gaps.len() - first) as f64;
        let in_gaps = lu * lu * (suffix[first] - count * (lu - 1.0));
        numerator += within + in_gaps;
        squares += lu * (lu - 1.0);
    }
    let d_e = (2.0 / l) * numerator / (mf * l * (mf * l - 1.0) - squares);
    Some((d_o, d_e))
}

/// α_u of one category.
pub fn alpha_u(len: usize, coders: &[Vec<Span>]) -> Measure {
    alpha_u_summed(len, &[coders.to_vec()])
}

/// α_u over several categories: `categories[c][i]` holds coder i's spans of category c.
/// α_u = 1 − Σ_c uD_oc / Σ_c uD_ec.
pub fn alpha_u_summed(len: usize, categories: &[Vec<Vec<Span>>]) -> Measure {
    if len == 0 {
        return Measure::undefined("the text is empty");
    }
    let mut d_o = 0.0;
    let mut d_e = 0.0;
    for coders in categories {
        let Some((o, e)) = disagreements(len, coders) else {
            return Measure::undefined("unitizing alpha needs at least two coders");
        };
        d_o += o;
        d_e += e;
    }
    if categories.is_empty() {
        return Measure::undefined("there are no codes to compare");
    }
    if d_e <= 0.0 {
        return Measure::undefined(if d_o <= 0.0 {
            "no coder marked a passage with this code"
        } else {
            "the marked passages leave no room for chance disagreement"
        });
    }
    Measure::finite_or(1.0 - d_o / d_e, "unitizing alpha could not be computed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_spans_of_one_coder_merge_and_touching_ones_do_not() {
        let spans = [Span::new(5, 9), Span::new(0, 3), Span::new(7, 12), Span::new(3, 4), Span::new(20, 20)];
        assert_eq!(normalize(&spans, 11), vec![Span::new(0, 3), Span::new(3, 4), Span::new(5, 11)]);
    }

    proptest::proptest! {
        /// The merge walk visits every pair of segments with a non-zero δ² exactly once: the
        /// same uD_o as summing δ² over all pairs of segments of all ordered pairs of coders.
        #[test]
        fn observed_disagreement_equals_the_sum_over_all_segment_pairs(
            coders in proptest::collection::vec(
                proptest::collection::vec((0..40usize, 1..12usize), 0..5), 2..4)
        ) {
            let len = 40;
            let coders: Vec<Vec<Span>> =
                coders.iter().map(|c| c.iter().map(|&(s, l)| Span::new(s, (s + l).min(len))).collect()).collect();
            let continua: Vec<Vec<Segment>> = coders.iter().map(|c| segments(&normalize(c, len), len)).collect();
            let mut sum = 0.0;
            for (i, ci) in continua.iter().enumerate() {
                for (j, cj) in continua.iter().enumerate() {
                    if i != j {
                        sum += ci.iter().flat_map(|g| cj.iter().map(move |h| delta_squared(*g, *h))).sum::<f64>();
                    }
                }
            }
            let m = coders.len() as f64;
            let expected = sum / (m * (m - 1.0) * (len * len) as f64);
            let (d_o, _) = disagreements(len, &coders).unwrap();
            proptest::prop_assert!((d_o - expected).abs() < 1e-12, "{} vs {}", d_o, expected);
        }
    }

    #[test]
    fn continuum_alternates_gaps_and_units() {
        let segs = segments(&[Span::new(2, 4), Span::new(4, 6)], 8);
        let kinds: Vec<(u64, u64, bool)> = segs.iter().map(|s| (s.start, s.len, s.unit)).collect();
        assert_eq!(kinds, vec![(0, 2, false), (2, 2, true), (4, 2, true), (6, 2, false)]);
    }
}
