//! Hand-ins: a student's sidecars of one assignment in one file, and their collection into
//! the teacher's class folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{
    ClassManifest, Collected, HANDIN_FORMAT, LARGE_ENTRY, MANIFEST, SMALL_ENTRY, TextRef, VERSION, check_coder, check_format,
    entry_text, folder_assignment, open_archive, parse_ron, read_entry, require_class, save_class, zip_bytes,
};
use crate::document::Document;
use crate::error::Error;
use crate::sidecar::{self, Sidecar};

/// `manifest.ron` in a `.marginalia-handin` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandinManifest {
    pub format: String,
    pub version: u32,
    pub assignment: Uuid,
    pub coder: String,
    /// When the hand-in was made (RFC 3339, UTC); the newest hand-in of a coder wins.
    pub time: String,
    /// The texts as the student had them (all of the assignment's, annotated or not).
    pub documents: Vec<TextRef>,
}

/// The name of a coder's sidecar of a text: `<doc>.<coder>.annotations.ron`.
fn sidecar_name(doc: &str, coder: &str) -> String {
    format!("{doc}.{coder}.annotations.ron")
}

/// `NAME-<coder>.marginalia-handin`, NAME being the assignment package's name.
pub fn handin_file_name(assignment_name: &str, coder: &str) -> String {
    let name = if assignment_name.trim().is_empty() { "assignment" } else { assignment_name };
    format!("{name}-{coder}.marginalia-handin")
}

/// Packs `coder`'s sidecars of the assignment unpacked in `folder` into one hand-in file:
/// `out`, else [`handin_file_name`] in the current folder. A text's sidecar is the coder's own
/// (`<doc>.<coder>.annotations.ron`), else the default one (`<doc>.annotations.ron`) when the
/// coder wrote it. Other coders' sidecars are never included. Each is stored under the
/// coder's name, with its `coder` field set to it.
pub fn handin(folder: &Path, coder: &str, out: Option<&Path>, now: OffsetDateTime) -> Result<(PathBuf, HandinManifest), Error> {
    check_coder(coder)?;
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
        let Some(mut sc) = coder_sidecar(&path, coder)? else { continue };
        sc.coder = coder.to_owned();
        entries.push((sidecar_name(&text.file_name, coder), sc.to_ron().into_bytes()));
    }
    if entries.is_empty() {
        return Err(Error::usage(format!("{} holds no annotations by \"{coder}\"", folder.display()))
            .hint("annotate the texts first, and give the coder name you annotated under (see the sidecars' `coder` field)"));
    }
    let time = now.replace_nanosecond(0).unwrap_or(now).format(&Rfc3339).unwrap_or_default();
    let manifest = HandinManifest {
        format: HANDIN_FORMAT.to_owned(),
        version: VERSION,
        assignment: assignment.assignment,
        coder: coder.to_owned(),
        time,
        documents,
    };
    entries.insert(0, (MANIFEST.to_owned(), crate::io::to_ron_pretty(&manifest).into_bytes()));
    let out = out.map_or_else(|| PathBuf::from(handin_file_name(&assignment.name, coder)), Path::to_path_buf);
    crate::io::write_atomic(&out, &zip_bytes(&entries)?, false)?;
    Ok((out, manifest))
}

/// The coder's sidecar of a text, if they have one.
fn coder_sidecar(doc: &Path, coder: &str) -> Result<Option<Sidecar>, Error> {
    if let Some(loaded) = sidecar::load(&sidecar::coder_path(doc, coder))? {
        return Ok(Some(loaded.sidecar));
    }
    Ok(sidecar::load(&sidecar::default_path(doc))?.map(|l| l.sidecar).filter(|sc| sc.coder.trim() == coder))
}

/// What happened to one hand-in file in [`collect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectOutcome {
    /// Its sidecars were copied into the class folder.
    Collected { coder: String, files: Vec<PathBuf> },
    /// The same hand-in was collected before; nothing changed.
    AlreadyCollected { coder: String },
    /// Left out, with the reason.
    Skipped { reason: String },
}

