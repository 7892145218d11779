//! brat standoff: per document a `.txt` (the text exactly as decoded, UTF-8) and a `.ann` with
//! `T` (text-bound), `#` (AnnotatorNotes), `A` (attribute) and `R` (relation: a link, from
//! `Arg1` to `Arg2`) lines, plus `annotation.conf` and `visual.conf` made from the codebook. With more than one coder, each coder's files go in a
//! folder of their own under the shared configuration.
//!
//! Offsets are Unicode code points of the `.txt`, as brat (Python 3) counts them; CRLF counts
//! as two. brat spans cannot cross a line break, so a span holding line breaks is written as
//! fragments `START END;START END` around them, with the fragments' texts joined by a space. A
//! span that starts or ends with line breaks (a paragraph selected whole) also gets a comment
//! `#N<TAB>MarginaliaSpan T1<TAB>START END` giving its whole span, so that it comes back whole.
//!
//! Type names are the ids of codes and link types, as they are when brat can hold them; an id
//! brat cannot hold (a space, a comma, a letter outside ASCII) gets a name made from it, and
//! annotation.conf says which id that name stands for (`# Marginalia id: NAME = ID`), so that an
//! import restores it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::path::PathBuf;

use crate::codebook::{AttributeKind, Code, LinkType};
use crate::corpus::Corpus;
use crate::document::{Document, Span};
use crate::error::Error;
use crate::export::{Ticker, all_codes, all_link_types, document_rows};

/// The first words of the annotation.conf Marginalia writes (an import knows its export by it).
pub const CONF_HEADER: &str = "# Written by Marginalia";
/// In annotation.conf, before `NAME = ID`: the id a type name brat can hold stands for.
pub const ID_LINE: &str = "# Marginalia id: ";
/// The type of the comment that gives a text-bound annotation's whole span when it starts or
/// ends with line breaks, which its fragments leave out.
pub const SPAN_COMMENT: &str = "MarginaliaSpan";

/// Can `name` be a brat type or attribute name as it is? Printable ASCII without white space
/// and without the characters brat's configuration files give a meaning (`|`, `,`, `:`, `;`,
/// `<`, `>`, `=`, `#`, `"`), not starting with `!` (an abstract type). brat's own data uses
/// such names (`_gt_N`, `++`, `I?`, `nsubj-exp`).
pub fn is_brat_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('!')
        && name.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '|' | ',' | ':' | ';' | '<' | '>' | '=' | '#' | '"'))
}

/// The brat name of an id: the id itself when brat can hold it ([`is_brat_name`]), else the id
/// with every character but ASCII letters, digits, `-` and `_` made `_`.
pub fn brat_name(id: &str) -> String {
    if is_brat_name(id) {
        return id.to_owned();
    }
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() { "C".to_owned() } else { s }
}

/// A brat attribute value: no white space, commas or bars.
pub fn brat_value(v: &str) -> String {
    v.chars().map(|c| if c.is_whitespace() || c == ',' || c == '|' { '_' } else { c }).collect()
}

/// The fragments of `span` between line breaks (CR and LF are left out), as code points.
pub fn fragments(doc: &Document, span: Span) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in doc.slice(span).chars().enumerate() {
        let pos = span.start + i;
        if ch == '\n' || ch == '\r' {
            if let Some(s) = start.take() {
                out.push(Span::new(s, pos));
            }
        } else if start.is_none() {
            start = Some(pos);
        }
    }
    if let Some(s) = start {
        out.push(Span::new(s, span.end));
    }
    out
}

/// Keeps a field on one line: tabs and line breaks become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c }).collect()
}

