//! REFI-QDA exchange: codebooks (`.qdc`) and whole projects (`.qdpx`), the format shared by
//! ATLAS.ti, MAXQDA, NVivo, QDA Miner, Transana, f4analyse and others (REFI-QDA 1.5).
//!
//! [`qdc`] writes and reads a codebook alone; [`qdpx`] writes a corpus (documents, every
//! coder's annotations, the codebook) as a zip with `project.qde` and `sources/<GUID>.txt`, and
//! reads one back into a folder of documents with sidecars. Everything read here is treated as
//! untrusted: XML with a DOCTYPE (and so entity declarations) is refused, archives are checked
//! for paths that leave the archive and for decompression bombs, and positions are checked
//! against the text before anything is written.
//!
//! GUIDs are stable: a code's GUID is derived from its id with UUID v5 (or is the id itself
//! when the id is already a GUID, as it is for codes imported from other tools), so exporting
//! the same codebook twice gives identical files.

pub mod qdc;
pub mod qdpx;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use uuid::Uuid;

use crate::codebook::{Code, Codebook, Cue, SAFE_PALETTE, format_colour, parse_colour};
use crate::error::{Error, ErrorKind};

/// The namespace of every GUID Marginalia derives (UUID v5).
pub const GUID_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_7267_696e_4a6c_9a5e_7265_6669_7164);

/// The `origin` attribute written into exported files.
pub const ORIGIN: &str = concat!("Marginalia ", env!("CARGO_PKG_VERSION"));

/// Elements nested deeper than this are refused (a hostile file could nest millions).
const MAX_XML_DEPTH: usize = 256;

/// A GUID derived from a kind of thing and its stable key.
pub fn derived_guid(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&GUID_NAMESPACE, format!("{kind}:{key}").as_bytes())
}

/// The GUID written for a code: the id itself when it is a GUID, else one derived from it.
pub fn code_guid(code_id: &str) -> Uuid {
    parse_guid(code_id).unwrap_or_else(|| derived_guid("code", code_id))
}

/// Parses a GUID with or without braces, in any case.
pub fn parse_guid(s: &str) -> Option<Uuid> {
    let t = s.trim();
    let t = t.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(t);
    if t.len() != 36 {
        return None;
    }
    Uuid::parse_str(t).ok()
}

fn format_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Format, message)
}

// ---------------------------------------------------------------------------------------------
// A small, bounded XML tree read with quick-xml.

/// One XML element: local name, attributes (local names), children and text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    /// Byte offset of the start tag, for messages.
    pub offset: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The text of the child element `name`, if there is one.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

pub(crate) use crate::error::line_col;

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_owned(),
        None => s.into_owned(),
    }
}

