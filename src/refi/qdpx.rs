//! REFI-QDA projects (`.qdpx`): a zip holding `project.qde` (namespace
//! `urn:QDA-XML:project:1.0`) and the sources under `sources/`.
//!
//! Export writes every document of a corpus as a `TextSource` whose text is
//! `sources/<GUID>.txt` (UTF-8, exactly the decoded text, so code point positions carry over),
//! each coder as a `User`, the codebook, and each annotation as a `PlainTextSelection`
//! (start and end in Unicode code points, end exclusive, as REFI-QDA 1.5 §10.2 and its examples
//! use) with one `Coding` of its code by its coder. The note is the selection's `Description`;
//! attribute values follow it in a block headed [`ATTRIBUTES_HEADER`], one `id: value` a line.
//! Each link between annotations is a `Link` (`direction="OneWay"`, from the origin selection
//! to the target selection) named after its link type, with the type's colour; REFI-QDA links
//! have no type of their own, no coder and no times, and a link's note is not written.
//!
//! Import reads text sources back into a folder: one `.txt` per source, one sidecar per coder,
//! the codebook as `codebook.ron` when the folder has none. A project without text sources (as
//! ATLAS.ti and others export a codebook alone) imports as that `codebook.ron`, and
//! [`import_codebook`] reads any project's codebook. A `Link` between two selections of
//! one coder in one source becomes a link, its type the link type of the codebook named as the
//! link is (added when there is none). Whatever cannot be carried (other kinds of source, sets,
//! cases, links between codes or across sources, graphs, selections without a code, …) is listed in the
//! [`ImportSummary`], never dropped without a word. The archive is untrusted: hostile paths,
//! oversized or over-compressed entries, DOCTYPEs and selections outside the text are refused
//! before anything is written, and nothing is ever written outside the target folder.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use quick_xml::Writer;
use quick_xml::events::BytesStart;
use uuid::Uuid;

use super::{
    CodebookImport, Latch, ORIGIN, code_guid, derived_guid, empty, end, format_error, line_col, parse_guid, parse_xml,
    read_codes, start, text_element, write_codes, writer_on,
};
use crate::annotation::{AnchorStatus, Annotation, is_rfc3339};
use crate::codebook::{AttributeDef, AttributeKind, Codebook};
use crate::corpus::Corpus;
use crate::document::{Document, QUOTE_CHARS, Span, excerpt};
use crate::error::{Error, ErrorKind};
use crate::progress::Ticker;
use crate::sidecar::{self, DocumentRef, Sidecar};
use crate::untrusted::Archive;

/// The project namespace.
pub const NAMESPACE: &str = "urn:QDA-XML:project:1.0";
/// The line that starts the attribute block in a selection's description.
pub const ATTRIBUTES_HEADER: &str = "--- Marginalia attributes ---";

/// Largest `project.qde` read.
pub const MAX_QDE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest source text read (the same limit as for documents).
pub const MAX_SOURCE_BYTES: u64 = crate::document::MAX_DOCUMENT_BYTES;
/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub documents: usize,
    pub annotations: usize,
    pub coders: usize,
    pub codes: usize,
    pub links: usize,
    /// What was not exported, and why.
    pub notes: Vec<String>,
}

/// What an import wrote and what it could not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The documents written (`.txt`).
    pub documents: Vec<PathBuf>,
    /// The sidecars written, one per document and coder.
    pub sidecars: Vec<PathBuf>,
    /// `codebook.ron`, when it was written (it is not when the folder already had one).
    pub codebook_path: Option<PathBuf>,
    pub codebook: Codebook,
    pub annotations: usize,
    pub links: usize,
    /// Things in the project that Marginalia cannot carry, each with a count or a name.
    pub not_imported: Vec<String>,
    /// Things that were carried with a change (nesting flattened, names made unique, …).
    pub notes: Vec<String>,
}

