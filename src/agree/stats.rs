//! Chance-corrected agreement coefficients over weighted units of nominal data: Cohen's kappa
//! (Cohen 1960), Fleiss' kappa (Fleiss 1971) and Krippendorff's alpha for nominal data
//! (Krippendorff 2004, 2011).
//!
//! A [`Unit`] is one thing the coders classified, with a weight: in a document a unit is a run
//! of code points that every coder labelled the same way, and its weight is the run's length,
//! which gives exactly the result of counting each code point as its own unit. Categories are
//! plain indexes; `None` is a missing value (the coder did not judge that unit).
//!
//! Nothing here returns NaN: a coefficient that is undefined for the data is a
//! [`Measure::Undefined`] with the reason.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// A statistic's value, or the reason it has none for these data.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Value(f64),
    Undefined(String),
}

impl Measure {
    pub fn undefined(reason: impl Into<String>) -> Self {
        Measure::Undefined(reason.into())
    }
    /// A value, unless it is not finite (then undefined with `reason`).
    pub fn finite_or(value: f64, reason: &str) -> Self {
        if value.is_finite() { Measure::Value(value) } else { Measure::undefined(reason) }
    }
    pub fn value(&self) -> Option<f64> {
        match self {
            Measure::Value(v) => Some(*v),
            Measure::Undefined(_) => None,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Measure::Value(_) => None,
            Measure::Undefined(r) => Some(r),
        }
    }
    pub fn is_defined(&self) -> bool {
        matches!(self, Measure::Value(_))
    }
    /// The value with `decimals` decimals, or "n/a".
    pub fn display(&self, decimals: usize) -> String {
        match self {
            Measure::Value(v) => format!("{v:.decimals$}"),
            Measure::Undefined(_) => "n/a".to_owned(),
        }
    }
}

/// Serialized as a number, or `null` when undefined (the reason is reported beside it).
impl Serialize for Measure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Measure::Value(v) => s.serialize_f64(*v),
            Measure::Undefined(_) => s.serialize_none(),
        }
    }
}

/// One unit of analysis: its weight (how many identical units it stands for) and each
/// coder's category, `None` where that coder gave no value.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub weight: f64,
    pub values: Vec<Option<usize>>,
}

impl Unit {
    pub fn new(weight: f64, values: Vec<Option<usize>>) -> Self {
        Self { weight, values }
    }
}

/// Cohen's kappa between coders `a` and `b` (indexes into [`Unit::values`]), over the units
/// both coded: κ = (p_o − p_e) / (1 − p_e), with p_o the observed proportion of agreement and
/// p_e = Σ_k p_a(k)·p_b(k) from each coder's own marginal proportions (Cohen 1960).
pub fn cohen_kappa(units: &[Unit], a: usize, b: usize) -> Measure {
    let mut total = 0.0;
    let mut agree = 0.0;
    let mut marg_a: BTreeMap<usize, f64> = BTreeMap::new();
    let mut marg_b: BTreeMap<usize, f64> = BTreeMap::new();
    for u in units {
        let (Some(Some(x)), Some(Some(y))) = (u.values.get(a), u.values.get(b)) else { continue };
        if u.weight <= 0.0 {
            continue;
        }
        total += u.weight;
        if x == y {
            agree += u.weight;
        }
        *marg_a.entry(*x).or_default() += u.weight;
        *marg_b.entry(*y).or_default() += u.weight;
    }
    if total <= 0.0 {
        return Measure::undefined("no unit was coded by both coders");
    }
    let chance: f64 = marg_a.iter().map(|(k, na)| na * marg_b.get(k).copied().unwrap_or(0.0)).sum::<f64>() / (total * total);
    let observed_disagreement = 1.0 - agree / total;
    let expected_disagreement = 1.0 - chance;
    if expected_disagreement <= 0.0 {
        return Measure::undefined("both coders used one and the same category throughout, so chance agreement is total");
    }
    Measure::finite_or(1.0 - observed_disagreement / expected_disagreement, "kappa could not be computed")
}

/// Fleiss' kappa from a table of counts: each row is a unit's weight and how many raters put
/// it in each category. Every row must have the same number of raters n ≥ 2 (Fleiss 1971):
/// P_i = (Σ_j n_ij² − n) / (n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N·n), P̄_e = Σ_j p_j²,
/// κ = (P̄ − P̄_e) / (1 − P̄_e).
pub fn fleiss_kappa_counts(rows: &[(f64, Vec<f64>)]) -> Measure {
    let rows: Vec<&(f64, Vec<f64>)> = rows.iter().filter(|(w, _)| *w > 0.0).collect();
    let Some((_, first)) = rows.first() else { return Measure::undefined("there are no units") };
    let n: f64 = first.iter().sum();
    if n < 2.0 {
        return Measure::undefined("Fleiss' kappa needs at least two coders");
    }
    let width = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let mut total_weight = 0.0;
    let mut p_bar = 0.0;
    let mut per_category = vec![0.0; width];
    for (w, counts) in &rows {
        let raters: f64 = counts.iter().sum();
        if (raters - n).abs() > 1e-9 {
            return Measure::undefined("Fleiss' kappa needs the same number of coders for every unit");
        }
        total_weight += w;
        let squares: f64 = counts.iter().map(|c| c * c).sum();
        p_bar += w * (squares - n) / (n * (n - 1.0));
        for (j, c) in counts.iter().enumerate() {
            per_category[j] += w * c;
        }
    }
    p_bar /= total_weight;
    let p_e: f64 = per_category.iter().map(|s| s / (total_weight * n)).map(|p| p * p).sum();
    if 1.0 - p_e <= 0.0 {
        return Measure::undefined("every coder used one and the same category throughout, so chance agreement is total");
    }
    Measure::finite_or((p_bar - p_e) / (1.0 - p_e), "kappa could not be computed")
}