/// Names for `ids`, unique and unlike the names in `used`: an id brat can hold keeps it, the
/// others get [`brat_name`], with `_2`, `_3`... when that is taken.
fn unique_names<'a>(ids: impl Iterator<Item = &'a str> + Clone, used: &mut BTreeSet<String>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    // Ids that are names already come first, so that a made-up name never takes one of them.
    for id in ids.clone().filter(|id| is_brat_name(id)) {
        if used.insert(id.to_owned()) {
            map.insert(id.to_owned(), id.to_owned());
        }
    }
    let rest: Vec<&str> = ids.filter(|id| !map.contains_key(*id)).collect();
    for id in rest {
        let base = brat_name(id);
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        map.insert(id.to_owned(), name);
    }
    map
}

/// Code id → brat type name, unique: the id itself when brat can hold it.
pub fn type_names(codes: &[Code]) -> HashMap<String, String> {
    unique_names(codes.iter().map(|c| c.id.as_str()), &mut BTreeSet::new())
}

/// Link type id → brat relation type name, unique and unlike any entity type name (brat's
/// labels and colours share one namespace): the id itself when it can be.
pub fn relation_names(link_types: &[LinkType], entity_types: &HashMap<String, String>) -> HashMap<String, String> {
    let mut used: BTreeSet<String> = entity_types.values().cloned().collect();
    unique_names(link_types.iter().map(|t| t.id.as_str()), &mut used)
}

pub type Files = Vec<(PathBuf, Vec<u8>)>;

pub fn render<P: FnMut(usize, usize) -> bool>(corpus: &Corpus, ticker: &mut Ticker<P>) -> Result<(Files, Vec<String>), Error> {
    let codes = all_codes(corpus);
    let types = type_names(&codes);
    let link_types = all_link_types(corpus);
    let relations = relation_names(&link_types, &types);
    let mut files: Files = Vec::new();
    let mut dropped = Dropped::default();
    let several_coders = corpus.documents.iter().any(|d| d.sidecars.len() > 1)
        || corpus
            .documents
            .iter()
            .flat_map(|d| d.sidecars.iter().map(|s| s.sidecar.coder.as_str()))
            .collect::<BTreeSet<_>>()
            .len()
            > 1;
    let label = person_labels(corpus);
    let mut stems = BTreeSet::new();
    for (i, d) in corpus.documents.iter().enumerate() {
        let name = d.doc.file_name();
        let mut stem = name.rsplit_once('.').map(|(s, _)| s.to_owned()).unwrap_or_else(|| name.clone());
        if !stems.insert(stem.clone()) {
            stem = name.replace('.', "_");
            stems.insert(stem.clone());
        }
        let rows = document_rows(corpus, i, d);
        // Group by sidecar coder (brat has no notion of coders).
        let mut by_coder: BTreeMap<String, Vec<&crate::export::Row<'_>>> = BTreeMap::new();
        for sc in &d.sidecars {
            by_coder.entry(label(sc)).or_default();
        }
        let coder_of: HashMap<uuid::Uuid, String> =
            d.sidecars.iter().flat_map(|sc| sc.sidecar.annotations.iter().map(|a| (a.id, label(sc)))).collect();
        for r in &rows {
            by_coder.entry(coder_of.get(&r.annotation.id).cloned().unwrap_or_default()).or_default().push(r);
        }
        if by_coder.is_empty() {
            by_coder.insert(String::new(), Vec::new());
        }
        for (coder, rows) in by_coder {
            // A document nobody annotated yet stays at the top, beside the configuration.
            let folder = if several_coders && !coder.is_empty() { PathBuf::from(safe_folder(&coder)) } else { PathBuf::new() };
            let links: Vec<&crate::link::Link> =
                d.sidecars.iter().filter(|sc| label(sc) == coder).flat_map(|sc| &sc.sidecar.links).collect();
            let ann = ann_of(&d.doc, rows, &links, &types, &relations, &mut dropped);
            files.push((folder.join(format!("{stem}.txt")), d.doc.text().as_bytes().to_vec()));
            files.push((folder.join(format!("{stem}.ann")), ann.into_bytes()));
        }
        ticker.annotations(rows.len());
        ticker.report()?;
    }
    files.push((PathBuf::from("annotation.conf"), annotation_conf(&codes, &types, &link_types, &relations).into_bytes()));
    files.push((PathBuf::from("visual.conf"), visual_conf(&codes, &types, &link_types, &relations).into_bytes()));
    let mut notes = dropped.notes();
    if several_coders {
        notes.push("several coders: each coder's .txt/.ann files are in a folder named after the coder".to_owned());
    }
    Ok((files, notes))
}

