//! The annotations and codebook of one document, and the history of every change to them.
//!
//! Every change goes through [`Edits::apply`], which turns a user-level [`Action`] into a
//! [`Change`] that knows how to undo itself, applies it, and records it. Undo and redo walk that
//! history; autosave watches [`Edits::revision`]; tests see the same stream of changes as users.
//! Annotations are kept sorted by position then id, with an index for overlap queries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::annotation::{AnchorStatus, Annotation};
use crate::codebook::Codebook;
use crate::document::{Document, Span};
use crate::error::Error;

/// What a user (or the CLI) asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Add a new annotation (made with [`Annotation::new`]).
    Add(Annotation),
    Delete(Uuid),
    SetCode {
        id: Uuid,
        code: String,
    },
    SetNote {
        id: Uuid,
        note: String,
    },
    /// Set (`Some`) or clear (`None`) one attribute value.
    SetAttribute {
        id: Uuid,
        attribute: String,
        value: Option<String>,
    },
    /// Move an annotation (also re-attaches an orphan). The span is snapped to graphemes.
    SetSpan {
        id: Uuid,
        span: Span,
    },
    /// Replace the whole codebook (editor changes that keep every used code).
    SetCodebook(Codebook),
    /// Remove a code; its annotations move to `reassign_to`, or are deleted when `None`.
    /// Children of a removed group become top-level codes.
    DeleteCode {
        code: String,
        reassign_to: Option<String>,
    },
    /// Mark the document as finished (or not).
    SetDone(bool),
    /// Several actions as one undo step (e.g. adjudication, imports).
    Batch(Vec<Action>),
    /// Add many new annotations at once, as one undo step (auto-coding a pattern's matches).
    AutoCode(Vec<Annotation>),
}

impl Action {
    /// A short description for menus ("Undo add Demand").
    pub fn label(&self) -> &'static str {
        match self {
            Action::Add(_) => "add annotation",
            Action::Delete(_) => "delete annotation",
            Action::SetCode { .. } => "change code",
            Action::SetNote { .. } => "edit note",
            Action::SetAttribute { .. } => "edit attribute",
            Action::SetSpan { .. } => "change span",
            Action::SetCodebook(_) => "edit codebook",
            Action::DeleteCode { .. } => "delete code",
            Action::SetDone(_) => "mark as done",
            Action::Batch(_) => "several changes",
            Action::AutoCode(_) => "auto-code",
        }
    }
}

/// A change that can be inverted exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Remove `removed` (matched by id) then insert `added`.
    Annotations {
        removed: Vec<Annotation>,
        added: Vec<Annotation>,
    },
    Codebook {
        before: Box<Codebook>,
        after: Box<Codebook>,
    },
    Done {
        before: bool,
        after: bool,
    },
    Seq(Vec<Change>),
}

impl Change {
    pub fn inverse(&self) -> Change {
        match self {
            Change::Annotations { removed, added } => Change::Annotations { removed: added.clone(), added: removed.clone() },
            Change::Codebook { before, after } => Change::Codebook { before: after.clone(), after: before.clone() },
            Change::Done { before, after } => Change::Done { before: *after, after: *before },
            Change::Seq(changes) => Change::Seq(changes.iter().rev().map(Change::inverse).collect()),
        }
    }
}

struct Entry {
    change: Change,
    label: &'static str,
    /// Consecutive note edits of one annotation merge into one undo step.
    merge_key: Option<Uuid>,
    at: Instant,
}

/// Consecutive edits of the same note within this time are one undo step.
const MERGE_WINDOW: Duration = Duration::from_secs(2);

pub struct Edits {
    codebook: Codebook,
    /// Shared, so that a snapshot for saving costs a reference count per annotation, not a copy.
    annotations: Vec<Arc<Annotation>>,
    /// `max_end[i]` = the largest `end` among `annotations[..=i]`, for overlap queries.
    max_end: Vec<usize>,
    /// Annotation id → (start, end): with the id, its sort key, so lookups by id are a binary
    /// search instead of a scan. Kept up to date change by change, like the two below.
    keys: HashMap<Uuid, (usize, usize)>,
    /// Code id → how many annotations use it.
    code_counts: HashMap<String, usize>,
    orphan_count: usize,
    history: Vec<Entry>,
    /// Entries before this index are applied; those from it on can be redone.
    cursor: usize,
    revision: u64,
    done: bool,
}

