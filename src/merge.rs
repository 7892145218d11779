//! Three-way merge of two versions of one sidecar, annotation by annotation and link by link
//! (by id), for use as a git merge driver: two coders, or one coder on two machines, can work
//! on the same document in branches and merge without hand-editing RON.
//!
//! Rules, for each annotation id and each link id:
//! - added on one side (or on both, identically): kept;
//! - deleted on one side and unchanged on the other: deleted;
//! - changed on one side only: that side's version;
//! - changed on both sides differently, or changed on one and deleted on the other: both kept
//!   (the other side's version under a new id derived from the old one) and reported, so that a
//!   person settles it. Nothing is ever dropped silently. Each kept version is marked in the file
//!   (its `conflict` field: the id of the other version, or `ChangedAndDeleted`), so that the
//!   app lists them until someone keeps one.
//!
//! A link kept in the result whose end annotation was deleted on the other side (a link added
//! or changed on one side, to an annotation the other side deleted) brings that annotation back,
//! marked `ChangedAndDeleted`, and is itself marked `EndDeleted`; and the links that the deleting
//! side took away with an annotation the merge keeps marked are kept too, marked the same way,
//! so that keeping the annotation keeps all of it and deleting it deletes its links.
//!
//! The header (document, coder, done mark, codebook) merges the same way, field by field; two
//! different codebook edits keep every code of both. The result is validated as any sidecar;
//! when it is not valid (say, both sides changed the text the annotations point into), or when
//! the two versions belong to different documents, the merge fails and the driver leaves both
//! versions for a person (see `marginalia merge-driver`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use uuid::Uuid;

use crate::annotation::{Annotation, Conflict};
use crate::error::{Error, ErrorKind};
use crate::link::{Link, LinkConflict};
use crate::sidecar::{DocumentRef, Sidecar};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Annotations added on the other side and taken in.
    pub added: usize,
    /// Annotations deleted on the other side (and unchanged here) and so deleted.
    pub deleted: usize,
    /// Annotations changed on the other side only and taken from it.
    pub changed: usize,
    /// Links added on the other side and taken in.
    pub links_added: usize,
    /// Links deleted on the other side (and unchanged here) and so deleted.
    pub links_deleted: usize,
    /// Links changed on the other side only and taken from it.
    pub links_changed: usize,
    /// What a person has to settle, one sentence each; every version is in the result.
    pub conflicts: Vec<String>,
}

/// One side of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Ours,
    Theirs,
}

/// What the three-way rule decides for one id.
enum Pick<T> {
    /// As it is on our side: the same on both, or added or changed on ours only.
    Ours(T),
    /// Their version: added there (`true`) or changed there only.
    Theirs(T, bool),
    /// Deleted on that side and unchanged on the other, whose version this is.
    Deleted(T, Side),
    /// Changed differently on both sides: (ours, theirs).
    Both(T, T),
    /// Changed on that side (this version) and deleted on the other.
    ChangedAndDeleted(T, Side),
    /// Deleted on both sides.
    Gone,
}

fn pick<T: Clone + PartialEq>(base: Option<&T>, ours: Option<&T>, theirs: Option<&T>) -> Pick<T> {
    match (base, ours, theirs) {
        (_, Some(x), Some(y)) if x == y => Pick::Ours(x.clone()),
        (Some(o), Some(x), Some(y)) if x == o => Pick::Theirs(y.clone(), false),
        (Some(o), Some(x), Some(y)) if y == o => Pick::Ours(x.clone()),
        (_, Some(x), Some(y)) => Pick::Both(x.clone(), y.clone()),
        (Some(o), Some(x), None) if x == o => Pick::Deleted(x.clone(), Side::Theirs),
        (Some(_), Some(x), None) => Pick::ChangedAndDeleted(x.clone(), Side::Ours),
        (Some(o), None, Some(y)) if y == o => Pick::Deleted(y.clone(), Side::Ours),
        (Some(_), None, Some(y)) => Pick::ChangedAndDeleted(y.clone(), Side::Theirs),
        (None, Some(x), None) => Pick::Ours(x.clone()),
        (None, None, Some(y)) => Pick::Theirs(y.clone(), true),
        (_, None, None) => Pick::Gone,
    }
}

