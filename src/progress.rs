//! Progress and cancelling of long jobs (exports): a [`Ticker`] counts the annotations written,
//! reports them to a callback now and then, and turns a `false` from it into a
//! [`ErrorKind::Cancelled`] error. It knows nothing of formats, so every writer can use it.

use crate::error::{Error, ErrorKind};

/// How often, in annotations, a long export reports progress (and can be cancelled) within a
/// document.
pub const PROGRESS_EVERY: usize = 1000;

/// The error of an export stopped by its caller.
pub fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the export was cancelled; nothing was written")
}

/// Counts the annotations an export has written and reports them: every [`PROGRESS_EVERY`]
/// annotations and at the end of each document. A `false` from the callback is a cancel.
pub struct Ticker<P> {
    progress: P,
    done: usize,
    total: usize,
    reported: usize,
}

impl<P: FnMut(usize, usize) -> bool> Ticker<P> {
    /// A ticker for a job of `total` annotations.
    pub fn new(total: usize, progress: P) -> Self {
        Self { progress, done: 0, total, reported: 0 }
    }

    /// The number of annotations the job writes.
    pub fn total(&self) -> usize {
        self.total
    }

    /// One more annotation written.
    pub fn annotation(&mut self) -> Result<(), Error> {
        self.done += 1;
        if self.done - self.reported >= PROGRESS_EVERY { self.report() } else { Ok(()) }
    }

    /// `n` more annotations written (formats that prepare a document at once).
    pub fn annotations(&mut self, n: usize) {
        self.done += n;
    }

    /// Reports where the export stands (call after each document).
    pub fn report(&mut self) -> Result<(), Error> {
        self.reported = self.done;
        if (self.progress)(self.done, self.total) { Ok(()) } else { Err(cancelled()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_reported_every_so_often_and_false_cancels() {
        let mut seen = Vec::new();
        let mut ticker = Ticker::new(2 * PROGRESS_EVERY + 5, |done, total| {
            seen.push((done, total));
            done < 2 * PROGRESS_EVERY
        });
        for _ in 0..PROGRESS_EVERY {
            ticker.annotation().unwrap();
        }
        for _ in 1..PROGRESS_EVERY {
            ticker.annotation().unwrap();
        }
        let err = ticker.annotation().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cancelled, "a cancel is not a usage error");
        assert_eq!(seen, [(PROGRESS_EVERY, 2 * PROGRESS_EVERY + 5), (2 * PROGRESS_EVERY, 2 * PROGRESS_EVERY + 5)]);
    }
}