impl ImportSummary {
    /// A few lines for people: what was written, then what was not carried.
    pub fn report(&self) -> String {
        let links = if self.links > 0 { format!(", {} link(s)", self.links) } else { String::new() };
        let mut out = format!(
            "imported {} document(s), {} annotation(s){links}, {} code(s), {} sidecar(s)\n",
            self.documents.len(),
            self.annotations,
            self.codebook.codes.len(),
            self.sidecars.len()
        );
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        for n in &self.not_imported {
            out.push_str(&format!("not imported: {n}\n"));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Export

/// Writes the corpus as a REFI-QDA project to `out` (atomically: a failed export leaves no
/// partial file). `progress(done, total)` counts annotations, as in [`crate::export::write`];
/// returning `false` cancels the export and nothing is written.
pub fn export(corpus: &Corpus, out: &Path, progress: impl FnMut(usize, usize) -> bool) -> Result<ExportReport, Error> {
    export_with(corpus, out, &mut Ticker::new(corpus.annotation_count(), progress))
}

/// [`export`] reporting to a [`Ticker`]. The project XML is written straight into the archive,
/// then each source text, so memory does not grow with the size of the project.
pub fn export_with<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    out: &Path,
    ticker: &mut Ticker<P>,
) -> Result<ExportReport, Error> {
    let mut report = ExportReport::default();
    let codebook = merged_codebook(corpus, &mut report.notes);
    report.codes = codebook.codes.len();

    // Users: every coder, sorted, with a GUID derived from the name.
    let mut coders = BTreeSet::new();
    for d in &corpus.documents {
        for sc in &d.sidecars {
            for a in &sc.sidecar.annotations {
                coders.insert(coder_of(a, sc.coder()));
            }
        }
    }
    report.coders = coders.len();

    let fail = |what: &str, e: std::io::Error| Error::io(out, what, e);
    let zip_fail = |e: zip::result::ZipError| {
        Error::new(ErrorKind::Io, format!("cannot write the archive: {e}")).in_file(out).hint("check the disk and try again")
    };
    // Written like every shared file: under its lock, through a link, keeping its mode.
    let target = crate::io::resolve(out)?;
    let _lock = crate::io::lock(&target)?;
    let old = crate::io::replaceable(&target)?;
    let tmp = crate::io::temp_beside(&target)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::with_capacity(1 << 20, tmp));
    // The fastest deflate level: the texts and the XML still shrink about fourfold, at a
    // fraction of the default level's time on large projects.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).compression_level(Some(1));
    zip.start_file("project.qde", options).map_err(zip_fail)?;
    let mut latch = Latch { inner: &mut zip, error: None };
    let mut w = writer_on(&mut latch);
    let mut root = BytesStart::new("Project");
    root.push_attribute(("xmlns", NAMESPACE));
    let project_name = corpus
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Marginalia project".to_owned());
    root.push_attribute(("name", project_name.as_str()));
    root.push_attribute(("origin", ORIGIN));
    start(&mut w, root);
    write_users(&mut w, &coders);
    start(&mut w, BytesStart::new("CodeBook"));
    write_codes(&mut w, &codebook);
    end(&mut w, "CodeBook");
    write_variables(&mut w, &corpus.variables);

    let links = write_sources(&mut w, corpus, &mut report, ticker)?;
    write_links(&mut w, &links);
    report.links = links.len();
    end(&mut w, "Project");
    drop(w);
    let _ = latch.write_all(b"\n");
    if let Some(e) = latch.error {
        return Err(fail("cannot write the archive", e));
    }
    for d in &corpus.documents {
        zip.start_file(format!("sources/{}", source_file(corpus, d).1), options).map_err(zip_fail)?;
        zip.write_all(d.doc.text().as_bytes()).map_err(|e| fail("cannot write the archive", e))?;
    }
    let buffered = zip.finish().map_err(zip_fail)?;
    let tmp = buffered.into_inner().map_err(|e| fail("cannot write the archive", e.into_error()))?;
    crate::io::persist(&target, tmp, old.as_ref(), false)?;
    Ok(report)
}

/// The `<Users>` element: every coder, with a GUID derived from the name.
fn write_users<W: Write>(w: &mut Writer<W>, coders: &BTreeSet<String>) {
    if coders.is_empty() {
        return;
    }
    start(w, BytesStart::new("Users"));
    for c in coders {
        let mut u = BytesStart::new("User");
        let guid = user_guid(c).to_string();
        u.push_attribute(("guid", guid.as_str()));
        u.push_attribute(("name", c.as_str()));
        empty(w, u);
    }
    end(w, "Users");
}

/// A document's source GUID and the name of its text in the archive's `sources/` folder,
/// both derived from its path in the corpus so that exporting again gives the same ones.
fn source_file(corpus: &Corpus, d: &crate::corpus::CorpusDocument) -> (Uuid, String) {
    let rel = d.path.strip_prefix(&corpus.root).unwrap_or(&d.path).to_string_lossy().replace('\\', "/");
    let guid = derived_guid("source", &rel);
    (guid, format!("{guid}.txt"))
}

/// The `<Sources>` element: one `<TextSource>` per document with its selections (orphans are
/// noted, not exported), reporting to the ticker. Returns the links between the selections
/// written, for [`write_links`].
fn write_sources<W: Write, P: FnMut(usize, usize) -> bool>(
    w: &mut Writer<W>,
    corpus: &Corpus,
    report: &mut ExportReport,
    ticker: &mut Ticker<P>,
) -> Result<Vec<ProjectLink>, Error> {
    let mut used_guids = BTreeSet::new();
    let mut links: Vec<ProjectLink> = Vec::new();
    let mut link_notes = 0;
    start(w, BytesStart::new("Sources"));
    for d in &corpus.documents {
        let (source_guid, file) = source_file(corpus, d);
        let mut src = BytesStart::new("TextSource");
        src.push_attribute(("guid", source_guid.to_string().as_str()));
        src.push_attribute(("name", d.doc.file_name().as_str()));
        src.push_attribute(("plainTextPath", format!("internal://{file}").as_str()));
        let mut annotations: Vec<(&Annotation, String, usize)> = Vec::new();
        for (sc_index, sc) in d.sidecars.iter().enumerate() {
            for a in &sc.sidecar.annotations {
                if a.status == AnchorStatus::Orphaned {
                    report.notes.push(format!(
                        "{}: the annotation \"{}\" by {} was not exported: its text is no longer in the document",
                        d.doc.file_name(),
                        short(&a.exact, 40),
                        coder_of(a, sc.coder())
                    ));
                    ticker.annotations(1);
                    continue;
                }
                annotations.push((a, coder_of(a, sc.coder()), sc_index));
            }
        }
        annotations.sort_by(|(a, ac, _), (b, bc, _)| a.sort_key().cmp(&b.sort_key()).then(ac.cmp(bc)));
        // (sidecar, annotation id) → the GUID of its selection, for the links.
        let mut selection_of: HashMap<(usize, Uuid), Uuid> = HashMap::new();
        let key = Corpus::variable_key(d);
        let has_values = corpus.variables.documents.get(&key).is_some_and(|v| !v.is_empty());
        if annotations.is_empty() && !has_values {
            empty(w, src);
        } else {
            start(w, src);
            for (a, coder, sc_index) in &annotations {
                let mut guid = a.id;
                if !used_guids.insert(guid) {
                    guid = derived_guid("selection", &format!("{}:{coder}", a.id));
                    used_guids.insert(guid);
                }
                selection_of.insert((*sc_index, a.id), guid);
                write_selection(w, a, guid, coder, &d.doc);
                report.annotations += 1;
                ticker.annotation()?;
            }
            write_variable_values(w, &corpus.variables, &key);
            end(w, "TextSource");
        }
        for (sc_index, sc) in d.sidecars.iter().enumerate() {
            for l in &sc.sidecar.links {
                let ends = (selection_of.get(&(sc_index, l.origin)), selection_of.get(&(sc_index, l.target)));
                let (Some(origin), Some(target)) = ends else {
                    report.notes.push(format!(
                        "{}: a link by {} was not exported: one of its annotations is no longer in the document",
                        d.doc.file_name(),
                        sc.coder()
                    ));
                    continue;
                };
                let guid = if used_guids.insert(l.id) { l.id } else { derived_guid("link", &l.id.to_string()) };
                used_guids.insert(guid);
                let kind = sc.sidecar.codebook.link_type(&l.link_type);
                links.push(ProjectLink {
                    guid,
                    name: kind.map_or_else(|| l.link_type.clone(), |t| t.name.clone()),
                    colour: kind.and_then(|t| crate::codebook::parse_colour(&t.colour)),
                    origin: *origin,
                    target: *target,
                });
                if !l.note.is_empty() {
                    link_notes += 1;
                }
            }
        }
        report.documents += 1;
        ticker.report()?;
    }
    end(w, "Sources");
    if link_notes > 0 {
        report.notes.push(format!("{link_notes} link note(s) were not exported (a REFI-QDA link carries no text of its own)"));
    }
    Ok(links)
}

/// A link as the project writes it: between two selections.
struct ProjectLink {
    guid: Uuid,
    name: String,
    colour: Option<[u8; 3]>,
    origin: Uuid,
    target: Uuid,
}

/// The `<Links>` element: each link one way, from its origin's selection to its target's,
/// named after its type, in its type's colour.
fn write_links<W: Write>(w: &mut Writer<W>, links: &[ProjectLink]) {
    if links.is_empty() {
        return;
    }
    start(w, BytesStart::new("Links"));
    for l in links {
        let mut el = BytesStart::new("Link");
        el.push_attribute(("guid", l.guid.to_string().as_str()));
        el.push_attribute(("name", l.name.as_str()));
        el.push_attribute(("direction", "OneWay"));
        if let Some(rgb) = l.colour {
            el.push_attribute(("color", crate::codebook::format_colour(rgb).as_str()));
        }
        el.push_attribute(("originGUID", l.origin.to_string().as_str()));
        el.push_attribute(("targetGUID", l.target.to_string().as_str()));
        empty(w, el);
    }
    end(w, "Links");
}

/// The GUID of a document variable: derived from its name.
fn variable_guid(name: &str) -> Uuid {
    derived_guid("variable", name)
}

/// The REFI-QDA type of a variable: numbers as Float (decimal), dates as Date, text and choices
/// as Text.
fn variable_type(kind: crate::vars::Kind) -> &'static str {
    match kind {
        crate::vars::Kind::Number => "Float",
        crate::vars::Kind::Date => "Date",
        crate::vars::Kind::Text | crate::vars::Kind::Choice => "Text",
    }
}

