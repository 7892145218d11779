//! Helpers shared by the GUI tests.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use marginalia::sidecar;
use marginalia::ui::App;

/// Steps the app until autosave has written what `check` wants to see on disk
/// and the app has taken in that the save finished (its status bar says so).
#[allow(dead_code)]
pub fn wait_for_disk(harness: &mut Harness<'_, App>, doc: &Path, check: impl Fn(&sidecar::Sidecar) -> bool) -> sidecar::Sidecar {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        harness.step();
        let app = harness.state();
        let settled = !app.saver().is_saving() && app.session().is_some_and(|s| !s.is_dirty());
        // The person's own sidecar of the document (see marginalia::coder::sidecar_for).
        let own = app.session().filter(|s| s.doc.path() == Some(doc)).map(|s| s.sidecar_path.clone());
        if settled
            && let Some(own) = own
            && let Ok(Some(loaded)) = sidecar::load(&own)
            && check(&loaded.sidecar)
        {
            harness.step();
            return loaded.sidecar;
        }
        assert!(Instant::now() < deadline, "autosave did not write the expected sidecar in time");
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Steps the app until `done` holds, for up to 20 seconds: disk work runs on the app's
/// background worker, beside the frames, so its results show a few frames later.
#[allow(dead_code)]
pub fn step_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&Harness<'_, App>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(harness) {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.step();
}

/// Steps the app until a widget whose label contains `text` is shown.
#[allow(dead_code)]
pub fn step_until_shown(harness: &mut Harness<'_, App>, text: &str) {
    use egui_kittest::kittest::Queryable;
    step_until(harness, &format!("showing “{text}”"), |h| h.query_by_label_contains(text).is_some());
}

/// Steps the app until the document named `file_name` is open (documents chosen in the window
/// are read on a thread of their own, so they show a few frames after the click).
#[allow(dead_code)]
pub fn step_until_open(harness: &mut Harness<'_, App>, file_name: &str) {
    step_until(harness, &format!("opening {file_name}"), |h| h.state().session().is_some_and(|s| s.doc.file_name() == file_name));
}

/// The app in a window of `width` × `height` points, drawn as the real window draws it: every
/// GUI test drives the app through this.
#[allow(dead_code)]
pub fn harness(app: App, width: f32, height: f32) -> Harness<'static, App> {
    Harness::builder().with_size(egui::vec2(width, height)).build_ui_state(|ui, app: &mut App| app.frame(ui), app)
}
