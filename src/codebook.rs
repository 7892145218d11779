//! The codebook: the codes a reader tags passages with, their definitions, colours, non-colour
//! cues, number keys, one level of grouping, and the attributes an annotator fills in.
//!
//! Annotations refer to codes by [`Code::id`], never by name, so renaming a code never breaks
//! them. Validation happens here, once, so nothing half-loaded is ever used.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::document::excerpt;
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
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// Stable identifier used as the key in annotations and as the export column.
    pub id: String,
    pub name: String,
    pub kind: AttributeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Whether other QDA programs should offer this code for coding (REFI-QDA `isCodable`).
    /// `None`, the usual case, means the default: a group is a folder that is not codable, any
    /// other code is codable. Set when an imported codebook says otherwise, so that it goes
    /// back out as it came in. Marginalia itself lets every code tag a passage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codable: Option<bool>,
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
            codable: None,
        }
    }

    /// The colour as RGB bytes (validated codebooks always parse).
    pub fn rgb(&self) -> [u8; 3] {
        parse_colour(&self.colour).unwrap_or([0x99, 0x99, 0x99])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub codes: Vec<Code>,
    /// The kinds of directed link a coder may draw from one annotation to another ("supports",
    /// "evidence for"). Written only when there are some, so codebooks without links keep
    /// their text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_types: Vec<LinkType>,
}

/// A kind of directed link between two annotations: from an origin (a claim's evidence) to a
/// target (the claim). Links refer to it by [`LinkType::id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkType {
    /// Stable identifier (lower case, no spaces). Links refer to this.
    pub id: String,
    pub name: String,
    /// One-sentence definition.
    #[serde(default)]
    pub description: String,
    /// `#RRGGBB`, for the arrow.
    pub colour: String,
    /// Codes an origin annotation may have; empty: any code.
    #[serde(default)]
    pub origin_codes: Vec<String>,
    /// Codes a target annotation may have; empty: any code.
    #[serde(default)]
    pub target_codes: Vec<String>,
}

impl LinkType {
    pub fn new(id: &str, name: &str, colour: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            colour: colour.to_owned(),
            origin_codes: Vec::new(),
            target_codes: Vec::new(),
        }
    }

    /// May an annotation with this code be the origin of such a link?
    pub fn allows_origin(&self, code: &str) -> bool {
        self.origin_codes.is_empty() || self.origin_codes.iter().any(|c| c == code)
    }
    /// May an annotation with this code be the target of such a link?
    pub fn allows_target(&self, code: &str) -> bool {
        self.target_codes.is_empty() || self.target_codes.iter().any(|c| c == code)
    }
}

/// The "Claims" codebook, compiled in from assets/.
pub const CLAIMS_RON: &str = include_str!("../assets/codebooks/claims.ron");
/// The "Persuasion techniques" codebook, compiled in from assets/.
pub const PERSUASION_RON: &str = include_str!("../assets/codebooks/persuasion.ron");
/// The 14 techniques of SemEval-2020 Task 11, whose ids are the task's exact labels.
pub const SEMEVAL2020_RON: &str = include_str!("../assets/codebooks/semeval2020.ron");

/// The codebooks shipped with Marginalia: short name (used on the command line) and RON text.
const SHIPPED: [(&str, &str); 3] = [("claims", CLAIMS_RON), ("persuasion", PERSUASION_RON), ("semeval2020", SEMEVAL2020_RON)];

/// The shipped codebooks, each with its short name ("claims", "persuasion").
pub fn builtin() -> Vec<(&'static str, Codebook)> {
    SHIPPED.iter().filter_map(|(name, ron)| Codebook::from_ron(ron).ok().map(|cb| (*name, cb))).collect()
}

/// The short names of the shipped codebooks.
pub fn builtin_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

impl Default for Codebook {
    fn default() -> Self {
        Self::from_ron(CLAIMS_RON).expect("the built-in codebook is valid")
    }
}

impl Codebook {
    /// A shipped codebook by its short name ("claims") or its full name ("Claims"),
    /// case-insensitively.
    pub fn builtin(name: &str) -> Option<Codebook> {
        let wanted = name.trim().to_lowercase();
        builtin().into_iter().find(|(short, cb)| *short == wanted || cb.name.to_lowercase() == wanted).map(|(_, cb)| cb)
    }

