//! brat standoff import: `X.ann` with `X.txt` beside it becomes the document `X.txt` (copied
//! into the target folder) and its sidecar. Entity types become codes and relation types link
//! types, each by its own name as id: a type the codebook has by that id is that code, any other
//! is added, named and coloured from a `visual.conf` beside the .ann when there is one. A label
//! is only a name: two types with one label stay two types (the second gets a name of its
//! own). `AnnotatorNotes` become notes; attributes become attribute values. Relations between
//! two text-bound annotations (`R1<TAB>Type Arg1:T1 Arg2:T2`) become links from Arg1 to Arg2.
//! Events, equivalences, normalisations, relations to anything but text-bound annotations, and
//! attributes of relations have no place in Marginalia and are counted in the summary.
//!
//! The file is read as brat reads it: a text field may go on after the annotated text (a
//! trailing space), a line may repeat an earlier one, a relation may repeat another; each is
//! imported once and counted. Offsets count characters of the text as brat reads it, where a
//! byte-order mark at the start is the first character; offsets that count it are recognised
//! by the text fields and read one character earlier (offsets that do not count it import too).
//!
//! A folder of brat documents imports every `.ann` in it (not in its subfolders), and in a brat
//! export Marginalia made with one folder per coder, each coder's folder too: a coder's
//! annotations go into a sidecar of their own, `X.txt.<coder>.annotations.ron`. Everything is
//! read and checked first; then all files are written, or none. Only regular files are read:
//! a `.ann` or `.txt` that is a symbolic link (which could point anywhere on the machine,
//! `/etc/passwd` say) is never followed; it is skipped and reported.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::annotation::Annotation;
use crate::codebook::{AttributeDef, AttributeKind, Codebook};
use crate::document::{Document, Span};
use crate::error::Error;
use crate::export::brat::{CONF_HEADER, ID_LINE, SPAN_COMMENT, brat_name, brat_value};
use crate::import::commit::{all_or_nothing, nothing_written};
use crate::import::{Summary, add_all_linked, add_code, format_error, inside, open_session, read_capped};
use crate::link::Link;
use crate::session::Session;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// The ids an annotation.conf written by Marginalia gives for the type names brat cannot
/// hold (`# Marginalia id: Name_Calling_Labeling = Name_Calling,Labeling`): brat name → id.
fn ids_of_conf(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(ID_LINE))
        .filter_map(|l| l.split_once(" = "))
        .filter(|(name, id)| !name.is_empty() && !id.is_empty())
        .map(|(name, id)| (name.to_owned(), id.to_owned()))
        .collect()
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

/// Is this the annotation.conf of a brat export Marginalia wrote?
fn is_marginalia_conf(path: &Path) -> bool {
    use std::io::Read;
    if not_regular(path).is_some() {
        return false;
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    head[..n].starts_with(CONF_HEADER.as_bytes())
}

/// The coder whose folder `dir` is: in a brat export Marginalia wrote with a folder per coder,
/// a folder beside the export's annotation.conf, without one of its own, is named after its
/// coder.
fn coder_of_folder(dir: &Path) -> Option<String> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let dir = std::fs::canonicalize(dir).ok()?;
    if std::fs::symlink_metadata(dir.join("annotation.conf")).is_ok() {
        return None;
    }
    let parent = dir.parent()?;
    if !is_marginalia_conf(&parent.join("annotation.conf")) {
        return None;
    }
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).filter(|n| !n.trim().is_empty())
}

/// The `.ann` files of a folder, sorted.
fn ann_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut anns: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "cannot read the folder", e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ann")))
        .collect();
    anns.sort();
    Ok(anns)
}

/// The coder folders of a brat export Marginalia wrote with a folder per coder, with their
/// coders; empty for any other folder.
fn coder_folders(dir: &Path) -> Vec<(PathBuf, String)> {
    if !is_marginalia_conf(&dir.join("annotation.conf")) {
        return Vec::new();
    }
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.is_dir() && !p.is_symlink()).collect())
        .unwrap_or_default();
    folders.sort();
    folders
        .into_iter()
        .filter(|f| ann_files(f).is_ok_and(|a| !a.is_empty()))
        .filter_map(|f| coder_of_folder(&f).map(|c| (f, c)))
        .collect()
}

/// Does this folder hold brat documents: `.ann` files, or coders' folders of them?
pub(crate) fn holds_documents(dir: &Path) -> bool {
    ann_files(dir).is_ok_and(|a| !a.is_empty()) || !coder_folders(dir).is_empty()
}

