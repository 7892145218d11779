//! Helpers shared by the GUI tests.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use marginalia::sidecar;
use marginalia::ui::App;

/// Steps the app until autosave has written what `check` wants to see on disk.
pub fn wait_for_disk(harness: &mut Harness<'_, App>, doc: &Path, check: impl Fn(&sidecar::Sidecar) -> bool) -> sidecar::Sidecar {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        harness.step();
        if let Ok(Some(loaded)) = sidecar::load(&sidecar::default_path(doc))
            && check(&loaded.sidecar)
        {
            return loaded.sidecar;
        }
        assert!(Instant::now() < deadline, "autosave did not write the expected sidecar in time");
        std::thread::sleep(Duration::from_millis(30));
    }
}
