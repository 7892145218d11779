//! The desktop app (egui/eframe). It reads the core's state and emits actions; it owns no rule
//! about annotations. `App::frame` draws into any `Ui`, so tests drive it without a window.
//!
//! Every view is a struct with `fn ui(&mut self, ui, ctx: &ViewCtx, out: &mut Vec<Command>)`:
//! it reads the state through [`view::ViewCtx`] and pushes [`command::Command`]s. Commands a
//! person invokes are [`command::UiCommand`]s, whose table gives the menus, the shortcuts and
//! the shortcut list. `App::run_commands` (in `app/run.rs`) alone changes the state, and hands all
//! disk work to the background [`worker`]; its answers come back as messages.

pub mod app;
pub mod assignment;
pub mod bidi;
mod class_heatmap;
mod class_key;
pub mod class_view;
pub mod codebook_editor;
pub mod command;
pub mod compare;
pub mod corpus;
pub mod dialogs;
pub mod doc_view;
pub mod document;
pub mod field;
pub mod find_folder;
pub mod folder;
pub mod folder_load;
pub mod link_mode;
pub mod markdown;
pub mod matrix_view;
pub mod menu;
pub mod panel;
pub mod pseudonym_store;
pub mod retrieve;
pub mod saver;
pub mod settings;
pub mod state;
pub mod status;
pub mod task;
pub mod vars_editor;
pub mod view;
pub mod watch;
pub mod widgets;
pub mod worker;

pub use app::App;
pub use settings::Settings;
pub use state::OPEN_IN_BACKGROUND_BYTES;

use std::path::PathBuf;

struct NativeApp(App);

impl eframe::App for NativeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.frame(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.0.on_close();
    }
}

/// Opens the desktop app on `paths` (documents or a folder), as `coder` if given. Returns the
/// exit code.
pub fn run(paths: Vec<PathBuf>, coder: Option<String>) -> i32 {
    let settings_path = Settings::default_path();
    let settings = settings_path.as_deref().map(Settings::load).unwrap_or_default();
    let mut app = App::new(settings, settings_path);
    // Anonymous mode's pseudonyms are kept on this computer, never in a class folder.
    app.set_pseudonym_folder(pseudonym_store::default_folder());
    // A name given for this run (--coder, else $MARGINALIA_CODER when no name was saved).
    let from_env = std::env::var("MARGINALIA_CODER").ok().filter(|c| !c.trim().is_empty());
    if let Some(name) = coder.or(from_env.filter(|_| app.settings.coder.trim().is_empty())) {
        app.use_coder_for_this_run(name);
    }
    if let Some(first) = paths.first() {
        app.open(first);
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Marginalia")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true),
        // The app adds the system's fonts itself (see `App::frame`), as in its tests.
        system_font_fallback: false,
        ..Default::default()
    };
    match eframe::run_native("Marginalia", options, Box::new(|_cc| Ok(Box::new(NativeApp(app))))) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!(
                "error: the window could not be opened: {e} (is a display available? the command-line subcommands work without one; see --help)"
            );
            2
        }
    }
}
