//! W3C Web Annotation import: an AnnotationCollection (with embedded pages), an
//! AnnotationPage, one annotation, an array of them, or JSON lines. Annotations are grouped by
//! their target's `source`; each group goes beside the document of that file name in the
//! target folder, which must exist there (the error says which file to put there), and each
//! creator's annotations go into their own sidecar (see `sidecar_for_creator`).
//!
//! The code comes from a `classifying`/`tagging` body: a `SpecificResource` whose source is
//! `urn:marginalia:code:<id>` (as Marginalia writes) or any other source with a label, or a
//! `TextualBody` whose value names the code. `commenting` bodies (and `bodyValue`) become the
//! note; `describing` bodies become attribute values. An annotation without a code (a comment,
//! a highlight) gets the code [`NOTE_CODE_NAME`]. Positions come from the
//! `TextPositionSelector` (code points) and are checked against the `TextQuoteSelector`; when
//! they disagree the quote is searched for.
//!
//! The creator is the annotation's `creator` (a `Person`'s name or nickname, else a name made
//! from its IRI: `acct:ana@hypothes.is` is `ana`), else the `creator` of its first body that
//! has one (as Recogito writes it), else the coder the import is run for.
//!
//! An annotation with the motivation `linking` whose target and first body are annotations
//! (`urn:uuid:<id>`, as Marginalia writes links) becomes a link from its target to its body,
//! when both annotations are imported into the same sidecar with it or are in it already; its
//! type comes from a `classifying` body (`urn:marginalia:link-type:<id>` or a label), its note
//! from a `commenting` one.
//!
//! Everything is read, placed and checked before anything is written; then each sidecar is
//! written under its lock, held from reading it to writing it, so that imports, `add` and the
//! app wait for each other instead of failing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use uuid::Uuid;

use crate::anchor::reanchor_one;
use crate::annotation::{AnchorStatus, Annotation, is_rfc3339, now_rfc3339};
use crate::codebook::{AttributeDef, AttributeKind, Codebook};
use crate::document::{Document, QUOTE_CHARS, Span, excerpt};
use crate::error::{Error, ErrorKind};
use crate::export::w3c::{ATTRIBUTE_FRAGMENT, CODE_URI_PREFIX, LINK_TYPE_URI_PREFIX, decode_segment};
use crate::import::commit::{Writes, all_or_nothing};
use crate::import::{Summary, add_all_linked, add_code, format_error, inside, read_capped};
use crate::link::Link;
use crate::session::Session;
use crate::sidecar;

/// Reads the annotations of a W3C file (JSON or JSON lines). Containers are unpacked.
pub fn read_annotations(path: &Path, text: &str) -> Result<(Vec<Value>, Vec<String>), Error> {
    read_each(path, text, &mut |v| v)
}

/// Reads a W3C file (JSON or JSON lines) and hands each annotation to `convert` as it is read,
/// containers (collections, pages, arrays) unpacked: only one annotation at a time is held as
/// a tree of values, never the whole file (a tree takes ten times the file's size). Returns
/// what `convert` made of each, in file order, and notes on what is not an annotation.
fn read_each<T>(path: &Path, text: &str, convert: &mut dyn FnMut(Value) -> T) -> Result<(Vec<T>, Vec<String>), Error> {
    use serde::de::DeserializeSeed;
    let mut notes = Vec::new();
    let mut whole = serde_json::Deserializer::from_str(text);
    let read = Streamed { convert: &mut *convert, notes: &mut notes }.deserialize(&mut whole).and_then(|items| {
        whole.end()?;
        Ok(items)
    });
    let whole = match read {
        Ok(items) => return Ok((items, notes)),
        Err(e) => e,
    };
    // JSON lines: one value a line.
    notes.clear();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let items = Streamed { convert: &mut *convert, notes: &mut notes }.deserialize(&mut de).and_then(|items| {
            de.end()?;
            Ok(items)
        });
        out.extend(items.map_err(|e| {
            if n == 0 {
                format_error(path, format!("is not JSON: {whole}")).at(whole.line(), whole.column())
            } else {
                format_error(path, format!("line {} is not JSON: {e}", n + 1)).at(n + 1, e.column())
            }
        })?);
    }
    Ok((out, notes))
}

/// A value of a W3C file as it streams by: an annotation is made into a tree of values and
/// given to `convert`; a collection's `first` page and a page's `items` are read the same way,
/// one item at a time.
struct Streamed<'a, T> {
    convert: &'a mut dyn FnMut(Value) -> T,
    notes: &'a mut Vec<String>,
}

impl<'de, T> serde::de::DeserializeSeed<'de> for Streamed<'_, T> {
    type Value = Vec<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A number, `true`, `false` or `null` where an annotation was expected.
fn not_an_annotation<T, E>(notes: &mut Vec<String>) -> Result<Vec<T>, E> {
    notes.push("a value that is not an annotation".to_owned());
    Ok(Vec::new())
}

