//! The git merge driver fuzzed with generated three-way histories: a common version built by
//! random edits (annotations and links added, changed, deleted, as the app makes them), then
//! two sides edited on from it independently, often touching the same annotations and links.
//!
//! Properties, for every history:
//! - nothing either side added or changed is missing from the result (a version both sides
//!   changed is there under a new id, marked as a conflict);
//! - only what one side deleted and the other left unchanged is left out, and only what came
//!   from a side is in;
//! - the result always loads as a valid sidecar, through the driver's files as well;
//! - merging is symmetric up to which version of a disputed item keeps the old id;
//! - the driver's counts and exit code match what it did.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use marginalia::document::{Document, Span};
use marginalia::link::LinkConflict;
use marginalia::sidecar::{DocumentRef, Sidecar};
use marginalia::{Annotation, Codebook, Conflict, Link};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

const TEXT: &str = "The ferry must run every hour. Residents want cheaper fares 🚢. \
The board will decide in March, and Quay Street will be empty by 2030.\n";
const CODES: [&str; 4] = ["demand", "opinion", "prediction", "factual-assertion"];
const LINK_TYPES: [&str; 3] = ["supports", "attacks", "responds-to"];
/// Few values, so that two sides sometimes make the same change.
const NOTES: [&str; 3] = ["", "check this", "the board said so"];
const TIME: &str = "2026-01-31T12:00:00Z";

#[derive(Debug, Clone)]
enum Op {
    Add { at: Index, len: Index, code: Index },
    Delete(Index),
    Note(Index, Index),
    Code(Index, Index),
    Link { from: Index, to: Index, kind: Index },
    Unlink(Index),
    LinkNote(Index, Index),
    LinkType(Index, Index),
    Done(bool),
}

fn add() -> impl Strategy<Value = Op> {
    (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(at, len, code)| Op::Add { at, len, code })
}

fn link() -> impl Strategy<Value = Op> {
    (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(from, to, kind)| Op::Link { from, to, kind })
}

/// Any edit, weighted towards changing what is there, so that the sides often meet.
fn op() -> impl Strategy<Value = Op> {
    let i = any::<Index>;
    prop_oneof![
        2 => add(),
        2 => i().prop_map(Op::Delete),
        3 => (i(), i()).prop_map(|(a, n)| Op::Note(a, n)),
        2 => (i(), i()).prop_map(|(a, c)| Op::Code(a, c)),
        3 => link(),
        2 => i().prop_map(Op::Unlink),
        3 => (i(), i()).prop_map(|(l, n)| Op::LinkNote(l, n)),
        2 => (i(), i()).prop_map(|(l, t)| Op::LinkType(l, t)),
        1 => any::<bool>().prop_map(Op::Done),
    ]
}

fn doc() -> Document {
    Document::from_text(TEXT)
}

fn empty() -> Sidecar {
    let d = doc();
    let r = DocumentRef { file_name: "speech.txt".into(), fingerprint: d.fingerprint().into(), length: d.len_chars() };
    Sidecar::new(r, "ana", Codebook::default(), Vec::new())
}

/// Applies edits as the app makes them (deleting an annotation deletes its links); new ids
/// are `side`'s own, so that two sides never make the same id.
fn edit(s: &mut Sidecar, ops: &[Op], side: u64) {
    let d = doc();
    let mut n = 0u64;
    let mut new_id = || {
        n += 1;
        Uuid::from_u64_pair(side, n)
    };
    for op in ops {
        match op {
            Op::Add { at, len, code } => {
                let total = d.len_chars();
                let start = at.index(total - 1);
                let end = start + 1 + len.index((total - start).min(40));
                let mut a = Annotation::new(&d, Span::new(start, end.min(total)), CODES[code.index(CODES.len())], "ana");
                (a.id, a.created, a.modified) = (new_id(), TIME.into(), TIME.into());
                s.annotations.push(a);
            }
            Op::Delete(i) if !s.annotations.is_empty() => {
                let gone = s.annotations.remove(i.index(s.annotations.len())).id;
                s.links.retain(|l| l.origin != gone && l.target != gone);
            }
            Op::Note(i, note) if !s.annotations.is_empty() => {
                let k = i.index(s.annotations.len());
                s.annotations[k].note = note.get(&NOTES).to_string();
            }
            Op::Code(i, code) if !s.annotations.is_empty() => {
                let k = i.index(s.annotations.len());
                s.annotations[k].code = code.get(&CODES).to_string();
            }
            Op::Link { from, to, kind } if s.annotations.len() >= 2 => {
                let from = from.index(s.annotations.len());
                let to = (from + 1 + to.index(s.annotations.len() - 1)) % s.annotations.len();
                let mut l =
                    Link::new(LINK_TYPES[kind.index(LINK_TYPES.len())], s.annotations[from].id, s.annotations[to].id, "ana");
                (l.id, l.created, l.modified) = (new_id(), TIME.into(), TIME.into());
                s.links.push(l);
            }
            Op::Unlink(i) if !s.links.is_empty() => {
                s.links.remove(i.index(s.links.len()));
            }
            Op::LinkNote(i, note) if !s.links.is_empty() => {
                let k = i.index(s.links.len());
                s.links[k].note = note.get(&NOTES).to_string();
            }
            Op::LinkType(i, kind) if !s.links.is_empty() => {
                let k = i.index(s.links.len());
                s.links[k].link_type = kind.get(&LINK_TYPES).to_string();
            }
            Op::Done(done) => s.done = *done,
            _ => {}
        }
    }
    // What a side hands the driver is what it saved.
    *s = Sidecar::from_ron(&s.to_ron(), Path::new("speech.txt.annotations.ron")).expect("a side is a valid sidecar");
}

