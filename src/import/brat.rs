//! brat standoff import: `X.ann` with `X.txt` beside it becomes the document `X.txt` (copied
//! into the target folder) and its sidecar. Entity types become codes (types the codebook does
//! not know are added, named and coloured from a `visual.conf` beside the .ann when there is
//! one); `AnnotatorNotes` become notes; attributes become attribute values. Relations between
//! two text-bound annotations (`R1<TAB>Type Arg1:T1 Arg2:T2`) become links from Arg1 to Arg2,
//! their type a link type of the codebook (added, with its label and colour from visual.conf,
//! when the codebook has none by that id or name), their note a link's note. Events,
//! equivalences, normalisations, relations to anything but text-bound annotations, and
//! attributes of relations have no place in Marginalia and are counted in the summary.
//!
//! A folder of brat documents imports every `.ann` in it (not in its subfolders). Only regular
//! files are read: a `.ann` or `.txt` that is a symbolic link (which could point anywhere on
//! the machine, `/etc/passwd` say) is never followed; it is skipped and reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::annotation::Annotation;
use crate::codebook::{AttributeDef, AttributeKind, Codebook};
use crate::document::{Document, Span};
use crate::error::Error;
use crate::export::brat::{brat_name, brat_value};
use crate::import::{Summary, add_all_linked, add_code, format_error, inside, open_session, read_capped, write_new};
use crate::link::Link;

/// A relation between two text-bound annotations, by their ids in the file.
struct Relation {
    ty: String,
    origin: String,
    target: String,
    note: Vec<String>,
}

struct Entity {
    ty: String,
    span: Span,
    joined_gap: bool,
    note: Vec<String>,
    attrs: Vec<(String, Option<String>)>,
}

