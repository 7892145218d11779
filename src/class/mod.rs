//! The classroom loop: a teacher packs an assignment (texts, codebook, instructions) into one
//! file, students unpack it, annotate, and hand in their sidecars; the teacher collects the
//! hand-ins into the class folder, names the answer key, and grades every student against it.
//!
//! This module owns the three manifests (`manifest.ron` inside an assignment package,
//! `manifest.ron` inside a hand-in, `class.ron` in the class folder) and every rule about
//! them. It never draws anything and never decides a figure on its own: grades come from
//! [`crate::agree::score`], the same function `marginalia agree --key` uses, given only the
//! codes asked for on each text ([`score_text`]). See docs/class.md.

pub mod feedback;
mod grade;
mod handin;
pub mod passages;
pub mod pseudonym;
pub mod roster;
pub mod rubric;

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codebook::Codebook;
use crate::document::{Document, fingerprint_of};
use crate::error::{Error, ErrorKind};
use crate::untrusted::Archive;

pub use grade::{
    CodeSummary, GradeRow, Graded, GradedText, Grades, NotGraded, TextScore, WrongCode, canvas_csv, grade, grade_scores,
    gradebook_csv, is_asked, pseudonyms, replace_names, score_text, students_in,
};
pub use handin::{CollectOutcome, HandinManifest, collect, collect_at, handin, handin_by_name, handin_file_name};
pub use rubric::{GradeScale, Rubric};

/// The `format` of an assignment package's manifest.
pub const ASSIGNMENT_FORMAT: &str = "marginalia-assignment";
/// The `format` of a hand-in's manifest.
pub const HANDIN_FORMAT: &str = "marginalia-handin";
/// The `format` of a class folder's `class.ron`.
pub const CLASS_FORMAT: &str = "marginalia-class";
/// The version of all three formats this build writes and reads.
pub const VERSION: u32 = 1;
/// The class manifest in the teacher's class folder.
pub const CLASS_FILE: &str = "class.ron";
/// The manifest inside a package or a hand-in.
pub const MANIFEST: &str = "manifest.ron";
/// The assignment's manifest as unpacked into a student's folder.
pub const ASSIGNMENT_FILE: &str = "assignment.ron";
/// Markdown instructions beside the texts in the class folder.
pub const INSTRUCTIONS_FILE: &str = "instructions.md";
/// The folder of the texts inside a package.
pub const TEXTS_DIR: &str = "texts";
/// The codebook inside a package and in the folders.
pub const CODEBOOK_FILE: &str = crate::session::FOLDER_CODEBOOK;

/// The most bytes read from a manifest or codebook entry.
const SMALL_ENTRY: u64 = 16 * 1024 * 1024;
/// The most bytes read from one text or sidecar entry.
const LARGE_ENTRY: u64 = 512 * 1024 * 1024;

/// A text of an assignment, as the package and a hand-in name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRef {
    pub file_name: String,
    /// SHA-256 of the text's bytes, lower-case hex (as in a sidecar's `document`).
    pub fingerprint: String,
    /// The code ids the students are asked to use on this text (empty: any code).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
}

/// `manifest.ron` in a `.marginalia-assignment` package; `assignment.ron` once unpacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentManifest {
    pub format: String,
    pub version: u32,
    pub assignment: Uuid,
    /// The package's file name without its extension; hand-ins are named after it.
    pub name: String,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub instructions: String,
    /// `YYYY-MM-DD` or an RFC 3339 time.
    #[serde(default)]
    pub due: Option<String>,
    pub documents: Vec<TextRef>,
    /// The class's students to pick a name from (the class folder's `roster.csv`, names and
    /// usernames only); empty when the class has no roster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roster: Vec<roster::RosterName>,
}

