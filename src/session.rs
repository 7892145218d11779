//! One open document with its sidecar: what the GUI and the CLI both work on.
//!
//! Opening decodes the document, loads and validates the sidecar (or starts a new one with the
//! folder's codebook), and re-anchors annotations when the text changed. Saving goes through
//! [`crate::sidecar::save`], so it is atomic and never overwrites someone else's changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::anchor::{AnchorReport, reanchor_all};
use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::Document;
use crate::edits::{Action, Edits};
use crate::error::{Error, ErrorKind};
use crate::sidecar::{self, DiskStamp, DocumentRef, Sidecar};

/// The codebook file that, in a folder, applies to every new sidecar of the documents in it.
pub const FOLDER_CODEBOOK: &str = "codebook.ron";

/// The coder name used when none is given: `MARGINALIA_CODER`, else the login name, else
/// "anonymous". The CLI and the app agree on it.
pub fn default_coder() -> String {
    std::env::var("MARGINALIA_CODER")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.trim().is_empty()))
        .or_else(|| std::env::var("USERNAME").ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "anonymous".to_owned())
}

pub struct Session {
    pub doc: Document,
    pub edits: Edits,
    pub sidecar_path: PathBuf,
    /// The coder whose name new annotations carry.
    pub coder: String,
    /// The coder named in the sidecar file (the first to save it).
    pub sidecar_coder: String,
    /// The id of the person the sidecar belongs to (see [`crate::coder`]); `None` in a file
    /// made before ids or by the command line, which keeps it as it is.
    pub sidecar_coder_id: Option<uuid::Uuid>,
    /// What re-anchoring found when the session was opened.
    pub report: AnchorReport,
    /// False when no sidecar existed yet.
    pub had_sidecar: bool,
    stamp: Option<DiskStamp>,
    saved_revision: u64,
    /// The sidecar on disk describes an older text (or the annotations moved): save soon.
    stale_on_disk: bool,
}

/// Copies a sidecar that changed on disk to a `.theirs-<time>.ron` beside it (the first half
/// of "Keep mine"). Returns the copy's path and what the file looked like when copied.
pub fn keep_theirs_aside(sidecar_path: &Path) -> Result<(PathBuf, DiskStamp), Error> {
    let theirs = std::fs::read(sidecar_path).map_err(|e| Error::io(sidecar_path, "cannot read the changed sidecar", e))?;
    let copy = conflict_copy_path(sidecar_path);
    crate::io::write_atomic(&copy, &theirs, false)?;
    Ok((copy, DiskStamp::of_bytes(&theirs, std::fs::metadata(sidecar_path).ok().as_ref())))
}

/// The codebook that a new sidecar of `document` starts with: the folder's `codebook.ron` if
/// there is one, else the built-in "Claims" codebook.
pub fn codebook_for(document: &Path) -> Result<Codebook, Error> {
    let folder = document.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let candidate = folder.join(FOLDER_CODEBOOK);
    // Anything by that name is read (a pipe or a folder is refused with a message, not skipped).
    if std::fs::symlink_metadata(&candidate).is_ok() { Codebook::load(&candidate) } else { Ok(Codebook::default()) }
}

impl Session {
    /// Opens a document and its sidecar (`sidecar` overrides the default path).
    pub fn open(document: &Path, sidecar: Option<&Path>, coder: &str) -> Result<Self, Error> {
        let doc = Document::open(document)?;
        let sidecar_path = sidecar.map(Path::to_path_buf).unwrap_or_else(|| sidecar::default_path(document));
        Self::with_document(doc, sidecar_path, coder)
    }

    /// Opens a document with `coder`'s own sidecar ([`crate::coder::sidecar_for`]): the work
    /// shown and saved is theirs alone, and the file's header carries their name and id.
    pub fn open_as(document: &Path, coder: &crate::coder::Coder) -> Result<Self, Error> {
        let doc = Document::open(document)?;
        let sidecar_path = crate::coder::sidecar_for(document, coder);
        let mut session = Self::with_document(doc, sidecar_path, &coder.name)?;
        session.claim(coder);
        Ok(session)
    }

