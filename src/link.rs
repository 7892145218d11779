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
        }
    }

    pub fn touch(&mut self) {
        self.modified = now_rfc3339();
    }
}