/// A student's hand-in collected last: when it was made, from which file, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collected {
    /// The hand-in manifest's `time` (RFC 3339).
    pub time: String,
    pub file: String,
    /// The student's name as the hand-in gave it. Empty in a `class.ron` written before
    /// hand-ins carried ids, where the entry's key is the name ([`Collected::name`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub coder: String,
    /// The student's id (see [`crate::coder`]): a later hand-in with this id is the same
    /// person's and replaces this one. `None` for a hand-in without an id (made before ids, or
    /// by `class handin` without `--coder-id`): nothing replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coder_id: Option<Uuid>,
    /// SHA-256 of the hand-in's manifest and sidecars: the same file given again is known by
    /// it. Empty in a `class.ron` written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The fingerprints of this student's hand-ins known to be older than this one (replaced by
    /// it or by one it replaced, or skipped as older), in the order they were met: given again,
    /// they are older work whatever date they carry, so collecting the same files again never
    /// changes what was collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub older: Vec<String>,
}

impl Collected {
    /// The student's name; `key` is the entry's key in [`ClassManifest::collected`].
    pub fn name<'a>(&'a self, key: &'a str) -> &'a str {
        if self.coder.is_empty() { key } else { &self.coder }
    }
}

/// `class.ron` in the teacher's class folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassManifest {
    pub format: String,
    pub version: u32,
    /// Made once, when the folder is first packed; every package and hand-in carries it.
    pub assignment: Uuid,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub due: Option<String>,
    /// The coder whose sidecars are the answer key: never graded, never packed, never
    /// overwritten by a hand-in.
    #[serde(default)]
    pub key: Option<String>,
    /// Per text file name, the code ids asked for on it.
    #[serde(default)]
    pub codes: BTreeMap<String, Vec<String>>,
    /// Per student, the hand-in collected last, keyed by the part of the file names their
    /// sidecars have in the class folder (`<doc>.<key>.annotations.ron`): the name's
    /// [`crate::coder::file_key`], or `<that>-<short id>` for a student kept apart from another
    /// with the same name. The grades name students by it.
    #[serde(default)]
    pub collected: BTreeMap<String, Collected>,
    /// Points per code and the scale of the grade.
    #[serde(default, skip_serializing_if = "Rubric::is_default")]
    pub rubric: Rubric,
    /// The teacher's comment per student (shown in their feedback and the gradebooks).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub comments: BTreeMap<String, String>,
}

impl ClassManifest {
    pub fn new() -> Self {
        Self {
            format: CLASS_FORMAT.to_owned(),
            version: VERSION,
            assignment: Uuid::new_v4(),
            title: String::new(),
            due: None,
            key: None,
            codes: BTreeMap::new(),
            collected: BTreeMap::new(),
            rubric: Rubric::default(),
            comments: BTreeMap::new(),
        }
    }
}

impl Default for ClassManifest {
    fn default() -> Self {
        Self::new()
    }
}

fn format_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Format, message)
}

/// Parses a manifest; `what` names it in the message.
fn parse_ron<T: serde::de::DeserializeOwned>(text: &str, path: &Path, what: &str) -> Result<T, Error> {
    crate::io::ron_options().from_str(text).map_err(|e| {
        let message = crate::io::unknown_field(&e.code)
            .unwrap_or_else(|| format!("is not a valid {what}: {}", crate::error::excerpt(&e.code.to_string(), 120)));
        format_error(message).in_file(path).at(e.span.start.line, e.span.start.col)
    })
}

fn check_format(path: &Path, format: &str, version: u32, expected: &str) -> Result<(), Error> {
    if format != expected {
        return Err(format_error(format!("is a \"{format}\" file, not a {expected} file"))
            .in_file(path)
            .hint("pass the file Marginalia made for this step"));
    }
    if version > VERSION {
        return Err(format_error(format!("is version {version}; this Marginalia reads up to version {VERSION}"))
            .in_file(path)
            .hint("update Marginalia"));
    }
    Ok(())
}