    /// Parses and validates a codebook in RON. Problems in a code are reported at the line and
    /// column where that code is written.
    pub fn from_ron(text: &str) -> Result<Self, Error> {
        let codebook: Codebook = crate::io::ron_options().from_str(text).map_err(|e| {
            if let Some(unknown) = crate::io::unknown_field(&e.code) {
                return Error::new(ErrorKind::Codebook, unknown)
                    .at(e.span.start.line, e.span.start.col)
                    .hint(crate::io::UNKNOWN_FIELD_HINT);
            }
            Error::new(
                ErrorKind::Codebook,
                format!("is not a valid codebook: {}", excerpt(&e.code.to_string(), 4 * crate::document::QUOTE_CHARS)),
            )
            .at(e.span.start.line, e.span.start.col)
            .hint("fix the RON syntax at that place, or export a fresh codebook with `marginalia codebook export`")
        })?;
        if let Some((err, index)) = codebook.problem() {
            return Err(match index.and_then(|i| locate_code(text, &codebook, i)) {
                Some((line, col)) => err.at(line, col),
                None => err,
            });
        }
        Ok(codebook)
    }

    /// Loads and validates a codebook file.
    pub fn load(path: &std::path::Path) -> Result<Self, Error> {
        let bytes = crate::io::read_regular(path, "cannot read the codebook")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(ErrorKind::Codebook, format!("is not UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to()))
                .in_file(path)
                .hint("save the codebook as UTF-8")
        })?;
        Self::from_ron(&text).map_err(|e| e.in_file(path))
    }

