//! W3C Web Annotation import: an AnnotationCollection (with embedded pages), an
//! AnnotationPage, one annotation, an array of them, or JSON lines. Annotations are grouped by
//! their target's `source`; each group goes into the sidecar of the document of that file name
//! in the target folder, which must exist there (the error says which file to put there).
//!
//! The code comes from a `classifying`/`tagging` body: a `SpecificResource` whose source is
//! `urn:marginalia:code:<id>` (as Marginalia writes) or any other source with a label, or a
//! `TextualBody` whose value names the code. `commenting` bodies (and `bodyValue`) become the
//! note; `describing` bodies become attribute values. Positions come from the
//! `TextPositionSelector` (code points) and are checked against the `TextQuoteSelector`; when
//! they disagree the quote is searched for.
//!
//! An annotation with the motivation `linking` whose target and first body are annotations
//! (`urn:uuid:<id>`, as Marginalia writes links) becomes a link from its target to its body,
//! when both annotations are imported with it or are in the sidecar already; its type comes
//! from a `classifying` body (`urn:marginalia:link-type:<id>` or a label), its note from a
//! `commenting` one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use uuid::Uuid;

use crate::anchor::reanchor_one;
use crate::annotation::{AnchorStatus, Annotation, is_rfc3339, now_rfc3339};
use crate::codebook::{AttributeDef, AttributeKind, Codebook};
use crate::document::{Document, Span};
use crate::error::Error;
use crate::export::w3c::{ATTRIBUTE_FRAGMENT, CODE_URI_PREFIX, LINK_TYPE_URI_PREFIX, decode_segment};
use crate::import::{Summary, add_all_linked, add_code, format_error, inside, open_session, read_capped};
use crate::link::Link;
use crate::session::Session;

/// Reads the annotations of a W3C file (JSON or JSON lines). Containers are unpacked.
pub fn read_annotations(path: &Path, text: &str) -> Result<(Vec<Value>, Vec<String>), Error> {
    let mut notes = Vec::new();
    let values: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(v) => vec![v],
        Err(whole) => {
            let mut out = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v = serde_json::from_str::<Value>(line).map_err(|e| {
                    if n == 0 {
                        format_error(path, format!("is not JSON: {whole}")).at(whole.line(), whole.column())
                    } else {
                        format_error(path, format!("line {} is not JSON: {e}", n + 1)).at(n + 1, e.column())
                    }
                })?;
                out.push(v);
            }
            out
        }
    };
    let mut annotations = Vec::new();
    let mut stack: Vec<Value> = values.into_iter().rev().collect();
    while let Some(v) = stack.pop() {
        match &v {
            Value::Array(items) => stack.extend(items.iter().rev().cloned()),
            Value::Object(o) => {
                let types = types(&v);
                if types.iter().any(|t| t == "AnnotationCollection") {
                    match o.get("first") {
                        Some(first @ Value::Object(_)) => stack.push(first.clone()),
                        Some(Value::String(uri)) => {
                            notes.push(format!("the collection's pages are only linked ({uri}), not embedded"))
                        }
                        _ => {}
                    }
                } else if types.iter().any(|t| t == "AnnotationPage") {
                    if let Some(Value::String(next)) = o.get("next") {
                        notes.push(format!("a page links to a next page ({next}) that is not embedded"));
                    }
                    if let Some(Value::Array(items)) = o.get("items") {
                        stack.extend(items.iter().rev().cloned());
                    }
                } else if types.iter().any(|t| t == "Annotation") {
                    annotations.push(v);
                } else {
                    notes.push("an object that is not an Annotation, Page or Collection".to_owned());
                }
            }
            Value::String(uri) => notes.push(format!("an annotation given only by its URI ({uri})")),
            _ => notes.push("a value that is not an annotation".to_owned()),
        }
    }
    Ok((annotations, notes))
}