impl Dropped {
    /// One line per thing brat could not hold.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.skipped_orphans > 0 {
            notes.push(format!("{} orphaned annotation(s) have no place in the text and were not written", self.skipped_orphans));
        }
        if self.skipped_blank > 0 {
            notes.push(format!(
                "{} annotation(s) hold only line breaks, which brat cannot mark, and were not written",
                self.skipped_blank
            ));
        }
        if self.unplaced_links > 0 {
            notes.push(format!(
                "{} link(s) start or end at an annotation that was not written, and were not written",
                self.unplaced_links
            ));
        }
        if self.flattened_link_notes > 0 {
            notes.push(format!("{} link note(s) had tabs or line breaks, written as spaces", self.flattened_link_notes));
        }
        if self.flattened_notes > 0 {
            notes.push(format!(
                "{} note(s) had tabs or line breaks, written as spaces (brat notes are one line)",
                self.flattened_notes
            ));
        }
        if self.no_flags > 0 {
            notes.push(format!(
                "{} yes/no attribute(s) set to \"no\" are written as absent (brat flags are on or off)",
                self.no_flags
            ));
        }
        notes
    }
}

/// What brat cannot hold, counted for the notes.
#[derive(Default)]
struct Dropped {
    skipped_orphans: usize,
    skipped_blank: usize,
    flattened_notes: usize,
    no_flags: usize,
    unplaced_links: usize,
    flattened_link_notes: usize,
}

/// The .ann text of one coder's annotations of a document: a `T` line per annotation, its note
/// as an `AnnotatorNotes` comment, its yes/no and choice attributes as `A` lines and any other
/// attribute as a comment; then an `R` line per link between two written annotations, from
/// `Arg1` (origin) to `Arg2` (target), with its note as a comment.
fn ann_of(
    doc: &Document,
    rows: Vec<&crate::export::Row<'_>>,
    links: &[&crate::link::Link],
    types: &HashMap<String, String>,
    relations: &HashMap<String, String>,
    dropped: &mut Dropped,
) -> String {
    let mut ann = String::new();
    let (mut t, mut note_n, mut attr_n) = (0, 0, 0);
    // Annotation id → its T number, for the relations.
    let mut t_of: HashMap<uuid::Uuid, usize> = HashMap::new();
    for r in rows {
        let a = r.annotation;
        let Some(span) = r.span else {
            dropped.skipped_orphans += 1;
            continue;
        };
        let frags = fragments(doc, span);
        if frags.is_empty() {
            dropped.skipped_blank += 1;
            continue;
        }
        t += 1;
        t_of.insert(a.id, t);
        let offsets: Vec<String> = frags.iter().map(|f| format!("{} {}", f.start, f.end)).collect();
        let text: Vec<&str> = frags.iter().map(|f| doc.slice(*f)).collect();
        let ty = types.get(&a.code).cloned().unwrap_or_else(|| brat_name(&a.code));
        let _ = writeln!(ann, "T{t}\t{ty} {}\t{}", offsets.join(";"), text.join(" "));
        let (first, last) = (frags[0].start, frags[frags.len() - 1].end);
        if (first, last) != (span.start, span.end) {
            // Line breaks at the start or end, which no fragment holds: the whole span.
            note_n += 1;
            let _ = writeln!(ann, "#{note_n}\t{SPAN_COMMENT} T{t}\t{} {}", span.start, span.end);
        }
        if !a.note.is_empty() {
            note_n += 1;
            let flat = one_line(&a.note);
            if flat != a.note {
                dropped.flattened_notes += 1;
            }
            let _ = writeln!(ann, "#{note_n}\tAnnotatorNotes T{t}\t{flat}");
        }
        let code = r.codebook.code(&a.code);
        for (id, value) in &a.attributes {
            let kind = code.and_then(|c| c.attributes.iter().find(|x| &x.id == id)).map(|x| &x.kind);
            match kind {
                Some(AttributeKind::Flag) => {
                    if value == "yes" {
                        attr_n += 1;
                        let _ = writeln!(ann, "A{attr_n}\t{} T{t}", brat_name(id));
                    } else {
                        dropped.no_flags += 1;
                    }
                }
                Some(AttributeKind::Choice(_)) => {
                    attr_n += 1;
                    let _ = writeln!(ann, "A{attr_n}\t{} T{t} {}", brat_name(id), brat_value(value));
                }
                _ => {
                    note_n += 1;
                    let _ = writeln!(ann, "#{note_n}\tAnnotatorNotes T{t}\tattr:{id}={}", one_line(value));
                }
            }
        }
    }
    let mut r_n = 0;
    for l in links {
        let (Some(from), Some(to)) = (t_of.get(&l.origin), t_of.get(&l.target)) else {
            dropped.unplaced_links += 1;
            continue;
        };
        r_n += 1;
        let ty = relations.get(&l.link_type).cloned().unwrap_or_else(|| brat_name(&l.link_type));
        let _ = writeln!(ann, "R{r_n}\t{ty} Arg1:T{from} Arg2:T{to}");
        if !l.note.is_empty() {
            note_n += 1;
            let flat = one_line(&l.note);
            if flat != l.note {
                dropped.flattened_link_notes += 1;
            }
            let _ = writeln!(ann, "#{note_n}\tAnnotatorNotes R{r_n}\t{flat}");
        }
    }
    ann
}

