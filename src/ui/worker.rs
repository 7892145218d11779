//! The app's background worker for disk work: saving sidecars (the document's and the gold
//! one), writing codebooks, variables and other documents' sidecars, reading a codebook, the
//! sidecar on disk or the coders to compare, checking whether the sidecar changed on disk,
//! Keep mine and Reload theirs, assignments and hand-ins, grading a class for its dashboard (with
//! progress) and writing its rubric, feedback pages and gradebooks, writing the settings, and
//! exports.
//! The UI thread sends a [`Job`] and keeps drawing; a [`Done`] comes back for each (and
//! [`Done::Progress`] while an export runs), which the app takes in at the start of a frame.
//!
//! Jobs run in two lanes, each a thread: short file work (saves, writes, reads of one file, the
//! check for changes on disk) in the order it came, and long jobs (exports, grading, folder-wide
//! tagging, reading every coder to compare, collecting hand-ins) in theirs. So a save never
//! waits behind an export; and a long job starts only once every short job sent before it has
//! finished, so it sees on disk what was saved before it was asked for.
//!
//! Two reads that can take seconds run on threads of their own instead, so that a save never
//! queues behind them: opening a document (see `state::Opening`, which can be cancelled) and
//! reading an opened folder ([`super::folder_load`]). Queries on a folder already read
//! (Retrieve, the code matrix, Find in folder) touch no disk; they run beside the frame on a
//! short-lived thread each, because on a large corpus they can take longer than a frame.
//!
//! Nothing here decides anything: every job calls the core, and its result goes back as a value.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use super::class_view::{DashboardDone, DashboardJob, Loaded};
use super::compare::{self, Candidate, CompareView};
use super::settings::Settings;
use super::state::ExportRequest;
use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::document::Document;
use crate::error::Error;
use crate::export;
use crate::session::{SaveJob, Session};
use crate::sidecar::DiskStamp;

/// Which session a save belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTarget {
    /// The open document's sidecar.
    Document,
    /// The compare view's gold sidecar.
    Gold,
}

/// Work for the background thread.
pub enum Job {
    /// A sidecar save (boxed: it is much larger than the other jobs).
    Save {
        target: SaveTarget,
        job: Box<SaveJob>,
    },
    /// Writes a file atomically; `done` is the message for success.
    Write {
        path: PathBuf,
        bytes: Vec<u8>,
        backup: bool,
        done: String,
    },
    Export(ExportRequest),
    /// Applies changes to a folder's variables file under its lock (none: only reads it).
    Variables {
        folder: PathBuf,
        edits: Vec<crate::vars::VarEdit>,
        said: Option<String>,
    },
    /// Codes spans of documents (path, fingerprint of the text searched, spans) with a code,
    /// one auto-code step per document, each saved under its sidecar's lock.
    CodeSpans {
        documents: Vec<(PathBuf, String, Vec<crate::document::Span>)>,
        code: String,
        coder: crate::coder::Coder,
    },
    /// Takes a [`Job::CodeSpans`] back: deletes exactly these annotations (by id) from each
    /// document's sidecar, under its lock.
    UncodeSpans {
        documents: Vec<(PathBuf, Vec<uuid::Uuid>)>,
        coder: crate::coder::Coder,
    },
    /// Imports a CSV table into a folder's variables file under its lock.
    ImportVariables {
        folder: PathBuf,
        csv: PathBuf,
        documents: Vec<String>,
    },
    /// Reads the annotations of a sidecar (the conflict dialog's "View both").
    ReadSidecar(PathBuf),
    /// Reads a codebook file (.ron, or REFI-QDA .qdc).
    ReadCodebook(PathBuf),
    /// Has a sidecar changed on disk since it looked like `expected`?
    CheckSidecar {
        path: PathBuf,
        expected: Option<DiskStamp>,
    },
    /// Reads every coder's sidecar beside a document and computes their agreement, for the
    /// compare view.
    OpenCompare(Arc<Document>),
    /// Reads sidecars to offer in the compare view: these, or (None) the ones beside the
    /// document that are not in `known`.
    ReadCoders {
        doc: Arc<Document>,
        paths: Option<Vec<PathBuf>>,
        known: Vec<PathBuf>,
    },
    /// Reads the sidecar on disk into a session of the open document ("Reload theirs").
    Reload {
        doc: Box<Document>,
        path: PathBuf,
        coder: String,
    },
    /// Copies the changed sidecar on disk aside ("Keep mine"), before the session is saved
    /// over it.
    KeepTheirsAside(PathBuf),
    /// A class's disk work: unpacking an assignment, handing in, collecting hand-ins.
    Class(super::assignment::AssignmentJob),
    /// Relabels a person's sidecars in these folders with a new name (see [`crate::coder::rename`]).
    RenameCoder {
        folders: Vec<PathBuf>,
        person: crate::coder::Coder,
        name: String,
        /// The open document and its sidecar, read again once relabelled.
        reread: Option<(Box<Document>, PathBuf)>,
    },
    /// Names the answer key of a class folder (see [`crate::class::set_key`]).
    NameKey {
        folder: PathBuf,
        name: String,
    },
    /// Writes the app's settings.
    SaveSettings {
        settings: Box<Settings>,
        path: PathBuf,
    },
    /// The class dashboard's disk work (see [`super::class_view`]).
    Dashboard(super::class_view::DashboardJob),
}