/// One brat document to import.
struct Source {
    ann: PathBuf,
    txt: PathBuf,
    /// The coder whose folder it is in (see [`coder_of_folder`]).
    coder: Option<String>,
    /// At the top of an export with a folder per coder: a document nobody coded.
    uncoded: bool,
}

/// Imports every brat document (`.ann` with its `.txt`) of the folder `dir` into `folder`,
/// and, in a brat export with a folder per coder, each coder's. Pairs that are not regular
/// files are skipped and listed under "not carried".
pub fn import_folder(dir: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let own_coder = coder_of_folder(dir);
    let coders = if own_coder.is_none() { coder_folders(dir) } else { Vec::new() };
    let mut sources = Vec::new();
    for ann in ann_files(dir)? {
        sources.push((ann, own_coder.clone(), !coders.is_empty()));
    }
    for (sub, c) in &coders {
        for ann in ann_files(sub)? {
            sources.push((ann, Some(c.clone()), false));
        }
    }
    if sources.is_empty() {
        return Err(format_error(dir, "holds no brat .ann file").hint("pass a folder of brat .ann and .txt files, or one .ann"));
    }
    let mut skipped = Vec::new();
    let mut readable = Vec::new();
    for (ann, coder, uncoded) in sources {
        let txt = ann.with_extension("txt");
        if let Some(why) = not_regular(&ann).or_else(|| not_regular(&txt)) {
            skipped.push(why);
            continue;
        }
        readable.push(Source { ann, txt, coder, uncoded });
    }
    if readable.is_empty() {
        return Err(format_error(dir, format!("has no brat document Marginalia can read: {}", skipped.join("; ")))
            .hint("copy the files into the folder instead of linking them"));
    }
    let mut summary = import_sources(readable, folder, coder, true)?;
    if !skipped.is_empty() {
        summary.not_carried.push(format!("{} brat document(s) skipped: {}", skipped.len(), skipped.join("; ")));
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
    quirks: Quirks,
}

/// What brat accepts and Marginalia imports once, or reads past, counted for the summary.
#[derive(Default)]
struct Quirks {
    /// Lines repeating an earlier line word for word.
    repeated_lines: usize,
    /// Relations repeating another (same type, same two annotations) under another id.
    repeated_relations: usize,
    /// Text fields that go on after the annotated text (a trailing space, say).
    trailing_text: usize,
    /// Text fields left empty (brat fills them from the text).
    missing_text: usize,
    /// Discontinuous annotations whose text field joins the fragments without a space.
    unspaced: usize,
    /// Spans whose line breaks at the start or end were given by a span comment.
    line_breaks: usize,
    /// The offsets count the byte-order mark at the start of the text.
    bom_counted: bool,
}

impl Quirks {
    fn notes(&self, txt: &Path) -> Vec<String> {
        let mut notes = Vec::new();
        if self.bom_counted {
            notes.push(format!(
                "the offsets count the byte-order mark at the start of {} as its first character, as brat reads it; they were read one character earlier",
                txt.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ));
        }
        if self.repeated_lines > 0 {
            notes.push(format!("{} line(s) repeat an earlier line word for word and were read once", self.repeated_lines));
        }
        if self.repeated_relations > 0 {
            notes.push(format!(
                "{} relation line(s) repeat another relation (same type, same two annotations) and were merged into its link",
                self.repeated_relations
            ));
        }
        if self.trailing_text > 0 {
            notes.push(format!(
                "{} text field(s) go on after the annotated text (a trailing space, say), which brat reads past too; their offsets were used",
                self.trailing_text
            ));
        }
        if self.missing_text > 0 {
            notes.push(format!("{} text field(s) are empty; their offsets were used, as brat does", self.missing_text));
        }
        if self.unspaced > 0 {
            notes.push(format!(
                "{} discontinuous annotation(s) join their fragments' texts without a space (as brat before 1.3 wrote them); their offsets were used",
                self.unspaced
            ));
        }
        if self.line_breaks > 0 {
            notes.push(format!(
                "{} span(s) start or end with line breaks, as their {SPAN_COMMENT} comments give",
                self.line_breaks
            ));
        }
        notes
    }
}

/// Type → (label, colour) from a visual.conf.
type Visual = BTreeMap<String, (Option<String>, Option<String>)>;

/// Imports one `.ann` with its `.txt` into `folder`. A `.ann` in a coder's folder of a brat
/// export Marginalia made goes into that coder's sidecar.
pub fn import(ann_path: &Path, folder: &Path, coder: &str) -> Result<Summary, Error> {
    let txt_path = ann_path.with_extension("txt");
    check_pair(ann_path, &txt_path)?;
    let own_coder = ann_path.parent().and_then(coder_of_folder);
    import_sources(
        vec![Source { ann: ann_path.to_path_buf(), txt: txt_path, coder: own_coder, uncoded: false }],
        folder,
        coder,
        false,
    )
}

/// A document read and checked.
struct Read {
    source: Source,
    txt_bytes: Vec<u8>,
    doc: Document,
    ann: Ann,
    visual: Visual,
    ids: BTreeMap<String, String>,
}

/// Codes and link types an import added, and types named apart from another's name.
#[derive(Default)]
struct Types {
    codes: BTreeSet<String>,
    link_types: BTreeSet<String>,
    /// Type → the name it got, when its label or name was another type's.
    renamed: BTreeMap<String, String>,
}

/// One document ready to write: its path and text, and its sidecar with what was added.
struct Prepared {
    doc_path: PathBuf,
    txt_bytes: Vec<u8>,
    session: Option<Session>,
    report: Vec<String>,
    not_carried: Vec<String>,
}

/// Reads and checks every source, then writes every document and sidecar, or nothing.
fn import_sources(sources: Vec<Source>, folder: &Path, coder: &str, in_folder: bool) -> Result<Summary, Error> {
    let mut reads = Vec::new();
    for source in sources {
        reads.push(read_source(source)?);
    }
    let new_folder = is_new_folder(folder);
    let mut types = Types::default();
    // A new folder gets the imported types and nothing else, as its codebook.ron: the
    // sidecars and every later export then carry only those.
    let folder_codebook = if new_folder {
        let mut cb = Codebook {
            name: "brat types".to_owned(),
            description: "The entity types (codes) and relation types (link types) of imported brat files.".to_owned(),
            codes: Vec::new(),
            link_types: Vec::new(),
        };
        for r in &reads {
            define_types(&mut cb, r, &mut types);
        }
        (!cb.codes.is_empty()).then_some(cb)
    } else {
        None
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut texts: HashMap<PathBuf, (usize, PathBuf)> = HashMap::new();
    let mut sidecars: HashSet<PathBuf> = HashSet::new();
    let mut without_sidecar = 0;
    for r in reads {
        let name = r.source.txt.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let doc_path = inside(folder, &name).map_err(|e| nothing_written(e, &r.source.ann))?;
        check_text_target(&doc_path, &r, &prepared, &texts)?;
        texts.entry(doc_path.clone()).or_insert((prepared.len(), r.source.txt.clone()));
        let wants_sidecar = !(r.source.uncoded && r.ann.entities.is_empty()) && (folder_codebook.is_some() || !new_folder);
        if !wants_sidecar {
            without_sidecar += 1;
            prepared.push(Prepared { doc_path, txt_bytes: r.txt_bytes, session: None, report: vec![], not_carried: vec![] });
            continue;
        }
        let p = prepare(r, doc_path, folder_codebook.as_ref(), coder, &mut types, in_folder)?;
        if let Some(s) = &p.session
            && !sidecars.insert(s.sidecar_path.clone())
        {
            return Err(Error::usage(format!(
                "two coders' folders go into the one sidecar {}; nothing was written",
                s.sidecar_path.display()
            ))
            .hint("import the two folders into different folders"));
        }
        prepared.push(p);
    }

    // Everything is checked: write the documents, the folder's codebook and the sidecars.
    let (_, written) = all_or_nothing(|w| {
        for p in &prepared {
            w.new_file(&p.doc_path, &p.txt_bytes)?;
        }
        if let Some(cb) = &folder_codebook {
            w.new_file(&folder.join(crate::session::FOLDER_CODEBOOK), cb.to_ron().as_bytes())?;
        }
        for p in &mut prepared {
            if let Some(session) = &mut p.session {
                w.sidecar(session)?;
            }
        }
        Ok(())
    })?;
    let mut summary = Summary { written, ..Summary::default() };
    for p in prepared {
        summary.carried.extend(p.report);
        summary.not_carried.extend(p.not_carried);
    }
    if !types.link_types.is_empty() {
        summary.carried.push(format!(
            "added {} link type(s) to the codebook: {}",
            types.link_types.len(),
            types.link_types.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !types.codes.is_empty() {
        summary.carried.push(format!(
            "added {} code(s) to the codebook: {}",
            types.codes.len(),
            types.codes.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !types.renamed.is_empty() {
        let list: Vec<String> = types.renamed.iter().map(|(ty, name)| format!("{ty} named \"{name}\"")).collect();
        summary.carried.push(format!(
            "note: {} type(s) have the label or name of another type; each keeps its own id and is named apart: {}",
            list.len(),
            list.join(", ")
        ));
    }
    if without_sidecar > 0 {
        summary
            .carried
            .push(format!("note: {without_sidecar} document(s) have no annotations: their text was copied, with no sidecar"));
    }
    Ok(summary)
}

/// Refuses a document that the target folder has with other content, or that two of the
/// imported documents give with different texts, before anything is written.
fn check_text_target(
    doc_path: &Path,
    r: &Read,
    prepared: &[Prepared],
    texts: &HashMap<PathBuf, (usize, PathBuf)>,
) -> Result<(), Error> {
    if let Some((i, other)) = texts.get(doc_path) {
        if prepared[*i].txt_bytes != r.txt_bytes {
            return Err(format_error(
                &r.source.txt,
                format!("has the name of {} but another text; nothing was written", other.display()),
            )
            .hint("import the two into different folders"));
        }
        return Ok(());
    }
    if std::fs::symlink_metadata(doc_path).is_ok() {
        let existing = std::fs::read(doc_path).map_err(|e| Error::io(doc_path, "cannot read the existing file", e))?;
        if existing != r.txt_bytes {
            return Err(Error::usage("exists already with other content; nothing was written")
                .in_file(doc_path)
                .hint("move it aside, or import into another folder with --into"));
        }
    }
    Ok(())
}

/// Is `folder` new to Marginalia: no codebook.ron and no sidecar (or not there at all)?
fn is_new_folder(folder: &Path) -> bool {
    if std::fs::symlink_metadata(folder.join(crate::session::FOLDER_CODEBOOK)).is_ok() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(folder) else { return true };
    !entries.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".annotations.ron"))
}

/// Reads a source's text and annotations, checked, and the configuration beside it.
fn read_source(source: Source) -> Result<Read, Error> {
    let txt_bytes = read_capped(&source.txt).map_err(|e| nothing_written(e, &source.txt))?;
    let doc = Document::from_bytes(&txt_bytes).map_err(|_| {
        format_error(&source.txt, "is not a text file; nothing was written").hint("brat texts are UTF-8 plain text")
    })?;
    let ann_bytes = read_capped(&source.ann).map_err(|e| nothing_written(e, &source.ann))?;
    let ann = String::from_utf8(ann_bytes).map_err(|_| format_error(&source.ann, "is not UTF-8 text; nothing was written"))?;
    let ann = ann.strip_prefix('\u{feff}').unwrap_or(&ann);
    let ann = parse_ann(ann, &source.ann, &source.txt, &doc, txt_bytes.starts_with(UTF8_BOM))?;
    let visual = beside(&source.ann, "visual.conf").map(|t| visual_conf(&t)).unwrap_or_default();
    let ids = beside(&source.ann, "annotation.conf").map(|t| ids_of_conf(&t)).unwrap_or_default();
    Ok(Read { source, txt_bytes, doc, ann, visual, ids })
}

/// Codes for the entity types and link types for the relation types of a document, added to
/// the codebook when it lacks them, with the attributes its annotations use. Returns the code
/// of each entity and the link type of each relation.
fn define_types(codebook: &mut Codebook, r: &Read, types: &mut Types) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = r
        .ann
        .entities
        .iter()
        .map(|e| {
            let code = code_for(codebook, &r.visual, &r.ids, &e.ty, types);
            for n in &e.note {
                if let Some((id, _)) = n.strip_prefix("attr:").and_then(|r| r.split_once('=')) {
                    ensure_attribute(codebook, &code, id, AttributeKind::Text);
                }
            }
            for (name, value) in &e.attrs {
                let kind = match value {
                    None => AttributeKind::Flag,
                    Some(v) => AttributeKind::Choice(vec![v.clone()]),
                };
                ensure_attribute(codebook, &code, name, kind);
            }
            code
        })
        .collect();
    let link_types =
        r.ann.relations.iter().map(|(rel, _, _)| link_type_for(codebook, &r.visual, &r.ids, &rel.ty, types)).collect();
    (codes, link_types)
}

/// The sidecar of one document, with its annotations and links added (in memory; nothing is
/// written yet).
fn prepare(
    r: Read,
    doc_path: PathBuf,
    folder_codebook: Option<&Codebook>,
    coder: &str,
    types: &mut Types,
    in_folder: bool,
) -> Result<Prepared, Error> {
    let ann_path = r.source.ann.clone();
    let fail = |e: Error| nothing_written(e, &ann_path);
    let coder_name = r.source.coder.clone().unwrap_or_else(|| coder.to_owned());
    let mut session = match &r.source.coder {
        Some(c) => {
            let mut doc = r.doc.clone();
            doc.set_path(doc_path.clone());
            Session::with_document(doc, coder_sidecar(&doc_path, c), c).map_err(fail)?
        }
        None => open_session(&r.doc, &doc_path, coder).map_err(fail)?,
    };
    let mut codebook = folder_codebook.cloned().unwrap_or_else(|| session.edits.codebook().clone());
    let (codes, link_types) = define_types(&mut codebook, &r, types);
    let mut annotations = Vec::new();
    for (e, code) in r.ann.entities.iter().zip(&codes) {
        annotations.push(annotation_of(&r.doc, e, code, &mut codebook, &coder_name));
    }
    let links: Vec<Link> = r
        .ann
        .relations
        .iter()
        .zip(&link_types)
        .map(|((rel, origin, target), ty)| {
            let mut link = Link::new(ty, annotations[*origin].id, annotations[*target].id, &coder_name);
            link.note = rel.note.join("\n");
            link
        })
        .collect();
    codebook.validate().map_err(fail)?;
    let n = annotations.len();
    let relation_count = links.len();
    let (added, already, links_added) = add_all_linked(&mut session, codebook, annotations, links).map_err(fail)?;

    let mut report = vec![match &r.source.coder {
        Some(c) => format!("{added} of {n} annotation(s) imported into {} for {c}", doc_path.display()),
        None => format!("{added} of {n} annotation(s) imported into {}", doc_path.display()),
    }];
    if relation_count > 0 {
        report.push(format!("{links_added} of {relation_count} relation(s) imported as links"));
    }
    if already > 0 {
        report.push(format!("{already} were in the sidecar already"));
    }
    let file = ann_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    report.extend(r.ann.quirks.notes(&r.source.txt).into_iter().map(|n| format!("note: {file}: {n}")));
    let mut not_carried = Vec::new();
    if links_added < relation_count {
        not_carried.push(format!(
            "{} relation(s): already in the sidecar, or between codes their link type does not allow (see the codebook's link types)",
            relation_count - links_added
        ));
    }
    let joined = r.ann.entities.iter().filter(|e| e.joined_gap).count();
    if joined > 0 {
        not_carried.push(format!(
            "{joined} discontinuous annotation(s) were joined into one span each (Marginalia spans are continuous)"
        ));
    }
    for (what, count) in &r.ann.not_carried {
        not_carried.push(format!("{count} {what}"));
    }
    // In a folder, each line names its file.
    if in_folder {
        not_carried = not_carried.into_iter().map(|l| format!("{file}: {l}")).collect();
    }
    Ok(Prepared { doc_path, txt_bytes: r.txt_bytes, session: Some(session), report, not_carried })
}

/// The sidecar of `coder` beside a document: the one whose header names them, else
/// `<doc>.<key>.annotations.ron` ([`crate::coder::file_key`] of the name).
fn coder_sidecar(doc_path: &Path, coder: &str) -> PathBuf {
    crate::sidecar::find_sidecars(doc_path)
        .into_iter()
        .find(|p| crate::coder::owner_of(p).ok().flatten().is_some_and(|o| o.name.trim() == coder.trim()))
        .unwrap_or_else(|| crate::sidecar::coder_path(doc_path, &crate::coder::file_key(coder)))
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

/// A `T` line as written: its id, type, fragments and text field (if any).
struct RawT<'l> {
    lineno: usize,
    key: &'l str,
    ty: &'l str,
    frags: Vec<(usize, usize)>,
    text: Option<&'l str>,
}

/// How a text field matched the text at its offsets, when not exactly.
enum TextField {
    Exact,
    Trailing,
    Missing,
    Unspaced,
}

/// Reads the lines of a .ann: text-bound annotations (checked against the text) and relations
/// between them, then the notes and attributes attached to them. Everything else is counted.
/// `bom`: the text starts with a byte-order mark, which the offsets may count.
fn parse_ann(ann: &str, ann_path: &Path, txt_path: &Path, doc: &Document, bom: bool) -> Result<Ann, Error> {
    let mut out = Ann::default();
    let mut raw_ts: Vec<RawT> = Vec::new();
    let mut pending_notes: Vec<(usize, String, String)> = Vec::new();
    let mut pending_spans: Vec<(usize, String, String)> = Vec::new();
    // Ids of relations, events, equivalences and normalisations: notes and attributes attached
    // to them are counted with them.
    let mut uncarried_ids: BTreeSet<String> = BTreeSet::new();
    let mut pending_attrs: Vec<(usize, String, String, Option<String>)> = Vec::new();
    let mut pending_relations: Vec<(usize, String, Relation)> = Vec::new();
    // brat reads the first line with an id; a later one with the same id is not read.
    let mut lines_by_id: HashMap<&str, &str> = HashMap::new();
    for (n, line) in ann.lines().enumerate() {
        let lineno = n + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let id = line.split('\t').next().unwrap_or("");
        if id != "*"
            && let Some(first) = lines_by_id.insert(id, line)
        {
            lines_by_id.insert(id, first);
            if first == line {
                out.quirks.repeated_lines += 1;
            } else {
                *out.not_carried.entry("lines reusing the id of an earlier line (brat reads only the first)").or_default() += 1;
            }
            continue;
        }
        let bad = |msg: String| format_error(ann_path, msg).at(lineno, 1);
        match line.chars().next() {
            Some('T') => raw_ts.push(text_bound(line, lineno, &bad)?),
            Some('#') => {
                let mut parts = line.splitn(3, '\t');
                let (_, Some(head), body) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(bad("a # line needs an ID, a TYPE TARGET and a text".into()));
                };
                let (ty, target) = head.split_once(' ').unwrap_or((head, ""));
                if ty == "AnnotatorNotes" {
                    pending_notes.push((lineno, target.trim().to_owned(), body.unwrap_or("").to_owned()));
                } else if ty == SPAN_COMMENT {
                    pending_spans.push((lineno, target.trim().to_owned(), body.unwrap_or("").to_owned()));
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
    // The offsets count characters of the text as brat reads it: with a byte-order mark, that
    // is the mark and then the text. Offsets written by a tool that dropped the mark import too.
    let shift = match check_all(&raw_ts, doc, 0, ann_path, txt_path) {
        Ok(_) => 0,
        Err(first) if bom => match check_all(&raw_ts, doc, 1, ann_path, txt_path) {
            Ok(_) => {
                out.quirks.bom_counted = true;
                1
            }
            Err(_) => {
                return Err(first.hint(
                    "the text starts with a byte-order mark, and the offsets fit neither with nor without it: they must count characters (code points) of the .txt",
                ));
            }
        },
        Err(first) => return Err(first),
    };
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for raw in &raw_ts {
        let (entity, field) = check_t(raw, doc, shift, ann_path, txt_path)?;
        match field {
            TextField::Exact => {}
            TextField::Trailing => out.quirks.trailing_text += 1,
            TextField::Missing => out.quirks.missing_text += 1,
            TextField::Unspaced => out.quirks.unspaced += 1,
        }
        index.insert(raw.key.to_owned(), out.entities.len());
        out.entities.push(entity);
    }
    for (_, target, body) in pending_spans {
        let placed = index.get(&target).copied().and_then(|i| {
            let span = whole_span(&body, shift, out.entities[i].span, doc)?;
            Some((i, span))
        });
        match placed {
            Some((i, span)) => {
                out.entities[i].span = span;
                out.quirks.line_breaks += 1;
            }
            None => {
                *out.not_carried
                    .entry("span comments that do not fit their annotation (left as the offsets give it)")
                    .or_default() += 1;
            }
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
                return Err(format_error(
                    ann_path,
                    format!("a note refers to {}, which the file does not define; nothing was written", q(&target)),
                )
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
                    return Err(format_error(
                        ann_path,
                        format!("an attribute refers to {}, which is not defined; nothing was written", q(&target)),
                    )
                    .at(lineno, 1));
                }
                *out.not_carried.entry("attributes of relations or events (Marginalia links have none)").or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// The whole span a span comment (`#1<TAB>MarginaliaSpan T1<TAB>START END`) gives for an
/// annotation at `span`: accepted only when it adds nothing but line breaks around it.
fn whole_span(body: &str, shift: usize, span: Span, doc: &Document) -> Option<Span> {
    let mut nums = body.split_whitespace().map(str::parse::<usize>);
    let (Some(Ok(s)), Some(Ok(e))) = (nums.next(), nums.next()) else { return None };
    let (s, e) = (s.checked_sub(shift)?, e.checked_sub(shift)?);
    if s > span.start || e < span.end || e > doc.len_chars() {
        return None;
    }
    let only_breaks = |a: usize, b: usize| doc.slice(Span::new(a, b)).chars().all(|c| c == '\r' || c == '\n');
    (only_breaks(s, span.start) && only_breaks(span.end, e)).then(|| Span::new(s, e))
}

/// Checks every text-bound annotation with the offsets shifted by `shift`; the first error.
fn check_all(raw_ts: &[RawT], doc: &Document, shift: usize, ann_path: &Path, txt_path: &Path) -> Result<(), Error> {
    raw_ts.iter().try_for_each(|raw| check_t(raw, doc, shift, ann_path, txt_path).map(|_| ()))
}

/// Keeps the relations between two text-bound annotations (in `out.relations`) and counts those
/// to events or other relations; a relation repeating another (same type, same two ends) is
/// merged into it; a relation to an id the file does not define is an error. Returns each kept
/// relation's place in `out.relations` by its id.
fn resolve_relations(
    pending: Vec<(usize, String, Relation)>,
    index: &BTreeMap<String, usize>,
    out: &mut Ann,
    uncarried_ids: &mut BTreeSet<String>,
    ann_path: &Path,
) -> Result<BTreeMap<String, usize>, Error> {
    let mut relation_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen: HashMap<(String, usize, usize), usize> = HashMap::new();
    for (lineno, key, r) in pending {
        match (index.get(&r.origin), index.get(&r.target)) {
            (Some(&o), Some(&t)) if o == t => {
                uncarried_ids.insert(key);
                *out.not_carried.entry("relations from an annotation to itself (a link joins two annotations)").or_default() += 1;
            }
            (Some(&o), Some(&t)) => {
                if let Some(&first) = seen.get(&(r.ty.clone(), o, t)) {
                    out.quirks.repeated_relations += 1;
                    relation_index.insert(key, first);
                    continue;
                }
                seen.insert((r.ty.clone(), o, t), out.relations.len());
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
                    format!(
                        "the relation {} refers to {}, which the file does not define; nothing was written",
                        q(&key),
                        q(missing)
                    ),
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

/// The link type for the relation type `ty`: the link type with that id (or the id
/// annotation.conf gives for it, or that Marginalia's brat name stands for), else a new one,
/// named as visual.conf labels it (or as `ty` reads). A link type with another id is never
/// taken for it, whatever its name.
fn link_type_for(
    codebook: &mut Codebook,
    visual: &Visual,
    ids: &BTreeMap<String, String>,
    ty: &str,
    types: &mut Types,
) -> String {
    let wanted = ids.get(ty).map_or(ty, String::as_str);
    if codebook.link_type(wanted).is_some() {
        return wanted.to_owned();
    }
    if !ids.contains_key(ty)
        && let Some(t) = codebook.link_types.iter().find(|t| brat_name(&t.id) == ty)
    {
        return t.id.clone();
    }
    let (label, colour) = visual.get(ty).cloned().unwrap_or_default();
    let name = label.filter(|l| !l.trim().is_empty()).unwrap_or_else(|| wanted.to_owned());
    let id = codebook.add_link_type(wanted, &name, colour);
    types.link_types.insert(id.clone());
    if let Some(t) = codebook.link_type(&id)
        && t.name != name.trim()
    {
        types.renamed.insert(ty.to_owned(), t.name.clone());
    }
    id
}

/// One `T` line (`T1<TAB>Type 10 25;30 35<TAB>text`) as written, its offsets not checked yet.
fn text_bound<'l>(line: &'l str, lineno: usize, bad: &dyn Fn(String) -> Error) -> Result<RawT<'l>, Error> {
    let mut parts = line.splitn(3, '\t');
    let (Some(key), Some(type_offsets), text) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("a T line needs tab-separated fields: ID, TYPE START END, text".into())
            .hint("the line should look like T1<TAB>Demand 10 25<TAB>the text"));
    };
    let (ty, offsets) = type_offsets.split_once(' ').ok_or_else(|| bad(format!("\"{}\" has no offsets", q(type_offsets))))?;
    let mut frags = Vec::new();
    for frag in offsets.split(';') {
        let mut nums = frag.split_whitespace().map(str::parse::<usize>);
        let (Some(Ok(s)), Some(Ok(e)), None) = (nums.next(), nums.next(), nums.next()) else {
            return Err(bad(format!("\"{}\" is not START END", q(frag))).hint("offsets are whole numbers of characters"));
        };
        frags.push((s, e));
    }
    Ok(RawT { lineno, key, ty, frags, text })
}

/// Checks a `T` line's offsets (less `shift`) against the text, and its text field as brat
/// does: it must start with the text at the offsets (fragments joined by a space), and what
/// follows, if anything, must start with white space. Returns the entity, its fragments joined
/// into one span.
fn check_t(raw: &RawT, doc: &Document, shift: usize, ann_path: &Path, txt_path: &Path) -> Result<(Entity, TextField), Error> {
    let len = doc.len_chars();
    let bad = |msg: String| format_error(ann_path, msg).at(raw.lineno, 1);
    let mut frags = Vec::new();
    for &(s, e) in &raw.frags {
        let (Some(s2), Some(e2)) = (s.checked_sub(shift), e.checked_sub(shift)) else {
            return Err(bad(format!("{} has the offsets {s} {e}, before the text; nothing was written", q(raw.key))));
        };
        if s2 >= e2 || e2 > len {
            return Err(bad(format!(
                "{} has the offsets {s} {e}, outside the text of {} ({len} characters) or empty; nothing was written",
                q(raw.key),
                txt_path.display()
            ))
            .hint("check that the .ann belongs to this .txt"));
        }
        frags.push(Span::new(s2, e2));
    }
    let texts: Vec<&str> = frags.iter().map(|f| doc.slice(*f)).collect();
    let spaced = texts.join(" ");
    let unspaced = texts.concat();
    let rest_ok = |rest: &str| rest.is_empty() || rest.starts_with(char::is_whitespace);
    let field = match raw.text {
        None => TextField::Missing,
        Some(t) if t == spaced => TextField::Exact,
        Some(t) if t.trim().is_empty() => TextField::Missing,
        Some(t) if t.strip_prefix(spaced.as_str()).is_some_and(rest_ok) => TextField::Trailing,
        Some(t) if frags.len() > 1 && t.strip_prefix(unspaced.as_str()).is_some_and(rest_ok) => TextField::Unspaced,
        Some(t) => {
            return Err(bad(format!(
                "{} says its text is \"{}\" but the .txt has \"{}\" at those offsets; nothing was written",
                q(raw.key),
                q(t),
                q(&spaced)
            ))
            .hint("the offsets must count characters (code points) of the .txt, not bytes or UTF-16 units"));
        }
    };
    let start = frags.iter().map(|f| f.start).min().unwrap_or(0);
    let end = frags.iter().map(|f| f.end).max().unwrap_or(0);
    frags.sort();
    let joined_gap =
        frags.windows(2).any(|w| doc.slice(Span::new(w[0].end, w[1].start.max(w[0].end))).chars().any(|c| !c.is_whitespace()));
    let entity = Entity { ty: raw.ty.to_owned(), span: Span::new(start, end), joined_gap, note: vec![], attrs: vec![] };
    Ok((entity, field))
}

/// The configuration file `name` that brat would use for the .ann: beside it, else in the
/// folders above. Links are not read.
fn beside(ann_path: &Path, name: &str) -> Option<String> {
    ann_path
        .ancestors()
        .skip(1)
        .take(3)
        .map(|p| p.join(name))
        .find(|p| not_regular(p).is_none())
        .and_then(|p| std::fs::read_to_string(p).ok())
}

/// The code for the entity type `ty`: the code with that id (or the id annotation.conf gives
/// for it, or that Marginalia's brat name stands for), else a new code, named as visual.conf
/// labels it (or as `ty` reads). A code with another id is never taken for it, whatever its
/// name.
fn code_for(codebook: &mut Codebook, visual: &Visual, ids: &BTreeMap<String, String>, ty: &str, types: &mut Types) -> String {
    let wanted = ids.get(ty).map_or(ty, String::as_str);
    if codebook.code(wanted).is_some() {
        return wanted.to_owned();
    }
    if !ids.contains_key(ty)
        && let Some(c) = codebook.codes.iter().find(|c| brat_name(&c.id) == ty)
    {
        return c.id.clone();
    }
    let (label, colour) = visual.get(ty).cloned().unwrap_or_default();
    let name = label.filter(|l| !l.trim().is_empty()).unwrap_or_else(|| wanted.to_owned());
    let id = add_code(codebook, wanted, &name, colour);
    types.codes.insert(id.clone());
    if let Some(c) = codebook.code(&id)
        && c.name != name
    {
        types.renamed.insert(ty.to_owned(), c.name.clone());
    }
    id
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
