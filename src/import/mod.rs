//! Imports: annotation sets from other tools (brat standoff, W3C Web Annotation, SemEval
//! shared-task labels) into
//! Marginalia sidecars, and documents in other formats (HTML, .docx) as plain text beside
//! the original.
//!
//! Every importer reads and checks its whole input before writing anything, refuses hostile
//! input with a message that says what was wrong (unsafe zip paths, zip bombs, XML with a
//! DOCTYPE, offsets outside the text), writes only inside the target folder, never replaces a
//! different existing file, and reports what it could not carry instead of dropping it quietly.

pub mod brat;
mod commit;
pub mod docx;
pub mod html;
pub mod semeval;
pub mod w3c;

use std::path::{Path, PathBuf};

use crate::annotation::Annotation;
use crate::codebook::{Code, Codebook, SAFE_PALETTE};
use crate::document::Document;
use crate::edits::Action;
use crate::error::{Error, ErrorKind};
use crate::session::Session;

/// Input files larger than this are refused (the largest document Marginalia opens).
pub const MAX_INPUT_BYTES: u64 = crate::document::MAX_DOCUMENT_BYTES;

/// What an import wrote, carried and could not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files written (documents and sidecars).
    pub written: Vec<PathBuf>,
    /// What was imported, one sentence each.
    pub carried: Vec<String>,
    /// What could not be carried, one sentence each.
    pub not_carried: Vec<String>,
}

impl Summary {
    /// The summary as printed by the CLI.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.carried.clone();
        for p in &self.written {
            out.push(format!("wrote {}", p.display()));
        }
        if self.not_carried.is_empty() {
            out.push("nothing was left out".to_owned());
        } else {
            out.extend(self.not_carried.iter().map(|n| format!("not carried: {n}")));
        }
        out
    }
}

/// The kinds of file `marginalia import` reads, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Brat,
    W3c,
    Html,
    Docx,
    Qdpx,
    /// SemEval-2020 Task 11 `.labels` files (with `article<ID>.txt` texts).
    Semeval,
}

impl Kind {
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_lowercase();
        Some(match ext.as_str() {
            "ann" => Kind::Brat,
            "json" | "jsonld" | "jsonl" => Kind::W3c,
            "html" | "htm" | "xhtml" => Kind::Html,
            "docx" => Kind::Docx,
            "qdpx" => Kind::Qdpx,
            "labels" => Kind::Semeval,
            _ => return None,
        })
    }
}

/// What a folder given to `marginalia import` holds: SemEval labels files, else brat files.
fn folder_kind(dir: &Path) -> Result<Kind, Error> {
    let names: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read the folder", e))?.flatten().map(|e| e.path()).collect();
    if names.iter().any(|p| semeval::is_labels_file(p)) {
        return Ok(Kind::Semeval);
    }
    if brat::holds_documents(dir) {
        return Ok(Kind::Brat);
    }
    Err(Error::usage("holds no files Marginalia imports as a folder").in_file(dir).hint(
        "a folder import reads SemEval-2020 .labels files (with article<ID>.txt texts) or brat .ann files (with their .txt)",
    ))
}

/// Imports `file` (or a folder of brat or SemEval files) into `into` (default: the file's
/// folder, or the folder itself). `coder` names the coder of imported annotations that do not
/// name one.
pub fn import(file: &Path, into: Option<&Path>, coder: &str) -> Result<Summary, Error> {
    if file.is_dir() {
        let folder = into.map(Path::to_path_buf).unwrap_or_else(|| file.to_path_buf());
        if folder.is_file() {
            return Err(Error::usage("is a file; --into takes a folder").in_file(&folder));
        }
        return match folder_kind(file)? {
            Kind::Semeval => semeval::import(file, &folder, coder),
            _ => brat::import_folder(file, &folder, coder),
        };
    }
    let kind = Kind::of(file).ok_or_else(|| {
        Error::usage("is not a file Marginalia imports").in_file(file).hint(
            "import REFI-QDA .qdpx projects, brat .ann (with its .txt beside), W3C .json/.jsonld/.jsonl, SemEval .labels, .html or .docx files, or a folder of brat or SemEval files",
        )
    })?;
    let meta = std::fs::metadata(file).map_err(|e| Error::io(file, "cannot read the file", e))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Error::new(ErrorKind::Format, format!("is {} MB, more than Marginalia imports", meta.len() / 1_000_000))
            .in_file(file)
            .hint("split it into smaller files"));
    }
    let folder = match into {
        Some(f) => f.to_path_buf(),
        None => file.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".")),
    };
    if folder.is_file() {
        return Err(Error::usage("is a file; --into takes a folder").in_file(&folder));
    }
    match kind {
        Kind::Brat => brat::import(file, &folder, coder),
        Kind::W3c => w3c::import(file, &folder, coder),
        Kind::Html => html::import(file, &folder),
        Kind::Docx => docx::import(file, &folder),
        Kind::Semeval => semeval::import(file, &folder, coder),
        Kind::Qdpx => {
            let s = crate::refi::qdpx::import(file, &folder)?;
            let mut written = s.documents.clone();
            written.extend(s.sidecars.iter().cloned());
            written.extend(s.codebook_path.iter().cloned());
            let mut carried = vec![format!(
                "imported {} document(s), {} annotation(s), {} code(s) from a REFI-QDA project",
                s.documents.len(),
                s.annotations,
                s.codebook.codes.len()
            )];
            carried.extend(s.notes.iter().map(|n| format!("note: {n}")));
            Ok(Summary { written, carried, not_carried: s.not_imported })
        }
    }
}