fn history() -> impl Strategy<Value = (Sidecar, Sidecar, Sidecar)> {
    let ops = |n| proptest::collection::vec(op(), 0..n);
    // The common version has a few annotations and links, and sometimes more edits.
    let common = (proptest::collection::vec(add(), 0..7), proptest::collection::vec(link(), 0..6), ops(6));
    (common, ops(10), ops(10)).prop_map(|((adds, links, more), mine, yours)| {
        let mut base = empty();
        edit(&mut base, &[adds, links, more].concat(), 1);
        let (mut ours, mut theirs) = (base.clone(), base.clone());
        edit(&mut ours, &mine, 2);
        edit(&mut theirs, &yours, 3);
        (base, ours, theirs)
    })
}

/// An annotation or a link, as the properties see both.
trait Item: Clone + PartialEq + serde::Serialize {
    fn id(&self) -> Uuid;
    /// The id of the other version, when the merge kept both.
    fn pair(&self) -> Option<Uuid>;
    /// The mark, as text that does not depend on which version kept the old id.
    fn mark(&self) -> Option<String>;
    /// The same item without its id and mark.
    fn content(&self) -> Self;
}

impl Item for Annotation {
    fn id(&self) -> Uuid {
        self.id
    }
    fn pair(&self) -> Option<Uuid> {
        match self.conflict {
            Some(Conflict::ChangedOnBothSides(other)) => Some(other),
            _ => None,
        }
    }
    fn mark(&self) -> Option<String> {
        self.conflict.map(|c| match c {
            Conflict::ChangedOnBothSides(_) => "both".to_owned(),
            other => format!("{other:?}"),
        })
    }
    fn content(&self) -> Self {
        Annotation { id: Uuid::nil(), conflict: None, ..self.clone() }
    }
}

impl Item for Link {
    fn id(&self) -> Uuid {
        self.id
    }
    fn pair(&self) -> Option<Uuid> {
        match self.conflict {
            Some(LinkConflict::ChangedOnBothSides(other)) => Some(other),
            _ => None,
        }
    }
    fn mark(&self) -> Option<String> {
        self.conflict.map(|c| match c {
            LinkConflict::ChangedOnBothSides(_) => "both".to_owned(),
            other => format!("{other:?}"),
        })
    }
    fn content(&self) -> Self {
        Link { id: Uuid::nil(), conflict: None, ..self.clone() }
    }
}

fn index<T: Item>(items: &[T]) -> BTreeMap<Uuid, &T> {
    items.iter().map(|x| (x.id(), x)).collect()
}

/// The properties for one kind of item (annotations or links). `what` names it in messages.
fn check_items<T: Item + std::fmt::Debug>(what: &str, base: &[T], ours: &[T], theirs: &[T], merged: &[T]) {
    let (o, a, b, m) = (index(base), index(ours), index(theirs), index(merged));
    assert_eq!(m.len(), merged.len(), "{what}: no id twice in the result");
    // Everything a side added or changed is in the result: under its id, or (the second of
    // two versions) under a new id, marked as the pair of the old one.
    for (side, items) in [("ours", &a), ("theirs", &b)] {
        for (id, x) in items.iter() {
            if o.get(id) == Some(x) {
                continue;
            }
            let found = merged.iter().any(|y| (y.id() == *id || y.pair() == Some(*id)) && y.content() == x.content());
            assert!(found, "{what} {id} as {side} made it is missing from the result: {x:#?}\nresult: {merged:#?}");
        }
    }
    // What is left out was deleted on one side and left as it was on the other.
    for id in a.keys().chain(b.keys()) {
        if !m.contains_key(id) {
            let deleted_here_unchanged_there = match (a.get(id), b.get(id)) {
                (Some(x), None) | (None, Some(x)) => o.get(id) == Some(x),
                _ => false,
            };
            assert!(deleted_here_unchanged_there, "{what} {id} was dropped although no side deleted it as it was");
        }
    }
    // Only what came from a side is in the result; an unmarked item is one side's version.
    for y in merged {
        let from_a_side = [&a, &b]
            .iter()
            .any(|side| side.values().any(|x| x.content() == y.content() && (x.id() == y.id() || y.pair() == Some(x.id()))));
        assert!(from_a_side, "{what} {} came from neither side: {y:#?}", y.id());
        if y.mark().is_none() {
            assert!(a.get(&y.id()) == Some(&y) || b.get(&y.id()) == Some(&y), "{what} {} is changed but unmarked", y.id());
        }
    }
}

