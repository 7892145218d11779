//! Hand-ins: a student's sidecars of one assignment in one file, and their collection into
//! the teacher's class folder.
//!
//! A hand-in carries the person: their name and, when it was made by the app (or by
//! `class handin --coder-id`), their id. Collection goes by the id: a hand-in with the id of
//! one collected before is the same student's and replaces it; a name alone never replaces
//! anyone's work. Two students with one name are both kept, the second under
//! `<name>-<short id>`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{
    ClassManifest, Collected, HANDIN_FORMAT, LARGE_ENTRY, MANIFEST, SMALL_ENTRY, TextRef, VERSION, check_format, entry_text,
    folder_assignment, open_archive, parse_ron, read_entry, require_class, save_class, zip_bytes,
};
use crate::coder::{self, Coder};
use crate::document::{Document, fingerprint_of};
use crate::error::Error;
use crate::sidecar::{self, Sidecar};

/// `manifest.ron` in a `.marginalia-handin` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandinManifest {
    pub format: String,
    pub version: u32,
    pub assignment: Uuid,
    /// The student's display name.
    pub coder: String,
    /// The student's id (see [`crate::coder`]). Absent in hand-ins made before ids and by
    /// `class handin` without `--coder-id`: those are told apart by name only, so they never
    /// replace anything collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coder_id: Option<Uuid>,
    /// When the hand-in was made (RFC 3339, UTC); of two hand-ins of the same person (same
    /// id), the newer wins.
    pub time: String,
    /// The texts as the student had them (all of the assignment's, annotated or not).
    pub documents: Vec<TextRef>,
}

/// The name of a sidecar of a text in a hand-in or a class folder: `<doc>.<key>.annotations.ron`.
fn sidecar_name(doc: &str, key: &str) -> String {
    format!("{doc}.{key}.annotations.ron")
}

/// `NAME-<coder>.marginalia-handin`, NAME being the assignment package's name; both are
/// passed through [`coder::file_key`], so the result is one file name whatever the names hold.
pub fn handin_file_name(assignment_name: &str, coder: &str) -> String {
    let name = if assignment_name.trim().is_empty() { "assignment".to_owned() } else { coder::file_key(assignment_name) };
    format!("{name}-{}.marginalia-handin", coder::file_key(coder))
}

/// Packs `coder`'s sidecars of the assignment unpacked in `folder` into one hand-in file:
/// `out`, else [`handin_file_name`] in the current folder. A text's sidecar is the one
/// [`coder::sidecar_for`] finds for the person (their id in its header, else their name in a
/// file made before ids). Other people's sidecars are never included, whatever their name.
/// Each is stored as `<doc>.<file key of the name>.annotations.ron` with the person's name
/// and id in its header; the manifest carries both. A name [`coder::check_name`] accepts is
/// never refused here (dots and slashes are mapped to file-name parts).
pub fn handin(folder: &Path, coder: &Coder, out: Option<&Path>, now: OffsetDateTime) -> Result<(PathBuf, HandinManifest), Error> {
    // The nil id is nobody's: a person without an id is known by name only.
    let id = (!coder.id.is_nil()).then_some(coder.id);
    pack_handin(folder, &coder.name, id, out, now)
}

/// As [`handin`], for a person known by name only (the command line without `--coder-id`):
/// a text's sidecar is the one whose header has that name (when several people of that name
/// have one, this is refused: their ids tell them apart). The hand-in carries no id, so at
/// collection it never replaces a hand-in collected before.
pub fn handin_by_name(
    folder: &Path,
    name: &str,
    out: Option<&Path>,
    now: OffsetDateTime,
) -> Result<(PathBuf, HandinManifest), Error> {
    pack_handin(folder, name, None, out, now)
}