/// The folder's document variables as the project's `Variables` (nothing when there are none).
fn write_variables<W: Write>(w: &mut Writer<W>, vars: &crate::vars::Variables) {
    if vars.variables.is_empty() {
        return;
    }
    start(w, BytesStart::new("Variables"));
    for v in &vars.variables {
        let mut el = BytesStart::new("Variable");
        el.push_attribute(("guid", variable_guid(&v.name).to_string().as_str()));
        el.push_attribute(("name", v.name.as_str()));
        el.push_attribute(("typeOfVariable", variable_type(v.kind)));
        if v.description.is_empty() {
            empty(w, el);
        } else {
            start(w, el);
            text_element(w, "Description", &v.description);
            end(w, "Variable");
        }
    }
    end(w, "Variables");
}

/// A source's `VariableValue`s: one per variable the document has a value of.
fn write_variable_values<W: Write>(w: &mut Writer<W>, vars: &crate::vars::Variables, document: &str) {
    for v in &vars.variables {
        let Some(value) = vars.value(document, &v.name) else { continue };
        start(w, BytesStart::new("VariableValue"));
        let mut r = BytesStart::new("VariableRef");
        r.push_attribute(("targetGUID", variable_guid(&v.name).to_string().as_str()));
        empty(w, r);
        match (v.kind, crate::vars::parse_number(value)) {
            // Rust writes floats without an exponent, as xsd:decimal wants them.
            (crate::vars::Kind::Number, Some(n)) => text_element(w, "FloatValue", &n.to_string()),
            (crate::vars::Kind::Date, _) => text_element(w, "DateValue", value.trim()),
            _ => text_element(w, "TextValue", value),
        }
        end(w, "VariableValue");
    }
}

fn write_selection<W: Write>(w: &mut Writer<W>, a: &Annotation, guid: Uuid, coder: &str, doc: &Document) {
    let user = user_guid(coder).to_string();
    let mut sel = BytesStart::new("PlainTextSelection");
    sel.push_attribute(("guid", guid.to_string().as_str()));
    sel.push_attribute(("name", short(doc.slice(a.span()), 60).as_str()));
    sel.push_attribute(("startPosition", a.start.to_string().as_str()));
    sel.push_attribute(("endPosition", a.end.to_string().as_str()));
    sel.push_attribute(("creatingUser", user.as_str()));
    if is_rfc3339(&a.created) {
        sel.push_attribute(("creationDateTime", a.created.as_str()));
    }
    sel.push_attribute(("modifyingUser", user.as_str()));
    if is_rfc3339(&a.modified) {
        sel.push_attribute(("modifiedDateTime", a.modified.as_str()));
    }
    start(w, sel);
    let description = description_of(a);
    if !description.is_empty() {
        text_element(w, "Description", &description);
    }
    let mut coding = BytesStart::new("Coding");
    coding.push_attribute(("guid", derived_guid("coding", &guid.to_string()).to_string().as_str()));
    coding.push_attribute(("creatingUser", user.as_str()));
    if is_rfc3339(&a.created) {
        coding.push_attribute(("creationDateTime", a.created.as_str()));
    }
    start(w, coding);
    let mut code_ref = BytesStart::new("CodeRef");
    code_ref.push_attribute(("targetGUID", code_guid(&a.code).to_string().as_str()));
    empty(w, code_ref);
    end(w, "Coding");
    end(w, "PlainTextSelection");
}

/// The note, then (if any) the attribute block: a header line and one `id: value` a line, with
/// backslashes and line breaks in values written as `\\`, `\n` and `\r`.
pub fn description_of(a: &Annotation) -> String {
    let mut s = a.note.clone();
    if !a.attributes.is_empty() {
        if !s.is_empty() {
            s.push_str("\n\n");
        }
        s.push_str(ATTRIBUTES_HEADER);
        for (k, v) in &a.attributes {
            let v = v.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
            s.push_str(&format!("\n{k}: {v}"));
        }
    }
    s
}

/// Splits a selection description into the note and the attribute values.
pub fn parse_description(description: &str) -> (String, BTreeMap<String, String>) {
    let mut attributes = BTreeMap::new();
    let Some(at) = description.rfind(ATTRIBUTES_HEADER) else { return (description.to_owned(), attributes) };
    let (note, block) = description.split_at(at);
    for line in block[ATTRIBUTES_HEADER.len()..].lines() {
        let Some((k, v)) = line.split_once(": ") else { continue };
        let mut value = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some(other) => value.push(other),
                    None => value.push('\\'),
                },
                (c, false) => value.push(c),
            }
        }
        attributes.insert(k.trim().to_owned(), value);
    }
    let note = note.strip_suffix("\n\n").or_else(|| note.strip_suffix('\n')).unwrap_or(note);
    (note.to_owned(), attributes)
}

