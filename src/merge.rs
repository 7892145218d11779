//! Three-way merge of two versions of one sidecar, annotation by annotation (by id), for use as
//! a git merge driver: two coders, or one coder on two machines, can work on the same
//! document in branches and merge without hand-editing RON.
//!
//! Rules, for each annotation id:
//! - added on one side (or on both, identically): kept;
//! - deleted on one side and unchanged on the other: deleted;
//! - changed on one side only: that side's version;
//! - changed on both sides differently, or changed on one and deleted on the other: both kept
//!   (the other side's version under a new id derived from the old one) and reported, so that a
//!   person settles it. Nothing is ever dropped silently. Each kept version is marked in the file
//!   (its `conflict` field: the id of the other version, or `ChangedAndDeleted`), so that the
//!   app lists them until someone keeps one.
//!
//! The header (document, coder, done mark, codebook) merges the same way, field by field; two
//! different codebook edits keep every code of both. The result is validated as any sidecar;
//! when it is not valid (say, both sides changed the text the annotations point into) the merge
//! fails and git falls back to a conflict.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use uuid::Uuid;

use crate::annotation::{Annotation, Conflict};
use crate::error::Error;
use crate::sidecar::Sidecar;

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Annotations added on the other side and taken in.
    pub added: usize,
    /// Annotations deleted on one side and so deleted.
    pub deleted: usize,
    /// Annotations changed on one side and taken from it.
    pub changed: usize,
    /// What both sides changed differently, one sentence each; both versions are in the result.
    pub conflicts: Vec<String>,
}

/// The id under which the other side's version of a disputed annotation is kept: derived from
/// the old id and that version, so that merging the same pair twice gives the same file.
fn other_id(a: &Annotation) -> Uuid {
    Uuid::new_v5(&a.id, serde_json::to_string(a).unwrap_or_default().as_bytes())
}

/// Merges `ours` and `theirs`, two descendants of `base` (`None`: no common version).
pub fn merge(base: Option<&Sidecar>, ours: &Sidecar, theirs: &Sidecar) -> (Sidecar, MergeReport) {
    let mut report = MergeReport::default();
    let index = |s: Option<&Sidecar>| -> BTreeMap<Uuid, Annotation> {
        s.map(|s| s.annotations.iter().map(|a| (a.id, a.clone())).collect()).unwrap_or_default()
    };
    let (o, a, b) = (index(base), index(Some(ours)), index(Some(theirs)));
    let ids: BTreeSet<Uuid> = o.keys().chain(a.keys()).chain(b.keys()).copied().collect();
    let mut out: Vec<Annotation> = Vec::new();
    let short = |id: &Uuid| id.to_string()[..8].to_owned();
    for id in &ids {
        match (o.get(id), a.get(id), b.get(id)) {
            (_, Some(x), Some(y)) if x == y => out.push(x.clone()),
            (Some(base), Some(x), Some(y)) if x == base => {
                report.changed += 1;
                out.push(y.clone());
            }
            (Some(base), Some(x), Some(y)) if y == base => {
                out.push(x.clone());
            }
            (_, Some(x), Some(y)) => {
                report.conflicts.push(format!(
                    "annotation {} (\"{}\") was changed on both sides: both versions kept, theirs as {}",
                    short(id),
                    crate::document::excerpt(&x.exact, 40),
                    short(&other_id(y))
                ));
                // Each version points to the other, so the app can show them as a pair.
                let theirs_id = other_id(y);
                out.push(Annotation { conflict: Some(Conflict::ChangedOnBothSides(theirs_id)), ..x.clone() });
                out.push(Annotation { id: theirs_id, conflict: Some(Conflict::ChangedOnBothSides(x.id)), ..y.clone() });
            }
            (Some(base), Some(x), None) => {
                if x == base {
                    report.deleted += 1;
                } else {
                    report.conflicts.push(format!(
                        "annotation {} (\"{}\") was changed here and deleted on the other side: kept",
                        short(id),
                        crate::document::excerpt(&x.exact, 40)
                    ));
                    out.push(Annotation { conflict: Some(Conflict::ChangedAndDeleted), ..x.clone() });
                }
            }
            (Some(base), None, Some(y)) => {
                if y != base {
                    report.conflicts.push(format!(
                        "annotation {} (\"{}\") was deleted here and changed on the other side: kept",
                        short(id),
                        crate::document::excerpt(&y.exact, 40)
                    ));
                    out.push(Annotation { conflict: Some(Conflict::ChangedAndDeleted), ..y.clone() });
                }
            }
            (None, Some(x), None) => out.push(x.clone()),
            (None, None, Some(y)) => {
                report.added += 1;
                out.push(y.clone());
            }
            (_, None, None) => {}
        }
    }
    let document = take_theirs(base.map(|s| &s.document), &ours.document, &theirs.document).0;
    let document = if document { theirs.document.clone() } else { ours.document.clone() };
    let coder = if take_theirs(base.map(|s| &s.coder), &ours.coder, &theirs.coder).0 { &theirs.coder } else { &ours.coder };
    let done = if take_theirs(base.map(|s| &s.done), &ours.done, &theirs.done).0 { theirs.done } else { ours.done };
    let codebook = match take_theirs(base.map(|s| &s.codebook), &ours.codebook, &theirs.codebook) {
        (true, _) => theirs.codebook.clone(),
        (false, true) => {
            report.conflicts.push("the codebook was changed on both sides: every code of both kept".to_owned());
            // The one rule by which codebooks meet: ours first, then their codes ours lacks.
            let mut book = ours.codebook.clone();
            book.merge_missing(&theirs.codebook);
            book
        }
        (false, false) => ours.codebook.clone(),
    };
    let mut merged = Sidecar::new(document, coder, codebook, out);
    merged.done = done;
    (merged, report)
}

