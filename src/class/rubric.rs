//! The rubric of a class: points per code and the scale a grade is given on, kept in
//! `class.ron`. A grade is computed from the rows of [`super::grade`] (so from
//! [`crate::agree::score`]); the rubric only weighs them.
//!
//! On one text, a student's grade is a share from 0 to 1:
//! - with no points set, the F1 over all codes;
//! - with points per code, the points-weighted mean of the F1 of each code that has points and
//!   that the key or the student used on that text (a code nobody used is not in play there).
//!
//! The assignment's grade is the mean over the texts; the scale turns a share into a percent
//! or a mark out of N.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::agree::ALL;

/// What a grade is given as.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum GradeScale {
    /// 0 to 100.
    #[default]
    Percent,
    /// 0 to N (e.g. 20, 10, 6).
    OutOf(f64),
}

impl GradeScale {
    /// The grade for full marks.
    pub fn max(self) -> f64 {
        match self {
            GradeScale::Percent => 100.0,
            GradeScale::OutOf(n) if n.is_finite() && n > 0.0 => n,
            GradeScale::OutOf(_) => 100.0,
        }
    }

    /// A share from 0 to 1 on this scale.
    pub fn of(self, fraction: f64) -> f64 {
        fraction.clamp(0.0, 1.0) * self.max()
    }

    /// "(%)" or "(/20)", for column headings.
    pub fn unit(self) -> String {
        match self {
            GradeScale::Percent => "(%)".to_owned(),
            GradeScale::OutOf(_) => format!("(/{})", trim_number(self.max())),
        }
    }

    /// A grade on this scale as people read it: "72 %" or "14.4 / 20".
    pub fn display(self, grade: Option<f64>) -> String {
        match (grade, self) {
            (None, _) => "n/a".to_owned(),
            (Some(g), GradeScale::Percent) => format!("{g:.0} %"),
            (Some(g), GradeScale::OutOf(_)) => {
                format!("{} / {}", trim_number((g * 10.0).round() / 10.0), trim_number(self.max()))
            }
        }
    }
}

/// "20" for 20.0, "12.5" for 12.5.
pub fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `rubric` in `class.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Rubric {
    pub scale: GradeScale,
    /// Points per code id; codes left out weigh nothing once any code has points.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub points: BTreeMap<String, f64>,
}

impl Rubric {
    pub fn is_default(&self) -> bool {
        *self == Rubric::default()
    }

    /// The points of a code (0 when it has none, or a negative or non-finite number).
    pub fn points_of(&self, code: &str) -> f64 {
        self.points.get(code).copied().filter(|p| p.is_finite() && *p > 0.0).unwrap_or(0.0)
    }

    /// Does any code have points?
    pub fn weighs_codes(&self) -> bool {
        self.points.keys().any(|c| self.points_of(c) > 0.0)
    }

    /// One student's grade on one text as a share from 0 to 1, from their F1 on that text by
    /// code (a code id, or [`ALL`]; `None` where F1 is undefined); `None` when no code with
    /// points is in play (or, without points, when F1 over all codes is undefined).
    pub fn fraction<'a>(&self, f1_by_code: impl Iterator<Item = (&'a str, Option<f64>)>) -> Option<f64> {
        let mut f1_by_code = f1_by_code;
        if !self.weighs_codes() {
            return f1_by_code.find(|(code, _)| *code == ALL).and_then(|(_, f1)| f1);
        }
        let (mut earned, mut possible) = (0.0, 0.0);
        for (code, f1) in f1_by_code.filter(|(code, _)| *code != ALL) {
            let p = self.points_of(code);
            if let (true, Some(f1)) = (p > 0.0, f1) {
                earned += p * f1;
                possible += p;
            }
        }
        (possible > 0.0).then(|| earned / possible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, f1: Option<f64>) -> (&str, Option<f64>) {
        (code, f1)
    }

    #[test]
    fn points_weigh_the_codes_in_play_and_the_scale_sets_the_maximum() {
        let rows = [row(ALL, Some(0.5)), row("demand", Some(1.0)), row("opinion", Some(0.0))];
        assert_eq!(Rubric::default().fraction(rows.iter().copied()), Some(0.5), "no points: F1 over all codes");
        let mut rubric = Rubric { scale: GradeScale::OutOf(20.0), points: BTreeMap::new() };
        rubric.points.insert("demand".into(), 3.0);
        rubric.points.insert("opinion".into(), 1.0);
        // A code with points that nobody used on the text is not in play.
        rubric.points.insert("prediction".into(), 5.0);
        let f = rubric.fraction(rows.iter().copied()).unwrap();
        assert!((f - 0.75).abs() < 1e-12, "{f}");
        assert!((rubric.scale.of(f) - 15.0).abs() < 1e-12);
        assert_eq!(rubric.scale.display(Some(15.0)), "15 / 20");
        assert_eq!(GradeScale::Percent.display(Some(72.4)), "72 %");
        // Negative points weigh nothing.
        rubric.points.insert("opinion".into(), -4.0);
        assert_eq!(rubric.fraction(rows.iter().copied()), Some(1.0));
    }
}