fn pack_handin(
    folder: &Path,
    name: &str,
    id: Option<Uuid>,
    out: Option<&Path>,
    now: OffsetDateTime,
) -> Result<(PathBuf, HandinManifest), Error> {
    let name = coder::check_name(name)?;
    let key = coder::file_key(&name);
    let assignment = folder_assignment(folder)?;
    let mut documents = Vec::new();
    let mut entries = Vec::new();
    for text in &assignment.documents {
        let path = folder.join(&text.file_name);
        let doc = Document::open(&path)?;
        documents.push(TextRef {
            file_name: text.file_name.clone(),
            fingerprint: doc.fingerprint().to_owned(),
            codes: text.codes.clone(),
        });
        let found = match id {
            Some(id) => own_sidecar(&path, &Coder { id, name: name.clone() })?,
            None => named_sidecar(&path, &name)?,
        };
        let Some(mut sc) = found else { continue };
        sc.coder.clone_from(&name);
        sc.coder_id = id;
        entries.push((sidecar_name(&text.file_name, &key), sc.to_ron().into_bytes()));
    }
    if entries.is_empty() {
        return Err(Error::usage(format!("{} holds no annotations by \"{name}\"", folder.display()))
            .hint("annotate the texts first, and give the coder name you annotated under (see the sidecars' `coder` field)"));
    }
    let time = now.replace_nanosecond(0).unwrap_or(now).format(&Rfc3339).unwrap_or_default();
    let manifest = HandinManifest {
        format: HANDIN_FORMAT.to_owned(),
        version: VERSION,
        assignment: assignment.assignment,
        coder: name.clone(),
        coder_id: id,
        time,
        documents,
    };
    entries.insert(0, (MANIFEST.to_owned(), crate::io::to_ron_pretty(&manifest).into_bytes()));
    let out = out.map_or_else(|| PathBuf::from(handin_file_name(&assignment.name, &name)), Path::to_path_buf);
    crate::io::write_atomic(&out, &zip_bytes(&entries)?, false)?;
    Ok((out, manifest))
}

/// The person's sidecar of a text, if they have one.
fn own_sidecar(doc: &Path, coder: &Coder) -> Result<Option<Sidecar>, Error> {
    let path = coder::sidecar_for(doc, coder);
    match coder::owner_of(&path)? {
        Some(owner) if owner.is(coder) => Ok(sidecar::load(&path)?.map(|l| l.sidecar)),
        _ => Ok(None),
    }
}

/// The sidecar of a text whose header has `name`: the one with an id when there is one (a
/// file made before ids is that person's older file), else the one with the name's own file
/// name, else the first. Refused when people with different ids have that name.
fn named_sidecar(doc: &Path, name: &str) -> Result<Option<Sidecar>, Error> {
    let own_key_path = sidecar::coder_path(doc, &coder::file_key(name));
    let mut found: Vec<(PathBuf, Option<Uuid>)> = Vec::new();
    for path in sidecar::find_sidecars(doc) {
        match coder::owner_of(&path) {
            Ok(Some(owner)) if owner.name.trim() == name => found.push((path, owner.id)),
            Ok(_) => {}
            // A file of the name's own that cannot be read is never passed over silently.
            Err(e) if path == own_key_path => return Err(e),
            Err(_) => {}
        }
    }
    let mut ids: Vec<Uuid> = found.iter().filter_map(|(_, id)| *id).collect();
    ids.sort();
    ids.dedup();
    if ids.len() > 1 {
        return Err(Error::usage(format!("{} has sidecars of {} people named \"{name}\"", doc.display(), ids.len()))
            .hint("pass --coder-id with the id of the person whose work to hand in (the `coder_id` in their sidecar's header)"));
    }
    let chosen = found
        .iter()
        .find(|(_, id)| id.is_some())
        .or_else(|| found.iter().find(|(p, _)| *p == own_key_path))
        .or_else(|| found.first());
    match chosen {
        Some((path, _)) => Ok(sidecar::load(path)?.map(|l| l.sidecar)),
        None => Ok(None),
    }
}