/// The class manifest of `folder`, `None` when it has none.
pub fn load_class(folder: &Path) -> Result<Option<ClassManifest>, Error> {
    let path = folder.join(CLASS_FILE);
    if crate::io::regular_metadata(&path, "cannot read the class manifest")?.is_none() {
        return Ok(None);
    }
    let text = read_text(&path, "cannot read the class manifest")?;
    let class: ClassManifest = parse_ron(&text, &path, "class manifest")?;
    check_format(&path, &class.format, class.version, CLASS_FORMAT)?;
    Ok(Some(class))
}

/// The class manifest of `folder`, or an error that says how to make one.
pub fn require_class(folder: &Path) -> Result<ClassManifest, Error> {
    load_class(folder)?.ok_or_else(|| {
        Error::usage(format!("{} has no {CLASS_FILE}", folder.display()))
            .hint("run `marginalia class pack` on the class folder first")
    })
}

/// Holds the class manifest's lock while it is read, changed and written back, so that two
/// commands on the same class folder (a `collect` and a `key`) never lose each other's change.
pub fn lock_class(folder: &Path) -> Result<crate::io::FileLock, Error> {
    crate::io::lock(&crate::io::resolve(&folder.join(CLASS_FILE))?)
}

pub fn save_class(folder: &Path, class: &ClassManifest) -> Result<(), Error> {
    crate::io::write_atomic(&folder.join(CLASS_FILE), crate::io::to_ron_pretty(class).as_bytes(), false).map(|_| ())
}

fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    let bytes = crate::io::read_regular(path, what)?;
    String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::Format, "is not UTF-8 text").in_file(path).hint("save it as UTF-8"))
}

/// Refuses a name that is not, as it stands, the part of a sidecar's file name
/// (`<doc>.<coder>.annotations.ron`) the grades find the answer key by: empty, with a dot, a
/// slash, a colon or control characters. Only the answer key's name is held to this; a
/// student's name is any name [`crate::coder::check_name`] accepts (hand-ins map it to a
/// file-name part with [`crate::coder::file_key`]).
pub fn check_coder(coder: &str) -> Result<(), Error> {
    let bad = coder.trim().is_empty()
        || coder.trim() != coder
        || coder.chars().any(|c| c.is_control() || matches!(c, '.' | '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'));
    if bad {
        return Err(Error::usage(format!("\"{}\" cannot be a coder name", crate::error::printable(coder)))
            .hint("use letters, digits, spaces, - or _ (no dots or slashes)"));
    }
    Ok(())
}

/// Sets which coder's sidecars are the answer key (making `class.ron` if there is none).
pub fn set_key(folder: &Path, coder: &str) -> Result<ClassManifest, Error> {
    check_coder(coder)?;
    let _lock = lock_class(folder)?;
    let mut class = load_class(folder)?.unwrap_or_default();
    class.key = Some(coder.to_owned());
    save_class(folder, &class)?;
    Ok(class)
}

/// Sets the rubric and the comments of a class folder's `class.ron`, under its lock, keeping
/// everything else as it is on disk (a `collect` may have run meanwhile). Returns the manifest
/// written.
pub fn set_rubric_and_comments(
    folder: &Path,
    rubric: &Rubric,
    comments: &BTreeMap<String, String>,
) -> Result<ClassManifest, Error> {
    let _lock = lock_class(folder)?;
    let mut class = require_class(folder)?;
    class.rubric = rubric.clone();
    class.comments = comments.iter().filter(|(_, c)| !c.trim().is_empty()).map(|(s, c)| (s.clone(), c.clone())).collect();
    save_class(folder, &class)?;
    Ok(class)
}

/// The answer key as a person of its own: its name (`key` in `class.ron`) and an id made from
/// the class's assignment id, the same on every computer. Marking as the key in the app codes
/// as this person, so the marks go into `<doc>.<key>.annotations.ron`, the key's sidecars.
pub fn key_person(class: &ClassManifest) -> Option<crate::coder::Coder> {
    let name = class.key.clone()?;
    Some(crate::coder::Coder { id: Uuid::new_v5(&class.assignment, b"answer key"), name })
}