/// What the background thread reports.
pub enum Done {
    /// The answer key was named: the class folder and its manifest as written.
    KeyNamed {
        folder: PathBuf,
        result: Result<crate::class::ClassManifest, Error>,
    },
    /// A person's sidecars were relabelled: their name before and after, and the files.
    CoderRenamed {
        before: String,
        after: String,
        result: Result<Vec<crate::coder::Relabelled>, Error>,
        /// The open document's sidecar as relabelled.
        reread: Option<Result<Box<Session>, Error>>,
    },
    Saved {
        target: SaveTarget,
        path: PathBuf,
        revision: u64,
        result: Result<DiskStamp, Error>,
    },
    /// A file was written: the message to show, or why not.
    Wrote(Result<String, Error>),
    /// An export's progress: annotations written, of how many.
    Progress {
        done: usize,
        total: usize,
    },
    Exported(Result<export::Summary, Error>),
    /// For each document coded: the ids of the annotations added, or why none.
    CodedSpans(Vec<(PathBuf, Result<Vec<uuid::Uuid>, Error>)>),
    /// For each document whose tagging was taken back: how many annotations were deleted, or
    /// why none.
    UncodedSpans(Vec<(PathBuf, Result<usize, Error>)>),
    /// A folder's variables file as read or written, and what to say about it.
    Variables {
        folder: PathBuf,
        result: Result<crate::vars::Variables, Error>,
        said: Option<String>,
    },
    SidecarRead(Result<Vec<Annotation>, Error>),
    CodebookRead(Result<Codebook, Error>),
    /// Whether the sidecar changed on disk (false when it could not be checked).
    SidecarChecked {
        path: PathBuf,
        changed: bool,
    },
    /// The compare view, with its coders read and its figures computed.
    CompareReady {
        view: Box<CompareView>,
        /// The gold sidecar, read at the same time.
        gold: Result<Box<Session>, Error>,
    },
    CodersRead {
        /// The document they were read for.
        document: Option<PathBuf>,
        found: Vec<Candidate>,
        /// Named by the user (Add) rather than found beside the document (Rescan).
        added: bool,
    },
    Reloaded(Result<Box<Session>, Error>),
    /// Where the copy of theirs is, and what the file on disk looked like.
    TheirsKeptAside(Result<(PathBuf, DiskStamp), Error>),
    SettingsSaved(Result<(), Error>),
    /// What the class dashboard's jobs report.
    Dashboard(super::class_view::DashboardDone),
    Class(Box<super::assignment::AssignmentDone>),
}

impl Done {
    /// Does this message end a job (rather than report progress)?
    fn ends_job(&self) -> bool {
        !matches!(self, Done::Progress { .. } | Done::Dashboard(super::class_view::DashboardDone::Progress { .. }))
    }
}

/// Does `job` go to the lane of long jobs (it can take seconds)?
fn is_long(job: &Job) -> bool {
    matches!(
        job,
        Job::Export(_)
            | Job::Dashboard(_)
            | Job::Class(_)
            | Job::CodeSpans { .. }
            | Job::UncodeSpans { .. }
            | Job::ImportVariables { .. }
            | Job::OpenCompare(_)
            | Job::ReadCoders { .. }
    )
}