/// What happened to one hand-in file in [`collect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectOutcome {
    /// Its sidecars were copied into the class folder, under the name's file key. `warning`:
    /// something for the teacher to check (a date in the future, a name that looks like
    /// another's).
    Collected { coder: String, files: Vec<PathBuf>, warning: Option<String> },
    /// A newer hand-in of a student collected before (the same id): its sidecars replaced
    /// theirs. `previous` is the hand-in collected before; `warning` as for `Collected`.
    Replaced { coder: String, files: Vec<PathBuf>, previous: Collected, warning: Option<String> },
    /// Collected under `key` (`<name key>-<short id>`, or `-<short fingerprint>` for a hand-in
    /// without an id) rather than its name's: the name's files are another student's (or, for
    /// a hand-in without an id, may be). `reason` says whose.
    KeptApart { coder: String, key: String, files: Vec<PathBuf>, reason: String },
    /// The same hand-in was collected before; nothing changed.
    AlreadyCollected { coder: String },
    /// Left out, with the reason.
    Skipped { reason: String },
}

impl CollectOutcome {
    /// Was the hand-in's work taken in (now or before)?
    pub fn is_collected(&self) -> bool {
        !matches!(self, Self::Skipped { .. })
    }

    /// Is there something for the teacher to look at: a hand-in kept apart, skipped, or
    /// collected with a warning?
    pub fn needs_attention(&self) -> bool {
        match self {
            Self::KeptApart { .. } | Self::Skipped { .. } => true,
            Self::Collected { warning, .. } | Self::Replaced { warning, .. } => warning.is_some(),
            Self::AlreadyCollected { .. } => false,
        }
    }
}

/// Copies each hand-in's sidecars into the class folder as `<doc>.<key>.annotations.ron`.
///
/// Whose work a hand-in is goes by its id, never by its name alone:
/// * a hand-in with the id of a student collected before is theirs: it replaces their
///   sidecars, under the key they were collected under, whatever name it gives now
///   ([`CollectOutcome::Replaced`]), unless it is one of the hand-ins that theirs replaced
///   before (known by fingerprint), or its date is plainly older than theirs. A date in the
///   future (a computer's clock set wrong) decides nothing: the hand-in collected later is
///   taken as the newer, and the teacher is told;
/// * else, the name's file key ([`coder::file_key`]) is used when no other student (nor the
///   answer key) has it; when one has, the hand-in is kept apart under
///   `<key>-<short id>` ([`CollectOutcome::KeptApart`]). A hand-in without an id is kept
///   apart the same way (under `<key>-<first 8 digits of its fingerprint>`) unless it is an
///   exact copy of one collected before ([`CollectOutcome::AlreadyCollected`]).
///
/// A hand-in is skipped, with its reason, when it is of another assignment, when its texts'
/// fingerprints differ from the class folder's, when its name is the answer key's, when it is
/// older than the same student's hand-in collected before, or when it would overwrite a
/// sidecar that no hand-in brought, or when one of its sidecars was made for another text than
/// the one it is handed in for. A name that looks like another student's or the key's (the
/// same letters but for case, width or letters of another script: [`coder::lookalike`]) is
/// collected with a warning. Returns one outcome per file, in the order given.
pub fn collect(class_folder: &Path, handins: &[PathBuf]) -> Result<Vec<(PathBuf, CollectOutcome)>, Error> {
    collect_at(class_folder, handins, OffsetDateTime::now_utc())
}