/// Parses XML text into a tree. Refuses DOCTYPE declarations (and with them every entity
/// declaration and external entity), undefined entities and nesting deeper than
/// [`MAX_XML_DEPTH`]. `what` names the file in messages ("the codebook", "project.qde").
// Long on purpose: one streaming event loop whose arms share the stack of open elements and
// each check one hostile construct (DOCTYPE, entity, depth) where it is met.
pub(crate) fn parse_xml(text: &str, what: &str) -> Result<Element, Error> {
    let mut reader = quick_xml::Reader::from_str(text);
    let at = |byte: u64, e: Error| {
        let (line, col) = line_col(text, byte as usize);
        e.at(line, col)
    };
    let malformed = |reader: &quick_xml::Reader<&[u8]>, why: String| {
        at(
            reader.error_position(),
            format_error(format!("{what} is not well-formed XML: {why}"))
                .hint("check that the file was exported completely and not edited by hand"),
        )
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = reader.buffer_position();
        let event = reader.read_event().map_err(|e| malformed(&reader, e.to_string()))?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::DocType(_) => return Err(at(offset, crate::untrusted::doctype_refused(what))),
            Event::Start(start) | Event::Empty(start) => {
                let mut el = Element { name: local(start.name().as_ref()), offset: offset as usize, ..Default::default() };
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| malformed(&reader, e.to_string()))?;
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| malformed(&reader, format!("in attribute {}: {e}", local(attr.key.as_ref()))))?;
                    el.attrs.push((local(attr.key.as_ref()), value.into_owned()));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(malformed(&reader, "there is content after the root element".into()));
                }
                if is_empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    if stack.len() >= MAX_XML_DEPTH {
                        return Err(at(
                            offset,
                            format_error(format!("{what} nests elements more than {MAX_XML_DEPTH} levels deep"))
                                .hint("this is not a REFI-QDA file Marginalia can read"),
                        ));
                    }
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed(&reader, "an end tag has no start tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| malformed(&reader, e.to_string()))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&s);
                } else if !s.trim().is_empty() {
                    return Err(malformed(&reader, "there is text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| malformed(&reader, e.to_string()))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(|e| malformed(&reader, e.to_string()))?
                } else {
                    let name = r.decode().map_err(|e| malformed(&reader, e.to_string()))?;
                    let Some(s) = quick_xml::escape::resolve_xml_entity(&name) else {
                        return Err(at(
                            offset,
                            format_error(format!(
                                "{what} uses the entity &{name}; which XML does not define; Marginalia does not \
                                 read entity declarations"
                            ))
                            .hint("write the character itself (the file is UTF-8)"),
                        ));
                    };
                    s.chars().next()
                };
                if let (Some(c), Some(el)) = (resolved, stack.last_mut()) {
                    el.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(at(
            text.len() as u64,
            format_error(format!("{what} ends before <{}> is closed", stack.last().map_or("", |e| e.name.as_str())))
                .hint("the file is incomplete; export it again"),
        ));
    }
    root.ok_or_else(|| format_error(format!("{what} is empty")).hint("export the file again"))
}

// ---------------------------------------------------------------------------------------------
// Writing.

pub(crate) type XmlWriter = Writer<Vec<u8>>;

pub(crate) fn new_writer() -> XmlWriter {
    writer_on(Vec::new())
}

/// An indented XML writer on `inner`, the declaration written. The helpers below ignore write
/// errors; a writer on anything that can fail goes through a [`Latch`] that keeps the first.
pub(crate) fn writer_on<W: Write>(inner: W) -> Writer<W> {
    let mut w = Writer::new_with_indent(inner, b' ', 2);
    let _ = w.write_event(Event::Decl(quick_xml::events::BytesDecl::new("1.0", Some("utf-8"), None)));
    w
}

/// A writer that keeps the first error of the writer inside it (and fails every later write).
pub(crate) struct Latch<W> {
    pub inner: W,
    pub error: Option<std::io::Error>,
}

impl<W: Write> Write for Latch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.is_some() {
            return Err(std::io::Error::other("an earlier write failed"));
        }
        self.inner.write(buf).inspect_err(|e| self.error = Some(std::io::Error::new(e.kind(), e.to_string())))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub(crate) fn finish(w: XmlWriter) -> String {
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    String::from_utf8(bytes).unwrap_or_default()
}

pub(crate) fn start<W: Write>(w: &mut Writer<W>, el: BytesStart) {
    let _ = w.write_event(Event::Start(el));
}
pub(crate) fn empty<W: Write>(w: &mut Writer<W>, el: BytesStart) {
    let _ = w.write_event(Event::Empty(el));
}
pub(crate) fn end<W: Write>(w: &mut Writer<W>, name: &str) {
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}
/// `<name>text</name>` with the text escaped by quick-xml. Carriage returns are written as
/// `&#13;` because XML readers turn a raw CRLF into LF.
pub(crate) fn text_element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) {
    start(w, BytesStart::new(name));
    let escaped = quick_xml::escape::escape(text).replace('\r', "&#13;");
    let _ = w.write_event(Event::Text(BytesText::from_escaped(escaped)));
    end(w, name);
}

/// Writes `<Codes>` with the codebook's codes, groups containing their codes.
pub(crate) fn write_codes<W: Write>(w: &mut Writer<W>, cb: &Codebook) {
    start(w, BytesStart::new("Codes"));
    let top = cb.codes.iter().filter(|c| c.parent.as_deref().is_none_or(|p| cb.code(p).is_none()));
    for code in top {
        write_code(w, cb, code);
    }
    end(w, "Codes");
}

