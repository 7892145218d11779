//! The desktop app: state, the frame's layout, and the one place where commands are applied.
//!
//! `App::frame` draws everything into a `Ui` (so tests drive it without a window); widgets push
//! [`Command`]s and [`App::run_commands`] applies them once per frame through the core.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use egui::RichText;
use uuid::Uuid;

use super::codebook_editor::CodebookEditor;
use super::command::{Command, NUMBER_KEYS};
use super::doc_view::{DocEvent, DocView, Selection, ViewStyle};
use super::saver::{DEBOUNCE, Saver, clock};
use super::settings::{Settings, ThemeChoice};
use crate::annotation::{AnchorStatus, Annotation};
use crate::document::Span;
use crate::edits::Action;
use crate::error::{Error, ErrorKind};
use crate::session::Session;

/// Below this window width (points) the annotation panel moves under the text.
pub const NARROW_WIDTH: f32 = 900.0;

/// Which side panels are shown (each can be hidden with a shortcut).
pub struct Panels {
    pub annotations: bool,
    pub folder: bool,
    /// The folder list in a narrow window: hidden unless asked for.
    pub folder_when_narrow: bool,
}

impl Default for Panels {
    fn default() -> Self {
        Self { annotations: true, folder: true, folder_when_narrow: false }
    }
}

/// How often the sidecar on disk is checked for changes made by others.
const DISK_CHECK_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct FindState {
    pub open: bool,
    pub query: String,
    searched: String,
    searched_revision: usize,
    pub focus_field: bool,
}

/// What the annotation list was computed for: (revision, code filter, lower-case search).
type ListKey = (u64, Option<String>, String);

/// A message shown in the bar above the document.
#[derive(Clone)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// A document being opened on a worker thread (large files), and how to let it go.
pub struct Opening {
    pub path: PathBuf,
    pub bytes: u64,
    pub started: Instant,
    result: std::sync::mpsc::Receiver<Result<Session, Error>>,
}

/// Documents (or sidecars) at least this large are opened on a worker thread, with a message
/// and a Cancel button, rather than in a frame: opening a 10 MB document with 100,000
/// annotations takes about half a second.
pub const OPEN_IN_BACKGROUND_BYTES: u64 = 1_000_000;

/// The error when a background open's thread ended without an answer.
fn reader_stopped(path: &Path) -> Error {
    Error::new(ErrorKind::Io, "could not be opened: the reading thread stopped").in_file(path)
}

pub struct App {
    pub settings: Settings,
    /// A large document being opened in the background.
    pub opening: Option<Opening>,
    settings_path: Option<PathBuf>,
    pub session: Option<Session>,
    pub view: DocView,
    pub selected: Option<Uuid>,
    pub filter: Option<String>,
    pub search: String,
    pub find: FindState,
    pub saver: Saver,
    pub notice: Option<Notice>,
    /// The sidecar changed on disk: ask what to do.
    pub conflict: bool,
    show_both: bool,
    theirs: Option<Result<Vec<Annotation>, Error>>,
    pub show_open: bool,
    pub open_path: String,
    pub asking_coder: bool,
    coder_input: String,
    /// The name field was given the keyboard when the prompt appeared.
    coder_focus_given: bool,
    /// A name given for this run only (--coder or $MARGINALIA_CODER).
    coder_override: Option<String>,
    show_shortcuts: bool,
    /// The folder that was opened, if any, with its documents.
    pub folder: Option<super::corpus::Folder>,
    folder_revision: Option<u64>,
    pub export: super::corpus::ExportDialog,
    commands: Vec<Command>,
    last_disk_check: Instant,
    list_cache: Option<(ListKey, Rc<[usize]>)>,
    applied_theme: Option<ThemeChoice>,
    /// Text sizes and options were set on the context.
    styled: bool,
    pub panels: Panels,
    /// The window was narrower than [`NARROW_WIDTH`] in the last frame.
    pub narrow: bool,
    /// The compare-coders view of the open document, when open.
    pub compare: Option<super::compare::CompareView>,
    pub codebook_editor: CodebookEditor,
    /// The Retrieve window (passages across the open folder).
    pub retrieve: super::retrieve::RetrieveView,
}

impl App {
    /// `settings_path: None` keeps settings in memory only (tests).
    pub fn new(settings: Settings, settings_path: Option<PathBuf>) -> Self {
        let asking_coder = settings.coder.trim().is_empty();
        Self {
            coder_input: String::new(),
            coder_focus_given: false,
            coder_override: None,
            settings,
            settings_path,
            session: None,
            view: DocView::default(),
            selected: None,
            filter: None,
            search: String::new(),
            find: FindState::default(),
            saver: Saver::default(),
            notice: None,
            conflict: false,
            show_both: false,
            theirs: None,
            show_open: false,
            open_path: String::new(),
            asking_coder,
            show_shortcuts: false,
            folder: None,
            opening: None,
            folder_revision: None,
            export: super::corpus::ExportDialog::default(),
            commands: Vec::new(),
            last_disk_check: Instant::now(),
            list_cache: None,
            applied_theme: None,
            styled: false,
            panels: Panels::default(),
            narrow: false,
            compare: None,
            codebook_editor: CodebookEditor::default(),
            retrieve: Default::default(),
        }
    }

    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Opens a document (or the first document of a folder, listing the others).
    pub fn open(&mut self, path: &Path) {
        if path.is_dir() {
            match crate::corpus::documents_in(path) {
                Ok(docs) if !docs.is_empty() => {
                    let first = docs[0].clone();
                    let codebook = crate::session::codebook_for(&first).unwrap_or_default();
                    self.folder = Some(super::corpus::Folder::read(path, &docs, &codebook));
                    self.open(&first);
                }
                Ok(_) => self.error(
                    Error::new(ErrorKind::Usage, "holds no .txt or .md documents")
                        .in_file(path)
                        .hint("choose a folder with documents"),
                ),
                Err(e) => self.error(e),
            }
            return;
        }
        self.flush_save();
        self.remember_position();
        let coder = self.coder();
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let bytes = size(path).max(size(&crate::sidecar::default_path(path)));
        if bytes >= OPEN_IN_BACKGROUND_BYTES {
            let (send, result) = std::sync::mpsc::channel();
            let owned = path.to_path_buf();
            std::thread::spawn(move || {
                let _ = send.send(Session::open(&owned, None, &coder));
            });
            // What was open is closed (its changes were just saved); the view says what is coming.
            self.session = None;
            self.compare = None;
            self.opening = Some(Opening { path: path.to_path_buf(), bytes, started: Instant::now(), result });
            self.show_open = false;
            return;
        }
        let result = Session::open(path, None, &coder);
        self.adopt(path, result);
    }