    /// Makes the open sidecar `coder`'s: their name and id go into its header with the next
    /// save (a file made before ids, or one of theirs written under an older name). Opening
    /// alone writes nothing.
    pub fn claim(&mut self, coder: &crate::coder::Coder) {
        self.coder.clone_from(&coder.name);
        self.sidecar_coder.clone_from(&coder.name);
        self.sidecar_coder_id = Some(coder.id);
    }

    /// Opens the sidecar at `sidecar_path` for an already decoded document.
    pub fn with_document(doc: Document, sidecar_path: PathBuf, coder: &str) -> Result<Self, Error> {
        sidecar::remove_stale_temporaries(&sidecar_path, sidecar::STALE_TEMPORARY_AGE);
        let loaded = sidecar::load(&sidecar_path)?;
        let Some(loaded) = loaded else {
            let codebook = match doc.path() {
                Some(p) => codebook_for(p)?,
                None => Codebook::default(),
            };
            return Ok(Self {
                doc,
                edits: Edits::new(codebook, vec![]),
                sidecar_path,
                coder: coder.to_owned(),
                sidecar_coder: coder.to_owned(),
                sidecar_coder_id: None,
                report: AnchorReport::default(),
                had_sidecar: false,
                stamp: None,
                saved_revision: 0,
                stale_on_disk: false,
            });
        };
        let Sidecar {
            document: doc_ref,
            coder: sidecar_coder,
            coder_id: sidecar_coder_id,
            codebook,
            mut annotations,
            done,
            links,
            ..
        } = loaded.sidecar;
        let same_text = doc_ref.fingerprint == doc.fingerprint();
        let report = reanchor_all(&doc, &mut annotations);
        if !same_text && !annotations.is_empty() && report.orphaned == annotations.len() && doc_ref.file_name != doc.file_name() {
            return Err(Error::new(
                ErrorKind::Sidecar,
                format!(
                    "belongs to another text (\"{}\", fingerprint {}…): none of its {} annotations can be found in {}",
                    crate::document::excerpt(&doc_ref.file_name, crate::document::QUOTE_CHARS),
                    doc_ref.fingerprint.chars().take(12).collect::<String>(),
                    annotations.len(),
                    doc.file_name()
                ),
            )
            .in_file(&sidecar_path)
            .hint("open it with the document it was made for, or pass another sidecar with --sidecar"));
        }
        let stale_on_disk = !same_text || report.reanchored > 0;
        Ok(Self {
            doc,
            // Re-anchoring keeps ids, so every link still joins the same two annotations.
            edits: Edits::new(codebook, annotations).with_done(done).with_links(links),
            sidecar_path,
            coder: coder.to_owned(),
            sidecar_coder,
            sidecar_coder_id,
            report,
            had_sidecar: true,
            stamp: Some(loaded.stamp),
            saved_revision: 0,
            stale_on_disk,
        })
    }

    pub fn apply(&mut self, action: Action) -> Result<(), Error> {
        self.edits.apply(&self.doc, action)
    }
    pub fn undo(&mut self) -> bool {
        self.edits.undo()
    }
    pub fn redo(&mut self) -> bool {
        self.edits.redo()
    }

    /// Are there changes the file on disk does not have?
    pub fn is_dirty(&self) -> bool {
        self.edits.revision() != self.saved_revision || self.stale_on_disk
    }

    /// The sidecar as it would be written now.
    pub fn to_sidecar(&self) -> Sidecar {
        let mut sidecar = self.sidecar_header();
        sidecar.annotations = self.edits.annotations().iter().map(|a| (**a).clone()).collect();
        sidecar
    }

    /// Everything in the sidecar but its annotations.
    fn sidecar_header(&self) -> Sidecar {
        let mut sidecar = Sidecar::new(
            DocumentRef {
                file_name: self.doc.file_name(),
                fingerprint: self.doc.fingerprint().to_owned(),
                length: self.doc.len_chars(),
            },
            &self.sidecar_coder,
            self.edits.codebook().clone(),
            Vec::new(),
        );
        sidecar.coder_id = self.sidecar_coder_id;
        sidecar.done = self.edits.done();
        sidecar.links = self.edits.links().to_vec();
        sidecar
    }