/// Is this sidecar the answer key's: named `<doc>.<key>.annotations.ron`, or signed by the key?
pub fn is_key_sidecar(document: &Path, sidecar: &Path, coder: &str, key: &str) -> bool {
    crate::sidecar::coder_path(document, key) == sidecar || coder.trim() == key
}

/// Leaves the answer key's sidecars out of a loaded class folder (the key is not a coder:
/// exports and counts of the class must not hold it). Returns the key's name when its
/// `class.ron` names one and something was left out.
pub fn without_key(corpus: &mut crate::corpus::Corpus) -> Option<String> {
    let key = load_class(&corpus.root).ok().flatten()?.key?;
    let mut removed = false;
    for doc in &mut corpus.documents {
        let before = doc.sidecars.len();
        let path = doc.path.clone();
        doc.sidecars.retain(|s| !is_key_sidecar(&path, &s.path, &s.sidecar.coder, &key));
        removed |= doc.sidecars.len() != before;
    }
    removed.then_some(key)
}

/// Renames the coders of a read folder by `aliases` (real name -> pseudonym; names not in it
/// are kept, the answer key among them): every sidecar's coder and file name, every
/// annotation's and link's coder. Whatever is written from the folder afterwards (an export in
/// anonymous mode) then names no student.
pub fn anonymize_corpus(corpus: &mut crate::corpus::Corpus, aliases: &BTreeMap<String, String>) {
    if aliases.is_empty() {
        return;
    }
    for doc in &mut corpus.documents {
        let doc_name = doc.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for s in &mut doc.sidecars {
            // The student whose file it is, by its name (`<doc>.<student>.annotations.ron`),
            // else by the name it is signed with.
            let file = s.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let key =
                file.strip_prefix(&doc_name).and_then(|r| r.strip_prefix('.')).and_then(|r| r.strip_suffix(".annotations.ron"));
            let owner = key.and_then(|k| aliases.get(k)).or_else(|| aliases.get(&s.sidecar.coder)).cloned();
            if let Some(alias) = &owner {
                s.path = crate::sidecar::coder_path(&doc.path, alias);
            }
            let signed = s.sidecar.coder.clone();
            // The owner's own name, whatever it is, is theirs; other names as `aliases` says.
            let rename = |name: &mut String| match (aliases.get(name.as_str()), &owner) {
                (Some(alias), _) => *name = alias.clone(),
                (None, Some(alias)) if *name == signed => *name = alias.clone(),
                _ => {}
            };
            s.sidecar.annotations.iter_mut().for_each(|a| rename(&mut a.coder));
            s.sidecar.links.iter_mut().for_each(|l| rename(&mut l.coder));
            rename(&mut s.sidecar.coder);
        }
    }
}

/// Checks a due date: `YYYY-MM-DD` or an RFC 3339 time.
pub fn check_due(due: &str) -> Result<(), Error> {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(due, date).is_ok() || crate::annotation::is_rfc3339(due) {
        return Ok(());
    }
    Err(Error::usage(format!("--due \"{due}\" is not a date")).hint("write it as 2026-12-24 or 2026-12-24T18:00:00Z"))
}

/// A name that may be written into a folder: one plain file name without control or invisible
/// format characters, a text Marginalia opens.
fn is_plain_text_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':', '\0'])
        // A newline, an escape or a bidi control would hide or forge what a listing shows.
        && !name.chars().any(|c| c.is_control() || crate::coder::is_format_char(c))
        && Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| crate::corpus::DOCUMENT_EXTENSIONS.contains(&e.to_lowercase().as_str()))
}

/// The texts of a class folder, sorted by name: its documents but `instructions.md`.
pub fn texts_in(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut docs = crate::corpus::documents_in(folder)?;
    docs.retain(|d| d.file_name().is_none_or(|n| n != INSTRUCTIONS_FILE));
    Ok(docs)
}

/// What [`pack`] wrote.
#[derive(Debug, Clone)]
pub struct Packed {
    pub manifest: AssignmentManifest,
    pub path: PathBuf,
}