fn coder_of(a: &Annotation, sidecar_coder: &str) -> String {
    [a.coder.as_str(), sidecar_coder].into_iter().map(str::trim).find(|c| !c.is_empty()).unwrap_or("anonymous").to_owned()
}

fn user_guid(coder: &str) -> Uuid {
    derived_guid("user", coder)
}

fn short(s: &str, n: usize) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(n - 1).collect();
        cut.push('…');
        cut
    }
}

/// The corpus codebook plus what the sidecars' codebooks add ([`Corpus::merged_codebook`]),
/// each added code noted.
fn merged_codebook(corpus: &Corpus, notes: &mut Vec<String>) -> Codebook {
    let (codebook, added) = corpus.merged_codebook();
    for (path, merged) in added {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for id in &merged.codes {
            let name = codebook.code(id).map_or(id.as_str(), |c| c.name.as_str());
            notes.push(format!("the code \"{}\" comes from {file} and is not in the folder's codebook; it was added", q(name)));
        }
    }
    codebook
}

// ---------------------------------------------------------------------------------------------
// Import

/// A file to write, checked to lie directly in the target folder.
struct Planned {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// Reads the REFI-QDA project at `path` into `into_folder` (created if needed): one `.txt` per
/// text source with a sidecar per coder, and `codebook.ron` if the folder has none. Existing
/// files are never replaced: names are made unique instead. Everything is checked before the
/// first file is written, so an error leaves the folder as it was.
pub fn import(path: &Path, into_folder: &Path) -> Result<ImportSummary, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open the project", e))?;
    let mut archive =
        Archive::open(file, "a REFI-QDA project (.qdpx is a zip archive)", "pass a .qdpx file exported by a QDA program")
            .map_err(|e| e.in_file(path))?;
    let plan = plan_import(&mut archive, into_folder).map_err(|e| if e.file.is_none() { e.in_file(path) } else { e })?;
    let (files, summary) = plan;
    if !into_folder.exists() {
        std::fs::create_dir_all(into_folder).map_err(|e| Error::io(into_folder, "cannot create the folder", e))?;
    }
    for f in files {
        // Defence in depth: every planned path is a plain file name inside the folder.
        if f.path.parent() != Some(into_folder) || f.path.file_name().is_none() {
            return Err(format_error(format!("refused to write {} outside {}", f.path.display(), into_folder.display())));
        }
        crate::io::write_atomic(&f.path, &f.bytes, false)?;
    }
    Ok(summary)
}

/// One coding of a text selection, as read.
struct Selection {
    guid: Uuid,
    code: String,
    span: Span,
    note: String,
    attributes: BTreeMap<String, String>,
    coder: String,
    created: Option<String>,
    modified: Option<String>,
}

/// What reading `project.qde` gathers as it goes: the text (for places in messages), the
/// users, the codes' ids and the notes (memos) still to attach, and what it reports.
struct Reading<'a> {
    qde: &'a str,
    users: HashMap<Uuid, String>,
    /// Code GUID → code id.
    ids: BTreeMap<String, String>,
    /// Note GUID → (text, attached to a selection yet).
    memos: HashMap<Uuid, (String, bool)>,
    notes: Vec<String>,
    not_imported: Vec<String>,
}

/// One text source read: its name, its text and its codings.
struct Source {
    name: String,
    guid: Option<String>,
    doc: Document,
    selections: Vec<Selection>,
}

/// Reads the project into the files to write (documents, sidecars, codebook) without writing
/// any, so that a project with an error leaves the folder as it was.
fn plan_import<R: Read + Seek>(archive: &mut Archive<R>, folder: &Path) -> Result<(Vec<Planned>, ImportSummary), Error> {
    let qde = read_qde(archive)?;
    let qde = qde.strip_prefix('\u{feff}').unwrap_or(&qde);
    let project = parse_xml(qde, "project.qde")?;
    if project.name != "Project" {
        return Err(format_error(format!("project.qde's root element is <{}>, not <Project>", q(&project.name))));
    }
    let project_name = project.attr("name").map(str::trim).filter(|n| !n.is_empty()).unwrap_or("Imported project");
    let CodebookImport { mut codebook, ids, notes } = match project.child("CodeBook").and_then(|c| c.child("Codes")) {
        Some(codes) => read_codes(codes, project_name, "project.qde", qde)?,
        None => {
            return Err(format_error("project.qde has no codebook, so no coding can be imported")
                .hint("export the project again with its codes"));
        }
    };
    let mut reading =
        Reading { qde, users: read_users(&project), ids, memos: read_memos(&project), notes, not_imported: Vec::new() };
    reading.note_what_has_no_place(&project);

    let mut sources = Vec::new();
    for src in project.child("Sources").map(|s| s.children.as_slice()).unwrap_or(&[]) {
        if let Some(source) = reading.read_source(archive, src)? {
            sources.push(source);
        }
    }
    let unused_memos = reading.memos.values().filter(|(_, used)| !used).count();
    if unused_memos > 0 {
        reading.not_imported.push(format!("{unused_memos} note(s) not attached to a text selection"));
    }
    if sources.is_empty() {
        return plan_codebook_only(folder, codebook, reading);
    }

    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut planned: Vec<Planned> = Vec::new();
    let mut documents = Vec::new();
    let mut per_doc = Vec::new();
    let mut seen_ids: BTreeSet<Uuid> = BTreeSet::new();
    // Selection (or coding) GUID → (document, coder, annotation id), for the links.
    let mut annotation_of: HashMap<Uuid, (usize, String, Uuid)> = HashMap::new();
    for source in sources {
        // The document file: a safe, unused name in the folder.
        let file_name = unique_name(folder, &safe_file_name(&source.name, source.guid.as_deref()), &mut taken);
        let doc_path = folder.join(&file_name);
        let by_coder = annotations_by_coder(&source, &mut seen_ids, &mut reading.notes);
        // The annotations are made in the order of the selections, coder by coder.
        let mut made: HashMap<&str, std::slice::Iter<'_, Annotation>> =
            by_coder.iter().map(|(coder, list)| (coder.as_str(), list.iter())).collect();
        for s in &source.selections {
            if let Some(a) = made.get_mut(s.coder.as_str()).and_then(Iterator::next) {
                annotation_of.entry(s.guid).or_insert((per_doc.len(), s.coder.clone(), a.id));
            }
        }
        planned.push(Planned { path: doc_path.clone(), bytes: source.doc.text().as_bytes().to_vec() });
        documents.push(doc_path.clone());
        per_doc.push((doc_path, source.doc, by_coder));
    }
    add_used_attributes(&mut codebook, per_doc.iter().flat_map(|(_, _, by_coder)| by_coder.values().flatten()));
    let (mut links, link_count) = read_links(&project, &annotation_of, &mut seen_ids, &mut codebook, &mut reading);
    codebook.validate()?;
    let (sidecars, annotations) = plan_sidecars(per_doc, &codebook, &mut links, &mut taken, &mut planned)?;

    let Reading { mut notes, not_imported, .. } = reading;
    let codebook_file = folder.join(crate::session::FOLDER_CODEBOOK);
    let codebook_path = if codebook_file.exists() {
        notes.push(format!(
            "{} already exists and was kept; each imported sidecar carries the imported codebook",
            codebook_file.display()
        ));
        None
    } else {
        planned.push(Planned { path: codebook_file.clone(), bytes: codebook.to_ron().into_bytes() });
        Some(codebook_file)
    };
    let summary =
        ImportSummary { documents, sidecars, codebook_path, codebook, annotations, links: link_count, not_imported, notes };
    Ok((planned, summary))
}

