//! One annotation: a span of the document, the quote that anchors it, one code, a note,
//! attribute values, who made it and when.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::document::{Document, Span};

/// Code points of context kept on each side of the quoted text.
pub const CONTEXT_CHARS: usize = 32;

/// Where an annotation stands relative to the current text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum AnchorStatus {
    /// The span still holds the quoted text.
    #[default]
    Anchored,
    /// The text changed and the annotation was moved to where its quote now is.
    Reanchored,
    /// The quote could not be found in the current text. Kept, never dropped.
    Orphaned,
}

impl AnchorStatus {
    pub fn label(self) -> &'static str {
        match self {
            AnchorStatus::Anchored => "anchored",
            AnchorStatus::Reanchored => "reanchored",
            AnchorStatus::Orphaned => "orphaned",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub id: Uuid,
    /// Code points, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The quoted text (W3C TextQuoteSelector `exact`).
    pub exact: String,
    /// Up to [`CONTEXT_CHARS`] code points before the quote.
    #[serde(default)]
    pub prefix: String,
    /// Up to [`CONTEXT_CHARS`] code points after the quote.
    #[serde(default)]
    pub suffix: String,
    /// The id of a code in the codebook.
    pub code: String,
    #[serde(default)]
    pub note: String,
    /// Attribute id → value.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub coder: String,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
    pub modified: String,
    /// Saved so that orphans stay orphans until re-attached; `Reanchored` is saved as
    /// `Anchored` because the saved span then matches the saved fingerprint.
    #[serde(default)]
    pub status: AnchorStatus,
    /// Set by a merge that could not decide between two versions of this annotation (see
    /// [`Conflict`]); cleared when someone keeps one. Written only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
}

/// Why a merge kept an annotation for someone to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Conflict {
    /// Both sides changed it differently: both versions are kept, and this is the id of the
    /// other one (which carries the same mark pointing back here).
    ChangedOnBothSides(Uuid),
    /// One side changed it and the other deleted it: kept until someone keeps or deletes it.
    ChangedAndDeleted,
}

/// How many conflicts a merge left among `annotations` for someone to settle: the two versions
/// of one annotation changed on both sides are one conflict, not two.
pub fn count_conflicts<'a>(annotations: impl IntoIterator<Item = &'a Annotation>) -> usize {
    let mut pairs = std::collections::HashSet::new();
    let mut n = 0;
    for a in annotations {
        match a.conflict {
            Some(Conflict::ChangedAndDeleted) => n += 1,
            Some(Conflict::ChangedOnBothSides(other)) => {
                if pairs.insert((a.id.min(other), a.id.max(other))) {
                    n += 1;
                }
            }
            None => {}
        }
    }
    n
}

impl Annotation {
    /// A new annotation on `span`, widened to whole characters, quoting the document.
    pub fn new(doc: &Document, span: Span, code: &str, coder: &str) -> Self {
        let now = now_rfc3339();
        let mut a = Self {
            id: Uuid::new_v4(),
            start: span.start,
            end: span.end,
            exact: String::new(),
            prefix: String::new(),
            suffix: String::new(),
            code: code.to_owned(),
            note: String::new(),
            attributes: BTreeMap::new(),
            coder: coder.to_owned(),
            created: now.clone(),
            modified: now,
            status: AnchorStatus::Anchored,
            conflict: None,
        };
        a.requote(doc, span);
        a
    }

    /// Makes an annotation made elsewhere (a file, another program) fit `doc`: its span widened
    /// to whole characters and its quote and context taken from the text, unless both are
    /// right already (then its prefix and suffix stay as given).
    pub fn fit(&mut self, doc: &Document) {
        let span = self.span();
        if doc.snap(span) != span || self.exact != doc.slice(span) {
            self.requote(doc, span);
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }

    /// Moves the annotation to `span`, widened to whole user-perceived characters
    /// ([`Document::snap`]), and takes its quote and context from the document. Every span an
    /// annotation gets passes through here (and [`Annotation::new`] calls it), so no caller
    /// snaps spans itself.
    pub fn requote(&mut self, doc: &Document, span: Span) {
        let span = doc.snap(span);
        self.start = span.start;
        self.end = span.end;
        self.exact = doc.slice(span).to_owned();
        self.prefix = doc.before(span.start, CONTEXT_CHARS).to_owned();
        self.suffix = doc.after(span.end, CONTEXT_CHARS).to_owned();
    }

    pub fn touch(&mut self) {
        self.modified = now_rfc3339();
    }

    /// The order annotations are kept and written in: by position, then id.
    pub fn sort_key(&self) -> (usize, usize, Uuid) {
        (self.start, self.end, self.id)
    }
}

/// The current time as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Is this a valid RFC 3339 timestamp?
pub fn is_rfc3339(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}