/// [`collect`], with `now` as the time the dates of hand-ins are checked against.
pub fn collect_at(
    class_folder: &Path,
    handins: &[PathBuf],
    now: OffsetDateTime,
) -> Result<Vec<(PathBuf, CollectOutcome)>, Error> {
    let _lock = super::lock_class(class_folder)?;
    let mut class = require_class(class_folder)?;
    let mut outcomes = Vec::new();
    for path in handins {
        let was = class.clone();
        let outcome = match collect_one(class_folder, &mut class, path, now) {
            Ok(outcome) => outcome,
            Err(mut e) => {
                // The file is named once, by the caller.
                if e.file.as_deref() == Some(path.as_path()) {
                    e.file = None;
                }
                CollectOutcome::Skipped { reason: e.to_string() }
            }
        };
        if class != was {
            save_class(class_folder, &class)?;
        }
        outcomes.push((path.clone(), outcome));
    }
    Ok(outcomes)
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// How far past the collecting computer's clock a hand-in's date may lie before it is taken
/// as made on a computer whose clock is wrong.
const CLOCK_SLACK: time::Duration = time::Duration::hours(1);

/// A hand-in read and checked: its manifest, its name, and its sidecars per text file name.
struct Incoming {
    manifest: HandinManifest,
    name: String,
    id: Option<Uuid>,
    time: OffsetDateTime,
    sidecars: Vec<(String, Vec<u8>)>,
    /// SHA-256 of the manifest's and the sidecars' bytes: equal for exact copies.
    fingerprint: String,
}

fn collect_one(
    class_folder: &Path,
    class: &mut ClassManifest,
    path: &Path,
    now: OffsetDateTime,
) -> Result<CollectOutcome, Error> {
    let incoming = match read_handin(class_folder, class, path)? {
        Ok(incoming) => incoming,
        Err(reason) => return Ok(CollectOutcome::Skipped { reason }),
    };
    let skip = |reason: String| Ok(CollectOutcome::Skipped { reason });
    let name = incoming.name.clone();
    let targets = |key: &str| -> Vec<PathBuf> {
        incoming.sidecars.iter().map(|(doc, _)| class_folder.join(sidecar_name(doc, key))).collect()
    };
    let same_on_disk = |key: &str| {
        incoming
            .sidecars
            .iter()
            .all(|(doc, bytes)| std::fs::read(class_folder.join(sidecar_name(doc, key))).is_ok_and(|on_disk| on_disk == *bytes))
    };
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut record = Collected {
        time: incoming.manifest.time.clone(),
        file,
        coder: name.clone(),
        coder_id: incoming.id,
        fingerprint: incoming.fingerprint.clone(),
        older: Vec::new(),
    };
    let future = |t: OffsetDateTime| t > now + CLOCK_SLACK;
    let dated_in_future = future(incoming.time).then(|| {
        format!(
            "it is dated {}, in the future: the clock of the computer it was made on is wrong, so its date says nothing",
            crate::error::printable(&incoming.manifest.time)
        )
    });

    // The same person, collected before: the later of their hand-ins wins, unless it is one
    // the collected one replaced, or plainly older.
    if let Some(id) = incoming.id
        && let Some((key, before)) = class.collected.iter().find(|(_, c)| c.coder_id == Some(id))
    {
        let (key, before) = (key.clone(), before.clone());
        if before.fingerprint == incoming.fingerprint {
            return Ok(CollectOutcome::AlreadyCollected { coder: name });
        }
        if before.older.contains(&incoming.fingerprint) {
            return skip(format!(
                "is older than the hand-in of the same student ({}) collected after it ({}), which replaced it",
                before.name(&key),
                before.file
            ));
        }
        let before_time = parse_time(&before.time);
        let mut warning = dated_in_future.clone();
        match before_time {
            Some(t) if future(t) => {
                warning = Some(format!(
                    "the hand-in of the same student collected before ({}) is dated {}, in the future, so dates cannot \
                     say which is newer: this one, collected later, replaced it",
                    before.file, before.time
                ));
            }
            Some(t) if t > incoming.time && warning.is_none() => {
                // Known as older from now on, whatever comes later.
                if let Some(c) = class.collected.get_mut(&key)
                    && !incoming.fingerprint.is_empty()
                {
                    c.older.push(incoming.fingerprint.clone());
                }
                return skip(format!(
                    "is older ({}) than the hand-in of the same student ({}) collected before ({})",
                    incoming.manifest.time,
                    before.name(&key),
                    before.time
                ));
            }
            Some(t) if t == incoming.time && before.fingerprint.is_empty() && same_on_disk(&key) => {
                return Ok(CollectOutcome::AlreadyCollected { coder: name });
            }
            _ => {}
        }
        let files = write_sidecars(&incoming, &targets(&key))?;
        record.older = before.older.clone();
        if !before.fingerprint.is_empty() {
            record.older.push(before.fingerprint.clone());
        }
        class.collected.insert(key, record);
        return Ok(CollectOutcome::Replaced { coder: name, files, previous: before, warning });
    }

    // A hand-in without an id given again: an exact copy of one collected before.
    let copy = class.collected.iter().find(|(key, c)| {
        c.coder_id == incoming.id && c.name(key) == name && c.time == incoming.manifest.time && same_on_disk(key)
    });
    if copy.is_some() {
        return Ok(CollectOutcome::AlreadyCollected { coder: name });
    }

    // Someone not collected before: under the name's key when it is nobody else's.
    let key = coder::file_key(&name);
    let Some(whose) = taken_by(class, &key) else {
        if let Some(existing) = targets(&key).into_iter().find(|p| p.exists()) {
            return skip(format!("would overwrite {}, which no hand-in brought", existing.display()));
        }
        let looks_like = looks_like(class, &name).map(|other| {
            format!(
                "its name looks like {other} (the same letters but for case, width, invisible characters or letters \
                 of another script): check whether they are two students"
            )
        });
        let warning = match (dated_in_future, looks_like) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let files = write_sidecars(&incoming, &targets(&key))?;
        class.collected.insert(key, record);
        return Ok(CollectOutcome::Collected { coder: name, files, warning });
    };
    let apart = match incoming.id {
        Some(id) => format!("{key}-{}", coder::short_id(id)),
        None => format!("{key}-{}", &incoming.fingerprint[..8]),
    };
    if let Some(also) = taken_by(class, &apart) {
        return skip(format!("has the name of {whose}, and cannot be kept apart as {apart}: that is {also}"));
    }
    if let Some(existing) = targets(&apart).into_iter().find(|p| p.exists()) {
        return skip(format!(
            "has the name of {whose}, and cannot be kept apart as {apart}: it would overwrite {}, which no hand-in brought",
            existing.display()
        ));
    }
    let reason = match incoming.id {
        _ if matches!(whose, Taken::AnswerKey(_)) => {
            format!("its name makes the same file names as {whose}'s: kept apart as {apart}")
        }
        Some(_) => format!("same name as another student's hand-in ({whose}): kept apart as {apart}"),
        None => format!(
            "same name as another student's hand-in ({whose}), and it carries no id to tell whether it is the same \
             student: kept apart as {apart}"
        ),
    };
    let files = write_sidecars(&incoming, &targets(&apart))?;
    class.collected.insert(apart.clone(), record);
    Ok(CollectOutcome::KeptApart { coder: name, key: apart, files, reason })
}

/// Who has a file key in the class folder already.
enum Taken {
    /// The answer key, by its name.
    AnswerKey(String),
    /// A student collected before: their name and the hand-in's file.
    Student { name: String, file: String },
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AnswerKey(name) => write!(f, "the answer key (\"{name}\")"),
            Self::Student { name, file } => write!(f, "\"{name}\", collected from {file}"),
        }
    }
}

