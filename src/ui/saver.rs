//! Autosave off the UI thread: a worker thread runs [`SaveJob`]s and reports back.
//!
//! The UI sends a job (a snapshot of the sidecar) and keeps going; the worker writes it
//! atomically through the core and sends the result, which the UI shows in the status bar.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::session::SaveJob;
use crate::sidecar::DiskStamp;

/// How long after the last change a save starts (well within a second).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

pub struct SaveOutcome {
    pub revision: u64,
    pub result: Result<DiskStamp, Error>,
}

pub struct Saver {
    jobs: Sender<SaveJob>,
    results: Receiver<SaveOutcome>,
    /// The revision being saved, if a save is under way.
    pub in_flight: Option<u64>,
    pub last_saved_at: Option<String>,
    pub error: Option<Error>,
    /// When the session's revision last changed.
    pub changed_at: Option<Instant>,
    pub seen_revision: u64,
}

impl Default for Saver {
    fn default() -> Self {
        let (jobs, job_rx) = channel::<SaveJob>();
        let (result_tx, results) = channel();
        std::thread::Builder::new()
            .name("marginalia-save".into())
            .spawn(move || {
                while let Ok(mut job) = job_rx.recv() {
                    // Only the newest pending job matters.
                    while let Ok(newer) = job_rx.try_recv() {
                        job = newer;
                    }
                    let result = job.run();
                    if result_tx.send(SaveOutcome { revision: job.revision, result }).is_err() {
                        break;
                    }
                }
            })
            .expect("the save thread starts");
        Self { jobs, results, in_flight: None, last_saved_at: None, error: None, changed_at: None, seen_revision: 0 }
    }
}

impl Saver {
    pub fn submit(&mut self, job: SaveJob) {
        self.in_flight = Some(job.revision);
        if self.jobs.send(job).is_err() {
            self.in_flight = None;
            self.error = Some(Error::new(crate::error::ErrorKind::Cancelled, "the save thread stopped; use File > Save now"));
        }
    }

    pub fn poll(&mut self) -> Option<SaveOutcome> {
        let outcome = self.results.try_recv().ok()?;
        self.in_flight = None;
        Some(outcome)
    }

    /// Waits for the save under way (used on close).
    pub fn wait(&mut self, timeout: Duration) -> Option<SaveOutcome> {
        self.in_flight?;
        let outcome = self.results.recv_timeout(timeout).ok()?;
        self.in_flight = None;
        Some(outcome)
    }
}

/// The local time of day as HH:MM:SS, for "Saved 12:04:31".
pub fn clock() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(time::macros::format_description!("[hour]:[minute]:[second]")).unwrap_or_default()
}
