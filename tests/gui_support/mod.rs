//! Helpers shared by the GUI tests.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use marginalia::sidecar;
use marginalia::ui::App;

/// Steps the app until autosave has written what `check` wants to see on disk
/// and the app has taken in that the save finished (its status bar says so).
pub fn wait_for_disk(harness: &mut Harness<'_, App>, doc: &Path, check: impl Fn(&sidecar::Sidecar) -> bool) -> sidecar::Sidecar {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        harness.step();
        let app = harness.state();
        let settled = app.saver.in_flight.is_none() && app.session.as_ref().is_some_and(|s| !s.is_dirty());
        if settled
            && let Ok(Some(loaded)) = sidecar::load(&sidecar::default_path(doc))
            && check(&loaded.sidecar)
        {
            harness.step();
            return loaded.sidecar;
        }
        assert!(Instant::now() < deadline, "autosave did not write the expected sidecar in time");
        std::thread::sleep(Duration::from_millis(30));
    }
}