/// Names each person of the corpus for the folders: their name, and where two people (two ids)
/// share a name, the name with the first eight hex digits of each one's id, so that their files
/// never mix.
fn person_labels(corpus: &crate::corpus::Corpus) -> impl Fn(&crate::corpus::CoderSidecar) -> String {
    let mut ids: BTreeMap<String, BTreeSet<Option<uuid::Uuid>>> = BTreeMap::new();
    for sc in corpus.documents.iter().flat_map(|d| &d.sidecars) {
        ids.entry(sc.sidecar.coder.clone()).or_default().insert(sc.sidecar.coder_id);
    }
    move |sc: &crate::corpus::CoderSidecar| {
        let name = &sc.sidecar.coder;
        match sc.sidecar.coder_id {
            Some(id) if ids.get(name).is_some_and(|s| s.len() > 1) => format!("{name}-{}", crate::coder::short_id(id)),
            _ => name.clone(),
        }
    }
}

fn safe_folder(coder: &str) -> String {
    let s: String =
        coder.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect();
    let s = s.trim_start_matches('.').to_owned();
    if s.is_empty() { "coder".to_owned() } else { s }
}

/// annotation.conf: codes as entity types (groups with their children indented), link types
/// as relations (from the codes they allow, or any entity), attributes with the types they
/// apply to, and overlaps allowed.
pub fn annotation_conf(
    codes: &[Code],
    types: &HashMap<String, String>,
    link_types: &[LinkType],
    relations: &HashMap<String, String>,
) -> String {
    let mut out = format!("{CONF_HEADER} from the codebook; type names are code ids.\n");
    // The ids brat names cannot hold, so that an import restores them.
    let ids = codes.iter().map(|c| (&c.id, &types[&c.id])).chain(link_types.iter().map(|t| (&t.id, &relations[&t.id])));
    for (id, name) in ids {
        if id != name && !id.contains(['\n', '\r']) {
            let _ = writeln!(out, "{ID_LINE}{name} = {id}");
        }
    }
    out.push_str("[entities]\n");
    for c in codes.iter().filter(|c| c.parent.is_none() || !codes.iter().any(|p| Some(&p.id) == c.parent.as_ref())) {
        let _ = writeln!(out, "{}", types[&c.id]);
        for child in codes.iter().filter(|x| x.parent.as_deref() == Some(&c.id)) {
            let _ = writeln!(out, "\t{}", types[&child.id]);
        }
    }
    out.push_str("[relations]\n");
    let ends = |allowed: &[String]| {
        let names: Vec<&str> = allowed.iter().filter_map(|c| types.get(c)).map(String::as_str).collect();
        if names.is_empty() { "<ENTITY>".to_owned() } else { names.join("|") }
    };
    for t in link_types {
        let _ = writeln!(out, "{}\tArg1:{}, Arg2:{}", relations[&t.id], ends(&t.origin_codes), ends(&t.target_codes));
    }
    out.push_str("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n[events]\n[attributes]\n");
    // Attribute id → (types it applies to, values or none for a flag).
    let mut attrs: BTreeMap<String, (Vec<String>, Option<BTreeSet<String>>)> = BTreeMap::new();
    for c in codes {
        for a in &c.attributes {
            let entry = attrs.entry(brat_name(&a.id)).or_insert_with(|| (Vec::new(), None));
            match &a.kind {
                AttributeKind::Flag => {}
                AttributeKind::Choice(values) => {
                    entry.1.get_or_insert_with(BTreeSet::new).extend(values.iter().map(|v| brat_value(v)));
                    entry.0.push(types[&c.id].clone());
                    continue;
                }
                AttributeKind::Text => continue,
            }
            entry.0.push(types[&c.id].clone());
        }
    }
    for (name, (args, values)) in attrs {
        if args.is_empty() {
            continue;
        }
        match values {
            None => {
                let _ = writeln!(out, "{name}\tArg:{}", args.join("|"));
            }
            Some(values) => {
                let _ =
                    writeln!(out, "{name}\tArg:{}, Value:{}", args.join("|"), values.into_iter().collect::<Vec<_>>().join("|"));
            }
        }
    }
    out
}