/// For one field: (take theirs, both sides changed it differently). Without a base, ours wins.
fn take_theirs<T: PartialEq>(base: Option<&T>, ours: &T, theirs: &T) -> (bool, bool) {
    match base {
        Some(o) if ours == o => (ours != theirs, false),
        Some(o) if theirs == o => (false, false),
        _ => (false, ours != theirs),
    }
}

/// Reads one version of a sidecar given to a merge driver; `None` for an empty file (git's
/// stand-in for "no common ancestor").
pub fn read_version(path: &Path, shown_as: &str) -> Result<Option<Sidecar>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read a version to merge", e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(crate::error::ErrorKind::Sidecar, format!("{shown_as}: a version is not UTF-8 text")))?;
    Sidecar::from_ron(&text, Path::new(shown_as)).map(Some)
}

/// Merges the files as git's merge driver does: `ours` is replaced by the result. Returns the
/// report; an error leaves `ours` untouched.
pub fn merge_files(base: &Path, ours: &Path, theirs: &Path, shown_as: &str) -> Result<MergeReport, Error> {
    let o = read_version(base, shown_as)?;
    let missing = || Error::usage(format!("{shown_as}: one side of the merge is empty")).hint("resolve this file by hand");
    let a = read_version(ours, shown_as)?.ok_or_else(missing)?;
    let b = read_version(theirs, shown_as)?.ok_or_else(missing)?;
    let (merged, report) = merge(o.as_ref(), &a, &b);
    let text = merged.to_ron();
    // The result must read back as a valid sidecar before it replaces anything.
    Sidecar::from_ron(&text, Path::new(shown_as)).map_err(|e| Error {
        hint: Some("the two versions cannot be merged annotation by annotation; resolve the file by hand".into()),
        ..e
    })?;
    std::fs::write(ours, text).map_err(|e| Error::io(ours, "cannot write the merged sidecar", e))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Codebook;
    use crate::document::{Document, Span};
    use crate::sidecar::DocumentRef;

    const TEXT: &str = "The ferry must run every hour. Residents want cheaper fares.";

    fn doc() -> Document {
        Document::from_text(TEXT)
    }

    fn sidecar(annotations: Vec<Annotation>) -> Sidecar {
        let d = doc();
        let r = DocumentRef { file_name: "a.txt".into(), fingerprint: d.fingerprint().into(), length: d.len_chars() };
        Sidecar::new(r, "ana", Codebook::default(), annotations)
    }

    fn ann(start: usize, end: usize, code: &str) -> Annotation {
        Annotation::new(&doc(), Span::new(start, end), code, "ana")
    }

    #[test]
    fn each_rule_of_the_merge() {
        let kept = ann(0, 9, "demand");
        let deleted_theirs = ann(10, 18, "demand");
        let changed_ours = ann(19, 29, "demand");
        let changed_theirs = ann(31, 40, "opinion");
        let deleted_but_changed = ann(41, 47, "opinion");
        let base = sidecar(vec![
            kept.clone(),
            deleted_theirs.clone(),
            changed_ours.clone(),
            changed_theirs.clone(),
            deleted_but_changed.clone(),
        ]);
        let added_ours = ann(0, 3, "opinion");
        let added_theirs = ann(48, 60, "demand");
        let ours = sidecar(vec![
            kept.clone(),
            deleted_theirs.clone(),
            Annotation { note: "ours".into(), ..changed_ours.clone() },
            changed_theirs.clone(),
            Annotation { code: "demand".into(), ..deleted_but_changed.clone() },
            added_ours.clone(),
        ]);
        let theirs = sidecar(vec![
            kept.clone(),
            changed_ours.clone(),
            Annotation { note: "theirs".into(), ..changed_theirs.clone() },
            added_theirs.clone(),
        ]);
        let (merged, report) = merge(Some(&base), &ours, &theirs);
        let by_id: BTreeMap<Uuid, &Annotation> = merged.annotations.iter().map(|a| (a.id, a)).collect();
        assert!(by_id.contains_key(&kept.id));
        assert!(!by_id.contains_key(&deleted_theirs.id), "deleted on their side, unchanged on ours");
        assert_eq!(by_id[&changed_ours.id].note, "ours");
        assert_eq!(by_id[&changed_theirs.id].note, "theirs");
        assert_eq!(by_id[&deleted_but_changed.id].code, "demand", "changed here, deleted there: kept");
        assert_eq!(by_id[&deleted_but_changed.id].conflict, Some(Conflict::ChangedAndDeleted));
        let marked = merged.annotations.iter().filter(|a| a.conflict.is_some()).count();
        assert_eq!(marked, 1, "only the disputed annotation is marked");
        assert!(by_id.contains_key(&added_ours.id) && by_id.contains_key(&added_theirs.id));
        assert_eq!(merged.annotations.len(), 6);
        assert_eq!((report.added, report.deleted, report.changed, report.conflicts.len()), (1, 1, 1, 1), "{report:?}");
        // The same merge from the other side keeps the same annotations.
        let (other, _) = merge(Some(&base), &theirs, &ours);
        let ids = |s: &Sidecar| s.annotations.iter().map(|a| a.id).collect::<BTreeSet<_>>();
        assert_eq!(ids(&other), ids(&merged));
    }

    #[test]
    fn an_annotation_changed_on_both_sides_is_kept_twice() {
        let a = ann(0, 9, "demand");
        let base = sidecar(vec![a.clone()]);
        let ours = sidecar(vec![Annotation { note: "one".into(), ..a.clone() }]);
        let theirs = sidecar(vec![Annotation { note: "two".into(), ..a.clone() }]);
        let (merged, report) = merge(Some(&base), &ours, &theirs);
        let notes: Vec<&str> = merged.annotations.iter().map(|x| x.note.as_str()).collect();
        assert_eq!(merged.annotations.len(), 2);
        assert!(notes.contains(&"one") && notes.contains(&"two"));
        assert_eq!(report.conflicts.len(), 1);
        assert!(report.conflicts[0].contains("changed on both sides"));
        // Both versions are marked in the file, each pointing to the other.
        let (x, y) = (&merged.annotations[0], &merged.annotations[1]);
        assert_eq!(x.conflict, Some(Conflict::ChangedOnBothSides(y.id)));
        assert_eq!(y.conflict, Some(Conflict::ChangedOnBothSides(x.id)));
        let text = merged.to_ron();
        assert_eq!(text.matches("conflict: Some(ChangedOnBothSides(").count(), 2, "{text}");
        assert_eq!(Sidecar::from_ron(&text, Path::new("a.txt.annotations.ron")).unwrap(), merged);
        // Merging again gives the same file.
        assert_eq!(merge(Some(&base), &ours, &theirs).0.to_ron(), merged.to_ron());
    }
}