/// The id under which the other side's version of a disputed item is kept: derived from the
/// old id and that version, so that merging the same pair twice gives the same file.
fn other_id<T: serde::Serialize>(id: &Uuid, item: &T) -> Uuid {
    Uuid::new_v5(id, serde_json::to_string(item).unwrap_or_default().as_bytes())
}

fn short(id: &Uuid) -> String {
    id.to_string()[..8].to_owned()
}

fn quote(a: &Annotation) -> String {
    crate::document::excerpt(&a.exact, 40)
}

/// The ids of a side's annotations or links, each with its item.
fn by_id<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> BTreeMap<Uuid, &T> {
    items.iter().map(|x| (id(x), x)).collect()
}

/// Merges `ours` and `theirs`, two descendants of `base` (`None`: no common version).
pub fn merge(base: Option<&Sidecar>, ours: &Sidecar, theirs: &Sidecar) -> (Sidecar, MergeReport) {
    let mut report = MergeReport::default();
    let no_annotations: &[Annotation] = &[];
    let no_links: &[Link] = &[];
    let (o, a, b) = (
        by_id(base.map_or(no_annotations, |s| &s.annotations), |x| x.id),
        by_id(&ours.annotations, |x| x.id),
        by_id(&theirs.annotations, |x| x.id),
    );
    let ids: BTreeSet<Uuid> = o.keys().chain(a.keys()).chain(b.keys()).copied().collect();
    let mut kept: BTreeMap<Uuid, Annotation> = BTreeMap::new();
    // Deleted on one side and unchanged on the other: that version, and the side that deleted
    // it, in case a link kept in the result needs it back.
    let mut deleted: BTreeMap<Uuid, (Annotation, Side)> = BTreeMap::new();
    for id in &ids {
        match pick(o.get(id).copied(), a.get(id).copied(), b.get(id).copied()) {
            Pick::Ours(x) => {
                kept.insert(*id, x);
            }
            Pick::Theirs(y, added) => {
                if added {
                    report.added += 1;
                } else {
                    report.changed += 1;
                }
                kept.insert(*id, y);
            }
            Pick::Deleted(x, side) => {
                if side == Side::Theirs {
                    report.deleted += 1;
                }
                deleted.insert(*id, (x, side));
            }
            Pick::Both(x, y) => {
                let theirs_id = other_id(id, &y);
                report.conflicts.push(format!(
                    "annotation {} (\"{}\") was changed on both sides: both versions kept, theirs as {}",
                    short(id),
                    quote(&x),
                    short(&theirs_id)
                ));
                // Each version points to the other, so the app can show them as a pair.
                kept.insert(*id, Annotation { conflict: Some(Conflict::ChangedOnBothSides(theirs_id)), ..x });
                kept.insert(theirs_id, Annotation { id: theirs_id, conflict: Some(Conflict::ChangedOnBothSides(*id)), ..y });
            }
            Pick::ChangedAndDeleted(x, side) => {
                let how = match side {
                    Side::Ours => "changed here and deleted on the other side",
                    Side::Theirs => "deleted here and changed on the other side",
                };
                report.conflicts.push(format!("annotation {} (\"{}\") was {how}: kept", short(id), quote(&x)));
                kept.insert(*id, Annotation { conflict: Some(Conflict::ChangedAndDeleted), ..x });
            }
            Pick::Gone => {}
        }
    }

    let (lo, la, lb) =
        (by_id(base.map_or(no_links, |s| &s.links), |l| l.id), by_id(&ours.links, |l| l.id), by_id(&theirs.links, |l| l.id));
    let link_ids: BTreeSet<Uuid> = lo.keys().chain(la.keys()).chain(lb.keys()).copied().collect();
    let mut links: BTreeMap<Uuid, Link> = BTreeMap::new();
    let mut dropped: Vec<(Link, Side)> = Vec::new();
    for id in &link_ids {
        match pick(lo.get(id).copied(), la.get(id).copied(), lb.get(id).copied()) {
            Pick::Ours(l) => {
                links.insert(*id, l);
            }
            Pick::Theirs(l, added) => {
                if added {
                    report.links_added += 1;
                } else {
                    report.links_changed += 1;
                }
                links.insert(*id, l);
            }
            Pick::Deleted(l, side) => dropped.push((l, side)),
            Pick::Both(x, y) => {
                let theirs_id = other_id(id, &y);
                report.conflicts.push(format!(
                    "link {} was changed on both sides: both versions kept, theirs as {}",
                    short(id),
                    short(&theirs_id)
                ));
                links.insert(*id, Link { conflict: Some(LinkConflict::ChangedOnBothSides(theirs_id)), ..x });
                links.insert(theirs_id, Link { id: theirs_id, conflict: Some(LinkConflict::ChangedOnBothSides(*id)), ..y });
            }
            Pick::ChangedAndDeleted(l, side) => {
                let how = match side {
                    Side::Ours => "changed here and deleted on the other side",
                    Side::Theirs => "deleted here and changed on the other side",
                };
                report.conflicts.push(format!("link {} was {how}: kept", short(id)));
                links.insert(*id, Link { conflict: Some(LinkConflict::ChangedAndDeleted), ..l });
            }
            Pick::Gone => {}
        }
    }
    // A link in the result whose end was deleted on the other side brings that annotation back
    // for a person to settle: a link is never kept without its ends, nor dropped for want of one.
    let mut revived: BTreeSet<Uuid> = BTreeSet::new();
    for l in links.values_mut() {
        for end in [l.origin, l.target] {
            if let Some((a, side)) = deleted.remove(&end) {
                if side == Side::Theirs {
                    report.deleted -= 1;
                }
                report.conflicts.push(format!(
                    "annotation {} (\"{}\") was deleted on one side but linked to on the other: kept, with its links",
                    short(&end),
                    quote(&a)
                ));
                kept.insert(end, Annotation { conflict: Some(Conflict::ChangedAndDeleted), ..a });
                revived.insert(end);
            }
            if revived.contains(&end) && l.conflict.is_none() {
                l.conflict = Some(LinkConflict::EndDeleted(end));
            }
        }
    }
    // A link that one side deleted only because it deleted an end that the result keeps (for a
    // person to settle) stays with that annotation: keeping the annotation keeps its links.
    for (l, side) in dropped {
        let deleting = if side == Side::Ours { &a } else { &b };
        let settled_later = |end: &Uuid| {
            !deleting.contains_key(end) && kept.get(end).is_some_and(|x| x.conflict == Some(Conflict::ChangedAndDeleted))
        };
        let both_ends = kept.contains_key(&l.origin) && kept.contains_key(&l.target);
        match [l.origin, l.target].into_iter().find(settled_later) {
            Some(end) if both_ends => {
                links.insert(l.id, Link { conflict: Some(LinkConflict::EndDeleted(end)), ..l });
            }
            _ if side == Side::Theirs => report.links_deleted += 1,
            _ => {}
        }
    }

    let mut merged = ours.clone();
    let (file_name, _) = field(base.map(|s| &s.document.file_name), &ours.document.file_name, &theirs.document.file_name);
    let text = |d: &DocumentRef| (d.fingerprint.clone(), d.length);
    let ((fingerprint, length), _) =
        field(base.map(|s| text(&s.document)).as_ref(), &text(&ours.document), &text(&theirs.document));
    merged.document = DocumentRef { file_name, fingerprint, length };
    merged.coder = field(base.map(|s| &s.coder), &ours.coder, &theirs.coder).0;
    // A sidecar is one person's file: both sides carry the same id, or one side was written
    // before ids (or on another computer, where the same person had another id).
    merged.coder_id = ours.coder_id.or(theirs.coder_id);
    merged.done = field(base.map(|s| &s.done), &ours.done, &theirs.done).0;
    merged.codebook = match field(base.map(|s| &s.codebook), &ours.codebook, &theirs.codebook) {
        (_, true) => {
            report.conflicts.push("the codebook was changed on both sides: every code of both kept".to_owned());
            // The one rule by which codebooks meet: ours first, then their codes ours lacks.
            let mut book = ours.codebook.clone();
            book.merge_missing(&theirs.codebook);
            book
        }
        (book, false) => book,
    };
    merged.links = links.into_values().collect();
    merged.annotations = kept.into_values().collect();
    merged.annotations.sort_by_key(Annotation::sort_key);
    (merged, report)
}