/// visual.conf: each type's label (the code's or link type's name) and colour.
pub fn visual_conf(
    codes: &[Code],
    types: &HashMap<String, String>,
    link_types: &[LinkType],
    relations: &HashMap<String, String>,
) -> String {
    let mut out = String::from("[labels]\n");
    for c in codes {
        let name = one_line(&c.name).replace('|', "/");
        let _ = writeln!(out, "{} | {}", types[&c.id], name.trim());
    }
    for t in link_types {
        let name = one_line(&t.name).replace('|', "/");
        let _ = writeln!(out, "{} | {}", relations[&t.id], name.trim());
    }
    out.push_str("[drawing]\n");
    for c in codes {
        let _ = writeln!(out, "{}\tbgColor:{}", types[&c.id], crate::codebook::format_colour(c.rgb()));
    }
    for t in link_types {
        let rgb = crate::codebook::parse_colour(&t.colour).unwrap_or([0x99, 0x99, 0x99]);
        let _ = writeln!(out, "{}\tcolor:{}", relations[&t.id], crate::codebook::format_colour(rgb));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_brat_names() {
        assert_eq!(brat_name("factual-assertion"), "factual-assertion");
        assert_eq!(brat_name("réplique forte"), "r_plique_forte");
        assert_eq!(brat_name("1st"), "1st");
        assert_eq!(brat_name("_gt_N"), "_gt_N");
        assert_eq!(brat_name("Name_Calling,Labeling"), "Name_Calling_Labeling");
        assert_eq!(brat_name("a b"), "a_b");
        assert_eq!(brat_value("very much, yes"), "very_much__yes");
    }

    #[test]
    fn spans_split_at_line_breaks() {
        let doc = Document::from_text("ab\r\ncd\n\nef");
        let f = fragments(&doc, Span::new(1, 10));
        assert_eq!(f, vec![Span::new(1, 2), Span::new(4, 6), Span::new(8, 10)]);
        assert!(fragments(&doc, Span::new(2, 4)).is_empty());
    }
}