/// Reads a file refusing anything over [`MAX_INPUT_BYTES`].
pub(crate) fn read_capped(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, "cannot read the file", e))?;
    crate::io::check_regular(path, &meta)?;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read the file", e))?;
    let mut bytes = Vec::new();
    f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, "cannot read the file", e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::new(ErrorKind::Format, "is larger than Marginalia imports").in_file(path));
    }
    Ok(bytes)
}

pub(crate) fn format_error(path: &Path, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Format, message).in_file(path)
}

/// The path `folder/name`, refusing names that would leave the folder.
pub(crate) fn inside(folder: &Path, name: &str) -> Result<PathBuf, Error> {
    let p = Path::new(name);
    let mut comps = p.components();
    match (comps.next(), comps.next()) {
        (Some(std::path::Component::Normal(_)), None) => Ok(folder.join(p)),
        _ => Err(Error::usage(format!(
            "\"{}\" is not a plain file name; nothing was written",
            crate::document::excerpt(name, crate::document::QUOTE_CHARS)
        ))
        .hint("rename the file so that its name has no folders in it")),
    }
}

/// Writes a new text file, or accepts an existing one with the same bytes. Never replaces a
/// different file.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if path.exists() {
        let existing = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the existing file", e))?;
        if existing == bytes {
            return Ok(false);
        }
        return Err(Error::usage("exists already with other content; nothing was written")
            .in_file(path)
            .hint("move it aside, or import into another folder with --into"));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "cannot create the folder", e))?;
    }
    crate::io::write_atomic(path, bytes, false)?;
    Ok(true)
}

/// A colour for a new code: the first palette colour no code uses yet.
pub(crate) fn free_colour(codebook: &Codebook) -> String {
    SAFE_PALETTE
        .iter()
        .map(|(c, _)| *c)
        .find(|c| !codebook.codes.iter().any(|x| x.colour.eq_ignore_ascii_case(c)))
        .unwrap_or("#999999")
        .to_owned()
}

/// Opens (or starts) the sidecar of a document that is about to be written at `doc_path`.
pub(crate) fn open_session(doc: &Document, doc_path: &Path, coder: &str) -> Result<Session, Error> {
    let mut doc = doc.clone();
    doc.set_path(doc_path.to_path_buf());
    Session::with_document(doc, crate::sidecar::default_path(doc_path), coder)
}

/// Adds annotations (and the codebook they need) to a session as one undoable step. Returns
/// (added, already there). Annotations whose id exists already with the same content are
/// skipped; with other content they get a new id.
pub(crate) fn add_all(session: &mut Session, codebook: Codebook, annotations: Vec<Annotation>) -> Result<(usize, usize), Error> {
    let (added, skipped, _) = add_all_linked(session, codebook, annotations, Vec::new())?;
    Ok((added, skipped))
}