/// Who in the class has a name that looks like `name` without being it: the answer key, or
/// a student collected before ([`coder::lookalike`]).
fn looks_like(class: &ClassManifest, name: &str) -> Option<Taken> {
    let skeleton = coder::lookalike(name);
    if let Some(answer_key) = class.key.as_deref()
        && answer_key != name
        && coder::lookalike(answer_key) == skeleton
    {
        return Some(Taken::AnswerKey(answer_key.to_owned()));
    }
    class
        .collected
        .iter()
        .find(|(k, c)| c.name(k) != name && coder::lookalike(c.name(k)) == skeleton)
        .map(|(k, c)| Taken::Student { name: crate::error::printable(c.name(k)).into_owned(), file: c.file.clone() })
}

/// Who has the file key `key` in the class folder (compared without case, as some file
/// systems do): the answer key, or a student collected before. `None` when it is free.
fn taken_by(class: &ClassManifest, key: &str) -> Option<Taken> {
    let lower = key.to_lowercase();
    if let Some(answer_key) = class.key.as_deref()
        && (answer_key.to_lowercase() == lower || coder::file_key(answer_key).to_lowercase() == lower)
    {
        return Some(Taken::AnswerKey(answer_key.to_owned()));
    }
    class
        .collected
        .iter()
        .find(|(k, _)| k.to_lowercase() == lower)
        .map(|(k, c)| Taken::Student { name: c.name(k).to_owned(), file: c.file.clone() })
}