/// Packs the class folder's texts, codebook and instructions into one assignment package at
/// `out`. Never packs a sidecar (so never the answer key). The first pack gives the folder
/// its `class.ron` with a new assignment id; later packs keep it. `title` and `due` given here
/// are kept in `class.ron`.
pub fn pack(folder: &Path, out: &Path, title: Option<&str>, due: Option<&str>) -> Result<Packed, Error> {
    if let Some(due) = due {
        check_due(due)?;
    }
    let _lock = lock_class(folder)?;
    let mut class = load_class(folder)?.unwrap_or_default();
    if let Some(title) = title {
        class.title = title.to_owned();
    }
    if let Some(due) = due {
        class.due = Some(due.to_owned());
    }
    let docs = texts_in(folder)?;
    if docs.is_empty() {
        return Err(Error::usage(format!("{} holds no .txt or .md texts", folder.display()))
            .hint("put the texts of the assignment in the folder"));
    }
    let codebook_path = folder.join(CODEBOOK_FILE);
    let codebook = if codebook_path.exists() { Codebook::load(&codebook_path)? } else { Codebook::default() };
    let instructions_path = folder.join(INSTRUCTIONS_FILE);
    let instructions =
        if instructions_path.exists() { read_text(&instructions_path, "cannot read the instructions")? } else { String::new() };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .map(|n| n.strip_suffix(".marginalia-assignment").map(str::to_owned).unwrap_or(n))
        .unwrap_or_default();
    let mut documents = Vec::new();
    let mut texts = Vec::new();
    for path in &docs {
        let bytes = crate::io::read_regular(path, "cannot read the text")?;
        // Opening checks that the text decodes, as a student's app will need it to.
        Document::open(path)?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let codes = class.codes.get(&file_name).cloned().unwrap_or_default();
        if let Some(unknown) = codes.iter().find(|c| codebook.code(c).is_none()) {
            return Err(Error::usage(format!(
                "{CLASS_FILE} asks for the code \"{unknown}\" on {file_name}, which the codebook does not have"
            ))
            .in_file(&folder.join(CLASS_FILE))
            .hint("use code ids from the folder's codebook"));
        }
        documents.push(TextRef { file_name: file_name.clone(), fingerprint: fingerprint_of(&bytes), codes });
        texts.push((file_name, bytes));
    }
    let title = if class.title.trim().is_empty() { name.clone() } else { class.title.clone() };
    let roster = roster::Roster::load(folder)?.map(|r| r.names()).unwrap_or_default();
    let manifest = AssignmentManifest {
        format: ASSIGNMENT_FORMAT.to_owned(),
        version: VERSION,
        assignment: class.assignment,
        name,
        title,
        instructions,
        due: class.due.clone(),
        documents,
        roster,
    };
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        (MANIFEST.to_owned(), crate::io::to_ron_pretty(&manifest).into_bytes()),
        (CODEBOOK_FILE.to_owned(), codebook.to_ron().into_bytes()),
    ];
    entries.extend(texts.into_iter().map(|(n, b)| (format!("{TEXTS_DIR}/{n}"), b)));
    crate::io::write_atomic(out, &zip_bytes(&entries)?, false)?;
    save_class(folder, &class)?;
    Ok(Packed { manifest, path: out.to_path_buf() })
}

/// A zip archive of the entries, deflated, in the order given.
pub(crate) fn zip_bytes(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, Error> {
    let fail = |e: &dyn std::fmt::Display| format_error(format!("cannot build the zip archive: {e}"));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// Opens a package or hand-in through the zip guard.
pub(crate) fn open_archive(path: &Path, kind: &str) -> Result<Archive<Cursor<Vec<u8>>>, Error> {
    let bytes = crate::io::read_regular(path, "cannot read the file")?;
    Archive::open(Cursor::new(bytes), kind, "pass the file Marginalia made").map_err(|e| e.in_file(path))
}

/// Reads one named entry, `None` when there is none.
pub(crate) fn read_entry(
    archive: &mut Archive<Cursor<Vec<u8>>>,
    path: &Path,
    name: &str,
    cap: u64,
) -> Result<Option<Vec<u8>>, Error> {
    match archive.find(name) {
        Some(i) => archive.read(i, cap).map(Some).map_err(|e| e.in_file(path)),
        None => Ok(None),
    }
}

fn entry_text(bytes: Vec<u8>, path: &Path, name: &str) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|_| format_error(format!("its {name} is not UTF-8 text")).in_file(path))
}