/// A project without text sources (ATLAS.ti and other programs export a codebook this way):
/// its codebook becomes the folder's `codebook.ron`, the codebook of every document there.
/// A folder with another `codebook.ron` is left as it is, and the import refused.
fn plan_codebook_only(folder: &Path, codebook: Codebook, reading: Reading<'_>) -> Result<(Vec<Planned>, ImportSummary), Error> {
    let Reading { mut notes, not_imported, .. } = reading;
    let path = folder.join(crate::session::FOLDER_CODEBOOK);
    let ron = codebook.to_ron();
    let codes = codebook.codes.len();
    let mut planned = Vec::new();
    let codebook_path = match std::fs::read(&path) {
        Ok(existing) if existing == ron.as_bytes() => {
            notes.push(format!("the project holds no text source, only a codebook, which {} has already", path.display()));
            None
        }
        Ok(_) => {
            return Err(format_error(format!(
                "holds no text source, only a codebook of {codes} code(s), and {} exists already; nothing was written",
                path.display()
            ))
            .hint("import it into another folder with --into, or write its codebook elsewhere with `marginalia codebook import` and this file"));
        }
        Err(_) => {
            notes.push(format!(
                "the project holds no text source, only a codebook: its {codes} code(s) were imported as {}, the codebook of every document in that folder",
                path.display()
            ));
            planned.push(Planned { path: path.clone(), bytes: ron.into_bytes() });
            Some(path)
        }
    };
    let summary = ImportSummary {
        documents: Vec::new(),
        sidecars: Vec::new(),
        codebook_path,
        codebook,
        annotations: 0,
        links: 0,
        not_imported,
        notes,
    };
    Ok((planned, summary))
}

/// The codebook of a REFI-QDA project (`.qdpx`), as `marginalia codebook import` reads it.
pub fn import_codebook(path: &Path) -> Result<CodebookImport, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open the project", e))?;
    let mut archive =
        Archive::open(file, "a REFI-QDA project (.qdpx is a zip archive)", "pass a .qdpx file exported by a QDA program")
            .map_err(|e| e.in_file(path))?;
    let mut read = || -> Result<CodebookImport, Error> {
        let qde = read_qde(&mut archive)?;
        let qde = qde.strip_prefix('\u{feff}').unwrap_or(&qde);
        let project = parse_xml(qde, "project.qde")?;
        if project.name != "Project" {
            return Err(format_error(format!("project.qde's root element is <{}>, not <Project>", q(&project.name))));
        }
        let name = project.attr("name").map(str::trim).filter(|n| !n.is_empty()).unwrap_or("Imported project");
        match project.child("CodeBook").and_then(|c| c.child("Codes")) {
            Some(codes) => read_codes(codes, name, "project.qde", qde),
            None => Err(format_error("project.qde has no codebook").hint("export the project again with its codes")),
        }
    };
    read().map_err(|e| if e.file.is_none() { e.in_file(path) } else { e })
}

/// The text of `project.qde` (or of the one `.qde` file at the top of the archive).
fn read_qde<R: Read + Seek>(archive: &mut Archive<R>) -> Result<String, Error> {
    let qde_index = archive
        .find("project.qde")
        .or_else(|| {
            let qdes: Vec<usize> =
                archive.names().filter(|(n, _)| n.ends_with(".qde") && !n.contains('/')).map(|(_, i)| i).collect();
            (qdes.len() == 1).then(|| qdes[0])
        })
        .ok_or_else(|| format_error("holds no project.qde").hint("pass a .qdpx file exported by a QDA program"))?;
    String::from_utf8(archive.read(qde_index, MAX_QDE_BYTES)?)
        .map_err(|_| format_error("project.qde is not UTF-8").hint("REFI-QDA files are UTF-8; export the project again"))
}

/// The project's users: GUID → name (or `user-` and the GUID's start when it has none).
fn read_users(project: &super::Element) -> HashMap<Uuid, String> {
    let mut users = HashMap::new();
    for u in project.child("Users").iter().flat_map(|us| us.children_named("User")) {
        if let Some(g) = u.attr("guid").and_then(parse_guid) {
            let name = u.attr("name").or(u.attr("id")).map(str::trim).filter(|n| !n.is_empty());
            users.insert(g, name.map(str::to_owned).unwrap_or_else(|| format!("user-{}", &g.to_string()[..8])));
        }
    }
    users
}