/// Copies each hand-in's sidecars into the class folder as `<doc>.<coder>.annotations.ron`.
/// A hand-in is skipped, with its reason, when it is of another assignment, when its texts'
/// fingerprints differ from the class folder's, when its coder is the answer key, when it is
/// older than the coder's hand-in collected before, or when it would overwrite a sidecar that
/// no hand-in brought. Returns one outcome per file, in the order given.
pub fn collect(class_folder: &Path, handins: &[PathBuf]) -> Result<Vec<(PathBuf, CollectOutcome)>, Error> {
    let _lock = super::lock_class(class_folder)?;
    let mut class = require_class(class_folder)?;
    let mut outcomes = Vec::new();
    for path in handins {
        let outcome = match collect_one(class_folder, &mut class, path) {
            Ok(outcome) => outcome,
            Err(mut e) => {
                // The file is named once, by the caller.
                if e.file.as_deref() == Some(path.as_path()) {
                    e.file = None;
                }
                CollectOutcome::Skipped { reason: e.to_string() }
            }
        };
        if matches!(outcome, CollectOutcome::Collected { .. }) {
            save_class(class_folder, &class)?;
        }
        outcomes.push((path.clone(), outcome));
    }
    Ok(outcomes)
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn collect_one(class_folder: &Path, class: &mut ClassManifest, path: &Path) -> Result<CollectOutcome, Error> {
    let skip = |reason: String| Ok(CollectOutcome::Skipped { reason });
    let mut archive = open_archive(path, "a hand-in (a zip archive)")?;
    let bytes = read_entry(&mut archive, path, MANIFEST, SMALL_ENTRY)?
        .ok_or_else(|| Error::new(crate::error::ErrorKind::Format, format!("has no {MANIFEST}")).in_file(path))?;
    let manifest: HandinManifest = parse_ron(&entry_text(bytes, path, MANIFEST)?, path, "hand-in manifest")?;
    check_format(path, &manifest.format, manifest.version, HANDIN_FORMAT)?;
    check_coder(&manifest.coder)?;
    let coder = manifest.coder.clone();
    if manifest.assignment != class.assignment {
        return skip(format!("is a hand-in of another assignment ({}), not {}", manifest.assignment, class.assignment));
    }
    if class.key.as_deref() == Some(coder.as_str()) {
        return skip(format!("is by \"{coder}\", the name of the answer key"));
    }
    let Some(time) = parse_time(&manifest.time) else {
        return skip(format!("has a time that is not RFC 3339: \"{}\"", manifest.time));
    };
    let mut sidecars = Vec::new();
    for text in &manifest.documents {
        if !super::is_plain_text_name(&text.file_name) {
            return skip(format!(
                "names the text \"{}\", which is not a plain file name",
                crate::error::printable(&text.file_name)
            ));
        }
        let doc_path = class_folder.join(&text.file_name);
        if !doc_path.is_file() {
            return skip(format!("is for the text {}, which the class folder does not have", text.file_name));
        }
        let doc = Document::open(&doc_path)?;
        if doc.fingerprint() != text.fingerprint {
            return skip(format!(
                "was made on a {} that differs from the class folder's (fingerprint {}…)",
                text.file_name,
                &text.fingerprint.get(..12).unwrap_or("")
            ));
        }
        let name = sidecar_name(&text.file_name, &coder);
        if let Some(bytes) = read_entry(&mut archive, path, &name, LARGE_ENTRY)? {
            let text_ron = entry_text(bytes.clone(), path, &name)?;
            Sidecar::from_ron(&text_ron, Path::new(&name)).map_err(|e| e.in_file(path))?;
            sidecars.push((class_folder.join(&name), bytes));
        }
    }
    if let Some(before) = class.collected.get(&coder) {
        match parse_time(&before.time) {
            Some(t) if t > time => {
                return skip(format!("is older ({}) than {}'s hand-in collected before ({})", manifest.time, coder, before.time));
            }
            Some(t) if t == time => {
                let same = sidecars.iter().all(|(p, b)| std::fs::read(p).is_ok_and(|on_disk| on_disk == *b));
                if same {
                    return Ok(CollectOutcome::AlreadyCollected { coder });
                }
            }
            _ => {}
        }
    } else if let Some((existing, _)) = sidecars.iter().find(|(p, _)| p.exists()) {
        return skip(format!("would overwrite {}, which no hand-in brought", existing.display()));
    }
    let mut files = Vec::new();
    for (target, bytes) in sidecars {
        crate::io::write_atomic(&target, &bytes, false)?;
        files.push(target);
    }
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    class.collected.insert(coder.clone(), Collected { time: manifest.time.clone(), file });
    Ok(CollectOutcome::Collected { coder, files })
}
