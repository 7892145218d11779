//! When to autosave the open document, and what the status bar says about it.
//!
//! The saver never writes: it tells the app when a save is due (a short pause after the last
//! change, longer after an error), the app hands the save to the background worker, and the
//! worker's answer comes back through [`Saver::finished`].

use std::time::{Duration, Instant};

use crate::error::Error;

/// How long after the last change a save starts (well within a second).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// After a failed save, how long until the next try (nothing is lost meanwhile).
pub const RETRY: Duration = Duration::from_secs(3);

/// What [`Saver::due`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing to do.
    No,
    /// Save now.
    Now,
    /// Ask again after this long.
    After(Duration),
}

#[derive(Default)]
pub struct Saver {
    /// The revision being saved, if a save is under way.
    in_flight: Option<u64>,
    last_saved_at: Option<String>,
    error: Option<Error>,
    /// When the session's revision last changed.
    changed_at: Option<Instant>,
    seen_revision: u64,
}

impl Saver {
    /// Starts over for a newly opened (or reloaded) document at `revision`.
    pub fn reset(&mut self, revision: u64, dirty: bool) {
        *self = Self { seen_revision: revision, changed_at: dirty.then(Instant::now), ..Self::default() };
    }

    /// Is a save due for a session at `revision`? `dirty`: it has unsaved changes; `held`: it
    /// must not be saved now (the file changed on disk and the user has not chosen).
    pub fn due(&mut self, revision: u64, dirty: bool, held: bool) -> Due {
        if revision != self.seen_revision {
            self.seen_revision = revision;
            self.changed_at = Some(Instant::now());
        }
        if !dirty || held || self.in_flight.is_some() {
            return Due::No;
        }
        let since = self.changed_at.map_or(DEBOUNCE, |t| t.elapsed());
        let wait = if self.error.is_some() { RETRY } else { DEBOUNCE };
        if since >= wait { Due::Now } else { Due::After(wait - since) }
    }

    /// A save of `revision` was handed to the worker.
    pub fn started(&mut self, revision: u64) {
        self.in_flight = Some(revision);
        self.changed_at = Some(Instant::now());
    }

    /// The worker answered; `Ok` carries the time of day to show.
    pub fn finished(&mut self, result: Result<(), Error>) {
        self.in_flight = None;
        match result {
            Ok(()) => {
                self.last_saved_at = Some(clock());
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The save was settled another way (a conflict the user must resolve, or "keep mine").
    pub fn settled(&mut self, saved: bool) {
        self.in_flight = None;
        if saved {
            self.last_saved_at = Some(clock());
            self.error = None;
        }
    }

    pub fn is_saving(&self) -> bool {
        self.in_flight.is_some()
    }

    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// "12:04:31" when the last save finished, in this session.
    pub fn last_saved_at(&self) -> Option<&str> {
        self.last_saved_at.as_deref()
    }
}

/// The local time of day as HH:MM:SS, for "Saved 12:04:31".
pub fn clock() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(time::macros::format_description!("[hour]:[minute]:[second]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_waits_for_a_pause_and_one_at_a_time() {
        let mut s = Saver::default();
        s.reset(0, false);
        assert_eq!(s.due(0, false, false), Due::No, "nothing changed");
        assert!(matches!(s.due(1, true, false), Due::After(_)), "just changed: wait for a pause");
        std::thread::sleep(DEBOUNCE);
        assert_eq!(s.due(1, true, false), Due::Now);
        assert_eq!(s.due(1, true, true), Due::No, "held while the file changed on disk");
        s.started(1);
        assert_eq!(s.due(2, true, false), Due::No, "one save at a time");
        assert!(s.is_saving());
        s.finished(Err(Error::usage("disk full")));
        assert!(s.error().is_some() && !s.is_saving());
        assert!(matches!(s.due(2, true, false), Due::After(d) if d > DEBOUNCE), "after an error, retry later");
        s.finished(Ok(()));
        assert!(s.error().is_none() && s.last_saved_at().is_some());
    }
}