/// One header field: the merged value, and whether both sides changed it differently (then
/// ours). Without a base, ours wins.
fn field<T: PartialEq + Clone>(base: Option<&T>, ours: &T, theirs: &T) -> (T, bool) {
    match base {
        Some(o) if ours == o => (theirs.clone(), false),
        Some(o) if theirs == o => (ours.clone(), false),
        _ => (ours.clone(), ours != theirs),
    }
}

/// Two headers name the same document when they agree on its file name or on its text (a
/// rename keeps the text, an edit keeps the name).
fn same_document(x: &DocumentRef, y: &DocumentRef) -> bool {
    x.file_name == y.file_name || x.fingerprint == y.fingerprint
}

fn describe(d: &DocumentRef) -> String {
    format!(
        "\"{}\" (fingerprint {}…)",
        crate::document::excerpt(&d.file_name, 60),
        d.fingerprint.get(..12).unwrap_or(&d.fingerprint)
    )
}

/// Refuses to merge two versions that belong to different documents (a sidecar copied over
/// another, a file of the same name for another text): the result would point into a text it
/// was not made on. Each side may rename the document or change its text, not both at once.
pub fn check_same_document(base: Option<&Sidecar>, ours: &Sidecar, theirs: &Sidecar, shown_as: &str) -> Result<(), Error> {
    let (x, y) = (&ours.document, &theirs.document);
    let each_from_base = base.is_some_and(|o| same_document(&o.document, x) && same_document(&o.document, y));
    if same_document(x, y) || each_from_base {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Sidecar,
        format!("their version is the sidecar of another document: ours belongs to {}, theirs to {}", describe(x), describe(y)),
    )
    .in_file(Path::new(shown_as))
    .hint("merging them would mix the annotations of two texts; keep the right one, and put the other beside its own document"))
}