impl<'de, T> serde::de::Visitor<'de> for Streamed<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("W3C annotations")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let Streamed { convert, notes } = self;
        let mut out = Vec::new();
        while let Some(items) = seq.next_element_seed(Streamed { convert: &mut *convert, notes: &mut *notes })? {
            out.extend(items);
        }
        Ok(out)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let Streamed { convert, notes } = self;
        let mut fields = serde_json::Map::new();
        // What `first` and `items` held, read as containers (kept if this is one).
        let (mut first, mut items) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            if key == "first" || key == "items" {
                let nested = map.next_value_seed(Nested(Streamed { convert: &mut *convert, notes: &mut *notes }))?;
                if key == "first" {
                    first = Some(nested);
                } else {
                    items = Some(nested);
                }
            } else {
                let value: Value = map.next_value()?;
                fields.insert(key, value);
            }
        }
        let types = type_names(fields.get("type"));
        let is = |t: &str| types.iter().any(|x| x == t);
        if is("AnnotationCollection") {
            match first {
                Some(Held::Items(items)) => return Ok(items),
                Some(Held::Uri(uri)) => {
                    notes.push(format!("the collection's pages are only linked ({}), not embedded", excerpt(&uri, QUOTE_CHARS)))
                }
                _ => {}
            }
        } else if is("AnnotationPage") {
            if let Some(Value::String(next)) = fields.get("next") {
                notes.push(format!("a page links to a next page ({}) that is not embedded", excerpt(next, QUOTE_CHARS)));
            }
            if let Some(Held::Items(items)) = items {
                return Ok(items);
            }
        } else if is("Annotation") {
            return Ok(vec![convert(Value::Object(fields))]);
        } else {
            notes.push("an object that is not an Annotation, Page or Collection".to_owned());
        }
        Ok(Vec::new())
    }
    fn visit_str<E>(self, uri: &str) -> Result<Vec<T>, E> {
        self.notes.push(format!("an annotation given only by its URI ({})", excerpt(uri, QUOTE_CHARS)));
        Ok(Vec::new())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Vec<T>, E> {
        not_an_annotation(self.notes)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Vec<T>, E> {
        not_an_annotation(self.notes)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Vec<T>, E> {
        not_an_annotation(self.notes)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Vec<T>, E> {
        not_an_annotation(self.notes)
    }
    fn visit_unit<E>(self) -> Result<Vec<T>, E> {
        not_an_annotation(self.notes)
    }
}

/// What a collection's `first` or a page's `items` held.
enum Held<T> {
    /// What was read from an embedded page or list.
    Items(Vec<T>),
    /// A link to a page that is not embedded.
    Uri(String),
    Other,
}

/// Reads `first` or `items`: a link, or a page or list read as [`Streamed`] reads it.
struct Nested<'a, T>(Streamed<'a, T>);

impl<'de, T> serde::de::DeserializeSeed<'de> for Nested<'_, T> {
    type Value = Held<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Held<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T> serde::de::Visitor<'de> for Nested<'_, T> {
    type Value = Held<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a page, a list of annotations or a link")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Held<T>, A::Error> {
        self.0.visit_seq(seq).map(Held::Items)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Held<T>, A::Error> {
        self.0.visit_map(map).map(Held::Items)
    }
    fn visit_str<E>(self, uri: &str) -> Result<Held<T>, E> {
        Ok(Held::Uri(uri.to_owned()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Held<T>, E> {
        Ok(Held::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Held<T>, E> {
        Ok(Held::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Held<T>, E> {
        Ok(Held::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Held<T>, E> {
        Ok(Held::Other)
    }
    fn visit_unit<E>(self) -> Result<Held<T>, E> {
        Ok(Held::Other)
    }
}

fn types(v: &Value) -> Vec<String> {
    type_names(v.get("type"))
}

fn type_names(t: Option<&Value>) -> Vec<String> {
    match t {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => vec![],
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
    }
}

fn purposes(v: &Value) -> Vec<String> {
    as_list(v.get("purpose")).into_iter().filter_map(|p| p.as_str().map(str::to_owned)).collect()
}

/// The file name a target source points at (last path segment, percent-decoded).
pub fn source_name(source: &str) -> String {
    let s = source.split(['#', '?']).next().unwrap_or(source);
    decode_segment(s.rsplit('/').next().unwrap_or(s))
}

/// The name of a creator: a `Person`'s `name` (else `nickname`), or a name made from an IRI
/// (`acct:ana@hypothes.is`, as Hypothesis writes its users, gives `ana`; the last part of a web
/// address, as Recogito writes them, gives the user's name in it).
fn creator_name(c: &Value) -> Option<String> {
    let named = |k: &str| c.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let name = match c {
        Value::String(s) => person_of_iri(s),
        _ => named("name").or_else(|| named("nickname")).map(str::to_owned).or_else(|| named("id").map(person_of_iri))?,
    };
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn person_of_iri(iri: &str) -> String {
    let iri = iri.trim();
    if let Some(account) = iri.strip_prefix("acct:") {
        let user = account.split('@').next().unwrap_or("");
        return if user.is_empty() { account.to_owned() } else { user.to_owned() };
    }
    if iri.contains("://") {
        let path = iri.split(['#', '?']).next().unwrap_or(iri).trim_end_matches('/');
        if let Some((_, last)) = path.rsplit_once('/')
            && !last.is_empty()
            && !path.ends_with(":/")
        {
            return decode_segment(last);
        }
    }
    iri.to_owned()
}

/// The creator of an annotation, else of its first body that names one (Recogito writes the
/// creator on each body).
fn creator_of(v: &Value) -> Option<String> {
    as_list(v.get("creator"))
        .into_iter()
        .find_map(creator_name)
        .or_else(|| as_list(v.get("body")).into_iter().find_map(|b| as_list(b.get("creator")).into_iter().find_map(creator_name)))
}

/// A string or the `id` of an object.
fn id_of(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v.get("id").and_then(Value::as_str)).or_else(|| v.get("@id").and_then(Value::as_str))
}

struct Parsed {
    /// How the summary names it: its `id`, or its place in the file.
    label: String,
    id: Option<Uuid>,
    code_id: Option<String>,
    code_name: Option<String>,
    note: Vec<String>,
    /// (attribute id if known, label, value)
    attributes: Vec<(Option<String>, String, String)>,
    source: String,
    exact: Option<String>,
    prefix: String,
    suffix: String,
    position: Option<(i64, i64)>,
    coder: Option<String>,
    created: Option<String>,
    modified: Option<String>,
}

/// A `linking` annotation between two annotations.
struct ParsedLink {
    label: String,
    id: Option<Uuid>,
    origin: Uuid,
    target: Uuid,
    type_id: Option<String>,
    type_name: String,
    note: Vec<String>,
    coder: Option<String>,
    created: Option<String>,
    modified: Option<String>,
}

/// The annotation a `urn:uuid:` reference names.
fn annotation_ref(v: &Value) -> Option<Uuid> {
    id_of(v).and_then(|s| s.strip_prefix("urn:uuid:")).and_then(|s| Uuid::parse_str(s).ok())
}

/// A link, when `v` is a `linking` annotation from one annotation to another; `None` otherwise.
fn parse_link(v: &Value, label: &str) -> Option<ParsedLink> {
    let linking = as_list(v.get("motivation")).into_iter().any(|m| m.as_str() == Some("linking"));
    let targets = as_list(v.get("target"));
    let bodies = as_list(v.get("body"));
    let origin = targets.first().and_then(|t| annotation_ref(t))?;
    let target =
        bodies.iter().find_map(|b| annotation_ref(b).filter(|_| b.get("type").is_none() && b.get("source").is_none()))?;
    if !linking || targets.len() != 1 {
        return None;
    }
    let mut link = ParsedLink {
        label: label.to_owned(),
        id: annotation_ref(v),
        origin,
        target,
        type_id: None,
        type_name: String::new(),
        note: vec![],
        coder: creator_of(v),
        created: v.get("created").and_then(Value::as_str).map(str::to_owned),
        modified: v.get("modified").and_then(Value::as_str).map(str::to_owned),
    };
    for b in bodies {
        let purposes = purposes(b);
        if let Some(src) = b.get("source") {
            let uri = id_of(src).unwrap_or("");
            let label = src.get("label").and_then(Value::as_str).unwrap_or("");
            if let Some(id) = uri.strip_prefix(LINK_TYPE_URI_PREFIX) {
                link.type_id = Some(decode_segment(id));
            }
            if link.type_name.is_empty() {
                link.type_name = if label.is_empty() { source_name(uri) } else { label.to_owned() };
            }
        } else if let Some(value) = b.get("value").and_then(Value::as_str) {
            if purposes.iter().any(|p| p == "classifying" || p == "tagging") && link.type_name.is_empty() {
                link.type_name = value.to_owned();
            } else {
                link.note.push(value.to_owned());
            }
        }
    }
    if link.type_name.is_empty() {
        link.type_name = link.type_id.clone().unwrap_or_else(|| "linked".to_owned());
    }
    Some(link)
}

fn parse_one(v: &Value, label: String, unsupported: &mut BTreeMap<String, usize>) -> Result<Parsed, String> {
    let id = v.get("id").and_then(Value::as_str).and_then(|s| s.strip_prefix("urn:uuid:")).and_then(|s| Uuid::parse_str(s).ok());
    let mut p = Parsed {
        label,
        id,
        code_id: None,
        code_name: None,
        note: vec![],
        attributes: vec![],
        source: String::new(),
        exact: None,
        prefix: String::new(),
        suffix: String::new(),
        position: None,
        coder: creator_of(v),
        created: v.get("created").and_then(Value::as_str).map(str::to_owned),
        modified: v.get("modified").and_then(Value::as_str).map(str::to_owned),
    };
    if let Some(Value::String(s)) = v.get("bodyValue") {
        p.note.push(s.clone());
    }
    let motivations: Vec<String> =
        as_list(v.get("motivation")).into_iter().filter_map(|m| m.as_str().map(str::to_owned)).collect();
    for b in as_list(v.get("body")) {
        read_body(&mut p, b, &motivations, unsupported);
    }
    let targets = as_list(v.get("target"));
    if targets.len() > 1 {
        *unsupported.entry("extra targets (only the first is used)".to_owned()).or_default() += targets.len() - 1;
    }
    let Some(target) = targets.first() else { return Err("has no target".to_owned()) };
    read_target(&mut p, target, unsupported)?;
    Ok(p)
}

/// Reads one body: a code (a classifying or tagging body, or a code URI), a note (a
/// commenting or untyped textual body) or an attribute value (a describing body).
fn read_body(p: &mut Parsed, b: &Value, motivations: &[String], unsupported: &mut BTreeMap<String, usize>) {
    let purposes = purposes(b);
    let is = |x: &str| purposes.iter().any(|p| p == x);
    let textual = types(b).iter().any(|t| t == "TextualBody") || b.get("value").is_some();
    let classifying = is("classifying")
        || is("tagging")
        || (purposes.is_empty() && motivations.iter().any(|m| m == "classifying" || m == "tagging"));
    if textual {
        let value = b.get("value").and_then(Value::as_str).unwrap_or("").to_owned();
        if classifying && p.code_id.is_none() && p.code_name.is_none() {
            p.code_name = Some(value);
        } else if is("commenting") || (purposes.is_empty() && !classifying) {
            p.note.push(value);
        } else if is("describing") {
            let attr = b
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| s.split_once(ATTRIBUTE_FRAGMENT))
                .map(|(_, a)| decode_segment(a));
            let label = b.get("label").and_then(Value::as_str).unwrap_or("").to_owned();
            p.attributes.push((attr, label, value));
        } else {
            *unsupported
                .entry(format!("textual bodies with purpose {}", excerpt(&purposes.join("/"), QUOTE_CHARS)))
                .or_default() += 1;
        }
    } else if let Some(src) = b.get("source").or_else(|| b.get("id").map(|_| b)) {
        let uri = id_of(src).unwrap_or("");
        let label = src.get("label").and_then(Value::as_str).or_else(|| b.get("label").and_then(Value::as_str));
        if (classifying || uri.starts_with(CODE_URI_PREFIX)) && p.code_id.is_none() && p.code_name.is_none() {
            if let Some(code) = uri.strip_prefix(CODE_URI_PREFIX) {
                p.code_id = Some(decode_segment(code));
            }
            p.code_name = Some(label.map(str::to_owned).unwrap_or_else(|| source_name(uri)));
        } else {
            *unsupported.entry("bodies that are web resources".to_owned()).or_default() += 1;
        }
    } else {
        *unsupported.entry("bodies of unknown kinds".to_owned()).or_default() += 1;
    }
}

/// Reads the target: its source, its quote and its position. A text selector inside another
/// selector is relative to that fragment and cannot place the annotation.
fn read_target(p: &mut Parsed, target: &Value, unsupported: &mut BTreeMap<String, usize>) -> Result<(), String> {
    p.source = id_of(target.get("source").unwrap_or(target)).unwrap_or("").to_owned();
    let mut refined: Option<(String, String)> = None;
    for s in as_list(target.get("selector")) {
        let t = types(s);
        if t.iter().any(|x| x == "TextQuoteSelector") {
            p.exact = s.get("exact").and_then(Value::as_str).map(str::to_owned);
            p.prefix = s.get("prefix").and_then(Value::as_str).unwrap_or("").to_owned();
            p.suffix = s.get("suffix").and_then(Value::as_str).unwrap_or("").to_owned();
        } else if t.iter().any(|x| x == "TextPositionSelector") {
            let (Some(a), Some(b)) = (s.get("start").and_then(Value::as_i64), s.get("end").and_then(Value::as_i64)) else {
                return Err("has a TextPositionSelector without whole-number start and end".to_owned());
            };
            p.position = Some((a, b));
        } else {
            // A text selector refining another selector (a fragment of a web page or a PDF
            // page, say) is relative to that fragment, not to the whole text.
            let inner: Vec<String> = as_list(s.get("refinedBy"))
                .into_iter()
                .flat_map(types)
                .filter(|x| x == "TextQuoteSelector" || x == "TextPositionSelector")
                .collect();
            if let (Some(inner), None) = (inner.first(), &refined) {
                let outer = t.first().map_or_else(|| "selector".to_owned(), |o| excerpt(o, QUOTE_CHARS));
                let value = excerpt(s.get("value").and_then(Value::as_str).unwrap_or(""), QUOTE_CHARS);
                refined = Some((inner.clone(), if value.is_empty() { outer } else { format!("{outer} \"{value}\"") }));
            } else if t.is_empty() {
                *unsupported.entry("selectors without a type".to_owned()).or_default() += 1;
            } else {
                *unsupported.entry(format!("selectors of type {}", excerpt(&t.join("/"), QUOTE_CHARS))).or_default() += 1;
            }
        }
    }
    if p.exact.is_none() && p.position.is_none() {
        if let Some((inner, outer)) = refined {
            return Err(format!(
                "has its {inner} inside the refinedBy of a {outer}: it counts within that fragment, which cannot be found in a plain text"
            ));
        }
        return Err("has no TextQuoteSelector or TextPositionSelector, so it cannot be placed in the text".to_owned());
    }
    if let Some((_, outer)) = refined {
        *unsupported.entry(format!("text selectors refining a {outer} (its own text selector placed it)")).or_default() += 1;
    }
    Ok(())
}

/// What an import could not carry as it is, gathered as it goes.
#[derive(Default)]
struct Report {
    /// Features Marginalia has no place for, counted.
    unsupported: BTreeMap<String, usize>,
    /// Annotations without a code (comments, highlights), placed with the code "Note".
    as_notes: usize,
    /// Each annotation that cannot be placed: (label, reason).
    unplaced: Vec<(String, String)>,
    /// (document name, annotation labels) whose document is not in the folder.
    missing: Vec<(String, Vec<String>)>,
    reanchored: usize,
    by_quote_only: usize,
    widened: Vec<String>,
    /// The `linking` annotations, placed with the annotations they join.
    links: Vec<ParsedLink>,
}

/// The code given to annotations that have none (comments, highlights): a Marginalia
/// annotation always has a code, and its note keeps the comment. A code with this id or the
/// name [`NOTE_CODE_NAME`] in the codebook is used; otherwise it is added.
pub const NOTE_CODE_ID: &str = "note";
/// The name of [`NOTE_CODE_ID`] when it is added.
pub const NOTE_CODE_NAME: &str = "Note";

/// One annotation placed in its document, its code not resolved yet.
struct Pending {
    annotation: Annotation,
    code_id: Option<String>,
    /// `None`: the annotation has no code and gets [`NOTE_CODE_ID`].
    code_name: Option<String>,
    /// (attribute id if known, label, value)
    attributes: Vec<(Option<String>, String, String)>,
}

/// One creator's annotations of one document and the sidecar they go into (their own).
struct Target {
    doc_path: PathBuf,
    coder: String,
    sidecar_path: PathBuf,
    /// The sidecar as read when the import was checked (read again under its lock if it
    /// changed since).
    session: Session,
    pending: Vec<Pending>,
}

/// Imports a W3C file into `folder`: every annotation that can be placed goes into the
/// sidecar of its creator (`coder` for those that name none) beside its document.
pub fn import(path: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let bytes = read_capped(path)?;
    let file_text = String::from_utf8(bytes).map_err(|_| format_error(path, "is not UTF-8 text"))?;
    let text = file_text.strip_prefix('\u{feff}').unwrap_or(&file_text);
    let (items, container_notes) = read_each(path, text, &mut read_item)?;
    drop(file_text);
    let mut report = Report::default();
    let by_doc = group_by_document(items, &mut report);
    // Find every document and check every sidecar first, so that nothing is written before
    // all is checked.
    let docs = find_documents(by_doc, folder, path, &mut report)?;
    let mut targets = Vec::new();
    let mut planned = std::collections::HashSet::new();
    for (doc_path, doc, parsed) in docs {
        let mut by_coder: BTreeMap<String, Vec<Pending>> = BTreeMap::new();
        for p in place_all(&doc_path, &doc, parsed, coder, &mut report) {
            by_coder.entry(p.annotation.coder.clone()).or_default().push(p);
        }
        let alone = by_coder.len() == 1;
        for (name, pending) in by_coder {
            let sidecar_path = sidecar_for_creator(&doc_path, &name, alone, &planned);
            planned.insert(planned_key(&sidecar_path));
            let session = Session::with_document(doc.clone(), sidecar_path.clone(), &name)?;
            // The codes and attributes must fit the sidecar's codebook.
            let mut codebook = session.edits.codebook().clone();
            for p in &pending {
                resolve_codes(&mut codebook, p);
            }
            codebook.validate().map_err(|e| e.in_file(path))?;
            targets.push(Target { doc_path: doc_path.clone(), coder: name, sidecar_path, session, pending });
        }
    }
    if targets.is_empty() {
        return Err(nothing_placed(&report, path, folder));
    }
    let mut summary = Summary::default();
    let links = std::mem::take(&mut report.links);
    let mut links_placed = vec![false; links.len()];
    // Per document: (annotations, added, already there, coders' counts), for the summary.
    let mut per_doc: BTreeMap<String, (usize, usize, usize, Vec<String>)> = BTreeMap::new();
    let mut new_codes: Vec<String> = Vec::new();
    let (mut link_count, mut links_added) = (0, 0);
    // Every sidecar, or none: a failure on one takes back the ones written before it.
    let (done_all, _) = all_or_nothing(|w| {
        let mut done_all = Vec::new();
        for target in targets {
            done_all.push(write_target(w, target, coder, &links, &mut links_placed, &planned).map_err(|e| cli_hint(e, path))?);
        }
        Ok(done_all)
    })?;
    for done in done_all {
        summary.written.push(done.sidecar_path);
        let entry = per_doc.entry(done.doc_name).or_default();
        entry.0 += done.annotations;
        entry.1 += done.added;
        entry.2 += done.skipped;
        entry.3.push(format!("{} {}", excerpt(&done.coder, QUOTE_CHARS), done.annotations));
        link_count += done.links;
        links_added += done.links_added;
        for c in done.new_codes {
            if !new_codes.contains(&c) {
                new_codes.push(c);
            }
        }
    }
    for (doc_name, (n, added, skipped, coders)) in per_doc {
        let mut line = format!("{added} of {n} annotation(s) imported for {doc_name}");
        if skipped > 0 {
            line.push_str(&format!(" ({skipped} were there already)"));
        }
        if coders.len() > 1 {
            line.push_str(&format!(", in {} coders' own sidecars ({})", coders.len(), coders.join(", ")));
        }
        summary.carried.push(line);
    }
    if link_count > 0 {
        summary.carried.push(format!("{links_added} of {link_count} link(s) imported"));
    }
    if !new_codes.is_empty() {
        let shown: Vec<String> = new_codes.iter().map(|c| excerpt(c, QUOTE_CHARS)).collect();
        summary.carried.push(format!("added {} code(s) to the codebook: {}", new_codes.len(), shown.join(", ")));
    }
    let unplaced_links: Vec<&str> =
        links.iter().zip(&links_placed).filter(|(_, placed)| !**placed).map(|(l, _)| l.label.as_str()).collect();
    if !unplaced_links.is_empty() {
        summary.not_carried.push(format!(
            "{} link(s) between annotations that were not imported, or that went into different coders' sidecars: {}",
            unplaced_links.len(),
            unplaced_links.join(", ")
        ));
    }
    report.add_to(&mut summary, folder);
    summary.not_carried.extend(container_notes);
    Ok(summary)
}

/// What writing one target did.
struct Written {
    doc_name: String,
    coder: String,
    sidecar_path: PathBuf,
    annotations: usize,
    added: usize,
    skipped: usize,
    links: usize,
    links_added: usize,
    new_codes: Vec<String>,
}

/// Adds one creator's annotations (and the links between them) to their sidecar, holding the
/// sidecar's lock from reading it to writing it, as `marginalia add` does: another writer of
/// the same file (a second import, an `add`, the app saving) waits for this one, and this one
/// for it, so that neither loses the other's work.
fn write_target(
    w: &mut Writes,
    target: Target,
    coder: &str,
    links: &[ParsedLink],
    links_placed: &mut [bool],
    planned: &std::collections::HashSet<String>,
) -> Result<Written, Error> {
    let Target { doc_path, coder: name, mut sidecar_path, mut session, pending } = target;
    let mut tries = 0;
    let _lock = loop {
        let lock = crate::io::lock(&crate::io::resolve(&sidecar_path)?)?;
        if !session.changed_on_disk()? {
            break lock;
        }
        match owner_is(&sidecar_path, &name) {
            // Written since it was checked (by another import, `add`, the app): read it again,
            // under the lock.
            Some(true) | None => {
                session = Session::with_document(session.doc.clone(), sidecar_path.clone(), &name)?;
                break lock;
            }
            // Another person's file appeared at this name meanwhile: this creator's
            // annotations go into another file.
            Some(false) => {
                drop(lock);
                tries += 1;
                if tries > 5 {
                    return Err(Error::new(ErrorKind::Conflict, "kept being written by other programs while it was imported")
                        .in_file(&sidecar_path));
                }
                sidecar_path = sidecar_for_creator(&doc_path, &name, false, planned);
                session = Session::with_document(session.doc.clone(), sidecar_path.clone(), &name)?;
            }
        }
    };
    let mut codebook = session.edits.codebook().clone();
    let before: std::collections::HashSet<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let annotations: Vec<Annotation> = pending.into_iter().map(|p| resolve(&mut codebook, p)).collect();
    codebook.validate()?;
    let new_codes: Vec<String> = codebook.codes.iter().filter(|c| !before.contains(&c.id)).map(|c| c.id.clone()).collect();
    // The links between annotations of this sidecar (imported now or there already).
    let here: std::collections::HashSet<Uuid> = if links_placed.iter().all(|placed| *placed) {
        Default::default()
    } else {
        annotations.iter().map(|a| a.id).chain(session.edits.annotations().iter().map(|a| a.id)).collect()
    };
    let mut doc_links = Vec::new();
    for (l, placed) in links.iter().zip(links_placed.iter_mut()) {
        if *placed || !here.contains(&l.origin) || !here.contains(&l.target) || l.origin == l.target {
            continue;
        }
        *placed = true;
        let known = codebook
            .link_types
            .iter()
            .find(|t| Some(&t.id) == l.type_id.as_ref() || t.name.to_lowercase() == l.type_name.to_lowercase())
            .map(|t| t.id.clone());
        let type_id = known.unwrap_or_else(|| codebook.add_link_type(l.type_id.as_deref().unwrap_or(""), &l.type_name, None));
        let mut link = Link::new(&type_id, l.origin, l.target, l.coder.as_deref().unwrap_or(coder));
        if let Some(id) = l.id {
            link.id = id;
        }
        link.note = l.note.join("\n\n");
        if let Some(t) = l.created.clone().filter(|t| is_rfc3339(t)) {
            link.created = t;
        }
        if let Some(t) = l.modified.clone().filter(|t| is_rfc3339(t)) {
            link.modified = t;
        }
        doc_links.push(link);
    }
    let n = annotations.len();
    let link_count = doc_links.len();
    let (added, skipped, links_added) = add_all_linked(&mut session, codebook, annotations, doc_links)?;
    w.sidecar(&mut session)?;
    let (doc_name, sidecar_path) = (session.doc.file_name(), session.sidecar_path.clone());
    // Freeing a large session (every annotation, its undo history) takes a tenth of the time
    // of the import: it is done beside the next sidecar's work (a command ends before it is).
    let _ = std::thread::Builder::new().spawn(move || drop(session));
    Ok(Written { doc_name, coder: name, sidecar_path, annotations: n, added, skipped, links: link_count, links_added, new_codes })
}

/// An error met while writing, with what to do from the command line (the sidecars written
/// before it are taken back by the caller).
fn cli_hint(e: Error, path: &Path) -> Error {
    let again = format!("run `marginalia import {}` again", path.display());
    match e.kind {
        ErrorKind::Conflict => Error {
            message: "changed on disk while it was imported (a program that does not wait for Marginalia's lock wrote it)"
                .to_owned(),
            ..e
        }
        .hint(again),
        ErrorKind::Locked => {
            let hint = format!("another `marginalia` command or the app was still saving it; {again}");
            e.hint(hint)
        }
        _ => e,
    }
}

/// The file-name form of a planned sidecar, to tell two plans apart on any file system.
fn planned_key(path: &Path) -> String {
    path.to_string_lossy().to_lowercase()
}

/// Whether the sidecar at `path` is `creator`'s to write: its header names them, or there is
/// no file there; `None` when it cannot be read.
fn owner_is(path: &Path, creator: &str) -> Option<bool> {
    match crate::coder::owner_of(path) {
        Ok(Some(owner)) => Some(owner.name.trim() == creator.trim()),
        Ok(None) => Some(true),
        Err(_) => None,
    }
}

/// The sidecar a creator's annotations of `doc_path` go into: the one whose header names
/// them; else the document's unnamed sidecar when they are its only creator in the file and
/// it has none yet (a folder with one coder stays as it always was); else their own,
/// `<doc>.<name>.annotations.ron` with [`crate::coder::file_key`] of their name (made
/// unique with a short id when another person's file or another creator of this import has
/// that name). `planned` holds the sidecars this import gives to other creators.
fn sidecar_for_creator(doc_path: &Path, creator: &str, alone: bool, planned: &std::collections::HashSet<String>) -> PathBuf {
    let free = |p: &Path| !planned.contains(&planned_key(p));
    let doc_name = doc_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let own = sidecar::coder_path(doc_path, &crate::coder::file_part(&doc_name, creator, 1));
    for p in sidecar::find_sidecars(doc_path) {
        match owner_is(&p, creator) {
            Some(true) if free(&p) => return p,
            // A file of their name that cannot be read is left to show what is wrong with it.
            None if p == own => return p,
            _ => {}
        }
    }
    let default = sidecar::default_path(doc_path);
    if alone && std::fs::symlink_metadata(&default).is_err() && free(&default) {
        return default;
    }
    let mut n = 1;
    loop {
        let p = sidecar::coder_path(doc_path, &crate::coder::file_part(&doc_name, creator, n));
        if free(&p) && std::fs::symlink_metadata(&p).is_err() {
            return p;
        }
        n += 1;
    }
}

/// One value of the file as read: its id as messages quote it, what it is, and what of it
/// has no place in Marginalia. Made as the file is read, without touching the report, so that
/// a reading that fails half way (a JSON lines file read first as one JSON value) leaves
/// nothing behind.
struct Item {
    id: Option<String>,
    what: Read,
    unsupported: BTreeMap<String, usize>,
}

enum Read {
    Link(ParsedLink),
    Annotation(Box<Parsed>),
    /// Why it cannot be placed.
    Unplaced(String),
}

/// What an annotation of the file is, read from its tree of values.
fn read_item(v: Value) -> Item {
    // The id as messages quote it (it comes from the file: keep it short).
    let id = v.get("id").and_then(Value::as_str).map(|id| excerpt(id, QUOTE_CHARS));
    let mut unsupported = BTreeMap::new();
    let what = match parse_link(&v, "") {
        Some(link) => Read::Link(link),
        None => match parse_one(&v, String::new(), &mut unsupported) {
            Ok(p) => Read::Annotation(Box::new(p)),
            Err(why) => Read::Unplaced(why),
        },
    };
    Item { id, what, unsupported }
}

/// The annotations with a text target, by the name of their document, in file order.
fn group_by_document(items: Vec<Item>, report: &mut Report) -> BTreeMap<String, Vec<Parsed>> {
    let mut by_doc: BTreeMap<String, Vec<Parsed>> = BTreeMap::new();
    for (n, item) in items.into_iter().enumerate() {
        let label = item.id.unwrap_or_else(|| format!("annotation {}", n + 1));
        for (what, count) in item.unsupported {
            *report.unsupported.entry(what).or_default() += count;
        }
        match item.what {
            Read::Link(mut link) => {
                link.label = label;
                report.links.push(link);
            }
            Read::Annotation(mut parsed) => {
                parsed.label = label;
                by_doc.entry(source_name(&parsed.source)).or_default().push(*parsed);
            }
            Read::Unplaced(why) => report.unplaced.push((label, why)),
        }
    }
    by_doc
}

/// Opens the documents the annotations name in `folder`; those not there are reported. A
/// page imported with `marginalia import page.html` is found as `page.html.txt`.
fn find_documents(
    by_doc: BTreeMap<String, Vec<Parsed>>,
    folder: &Path,
    path: &Path,
    report: &mut Report,
) -> Result<Vec<(PathBuf, Document, Vec<Parsed>)>, Error> {
    let mut docs = Vec::new();
    for (name, parsed) in by_doc {
        if name.is_empty() {
            for p in parsed {
                report.unplaced.push((p.label, "has a target without a source file name".to_owned()));
            }
            continue;
        }
        let mut doc_path = inside(folder, &name).map_err(|e| e.in_file(path))?;
        // A web page is annotated as the text its import wrote beside it, never as markup.
        let page = crate::import::Kind::of(&doc_path) == Some(crate::import::Kind::Html);
        if page {
            doc_path = inside(folder, &format!("{name}.txt")).map_err(|e| e.in_file(path))?;
        }
        if !doc_path.is_file() {
            // The name as messages quote it (it comes from the file: keep it short).
            let name = excerpt(&doc_path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(), QUOTE_CHARS);
            report.missing.push((name, parsed.into_iter().map(|p| p.label).collect()));
            continue;
        }
        let doc = Document::open(&doc_path)?;
        docs.push((doc_path, doc, parsed));
    }
    Ok(docs)
}

/// Places one document's annotations; those that cannot be placed are reported.
fn place_all(doc_path: &Path, doc: &Document, parsed: Vec<Parsed>, coder: &str, report: &mut Report) -> Vec<Pending> {
    let mut out = Vec::with_capacity(parsed.len());
    let now = now_rfc3339();
    for mut p in parsed {
        let Placed { annotation, how } = match place(doc, doc_path, &mut p, coder, &now) {
            Ok(placed) => placed,
            Err(why) => {
                report.unplaced.push((p.label, why));
                continue;
            }
        };
        match how {
            How::AsGiven => {}
            How::Reanchored => report.reanchored += 1,
            How::QuoteOnly => report.by_quote_only += 1,
            How::Widened(from) => report.widened.push(format!("{} ({from} → {})", p.label, annotation.span())),
        }
        let code_name = p.code_name.filter(|n| p.code_id.is_some() || !n.trim().is_empty());
        if p.code_id.is_none() && code_name.is_none() {
            report.as_notes += 1;
        }
        out.push(Pending { annotation, code_id: p.code_id, code_name, attributes: p.attributes });
    }
    out
}

/// The annotation with its code and attributes, added to `codebook` when it lacks them.
fn resolve(codebook: &mut Codebook, p: Pending) -> Annotation {
    let Pending { mut annotation, code_id, code_name, attributes } = p;
    let code_id = match &code_name {
        Some(name) => resolve_code(codebook, code_id.as_deref(), name),
        None => resolve_code(codebook, Some(NOTE_CODE_ID), NOTE_CODE_NAME),
    };
    for (attr_id, attr_label, value) in attributes {
        let id = resolve_attribute(codebook, &code_id, attr_id.as_deref(), &attr_label);
        annotation.attributes.insert(id, value);
    }
    annotation.code = code_id;
    annotation
}

/// Adds to `codebook` the code and attributes `p` needs, as [`resolve`] does.
fn resolve_codes(codebook: &mut Codebook, p: &Pending) {
    let code_id = match &p.code_name {
        Some(name) => resolve_code(codebook, p.code_id.as_deref(), name),
        None => resolve_code(codebook, Some(NOTE_CODE_ID), NOTE_CODE_NAME),
    };
    for (attr_id, attr_label, _) in &p.attributes {
        resolve_attribute(codebook, &code_id, attr_id.as_deref(), attr_label);
    }
}

/// The refusal when no annotation can be placed, saying why.
fn nothing_placed(report: &Report, path: &Path, folder: &Path) -> Error {
    if let [(name, labels)] = report.missing.as_slice()
        && report.unplaced.is_empty()
    {
        return format_error(
            path,
            format!(
                "has {} annotation(s) of \"{name}\", which is not in {}; nothing was written",
                labels.len(),
                folder.display()
            ),
        )
        .hint(
            match name
                .strip_suffix(".txt")
                .filter(|page| crate::import::Kind::of(Path::new(page)) == Some(crate::import::Kind::Html))
            {
                Some(page) => format!(
                    "import the page first (`marginalia import {page}` writes its text, \"{name}\"), then these annotations"
                ),
                None => format!(
                    "put the document \"{name}\" there (the same text they were made on), or import with --into its folder"
                ),
            },
        );
    }
    let mut reasons: Vec<String> = report.unplaced.iter().map(|(l, why)| format!("{l} {why}")).collect();
    for (name, labels) in &report.missing {
        reasons.push(format!("{} annotation(s) of \"{name}\", which is not in {}", labels.len(), folder.display()));
    }
    let first = reasons.first().cloned().unwrap_or_else(|| "no annotation".to_owned());
    let more = if reasons.len() > 1 { format!(" (and {} more reason(s))", reasons.len() - 1) } else { String::new() };
    format_error(path, format!("has no annotation Marginalia can place: {first}{more}; nothing was written"))
        .hint("Marginalia places annotations in plain-text documents by a TextQuoteSelector or TextPositionSelector")
}

impl Report {
    /// Adds what was placed differently and what was not carried to `summary`.
    fn add_to(self, summary: &mut Summary, folder: &Path) {
        if self.as_notes > 0 {
            summary.carried.push(format!(
                "{} annotation(s) without a code (comments, highlights) were imported with the code \"{NOTE_CODE_NAME}\"; their comments are their notes",
                self.as_notes
            ));
        }
        if self.reanchored > 0 {
            summary.carried.push(format!(
                "{} annotation(s) were placed by their quote because their position did not hold it",
                self.reanchored
            ));
        }
        if self.by_quote_only > 0 {
            summary.carried.push(format!(
                "{} annotation(s) with a quote and no position were placed where the quote is",
                self.by_quote_only
            ));
        }
        if !self.widened.is_empty() {
            summary.not_carried.push(format!(
                "{} position(s) split a character (an emoji, a letter with accents) and were widened to whole characters: {}",
                self.widened.len(),
                self.widened.join(", ")
            ));
        }
        for (label, why) in &self.unplaced {
            summary.not_carried.push(format!("{label} {why}"));
        }
        for (name, labels) in &self.missing {
            summary.not_carried.push(format!(
                "{} annotation(s) of \"{name}\", which is not in {} (put it there and import again): {}",
                labels.len(),
                folder.display(),
                labels.join(", ")
            ));
        }
        for (what, count) in self.unsupported {
            summary.not_carried.push(format!("{count} {what}"));
        }
    }
}

/// How an annotation found its place.
enum How {
    /// Its position holds its quote (or it has a position only, on whole characters).
    AsGiven,
    /// Its position did not hold its quote; the quote was found elsewhere.
    Reanchored,
    /// It had a quote and no position.
    QuoteOnly,
    /// It had a position only, which split a character: widened from this span.
    Widened(Span),
}

struct Placed {
    annotation: Annotation,
    how: How,
}

/// Places one parsed annotation in `doc` (its code is set by the caller), or says why not.
fn place(doc: &Document, doc_path: &Path, p: &mut Parsed, coder: &str, now: &str) -> Result<Placed, String> {
    let len = doc.len_chars();
    let mut how = How::AsGiven;
    let mut outside = None;
    let (start, end) = match p.position {
        // A position outside the text with a quote counts in another text (a web page's, as
        // Hypothesis gives it): the quote is searched for, as when the position does not hold it.
        Some((s, e)) if (s < 0 || e < s || e as u64 > len as u64) && p.exact.is_some() => {
            outside = Some((s, e));
            (len, len)
        }
        Some((s, e)) => {
            if s < 0 || e < s || e as u64 > len as u64 {
                return Err(format!("has the position {s}..{e}, outside the text of {} ({len} characters)", doc_path.display()));
            }
            (s as usize, e as usize)
        }
        None => (0, 0),
    };
    let (start, end, exact) = match p.exact.take() {
        Some(exact) => (start, end, exact),
        None => {
            // A position alone: it is the annotation, widened to whole characters as every
            // annotation is.
            let raw = Span::new(start, end);
            let at = Annotation::new(doc, raw, "", coder);
            if at.span() != raw {
                how = How::Widened(raw);
            }
            (at.start, at.end, at.exact)
        }
    };
    if p.position.is_none() {
        how = How::QuoteOnly;
    }
    let time = |t: Option<String>| t.filter(|t| is_rfc3339(t)).unwrap_or_else(|| now.to_owned());
    let mut a = Annotation {
        id: p.id.unwrap_or_else(Uuid::new_v4),
        start,
        end,
        exact,
        prefix: std::mem::take(&mut p.prefix),
        suffix: std::mem::take(&mut p.suffix),
        code: String::new(),
        note: p.note.join("\n\n"),
        attributes: Default::default(),
        coder: p.coder.take().unwrap_or_else(|| coder.to_owned()),
        created: time(p.created.take()),
        modified: time(p.modified.take()),
        status: AnchorStatus::Anchored,
        conflict: None,
    };
    match reanchor_one(doc, &mut a, 0) {
        AnchorStatus::Anchored => {}
        AnchorStatus::Reanchored => {
            if p.position.is_some() {
                how = How::Reanchored;
            }
        }
        AnchorStatus::Orphaned => {
            if let Some((s, e)) = outside {
                return Err(format!(
                    "has the position {s}..{e}, outside the text of {} ({len} characters), and its quote \"{}\" is not in it either",
                    doc_path.display(),
                    crate::document::excerpt(&a.exact, 40)
                ));
            }
            return Err(format!(
                "has the quote \"{}\", which is not in {}",
                crate::document::excerpt(&a.exact, 40),
                doc_path.display()
            ));
        }
    }
    if a.span().is_empty() {
        return Err("marks an empty span".to_owned());
    }
    Ok(Placed { annotation: a, how })
}

fn resolve_code(codebook: &mut Codebook, id: Option<&str>, name: &str) -> String {
    if let Some(id) = id
        && codebook.code(id).is_some()
    {
        return id.to_owned();
    }
    if let Some(c) = codebook.resolve(name) {
        return c.id.clone();
    }
    let id = id.map(str::to_owned).unwrap_or_else(|| codebook.fresh_id(name));
    add_code(codebook, &id, name, None)
}

fn resolve_attribute(codebook: &mut Codebook, code: &str, id: Option<&str>, label: &str) -> String {
    let Some(c) = codebook.code_mut(code) else { return id.unwrap_or(label).to_owned() };
    if let Some(d) = c.attributes.iter().find(|d| Some(d.id.as_str()) == id) {
        return d.id.clone();
    }
    if let Some(d) = c.attributes.iter().find(|d| d.name.to_lowercase() == label.to_lowercase() || d.id == label) {
        return d.id.clone();
    }
    let new_id = id.map(str::to_owned).unwrap_or_else(|| {
        let base: String = label.to_lowercase().chars().map(|ch| if ch.is_alphanumeric() { ch } else { '-' }).collect();
        if base.trim_matches('-').is_empty() { "attribute".to_owned() } else { base.trim_matches('-').to_owned() }
    });
    c.attributes.push(AttributeDef {
        id: new_id.clone(),
        name: if label.trim().is_empty() { new_id.clone() } else { label.to_owned() },
        kind: AttributeKind::Text,
    });
    new_id
}