/// [`add_all`] with links between the imported annotations (by their ids in `annotations`)
/// or annotations in the sidecar already, all as one undo step. An annotation that is in the
/// sidecar already stands in for its copy as a link's end; a link that is there already, or
/// that its link type does not allow between the two annotations' codes, is not added.
/// Returns how many annotations were added, how many were there already, and how many links
/// were added.
pub(crate) fn add_all_linked(
    session: &mut Session,
    codebook: Codebook,
    annotations: Vec<Annotation>,
    links: Vec<crate::link::Link>,
) -> Result<(usize, usize, usize), Error> {
    if &codebook != session.edits.codebook() {
        session.apply(Action::SetCodebook(codebook))?;
    }
    let mut skipped = 0;
    // Imported id → the id the annotation has in the sidecar (for the links' ends).
    let mut ids = std::collections::HashMap::new();
    let linked = !links.is_empty();
    // The annotations there already, by span: importing a file again finds each copy in one
    // look-up instead of a scan of the sidecar.
    let mut by_span: std::collections::HashMap<(usize, usize), Vec<uuid::Uuid>> = std::collections::HashMap::new();
    for o in session.edits.annotations() {
        by_span.entry((o.start, o.end)).or_default().push(o.id);
    }
    let mut new = Vec::with_capacity(annotations.len());
    let mut new_ids = std::collections::HashSet::with_capacity(annotations.len());
    for mut a in annotations {
        let imported = a.id;
        if let Some(old) = session.edits.get(a.id) {
            if old.start == a.start
                && old.end == a.end
                && old.code == a.code
                && old.note == a.note
                && old.attributes == a.attributes
            {
                skipped += 1;
                if linked {
                    ids.insert(imported, old.id);
                }
                continue;
            }
            a.id = uuid::Uuid::new_v4();
        }
        let same_place = by_span
            .get(&(a.start, a.end))
            .into_iter()
            .flatten()
            .filter_map(|id| session.edits.get(*id))
            .find(|o| o.code == a.code && o.coder == a.coder && o.note == a.note);
        if let Some(o) = same_place {
            skipped += 1;
            if linked {
                ids.insert(imported, o.id);
            }
            continue;
        }
        // An id the file gives twice: the second copy gets its own.
        if !new_ids.insert(a.id) {
            a.id = uuid::Uuid::new_v4();
            new_ids.insert(a.id);
        }
        if linked {
            ids.insert(imported, a.id);
        }
        new.push(a);
    }
    // In order of place, so that each is added after the one before: the time taken grows with
    // their number, not with its square.
    new.sort_by_key(Annotation::sort_key);
    let added = new.len();
    // The code of every annotation a link may join: those added now, and those there already.
    let mut code_of: std::collections::HashMap<uuid::Uuid, String> = std::collections::HashMap::new();
    if linked {
        code_of.extend(session.edits.annotations().iter().map(|a| (a.id, a.code.clone())));
        code_of.extend(new.iter().map(|a| (a.id, a.code.clone())));
    }
    let mut actions = Vec::new();
    if !new.is_empty() {
        actions.push(Action::AutoCode(new));
    }
    let mut links_added = 0;
    let mut new_links = std::collections::HashSet::new();
    for mut l in links {
        // An end not imported now may be an annotation in the sidecar already.
        let end = |id: uuid::Uuid| ids.get(&id).copied().or_else(|| session.edits.get(id).map(|a| a.id));
        let (Some(origin), Some(target)) = (end(l.origin), end(l.target)) else { continue };
        (l.origin, l.target) = (origin, target);
        // A link its type does not allow between these codes is left out, not the whole import.
        let allowed = session.edits.codebook().link_type(&l.link_type).is_some_and(|t| {
            origin != target
                && code_of.get(&origin).is_some_and(|c| t.allows_origin(c))
                && code_of.get(&target).is_some_and(|c| t.allows_target(c))
        });
        if !allowed {
            continue;
        }
        let there = session.edits.links().iter().any(|o| o.origin == origin && o.target == target && o.link_type == l.link_type);
        if there || !new_links.insert((origin, target, l.link_type.clone())) {
            continue;
        }
        if session.edits.link(l.id).is_some() || !new_ids.insert(l.id) {
            l.id = uuid::Uuid::new_v4();
        }
        links_added += 1;
        actions.push(Action::AddLink(l));
    }
    // One undo step: the additions alone, or with the links in a batch.
    match actions.len() {
        0 => {}
        1 => session.apply(actions.remove(0))?,
        _ => session.apply(Action::Batch(actions))?,
    }
    Ok((added, skipped, links_added))
}

/// Adds a code with `id` and `name` (made unique) to the codebook and returns its id.
pub(crate) fn add_code(codebook: &mut Codebook, id: &str, name: &str, colour: Option<String>) -> String {
    let id = if id.trim().is_empty() || codebook.code(id).is_some() { codebook.fresh_id(name) } else { id.to_owned() };
    let colour = colour.filter(|c| crate::codebook::parse_colour(c).is_some()).unwrap_or_else(|| free_colour(codebook));
    let name = codebook.free_name(if name.trim().is_empty() { &id } else { name });
    codebook.codes.push(Code::new(&id, &name, &colour));
    id
}
