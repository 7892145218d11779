//! The codebook: the codes a reader tags passages with, their definitions, colours, non-colour
//! cues, number keys, one level of grouping, and the attributes an annotator fills in.
//!
//! Annotations refer to codes by [`Code::id`], never by name, so renaming a code never breaks
//! them. Validation happens here, once, so nothing half-loaded is ever used.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The colour-blind-safe palette (Okabe & Ito, 2008) plus two greys. Colours are chosen from
/// this list in the editor so that codes stay distinguishable for most readers.
pub const SAFE_PALETTE: [(&str, &str); 9] = [
    ("#E69F00", "orange"),
    ("#56B4E9", "sky blue"),
    ("#009E73", "bluish green"),
    ("#F0E442", "yellow"),
    ("#0072B2", "blue"),
    ("#D55E00", "vermilion"),
    ("#CC79A7", "reddish purple"),
    ("#999999", "grey"),
    ("#332288", "indigo"),
];

/// A second way, besides colour, to tell codes apart: how their highlight is underlined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Cue {
    #[default]
    Solid,
    Dashed,
    Dotted,
    Double,
    Wavy,
    Thick,
    Box,
    DashDot,
}

impl Cue {
    pub const ALL: [Cue; 8] = [Cue::Solid, Cue::Dashed, Cue::Dotted, Cue::Double, Cue::Wavy, Cue::Thick, Cue::Box, Cue::DashDot];
    pub fn label(self) -> &'static str {
        match self {
            Cue::Solid => "solid underline",
            Cue::Dashed => "dashed underline",
            Cue::Dotted => "dotted underline",
            Cue::Double => "double underline",
            Cue::Wavy => "wavy underline",
            Cue::Thick => "thick underline",
            Cue::Box => "boxed",
            Cue::DashDot => "dash-dot underline",
        }
    }
}

/// What kind of value an attribute takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeKind {
    /// One of a fixed list of choices.
    Choice(Vec<String>),
    /// Yes or no (stored as "yes" / "no").
    Flag,
    /// Short free text.
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// Stable identifier used as the key in annotations and as the export column.
    pub id: String,
    pub name: String,
    pub kind: AttributeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// Stable identifier (lower-case, no spaces). Annotations refer to this.
    pub id: String,
    pub name: String,
    /// One-sentence definition shown in the legend and tooltips.
    #[serde(default)]
    pub description: String,
    /// An example sentence written for the codebook.
    #[serde(default)]
    pub example: String,
    /// `#RRGGBB`.
    pub colour: String,
    #[serde(default)]
    pub cue: Cue,
    /// The number key (1-9, 0) that applies this code.
    #[serde(default)]
    pub key: Option<char>,
    /// The id of the group (a parent code) this code belongs to, if any. One level only.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
}