/// The project's notes (memos), none attached yet.
fn read_memos(project: &super::Element) -> HashMap<Uuid, (String, bool)> {
    let mut memos = HashMap::new();
    for n in project.child("Notes").iter().flat_map(|ns| ns.children_named("Note")) {
        if let Some(g) = n.attr("guid").and_then(parse_guid) {
            memos.insert(g, (n.child_text("PlainTextContent").unwrap_or("").trim().to_owned(), false));
        }
    }
    memos
}

/// The annotations of one source's selections, by coder. A GUID seen before gets a new id.
fn annotations_by_coder(
    source: &Source,
    seen_ids: &mut BTreeSet<Uuid>,
    notes: &mut Vec<String>,
) -> BTreeMap<String, Vec<Annotation>> {
    let mut by_coder: BTreeMap<String, Vec<Annotation>> = BTreeMap::new();
    for s in &source.selections {
        let mut a = Annotation::new(&source.doc, s.span, &s.code, &s.coder);
        if a.span() != s.span {
            notes.push(format!(
                "\"{}\": the selection {} split a character and was widened to {}",
                q(&source.name),
                s.span,
                a.span()
            ));
        }
        a.id = if seen_ids.insert(s.guid) { s.guid } else { Uuid::new_v4() };
        seen_ids.insert(a.id);
        a.note = s.note.clone();
        a.attributes = s.attributes.clone();
        if let Some(t) = s.created.as_ref().filter(|t| is_rfc3339(t)) {
            a.created = t.clone();
        }
        a.modified = s.modified.clone().filter(|t| is_rfc3339(t)).unwrap_or_else(|| a.created.clone());
        by_coder.entry(s.coder.clone()).or_default().push(a);
    }
    by_coder
}

/// The project's links between two selections of one coder in one source, by document and
/// coder, and how many; their types are the link types named as the links are (added when the
/// codebook has none). Links between codes, sources or other coders' selections are counted.
fn read_links(
    project: &super::Element,
    annotation_of: &HashMap<Uuid, (usize, String, Uuid)>,
    seen_ids: &mut BTreeSet<Uuid>,
    codebook: &mut Codebook,
    reading: &mut Reading<'_>,
) -> (HashMap<(usize, String), Vec<crate::link::Link>>, usize) {
    let mut out: HashMap<(usize, String), Vec<crate::link::Link>> = HashMap::new();
    let (mut count, mut unlinked) = (0, 0);
    for l in project.child("Links").map(|l| l.children_named("Link").collect::<Vec<_>>()).unwrap_or_default() {
        let end = |name: &str| l.attr(name).and_then(parse_guid).and_then(|g| annotation_of.get(&g));
        let (Some((doc_o, coder_o, origin)), Some((doc_t, coder_t, target))) = (end("originGUID"), end("targetGUID")) else {
            unlinked += 1;
            continue;
        };
        if doc_o != doc_t || coder_o != coder_t || origin == target {
            unlinked += 1;
            continue;
        }
        let name = l.attr("name").map(str::trim).filter(|n| !n.is_empty()).unwrap_or("linked");
        let type_id = match codebook.link_types.iter().find(|t| t.name.to_lowercase() == name.to_lowercase()) {
            Some(t) => t.id.clone(),
            None => codebook.add_link_type("", name, l.attr("color").map(str::to_owned)),
        };
        let mut link = crate::link::Link::new(&type_id, *origin, *target, coder_o);
        if let Some(g) = l.attr("guid").and_then(parse_guid)
            && seen_ids.insert(g)
        {
            link.id = g;
        }
        if let Some(direction @ ("Bidirectional" | "Associative")) = l.attr("direction") {
            reading.notes.push(format!("the {direction} link \"{}\" became a link from its origin to its target", q(name)));
        }
        out.entry((*doc_o, coder_o.clone())).or_default().push(link);
        count += 1;
    }
    if unlinked > 0 {
        reading.not_imported.push(format!(
            "{unlinked} link(s) between codes, sources, other coders' selections or other documents (Marginalia links two annotations of one sidecar)"
        ));
    }
    (out, count)
}

/// Attribute values read from descriptions become text attributes of their codes.
fn add_used_attributes<'a>(codebook: &mut Codebook, annotations: impl Iterator<Item = &'a Annotation>) {
    let mut used: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in annotations {
        used.entry(a.code.as_str()).or_default().extend(a.attributes.keys().map(String::as_str));
    }
    for (code_id, keys) in used {
        if let Some(code) = codebook.code_mut(code_id) {
            for k in keys {
                if !code.attributes.iter().any(|a| a.id == k) {
                    code.attributes.push(AttributeDef { id: k.to_owned(), name: k.to_owned(), kind: AttributeKind::Text });
                }
            }
        }
    }
}