/// Labels and colours from a visual.conf: type → (label, colour).
fn visual_conf(text: &str) -> Visual {
    // Entities are drawn with `bgColor`, relation arcs with `color`.
    let mut out = Visual::new();
    let mut section = "";
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            section = if line.eq_ignore_ascii_case("[labels]") {
                "labels"
            } else if line.eq_ignore_ascii_case("[drawing]") {
                "drawing"
            } else {
                ""
            };
            continue;
        }
        match section {
            "labels" => {
                let mut parts = line.split('|').map(str::trim);
                if let (Some(ty), Some(label)) = (parts.next(), parts.next()) {
                    out.entry(ty.to_owned()).or_default().0 = Some(label.to_owned());
                }
            }
            "drawing" => {
                let mut parts = line.splitn(2, char::is_whitespace);
                if let (Some(ty), Some(rest)) = (parts.next(), parts.next()) {
                    for kv in rest.split(',') {
                        let kv = kv.trim();
                        if let Some(c) = kv.strip_prefix("bgColor:").or_else(|| kv.strip_prefix("color:")) {
                            out.entry(ty.to_owned()).or_default().1 = Some(c.trim().to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Text from the file as a message quotes it: a short excerpt on one line.
fn q(s: &str) -> String {
    crate::document::excerpt(s, crate::document::QUOTE_CHARS)
}

/// Why `path` is not a regular file Marginalia reads (a symbolic link, a folder, a device…),
/// or `None` when it is one. Links are not followed.
pub(crate) fn not_regular(path: &Path) -> Option<String> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Some(format!("{} does not exist", path.display())),
        Ok(m) if m.file_type().is_symlink() => {
            Some(format!("{} is a symbolic link, which Marginalia does not follow when importing", path.display()))
        }
        Ok(m) if !m.is_file() => Some(format!("{} is not a regular file", path.display())),
        Ok(_) => None,
    }
}

/// Imports every brat document (`.ann` with its `.txt`) of the folder `dir` into `folder`.
/// Pairs that are not regular files are skipped and listed under "not carried".
pub fn import_folder(dir: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let mut anns: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "cannot read the folder", e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ann")))
        .collect();
    anns.sort();
    if anns.is_empty() {
        return Err(format_error(dir, "holds no brat .ann file").hint("pass a folder of brat .ann and .txt files, or one .ann"));
    }
    let mut summary = Summary::default();
    let mut skipped = Vec::new();
    let mut imported = 0;
    for ann in &anns {
        let txt = ann.with_extension("txt");
        if let Some(why) = not_regular(ann).or_else(|| not_regular(&txt)) {
            skipped.push(why);
            continue;
        }
        let s = import(ann, folder, coder)?;
        imported += 1;
        summary.written.extend(s.written);
        summary.carried.extend(s.carried);
        summary.not_carried.extend(
            s.not_carried
                .into_iter()
                .map(|n| format!("{}: {n}", ann.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default())),
        );
    }
    if !skipped.is_empty() {
        summary.not_carried.push(format!("{} brat document(s) skipped: {}", skipped.len(), skipped.join("; ")));
    }
    if imported == 0 {
        return Err(format_error(dir, format!("has no brat document Marginalia can read: {}", skipped.join("; ")))
            .hint("copy the files into the folder instead of linking them"));
    }
    Ok(summary)
}

/// What a .ann file holds that Marginalia carries, and a count of what it does not.
#[derive(Default)]
struct Ann {
    entities: Vec<Entity>,
    /// Relations whose two ends are entities of `entities`, with the ids those have there.
    relations: Vec<(Relation, usize, usize)>,
    not_carried: BTreeMap<&'static str, usize>,
}

/// Type → (label, colour) from a visual.conf.
type Visual = BTreeMap<String, (Option<String>, Option<String>)>;

pub fn import(ann_path: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let txt_path = ann_path.with_extension("txt");
    check_pair(ann_path, &txt_path)?;
    let txt_bytes = read_capped(&txt_path)?;
    let doc = Document::from_bytes(&txt_bytes)
        .map_err(|_| format_error(&txt_path, "is not a text file").hint("brat texts are UTF-8 plain text"))?;
    let ann_bytes = read_capped(ann_path)?;
    let ann = String::from_utf8(ann_bytes).map_err(|_| format_error(ann_path, "is not UTF-8 text"))?;
    let Ann { entities, relations, not_carried } = parse_ann(&ann, ann_path, &txt_path, &doc)?;

    let doc_name = txt_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let doc_path = inside(folder, &doc_name)?;
    let mut session = open_session(&doc, &doc_path, coder)?;
    let mut codebook: Codebook = session.edits.codebook().clone();
    let visual = visual_beside(ann_path);
    let mut new_codes = BTreeSet::new();
    let mut annotations = Vec::new();
    for e in &entities {
        let code_id = code_for(&mut codebook, &visual, &e.ty, &mut new_codes);
        annotations.push(annotation_of(&doc, e, &code_id, &mut codebook, coder));
    }
    let mut new_types = BTreeSet::new();
    let links: Vec<Link> = relations
        .iter()
        .map(|(r, origin, target)| {
            let type_id = link_type_for(&mut codebook, &visual, &r.ty, &mut new_types);
            let mut link = Link::new(&type_id, annotations[*origin].id, annotations[*target].id, coder);
            link.note = r.note.join("\n");
            link
        })
        .collect();
    codebook.validate().map_err(|e| e.in_file(ann_path))?;
    let n = annotations.len();
    let relation_count = links.len();
    // Everything is checked: now write the document (if it is not there yet) and its sidecar.
    let mut summary = Summary::default();
    if write_new(&doc_path, &txt_bytes)? {
        summary.written.push(doc_path.clone());
    }
    let (added, skipped, links_added) = add_all_linked(&mut session, codebook, annotations, links)?;
    session.save()?;
    summary.written.push(session.sidecar_path.clone());
    summary.carried.push(format!("{added} of {n} annotation(s) imported into {}", doc_path.display()));
    if relation_count > 0 {
        summary.carried.push(format!("{links_added} of {relation_count} relation(s) imported as links"));
    }
    if links_added < relation_count {
        summary.not_carried.push(format!(
            "{} relation(s): already in the sidecar, or between codes their link type does not allow (see the codebook's link types)",
            relation_count - links_added
        ));
    }
    if !new_types.is_empty() {
        summary.carried.push(format!(
            "added {} link type(s) to the codebook: {}",
            new_types.len(),
            new_types.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if skipped > 0 {
        summary.carried.push(format!("{skipped} were in the sidecar already"));
    }
    if !new_codes.is_empty() {
        summary.carried.push(format!(
            "added {} code(s) to the codebook: {}",
            new_codes.len(),
            new_codes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let joined = entities.iter().filter(|e| e.joined_gap).count();
    if joined > 0 {
        summary.not_carried.push(format!(
            "{joined} discontinuous annotation(s) were joined into one span each (Marginalia spans are continuous)"
        ));
    }
    for (what, count) in not_carried {
        summary.not_carried.push(format!("{count} {what}"));
    }
    Ok(summary)
}

/// Refuses a .ann or .txt that is not a regular file (links are never followed), and a .ann
/// without its text.
fn check_pair(ann_path: &Path, txt_path: &Path) -> Result<(), Error> {
    if let Some(why) = not_regular(ann_path) {
        return Err(format_error(ann_path, format!("is not read: {why}; nothing was written"))
            .hint("copy the file into the folder instead of linking it"));
    }
    match not_regular(txt_path) {
        None => Ok(()),
        Some(_) if std::fs::symlink_metadata(txt_path).is_err() => {
            Err(format_error(ann_path, format!("has no text beside it: {} does not exist", txt_path.display()))
                .hint("brat keeps each document's text in a .txt file with the same name as the .ann"))
        }
        Some(why) => Err(format_error(ann_path, format!("has a text that is not read: {why}; nothing was written"))
            .hint("copy the text into the folder instead of linking it")),
    }
}

/// Reads the lines of a .ann: text-bound annotations (checked against the text) and relations
/// between them, then the notes and attributes attached to them. Everything else is counted.
fn parse_ann(ann: &str, ann_path: &Path, txt_path: &Path, doc: &Document) -> Result<Ann, Error> {
    let mut out = Ann::default();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut pending_notes: Vec<(usize, String, String)> = Vec::new();
    // Ids of relations, events, equivalences and normalisations: notes and attributes attached
    // to them are counted with them.
    let mut uncarried_ids: BTreeSet<String> = BTreeSet::new();
    let mut pending_attrs: Vec<(usize, String, String, Option<String>)> = Vec::new();
    let mut pending_relations: Vec<(usize, String, Relation)> = Vec::new();
    for (n, line) in ann.lines().enumerate() {
        let lineno = n + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let bad = |msg: String| format_error(ann_path, msg).at(lineno, 1);
        match line.chars().next() {
            Some('T') => {
                let (key, entity) = text_bound(line, &bad, txt_path, doc)?;
                index.insert(key.to_owned(), out.entities.len());
                out.entities.push(entity);
            }
            Some('#') => {
                let mut parts = line.splitn(3, '\t');
                let (_, Some(head), body) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(bad("a # line needs an ID, a TYPE TARGET and a text".into()));
                };
                let (ty, target) = head.split_once(' ').unwrap_or((head, ""));
                if ty == "AnnotatorNotes" {
                    pending_notes.push((lineno, target.trim().to_owned(), body.unwrap_or("").to_owned()));
                } else {
                    *out.not_carried.entry("comments of other types than AnnotatorNotes").or_default() += 1;
                }
            }
            Some('A' | 'M') => {
                let fields: Vec<&str> = line.split_once('\t').map_or("", |x| x.1).split_whitespace().collect();
                if fields.len() < 2 {
                    return Err(bad("an attribute line needs a NAME and a TARGET".into()));
                }
                pending_attrs.push((lineno, fields[1].to_owned(), fields[0].to_owned(), fields.get(2).map(|s| (*s).to_owned())));
            }
            Some('R') => pending_relations.push(relation(line, lineno, &bad)?),
            Some(c @ ('E' | '*' | 'N')) => {
                uncarried_ids.insert(line.split('\t').next().unwrap_or("").to_owned());
                let what = match c {
                    'E' => "events",
                    '*' => "equivalences",
                    _ => "normalisations",
                };
                *out.not_carried.entry(what).or_default() += 1;
            }
            _ => *out.not_carried.entry("unrecognised lines").or_default() += 1,
        }
    }
    let relation_index = resolve_relations(pending_relations, &index, &mut out, &mut uncarried_ids, ann_path)?;
    for (lineno, target, text) in pending_notes {
        match index.get(&target) {
            Some(&i) => out.entities[i].note.push(text),
            None if relation_index.contains_key(&target) => out.relations[relation_index[&target]].0.note.push(text),
            None if uncarried_ids.contains(&target) => {
                *out.not_carried.entry("notes on events, normalisations or relations not carried").or_default() += 1;
            }
            None => {
                return Err(format_error(ann_path, format!("a note refers to {}, which the file does not define", q(&target)))
                    .at(lineno, 1)
                    .hint("check the note's target id, or remove the line"));
            }
        }
    }
    for (lineno, target, name, value) in pending_attrs {
        match index.get(&target) {
            Some(&i) => out.entities[i].attrs.push((name, value)),
            None => {
                if target.starts_with('T') {
                    return Err(format_error(ann_path, format!("an attribute refers to {}, which is not defined", q(&target)))
                        .at(lineno, 1));
                }
                *out.not_carried.entry("attributes of relations or events (Marginalia links have none)").or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// Keeps the relations between two text-bound annotations (in `out.relations`) and counts those
/// to events or other relations; a relation to an id the file does not define is an error.
/// Returns each kept relation's place in `out.relations` by its id.
fn resolve_relations(
    pending: Vec<(usize, String, Relation)>,
    index: &BTreeMap<String, usize>,
    out: &mut Ann,
    uncarried_ids: &mut BTreeSet<String>,
    ann_path: &Path,
) -> Result<BTreeMap<String, usize>, Error> {
    let mut relation_index: BTreeMap<String, usize> = BTreeMap::new();
    for (lineno, key, r) in pending {
        match (index.get(&r.origin), index.get(&r.target)) {
            (Some(&o), Some(&t)) => {
                relation_index.insert(key, out.relations.len());
                out.relations.push((r, o, t));
            }
            _ if [&r.origin, &r.target].iter().all(|e| index.contains_key(*e) || !e.starts_with('T')) => {
                // An event or another relation at one end: Marginalia links annotations only.
                uncarried_ids.insert(key);
                *out.not_carried.entry("relations to events or other relations").or_default() += 1;
            }
            _ => {
                let missing = if index.contains_key(&r.origin) { &r.target } else { &r.origin };
                return Err(format_error(
                    ann_path,
                    format!("the relation {} refers to {}, which the file does not define", q(&key), q(missing)),
                )
                .at(lineno, 1)
                .hint("check the relation's arguments, or remove the line"));
            }
        }
    }
    Ok(relation_index)
}

/// One `R` line (`R1<TAB>Type Arg1:T1 Arg2:T2`): its line number, its id and the relation.
fn relation(line: &str, lineno: usize, bad: &dyn Fn(String) -> Error) -> Result<(usize, String, Relation), Error> {
    let mut parts = line.splitn(3, '\t');
    let hint = "the line should look like R1<TAB>Supports Arg1:T1 Arg2:T2";
    let (Some(key), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(bad("a relation needs an ID and a TYPE Arg1:ID Arg2:ID".into()).hint(hint));
    };
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let args: Vec<(&str, &str)> = fields.iter().skip(1).filter_map(|f| f.split_once(':')).collect();
    let arg = |role: &str, nth: usize| args.iter().find(|(r, _)| *r == role).or_else(|| args.get(nth)).map(|(_, id)| *id);
    let (Some(ty), Some(origin), Some(target)) = (fields.first(), arg("Arg1", 0), arg("Arg2", 1)) else {
        return Err(bad(format!("the relation {} does not name a type and two arguments", q(key))).hint(hint));
    };
    Ok((
        lineno,
        key.to_owned(),
        Relation { ty: (*ty).to_owned(), origin: origin.to_owned(), target: target.to_owned(), note: vec![] },
    ))
}

/// The link type for the relation type `ty`: the link type with that id (or brat name), else
/// the one named as visual.conf labels it (or as `ty` reads), else a new one.
fn link_type_for(codebook: &mut Codebook, visual: &Visual, ty: &str, new_types: &mut BTreeSet<String>) -> String {
    if let Some(t) = codebook.link_types.iter().find(|t| t.id == ty || brat_name(&t.id) == ty) {
        return t.id.clone();
    }
    let (label, colour) = visual.get(ty).cloned().unwrap_or_default();
    let name = label.unwrap_or_else(|| ty.replace('_', " "));
    if let Some(t) = codebook.link_types.iter().find(|t| t.name.to_lowercase() == name.to_lowercase()) {
        return t.id.clone();
    }
    new_types.insert(ty.to_owned());
    codebook.add_link_type(ty, &name, colour)
}

/// One `T` line (`T1<TAB>Type 10 25;30 35<TAB>text`): its id and its entity, the fragments
/// joined into one span. The text must be what the .txt has at those offsets.
fn text_bound<'l>(
    line: &'l str,
    bad: &dyn Fn(String) -> Error,
    txt_path: &Path,
    doc: &Document,
) -> Result<(&'l str, Entity), Error> {
    let len = doc.len_chars();
    let mut parts = line.splitn(3, '\t');
    let (Some(key), Some(type_offsets), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("a T line needs three tab-separated fields: ID, TYPE START END, text".into())
            .hint("the line should look like T1<TAB>Demand 10 25<TAB>the text"));
    };
    let (ty, offsets) = type_offsets.split_once(' ').ok_or_else(|| bad(format!("\"{}\" has no offsets", q(type_offsets))))?;
    let mut frags = Vec::new();
    for frag in offsets.split(';') {
        let mut nums = frag.split_whitespace().map(str::parse::<usize>);
        let (Some(Ok(s)), Some(Ok(e)), None) = (nums.next(), nums.next(), nums.next()) else {
            return Err(bad(format!("\"{}\" is not START END", q(frag))).hint("offsets are whole numbers of characters"));
        };
        if s >= e || e > len {
            return Err(bad(format!(
                "{} has the offsets {s} {e}, outside the text of {} ({len} characters) or empty; nothing was written",
                q(key),
                txt_path.display()
            ))
            .hint("check that the .ann belongs to this .txt"));
        }
        frags.push(Span::new(s, e));
    }
    let joined: Vec<&str> = frags.iter().map(|f| doc.slice(*f)).collect();
    if joined.join(" ") != text {
        return Err(bad(format!(
            "{} says its text is \"{}\" but the .txt has \"{}\" at those offsets; nothing was written",
            q(key),
            q(text),
            q(&joined.join(" "))
        ))
        .hint("the offsets must count characters (code points) of the .txt, not bytes or UTF-16 units"));
    }
    let start = frags.iter().map(|f| f.start).min().unwrap_or(0);
    let end = frags.iter().map(|f| f.end).max().unwrap_or(0);
    frags.sort();
    let joined_gap =
        frags.windows(2).any(|w| doc.slice(Span::new(w[0].end, w[1].start.max(w[0].end))).chars().any(|c| !c.is_whitespace()));
    Ok((key, Entity { ty: ty.to_owned(), span: Span::new(start, end), joined_gap, note: vec![], attrs: vec![] }))
}

/// The visual.conf that brat would use: beside the .ann, else in the folders above.
fn visual_beside(ann_path: &Path) -> Visual {
    ann_path
        .ancestors()
        .skip(1)
        .take(3)
        .map(|p| p.join("visual.conf"))
        .find(|p| not_regular(p).is_none())
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| visual_conf(&t))
        .unwrap_or_default()
}

/// The code for the entity type `ty`: the code with that id (or brat name), else the code
/// with its explicit visual.conf label as name, else a new code (noted in `new_codes`).
fn code_for(codebook: &mut Codebook, visual: &Visual, ty: &str, new_codes: &mut BTreeSet<String>) -> String {
    if let Some(c) = codebook.codes.iter().find(|c| c.id == ty || brat_name(&c.id) == ty) {
        return c.id.clone();
    }
    let (label, colour) = visual.get(ty).cloned().unwrap_or_default();
    let name = label.unwrap_or_else(|| ty.replace('_', " "));
    if let Some(c) = codebook.codes.iter().find(|c| c.name.to_lowercase() == name.to_lowercase() && label_is_explicit(visual, ty))
    {
        return c.id.clone();
    }
    new_codes.insert(ty.to_owned());
    add_code(codebook, ty, &name, colour)
}

/// The annotation of one entity: its notes (`attr:NAME=VALUE` notes become attribute values)
/// and its attributes, each added to the code's definition when it lacks them.
fn annotation_of(doc: &Document, e: &Entity, code_id: &str, codebook: &mut Codebook, coder: &str) -> Annotation {
    let mut a = Annotation::new(doc, e.span, code_id, coder);
    let mut notes = Vec::new();
    for n in &e.note {
        if let Some((id, value)) = n.strip_prefix("attr:").and_then(|r| r.split_once('=')) {
            let id = ensure_attribute(codebook, code_id, id, AttributeKind::Text);
            a.attributes.insert(id, value.to_owned());
        } else {
            notes.push(n.clone());
        }
    }
    a.note = notes.join("\n");
    for (name, value) in &e.attrs {
        let kind = match value {
            None => AttributeKind::Flag,
            Some(v) => AttributeKind::Choice(vec![v.clone()]),
        };
        let id = ensure_attribute(codebook, code_id, name, kind);
        let def = codebook.code(code_id).and_then(|c| c.attributes.iter().find(|d| d.id == id)).cloned();
        let stored = match (value, def.map(|d| d.kind)) {
            (None, _) => "yes".to_owned(),
            (Some(v), Some(AttributeKind::Choice(options))) => {
                options.iter().find(|o| *o == v || brat_value(o) == *v).cloned().unwrap_or_else(|| v.clone())
            }
            (Some(v), _) => v.clone(),
        };
        a.attributes.insert(id, stored);
    }
    a
}

fn label_is_explicit(visual: &Visual, ty: &str) -> bool {
    visual.get(ty).is_some_and(|v| v.0.is_some())
}

/// The id of the attribute `name` on `code`, adding it to the codebook when the code has none
/// by that id (or brat name). Choice values not listed yet are added to the list.
fn ensure_attribute(codebook: &mut Codebook, code: &str, name: &str, kind: AttributeKind) -> String {
    let Some(c) = codebook.code_mut(code) else { return name.to_owned() };
    if let Some(def) = c.attributes.iter_mut().find(|d| d.id == name || brat_name(&d.id) == name) {
        if let (AttributeKind::Choice(options), AttributeKind::Choice(new)) = (&mut def.kind, &kind) {
            for v in new {
                if !options.iter().any(|o| o == v || brat_value(o) == *v) {
                    options.push(v.clone());
                }
            }
        }
        return def.id.clone();
    }
    c.attributes.push(AttributeDef { id: name.to_owned(), name: name.replace('_', " "), kind });
    name.to_owned()
}