    pub fn to_ron(&self) -> String {
        crate::io::to_ron_pretty(self)
    }

    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }
    pub fn link_type(&self, id: &str) -> Option<&LinkType> {
        self.link_types.iter().find(|t| t.id == id)
    }

    /// Finds a link type by id or by name, case-insensitively.
    pub fn resolve_link_type(&self, id_or_name: &str) -> Option<&LinkType> {
        let wanted = id_or_name.trim().to_lowercase();
        self.link_type(id_or_name)
            .or_else(|| self.link_types.iter().find(|t| t.name.to_lowercase() == wanted || t.id.to_lowercase() == wanted))
    }

    pub fn code_mut(&mut self, id: &str) -> Option<&mut Code> {
        self.codes.iter_mut().find(|c| c.id == id)
    }
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.codes.iter().position(|c| c.id == id)
    }

    /// Finds a code by id or by name (case-insensitive).
    /// Also accepts a code's number key ("2"), or the start of exactly one code's name or id
    /// ("factual").
    pub fn resolve(&self, id_or_name: &str) -> Option<&Code> {
        let wanted = id_or_name.trim().to_lowercase();
        self.code(id_or_name)
            .or_else(|| self.codes.iter().find(|c| c.name.to_lowercase() == wanted || c.id.to_lowercase() == wanted))
            .or_else(|| {
                let mut chars = wanted.chars();
                match (chars.next(), chars.next()) {
                    (Some(k), None) if k.is_ascii_digit() => self.by_key(k),
                    _ => None,
                }
            })
            .or_else(|| {
                let mut found = self
                    .codes
                    .iter()
                    .filter(|c| !wanted.is_empty() && (c.name.to_lowercase().starts_with(&wanted) || c.id.starts_with(&wanted)));
                match (found.next(), found.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
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

    /// Adds a link type with `id` and `name` (made unique; an empty id is made from the name)
    /// and returns its id. A colour that does not parse is replaced with grey.
    pub fn add_link_type(&mut self, id: &str, name: &str, colour: Option<String>) -> String {
        let base = if id.trim().is_empty() { slug(name) } else { id.to_owned() };
        let base = if base.is_empty() { "link".to_owned() } else { base };
        let mut new_id = base.clone();
        let mut n = 2;
        while self.link_type(&new_id).is_some() {
            new_id = format!("{base}-{n}");
            n += 1;
        }
        let name = if name.trim().is_empty() { new_id.clone() } else { name.trim().to_owned() };
        let mut unique_name = name.clone();
        let mut n = 2;
        while self.link_types.iter().any(|t| t.name.to_lowercase() == unique_name.to_lowercase()) {
            unique_name = format!("{name} ({n})");
            n += 1;
        }
        let colour = colour.filter(|c| parse_colour(c).is_some()).unwrap_or_else(|| "#999999".to_owned());
        self.link_types.push(LinkType::new(&new_id, &unique_name, &colour));
        new_id
    }

    /// A fresh id for a new code named `name`, unique in this codebook ([`fresh_id`]).
    pub fn fresh_id(&self, name: &str) -> String {
        fresh_id(name, "code", |id| self.code(id).is_some())
    }

    /// `name`, or `name (2)`, `name (3)`... : the first that no code has yet, ignoring case
    /// (the rule [`Codebook::validate`] checks names by).
    pub fn free_name(&self, name: &str) -> String {
        let taken = |n: &str| self.codes.iter().any(|c| c.name.trim().to_lowercase() == n.trim().to_lowercase());
        if !taken(name) {
            return name.to_owned();
        }
        (2..).map(|k| format!("{name} ({k})")).find(|n| !taken(n)).unwrap_or_default()
    }

    /// Adds the codes of `other` whose id this codebook lacks (see [`Codebook::merge_codes`]),
    /// then its link types whose id this codebook lacks, by the same rule: the first definition
    /// of an id wins, an added type whose name is taken is named `name (2)`, and its code lists
    /// keep the codes this codebook has.
    pub fn merge_missing(&mut self, other: &Codebook) -> Merged {
        let merged = self.merge_codes(&other.codes);
        for t in &other.link_types {
            if self.link_type(&t.id).is_some() {
                continue;
            }
            let mut t = t.clone();
            let taken =
                |cb: &Codebook, n: &str| cb.link_types.iter().any(|x| x.name.trim().to_lowercase() == n.trim().to_lowercase());
            if taken(self, &t.name) {
                let base = t.name.clone();
                t.name = (2..).map(|k| format!("{base} ({k})")).find(|n| !taken(self, n)).unwrap_or_default();
            }
            let known = |c: &String| self.code(c).is_some();
            t.origin_codes.retain(known);
            t.target_codes.retain(known);
            self.link_types.push(t);
        }
        merged
    }

    /// The one rule by which codebooks meet (several coders compared, an answer key, a folder
    /// exported with its sidecars, a code accepted into a gold sidecar), so that every view
    /// and command that puts codebooks together sees the same codes:
    ///
    /// - Codes are matched by id. A code whose id is here already is left out: the first
    ///   definition of an id wins, and nothing already here changes.
    /// - A code whose id is missing is added after the others, in the order given. It keeps its
    ///   number key when no code here uses that key, and its name when no code here has it
    ///   (ignoring case); else it gets no key, and the name `name (2)` (or `(3)`...).
    /// - An added code keeps its group when the group is (after merging) a top-level code; else
    ///   it becomes a top-level code, since groups are one level.
    ///
    /// When this codebook and the codes given are valid, so is the result.
    pub fn merge_codes<'a>(&mut self, codes: impl IntoIterator<Item = &'a Code>) -> Merged {
        let mut merged = Merged::default();
        let before = self.codes.len();
        for code in codes {
            if self.code(&code.id).is_some() {
                continue;
            }
            let mut code = code.clone();
            if code.key.is_some_and(|k| self.by_key(k).is_some()) {
                code.key = None;
            }
            let name = self.free_name(&code.name);
            if name != code.name {
                merged.renamed.push((code.id.clone(), name.clone()));
                code.name = name;
            }
            merged.codes.push(code.id.clone());
            self.codes.push(code);
        }
        // Groups are decided once every code is in, as a group may come after its members.
        let nested: Vec<usize> = (before..self.codes.len())
            .filter(|&i| self.codes[i].parent.as_deref().is_some_and(|p| self.code(p).is_none_or(|group| group.parent.is_some())))
            .collect();
        for i in nested {
            self.codes[i].parent = None;
        }
        merged
    }

    /// The first number key no code uses yet.
    pub fn free_key(&self) -> Option<char> {
        ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'].into_iter().find(|k| self.by_key(*k).is_none())
    }

    /// A colour from [`SAFE_PALETTE`] and a cue for a new code: the least used colour and then
    /// the least used cue (in palette and cue order), never a pair another code has, so that a
    /// new code looks as different as it can from every other; `None` when all 72 pairs are
    /// taken.
    pub fn unused_look(&self) -> Option<(&'static str, Cue)> {
        let colour_uses = |hex: &str| self.codes.iter().filter(|c| parse_colour(&c.colour) == parse_colour(hex)).count();
        let cue_uses = |cue: Cue| self.codes.iter().filter(|c| c.cue == cue).count();
        SAFE_PALETTE
            .iter()
            .flat_map(|(hex, _)| Cue::ALL.into_iter().map(move |cue| (*hex, cue)))
            .filter(|(hex, cue)| !self.codes.iter().any(|c| c.cue == *cue && parse_colour(&c.colour) == parse_colour(hex)))
            .enumerate()
            .min_by_key(|(order, (hex, cue))| (colour_uses(hex), cue_uses(*cue), *order))
            .map(|(_, look)| look)
    }

    /// Puts every group's codes right after the group, keeping the order within each level, so
    /// that lists read top to bottom as they are grouped.
    pub fn group_order(&mut self) {
        let codes = std::mem::take(&mut self.codes);
        let known: BTreeSet<String> = codes.iter().map(|c| c.id.clone()).collect();
        let is_top = |c: &Code| c.parent.as_ref().is_none_or(|p| !known.contains(p));
        let (top, children): (Vec<Code>, Vec<Code>) = codes.into_iter().partition(is_top);
        let mut children: Vec<Option<Code>> = children.into_iter().map(Some).collect();
        for code in top {
            let id = code.id.clone();
            self.codes.push(code);
            for slot in children.iter_mut() {
                if slot.as_ref().is_some_and(|c| c.parent.as_deref() == Some(id.as_str())) {
                    self.codes.extend(slot.take());
                }
            }
        }
        // Children of children (invalid, kept so that validation can report them).
        self.codes.extend(children.into_iter().flatten());
    }

    /// Before this codebook replaces `current`: a code that has no id in `current` but the same
    /// name (ignoring case) as a code there takes that code's id, so annotations keep pointing
    /// at it. This lets a codebook that went through another program (where ids become GUIDs)
    /// come back. A codebook without link types (a REFI-QDA codebook carries none) keeps
    /// `current`'s, so that links keep their types. Returns how many ids were taken over.
    pub fn adopt_ids_from(&mut self, current: &Codebook) -> usize {
        let taken = self.adopt_code_ids_from(current);
        if self.link_types.is_empty() {
            self.link_types = current.link_types.clone();
            for t in &mut self.link_types {
                let known = |c: &String| self.codes.iter().any(|x| x.id == *c);
                t.origin_codes.retain(known);
                t.target_codes.retain(known);
            }
        }
        taken
    }

    fn adopt_code_ids_from(&mut self, current: &Codebook) -> usize {
        let mut renames: Vec<(String, String)> = Vec::new();
        for code in &self.codes {
            if current.code(&code.id).is_some() {
                continue;
            }
            let name = code.name.trim().to_lowercase();
            if let Some(old) = current.codes.iter().find(|c| c.name.trim().to_lowercase() == name)
                && self.code(&old.id).is_none()
                && !renames.iter().any(|(_, to)| *to == old.id)
            {
                renames.push((code.id.clone(), old.id.clone()));
            }
        }
        for (from, to) in &renames {
            for c in &mut self.codes {
                if c.id == *from {
                    c.id = to.clone();
                }
                if c.parent.as_deref() == Some(from.as_str()) {
                    c.parent = Some(to.clone());
                }
            }
            for t in &mut self.link_types {
                for c in t.origin_codes.iter_mut().chain(t.target_codes.iter_mut()) {
                    if c == from {
                        c.clone_from(to);
                    }
                }
            }
        }
        renames.len()
    }

    /// Pairs of codes that look the same: same colour and same cue.
    pub fn indistinguishable(&self) -> Vec<(&Code, &Code)> {
        let mut pairs = Vec::new();
        for (i, a) in self.codes.iter().enumerate() {
            for b in &self.codes[i + 1..] {
                if a.cue == b.cue && parse_colour(&a.colour) == parse_colour(&b.colour) {
                    pairs.push((a, b));
                }
            }
        }
        pairs
    }

    /// Checks the rules every loaded codebook must meet.
    pub fn validate(&self) -> Result<(), Error> {
        match self.problem() {
            Some((err, _)) => Err(err),
            None => Ok(()),
        }
    }

    /// The first rule a link type breaks: unique ids and names, a colour, codes that exist.
    fn link_type_problem(&self) -> Option<Error> {
        let bad = |msg: String, hint: &str| Some(Error::new(ErrorKind::Codebook, msg).hint(hint));
        let mut type_ids = BTreeSet::new();
        let mut type_names = BTreeSet::new();
        for t in &self.link_types {
            if t.id.trim().is_empty() || t.name.trim().is_empty() {
                return bad(
                    format!("link type \"{}\" has an empty id or name", q(&t.name)),
                    "give every link type an id and a name",
                );
            }
            if !type_ids.insert(t.id.as_str()) || !type_names.insert(t.name.trim().to_lowercase()) {
                return bad(
                    format!("two link types have the id or name \"{}\"", q(&t.name)),
                    "give every link type its own id and name",
                );
            }
            if parse_colour(&t.colour).is_none() {
                return bad(
                    format!("link type \"{}\" has the colour \"{}\", which is not #RRGGBB", q(&t.name), q(&t.colour)),
                    "write colours as #RRGGBB, e.g. #E69F00",
                );
            }
            if let Some(missing) = t.origin_codes.iter().chain(&t.target_codes).find(|c| self.code(c).is_none()) {
                return bad(
                    format!("link type \"{}\" names the code \"{}\", which the codebook does not define", q(&t.name), q(missing)),
                    "list code ids in origin_codes and target_codes, or leave them empty for any code",
                );
            }
        }
        None
    }

    /// The first rule this codebook breaks, with the index of the code that breaks it.
    fn problem(&self) -> Option<(Error, Option<usize>)> {
        let bad = |msg: String, hint: &str, at: Option<usize>| Some((Error::new(ErrorKind::Codebook, msg).hint(hint), at));
        if self.codes.is_empty() {
            return bad("the codebook has no codes".into(), "add at least one code", None);
        }
        let mut ids = BTreeSet::new();
        let mut names: BTreeMap<String, &str> = BTreeMap::new();
        let mut keys: BTreeMap<char, &str> = BTreeMap::new();
        for (index, code) in self.codes.iter().enumerate() {
            let bad = |msg: String, hint: &str| bad(msg, hint, Some(index));
            if code.id.trim().is_empty() {
                return bad(format!("code \"{}\" has an empty id", q(&code.name)), "give every code a unique id");
            }
            if code.name.trim().is_empty() {
                return bad(format!("code \"{}\" has an empty name", q(&code.id)), "give every code a name");
            }
            if !ids.insert(code.id.as_str()) {
                return bad(format!("two codes have the id \"{}\"", q(&code.id)), "give every code a unique id");
            }
            if let Some(first) = names.insert(code.name.trim().to_lowercase(), &code.name) {
                let msg = if first == code.name {
                    format!("two codes are named \"{}\"", q(first))
                } else {
                    format!("two codes have the same name, ignoring case: \"{}\" and \"{}\"", q(first), q(&code.name))
                };
                return bad(msg, "rename one of them");
            }
            if parse_colour(&code.colour).is_none() {
                return bad(
                    format!("code \"{}\" has the colour \"{}\", which is not #RRGGBB", q(&code.name), q(&code.colour)),
                    "write colours as #RRGGBB, e.g. #E69F00 (orange) or #0072B2 (blue) from the colour-blind-safe palette",
                );
            }
            if let Some(k) = code.key {
                if !k.is_ascii_digit() {
                    return bad(format!("code \"{}\" has the key '{k}'; keys are 0-9", q(&code.name)), "use a digit key or none");
                }
                if let Some(first) = keys.insert(k, &code.name) {
                    return bad(
                        format!("two codes use the key {k}: \"{}\" and \"{}\"", q(first), q(&code.name)),
                        "give each code its own key, or none",
                    );
                }
            }
            let mut attr_ids = BTreeSet::new();
            for a in &code.attributes {
                if a.id.trim().is_empty() || a.name.trim().is_empty() || !attr_ids.insert(a.id.as_str()) {
                    return bad(
                        format!("code \"{}\" has an attribute with an empty or repeated id or name", q(&code.name)),
                        "give each attribute a unique id and a name",
                    );
                }
                if let AttributeKind::Choice(options) = &a.kind
                    && options.is_empty()
                {
                    return bad(
                        format!("attribute \"{}\" of \"{}\" has no choices", q(&a.name), q(&code.name)),
                        "list at least one choice",
                    );
                }
            }
        }
        if let Some(err) = self.link_type_problem() {
            return Some((err, None));
        }
        for (index, code) in self.codes.iter().enumerate() {
            let bad = |msg: String, hint: &str| bad(msg, hint, Some(index));
            if let Some(parent) = &code.parent {
                let Some(p) = self.code(parent) else {
                    return bad(
                        format!("code \"{}\" belongs to the group \"{}\", which does not exist", q(&code.name), q(parent)),
                        "fix the parent id",
                    );
                };
                if p.parent.is_some() {
                    return bad(
                        format!("code \"{}\" is nested two levels deep; groups are one level", q(&code.name)),
                        "move it under a top-level group",
                    );
                }
            }
        }
        None
    }
}

/// What [`Codebook::merge_missing`] added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    /// The ids of the codes added, in order.
    pub codes: Vec<String>,
    /// Added codes whose name was taken, with the name they got: (id, new name).
    pub renamed: Vec<(String, String)>,
}

impl Merged {
    /// Nothing was added.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// A name or value from the file as a message quotes it: a short excerpt on one line.
fn q(s: &str) -> String {
    excerpt(s, crate::document::QUOTE_CHARS)
}

/// The line and column where code number `index` is written: its `id: "..."` field (the
/// n-th such field when ids repeat), else its `name: "..."` field.
fn locate_code(text: &str, codebook: &Codebook, index: usize) -> Option<(usize, usize)> {
    let code = codebook.codes.get(index)?;
    let nth = |needle: String, n: usize| text.match_indices(&needle).nth(n).map(|(b, _)| b);
    let same_id_before = codebook.codes[..index].iter().filter(|c| c.id == code.id).count();
    let same_name_before = codebook.codes[..index].iter().filter(|c| c.name == code.name).count();
    let byte =
        nth(format!("id: {:?}", code.id), same_id_before).or_else(|| nth(format!("name: {:?}", code.name), same_name_before))?;
    Some(crate::error::line_col(text, byte))
}

/// An id made from `name` ([`slug`], or `fallback` when the name has no letters or digits)
/// that `taken` refuses: the slug itself, else `slug-2`, `slug-3`... The one rule for new ids
/// of codes and attributes.
pub fn fresh_id(name: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = Some(slug(name)).filter(|s| !s.is_empty()).unwrap_or_else(|| fallback.to_owned());
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// A name as an id: lower case, runs of anything but letters and digits turned into one `-`
/// ("Call to action!" → `call-to-action`). Empty when the name has no letters or digits.
pub fn slug(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
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
        assert_eq!(cb.resolve("2").unwrap().id, "demand");
        assert_eq!(cb.resolve("factual").unwrap().id, "factual-assertion");
        let mut two = cb.clone();
        two.codes.push(Code::new("deadline", "Deadline", "#999999"));
        assert!(two.resolve("de").is_none(), "ambiguous prefixes are refused");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let mut cb = Codebook::default();
        cb.codes[1].key = cb.codes[0].key;
        let err = cb.validate().unwrap_err();
        assert!(err.message.contains("two codes use the key"), "{err}");
    }

    #[test]
    fn every_shipped_codebook_validates_and_tells_codes_apart() {
        let shipped = builtin();
        assert_eq!(shipped.len(), builtin_names().len(), "a shipped codebook failed to load");
        for (short, cb) in &shipped {
            cb.validate().unwrap_or_else(|e| panic!("{short}: {e}"));
            let clashes: Vec<_> = cb.indistinguishable().iter().map(|(a, b)| format!("{} / {}", a.id, b.id)).collect();
            assert!(clashes.is_empty(), "{short}: same colour and cue: {clashes:?}");
            for code in &cb.codes {
                assert!(SAFE_PALETTE.iter().any(|(hex, _)| *hex == code.colour), "{short}: {} is off-palette", code.id);
            }
            assert_eq!(Codebook::builtin(short).as_ref(), Some(cb));
            assert_eq!(Codebook::builtin(&cb.name.to_uppercase()).as_ref(), Some(cb));
        }
        assert!(Codebook::builtin("no such codebook").is_none());
    }

    #[test]
    fn the_semeval_codebook_has_the_task_labels_as_ids() {
        let cb = Codebook::builtin("semeval2020").unwrap();
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "Appeal_to_Authority",
                "Appeal_to_fear-prejudice",
                "Bandwagon,Reductio_ad_hitlerum",
                "Black-and-White_Fallacy",
                "Causal_Oversimplification",
                "Doubt",
                "Exaggeration,Minimisation",
                "Flag-Waving",
                "Loaded_Language",
                "Name_Calling,Labeling",
                "Repetition",
                "Slogans",
                "Thought-terminating_Cliches",
                "Whataboutism,Straw_Men,Red_Herring",
            ]
        );
        for c in &cb.codes {
            assert!(c.description.len() > 40 && c.example.len() > 10, "{} lacks a definition or example", c.id);
            assert!(c.parent.is_none());
        }
        assert_eq!(cb.codes.iter().filter(|c| c.key.is_some()).count(), 10);
    }

    #[test]
    fn the_persuasion_codebook_teaches_each_technique() {
        let cb = Codebook::builtin("persuasion").unwrap();
        let techniques: Vec<&Code> = cb.codes.iter().filter(|c| !cb.is_group(&c.id)).collect();
        assert!(techniques.len() >= 12, "only {} techniques", techniques.len());
        for name in ["Loaded language", "Appeal to fear", "Whataboutism", "Straw man", "Bandwagon", "Black-and-white fallacy"] {
            assert!(cb.resolve(name).is_some(), "missing {name}");
        }
        for t in &techniques {
            assert!(t.parent.is_some(), "{} has no group", t.id);
            assert!(t.description.len() > 20 && t.example.len() > 20, "{} lacks a definition or example", t.id);
        }
        assert_eq!(cb.codes.iter().filter(|c| c.key.is_some()).count(), 10);
    }

    #[test]
    fn a_new_code_gets_a_look_no_other_code_has() {
        let mut cb = Codebook::default();
        for i in 0..20 {
            let (colour, cue) = cb.unused_look().unwrap();
            let mut code = Code::new(&format!("extra-{i}"), &format!("Extra {i}"), colour);
            code.cue = cue;
            cb.codes.push(code);
            assert!(cb.indistinguishable().is_empty(), "after {i} new codes");
        }
        assert!(SAFE_PALETTE.iter().any(|(hex, _)| *hex == cb.codes.last().unwrap().colour));
    }

    #[test]
    fn a_new_code_takes_an_unused_colour_and_an_unused_cue_while_there_are_some() {
        let cb = Codebook::default();
        let (colour, cue) = cb.unused_look().unwrap();
        assert!(!cb.codes.iter().any(|c| parse_colour(&c.colour) == parse_colour(colour)), "{colour} is taken");
        if cb.codes.len() < Cue::ALL.len() {
            assert!(!cb.codes.iter().any(|c| c.cue == cue), "{cue:?} is taken");
        }
        // With every colour taken, a new code still differs in its cue from same-coloured codes.
        let mut full = Codebook { codes: Vec::new(), ..Codebook::default() };
        for (i, (hex, _)) in SAFE_PALETTE.iter().enumerate() {
            full.codes.push(Code::new(&format!("c{i}"), &format!("C {i}"), hex));
        }
        let (colour, cue) = full.unused_look().unwrap();
        assert_ne!(cue, Cue::Solid, "{colour} with a solid underline is taken");
    }

    #[test]
    fn grouped_order_puts_children_after_their_group() {
        let mut cb = Codebook::builtin("persuasion").unwrap();
        let first_child = cb.codes.iter().position(|c| c.parent.is_some()).unwrap();
        let moved = cb.codes.remove(first_child);
        cb.codes.push(moved.clone());
        cb.group_order();
        let parent = cb.index_of(moved.parent.as_deref().unwrap()).unwrap();
        let at = cb.index_of(&moved.id).unwrap();
        assert!(at > parent && cb.codes[parent + 1..at].iter().all(|c| c.parent == moved.parent), "{at} {parent}");
        assert_eq!(cb, {
            let mut again = cb.clone();
            again.group_order();
            again
        });
    }

    #[test]
    fn a_codebook_coming_back_with_other_ids_takes_the_current_ids_by_name() {
        let current = Codebook::default();
        let mut back = current.clone();
        for c in &mut back.codes {
            c.id = format!("guid-{}", c.id);
        }
        back.codes[0].name = back.codes[0].name.to_uppercase();
        assert_eq!(back.adopt_ids_from(&current), current.codes.len());
        assert_eq!(back.codes.iter().map(|c| &c.id).collect::<Vec<_>>(), current.codes.iter().map(|c| &c.id).collect::<Vec<_>>());
        assert_eq!(slug("  Call to action! ✊ "), "call-to-action");
        assert_eq!(current.fresh_id("Demand"), "demand-2");
    }

    #[test]
    fn fresh_ids_come_from_names_and_stay_unique() {
        let taken = |ids: &'static [&'static str]| move |id: &str| ids.contains(&id);
        assert_eq!(fresh_id("Addressee", "attribute", taken(&[])), "addressee");
        assert_eq!(fresh_id("Addressee", "attribute", taken(&["addressee", "addressee-2"])), "addressee-3");
        assert_eq!(fresh_id("!!", "attribute", taken(&["attribute"])), "attribute-2");
    }

    #[test]
    fn merging_adds_codes_missing_by_id_and_keeps_the_first_of_an_id() {
        let mut mine = Codebook::default();
        let original = mine.clone();
        let mut theirs = Codebook::default();
        // Same id, other name, colour and attributes: ours stays as it is.
        theirs.codes[0].name = "Renamed elsewhere".into();
        theirs.codes[0].colour = "#000000".into();
        theirs.codes[0].attributes.push(AttributeDef {
            id: "certainty".into(),
            name: "Certainty".into(),
            kind: AttributeKind::Text,
        });
        let mut extra = Code::new("irony", "Irony", "#CC79A7");
        extra.key = theirs.codes[1].key;
        theirs.codes.push(extra);
        let mut free_key = Code::new("hedge", "Hedge", "#999999");
        free_key.key = Some('9');
        theirs.codes.push(free_key);

        let report = mine.merge_missing(&theirs);
        assert_eq!(report.codes, ["irony", "hedge"]);
        assert!(report.renamed.is_empty());
        assert_eq!(mine.codes[..original.codes.len()], original.codes[..], "codes already here are left alone");
        assert_eq!(mine.code("irony").unwrap().key, None, "a key in use here is not taken over");
        assert_eq!(mine.code("hedge").unwrap().key, Some('9'));
        mine.validate().unwrap();
        // Merging again adds nothing.
        assert!(mine.clone().merge_missing(&theirs).is_empty());
        // Within one merge, the first of two codes with one id wins too.
        let twice = [Code::new("dup", "First", "#111111"), Code::new("dup", "Second", "#222222")];
        assert_eq!(mine.merge_codes(&twice).codes, ["dup"]);
        assert_eq!(mine.code("dup").unwrap().name, "First");
    }

    #[test]
    fn merged_codes_keep_free_keys_and_get_free_names() {
        let mut mine = Codebook {
            name: "a".into(),
            description: String::new(),
            codes: vec![Code::new("a", "Claim", "#E69F00")],
            link_types: Vec::new(),
        };
        let mut theirs = Codebook {
            name: "b".into(),
            description: String::new(),
            codes: vec![Code::new("b", "CLAIM", "#56B4E9")],
            link_types: Vec::new(),
        };
        theirs.codes[0].key = Some('4');
        let report = mine.merge_missing(&theirs);
        assert_eq!(report.renamed, [("b".to_owned(), "CLAIM (2)".to_owned())]);
        assert_eq!(mine.code("b").unwrap().key, Some('4'));
        mine.validate().unwrap();
    }

    #[test]
    fn merging_adds_missing_link_types_with_free_names_and_known_codes() {
        let mut mine = Codebook::default();
        let mut theirs = Codebook::default();
        theirs.codes.push(Code::new("quote", "Quote", "#332288"));
        let mut rebuts = LinkType::new("rebuts", "Supports", "#D55E00");
        rebuts.origin_codes = vec!["quote".into(), "opinion".into()];
        theirs.link_types.push(rebuts);
        theirs.link_types[0].name = "Backs".into();
        mine.merge_missing(&theirs);
        // "supports" was here: the first definition wins.
        assert_eq!(mine.link_type("supports").unwrap().name, "Supports");
        let added = mine.link_type("rebuts").unwrap();
        assert_eq!(added.name, "Supports (2)");
        assert_eq!(added.origin_codes, ["quote", "opinion"], "the code came along, so it is kept");
        mine.validate().unwrap();
    }

    #[test]
    fn merged_codes_keep_their_group_only_where_groups_stay_one_level() {
        let mut mine = Codebook {
            name: "mine".into(),
            description: String::new(),
            codes: vec![Code::new("group", "Group", "#E69F00"), Code::new("child", "Child", "#56B4E9")],
            link_types: Vec::new(),
        };
        mine.codes[1].parent = Some("group".into());
        let mut theirs = Codebook {
            name: "theirs".into(),
            description: String::new(),
            codes: vec![
                // Member before its group: the group comes with it.
                Code::new("late-member", "Late member", "#009E73"),
                Code::new("late-group", "Late group", "#F0E442"),
                // Its group is a child here: would nest two levels.
                Code::new("grandchild", "Grandchild", "#0072B2"),
                // Its group is nowhere.
                Code::new("stray", "Stray", "#D55E00"),
                Code::new("in-group", "In group", "#CC79A7"),
            ],
            link_types: Vec::new(),
        };
        theirs.codes[0].parent = Some("late-group".into());
        theirs.codes[2].parent = Some("child".into());
        theirs.codes[3].parent = Some("missing".into());
        theirs.codes[4].parent = Some("group".into());
        mine.merge_missing(&theirs);
        let parent = |id: &str| mine.code(id).unwrap().parent.clone();
        assert_eq!(parent("late-member").as_deref(), Some("late-group"));
        assert_eq!(parent("grandchild"), None);
        assert_eq!(parent("stray"), None);
        assert_eq!(parent("in-group").as_deref(), Some("group"));
        assert_eq!(parent("child").as_deref(), Some("group"), "existing codes are left alone");
        mine.validate().unwrap();
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_colour("#E69F00"), Some([0xE6, 0x9F, 0x00]));
        assert_eq!(parse_colour("#fa0"), Some([0xFF, 0xAA, 0x00]));
        assert_eq!(parse_colour("red"), None);
    }
}