    /// Everything a background thread needs to save. Cheap: the annotations are shared, not
    /// copied, so taking it on the UI thread costs well under a millisecond per 10,000.
    pub fn save_job(&self) -> SaveJob {
        SaveJob {
            path: self.sidecar_path.clone(),
            header: self.sidecar_header(),
            annotations: self.edits.annotations().to_vec(),
            expected: self.stamp.clone(),
            revision: self.edits.revision(),
        }
    }

    /// Records the outcome of a save made with [`Self::save_job`].
    pub fn finish_save(&mut self, revision: u64, stamp: DiskStamp) {
        self.stamp = Some(stamp);
        self.saved_revision = revision;
        self.stale_on_disk = false;
        self.had_sidecar = true;
    }

    /// Saves now, on this thread.
    pub fn save(&mut self) -> Result<(), Error> {
        let job = self.save_job();
        let stamp = job.run()?;
        self.finish_save(job.revision, stamp);
        Ok(())
    }

    /// What the sidecar looked like when this session last read or wrote it (None: it had
    /// no sidecar), for a check run elsewhere (the app runs it off the UI thread).
    pub fn disk_stamp(&self) -> Option<&DiskStamp> {
        self.stamp.as_ref()
    }

    /// Has the sidecar changed on disk since this session last read or wrote it?
    pub fn changed_on_disk(&self) -> Result<bool, Error> {
        sidecar::changed_on_disk(&self.sidecar_path, self.stamp.as_ref())
    }

    /// Replaces this session's annotations with the sidecar on disk ("reload theirs").
    pub fn reload(&mut self) -> Result<(), Error> {
        let fresh = Session::with_document(self.doc.clone(), self.sidecar_path.clone(), &self.coder)?;
        self.take_reloaded(fresh);
        Ok(())
    }

    /// Takes in a session of the same document read from disk again (the app reads it off the
    /// UI thread): its annotations replace these, as one step that can be undone.
    pub fn take_reloaded(&mut self, fresh: Session) {
        let Session { edits, stamp, report, sidecar_coder, sidecar_coder_id, stale_on_disk, had_sidecar, .. } = fresh;
        self.sidecar_coder_id = self.sidecar_coder_id.or(sidecar_coder_id);
        self.edits.replace_with(edits);
        self.stamp = stamp;
        self.report = report;
        self.sidecar_coder = sidecar_coder;
        self.stale_on_disk = stale_on_disk;
        self.had_sidecar = had_sidecar;
        self.saved_revision = self.edits.revision();
    }

    /// "Keep mine": copies the file on disk to a `.theirs-<time>.ron` beside it, then saves
    /// this session over it. Returns the copy's path.
    pub fn keep_mine(&mut self) -> Result<PathBuf, Error> {
        let (copy, stamp) = keep_theirs_aside(&self.sidecar_path)?;
        self.accept_disk_stamp(stamp);
        self.save()?;
        Ok(copy)
    }

    /// The file on disk now looks like `stamp` and may be saved over (its content was kept
    /// elsewhere, see [`keep_theirs_aside`]).
    pub fn accept_disk_stamp(&mut self, stamp: DiskStamp) {
        self.stamp = Some(stamp);
    }

    pub fn orphan_count(&self) -> usize {
        self.edits.orphan_count()
    }
}

/// A save to run anywhere (the GUI runs it off the UI thread).
#[derive(Debug, Clone)]
pub struct SaveJob {
    pub path: PathBuf,
    /// The sidecar without its annotations.
    pub header: Sidecar,
    pub annotations: Vec<Arc<Annotation>>,
    pub expected: Option<DiskStamp>,
    pub revision: u64,
}

impl SaveJob {
    pub fn run(&self) -> Result<DiskStamp, Error> {
        sidecar::save_parts(&self.path, &self.header, &self.annotations, self.expected.as_ref())
    }
}

/// `speech.txt.annotations.ron` → `speech.txt.annotations.theirs-20261122T101500.ron`.
pub fn conflict_copy_path(path: &Path) -> PathBuf {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]"))
        .unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let base = name.strip_suffix(".ron").unwrap_or(&name);
    path.with_file_name(format!("{base}.theirs-{stamp}.ron"))
}