fn write_code<W: Write>(w: &mut Writer<W>, cb: &Codebook, code: &Code) {
    let mut el = BytesStart::new("Code");
    let guid = code_guid(&code.id).to_string();
    el.push_attribute(("guid", guid.as_str()));
    el.push_attribute(("name", code.name.as_str()));
    let group = cb.is_group(&code.id) && code.parent.is_none();
    let codable = code.codable.unwrap_or(!group);
    el.push_attribute(("isCodable", if codable { "true" } else { "false" }));
    let colour = format_colour(code.rgb());
    el.push_attribute(("color", colour.as_str()));
    let children: Vec<&Code> = if code.parent.is_none() { cb.children(&code.id).collect() } else { Vec::new() };
    let description = description_with_example(&code.description, &code.example);
    if description.is_empty() && children.is_empty() {
        empty(w, el);
        return;
    }
    start(w, el);
    if !description.is_empty() {
        text_element(w, "Description", &description);
    }
    for child in children {
        write_code(w, cb, child);
    }
    end(w, "Code");
}

/// What separates a code's definition from its example in a REFI-QDA description.
pub const EXAMPLE_MARKER: &str = "\n\nExample: ";

/// A code's description as written to REFI-QDA: the definition, then the example after
/// [`EXAMPLE_MARKER`], so that other programs show both and Marginalia can split them again.
pub fn description_with_example(description: &str, example: &str) -> String {
    match (description.is_empty(), example.trim().is_empty()) {
        (_, true) => description.to_owned(),
        (true, false) => format!("Example: {example}"),
        (false, false) => format!("{description}{EXAMPLE_MARKER}{example}"),
    }
}

