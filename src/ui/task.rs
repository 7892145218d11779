//! Work beside the frames: a view that needs something computed (a matrix, passages, the
//! matches of a search across a folder) describes the work as a [`Task`] and hands it to the
//! app as a command; the app starts it on a thread of its own (see `App::start_task`), and the
//! view keeps the [`Pending`] result, which it polls in each frame. Views never start threads.

use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Duration;

/// The work of a task: run once, by whoever takes it first.
type Work = std::sync::Arc<std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>>;

/// Work to run beside the frames: a name (the thread's) and the work, which sends its result
/// to the [`Pending`] made with it. A copy shares the work, which runs once.
#[derive(Clone)]
pub struct Task {
    pub name: &'static str,
    work: Work,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Task({})", self.name)
    }
}

impl PartialEq for Task {
    /// The same task: copies of one (they share its work).
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.work, &other.work)
    }
}

/// The result of a [`Task`] to come.
pub struct Pending<T> {
    result: Receiver<T>,
}

/// A task computing `work`, and where its result will come.
pub fn task<T: Send + 'static>(name: &'static str, work: impl FnOnce() -> T + Send + 'static) -> (Task, Pending<T>) {
    let (tx, result) = channel();
    let work: Box<dyn FnOnce() + Send> = Box::new(move || {
        // The view may have gone meanwhile: nobody waits for the result then.
        let _ = tx.send(work());
    });
    (Task { name, work: std::sync::Arc::new(std::sync::Mutex::new(Some(work))) }, Pending { result })
}

impl<T> Pending<T> {
    /// The result, once it came: `Err` when the task ended without one (its thread stopped or
    /// could not start). While it is still running, asks for another frame soon.
    pub fn poll(&self, ctx: &egui::Context) -> Option<Result<T, String>> {
        match self.result.try_recv() {
            Ok(value) => Some(Ok(value)),
            Err(TryRecvError::Empty) => {
                ctx.request_repaint_after(Duration::from_millis(50));
                None
            }
            Err(TryRecvError::Disconnected) => Some(Err("it stopped without an answer".to_owned())),
        }
    }
}

impl<T> Pending<T> {
    /// Waits for the result (opening a document before the first frame, and in tests).
    pub fn wait(self) -> Result<T, String> {
        self.result.recv().map_err(|_| "it stopped without an answer".to_owned())
    }
}

/// Starts a task on a thread of its own. Only the app calls this.
pub(super) fn start(task: Task) {
    let Some(work) = task.work.lock().unwrap_or_else(|e| e.into_inner()).take() else { return };
    // A thread that cannot start drops the work: its Pending then reports that it stopped.
    let _ = std::thread::Builder::new().name(task.name.to_owned()).spawn(work);
}