/// One sidecar per document and coder (named after the coder when a document has several),
/// each checked to load again. Returns the sidecars' paths and how many annotations they hold.
fn plan_sidecars(
    per_doc: Vec<(PathBuf, Document, BTreeMap<String, Vec<Annotation>>)>,
    codebook: &Codebook,
    links: &mut HashMap<(usize, String), Vec<crate::link::Link>>,
    taken: &mut BTreeSet<String>,
    planned: &mut Vec<Planned>,
) -> Result<(Vec<PathBuf>, usize), Error> {
    let mut sidecars = Vec::new();
    let mut count = 0;
    for (doc_index, (doc_path, doc, by_coder)) in per_doc.into_iter().enumerate() {
        let file_name = doc_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let several = by_coder.len() > 1;
        for (coder, annotations) in by_coder {
            let sc_path = if several {
                // Two users whose names make the same file name part are told apart by a short
                // id made from the name, as `marginalia add` tells apart two people of one name.
                let mut n = 1;
                loop {
                    let p = sidecar::coder_path(&doc_path, &crate::coder::file_part(&file_name, &coder, n));
                    let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                    if !taken.contains(&name) && !p.exists() {
                        taken.insert(name);
                        break p;
                    }
                    n += 1;
                }
            } else {
                sidecar::default_path(&doc_path)
            };
            count += annotations.len();
            let mut sc = Sidecar::new(
                DocumentRef { file_name: file_name.clone(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() },
                &coder,
                codebook.clone(),
                annotations,
            );
            sc.links = links.remove(&(doc_index, coder.clone())).unwrap_or_default();
            // What is written must load again.
            let ron = sc.to_ron();
            Sidecar::from_ron(&ron, &sc_path)?;
            planned.push(Planned { path: sc_path.clone(), bytes: ron.into_bytes() });
            sidecars.push(sc_path);
        }
    }
    Ok((sidecars, count))
}

impl Reading<'_> {
    /// An error at an element of project.qde.
    fn error(&self, offset: usize, msg: String) -> Error {
        let (line, col) = line_col(self.qde, offset);
        format_error(format!("project.qde: {msg}")).at(line, col)
    }

    /// The name of the user with this GUID, or "imported".
    fn user_name(&self, guid: Option<&str>) -> String {
        guid.and_then(parse_guid).and_then(|g| self.users.get(&g).cloned()).unwrap_or_else(|| "imported".to_owned())
    }

    /// The texts of the notes `el` refers to, each marked as attached.
    fn memos_of(&mut self, el: &super::Element) -> Vec<String> {
        let mut texts = Vec::new();
        for r in el.children_named("NoteRef") {
            if let Some(g) = r.attr("targetGUID").and_then(parse_guid)
                && let Some((t, used)) = self.memos.get_mut(&g)
            {
                *used = true;
                if !t.is_empty() {
                    texts.push(t.clone());
                }
            }
        }
        texts
    }

    /// Notes everything of the project Marginalia has no place for.
    fn note_what_has_no_place(&mut self, project: &super::Element) {
        for (el, what) in [("Variables", "variable"), ("Cases", "case"), ("Sets", "set"), ("Graphs", "graph")] {
            let n = project.child(el).map_or(0, |e| e.children.len());
            if n > 0 {
                self.not_imported.push(format!("{n} {what}(s) (Marginalia has no {what}s)"));
            }
        }
        if project.children_named("NoteRef").count() > 0
            || project.child_text("Description").is_some_and(|d| !d.trim().is_empty())
        {
            self.not_imported.push("the project's own description and notes".to_owned());
        }
    }

    /// Reads one source: `None` (and a note) for what is not a text source or has no text
    /// inside the archive.
    fn read_source<R: Read + Seek>(&mut self, archive: &mut Archive<R>, src: &super::Element) -> Result<Option<Source>, Error> {
        let full_name = self.source_name(src);
        // As messages quote it (it comes from the file: keep it short).
        let name = q(&full_name);
        if src.name != "TextSource" {
            let kind = match src.name.as_str() {
                "PictureSource" => "picture",
                "PDFSource" => "PDF",
                "AudioSource" => "audio",
                "VideoSource" => "video",
                other => other,
            };
            let codings = count_descendants(src, "Coding");
            self.not_imported
                .push(format!("the {kind} source \"{name}\" with {codings} coding(s) (Marginalia annotates plain text only)"));
            return Ok(None);
        }
        let Some(text_bytes) = self.source_text(archive, src, &name)? else { return Ok(None) };
        let doc = Document::from_bytes(&text_bytes).map_err(|_| {
            self.error(src.offset, format!("the text of \"{name}\" is not text")).hint("REFI-QDA text sources are UTF-8")
        })?;
        if doc.encoding() != crate::document::SourceEncoding::Utf8 && doc.encoding() != crate::document::SourceEncoding::Utf8Bom {
            self.notes.push(format!("the text of \"{name}\" was {}, not UTF-8; it was converted", doc.encoding().label()));
        }
        if src.attr("richTextPath").is_some() {
            self.notes.push(format!("\"{name}\": its formatted version was not imported, only its plain text"));
        }
        let mut selections = Vec::new();
        for sel in src.children_named("PlainTextSelection") {
            self.read_selection(sel, &name, &doc, &mut selections)?;
        }
        self.read_whole_source_codings(src, &name, doc.len_chars(), &mut selections);
        for (el, what) in [("VariableValue", "variable value"), ("NoteRef", "note")] {
            let n = src.children_named(el).count();
            if n > 0 {
                self.not_imported.push(format!("\"{name}\": {n} {what}(s) of the whole source"));
            }
        }
        Ok(Some(Source { name: full_name, guid: src.attr("guid").map(str::to_owned), doc, selections }))
    }

    /// A source's name; one without is called after its text file, else its GUID.
    fn source_name(&mut self, src: &super::Element) -> String {
        let path_name = src
            .attr("plainTextPath")
            .map(|p| p.trim().rsplit(['/', '\\']).next().unwrap_or("").to_owned())
            .filter(|n| !n.trim().is_empty());
        let given_name = src.attr("name").map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        let name = given_name
            .clone()
            .or(path_name)
            .or_else(|| src.attr("guid").map(|g| g.trim().trim_matches(['{', '}']).to_lowercase()))
            .unwrap_or_else(|| "unnamed source".to_owned());
        if given_name.is_none() && src.name == "TextSource" {
            self.notes.push(format!("a text source without a name was named \"{}\" after its text file or GUID", q(&name)));
        }
        name
    }

    /// A text source's text: inline, or an internal file under sources/. `None` (and a note)
    /// when it has none, or only one outside the archive.
    fn source_text<R: Read + Seek>(
        &mut self,
        archive: &mut Archive<R>,
        src: &super::Element,
        name: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Some(inline) = src.child_text("PlainTextContent") {
            return Ok(Some(inline.as_bytes().to_vec()));
        }
        let Some(p) = src.attr("plainTextPath").map(str::trim) else {
            self.not_imported.push(format!("the text source \"{name}\": it has no plain text"));
            return Ok(None);
        };
        let index = match p.strip_prefix("internal://") {
            Some(file) => {
                if file.is_empty() || file.contains('/') || file.contains('\\') || file.contains("..") || file.contains(':') {
                    return Err(self
                        .error(
                            src.offset,
                            format!("the source \"{name}\" points to \"{}\", outside the archive's sources folder", q(file)),
                        )
                        .hint("the file may be malicious; nothing was written"));
                }
                archive.find(&format!("sources/{file}")).ok_or_else(|| {
                    self.error(src.offset, format!("the text of \"{name}\" (sources/{}) is missing from the archive", q(file)))
                        .hint("export the project again with its sources embedded")
                })?
            }
            None => {
                // Some programs write the path inside the archive without `internal://`
                // ("sources/x.txt"): look it up there first. Only a path that names no
                // entry of the archive is outside it.
                let relative = !p.is_empty()
                    && !p.starts_with(['/', '\\'])
                    && !p.contains(':')
                    && !p.contains('\\')
                    && !p.split('/').any(|part| part == ".." || part.is_empty());
                match relative.then(|| archive.find(p).or_else(|| archive.find(&format!("sources/{p}")))).flatten() {
                    Some(index) => index,
                    None => {
                        self.not_imported.push(format!(
                            "the text source \"{name}\": its text is outside the archive ({}); Marginalia reads only sources inside it",
                            q(p)
                        ));
                        return Ok(None);
                    }
                }
            }
        };
        archive.read(index, MAX_SOURCE_BYTES).map(Some)
    }

    /// The codings of one `<PlainTextSelection>`, one [`Selection`] each, with the selection's
    /// description and notes as their note.
    fn read_selection(
        &mut self,
        sel: &super::Element,
        src_name: &str,
        doc: &Document,
        out: &mut Vec<Selection>,
    ) -> Result<(), Error> {
        let len = doc.len_chars();
        let number = |name: &str| -> Result<usize, Error> {
            let v =
                sel.attr(name).ok_or_else(|| self.error(sel.offset, format!("a selection in \"{src_name}\" has no {name}")))?;
            v.trim().parse::<i64>().ok().filter(|n| *n >= 0).map(|n| n as usize).ok_or_else(|| {
                self.error(sel.offset, format!("a selection in \"{src_name}\" has the {name} \"{}\", not a position", q(v)))
            })
        };
        let (s, e) = (number("startPosition")?, number("endPosition")?);
        if s > e || e > len {
            return Err(self
                .error(
                    sel.offset,
                    format!("a selection in \"{src_name}\" runs from {s} to {e}, outside the text's {len} characters"),
                )
                .hint("the project does not match its sources; nothing was written"));
        }
        let span = Span::new(s, e);
        let (mut note, attributes) = parse_description(sel.child_text("Description").unwrap_or(""));
        let mut extra = self.memos_of(sel);
        let codings: Vec<&super::Element> = sel.children_named("Coding").collect();
        for c in &codings {
            extra.extend(self.memos_of(c));
        }
        for t in extra {
            if !note.is_empty() {
                note.push_str("\n\n");
            }
            note.push_str(&t);
        }
        let sel_guid = sel.attr("guid").and_then(parse_guid).unwrap_or_else(Uuid::new_v4);
        if codings.is_empty() {
            self.not_imported.push(format!(
                "\"{src_name}\": the selection {span} (\"{}\") has no code; Marginalia annotations always have one",
                short(doc.slice(span), 40)
            ));
            return Ok(());
        }
        for (k, c) in codings.iter().enumerate() {
            let Some(target) = c.child("CodeRef").and_then(|r| r.attr("targetGUID")) else {
                return Err(self.error(c.offset, format!("a coding in \"{src_name}\" has no CodeRef")));
            };
            let Some(code) = parse_guid(target).and_then(|g| self.ids.get(&g.to_string())) else {
                self.not_imported.push(format!(
                    "\"{src_name}\": a coding of {span} refers to the code {}, which the codebook does not define",
                    q(target)
                ));
                continue;
            };
            let guid = if k == 0 { sel_guid } else { c.attr("guid").and_then(parse_guid).unwrap_or_else(Uuid::new_v4) };
            out.push(Selection {
                guid,
                code: code.clone(),
                span,
                note: note.clone(),
                attributes: attributes.clone(),
                coder: self.user_name(c.attr("creatingUser").or(sel.attr("creatingUser"))),
                created: c.attr("creationDateTime").or(sel.attr("creationDateTime")).map(str::to_owned),
                modified: sel.attr("modifiedDateTime").map(str::to_owned),
            });
        }
        Ok(())
    }

    /// Codings of the whole source become annotations of the whole text.
    fn read_whole_source_codings(&mut self, src: &super::Element, src_name: &str, len: usize, out: &mut Vec<Selection>) {
        for c in src.children_named("Coding") {
            let code = c
                .child("CodeRef")
                .and_then(|r| r.attr("targetGUID"))
                .and_then(parse_guid)
                .and_then(|g| self.ids.get(&g.to_string()));
            let Some(code) = code.cloned() else {
                self.not_imported.push(format!("\"{src_name}\": a coding of the whole source refers to an unknown code"));
                continue;
            };
            self.notes.push(format!("\"{src_name}\": a coding of the whole source became an annotation of the whole text"));
            let note = self.memos_of(c).join("\n\n");
            out.push(Selection {
                guid: c.attr("guid").and_then(parse_guid).unwrap_or_else(Uuid::new_v4),
                code,
                span: Span::new(0, len),
                note,
                attributes: BTreeMap::new(),
                coder: self.user_name(c.attr("creatingUser")),
                created: c.attr("creationDateTime").map(str::to_owned),
                modified: None,
            });
        }
    }
}