/// Reads a package's manifest and checks it.
pub fn read_assignment(package: &Path) -> Result<AssignmentManifest, Error> {
    let mut archive = open_archive(package, "an assignment package (a zip archive)")?;
    read_assignment_from(&mut archive, package)
}

fn read_assignment_from(archive: &mut Archive<Cursor<Vec<u8>>>, package: &Path) -> Result<AssignmentManifest, Error> {
    let bytes = read_entry(archive, package, MANIFEST, SMALL_ENTRY)?
        .ok_or_else(|| format_error(format!("has no {MANIFEST}")).in_file(package).hint("pack the assignment again"))?;
    let manifest: AssignmentManifest = parse_ron(&entry_text(bytes, package, MANIFEST)?, package, "assignment manifest")?;
    check_format(package, &manifest.format, manifest.version, ASSIGNMENT_FORMAT)?;
    if let Some(bad) = manifest.documents.iter().find(|d| !is_plain_text_name(&d.file_name)) {
        return Err(format_error(format!(
            "names the text \"{}\", which is not a plain .txt or .md file name",
            crate::error::printable(&bad.file_name)
        ))
        .in_file(package)
        .hint("the file may be malicious; nothing was written"));
    }
    Ok(manifest)
}

/// Unpacks a package into `dest` (made if missing): the texts, `codebook.ron`,
/// `assignment.ron` and `instructions.md` when there are instructions. Nothing is written
/// when a file there already differs from the package's (a student's own work is never
/// overwritten; a file identical to the package's is left as it is). Sidecars are never
/// touched: a package holds none.
pub fn unpack(package: &Path, dest: &Path) -> Result<AssignmentManifest, Error> {
    let mut archive = open_archive(package, "an assignment package (a zip archive)")?;
    let manifest = read_assignment_from(&mut archive, package)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for doc in &manifest.documents {
        let entry = format!("{TEXTS_DIR}/{}", doc.file_name);
        let bytes = read_entry(&mut archive, package, &entry, LARGE_ENTRY)?
            .ok_or_else(|| format_error(format!("lacks {entry}, which its manifest lists")).in_file(package))?;
        if fingerprint_of(&bytes) != doc.fingerprint {
            return Err(format_error(format!("holds a {entry} that does not match its fingerprint in the manifest"))
                .in_file(package)
                .hint("the package is damaged; ask for it again"));
        }
        files.push((doc.file_name.clone(), bytes));
    }
    let codebook = read_entry(&mut archive, package, CODEBOOK_FILE, SMALL_ENTRY)?
        .ok_or_else(|| format_error(format!("has no {CODEBOOK_FILE}")).in_file(package))?;
    Codebook::from_ron(&entry_text(codebook.clone(), package, CODEBOOK_FILE)?).map_err(|e| e.in_file(package))?;
    files.push((CODEBOOK_FILE.to_owned(), codebook));
    files.push((ASSIGNMENT_FILE.to_owned(), crate::io::to_ron_pretty(&manifest).into_bytes()));
    if !manifest.instructions.trim().is_empty() {
        files.push((INSTRUCTIONS_FILE.to_owned(), manifest.instructions.clone().into_bytes()));
    }
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, "cannot make the folder", e))?;
    let mut to_write = Vec::new();
    let mut conflicts = Vec::new();
    for (name, bytes) in files {
        let target = dest.join(&name);
        match crate::io::regular_metadata(&target, "cannot read the file")? {
            None => to_write.push((target, bytes)),
            Some(_) if crate::io::read_regular(&target, "cannot read the file")? == bytes => {}
            Some(_) => conflicts.push(name),
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::new(
            ErrorKind::Io,
            format!("already holds {} that differ(s) from the assignment's; nothing was written", conflicts.join(", ")),
        )
        .in_file(dest)
        .hint("unpack into a new folder, or move those files away first"));
    }
    for (target, bytes) in to_write {
        crate::io::write_atomic(&target, &bytes, false)?;
    }
    Ok(manifest)
}