/// How many short jobs have finished (`u64::MAX` once their lane has stopped), and a signal
/// when that changes.
type Finished = Arc<(std::sync::Mutex<u64>, std::sync::Condvar)>;

pub struct Worker {
    short: Sender<Job>,
    /// Long jobs, each with how many short jobs must have finished before it starts.
    long: Sender<(u64, Job)>,
    /// Short jobs sent so far.
    short_sent: u64,
    done: Receiver<Done>,
    /// Jobs sent and not reported yet.
    pending: usize,
    /// Set to stop the export under way (checked between annotations).
    cancel: Arc<AtomicBool>,
}

impl Default for Worker {
    fn default() -> Self {
        let (short, short_rx) = channel::<Job>();
        let (long, long_rx) = channel::<(u64, Job)>();
        let (done_tx, done) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let finished: Finished = Arc::new((std::sync::Mutex::new(0), std::sync::Condvar::new()));
        let (stop, tx, count) = (Arc::clone(&cancel), done_tx.clone(), Arc::clone(&finished));
        std::thread::Builder::new()
            .name("marginalia-disk".into())
            .spawn(move || {
                let set = |n: Option<u64>| {
                    let (lock, signal) = &*count;
                    let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                    *done = n.map_or(u64::MAX, |n| done.saturating_add(n));
                    signal.notify_all();
                };
                while let Ok(job) = short_rx.recv() {
                    let done = run(job, &stop, &tx);
                    set(Some(1));
                    if tx.send(done).is_err() {
                        break;
                    }
                }
                set(None);
            })
            .expect("the disk thread starts");
        let stop = Arc::clone(&cancel);
        std::thread::Builder::new()
            .name("marginalia-long".into())
            .spawn(move || {
                while let Ok((after, job)) = long_rx.recv() {
                    let (lock, signal) = &*finished;
                    let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    drop(signal.wait_while(guard, |done| *done < after).unwrap_or_else(|e| e.into_inner()));
                    if done_tx.send(run(job, &stop, &done_tx)).is_err() {
                        break;
                    }
                }
            })
            .expect("the thread for long jobs starts");
        Self { short, long, short_sent: 0, done, pending: 0, cancel }
    }
}

impl Worker {
    pub fn submit(&mut self, job: Job) -> Result<(), Error> {
        if matches!(job, Job::Export(_)) {
            self.cancel.store(false, Ordering::Relaxed);
        }
        let sent = if is_long(&job) {
            self.long.send((self.short_sent, job)).is_ok()
        } else {
            self.short_sent += 1;
            self.short.send(job).is_ok()
        };
        if !sent {
            return Err(Error::new(crate::error::ErrorKind::Cancelled, "the background thread stopped; restart Marginalia"));
        }
        self.pending += 1;
        Ok(())
    }

    /// The next message, if one has come.
    pub fn poll(&mut self) -> Option<Done> {
        let done = self.done.try_recv().ok()?;
        if done.ends_job() {
            self.pending = self.pending.saturating_sub(1);
        }
        Some(done)
    }

    /// Waits up to `timeout` for the next message (used on close, when the window must not go
    /// before what was typed is on disk).
    pub fn wait(&mut self, timeout: Duration) -> Option<Done> {
        if self.pending == 0 {
            return None;
        }
        let deadline = Instant::now() + timeout;
        let done = match self.done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(done) => done,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        if done.ends_job() {
            self.pending = self.pending.saturating_sub(1);
        }
        Some(done)
    }

    /// Is any job not reported yet?
    pub fn busy(&self) -> bool {
        self.pending > 0
    }