impl Edits {
    pub fn new(codebook: Codebook, annotations: Vec<Annotation>) -> Self {
        Self::from_shared(codebook, annotations.into_iter().map(Arc::new).collect())
    }

    fn from_shared(codebook: Codebook, mut annotations: Vec<Arc<Annotation>>) -> Self {
        annotations.sort_by_key(|a| a.sort_key());
        let mut edits = Self {
            codebook,
            annotations: Vec::new(),
            max_end: Vec::new(),
            keys: HashMap::with_capacity(annotations.len()),
            code_counts: HashMap::new(),
            orphan_count: 0,
            history: Vec::new(),
            cursor: 0,
            revision: 0,
            done: false,
        };
        for a in &annotations {
            edits.count(a, true);
        }
        edits.annotations = annotations;
        edits.reindex();
        edits
    }

    pub fn codebook(&self) -> &Codebook {
        &self.codebook
    }
    /// Has the coder marked the document as finished?
    pub fn done(&self) -> bool {
        self.done
    }
    /// Sets the finished mark without recording history (when loading).
    pub fn with_done(mut self, done: bool) -> Self {
        self.done = done;
        self
    }
    /// Annotations sorted by position then id.
    pub fn annotations(&self) -> &[Arc<Annotation>] {
        &self.annotations
    }
    pub fn get(&self, id: Uuid) -> Option<&Annotation> {
        self.position(id).map(|i| &*self.annotations[i])
    }

    fn position(&self, id: Uuid) -> Option<usize> {
        let &(start, end) = self.keys.get(&id)?;
        self.annotations.binary_search_by(|a| a.sort_key().cmp(&(start, end, id))).ok()
    }

    /// Keeps the per-id, per-code and orphan tallies in step with one annotation coming or going.
    fn count(&mut self, a: &Annotation, added: bool) {
        let orphan = usize::from(a.status == AnchorStatus::Orphaned);
        if added {
            self.keys.insert(a.id, (a.start, a.end));
            // The code's name is copied only the first time it is met (not per annotation).
            match self.code_counts.get_mut(&a.code) {
                Some(n) => *n += 1,
                None => {
                    self.code_counts.insert(a.code.clone(), 1);
                }
            }
            self.orphan_count += orphan;
        } else {
            self.keys.remove(&a.id);
            if let Some(n) = self.code_counts.get_mut(&a.code) {
                *n = n.saturating_sub(1);
            }
            self.orphan_count -= orphan;
        }
    }