/// Reads one version of a sidecar given to a merge driver; `None` for an empty file (git's
/// stand-in for "no common ancestor").
pub fn read_version(path: &Path, shown_as: &str) -> Result<Option<Sidecar>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read a version to merge", e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::Sidecar, format!("{shown_as}: a version is not UTF-8 text")))?;
    Sidecar::from_ron(&text, Path::new(shown_as)).map(Some)
}

/// Merges the files as git's merge driver does: `ours` is replaced by the result. Returns the
/// report; an error (a version that does not read, versions of two documents, a result that
/// is not a valid sidecar) leaves `ours` untouched.
pub fn merge_files(base: &Path, ours: &Path, theirs: &Path, shown_as: &str) -> Result<MergeReport, Error> {
    let o = read_version(base, &format!("{shown_as} (common version)"))?;
    let missing = |which: &str| {
        Error::usage(format!("{shown_as}: {which} version of the merge is empty")).hint("resolve this file by hand")
    };
    let a = read_version(ours, &format!("{shown_as} (ours)"))?.ok_or_else(|| missing("our"))?;
    let b = read_version(theirs, &format!("{shown_as} (theirs)"))?.ok_or_else(|| missing("their"))?;
    check_same_document(o.as_ref(), &a, &b, shown_as)?;
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

    fn with_links(mut s: Sidecar, links: Vec<Link>) -> Sidecar {
        s.links = links;
        s
    }

    #[test]
    fn links_merge_by_id_like_annotations() {
        let (x, y, z) = (ann(0, 9, "demand"), ann(10, 18, "opinion"), ann(31, 40, "opinion"));
        let anns = || vec![x.clone(), y.clone(), z.clone()];
        let kept = Link::new("supports", x.id, y.id, "ana");
        let gone = Link::new("attacks", y.id, z.id, "ana");
        let both = Link::new("supports", z.id, x.id, "ana");
        let base = with_links(sidecar(anns()), vec![kept.clone(), gone.clone(), both.clone()]);
        let ours_new = Link::new("responds-to", x.id, z.id, "ana");
        let theirs_new = Link::new("attacks", z.id, y.id, "ana");
        let ours =
            with_links(sidecar(anns()), vec![kept.clone(), Link { note: "ours".into(), ..both.clone() }, ours_new.clone()]);
        let theirs = with_links(
            sidecar(anns()),
            vec![kept.clone(), gone.clone(), Link { note: "theirs".into(), ..both.clone() }, theirs_new.clone()],
        );
        let (merged, report) = merge(Some(&base), &ours, &theirs);
        let by_id: BTreeMap<Uuid, &Link> = merged.links.iter().map(|l| (l.id, l)).collect();
        assert!(by_id.contains_key(&kept.id) && by_id.contains_key(&ours_new.id) && by_id.contains_key(&theirs_new.id));
        assert!(!by_id.contains_key(&gone.id), "deleted on our side, unchanged on theirs");
        let pair: Vec<&&Link> = by_id.values().filter(|l| l.conflict.is_some()).collect();
        assert_eq!(pair.len(), 2, "the link changed on both sides is kept twice: {pair:#?}");
        assert_eq!(by_id[&both.id].note, "ours");
        let LinkConflict::ChangedOnBothSides(theirs_id) = by_id[&both.id].conflict.unwrap() else { panic!() };
        assert_eq!(by_id[&theirs_id].note, "theirs");
        assert_eq!(by_id[&theirs_id].conflict, Some(LinkConflict::ChangedOnBothSides(both.id)));
        assert_eq!((report.links_added, report.links_changed, report.links_deleted), (1, 0, 0), "{report:?}");
        assert_eq!(report.conflicts.len(), 1, "{report:?}");
        let text = merged.to_ron();
        assert_eq!(Sidecar::from_ron(&text, Path::new("a.txt.annotations.ron")).unwrap(), merged);
        assert_eq!(text.matches("conflict: Some(ChangedOnBothSides(").count(), 2, "{text}");
    }

    #[test]
    fn a_link_never_loses_an_end() {
        let (x, y, z) = (ann(0, 9, "demand"), ann(10, 18, "opinion"), ann(31, 40, "opinion"));
        let old = Link::new("supports", y.id, z.id, "ana");
        let base = with_links(sidecar(vec![x.clone(), y.clone(), z.clone()]), vec![old.clone()]);
        // Ours links x to y; theirs deletes y (and with it the old link) and changes z's note.
        let new = Link::new("attacks", x.id, y.id, "ana");
        let ours = with_links(sidecar(vec![x.clone(), y.clone(), z.clone()]), vec![old.clone(), new.clone()]);
        let theirs = sidecar(vec![x.clone(), Annotation { note: "theirs".into(), ..z.clone() }]);
        let (merged, report) = merge(Some(&base), &ours, &theirs);
        let kept = merged.annotations.iter().find(|a| a.id == y.id).expect("y comes back for the new link");
        assert_eq!(kept.conflict, Some(Conflict::ChangedAndDeleted));
        let by_id: BTreeMap<Uuid, &Link> = merged.links.iter().map(|l| (l.id, l)).collect();
        assert_eq!(by_id[&new.id].conflict, Some(LinkConflict::EndDeleted(y.id)));
        assert_eq!(by_id[&old.id].conflict, Some(LinkConflict::EndDeleted(y.id)), "kept with the annotation it needs");
        assert_eq!(report.deleted, 0, "{report:?}");
        assert!(report.conflicts.iter().any(|c| c.contains("linked to on the other")), "{report:?}");
        Sidecar::from_ron(&merged.to_ron(), Path::new("a.txt.annotations.ron")).unwrap();
        // Deleting a linked annotation that the other side left alone is a clean deletion.
        let (clean, report) = merge(Some(&base), &theirs, &base);
        assert!(clean.links.is_empty() && !clean.annotations.iter().any(|a| a.id == y.id));
        assert!(report.conflicts.is_empty(), "{report:?}");
    }

    #[test]
    fn the_header_keeps_the_coder_id_and_merges_name_and_text_apart() {
        let base = sidecar(vec![]);
        let mut ours = base.clone();
        ours.document.file_name = "b.txt".into();
        let mut theirs = base.clone();
        theirs.document.fingerprint = "f".repeat(64);
        theirs.coder_id = Some(Uuid::from_u128(7));
        let (merged, _) = merge(Some(&base), &ours, &theirs);
        assert_eq!(merged.document.file_name, "b.txt");
        assert_eq!(merged.document.fingerprint, "f".repeat(64));
        assert_eq!(merged.coder_id, Some(Uuid::from_u128(7)), "kept from the side that has it");
        assert!(check_same_document(Some(&base), &ours, &theirs, "a").is_ok(), "a rename here, an edit there");
        let mut other = theirs.clone();
        other.document.file_name = "letter.md".into();
        let refused = check_same_document(Some(&base), &base, &other, "a.txt.annotations.ron").unwrap_err();
        assert!(refused.to_string().contains("\"a.txt\"") && refused.to_string().contains("\"letter.md\""), "{refused}");
        assert!(check_same_document(None, &base, &other, "a").is_err());
    }
}