fn write_sidecars(incoming: &Incoming, targets: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for ((_, bytes), target) in incoming.sidecars.iter().zip(targets) {
        crate::io::write_atomic(target, bytes, false)?;
        files.push(target.clone());
    }
    Ok(files)
}

/// The `format` field of a package's manifest, read without the rest: tells an assignment
/// package from a hand-in before either is read in full.
fn format_of(manifest: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Format {
        format: String,
    }
    ron::from_str::<Format>(manifest).ok().map(|f| f.format)
}

/// Why a sidecar handed in for `doc` was made for another text, or `None` when it is
/// `doc`'s: its header names another file and fingerprint, or none of its annotations can be
/// found in `doc`.
fn made_for_another_text(sidecar: &Sidecar, doc: &Document) -> Option<String> {
    if sidecar.document.fingerprint == doc.fingerprint() {
        return None;
    }
    let header = format!(
        "was made for another text (\"{}\", fingerprint {}…)",
        crate::document::excerpt(&sidecar.document.file_name, crate::document::QUOTE_CHARS),
        sidecar.document.fingerprint.chars().take(12).collect::<String>()
    );
    if sidecar.document.file_name != doc.file_name() {
        return Some(header);
    }
    let mut annotations = sidecar.annotations.clone();
    let report = crate::anchor::reanchor_all(doc, &mut annotations);
    (!annotations.is_empty() && report.anchored + report.reanchored == 0)
        .then(|| format!("{header}: none of its {} annotations can be found in this text", annotations.len()))
}