    /// How many annotations are orphaned (kept in step with every change, so it costs nothing).
    pub fn orphan_count(&self) -> usize {
        self.orphan_count
    }
    /// Goes up by one with every applied, undone or redone change.
    pub fn revision(&self) -> u64 {
        self.revision
    }
    pub fn can_undo(&self) -> bool {
        self.cursor > 0
    }
    pub fn can_redo(&self) -> bool {
        self.cursor < self.history.len()
    }
    pub fn undo_label(&self) -> Option<&'static str> {
        self.cursor.checked_sub(1).map(|i| self.history[i].label)
    }
    pub fn redo_label(&self) -> Option<&'static str> {
        self.history.get(self.cursor).map(|e| e.label)
    }

    /// Indexes (into [`Self::annotations`]) of the anchored annotations overlapping `span`,
    /// in order. Cost is logarithmic plus the number found (plus long spans reaching in).
    pub fn overlapping(&self, span: Span) -> impl Iterator<Item = usize> + '_ {
        // Annotations starting before span.end; of those, only ones whose prefix max end
        // reaches past span.start can overlap. Walk back from the first start >= span.end.
        let hi = self.annotations.partition_point(|a| a.start < span.end);
        let lo = self.max_end[..hi].partition_point(|&e| e <= span.start);
        (lo..hi).filter(move |&i| {
            let a = &self.annotations[i];
            a.status != AnchorStatus::Orphaned && (a.end > span.start || (a.start == a.end && span.contains(a.start)))
        })
    }

    /// Anchored annotations covering code point `pos`.
    pub fn at(&self, pos: usize) -> impl Iterator<Item = &Annotation> + '_ {
        self.overlapping(Span::new(pos, pos + 1)).map(|i| &*self.annotations[i])
    }

    pub fn orphans(&self) -> impl Iterator<Item = &Annotation> + '_ {
        // Stops after the last orphan; with none, nothing is scanned.
        self.annotations.iter().map(|a| &**a).filter(|a| a.status == AnchorStatus::Orphaned).take(self.orphan_count)
    }

    /// How many annotations use each code, in codebook order (from tallies kept per change).
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.codebook.codes.iter().map(|c| (c.id.clone(), self.code_counts.get(&c.id).copied().unwrap_or(0))).collect()
    }

    /// Applies an action, records how to undo it, and returns nothing or a reason it cannot be
    /// applied (unknown annotation or code). Nothing changes when it fails.
    pub fn apply(&mut self, doc: &Document, action: Action) -> Result<(), Error> {
        let label = action.label();
        let merge_key = match &action {
            Action::SetNote { id, .. } => Some(*id),
            _ => None,
        };
        let change = self.compile(doc, action)?;
        if change_is_empty(&change) {
            return Ok(());
        }
        self.perform(&change);
        self.history.truncate(self.cursor);
        let now = Instant::now();
        if let (Some(key), Some(last)) = (merge_key, self.history.last_mut())
            && last.merge_key == Some(key)
            && now.duration_since(last.at) < MERGE_WINDOW
            && let (Change::Annotations { removed: first_before, .. }, Change::Annotations { added: latest, .. }) =
                (&last.change, &change)
        {
            last.change = Change::Annotations { removed: first_before.clone(), added: latest.clone() };
            last.at = now;
            return Ok(());
        }
        self.history.push(Entry { change, label, merge_key, at: now });
        self.cursor = self.history.len();
        Ok(())
    }

    pub fn undo(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        let inverse = self.history[self.cursor].change.inverse();
        self.perform(&inverse);
        true
    }

    pub fn redo(&mut self) -> bool {
        let Some(entry) = self.history.get(self.cursor) else { return false };
        let change = entry.change.clone();
        self.cursor += 1;
        self.perform(&change);
        true
    }

    /// Replaces all content from outside (a reload from disk); clears the history.
    /// Replaces everything with `other` (history included), as one more revision.
    pub fn replace_with(&mut self, other: Edits) {
        *self = Self { revision: self.revision + 1, ..other };
    }

    /// A new annotation as it will be added: its code known, its span inside the text and
    /// snapped to graphemes, its quote taken from the text, its id not taken.
    fn checked_new(&self, doc: &Document, mut a: Annotation) -> Result<Annotation, Error> {
        if self.codebook.code(&a.code).is_none() {
            return Err(Error::usage(format!(
                "the codebook has no code \"{}\"",
                crate::document::excerpt(&a.code, crate::document::QUOTE_CHARS)
            )));
        }
        if a.end > doc.len_chars() {
            return Err(Error::usage(format!(
                "the span {} is past the end of the text ({} characters)",
                a.span(),
                doc.len_chars()
            )));
        }
        if self.get(a.id).is_some() {
            return Err(Error::usage(format!("an annotation with the id {} exists already", a.id)));
        }
        a.fit(doc);
        Ok(a)
    }

    // Long on purpose: one arm per kind of action, each a few lines, so that every rule about
    // what a change may do is read in one place.
    fn compile(&self, doc: &Document, action: Action) -> Result<Change, Error> {
        let find = |id: Uuid| -> Result<&Annotation, Error> {
            self.get(id).ok_or_else(|| Error::usage(format!("there is no annotation with the id {id}")))
        };
        let check_code = |cb: &Codebook, code: &str| -> Result<(), Error> {
            if cb.code(code).is_none() {
                return Err(Error::usage(format!(
                    "the codebook has no code \"{}\"",
                    crate::document::excerpt(code, crate::document::QUOTE_CHARS)
                )));
            }
            Ok(())
        };
        let replace = |old: &Annotation, f: &dyn Fn(&mut Annotation)| {
            let mut new = old.clone();
            f(&mut new);
            new.touch();
            Change::Annotations { removed: vec![old.clone()], added: vec![new] }
        };
        Ok(match action {
            Action::Add(a) => Change::Annotations { removed: vec![], added: vec![self.checked_new(doc, a)?] },
            Action::AutoCode(annotations) => {
                // One change for all: compiling them one by one would re-index after each.
                let added = annotations.into_iter().map(|a| self.checked_new(doc, a)).collect::<Result<Vec<_>, _>>()?;
                let mut ids = std::collections::HashSet::new();
                if let Some(dup) = added.iter().find(|a| !ids.insert(a.id)) {
                    return Err(Error::usage(format!("an annotation with the id {} is added twice", dup.id)));
                }
                Change::Annotations { removed: vec![], added }
            }
            Action::Delete(id) => Change::Annotations { removed: vec![find(id)?.clone()], added: vec![] },
            Action::SetCode { id, code } => {
                check_code(&self.codebook, &code)?;
                let old = find(id)?;
                if old.code == code {
                    return Ok(Change::Seq(vec![]));
                }
                replace(old, &|a| a.code = code.clone())
            }
            Action::SetNote { id, note } => {
                let old = find(id)?;
                if old.note == note {
                    return Ok(Change::Seq(vec![]));
                }
                replace(old, &|a| a.note = note.clone())
            }
            Action::SetAttribute { id, attribute, value } => {
                let old = find(id)?;
                if old.attributes.get(&attribute) == value.as_ref() {
                    return Ok(Change::Seq(vec![]));
                }
                replace(old, &|a| match &value {
                    Some(v) => {
                        a.attributes.insert(attribute.clone(), v.clone());
                    }
                    None => {
                        a.attributes.remove(&attribute);
                    }
                })
            }
            Action::SetSpan { id, span } => {
                let old = find(id)?;
                if span.end > doc.len_chars() || span.is_empty() {
                    return Err(Error::usage(format!("the span {span} is empty or past the end of the text")));
                }
                replace(old, &|a| {
                    a.requote(doc, span);
                    a.status = AnchorStatus::Anchored;
                })
            }
            Action::SetCodebook(codebook) => {
                codebook.validate()?;
                if let Some(a) = self.annotations.iter().find(|a| codebook.code(&a.code).is_none()) {
                    return Err(Error::usage(format!(
                        "the new codebook has no code \"{}\", which annotations use; delete or reassign it instead",
                        crate::document::excerpt(&a.code, crate::document::QUOTE_CHARS)
                    )));
                }
                Change::Codebook { before: Box::new(self.codebook.clone()), after: Box::new(codebook) }
            }
            Action::DeleteCode { code, reassign_to } => {
                check_code(&self.codebook, &code)?;
                if let Some(target) = &reassign_to {
                    check_code(&self.codebook, target)?;
                    if *target == code {
                        return Err(Error::usage("a code cannot be merged into itself"));
                    }
                }
                let mut after = self.codebook.clone();
                after.codes.retain(|c| c.id != code);
                for c in &mut after.codes {
                    if c.parent.as_deref() == Some(code.as_str()) {
                        c.parent = None;
                    }
                }
                if after.codes.is_empty() {
                    return Err(Error::usage("the last code of a codebook cannot be deleted"));
                }
                let used: Vec<Annotation> = self.annotations.iter().filter(|a| a.code == code).map(|a| (**a).clone()).collect();
                let added = match &reassign_to {
                    Some(target) => used
                        .iter()
                        .map(|a| {
                            let mut b = a.clone();
                            b.code = target.clone();
                            b.touch();
                            b
                        })
                        .collect(),
                    None => vec![],
                };
                Change::Seq(vec![
                    Change::Annotations { removed: used, added },
                    Change::Codebook { before: Box::new(self.codebook.clone()), after: Box::new(after) },
                ])
            }
            Action::SetDone(done) => Change::Done { before: self.done, after: done },
            Action::Batch(actions) => {
                // Compile each against the state the previous ones leave, on a scratch copy.
                let mut scratch = Edits::from_shared(self.codebook.clone(), self.annotations.clone());
                let mut changes = Vec::new();
                for action in actions {
                    let change = scratch.compile(doc, action)?;
                    scratch.perform(&change);
                    changes.push(change);
                }
                Change::Seq(changes)
            }
        })
    }

    fn perform(&mut self, change: &Change) {
        self.perform_inner(change);
        self.reindex();
        self.revision += 1;
    }

    fn perform_inner(&mut self, change: &Change) {
        match change {
            Change::Annotations { removed, added } => {
                for r in removed {
                    if let Some(i) = self.position(r.id) {
                        let gone = self.annotations.remove(i);
                        self.count(&gone, false);
                    }
                }
                for a in added {
                    let at = self.annotations.partition_point(|b| b.sort_key() < a.sort_key());
                    self.annotations.insert(at, Arc::new(a.clone()));
                    self.count(a, true);
                }
            }
            Change::Codebook { after, .. } => self.codebook = (**after).clone(),
            Change::Done { after, .. } => self.done = *after,
            Change::Seq(changes) => changes.iter().for_each(|c| self.perform_inner(c)),
        }
    }

    fn reindex(&mut self) {
        self.max_end.clear();
        let mut m = 0;
        for a in &self.annotations {
            m = m.max(a.end);
            self.max_end.push(m);
        }
    }
}