impl Code {
    pub fn new(id: &str, name: &str, colour: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            example: String::new(),
            colour: colour.to_owned(),
            cue: Cue::Solid,
            key: None,
            parent: None,
            attributes: Vec::new(),
        }
    }

    /// The colour as RGB bytes (validated codebooks always parse).
    pub fn rgb(&self) -> [u8; 3] {
        parse_colour(&self.colour).unwrap_or([0x99, 0x99, 0x99])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codebook {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub codes: Vec<Code>,
}

/// The "Claims" codebook, compiled in from assets/.
pub const CLAIMS_RON: &str = include_str!("../assets/codebooks/claims.ron");

impl Default for Codebook {
    fn default() -> Self {
        Self::from_ron(CLAIMS_RON).expect("the built-in codebook is valid")
    }
}

impl Codebook {
    /// Parses and validates a codebook in RON.
    pub fn from_ron(text: &str) -> Result<Self, Error> {
        let codebook: Codebook = crate::sidecar::ron_options().from_str(text).map_err(|e| {
            Error::new(ErrorKind::Codebook, format!("is not a valid codebook: {}", e.code))
                .at(e.span.start.line, e.span.start.col)
                .hint("fix the RON syntax at that place, or export a fresh codebook with `marginalia codebook export`")
        })?;
        codebook.validate()?;
        Ok(codebook)
    }

    /// Loads and validates a codebook file.
    pub fn load(path: &std::path::Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "cannot read the codebook", e))?;
        Self::from_ron(&text).map_err(|e| e.in_file(path))
    }

    pub fn to_ron(&self) -> String {
        crate::sidecar::to_ron_pretty(self)
    }

    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }
    pub fn code_mut(&mut self, id: &str) -> Option<&mut Code> {
        self.codes.iter_mut().find(|c| c.id == id)
    }
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.codes.iter().position(|c| c.id == id)
    }

    /// Finds a code by id or by name (case-insensitive).
    pub fn resolve(&self, id_or_name: &str) -> Option<&Code> {
        self.code(id_or_name).or_else(|| {
            let wanted = id_or_name.trim().to_lowercase();
            self.codes.iter().find(|c| c.name.to_lowercase() == wanted || c.id.to_lowercase() == wanted)
        })
    }

    pub fn by_key(&self, key: char) -> Option<&Code> {
        self.codes.iter().find(|c| c.key == Some(key))
    }

    /// Codes that have children (groups).
    pub fn is_group(&self, id: &str) -> bool {
        self.codes.iter().any(|c| c.parent.as_deref() == Some(id))
    }
    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Code> + 'a {
        self.codes.iter().filter(move |c| c.parent.as_deref() == Some(id))
    }
    /// The name of a code's group, if it has one.
    pub fn group_name(&self, id: &str) -> Option<&str> {
        let parent = self.code(id)?.parent.as_deref()?;
        self.code(parent).map(|p| p.name.as_str())
    }

    /// A fresh id for a new code named `name`, unique in this codebook.
    pub fn fresh_id(&self, name: &str) -> String {
        let mut base: String = name
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if base.is_empty() {
            base = "code".to_owned();
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.code(&id).is_some() {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// The first number key no code uses yet.
    pub fn free_key(&self) -> Option<char> {
        ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'].into_iter().find(|k| self.by_key(*k).is_none())
    }

    /// Checks the rules every loaded codebook must meet.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |msg: String, hint: &str| Err(Error::new(ErrorKind::Codebook, msg).hint(hint));
        if self.codes.is_empty() {
            return bad("the codebook has no codes".into(), "add at least one code");
        }
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for code in &self.codes {
            if code.id.trim().is_empty() {
                return bad(format!("code \"{}\" has an empty id", code.name), "give every code a unique id");
            }
            if code.name.trim().is_empty() {
                return bad(format!("code \"{}\" has an empty name", code.id), "give every code a name");
            }
            if !ids.insert(code.id.as_str()) {
                return bad(format!("two codes have the id \"{}\"", code.id), "give every code a unique id");
            }
            if !names.insert(code.name.trim().to_lowercase()) {
                return bad(format!("two codes are named \"{}\"", code.name), "rename one of them");
            }
            if parse_colour(&code.colour).is_none() {
                return bad(
                    format!("code \"{}\" has the colour \"{}\", which is not #RRGGBB", code.name, code.colour),
                    "write colours as #RRGGBB, e.g. #E69F00",
                );
            }
            if let Some(k) = code.key {
                if !k.is_ascii_digit() {
                    return bad(format!("code \"{}\" has the key '{k}'; keys are 0-9", code.name), "use a digit key or none");
                }
                if !keys.insert(k) {
                    return bad(format!("two codes use the key {k}"), "give each code its own key, or none");
                }
            }
            let mut attr_ids = BTreeSet::new();
            for a in &code.attributes {
                if a.id.trim().is_empty() || a.name.trim().is_empty() || !attr_ids.insert(a.id.as_str()) {
                    return bad(
                        format!("code \"{}\" has an attribute with an empty or repeated id or name", code.name),
                        "give each attribute a unique id and a name",
                    );
                }
                if let AttributeKind::Choice(options) = &a.kind
                    && options.is_empty()
                {
                    return bad(
                        format!("attribute \"{}\" of \"{}\" has no choices", a.name, code.name),
                        "list at least one choice",
                    );
                }
            }
        }
        for code in &self.codes {
            if let Some(parent) = &code.parent {
                let Some(p) = self.code(parent) else {
                    return bad(
                        format!("code \"{}\" belongs to the group \"{parent}\", which does not exist", code.name),
                        "fix the parent id",
                    );
                };
                if p.parent.is_some() {
                    return bad(
                        format!("code \"{}\" is nested two levels deep; groups are one level", code.name),
                        "move it under a top-level group",
                    );
                }
            }
        }
        Ok(())
    }
}

/// Parses `#RRGGBB` or `#RGB` (case-insensitive).
pub fn parse_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.trim().strip_prefix('#')?;
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = hex.as_bytes();
    match b.len() {
        6 => Some([nibble(b[0])? * 16 + nibble(b[1])?, nibble(b[2])? * 16 + nibble(b[3])?, nibble(b[4])? * 16 + nibble(b[5])?]),
        3 => Some([nibble(b[0])? * 17, nibble(b[1])? * 17, nibble(b[2])? * 17]),
        _ => None,
    }
}

pub fn format_colour(rgb: [u8; 3]) -> String {
    format!("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_codebook_is_valid_and_complete() {
        let cb = Codebook::default();
        for name in ["Factual assertion", "Demand", "Call to action", "Opinion or value judgement", "Prediction"] {
            let code = cb.resolve(name).unwrap_or_else(|| panic!("missing {name}"));
            assert!(!code.description.is_empty());
            assert!(code.key.is_some());
        }
        assert_eq!(cb.resolve("DEMAND").unwrap().id, "demand");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let mut cb = Codebook::default();
        cb.codes[1].key = cb.codes[0].key;
        let err = cb.validate().unwrap_err();
        assert!(err.message.contains("two codes use the key"), "{err}");
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_colour("#E69F00"), Some([0xE6, 0x9F, 0x00]));
        assert_eq!(parse_colour("#fa0"), Some([0xFF, 0xAA, 0x00]));
        assert_eq!(parse_colour("red"), None);
    }
}