/// The assignment manifest of a student's folder.
pub fn folder_assignment(folder: &Path) -> Result<AssignmentManifest, Error> {
    let path = folder.join(ASSIGNMENT_FILE);
    if crate::io::regular_metadata(&path, "cannot read the assignment")?.is_none() {
        return Err(Error::usage(format!("{} has no {ASSIGNMENT_FILE}", folder.display()))
            .hint("pass the folder an assignment package was unpacked into (`marginalia class unpack`)"));
    }
    let manifest: AssignmentManifest = parse_ron(&read_text(&path, "cannot read the assignment")?, &path, "assignment manifest")?;
    check_format(&path, &manifest.format, manifest.version, ASSIGNMENT_FORMAT)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coder_names_that_would_break_a_sidecar_name_are_refused() {
        for good in ["ana", "Ana Lima", "student_7", "jean-luc"] {
            assert!(check_coder(good).is_ok(), "{good}");
        }
        for bad in ["", " ", "a.b", "../x", "a/b", "a\\b", " ana", "c:", "a\nb"] {
            assert!(check_coder(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_plain_text_names_may_be_unpacked() {
        assert!(is_plain_text_name("speech.txt") && is_plain_text_name("Letter.MD"));
        for bad in ["../speech.txt", "a/speech.txt", ".hidden.txt", "speech.exe", "speech.txt.annotations.ron", "c:x.txt"] {
            assert!(!is_plain_text_name(bad), "{bad}");
        }
    }

    #[test]
    fn an_anonymized_folder_names_students_by_pseudonym_and_keeps_the_key() {
        use crate::annotation::Annotation;
        use crate::document::Span;
        use crate::sidecar::{self, DocumentRef, Sidecar};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("speech.txt");
        std::fs::write(&path, "Taxes will fall. Vote on Sunday.\n").unwrap();
        let doc = Document::open(&path).unwrap();
        for coder in ["zoe", "anouk", "teacher"] {
            let a = Annotation::new(&doc, Span::new(0, 5), "prediction", coder);
            let doc_ref =
                DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
            let sidecar = Sidecar::new(doc_ref, coder, Codebook::default(), vec![a]);
            sidecar::save(&sidecar::coder_path(&path, coder), &sidecar, None).unwrap();
        }
        let mut corpus = crate::corpus::load(dir.path()).unwrap();
        let aliases = pseudonyms(&["zoe".to_owned(), "anouk".to_owned()]);
        anonymize_corpus(&mut corpus, &aliases);
        let mut seen: Vec<(String, String, String)> = corpus.documents[0]
            .sidecars
            .iter()
            .map(|s| {
                let file = s.path.file_name().unwrap().to_string_lossy().into_owned();
                (s.sidecar.coder.clone(), s.sidecar.annotations[0].coder.clone(), file)
            })
            .collect();
        seen.sort();
        let want = |c: &str| (c.to_owned(), c.to_owned(), format!("speech.txt.{c}.annotations.ron"));
        assert_eq!(seen, [want("Student A"), want("Student B"), want("teacher")]);
    }

    #[test]
    fn due_dates_are_dates_or_times() {
        assert!(check_due("2026-12-24").is_ok() && check_due("2026-12-24T18:00:00Z").is_ok());
        assert!(check_due("next friday").is_err() && check_due("2026-13-01").is_err());
    }
}