fn types(v: &Value) -> Vec<String> {
    match v.get("type") {
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
        coder: as_list(v.get("creator"))
            .first()
            .and_then(|c| c.as_str().or_else(|| c.get("name").and_then(Value::as_str)))
            .map(str::to_owned),
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
        coder: None,
        created: v.get("created").and_then(Value::as_str).map(str::to_owned),
        modified: v.get("modified").and_then(Value::as_str).map(str::to_owned),
    };
    for c in as_list(v.get("creator")) {
        if p.coder.is_none() {
            p.coder = c
                .as_str()
                .map(str::to_owned)
                .or_else(|| c.get("name").and_then(Value::as_str).map(str::to_owned))
                .or_else(|| c.get("nickname").and_then(Value::as_str).map(str::to_owned));
        }
    }
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
            *unsupported.entry(format!("textual bodies with purpose {}", purposes.join("/"))).or_default() += 1;
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
                let outer = t.first().cloned().unwrap_or_else(|| "selector".to_owned());
                let value = s.get("value").and_then(Value::as_str).unwrap_or("");
                refined = Some((inner.clone(), if value.is_empty() { outer } else { format!("{outer} \"{value}\"") }));
            } else {
                *unsupported.entry(format!("selectors of type {}", t.join("/"))).or_default() += 1;
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
    /// Annotations without a code (their labels).
    untagged: Vec<String>,
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

/// One document's annotations, placed and checked, with the codebook they need.
type Prepared = (Session, Codebook, Vec<Annotation>);

pub fn import(path: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let bytes = read_capped(path)?;
    let text = String::from_utf8(bytes).map_err(|_| format_error(path, "is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (values, container_notes) = read_annotations(path, text)?;
    let mut report = Report::default();
    let by_doc = group_by_document(&values, &mut report);
    // Find every document first, so that nothing is written before all is checked.
    let docs = find_documents(by_doc, folder, path, &mut report)?;
    let mut prepared = Vec::new();
    for (doc_path, doc, parsed) in docs {
        if let Some(p) = prepare(&doc_path, &doc, parsed, coder, path, &mut report)? {
            prepared.push(p);
        }
    }
    if prepared.is_empty() {
        return Err(nothing_placed(&report, path, folder));
    }
    let mut summary = Summary::default();
    let links = std::mem::take(&mut report.links);
    let mut links_placed = vec![false; links.len()];
    for (mut session, mut codebook, annotations) in prepared {
        let n = annotations.len();
        let before: Vec<String> = session.edits.codebook().codes.iter().map(|c| c.id.clone()).collect();
        let new_codes: Vec<String> = codebook.codes.iter().filter(|c| !before.contains(&c.id)).map(|c| c.id.clone()).collect();
        // The links between annotations of this document (imported now or there already).
        let here: std::collections::HashSet<Uuid> =
            annotations.iter().map(|a| a.id).chain(session.edits.annotations().iter().map(|a| a.id)).collect();
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
        let link_count = doc_links.len();
        let (added, skipped, links_added) = add_all_linked(&mut session, codebook, annotations, doc_links)?;
        session.save()?;
        summary.written.push(session.sidecar_path.clone());
        let mut line = format!("{added} of {n} annotation(s) imported for {}", session.doc.file_name());
        if skipped > 0 {
            line.push_str(&format!(" ({skipped} were there already)"));
        }
        summary.carried.push(line);
        if link_count > 0 {
            summary.carried.push(format!("{links_added} of {link_count} link(s) imported for {}", session.doc.file_name()));
        }
        if !new_codes.is_empty() {
            summary.carried.push(format!("added {} code(s) to the codebook: {}", new_codes.len(), new_codes.join(", ")));
        }
    }
    let unplaced_links: Vec<&str> =
        links.iter().zip(&links_placed).filter(|(_, placed)| !**placed).map(|(l, _)| l.label.as_str()).collect();
    if !unplaced_links.is_empty() {
        summary.not_carried.push(format!(
            "{} link(s) between annotations that were not imported: {}",
            unplaced_links.len(),
            unplaced_links.join(", ")
        ));
    }
    report.add_to(&mut summary, folder);
    summary.not_carried.extend(container_notes);
    Ok(summary)
}

/// The annotations that have a code, by the name of their document, in file order.
fn group_by_document(values: &[Value], report: &mut Report) -> BTreeMap<String, Vec<Parsed>> {
    let mut by_doc: BTreeMap<String, Vec<Parsed>> = BTreeMap::new();
    for (n, v) in values.iter().enumerate() {
        // The id as messages quote it (it comes from the file: keep it short).
        let label = v
            .get("id")
            .and_then(Value::as_str)
            .map(|id| crate::document::excerpt(id, crate::document::QUOTE_CHARS))
            .unwrap_or_else(|| format!("annotation {}", n + 1));
        if let Some(link) = parse_link(v, &label) {
            report.links.push(link);
            continue;
        }
        let parsed = match parse_one(v, label.clone(), &mut report.unsupported) {
            Ok(p) => p,
            Err(why) => {
                report.unplaced.push((label, why));
                continue;
            }
        };
        if parsed.code_id.is_none() && parsed.code_name.as_deref().is_none_or(|s| s.trim().is_empty()) {
            report.untagged.push(label);
            continue;
        }
        by_doc.entry(source_name(&parsed.source)).or_default().push(parsed);
    }
    by_doc
}

/// Opens the documents the annotations name in `folder`; those not there are reported.
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
        let doc_path = inside(folder, &name).map_err(|e| e.in_file(path))?;
        if !doc_path.is_file() {
            // The name as messages quote it (it comes from the file: keep it short).
            let name = crate::document::excerpt(&name, crate::document::QUOTE_CHARS);
            report.missing.push((name, parsed.into_iter().map(|p| p.label).collect()));
            continue;
        }
        let doc = Document::open(&doc_path)?;
        docs.push((doc_path, doc, parsed));
    }
    Ok(docs)
}

/// Places one document's annotations and resolves their codes and attributes (added to the
/// codebook when it lacks them). `None` when none of them can be placed.
fn prepare(
    doc_path: &Path,
    doc: &Document,
    parsed: Vec<Parsed>,
    coder: &str,
    path: &Path,
    report: &mut Report,
) -> Result<Option<Prepared>, Error> {
    let first_coder = parsed.iter().find_map(|p| p.coder.clone()).unwrap_or_else(|| coder.to_owned());
    let session = open_session(doc, doc_path, &first_coder)?;
    let mut codebook: Codebook = session.edits.codebook().clone();
    let mut annotations = Vec::new();
    for p in parsed {
        let Placed { mut annotation, how } = match place(doc, doc_path, &p, coder) {
            Ok(placed) => placed,
            Err(why) => {
                report.unplaced.push((p.label.clone(), why));
                continue;
            }
        };
        match how {
            How::AsGiven => {}
            How::Reanchored => report.reanchored += 1,
            How::QuoteOnly => report.by_quote_only += 1,
            How::Widened(from) => report.widened.push(format!("{} ({from} → {})", p.label, annotation.span())),
        }
        let code_id = resolve_code(&mut codebook, p.code_id.as_deref(), p.code_name.as_deref().unwrap_or(""));
        annotation.code = code_id.clone();
        for (attr_id, attr_label, value) in &p.attributes {
            let id = resolve_attribute(&mut codebook, &code_id, attr_id.as_deref(), attr_label);
            annotation.attributes.insert(id, value.clone());
        }
        annotations.push(annotation);
    }
    if annotations.is_empty() {
        return Ok(None);
    }
    codebook.validate().map_err(|e| e.in_file(path))?;
    Ok(Some((session, codebook, annotations)))
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
        .hint(format!("put the document \"{name}\" there (the same text they were made on), or import with --into its folder"));
    }
    let mut reasons: Vec<String> = report.unplaced.iter().map(|(l, why)| format!("{l} {why}")).collect();
    for (name, labels) in &report.missing {
        reasons.push(format!("{} annotation(s) of \"{name}\", which is not in {}", labels.len(), folder.display()));
    }
    if !report.untagged.is_empty() {
        reasons.push(format!("{} annotation(s) without a tagging or classifying body", report.untagged.len()));
    }
    let first = reasons.first().cloned().unwrap_or_else(|| "no annotation".to_owned());
    let more = if reasons.len() > 1 { format!(" (and {} more reason(s))", reasons.len() - 1) } else { String::new() };
    format_error(path, format!("has no annotation Marginalia can place: {first}{more}; nothing was written"))
        .hint("Marginalia places annotations in plain-text documents by a TextQuoteSelector or TextPositionSelector")
}