fn change_is_empty(change: &Change) -> bool {
    match change {
        Change::Annotations { removed, added } => removed.is_empty() && added.is_empty(),
        Change::Codebook { before, after } => before == after,
        Change::Done { before, after } => before == after,
        Change::Seq(changes) => changes.iter().all(change_is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Document, Edits) {
        (
            Document::from_text("We demand fair rents. Vote on Sunday! 🗳️ Turnout will rise."),
            Edits::new(Codebook::default(), vec![]),
        )
    }

    #[test]
    fn add_change_undo_redo() {
        let (doc, mut edits) = setup();
        let a = Annotation::new(&doc, Span::new(3, 20), "demand", "ana");
        let id = a.id;
        edits.apply(&doc, Action::Add(a)).unwrap();
        edits.apply(&doc, Action::SetCode { id, code: "call-to-action".into() }).unwrap();
        assert_eq!(edits.get(id).unwrap().code, "call-to-action");
        assert!(edits.undo());
        assert_eq!(edits.get(id).unwrap().code, "demand");
        assert!(edits.undo());
        assert!(edits.get(id).is_none());
        assert!(edits.redo());
        assert!(edits.redo());
        assert_eq!(edits.get(id).unwrap().code, "call-to-action");
        assert!(!edits.redo());
    }

    #[test]
    fn typing_a_note_is_one_undo_step() {
        let (doc, mut edits) = setup();
        let a = Annotation::new(&doc, Span::new(3, 20), "demand", "ana");
        let id = a.id;
        edits.apply(&doc, Action::Add(a)).unwrap();
        for note in ["a", "ab", "abc"] {
            edits.apply(&doc, Action::SetNote { id, note: note.into() }).unwrap();
        }
        edits.undo();
        assert_eq!(edits.get(id).unwrap().note, "");
    }

    #[test]
    fn deleting_a_used_code_reassigns_and_undoes() {
        let (doc, mut edits) = setup();
        let a = Annotation::new(&doc, Span::new(3, 20), "demand", "ana");
        let id = a.id;
        edits.apply(&doc, Action::Add(a)).unwrap();
        edits.apply(&doc, Action::DeleteCode { code: "demand".into(), reassign_to: Some("opinion".into()) }).unwrap();
        assert!(edits.codebook().code("demand").is_none());
        assert_eq!(edits.get(id).unwrap().code, "opinion");
        edits.undo();
        assert!(edits.codebook().code("demand").is_some());
        assert_eq!(edits.get(id).unwrap().code, "demand");
    }

    #[test]
    fn overlap_queries_find_nested_and_long_spans() {
        let (doc, mut edits) = setup();
        for (s, e) in [(0, 59), (3, 9), (22, 38), (40, 45)] {
            edits.apply(&doc, Action::Add(Annotation::new(&doc, Span::new(s, e), "demand", "x"))).unwrap();
        }
        let found: Vec<Span> = edits.overlapping(Span::new(25, 26)).map(|i| edits.annotations()[i].span()).collect();
        assert_eq!(found.len(), 2);
        assert_eq!(edits.at(5).count(), 2);
    }
}