    /// Takes in the result of opening `path`.
    fn adopt(&mut self, path: &Path, result: Result<Session, Error>) {
        match result {
            Ok(session) => {
                let report = session.report.clone();
                self.notice = session.doc.encoding_warning().map(|w| Notice { text: w, is_error: false });
                if !report.all_anchored() {
                    self.notice = Some(Notice {
                        text: format!("The text changed since it was annotated: {}.", report.summary()),
                        is_error: report.orphaned > 0,
                    });
                }
                self.session = Some(session);
                self.compare = None;
                self.view.reset();
                // egui keeps the scroll offset by widget id: set it, or the previous document's stays.
                self.view.scroll_to_top = Some(self.settings.position_of(path).unwrap_or(0));
                self.selected = None;
                self.filter = None;
                self.conflict = false;
                self.list_cache = None;
                self.saver.error = None;
                self.saver.last_saved_at = None;
                self.saver.seen_revision = 0;
                self.saver.changed_at = self.session.as_ref().filter(|s| s.is_dirty()).map(|_| Instant::now());
                self.settings.remember(path);
                self.save_settings();
                self.show_open = false;
                if let Some(folder) = &self.folder
                    && !folder.entries.iter().any(|e| e.path == path)
                {
                    self.folder = None;
                }
                self.folder_revision = None;
            }
            Err(e) => self.error(e),
        }
    }

    /// Waits for a background open to finish and takes it in (the benchmark and tests use it;
    /// the app itself checks each frame and stays responsive).
    pub fn finish_opening(&mut self) {
        if let Some(opening) = self.opening.take() {
            let result = opening.result.recv().unwrap_or_else(|_| Err(reader_stopped(&opening.path)));
            self.adopt(&opening.path, result);
        }
    }

    /// Takes in a background open when it has finished; until then, repaints to check again.
    fn poll_opening(&mut self, ctx: &egui::Context) {
        let Some(opening) = &self.opening else { return };
        let result = match opening.result.try_recv() {
            Ok(result) => result,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                ctx.request_repaint_after(Duration::from_millis(50));
                return;
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err(reader_stopped(&opening.path)),
        };
        if let Some(opening) = self.opening.take() {
            self.adopt(&opening.path, result);
        }
    }