/// Splits a REFI-QDA description into definition and example.
pub fn split_example(text: &str) -> (String, String) {
    if let Some(example) = text.strip_prefix("Example: ") {
        return (String::new(), example.to_owned());
    }
    match text.rfind(EXAMPLE_MARKER) {
        Some(at) => (text[..at].to_owned(), text[at + EXAMPLE_MARKER.len()..].to_owned()),
        None => (text.to_owned(), String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading codes.

/// A codebook read from REFI-QDA `<Codes>`, with what had to change on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookImport {
    pub codebook: Codebook,
    /// The GUID (lower case, no braces) of each code → its id in `codebook`.
    pub ids: BTreeMap<String, String>,
    /// What could not be kept exactly (flattened nesting, renamed duplicates, …).
    pub notes: Vec<String>,
}

/// Reads the `<Code>` elements under `codes` into a Marginalia codebook.
///
/// Ids are the codes' GUIDs (lower case, without braces), so exporting again keeps them. Codes
/// nested more than one level deep are moved up under their top-level ancestor (Marginalia
/// groups are one level), with a note. Colours given as `#RGB` are widened to `#RRGGBB`;
/// missing colours come from the safe palette. Number keys go to the first ten codable codes and
/// cues are chosen so that no two codes share both colour and cue.
pub(crate) fn read_codes(codes: &Element, name: &str, what: &str, source: &str) -> Result<CodebookImport, Error> {
    let mut cb = Codebook { name: name.to_owned(), description: String::new(), codes: Vec::new(), link_types: Vec::new() };
    let mut ids = BTreeMap::new();
    let mut notes = Vec::new();
    let mut flattened = 0usize;
    // (element, depth, top-level ancestor id, path of names)
    let mut queue: Vec<(&Element, usize, Option<String>, Vec<String>)> =
        codes.children_named("Code").collect::<Vec<_>>().into_iter().rev().map(|c| (c, 0, None, Vec::new())).collect();
    let mut codable_flags: HashMap<String, bool> = HashMap::new();
    let mut palette_next = 0usize;
    while let Some((el, depth, top, path)) = queue.pop() {
        let (line, col) = line_col(source, el.offset);
        let bad = |msg: String| format_error(format!("{what}: {msg}")).at(line, col);
        let guid_text = el.attr("guid").ok_or_else(|| bad("a <Code> has no guid".into()))?;
        let guid = parse_guid(guid_text).ok_or_else(|| {
            bad(format!("the code guid \"{}\" is not a GUID", crate::document::excerpt(guid_text, crate::document::QUOTE_CHARS)))
        })?;
        let id = guid.to_string();
        if ids.contains_key(&id) {
            return Err(bad(format!(
                "two codes have the guid {}",
                crate::document::excerpt(guid_text, crate::document::QUOTE_CHARS)
            ))
            .hint("each code needs its own GUID"));
        }
        let raw_name = el.attr("name").unwrap_or("").trim().to_owned();
        let mut name = if raw_name.is_empty() { format!("Code {}", &id[..8]) } else { raw_name.clone() };
        if raw_name.is_empty() {
            notes.push(format!("a code without a name was named \"{name}\""));
        }
        let colour = match el.attr("color") {
            Some(c) => parse_colour(c).map(format_colour).ok_or_else(|| {
                bad(format!(
                    "code \"{}\" has the colour \"{}\", which is not #RRGGBB or #RGB",
                    crate::document::excerpt(&name, crate::document::QUOTE_CHARS),
                    crate::document::excerpt(c, crate::document::QUOTE_CHARS)
                ))
            })?,
            None => {
                palette_next += 1;
                SAFE_PALETTE[(palette_next - 1) % SAFE_PALETTE.len()].0.to_owned()
            }
        };
        // Names must be unique in Marginalia; codes of the same name under different parents
        // are told apart by their path (the names as the file gives them, so that a renamed
        // parent does not repeat the path).
        let own_name = name.clone();
        name = unique_code_name(&cb, name, &path, &mut notes);
        if depth >= 2 {
            flattened += 1;
            notes.push(format!(
                "\"{}\" was nested {} levels deep and now sits directly under \"{}\" (Marginalia groups are one level)",
                name,
                depth + 1,
                path.first().map(String::as_str).unwrap_or("")
            ));
        }
        let mut code = Code::new(&id, &name, &colour);
        let (description, example) = split_example(el.child_text("Description").unwrap_or("").trim());
        code.description = description;
        code.example = example;
        code.parent = top.clone();
        codable_flags.insert(id.clone(), el.attr("isCodable").is_none_or(|v| v.trim() != "false" && v.trim() != "0"));
        ids.insert(id.clone(), id.clone());
        cb.codes.push(code);
        let child_top = top.clone().or_else(|| Some(id.clone()));
        let mut child_path = path.clone();
        child_path.push(own_name);
        for child in el.children_named("Code").collect::<Vec<_>>().into_iter().rev() {
            queue.push((child, depth + 1, child_top.clone(), child_path.clone()));
        }
    }
    if cb.codes.is_empty() {
        return Err(format_error(format!("{what} defines no codes")).hint("export a codebook with at least one code"));
    }
    if flattened > 0 {
        notes.insert(0, format!("{flattened} code(s) nested deeper than one level were moved up one or more levels"));
    }
    assign_keys_and_cues(&mut cb, &codable_flags);
    cb.validate().map_err(|e| Error { message: format!("{what}: {}", e.message), ..e })?;
    Ok(CodebookImport { codebook: cb, ids, notes })
}

/// `name`, or, when a code has it already (ignoring case), the name with its path of parents
/// (`Parent / name`), numbered if that is taken too; a renaming is noted.
fn unique_code_name(cb: &Codebook, name: String, path: &[String], notes: &mut Vec<String>) -> String {
    let taken = |n: &str| cb.codes.iter().any(|c| c.name.to_lowercase() == n.to_lowercase());
    if !taken(&name) {
        return name;
    }
    let renamed = if path.is_empty() { name.clone() } else { format!("{} / {name}", path.join(" / ")) };
    let mut candidate = renamed.clone();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{renamed} ({n})");
        n += 1;
    }
    notes.push(format!("the code \"{name}\" occurs twice; the second is named \"{candidate}\""));
    candidate
}

/// Number keys for the first ten codes one can code with; cues so that colour + cue differ.
fn assign_keys_and_cues(cb: &mut Codebook, codable_flags: &HashMap<String, bool>) {
    let mut next_key = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'].into_iter();
    let mut used: Vec<(String, Cue)> = Vec::new();
    for i in 0..cb.codes.len() {
        let id = cb.codes[i].id.clone();
        let flag = codable_flags.get(&id).copied().unwrap_or(true);
        // Kept only when it differs from what Marginalia writes by default, so that it goes out
        // again as it came in (a group is written as not codable, any other code as codable).
        let default_flag = !(cb.is_group(&id) && cb.codes[i].parent.is_none());
        if flag != default_flag {
            cb.codes[i].codable = Some(flag);
        }
        let codable = flag && !cb.is_group(&id);
        if codable {
            cb.codes[i].key = next_key.next();
        }
        let colour = cb.codes[i].colour.clone();
        let cue = if codable { Cue::ALL.iter() } else { [Cue::Box].iter() }
            .chain(Cue::ALL.iter())
            .copied()
            .find(|cue| !used.contains(&(colour.clone(), *cue)))
            .unwrap_or_default();
        used.push((colour, cue));
        cb.codes[i].cue = cue;
    }
}