/// Fleiss' kappa over the units every coder coded (units with a missing value are left out).
pub fn fleiss_kappa(units: &[Unit]) -> Measure {
    let m = units.first().map_or(0, |u| u.values.len());
    if m < 2 {
        return Measure::undefined("Fleiss' kappa needs at least two coders");
    }
    let (index, width) = category_index(units);
    let rows: Vec<(f64, Vec<f64>)> = units
        .iter()
        .filter(|u| u.values.iter().all(Option::is_some))
        .map(|u| {
            let mut counts = vec![0.0; width];
            for v in u.values.iter().flatten() {
                counts[index[v]] += 1.0;
            }
            (u.weight, counts)
        })
        .collect();
    fleiss_kappa_counts(&rows)
}

/// Krippendorff's alpha for nominal data, any number of coders, missing values allowed
/// (Krippendorff 2004, 2011). Units with fewer than two values are not pairable and are
/// left out. From the coincidence matrix o_ck = Σ_u (number of c–k pairs in u) / (m_u − 1),
/// n_c = Σ_k o_ck and n = Σ_c n_c:
/// α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k.
pub fn krippendorff_alpha_nominal(units: &[Unit]) -> Measure {
    let (index, width) = category_index(units);
    let mut coincidence = vec![vec![0.0; width]; width];
    let mut counts = vec![0.0; width];
    for u in units {
        if u.weight <= 0.0 {
            continue;
        }
        counts.iter_mut().for_each(|c| *c = 0.0);
        let mut m_u = 0.0;
        for v in u.values.iter().flatten() {
            counts[index[v]] += 1.0;
            m_u += 1.0;
        }
        if m_u < 2.0 {
            continue;
        }
        for c in 0..width {
            if counts[c] == 0.0 {
                continue;
            }
            for k in 0..width {
                let pairs = if c == k { counts[c] * (counts[c] - 1.0) } else { counts[c] * counts[k] };
                coincidence[c][k] += u.weight * pairs / (m_u - 1.0);
            }
        }
    }
    let n_c: Vec<f64> = coincidence.iter().map(|row| row.iter().sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n <= 0.0 {
        return Measure::undefined("no unit has values from two coders");
    }
    let observed: f64 = n - (0..width).map(|c| coincidence[c][c]).sum::<f64>();
    let expected: f64 = n * n - n_c.iter().map(|x| x * x).sum::<f64>();
    if expected <= 0.0 {
        return Measure::undefined("only one category was used, so there is no variation to agree on");
    }
    Measure::finite_or(1.0 - (n - 1.0) * observed / expected, "alpha could not be computed")
}

/// Dense indexes for the categories that occur, in ascending order of category.
fn category_index(units: &[Unit]) -> (BTreeMap<usize, usize>, usize) {
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for v in units.iter().flat_map(|u| u.values.iter().flatten()) {
        seen.insert(*v, 0);
    }
    let width = seen.len();
    for (i, slot) in seen.values_mut().enumerate() {
        *slot = i;
    }
    (seen, width)
}

/// F1 of two sets of `a_count` and `b_count` items of which `matched` were paired one-to-one:
/// 2·matched / (a_count + b_count). Symmetric: precision with one set as reference is recall
/// with the other.
pub fn f1(matched: usize, a_count: usize, b_count: usize) -> Measure {
    if a_count + b_count == 0 {
        return Measure::undefined("neither coder marked a passage with this code");
    }
    Measure::Value(2.0 * matched as f64 / (a_count + b_count) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(rows: &[&[Option<usize>]]) -> Vec<Unit> {
        rows.iter().map(|r| Unit::new(1.0, r.to_vec())).collect()
    }

    #[test]
    fn weights_count_like_repeated_units() {
        let weighted = vec![Unit::new(3.0, vec![Some(0), Some(0)]), Unit::new(2.0, vec![Some(1), Some(0)])];
        let repeated =
            units(&[&[Some(0), Some(0)], &[Some(0), Some(0)], &[Some(0), Some(0)], &[Some(1), Some(0)], &[Some(1), Some(0)]]);
        assert_eq!(cohen_kappa(&weighted, 0, 1), cohen_kappa(&repeated, 0, 1));
        assert_eq!(krippendorff_alpha_nominal(&weighted), krippendorff_alpha_nominal(&repeated));
        assert_eq!(fleiss_kappa(&weighted), fleiss_kappa(&repeated));
    }

    #[test]
    fn degenerate_data_are_undefined_not_nan() {
        let same = units(&[&[Some(2), Some(2)], &[Some(2), Some(2)]]);
        assert!(cohen_kappa(&same, 0, 1).reason().unwrap().contains("same category"));
        assert!(krippendorff_alpha_nominal(&same).reason().unwrap().contains("one category"));
        assert!(fleiss_kappa(&same).reason().is_some());
        assert!(cohen_kappa(&[], 0, 1).reason().is_some());
        assert!(krippendorff_alpha_nominal(&[]).reason().is_some());
        assert!(fleiss_kappa(&[]).reason().is_some());
        let lonely = units(&[&[Some(1), None], &[None, Some(0)]]);
        assert!(krippendorff_alpha_nominal(&lonely).reason().unwrap().contains("two coders"));
    }
}
