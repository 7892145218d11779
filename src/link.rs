//! A typed, directed link from one annotation to another: this passage *supports*, *attacks*,
//! is *evidence for*, the *source of*, or *responds to* that one.
//!
//! A link refers to its two annotations by id and to its kind by a link type id of the
//! codebook ([`crate::codebook::LinkType`]), so re-anchoring, re-coding or orphaning an
//! annotation never breaks it; deleting an annotation deletes its links (in the same undo
//! step, see [`crate::edits`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::annotation::now_rfc3339;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub id: Uuid,
    /// The id of a link type in the codebook.
    #[serde(rename = "type")]
    pub link_type: String,
    /// The annotation the link starts from (the evidence, the response).
    pub origin: Uuid,
    /// The annotation it points to (the claim supported, the passage responded to).
    pub target: Uuid,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub coder: String,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
    pub modified: String,
    /// Set by a merge that kept this link for someone to settle (see [`LinkConflict`]).
    /// Written only when set; files without it read as unmarked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<LinkConflict>,
}

/// Why a merge kept a link for someone to settle (see [`crate::merge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkConflict {
    /// Both sides changed it differently: both versions are kept, and this is the id of the
    /// other one (which carries the same mark pointing back here).
    ChangedOnBothSides(Uuid),
    /// One side changed it and the other deleted it: kept until someone keeps or deletes it.
    ChangedAndDeleted,
    /// One side made or changed it (or kept it) and the other deleted the annotation at this
    /// end, whose id this is. That annotation is kept too, marked
    /// [`crate::Conflict::ChangedAndDeleted`]: deleting it deletes the link with it.
    EndDeleted(Uuid),
}

impl Link {
    /// A new link, made now.
    pub fn new(link_type: &str, origin: Uuid, target: Uuid, coder: &str) -> Self {
        let now = now_rfc3339();
        Self {
            id: Uuid::new_v4(),
            link_type: link_type.to_owned(),
            origin,
            target,
            note: String::new(),
            coder: coder.to_owned(),
            created: now.clone(),
            modified: now,
            conflict: None,
        }
    }

    pub fn touch(&mut self) {
        self.modified = now_rfc3339();
    }
}

/// A link whose two ends were found in the text: where each end starts and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedLink {
    pub id: Uuid,
    pub link_type: String,
    pub origin: Uuid,
    pub target: Uuid,
    pub origin_span: crate::document::Span,
    pub target_span: crate::document::Span,
}

/// Links by where their ends start in the text, so that a view asks "which links have an end
/// in this range?" in logarithmic time plus the answer. Built once per change to the
/// annotations or links (not per frame); links with an orphaned or missing end are left out,
/// since they have no place to be drawn.
#[derive(Debug, Clone, Default)]
pub struct LinkIndex {
    links: Vec<PlacedLink>,
    /// (where an end starts, index into `links`), sorted.
    ends: Vec<(usize, u32)>,
}

impl LinkIndex {
    /// `place` gives where an annotation is (None: missing or orphaned, so its links are left
    /// out).
    pub fn build(links: &[Link], place: impl Fn(Uuid) -> Option<crate::document::Span>) -> Self {
        let links: Vec<PlacedLink> = links
            .iter()
            .filter_map(|l| {
                Some(PlacedLink {
                    id: l.id,
                    link_type: l.link_type.clone(),
                    origin: l.origin,
                    target: l.target,
                    origin_span: place(l.origin)?,
                    target_span: place(l.target)?,
                })
            })
            .collect();
        let mut ends: Vec<(usize, u32)> = links
            .iter()
            .enumerate()
            .flat_map(|(i, l)| [(l.origin_span.start, i as u32), (l.target_span.start, i as u32)])
            .collect();
        ends.sort_unstable();
        Self { links, ends }
    }

    /// Every placed link, in the codebook's link order (sorted by id).
    pub fn links(&self) -> &[PlacedLink] {
        &self.links
    }

    /// Indexes (into [`Self::links`]) of the links with an end starting in `start..end`, each
    /// once, in ascending order.
    pub fn touching(&self, start: usize, end: usize) -> Vec<usize> {
        let lo = self.ends.partition_point(|&(p, _)| p < start);
        let hi = self.ends.partition_point(|&(p, _)| p < end);
        let mut found: Vec<usize> = self.ends[lo..hi.max(lo)].iter().map(|&(_, i)| i as usize).collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}