/// The result with each disputed item under the id it had before the merge, as sorted text:
/// equal for a merge and the same merge with the sides swapped.
fn normal<T: Item>(items: &[T], inputs: &BTreeSet<Uuid>) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|x| {
            let id = match x.pair() {
                Some(other) if !inputs.contains(&x.id()) => other,
                _ => x.id(),
            };
            format!("{id} {:?} {}", x.mark(), serde_json::to_string(&x.content()).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn ids_of(sides: [&Sidecar; 3]) -> BTreeSet<Uuid> {
    sides.iter().flat_map(|s| s.annotations.iter().map(|a| a.id).chain(s.links.iter().map(|l| l.id))).collect()
}

/// Ids in `side` but in neither `base` nor `other`.
fn new_on(side: &[Uuid], base: &[Uuid], other: &[Uuid]) -> usize {
    side.iter().filter(|id| !base.contains(id) && !other.contains(id)).count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_the_result_loads_and_the_sides_are_interchangeable((base, ours, theirs) in history()) {
        let (merged, report) = marginalia::merge::merge(Some(&base), &ours, &theirs);
        check_items("annotation", &base.annotations, &ours.annotations, &theirs.annotations, &merged.annotations);
        check_items("link", &base.links, &ours.links, &theirs.links, &merged.links);

        // It loads as it is written, and writing it again gives the same bytes.
        let text = merged.to_ron();
        let loaded = Sidecar::from_ron(&text, Path::new("speech.txt.annotations.ron"))
            .unwrap_or_else(|e| panic!("the result does not load: {e}\n{text}"));
        prop_assert_eq!(&loaded, &merged);
        prop_assert_eq!(loaded.to_ron(), text.clone());

        // Swapped sides: the same items, marks and header.
        let (swapped, swapped_report) = marginalia::merge::merge(Some(&base), &theirs, &ours);
        let inputs = ids_of([&base, &ours, &theirs]);
        prop_assert_eq!(normal(&merged.annotations, &inputs), normal(&swapped.annotations, &inputs));
        prop_assert_eq!(normal(&merged.links, &inputs), normal(&swapped.links, &inputs));
        prop_assert_eq!(merged.done, swapped.done);
        prop_assert_eq!(report.conflicts.len(), swapped_report.conflicts.len());

        // A conflict is reported exactly when something is marked.
        let marked = merged.annotations.iter().any(|a| a.conflict.is_some()) || merged.links.iter().any(|l| l.conflict.is_some());
        prop_assert_eq!(!report.conflicts.is_empty(), marked, "{:?}", report.conflicts);

        // The counts: what was new on their side only is counted as added.
        let ids = |s: &Sidecar| s.annotations.iter().map(|a| a.id).collect::<Vec<_>>();
        let link_ids = |s: &Sidecar| s.links.iter().map(|l| l.id).collect::<Vec<_>>();
        prop_assert_eq!(report.added, new_on(&ids(&theirs), &ids(&base), &ids(&ours)));
        prop_assert_eq!(report.links_added, new_on(&link_ids(&theirs), &link_ids(&base), &link_ids(&ours)));

        // Through the driver's files: the same result, in the file git gave as ours.
        let dir = tempfile::tempdir().unwrap();
        let (o, a, b) = (dir.path().join("O"), dir.path().join("A"), dir.path().join("B"));
        std::fs::write(&o, base.to_ron()).unwrap();
        std::fs::write(&a, ours.to_ron()).unwrap();
        std::fs::write(&b, theirs.to_ron()).unwrap();
        let from_files = marginalia::merge::merge_files(&o, &a, &b, "speech.txt.annotations.ron").unwrap();
        prop_assert_eq!(from_files, report);
        prop_assert_eq!(std::fs::read_to_string(&a).unwrap(), text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The real binary, as git calls it: exit 0 without conflicts, 1 with them, and the file
    /// the library's merge writes.
    #[test]
    fn the_driver_binary_writes_the_merge_and_says_whether_to_look((base, ours, theirs) in history()) {
        let dir = tempfile::tempdir().unwrap();
        let (o, a, b) = (dir.path().join("O"), dir.path().join("A"), dir.path().join("B"));
        std::fs::write(&o, base.to_ron()).unwrap();
        std::fs::write(&a, ours.to_ron()).unwrap();
        std::fs::write(&b, theirs.to_ron()).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"))
            .args(["merge-driver", "O", "A", "B", "speech.txt.annotations.ron"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (merged, report) = marginalia::merge::merge(Some(&base), &ours, &theirs);
        let said = String::from_utf8_lossy(&out.stderr);
        prop_assert_eq!(out.status.code(), Some(if report.conflicts.is_empty() { 0 } else { 1 }), "{}", said);
        prop_assert_eq!(std::fs::read_to_string(&a).unwrap(), merged.to_ron());
        let counts = format!("{} link(s) added, {} changed, {} deleted", report.links_added, report.links_changed, report.links_deleted);
        prop_assert!(said.contains(&counts), "{}", said);
    }
}