fn count_descendants(el: &super::Element, name: &str) -> usize {
    el.children.iter().map(|c| usize::from(c.name == name) + count_descendants(c, name)).sum()
}

/// A plain file name for a source: its last path part, without characters file systems
/// refuse, ending in `.txt`.
fn safe_file_name(name: &str, guid: Option<&str>) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() || "<>:\"|?*".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_owned();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()) => {
            stem.to_owned()
        }
        _ => cleaned,
    };
    let stem: String = stem.chars().take(120).collect();
    let stem = if stem.trim().is_empty() {
        format!("source-{}", guid.and_then(parse_guid).map(|g| g.to_string()[..8].to_owned()).unwrap_or_default())
    } else {
        stem
    };
    format!("{stem}.txt")
}

/// `name`, or `name (2)`, … so that neither it nor its sidecars exist or are planned.
fn unique_name(folder: &Path, name: &str, taken: &mut BTreeSet<String>) -> String {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "txt"));
    let mut candidate = name.to_owned();
    let mut n = 2;
    loop {
        let path = folder.join(&candidate);
        let clash = taken.contains(&candidate.to_lowercase())
            || path.exists()
            || sidecar::default_path(&path).exists()
            || !sidecar::find_sidecars(&path).is_empty();
        if !clash {
            taken.insert(candidate.to_lowercase());
            return candidate;
        }
        candidate = format!("{stem} ({n}).{ext}");
        n += 1;
    }
}

/// A text from the project as messages quote it: at most [`QUOTE_CHARS`] characters.
fn q(s: &str) -> String {
    excerpt(s, QUOTE_CHARS)
}