    /// Where the document will be: what is being opened, for how long, and a way to stop.
    fn opening_message(&mut self, ui: &mut egui::Ui) {
        let Some(opening) = &self.opening else { return };
        let name =
            opening.path.file_name().map_or_else(|| opening.path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let mut cancel = false;
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() / 3.0);
            ui.spinner();
            ui.heading(format!("Opening {name}…"));
            ui.label(format!(
                "{:.1} MB; reading the text and its annotations, checking each against the text ({:.1} s)",
                opening.bytes as f64 / 1e6,
                opening.started.elapsed().as_secs_f64()
            ));
            cancel = ui.button("Cancel").clicked();
        });
        if cancel {
            // The worker finishes on its own; its result is dropped with the channel.
            self.opening = None;
        }
    }

    fn error(&mut self, e: Error) {
        self.notice = Some(Notice { text: e.to_string(), is_error: true });
    }

    fn save_settings(&mut self) {
        if let Some(path) = &self.settings_path
            && let Err(e) = self.settings.save(path)
        {
            self.notice = Some(Notice { text: format!("Settings were not saved: {e}"), is_error: true });
        }
    }

    /// Saves synchronously if anything is unsaved (on close and before opening another file).
    pub fn flush_save(&mut self) {
        if let Some(outcome) = self.saver.wait(Duration::from_secs(10)) {
            self.finish_save(outcome.revision, outcome.result);
        }
        if let Some(session) = &mut self.session
            && session.is_dirty()
            && !self.conflict
        {
            let job = session.save_job();
            let result = job.run();
            self.finish_save(job.revision, result);
        }
    }

    fn finish_save(&mut self, revision: u64, result: Result<crate::sidecar::DiskStamp, Error>) {
        let Some(session) = &mut self.session else { return };
        match result {
            Ok(stamp) => {
                session.finish_save(revision, stamp);
                self.saver.last_saved_at = Some(clock());
                self.saver.error = None;
            }
            Err(e) if e.kind == ErrorKind::Conflict => {
                self.conflict = true;
            }
            Err(e) => self.saver.error = Some(e),
        }
    }

    /// Autosave and disk watching; called once per frame.
    fn tick(&mut self, ctx: &egui::Context) {
        if let Some(outcome) = self.saver.poll() {
            self.finish_save(outcome.revision, outcome.result);
        }
        let Some(session) = &self.session else { return };
        let revision = session.edits.revision();
        if revision != self.saver.seen_revision {
            self.saver.seen_revision = revision;
            self.saver.changed_at = Some(Instant::now());
        }
        if session.is_dirty() && !self.conflict && self.saver.in_flight.is_none() {
            let since = self.saver.changed_at.map_or(DEBOUNCE, |t| t.elapsed());
            // After an error, retry every few seconds; nothing is lost meanwhile.
            let wait = if self.saver.error.is_some() { Duration::from_secs(3) } else { DEBOUNCE };
            if since >= wait {
                let job = session.save_job();
                self.saver.submit(job);
                self.saver.changed_at = Some(Instant::now());
            } else {
                ctx.request_repaint_after(wait - since);
            }
        }
        if self.saver.in_flight.is_some() {
            ctx.request_repaint_after(Duration::from_millis(50));
        }
        if !self.conflict && self.saver.in_flight.is_none() && self.last_disk_check.elapsed() >= DISK_CHECK_EVERY {
            self.last_disk_check = Instant::now();
            if session.had_sidecar && session.changed_on_disk().unwrap_or(false) {
                self.conflict = true;
            }
        }
        ctx.request_repaint_after(DISK_CHECK_EVERY);
    }

    /// Draws the whole app into `ui` and applies the frame's commands.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.poll_opening(&ctx);
        self.apply_look(&ctx);
        self.tick(&ctx);
        super::compare::shortcuts(self, &ctx);
        self.global_shortcuts(&ctx);
        self.dropped_files(&ctx);

        egui::Panel::top("menu-bar").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status-bar").show(ui, |ui| self.status_bar(ui));
        // Below this width (in points, so zooming in narrows the window) the annotation panel
        // becomes a drawer under the text and the folder list folds away, so that the text
        // column keeps a readable measure.
        let narrow = ctx.content_rect().width() < NARROW_WIDTH;
        self.narrow = narrow;
        if self.session.is_some() && self.panels.annotations {
            if narrow {
                egui::Panel::bottom("annotation-drawer")
                    .resizable(true)
                    .default_size(ctx.content_rect().height() * 0.3)
                    .min_size(90.0)
                    .max_size(ctx.content_rect().height() * 0.6)
                    .show(ui, |ui| super::panel::panel(self, ui));
            } else {
                egui::Panel::right("annotation-panel")
                    .resizable(true)
                    .default_size(360.0)
                    .min_size(260.0)
                    .max_size(ctx.content_rect().width() * 0.4)
                    .show(ui, |ui| super::panel::panel(self, ui));
            }
        }
        self.refresh_folder_entry();
        let folder_shown = if narrow { self.panels.folder_when_narrow } else { self.panels.folder };
        if let Some(folder) = self.folder.as_mut().filter(|_| folder_shown) {
            let current = self.session.as_ref().and_then(|s| s.doc.path().map(Path::to_path_buf));
            let codebook = self.session.as_ref().map(|s| s.edits.codebook().clone()).unwrap_or_default();
            let mut open = None;
            egui::Panel::left("folder-panel").resizable(true).default_size(200.0).max_size(320.0).show(ui, |ui| {
                open = folder.ui(ui, current.as_deref(), &codebook);
            });
            if folder.show_chart {
                folder.chart(&ctx, &codebook);
            }
            if let Some(d) = open {
                self.push(Command::OpenPath(d));
            }
        }
        if self.compare.is_some() {
            super::compare::panel(self, ui);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            self.notice_bar(ui);
            if self.find.open {
                self.find_bar(ui);
            }
            if self.session.is_some() {
                self.document(ui);
            } else if self.opening.is_some() {
                self.opening_message(ui);
            } else {
                self.welcome(ui);
            }
        });
        self.dialogs(&ctx);
        let document = self.session.as_ref().and_then(|s| s.doc.path().map(Path::to_path_buf));
        let folder = self.folder.as_ref().map(|f| f.root.clone());
        self.export.ui(&ctx, document.as_deref(), folder.as_deref());
        let mut asked = Vec::new();
        self.retrieve.ui(&ctx, folder.as_deref(), &mut asked);
        for c in asked {
            self.push(c);
        }
        self.run_commands(&ctx);
    }

    /// Keeps the open document's line in the folder panel in step with its annotations.
    fn refresh_folder_entry(&mut self) {
        let (Some(folder), Some(session)) = (&mut self.folder, &self.session) else { return };
        let revision = session.edits.revision();
        if self.folder_revision == Some(revision) {
            return;
        }
        self.folder_revision = Some(revision);
        if let Some(path) = session.doc.path()
            && let Some(entry) = folder.entries.iter_mut().find(|e| e.path == path)
        {
            entry.fill(session.edits.annotations(), session.edits.done(), session.edits.codebook());
        }
    }

    fn apply_look(&mut self, ctx: &egui::Context) {
        if !self.styled {
            set_text_sizes(ctx);
            // The app handles Ctrl+= / Ctrl+- itself (text size) and keeps its zoom in settings.
            ctx.options_mut(|o| o.zoom_with_keyboard = false);
            self.styled = true;
        }
        if self.applied_theme != Some(self.settings.theme) {
            ctx.set_theme(match self.settings.theme {
                ThemeChoice::System => egui::ThemePreference::System,
                ThemeChoice::Light => egui::ThemePreference::Light,
                ThemeChoice::Dark => egui::ThemePreference::Dark,
            });
            self.applied_theme = Some(self.settings.theme);
        }
        if (ctx.zoom_factor() - self.settings.zoom).abs() > 0.001 {
            ctx.set_zoom_factor(self.settings.zoom);
        }
    }

    fn global_shortcuts(&mut self, ctx: &egui::Context) {
        // More specific first: egui ignores extra Shift when matching, so Ctrl+Shift+= must be
        // tried before Ctrl+=.
        let mut global: Vec<(egui::KeyboardShortcut, Command)> = Command::with_shortcuts()
            .into_iter()
            .flat_map(|cmd| cmd.shortcuts().into_iter().map(move |s| (s, cmd.clone())))
            .collect();
        global.sort_by_key(|(s, _)| std::cmp::Reverse(u8::from(s.modifiers.shift) + u8::from(s.modifiers.alt)));
        for (sc, cmd) in global {
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                self.push(cmd);
            }
        }
        // In the find bar, Alt+number tags the current match (digits type into the field).
        if self.find.open
            && self.view.find_current.is_some()
            && let Some(session) = &self.session
        {
            for (ch, key) in NUMBER_KEYS {
                if let Some(code) = session.edits.codebook().by_key(ch)
                    && ctx.input_mut(|i| i.consume_key(egui::Modifiers::ALT, key))
                {
                    self.commands.push(Command::Tag(code.id.clone()));
                }
            }
        }
        // Reading shortcuts work unless a text field has the keyboard (the document view
        // takes focus for its caret but never wants typed text).
        let typing = ctx.egui_wants_keyboard_input() && ctx.memory(|m| m.focused()) != Some(super::doc_view::view_id());
        if typing {
            return;
        }
        // More specific shortcuts first: Shift+N must not be taken as N, nor Ctrl+Shift+Z as Ctrl+Z.
        let mut reading: Vec<(egui::Modifiers, egui::Key, Command)> = Command::with_shortcuts()
            .into_iter()
            .flat_map(|cmd| cmd.reading_shortcuts().iter().map(move |(m, k)| (*m, *k, cmd.clone())))
            .collect();
        reading.sort_by_key(|(m, _, _)| std::cmp::Reverse(u8::from(m.shift) + u8::from(m.alt) + u8::from(m.command)));
        // Escape closes an open menu or dialog first (it sees the key), and only then clears.
        let menu_open = egui::Popup::is_any_open(ctx) || self.asking_coder || self.conflict;
        for (m, key, cmd) in reading {
            if menu_open && key == egui::Key::Escape {
                continue;
            }
            if ctx.input_mut(|i| i.consume_key(m, key)) {
                self.push(cmd);
            }
        }
        // Number keys tag the selection with the code that has that key.
        if let Some(session) = &self.session {
            for (ch, key) in NUMBER_KEYS {
                if let Some(code) = session.edits.codebook().by_key(ch)
                    && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key))
                {
                    self.commands.push(Command::Tag(code.id.clone()));
                }
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.push(Command::OpenPath(path));
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                self.menu_item(ui, &ctx, Command::ShowOpen);
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label("No recent files yet");
                    }
                    for path in self.settings.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.push(Command::OpenPath(path));
                        }
                    }
                });
                ui.separator();
                self.menu_item(ui, &ctx, Command::SaveNow);
                self.menu_item(ui, &ctx, Command::ShowExport);
                self.menu_item(ui, &ctx, Command::ShowRetrieve);
                ui.separator();
                self.menu_item(ui, &ctx, Command::ChangeName);
            });
            ui.menu_button("Edit", |ui| {
                let (undo, redo) = self.session.as_ref().map_or((None, None), |s| (s.edits.undo_label(), s.edits.redo_label()));
                let undo_text = undo.map_or("Undo".to_owned(), |l| format!("Undo {l}"));
                if ui
                    .add_enabled(undo.is_some(), egui::Button::new(undo_text).shortcut_text(Command::Undo.shortcut_text(&ctx)))
                    .clicked()
                {
                    self.push(Command::Undo);
                }
                let redo_text = redo.map_or("Redo".to_owned(), |l| format!("Redo {l}"));
                if ui
                    .add_enabled(redo.is_some(), egui::Button::new(redo_text).shortcut_text(Command::Redo.shortcut_text(&ctx)))
                    .clicked()
                {
                    self.push(Command::Redo);
                }
                ui.separator();
                self.menu_item(ui, &ctx, Command::ToggleFind);
                self.menu_item(ui, &ctx, Command::NextAnnotation);
                self.menu_item(ui, &ctx, Command::PreviousAnnotation);
                self.menu_item(ui, &ctx, Command::DeleteSelected);
            });
            ui.menu_button("View", |ui| {
                self.menu_item(ui, &ctx, Command::TextBigger);
                self.menu_item(ui, &ctx, Command::TextSmaller);
                self.menu_item(ui, &ctx, Command::ZoomIn);
                self.menu_item(ui, &ctx, Command::ZoomOut);
                self.menu_item(ui, &ctx, Command::ZoomReset);
                ui.separator();
                self.menu_item(ui, &ctx, Command::ToggleAnnotationPanel);
                self.menu_item(ui, &ctx, Command::ToggleFolderPanel);
                self.menu_item(ui, &ctx, Command::FocusDocument);
                self.menu_item(ui, &ctx, Command::FocusFolder);
                ui.separator();
                ui.label("Line width");
                ui.add(egui::Slider::new(&mut self.settings.line_width, 360.0..=1400.0).suffix(" pt"));
                ui.separator();
                ui.label("Theme");
                for (choice, label) in
                    [(ThemeChoice::System, "Follow the system"), (ThemeChoice::Light, "Light"), (ThemeChoice::Dark, "Dark")]
                {
                    if ui.radio_value(&mut self.settings.theme, choice, label).changed() {
                        self.save_settings();
                    }
                }
            });
            ui.menu_button("Coders", |ui| {
                if self.session.is_some() {
                    self.menu_item(ui, &ctx, Command::CompareCoders);
                } else {
                    ui.label("Open a document to compare its coders");
                }
            });
            ui.menu_button("Codebook", |ui| self.menu_item(ui, &ctx, Command::EditCodebook));
            ui.menu_button("Help", |ui| {
                self.menu_item(ui, &ctx, Command::ShowShortcuts);
                ui.label(format!("Marginalia {}", env!("CARGO_PKG_VERSION")));
            });
        });
    }

    fn menu_item(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, cmd: Command) {
        if ui.add(egui::Button::new(cmd.label()).shortcut_text(cmd.shortcut_text(ctx))).clicked() {
            self.push(cmd);
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            // Panels can be hidden; these bring them back (and say how, by keyboard).
            let ctx = ui.ctx().clone();
            if self.folder.is_some() {
                let shown = if self.narrow { self.panels.folder_when_narrow } else { self.panels.folder };
                if ui
                    .selectable_label(shown, "Documents")
                    .on_hover_text(format!(
                        "{} ({})",
                        Command::ToggleFolderPanel.label(),
                        Command::ToggleFolderPanel.shortcut_text(&ctx)
                    ))
                    .clicked()
                {
                    self.commands.push(Command::ToggleFolderPanel);
                }
            }
            if self.session.is_some() {
                if ui
                    .selectable_label(self.panels.annotations, "Annotations")
                    .on_hover_text(format!(
                        "{} ({})",
                        Command::ToggleAnnotationPanel.label(),
                        Command::ToggleAnnotationPanel.shortcut_text(&ctx)
                    ))
                    .clicked()
                {
                    self.commands.push(Command::ToggleAnnotationPanel);
                }
                ui.separator();
            }
            let Some(session) = &self.session else {
                ui.label("No document open");
                return;
            };
            ui.strong(session.doc.file_name());
            ui.separator();
            if session.doc.encoding_warning().is_some() {
                ui.colored_label(ui.visuals().warn_fg_color, format!("⚠ opened as {}", session.doc.encoding().label()))
                    .on_hover_text(session.doc.encoding_warning().unwrap_or_default());
                ui.separator();
            }
            let n = session.edits.annotations().len();
            ui.label(format!("{n} annotation{}", if n == 1 { "" } else { "s" }));
            let orphans = session.orphan_count();
            if orphans > 0 {
                ui.colored_label(ui.visuals().warn_fg_color, format!("{orphans} orphaned"));
            }
            if ui.link(format!("coder: {}", session.coder)).on_hover_text("Change your name").clicked() {
                self.commands.push(Command::ChangeName);
            }
            let mut done = session.edits.done();
            if ui.checkbox(&mut done, "Done").on_hover_text("Mark this document as finished (shown in the folder list)").changed()
            {
                self.commands.push(Command::Apply(Action::SetDone(done)));
            }
            let save_state = |ui: &mut egui::Ui| {
                let state = if let Some(e) = &self.saver.error {
                    RichText::new(format!("⚠ Not saved: {e}")).color(ui.visuals().error_fg_color).strong()
                } else if self.conflict {
                    RichText::new("⚠ Changed on disk: not saved").color(ui.visuals().warn_fg_color).strong()
                } else if self.saver.in_flight.is_some() || session.is_dirty() {
                    RichText::new("Saving…")
                } else if let Some(t) = &self.saver.last_saved_at {
                    RichText::new(format!("Saved {t}"))
                } else {
                    RichText::new(if session.had_sidecar { "All changes saved" } else { "Nothing to save yet" })
                };
                ui.label(state);
            };
            // Right-aligned when there is room; in a narrow window it flows (and wraps) with
            // the rest rather than drawing over it.
            if self.narrow {
                save_state(ui);
            } else {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), save_state);
            }
        });
    }

    fn notice_bar(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.saver.error {
            egui::Frame::new().fill(ui.visuals().error_fg_color.gamma_multiply(0.2)).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "Your annotations could not be saved: {e}. They are kept in memory and saving is retried."
                    ))
                    .strong(),
                );
            });
        }
        let mut close = false;
        if let Some(n) = &self.notice {
            let fill = if n.is_error {
                ui.visuals().error_fg_color.gamma_multiply(0.2)
            } else {
                ui.visuals().warn_fg_color.gamma_multiply(0.15)
            };
            egui::Frame::new().fill(fill).inner_margin(6.0).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(&n.text);
                    if ui.small_button("Dismiss").clicked() {
                        close = true;
                    }
                });
            });
        }
        if close {
            self.notice = None;
        }
    }

    fn welcome(&mut self, ui: &mut egui::Ui) {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading("Marginalia");
            ui.label("Open a text to start: select a passage, then press a number key or click a code.");
            ui.add_space(12.0);
            if ui.button(RichText::new("Open a document…").size(18.0)).clicked() {
                self.push(Command::ShowOpen);
            }
            ui.label("or drop a .txt or .md file onto this window");
            if !self.settings.recent.is_empty() {
                ui.add_space(16.0);
                ui.strong("Recent");
                for path in self.settings.recent.clone() {
                    if ui.link(path.display().to_string()).clicked() {
                        self.push(Command::OpenPath(path));
                    }
                }
            }
        });
    }

    fn find_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Find:");
            let response =
                ui.add(egui::TextEdit::singleline(&mut self.find.query).hint_text("text to find").desired_width(240.0));
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Find in document"));
            if self.find.focus_field {
                response.request_focus();
                self.find.focus_field = false;
            }
            if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                self.push(if ui.input(|i| i.modifiers.shift) { Command::FindPrevious } else { Command::FindNext });
                response.request_focus();
            }
            self.update_matches();
            let n = self.view.find_matches.len();
            let label = match self.view.find_current {
                Some(i) if n > 0 => format!("{} of {n}", i + 1),
                _ if self.find.query.is_empty() => String::new(),
                _ => format!("{n} found"),
            };
            ui.label(label);
            if ui.button("‹").on_hover_text("Previous match (Shift+F3)").clicked() {
                self.push(Command::FindPrevious);
            }
            if ui.button("›").on_hover_text("Next match (F3 or Enter)").clicked() {
                self.push(Command::FindNext);
            }
            if let Some(session) = &self.session
                && self.view.find_current.is_some()
            {
                ui.menu_button("Tag match as…", |ui| {
                    for code in session.edits.codebook().codes.clone() {
                        let keys = code.key.map(|k| format!("Alt+{k}")).unwrap_or_default();
                        if ui.add(egui::Button::new(&code.name).shortcut_text(keys)).clicked() {
                            self.commands.push(Command::Tag(code.id.clone()));
                        }
                    }
                })
                .response
                .on_hover_text("Or press Alt and the code's number key");
            }
            if ui.button("Close").clicked() {
                self.push(Command::ToggleFind);
            }
        });
    }

    /// Recomputes find matches when the query changes (case-insensitive for ASCII letters).
    fn update_matches(&mut self) {
        let Some(session) = &self.session else { return };
        let key = session.doc.len_chars();
        if self.find.searched == self.find.query && self.find.searched_revision == key {
            return;
        }
        self.find.searched = self.find.query.clone();
        self.find.searched_revision = key;
        self.view.find_matches.clear();
        self.view.find_current = None;
        if self.find.query.is_empty() {
            return;
        }
        let doc = &session.doc;
        let needle = self.find.query.to_lowercase();
        let haystack = doc.text().to_lowercase();
        if haystack.len() != doc.text().len() {
            // Lower-casing changed byte lengths: search case-sensitively to keep positions exact.
            for (b, m) in doc.text().match_indices(self.find.query.as_str()) {
                let s = doc.char_of(b);
                self.view.find_matches.push(Span::new(s, s + m.chars().count()));
            }
        } else {
            for (b, m) in haystack.match_indices(needle.as_str()) {
                let s = doc.char_of(b);
                self.view.find_matches.push(doc.snap(Span::new(s, s + m.chars().count())));
            }
        }
        if !self.view.find_matches.is_empty() {
            self.view.find_current = Some(0);
            self.view.scroll_to = Some(self.view.find_matches[0].start);
        }
    }

    fn document(&mut self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else { return };
        let style =
            ViewStyle { font_size: self.settings.font_size, line_width: self.settings.line_width, dark: ui.visuals().dark_mode };
        let events = self.view.ui(ui, &session.doc, &session.edits, self.selected, self.filter.as_deref(), &style);
        for e in events {
            match e {
                DocEvent::SelectAnnotation(id) => self.push(Command::Select(Some(id), false)),
                DocEvent::ClearAnnotation => self.selected = None,
            }
        }
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        let edits = self.codebook_editor.ui(ctx, self.session.as_ref());
        self.commands.extend(edits);
        if self.asking_coder {
            self.name_prompt(ctx);
        }
        if self.show_open {
            let mut open = true;
            egui::Window::new("Open a document").open(&mut open).collapsible(false).show(ctx, |ui| {
                if ui.button("Browse…").clicked() {
                    let picked = rfd::FileDialog::new().add_filter("Texts", &["txt", "md"]).pick_file();
                    match picked {
                        Some(p) => self.commands.push(Command::OpenPath(p)),
                        None => {
                            self.notice = Some(Notice {
                                text: "No file was chosen. If no dialog appeared, type the file's path below, or drop the file onto the window.".into(),
                                is_error: false,
                            })
                        }
                    }
                }
                ui.label("Path of a document or folder:");
                let r = ui.add(egui::TextEdit::singleline(&mut self.open_path).desired_width(380.0));
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Path to open"));
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Open").clicked() || enter) && !self.open_path.trim().is_empty() {
                    self.commands.push(Command::OpenPath(PathBuf::from(self.open_path.trim())));
                }
                if !self.settings.recent.is_empty() {
                    ui.separator();
                    ui.label("Recent:");
                    for path in self.settings.recent.clone() {
                        if ui.link(path.display().to_string()).clicked() {
                            self.commands.push(Command::OpenPath(path));
                        }
                    }
                }
            });
            self.show_open &= open;
        }
        if self.conflict {
            egui::Modal::new(egui::Id::unique("conflict")).show(ctx, |ui| {
                let path = self.session.as_ref().map(|s| s.sidecar_path.display().to_string()).unwrap_or_default();
                ui.heading("The annotations file changed on disk");
                ui.label(format!("{path} was changed by another program (a sync tool, git, another coder) since you opened it. Nothing has been overwritten."));
                ui.horizontal(|ui| {
                    if ui.button("Reload theirs").on_hover_text("Discard your unsaved changes and load the file on disk").clicked() {
                        self.commands.push(Command::ReloadTheirs);
                    }
                    if ui.button("Keep mine").on_hover_text("Save yours; their file is kept as a .theirs copy beside it").clicked() {
                        self.commands.push(Command::KeepMine);
                    }
                    if ui.button("View both").clicked() {
                        self.show_both = true;
                        self.theirs = self
                            .session
                            .as_ref()
                            .map(|s| crate::sidecar::load(&s.sidecar_path).map(|l| l.map(|l| l.sidecar.annotations).unwrap_or_default()));
                    }
                });
                if self.show_both {
                    ui.separator();
                    self.both_views(ui);
                }
            });
        }
        if self.show_shortcuts {
            let mut open = true;
            egui::Window::new("Keyboard shortcuts").open(&mut open).show(ctx, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for cmd in Command::with_shortcuts() {
                        ui.label(cmd.label());
                        ui.monospace(cmd.shortcut_text(ctx));
                        ui.end_row();
                    }
                    ui.label("Tag the selection with a code");
                    ui.monospace("1 … 9, 0");
                    ui.end_row();
                    ui.label("Move the caret / extend the selection");
                    ui.monospace("Arrows / Shift+Arrows (Ctrl: by word)");
                    ui.end_row();
                    ui.label("Select a word / a paragraph");
                    ui.monospace("Double-click / triple-click");
                    ui.end_row();
                });
            });
            self.show_shortcuts &= open;
        }
    }

    /// Asks for the coder's name (on the first run, and from "Your name…"). It never locks
    /// anyone out: the field has the keyboard at once, Enter continues, and Skip (or Escape)
    /// goes on with the name from the environment, which can be changed later.
    fn name_prompt(&mut self, ctx: &egui::Context) {
        let first_run = self.settings.coder.trim().is_empty();
        let modal = egui::Modal::new(egui::Id::unique("coder-name")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            ui.heading(if first_run { "Welcome to Marginalia" } else { "Your name" });
            ui.label("What is your name? It is saved with your annotations so that others can see who coded what.");
            let r = ui.add(egui::TextEdit::singleline(&mut self.coder_input).hint_text("your name").desired_width(300.0));
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Your name"));
            // Focus is given once, when the prompt appears: asking again every frame fights
            // the window system's own focus changes and the field never takes a key.
            if !self.coder_focus_given {
                r.request_focus();
                self.coder_focus_given = true;
            }
            let enter = (r.has_focus() || r.lost_focus()) && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.label(RichText::new("You can change it later (File > Your name…), or start Marginalia with --coder NAME.").weak());
            ui.horizontal(|ui| {
                let named = !self.coder_input.trim().is_empty();
                if (ui.add_enabled(named, egui::Button::new("Continue")).clicked() || enter) && named {
                    self.set_coder(self.coder_input.trim().to_owned());
                }
                let skip = ui
                    .button("Skip for now")
                    .on_hover_text(format!("Sign annotations as “{}” until you set a name", crate::session::default_coder()));
                if skip.clicked() {
                    self.skip_name_prompt();
                }
            });
        });
        if self.asking_coder && modal.should_close() {
            self.skip_name_prompt();
        }
    }

    fn set_coder(&mut self, name: String) {
        self.settings.coder = name;
        self.coder_override = None;
        if let Some(s) = &mut self.session {
            s.coder = self.settings.coder.clone();
        }
        self.asking_coder = false;
        self.save_settings();
    }

    /// Goes on without a name: the one from the environment signs annotations meanwhile.
    fn skip_name_prompt(&mut self) {
        self.asking_coder = false;
        if self.settings.coder.trim().is_empty() {
            let name = crate::session::default_coder();
            self.notice = Some(Notice {
                text: format!("Your annotations are signed “{name}”. Set your name any time with File > Your name…"),
                is_error: false,
            });
            self.set_coder(name);
        }
    }

    /// Signs this run's annotations as `name` without asking and without changing the saved name.
    pub fn use_coder_for_this_run(&mut self, name: String) {
        if let Some(s) = &mut self.session {
            s.coder = name.clone();
        }
        self.coder_override = Some(name);
        self.asking_coder = false;
    }

    /// The name that signs new annotations.
    fn coder(&self) -> String {
        if let Some(name) = &self.coder_override {
            name.clone()
        } else if self.settings.coder.trim().is_empty() {
            crate::session::default_coder()
        } else {
            self.settings.coder.clone()
        }
    }

    /// Opens the name prompt to change the coder's name.
    pub fn ask_name(&mut self) {
        self.coder_input = self.settings.coder.clone();
        self.coder_focus_given = false;
        self.asking_coder = true;
    }

    fn both_views(&self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else { return };
        let mine = session.edits.annotations();
        ui.columns(2, |cols| {
            cols[0].strong(format!("Yours ({})", mine.len()));
            cols[1].strong(match &self.theirs {
                Some(Ok(t)) => format!("On disk ({})", t.len()),
                Some(Err(_)) => "On disk (unreadable)".to_owned(),
                None => "On disk".to_owned(),
            });
            let cb = session.edits.codebook();
            let line = |a: &Annotation| {
                format!(
                    "{}  “{}”  {}",
                    cb.code(&a.code).map_or(a.code.as_str(), |c| c.name.as_str()),
                    crate::document::excerpt(&a.exact, 40),
                    a.note
                )
            };
            egui::ScrollArea::vertical().id_salt("mine").max_height(300.0).show(&mut cols[0], |ui| {
                for a in mine {
                    ui.label(line(a));
                }
            });
            match &self.theirs {
                Some(Ok(theirs)) => {
                    egui::ScrollArea::vertical().id_salt("theirs").max_height(300.0).show(&mut cols[1], |ui| {
                        for a in theirs {
                            ui.label(line(a));
                        }
                    });
                }
                Some(Err(e)) => {
                    cols[1].label(e.to_string());
                }
                None => {}
            }
        });
    }

    /// Annotation indexes shown in the list (filter and search applied), cached per revision
    /// and shared, so that drawing the list each frame copies nothing.
    pub fn listed(&mut self) -> Rc<[usize]> {
        let Some(session) = &self.session else { return Rc::from([]) };
        let key = (session.edits.revision(), self.filter.clone(), self.search.to_lowercase());
        if let Some((k, v)) = &self.list_cache
            && *k == key
        {
            return Rc::clone(v);
        }
        let cb = session.edits.codebook();
        let needle = &key.2;
        if self.filter.is_none() && needle.is_empty() && session.edits.orphan_count() == 0 {
            // Everything is listed: no need to look at each annotation.
            let v: Rc<[usize]> = (0..session.edits.annotations().len()).collect();
            self.list_cache = Some((key, Rc::clone(&v)));
            return v;
        }
        let v: Rc<[usize]> = session
            .edits
            .annotations()
            .iter()
            .enumerate()
            .filter(|(_, a)| a.status != AnchorStatus::Orphaned)
            .filter(|(_, a)| {
                self.filter.as_ref().is_none_or(|f| &a.code == f || cb.code(&a.code).and_then(|c| c.parent.as_ref()) == Some(f))
            })
            .filter(|(_, a)| {
                needle.is_empty() || a.exact.to_lowercase().contains(needle) || a.note.to_lowercase().contains(needle)
            })
            .map(|(i, _)| i)
            .collect();
        self.list_cache = Some((key, Rc::clone(&v)));
        v
    }

    pub fn run_commands(&mut self, ctx: &egui::Context) {
        let commands = std::mem::take(&mut self.commands);
        for cmd in commands {
            self.run(ctx, cmd);
        }
    }

    fn run(&mut self, ctx: &egui::Context, cmd: Command) {
        match cmd {
            Command::ShowOpen => {
                self.show_open = true;
            }
            Command::OpenPath(p) => self.open(&p),
            Command::ShowExport => {
                let doc = self.session.as_ref().and_then(|s| s.doc.path().map(Path::to_path_buf));
                match (&self.folder, doc) {
                    (Some(f), _) => {
                        let root = f.root.clone();
                        self.export.show_for(&root, true);
                    }
                    (None, Some(d)) => self.export.show_for(&d, false),
                    (None, None) => {
                        self.notice = Some(Notice { text: "Open a document or folder first.".into(), is_error: false })
                    }
                }
            }
            Command::ShowShortcuts => self.show_shortcuts = true,
            Command::ChangeName => self.ask_name(),
            Command::ToggleAnnotationPanel => self.panels.annotations = !self.panels.annotations,
            Command::ToggleFolderPanel => {
                if self.narrow {
                    self.panels.folder_when_narrow = !self.panels.folder_when_narrow;
                } else {
                    self.panels.folder = !self.panels.folder;
                }
            }
            Command::FocusDocument => {
                if self.session.is_some() {
                    ctx.memory_mut(|m| m.request_focus(super::doc_view::view_id()));
                }
            }
            Command::FocusFolder => {
                if let Some(folder) = &mut self.folder {
                    if self.narrow {
                        self.panels.folder_when_narrow = true;
                    } else {
                        self.panels.folder = true;
                    }
                    folder.focus_current = true;
                }
            }
            Command::CompareCoders => super::compare::open(self),
            Command::EditCodebook => self.codebook_editor.open = true,
            Command::ShowRetrieve => self.retrieve.open = true,
            Command::TextBigger => self.settings.font_size = (self.settings.font_size + 1.0).min(48.0),
            Command::TextSmaller => self.settings.font_size = (self.settings.font_size - 1.0).max(10.0),
            Command::ZoomIn => self.settings.zoom = (self.settings.zoom + 0.1).min(2.0),
            Command::ZoomOut => self.settings.zoom = (self.settings.zoom - 0.1).max(0.7),
            Command::ZoomReset => self.settings.zoom = 1.0,
            Command::ToggleFind => {
                self.find.open = !self.find.open;
                self.find.focus_field = self.find.open;
                if !self.find.open {
                    self.view.find_matches.clear();
                    self.view.find_current = None;
                    self.find.searched.clear();
                }
            }
            Command::ClearSelection => {
                if self.find.open {
                    self.push(Command::ToggleFind);
                } else {
                    self.view.selection = None;
                    self.selected = None;
                }
            }
            _ => self.run_on_session(ctx, cmd),
        }
    }

    fn run_on_session(&mut self, _ctx: &egui::Context, cmd: Command) {
        let Some(session) = &mut self.session else { return };
        let result: Result<(), Error> = match cmd {
            Command::SaveNow => {
                if self.conflict {
                    Ok(())
                } else {
                    let job = session.save_job();
                    let r = job.run();
                    self.finish_save(job.revision, r);
                    Ok(())
                }
            }
            Command::Undo => {
                session.undo();
                self.fix_selected();
                Ok(())
            }
            Command::Redo => {
                session.redo();
                self.fix_selected();
                Ok(())
            }
            Command::FindNext | Command::FindPrevious => {
                let n = self.view.find_matches.len();
                if n > 0 {
                    let cur = self.view.find_current.unwrap_or(0);
                    let next = if cmd == Command::FindNext { (cur + 1) % n } else { (cur + n - 1) % n };
                    self.view.find_current = Some(next);
                    self.view.scroll_to = Some(self.view.find_matches[next].start);
                }
                Ok(())
            }
            Command::Tag(code) => {
                let span = self.view.selected_span().or_else(|| {
                    self.view.find_current.filter(|_| self.find.open).and_then(|i| self.view.find_matches.get(i).copied())
                });
                match span {
                    None => {
                        self.notice =
                            Some(Notice { text: "Select some text first, then choose a code.".into(), is_error: false });
                        Ok(())
                    }
                    Some(span) => {
                        let a = Annotation::new(&session.doc, span, &code, &session.coder);
                        let (id, span) = (a.id, a.span());
                        let r = session.apply(Action::Add(a));
                        if r.is_ok() {
                            self.selected = Some(id);
                            self.view.selection = Some(Selection::caret(span.end));
                            // The new mark flashes, so that the tag is seen to have taken.
                            self.view.flash = Some((span, Instant::now()));
                        }
                        r
                    }
                }
            }
            Command::DeleteSelected => match self.selected {
                Some(id) => {
                    let r = session.apply(Action::Delete(id));
                    self.selected = None;
                    r
                }
                None => Ok(()),
            },
            Command::Select(id, jump) => {
                self.selected = id;
                if let (Some(id), true) = (id, jump)
                    && let Some(a) = session.edits.get(id)
                {
                    self.view.scroll_to = Some(a.start);
                    self.view.flash = Some((a.span(), Instant::now()));
                }
                Ok(())
            }
            Command::NextAnnotation | Command::PreviousAnnotation => {
                let listed = self.listed();
                let Some(session) = &self.session else { return };
                let anns = session.edits.annotations();
                let pos = self.selected.and_then(|id| listed.iter().position(|&i| anns[i].id == id));
                let next = match (pos, cmd == Command::NextAnnotation) {
                    (None, true) => listed.first().copied(),
                    (None, false) => listed.last().copied(),
                    (Some(p), true) => listed.get(p + 1).or(listed.first()).copied(),
                    (Some(p), false) => listed.get(p.wrapping_sub(1)).or(listed.last()).copied(),
                };
                if let Some(i) = next {
                    let id = anns[i].id;
                    self.push(Command::Select(Some(id), true));
                }
                Ok(())
            }
            Command::Filter(f) => {
                self.filter = f;
                Ok(())
            }
            Command::Apply(action) => {
                let deleting = matches!(action, Action::Delete(id) if Some(id) == self.selected);
                let r = session.apply(action);
                if deleting {
                    self.selected = None;
                }
                r
            }
            Command::ReloadTheirs => {
                let r = session.reload();
                if r.is_ok() {
                    self.conflict = false;
                    self.show_both = false;
                    self.fix_selected();
                    self.saver.seen_revision = self.session.as_ref().map_or(0, |s| s.edits.revision());
                    self.notice = Some(Notice { text: "Loaded the annotations from disk.".into(), is_error: false });
                }
                r
            }
            Command::KeepMine => match session.keep_mine() {
                Ok(copy) => {
                    self.conflict = false;
                    self.show_both = false;
                    self.saver.last_saved_at = Some(clock());
                    self.notice =
                        Some(Notice { text: format!("Saved yours; theirs was kept as {}.", copy.display()), is_error: false });
                    Ok(())
                }
                Err(e) => Err(e),
            },
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.error(e);
        }
    }

    fn fix_selected(&mut self) {
        if let (Some(id), Some(s)) = (self.selected, &self.session)
            && s.edits.get(id).is_none()
        {
            self.selected = None;
        }
    }

    /// Keeps where the open document is being read, for the next time it is opened.
    fn remember_position(&mut self) {
        if let Some(session) = &self.session
            && let Some(path) = session.doc.path()
        {
            let pos = self.view.top_position(&session.doc);
            self.settings.remember_position(path, pos);
        }
    }

    /// Called when the window closes: everything unsaved is written.
    pub fn on_close(&mut self) {
        self.flush_save();
        self.remember_position();
        self.save_settings();
    }
}

/// Text sizes readable on a projector: nothing in the workspace smaller than 85 % of the body
/// text (egui's own small text is 70 %).
pub const BODY_SIZE: f32 = 14.5;
pub const SMALL_SIZE: f32 = 12.5;

fn set_text_sizes(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Heading, FontId::new(21.0, FontFamily::Proportional)),
            (TextStyle::Body, FontId::new(BODY_SIZE, FontFamily::Proportional)),
            (TextStyle::Button, FontId::new(BODY_SIZE, FontFamily::Proportional)),
            (TextStyle::Monospace, FontId::new(13.5, FontFamily::Monospace)),
            (TextStyle::Small, FontId::new(SMALL_SIZE, FontFamily::Proportional)),
        ]
        .into();
    });
}

/// A small coloured chip with a code's cue, name and key (for lists and buttons).
pub fn code_chip(ui: &mut egui::Ui, codebook: &crate::Codebook, code_id: &str) {
    super::doc_view::cue_sample(ui, codebook, code_id);
    let name = codebook.code(code_id).map_or(code_id.to_owned(), |c| c.name.clone());
    ui.label(RichText::new(name).strong());
}