/// Reads a hand-in and checks it against the class: `Ok(Err(reason))` when it is to be
/// skipped for a reason of the class (another assignment, changed texts, the key's name).
fn read_handin(class_folder: &Path, class: &ClassManifest, path: &Path) -> Result<Result<Incoming, String>, Error> {
    let mut archive = open_archive(path, "a hand-in (a zip archive)")?;
    let manifest_bytes = read_entry(&mut archive, path, MANIFEST, SMALL_ENTRY)?
        .ok_or_else(|| Error::new(crate::error::ErrorKind::Format, format!("has no {MANIFEST}")).in_file(path))?;
    let manifest_text = entry_text(manifest_bytes.clone(), path, MANIFEST)?;
    if format_of(&manifest_text).as_deref() == Some(super::ASSIGNMENT_FORMAT) {
        return Err(Error::new(
            crate::error::ErrorKind::Format,
            "is an assignment package (what students open to do the work), not a hand-in",
        )
        .in_file(path)
        .hint("collect the .marginalia-handin files students send back"));
    }
    let manifest: HandinManifest = parse_ron(&manifest_text, path, "hand-in manifest")?;
    check_format(path, &manifest.format, manifest.version, HANDIN_FORMAT)?;
    let name = coder::check_name(&manifest.coder)?;
    let id = manifest.coder_id.filter(|id| !id.is_nil());
    if manifest.assignment != class.assignment {
        return Ok(Err(format!("is a hand-in of another assignment ({}), not {}", manifest.assignment, class.assignment)));
    }
    if class.key.as_deref().map(str::trim) == Some(name.as_str()) {
        return Ok(Err(format!("is by \"{name}\", the name of the answer key")));
    }
    let Some(time) = parse_time(&manifest.time) else {
        return Ok(Err(format!("has a time that is not RFC 3339: \"{}\"", manifest.time)));
    };
    let key = coder::file_key(&name);
    let mut sidecars = Vec::new();
    let mut all_bytes = manifest_bytes;
    for text in &manifest.documents {
        if !super::is_plain_text_name(&text.file_name) {
            return Ok(Err(format!(
                "names the text \"{}\", which is not a plain file name",
                crate::error::printable(&text.file_name)
            )));
        }
        let doc_path = class_folder.join(&text.file_name);
        if !doc_path.is_file() {
            return Ok(Err(format!("is for the text {}, which the class folder does not have", text.file_name)));
        }
        let doc = Document::open(&doc_path)?;
        if doc.fingerprint() != text.fingerprint {
            return Ok(Err(format!(
                "was made on a {} that differs from the class folder's (fingerprint {}…)",
                text.file_name,
                &text.fingerprint.get(..12).unwrap_or("")
            )));
        }
        // Hand-ins made before names were mapped to file-name parts name the entry by the
        // name itself.
        let mut entry = sidecar_name(&text.file_name, &key);
        let mut bytes = read_entry(&mut archive, path, &entry, LARGE_ENTRY)?;
        if bytes.is_none() && key != name {
            entry = sidecar_name(&text.file_name, &name);
            bytes = read_entry(&mut archive, path, &entry, LARGE_ENTRY)?;
        }
        if let Some(bytes) = bytes {
            let text_ron = entry_text(bytes.clone(), path, &entry)?;
            let sidecar = Sidecar::from_ron(&text_ron, Path::new(&entry)).map_err(|e| e.in_file(path))?;
            if let Some(why) = made_for_another_text(&sidecar, &doc) {
                return Ok(Err(format!("holds a sidecar for {} ({entry}) that {why}", text.file_name)));
            }
            all_bytes.extend_from_slice(&bytes);
            sidecars.push((text.file_name.clone(), bytes));
        }
    }
    let fingerprint = fingerprint_of(&all_bytes);
    Ok(Ok(Incoming { manifest, name, id, time, sidecars, fingerprint }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_in_is_named_by_file_name_parts_of_the_package_and_the_name() {
        assert_eq!(handin_file_name("week1", "ana"), "week1-ana.marginalia-handin");
        assert_eq!(handin_file_name("week.1", "ana.lima"), "week-1-ana-lima.marginalia-handin");
        assert_eq!(handin_file_name("../../etc", "../7/b"), "etc-7-b.marginalia-handin");
        assert_eq!(handin_file_name(" ", "Ana Lima"), "assignment-Ana Lima.marginalia-handin");
    }

    #[test]
    fn a_file_key_is_taken_by_the_answer_key_and_by_students_whatever_the_case() {
        let mut class = ClassManifest::new();
        class.key = Some("teacher".into());
        let old = Collected {
            time: "2026-12-01T10:00:00Z".into(),
            file: "w-ana.marginalia-handin".into(),
            coder: String::new(),
            coder_id: None,
            fingerprint: String::new(),
            older: Vec::new(),
        };
        class.collected.insert("ana".into(), old);
        assert!(matches!(taken_by(&class, "Teacher"), Some(Taken::AnswerKey(_))));
        assert!(matches!(taken_by(&class, "ANA"), Some(Taken::Student { name, .. }) if name == "ana"));
        assert!(taken_by(&class, "ana-lima").is_none());
    }
}
