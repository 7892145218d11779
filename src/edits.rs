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
use crate::link::Link;

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
    /// Clear an annotation's merge mark: this version is the one kept (see
    /// [`crate::annotation::Conflict`]).
    ClearConflict(Uuid),
    /// Add a link (made with [`Link::new`]) between two annotations.
    AddLink(Link),
    DeleteLink(Uuid),
    SetLinkType {
        id: Uuid,
        link_type: String,
    },
    SetLinkNote {
        id: Uuid,
        note: String,
    },
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
            Action::ClearConflict(_) => "settle merge conflict",
            Action::AddLink(_) => "add link",
            Action::DeleteLink(_) => "delete link",
            Action::SetLinkType { .. } => "change link type",
            Action::SetLinkNote { .. } => "edit link note",
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
    /// Remove `removed` links (matched by id) then insert `added`.
    Links {
        removed: Vec<Link>,
        added: Vec<Link>,
    },
    Seq(Vec<Change>),
}

impl Change {
    pub fn inverse(&self) -> Change {
        match self {
            Change::Annotations { removed, added } => Change::Annotations { removed: added.clone(), added: removed.clone() },
            Change::Codebook { before, after } => Change::Codebook { before: after.clone(), after: before.clone() },
            Change::Done { before, after } => Change::Done { before: *after, after: *before },
            Change::Links { removed, added } => Change::Links { removed: added.clone(), added: removed.clone() },
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
    /// How many annotations carry a merge conflict mark.
    conflict_count: usize,
    history: Vec<Entry>,
    /// Entries before this index are applied; those from it on can be redone.
    cursor: usize,
    revision: u64,
    done: bool,
    /// Links between annotations, sorted by id.
    links: Vec<Link>,
    /// Goes up when links, or annotations that links may point at, change (not when
    /// annotations are only added): what a view's index of link positions depends on.
    links_revision: u64,
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
            conflict_count: 0,
            history: Vec::new(),
            cursor: 0,
            revision: 0,
            done: false,
            links: Vec::new(),
            links_revision: 0,
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
    /// Sets the links without recording history (when loading).
    pub fn with_links(mut self, mut links: Vec<Link>) -> Self {
        links.sort_by_key(|l| l.id);
        self.links_revision += 1;
        self.links = links;
        self
    }
    /// Every link, sorted by id.
    pub fn links(&self) -> &[Link] {
        &self.links
    }
    pub fn link(&self, id: Uuid) -> Option<&Link> {
        self.links.binary_search_by_key(&id, |l| l.id).ok().map(|i| &self.links[i])
    }
    /// Links starting at annotation `id`.
    pub fn links_from(&self, id: Uuid) -> impl Iterator<Item = &Link> + '_ {
        self.links.iter().filter(move |l| l.origin == id)
    }
    /// Links ending at annotation `id`.
    pub fn links_to(&self, id: Uuid) -> impl Iterator<Item = &Link> + '_ {
        self.links.iter().filter(move |l| l.target == id)
    }
    /// Links starting or ending at any of `ids`.
    fn links_touching(&self, ids: &std::collections::HashSet<Uuid>) -> Vec<Link> {
        self.links.iter().filter(|l| ids.contains(&l.origin) || ids.contains(&l.target)).cloned().collect()
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
        let conflict = usize::from(a.conflict.is_some());
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
            self.conflict_count += conflict;
        } else {
            self.keys.remove(&a.id);
            if let Some(n) = self.code_counts.get_mut(&a.code) {
                *n = n.saturating_sub(1);
            }
            self.orphan_count -= orphan;
            self.conflict_count -= conflict;
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
    /// Goes up when a link changes or an annotation is changed or removed; adding annotations
    /// leaves it, so an index of where links' ends are stays valid while a coder tags.
    pub fn links_revision(&self) -> u64 {
        self.links_revision
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

    /// Annotations carrying a merge conflict mark, in document order (stops after the last one;
    /// with none, nothing is scanned: the panel asks in every frame).
    pub fn conflicted(&self) -> impl Iterator<Item = &Annotation> + '_ {
        self.annotations.iter().map(|a| &**a).filter(|a| a.conflict.is_some()).take(self.conflict_count)
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
            Action::SetNote { id, .. } | Action::SetLinkNote { id, .. } => Some(*id),
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
        {
            let merged = match (&last.change, &change) {
                (Change::Annotations { removed: first_before, .. }, Change::Annotations { added: latest, .. }) => {
                    Some(Change::Annotations { removed: first_before.clone(), added: latest.clone() })
                }
                (Change::Links { removed: first_before, .. }, Change::Links { added: latest, .. }) => {
                    Some(Change::Links { removed: first_before.clone(), added: latest.clone() })
                }
                _ => None,
            };
            if let Some(merged) = merged {
                last.change = merged;
                last.at = now;
                return Ok(());
            }
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
        *self = Self { revision: self.revision + 1, links_revision: self.links_revision + 1, ..other };
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
            Action::Delete(id) => {
                let removed = find(id)?.clone();
                let links = self.links_touching(&[id].into_iter().collect());
                let annotations = Change::Annotations { removed: vec![removed], added: vec![] };
                if links.is_empty() {
                    annotations
                } else {
                    Change::Seq(vec![Change::Links { removed: links, added: vec![] }, annotations])
                }
            }
            Action::SetCode { id, code } => {
                check_code(&self.codebook, &code)?;
                let old = find(id)?;
                if old.code == code {
                    return Ok(Change::Seq(vec![]));
                }
                replace(old, &|a| a.code = code.clone())
            }
            Action::ClearConflict(id) => {
                let old = find(id)?;
                if old.conflict.is_none() {
                    return Ok(Change::Seq(vec![]));
                }
                replace(old, &|a| a.conflict = None)
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
                if let Some(l) = self.links.iter().find(|l| codebook.link_type(&l.link_type).is_none()) {
                    return Err(Error::usage(format!(
                        "the new codebook has no link type \"{}\", which links use; delete those links first",
                        crate::document::excerpt(&l.link_type, crate::document::QUOTE_CHARS)
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
                // Link types that named the code name its replacement, or no longer name it. A
                // type left with no code at one end (an empty list would allow any code) goes
                // too, unless a remaining link uses it.
                let mut emptied = Vec::new();
                for t in &mut after.link_types {
                    for list in [&mut t.origin_codes, &mut t.target_codes] {
                        let had = list.contains(&code);
                        list.retain(|c| *c != code);
                        if let Some(target) = reassign_to.as_ref().filter(|_| had)
                            && !list.contains(target)
                        {
                            list.push(target.clone());
                        }
                        if had && list.is_empty() {
                            emptied.push(t.id.clone());
                        }
                    }
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
                let links =
                    if reassign_to.is_none() { self.links_touching(&used.iter().map(|a| a.id).collect()) } else { vec![] };
                let still_used = |t: &str| self.links.iter().any(|l| l.link_type == t && !links.iter().any(|r| r.id == l.id));
                after.link_types.retain(|t| !emptied.contains(&t.id) || still_used(&t.id));
                Change::Seq(vec![
                    Change::Links { removed: links, added: vec![] },
                    Change::Annotations { removed: used, added },
                    Change::Codebook { before: Box::new(self.codebook.clone()), after: Box::new(after) },
                ])
            }
            Action::SetDone(done) => Change::Done { before: self.done, after: done },
            Action::AddLink(link) => {
                self.check_new_link(&link)?;
                Change::Links { removed: vec![], added: vec![link] }
            }
            Action::DeleteLink(id) => Change::Links { removed: vec![self.find_link(id)?.clone()], added: vec![] },
            Action::SetLinkType { id, link_type } => {
                let old = self.find_link(id)?;
                if old.link_type == link_type {
                    return Ok(Change::Seq(vec![]));
                }
                let mut new = old.clone();
                new.link_type = link_type;
                new.touch();
                let mut others = Edits::from_shared(self.codebook.clone(), self.annotations.clone());
                others.links = self.links.iter().filter(|l| l.id != id).cloned().collect();
                others.check_new_link(&new)?;
                Change::Links { removed: vec![old.clone()], added: vec![new] }
            }
            Action::SetLinkNote { id, note } => {
                let old = self.find_link(id)?;
                if old.note == note {
                    return Ok(Change::Seq(vec![]));
                }
                let mut new = old.clone();
                new.note = note;
                new.touch();
                Change::Links { removed: vec![old.clone()], added: vec![new] }
            }
            Action::Batch(actions) => {
                // Compile each against the state the previous ones leave, on a scratch copy.
                let mut scratch =
                    Edits::from_shared(self.codebook.clone(), self.annotations.clone()).with_links(self.links.clone());
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

    fn find_link(&self, id: Uuid) -> Result<&Link, Error> {
        self.link(id).ok_or_else(|| Error::usage(format!("there is no link with the id {id}")))
    }

    /// Can `link` be added as it is: a known type, two different annotations that exist and
    /// whose codes the type allows, a new id, and no such link between them already?
    fn check_new_link(&self, link: &Link) -> Result<(), Error> {
        let q = |s: &str| crate::document::excerpt(s, crate::document::QUOTE_CHARS);
        let Some(kind) = self.codebook.link_type(&link.link_type) else {
            let known: Vec<&str> = self.codebook.link_types.iter().map(|t| t.name.as_str()).collect();
            return Err(Error::usage(format!("the codebook has no link type \"{}\"", q(&link.link_type))).hint(
                if known.is_empty() {
                    "add link types to the codebook first".to_owned()
                } else {
                    format!("use one of: {}", known.join(", "))
                },
            ));
        };
        let end = |id: Uuid, which: &str| {
            self.get(id).ok_or_else(|| Error::usage(format!("the link's {which} {id} is not an annotation of this document")))
        };
        let origin = end(link.origin, "origin")?;
        let target = end(link.target, "target")?;
        if link.origin == link.target {
            return Err(Error::usage("a link joins two different annotations; origin and target are the same"));
        }
        if !kind.allows_origin(&origin.code) {
            return Err(Error::usage(format!(
                "a \"{}\" link cannot start at a \"{}\" annotation",
                q(&kind.name),
                q(self.codebook.code(&origin.code).map_or(&origin.code, |c| &c.name))
            ))
            .hint(format!("it starts at: {}", kind.origin_codes.join(", "))));
        }
        if !kind.allows_target(&target.code) {
            return Err(Error::usage(format!(
                "a \"{}\" link cannot end at a \"{}\" annotation",
                q(&kind.name),
                q(self.codebook.code(&target.code).map_or(&target.code, |c| &c.name))
            ))
            .hint(format!("it ends at: {}", kind.target_codes.join(", "))));
        }
        if self.link(link.id).is_some() {
            return Err(Error::usage(format!("a link with the id {} exists already", link.id)));
        }
        if self.links.iter().any(|l| l.origin == link.origin && l.target == link.target && l.link_type == link.link_type) {
            return Err(Error::usage(format!("these two annotations already have a \"{}\" link", q(&kind.name))));
        }
        Ok(())
    }

    fn perform(&mut self, change: &Change) {
        self.perform_inner(change);
        self.reindex();
        self.revision += 1;
    }

    fn perform_inner(&mut self, change: &Change) {
        match change {
            Change::Annotations { removed, added } => {
                if !removed.is_empty() {
                    self.links_revision += 1;
                }
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
            Change::Links { removed, added } => {
                self.links_revision += 1;
                for r in removed {
                    if let Ok(i) = self.links.binary_search_by_key(&r.id, |l| l.id) {
                        self.links.remove(i);
                    }
                }
                for l in added {
                    let at = self.links.partition_point(|k| k.id < l.id);
                    self.links.insert(at, l.clone());
                }
            }
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
        Change::Links { removed, added } => removed.is_empty() && added.is_empty(),
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

    /// Two annotations of `setup`'s text: a factual assertion and a demand.
    fn two(doc: &Document, edits: &mut Edits) -> (Uuid, Uuid) {
        let fact = Annotation::new(doc, Span::new(41, 59), "factual-assertion", "ana");
        let demand = Annotation::new(doc, Span::new(3, 20), "demand", "ana");
        let ids = (fact.id, demand.id);
        edits.apply(doc, Action::Batch(vec![Action::Add(fact), Action::Add(demand)])).unwrap();
        ids
    }

    #[test]
    fn deleting_an_annotation_deletes_its_links_and_undo_restores_both() {
        let (doc, mut edits) = setup();
        let (fact, demand) = two(&doc, &mut edits);
        let link = Link::new("evidence-for", fact, demand, "ana");
        let link_id = link.id;
        edits.apply(&doc, Action::AddLink(link)).unwrap();
        assert_eq!(edits.links_from(fact).count(), 1);
        assert_eq!(edits.links_to(demand).count(), 1);
        edits.apply(&doc, Action::Delete(demand)).unwrap();
        assert!(edits.links().is_empty(), "a link never points at a deleted annotation");
        assert_eq!(edits.undo_label(), Some("delete annotation"));
        assert!(edits.undo());
        assert!(edits.get(demand).is_some());
        assert_eq!(edits.link(link_id).map(|l| (l.origin, l.target)), Some((fact, demand)));
        assert!(edits.redo());
        assert!(edits.links().is_empty() && edits.get(demand).is_none());
    }

    #[test]
    fn links_are_checked_against_the_codebook_and_the_annotations() {
        let (doc, mut edits) = setup();
        let (fact, demand) = two(&doc, &mut edits);
        let refused = |edits: &mut Edits, link: Link| edits.apply(&doc, Action::AddLink(link)).unwrap_err().to_string();
        assert!(refused(&mut edits, Link::new("no-such-type", fact, demand, "ana")).contains("no link type"));
        assert!(refused(&mut edits, Link::new("supports", fact, fact, "ana")).contains("the same"));
        assert!(refused(&mut edits, Link::new("supports", fact, Uuid::new_v4(), "ana")).contains("not an annotation"));
        // Evidence starts at a factual assertion or an attribution, not at a demand.
        assert!(refused(&mut edits, Link::new("evidence-for", demand, fact, "ana")).contains("cannot start at"));
        edits.apply(&doc, Action::AddLink(Link::new("supports", fact, demand, "ana"))).unwrap();
        assert!(refused(&mut edits, Link::new("supports", fact, demand, "bo")).contains("already"));
        // The other direction, or another type, is another link.
        edits.apply(&doc, Action::AddLink(Link::new("supports", demand, fact, "ana"))).unwrap();
        edits.apply(&doc, Action::AddLink(Link::new("responds-to", fact, demand, "ana"))).unwrap();
        assert_eq!(edits.links().len(), 3);
        assert!(!edits.can_redo());
    }

    #[test]
    fn a_link_type_in_use_stays_in_the_codebook_and_code_deletion_takes_links_along() {
        let (doc, mut edits) = setup();
        let (fact, demand) = two(&doc, &mut edits);
        edits.apply(&doc, Action::AddLink(Link::new("attacks", fact, demand, "ana"))).unwrap();
        let mut without = edits.codebook().clone();
        without.link_types.retain(|t| t.id != "attacks");
        let err = edits.apply(&doc, Action::SetCodebook(without)).unwrap_err().to_string();
        assert!(err.contains("attacks"), "{err}");
        edits.apply(&doc, Action::DeleteCode { code: "demand".into(), reassign_to: None }).unwrap();
        assert!(edits.links().is_empty() && edits.get(demand).is_none());
        edits.undo();
        assert_eq!(edits.links().len(), 1);
        assert!(edits.get(demand).is_some());
    }

    #[test]
    fn deleting_the_only_code_a_link_type_starts_at_removes_that_link_type() {
        let (doc, mut edits) = setup();
        // "Source of" starts only at attributions: without them it would start anywhere.
        edits.apply(&doc, Action::DeleteCode { code: "attribution".into(), reassign_to: None }).unwrap();
        assert!(edits.codebook().link_type("source-of").is_none());
        assert_eq!(edits.codebook().link_type("evidence-for").unwrap().origin_codes, ["factual-assertion"]);
        edits.undo();
        assert!(edits.codebook().link_type("source-of").is_some());
        // Moved to another code, the type follows it.
        edits.apply(&doc, Action::DeleteCode { code: "attribution".into(), reassign_to: Some("opinion".into()) }).unwrap();
        assert_eq!(edits.codebook().link_type("source-of").unwrap().origin_codes, ["opinion"]);
    }

    #[test]
    fn a_link_note_typed_is_one_undo_step_and_type_changes_are_checked() {
        let (doc, mut edits) = setup();
        let (fact, demand) = two(&doc, &mut edits);
        let link = Link::new("supports", fact, demand, "ana");
        let id = link.id;
        edits.apply(&doc, Action::AddLink(link)).unwrap();
        for note in ["t", "th", "the figure"] {
            edits.apply(&doc, Action::SetLinkNote { id, note: note.into() }).unwrap();
        }
        assert_eq!(edits.link(id).unwrap().note, "the figure");
        edits.undo();
        assert_eq!(edits.link(id).unwrap().note, "");
        edits.apply(&doc, Action::SetLinkType { id, link_type: "evidence-for".into() }).unwrap();
        assert_eq!(edits.link(id).unwrap().link_type, "evidence-for");
        // A source starts at an attribution; the fact is not one.
        assert!(edits.apply(&doc, Action::SetLinkType { id, link_type: "source-of".into() }).is_err());
        edits.undo();
        assert_eq!(edits.link(id).unwrap().link_type, "supports");
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

    #[test]
    fn conflict_marks_are_counted_through_settling_and_undo() {
        let (doc, mut edits) = setup();
        let mut a = Annotation::new(&doc, Span::new(0, 5), "demand", "x");
        a.conflict = Some(crate::annotation::Conflict::ChangedAndDeleted);
        let id = a.id;
        edits.apply(&doc, Action::Add(a)).unwrap();
        edits.apply(&doc, Action::Add(Annotation::new(&doc, Span::new(6, 9), "demand", "x"))).unwrap();
        assert_eq!(edits.conflicted().map(|a| a.id).collect::<Vec<_>>(), [id]);
        edits.apply(&doc, Action::ClearConflict(id)).unwrap();
        assert_eq!(edits.conflicted().count(), 0);
        edits.undo();
        assert_eq!(edits.conflicted().map(|a| a.id).collect::<Vec<_>>(), [id]);
        edits.apply(&doc, Action::Delete(id)).unwrap();
        assert_eq!(edits.conflicted().count(), 0);
    }
}