impl Report {
    /// Adds what was placed differently and what was not carried to `summary`.
    fn add_to(self, summary: &mut Summary, folder: &Path) {
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
        if !self.untagged.is_empty() {
            summary.not_carried.push(format!(
                "{} annotation(s) without a tagging or classifying body (Marginalia annotations need a code): {}",
                self.untagged.len(),
                self.untagged.join(", ")
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
fn place(doc: &Document, doc_path: &Path, p: &Parsed, coder: &str) -> Result<Placed, String> {
    let len = doc.len_chars();
    let mut how = How::AsGiven;
    let (start, end) = match p.position {
        Some((s, e)) => {
            if s < 0 || e < s || e as u64 > len as u64 {
                return Err(format!("has the position {s}..{e}, outside the text of {} ({len} characters)", doc_path.display()));
            }
            (s as usize, e as usize)
        }
        None => (0, 0),
    };
    let (start, end, exact) = match &p.exact {
        Some(exact) => (start, end, exact.clone()),
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
    let now = now_rfc3339();
    let mut a = Annotation {
        id: p.id.unwrap_or_else(Uuid::new_v4),
        start,
        end,
        exact,
        prefix: p.prefix.clone(),
        suffix: p.suffix.clone(),
        code: String::new(),
        note: p.note.join("\n\n"),
        attributes: Default::default(),
        coder: p.coder.clone().unwrap_or_else(|| coder.to_owned()),
        created: p.created.clone().filter(|t| is_rfc3339(t)).unwrap_or_else(|| now.clone()),
        modified: p.modified.clone().filter(|t| is_rfc3339(t)).unwrap_or(now),
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