    /// Asks the export under way to stop; it reports itself cancelled.
    pub fn cancel_export(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Runs one of the dashboard's jobs (on the worker thread).
fn run_dashboard_job(job: DashboardJob, progress: &Sender<Done>) -> Done {
    let done = match job {
        DashboardJob::Read { root, store, known } => {
            let result = super::pseudonym_store::read_class(&root, store.as_deref(), &known);
            DashboardDone::Read { root, result }
        }
        DashboardJob::Grade(root) => {
            let result = crate::class::grade_scores(&root, &mut |done, total| {
                let _ = progress.send(Done::Dashboard(DashboardDone::Progress { root: root.clone(), done, total }));
                true
            })
            .map(|graded| Box::new(Loaded::new(root.clone(), graded)));
            DashboardDone::Graded { root, result }
        }
        DashboardJob::OpenPair { document, student, key, aliases } => {
            let gold = super::compare::open_gold(&document).map(Box::new);
            let mut view = CompareView::new(document);
            view.set_aliases(aliases);
            view.focus_pair(&student, &key);
            view.recompute();
            return Done::CompareReady { view: Box::new(view), gold };
        }
        DashboardJob::Save { root, rubric, comments, revision } => {
            let result = crate::class::set_rubric_and_comments(&root, &rubric, &comments);
            DashboardDone::Saved { root, revision, result }
        }
        DashboardJob::Feedback { root, out, aliases } => {
            let result = crate::class::grade_scores(&root, &mut |_, _| true)
                .and_then(|g| crate::class::feedback::write_feedback_pages_as(&g, &out, None, aliases.as_ref()))
                .map(|files| format!("Wrote {} feedback page(s) to {}.", files.len(), out.display()));
            DashboardDone::Wrote(result)
        }
        DashboardJob::Write { path, text } => {
            let result = crate::io::write_atomic(&path, text.as_bytes(), false).map(|_| format!("Wrote {}.", path.display()));
            DashboardDone::Wrote(result)
        }
    };
    Done::Dashboard(done)
}

/// Runs one job on the background thread.
fn run(job: Job, cancel: &AtomicBool, progress: &Sender<Done>) -> Done {
    match job {
        Job::Save { target, job } => Done::Saved { target, path: job.path.clone(), revision: job.revision, result: job.run() },
        Job::Write { path, bytes, backup, done } => {
            let existed = backup && path.exists();
            Done::Wrote(crate::sidecar::write_atomic(&path, &bytes, backup).map(|_| {
                if existed {
                    format!("{done} The previous one is kept as {}.", crate::sidecar::backup_path(&path).display())
                } else {
                    done
                }
            }))
        }
        Job::Variables { folder, edits, said } => {
            let result = if edits.is_empty() {
                crate::vars::load(&folder)
            } else {
                crate::vars::update(&folder, |vars| {
                    for edit in &edits {
                        edit.apply(vars)?;
                    }
                    Ok(vars.clone())
                })
            };
            Done::Variables { folder, result, said }
        }
        Job::CodeSpans { documents, code, coder } => Done::CodedSpans(
            documents
                .into_iter()
                .map(|(path, fingerprint, spans)| {
                    let result = crate::autocode::code_spans(&path, &fingerprint, &spans, &code, &coder);
                    (path, result)
                })
                .collect(),
        ),
        Job::UncodeSpans { documents, coder } => Done::UncodedSpans(
            documents
                .into_iter()
                .map(|(path, ids)| {
                    let result = crate::autocode::uncode(&path, &ids, &coder);
                    (path, result)
                })
                .collect(),
        ),
        Job::ImportVariables { folder, csv, documents } => {
            let result = crate::io::read_regular(&csv, "cannot read the table").and_then(|bytes| {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Error::new(crate::error::ErrorKind::Format, "is not UTF-8 text").in_file(&csv).hint("save it as UTF-8")
                })?;
                crate::vars::update(&folder, |vars| {
                    let report = crate::vars::import_csv(vars, &text, &csv, &Default::default(), &documents)?;
                    Ok((report, vars.clone()))
                })
            });
            match result {
                Ok((report, vars)) => Done::Variables {
                    folder,
                    result: Ok(vars),
                    said: Some(format!(
                        "Imported {} value(s) of {} variable(s) for {} document(s).",
                        report.values,
                        report.variables.len(),
                        report.documents
                    )),
                },
                Err(e) => Done::Variables { folder, result: Err(e), said: None },
            }
        }
        Job::Export(request) => {
            let last = AtomicUsize::new(usize::MAX);
            let result = crate::corpus::load(&request.source).and_then(|mut corpus| {
                // A class's answer key is not a coder: exports leave it out, and say so.
                let key = crate::class::without_key(&mut corpus);
                crate::class::anonymize_corpus(&mut corpus, &request.aliases);
                export::write(&corpus, request.format, &request.options, &request.out, &|n, of| {
                    // A message per percent is plenty for a progress bar.
                    let step = (of / 100).max(1);
                    if n == of || n / step != last.load(Ordering::Relaxed) / step {
                        last.store(n, Ordering::Relaxed);
                        let _ = progress.send(Done::Progress { done: n, total: of });
                    }
                    !cancel.load(Ordering::Relaxed)
                })
                .map(|mut summary| {
                    if let Some(key) = key {
                        summary.notes.push(format!("The answer key ({key}) is not a coder and was left out."));
                    }
                    summary
                })
            });
            Done::Exported(result)
        }
        Job::ReadSidecar(path) => {
            Done::SidecarRead(crate::sidecar::load(&path).map(|l| l.map(|l| l.sidecar.annotations).unwrap_or_default()))
        }
        Job::CheckSidecar { path, expected } => {
            let changed = crate::sidecar::changed_on_disk(&path, expected.as_ref()).unwrap_or(false);
            Done::SidecarChecked { path, changed }
        }
        Job::SaveSettings { settings, path } => Done::SettingsSaved(settings.save(&path)),
        Job::NameKey { folder, name } => Done::KeyNamed { result: crate::class::set_key(&folder, &name), folder },
        Job::RenameCoder { folders, person, name, reread } => {
            let mut relabelled = Vec::new();
            let result = folders
                .iter()
                .try_for_each(|folder| crate::coder::rename(folder, &person, &name).map(|done| relabelled.extend(done)))
                .map(|()| relabelled);
            let reread = reread.map(|(doc, path)| Session::with_document(*doc, path, &name).map(Box::new));
            Done::CoderRenamed { before: person.name, after: name, result, reread }
        }
        Job::Class(job) => Done::Class(Box::new(super::assignment::run(job))),
        Job::OpenCompare(doc) => {
            let gold = compare::open_gold(&doc).map(Box::new);
            let mut view = CompareView::new(doc);
            view.recompute();
            Done::CompareReady { view: Box::new(view), gold }
        }
        Job::Dashboard(job) => run_dashboard_job(job, progress),
        Job::ReadCoders { doc, paths, known } => {
            let added = paths.is_some();
            let found = compare::read_candidates(&doc, paths, &known);
            Done::CodersRead { document: doc.path().map(PathBuf::from), found, added }
        }
        Job::Reload { doc, path, coder } => Done::Reloaded(Session::with_document(*doc, path, &coder).map(Box::new)),
        Job::KeepTheirsAside(path) => Done::TheirsKeptAside(crate::session::keep_theirs_aside(&path)),
        Job::ReadCodebook(path) => {
            let qdc = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("qdc"));
            Done::CodebookRead(if qdc { crate::refi::qdc::import_file(&path).map(|i| i.codebook) } else { Codebook::load(&path) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(worker: &mut Worker) -> Done {
        worker.wait(Duration::from_secs(10)).expect("the worker answers")
    }

    #[test]
    fn jobs_are_answered_in_order_and_a_replaced_file_keeps_its_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.ron");
        let mut worker = Worker::default();
        for text in ["first", "second"] {
            let job = Job::Write { path: path.clone(), bytes: text.into(), backup: true, done: format!("Wrote {text}.") };
            worker.submit(job).unwrap();
        }
        worker.submit(Job::ReadCodebook(dir.path().join("missing.ron"))).unwrap();
        assert!(worker.busy());
        let Done::Wrote(Ok(first)) = next(&mut worker) else { panic!("the first write is answered first") };
        assert_eq!(first, "Wrote first.");
        let Done::Wrote(Ok(second)) = next(&mut worker) else { panic!("then the second") };
        assert!(second.starts_with("Wrote second. The previous one is kept as"), "{second}");
        assert!(matches!(next(&mut worker), Done::CodebookRead(Err(_))), "a missing file is an error, not a hang");
        assert!(!worker.busy());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(std::fs::read_to_string(crate::sidecar::backup_path(&path)).unwrap(), "first");
    }
}
