//! The desktop app: its state, the frame's layout, and what comes back from the background.
//!
//! `App::frame` builds a [`ViewCtx`] that borrows the state read-only, lets every view draw and
//! push [`Command`]s, then applies them in [`App::run_commands`] (in `app/run.rs`), the one place
//! that changes a session or asks the [`Worker`] for disk work. The worker's answers are taken
//! in at the start of the next frame.

mod class;
mod done;
mod folder;
mod run;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::codebook_editor::CodebookEditor;
use super::command::{Command, NUMBER_KEYS, TAG_FIND_MATCH, TAG_SELECTION, UiCommand};
use super::compare::CompareView;
use super::corpus::{ExportDialog, FolderPanel};
use super::dialogs::Dialogs;
use super::doc_view::DocView;
use super::document::DocumentArea;
use super::folder::Folder;
use super::menu::MenuBar;
use super::panel::AnnotationPanel;
use super::saver::{Due, Saver};
use super::settings::{Settings, ThemeChoice};
use super::state::{NARROW_WIDTH, OPEN_IN_BACKGROUND_BYTES, Opening, Panels};
use super::status::StatusBar;
use super::view::{Notice, ViewCtx};
use super::worker::{Done, Job, SaveTarget, Worker};
use crate::annotation::AnchorStatus;
use crate::error::{Error, ErrorKind};
use crate::session::Session;

/// How often the sidecar on disk is checked for changes made by others.
const DISK_CHECK_EVERY: Duration = Duration::from_secs(2);

/// What the annotation list was computed for: (revision, code filter, lower-case search).
type ListKey = (u64, Option<String>, String);

/// The error when a background open's thread ended without an answer.
fn reader_stopped(path: &Path) -> Error {
    Error::new(ErrorKind::Io, "could not be opened: the reading thread stopped").in_file(path)
}

/// Every view of the window; each owns only its own widgets' state.
#[derive(Default)]
pub(crate) struct Views {
    pub(super) menu: MenuBar,
    pub(super) status: StatusBar,
    pub(crate) document: DocumentArea,
    pub(super) panel: AnnotationPanel,
    pub(super) folder: FolderPanel,
    /// The compare-coders view of the open document, when open.
    pub(super) compare: Option<CompareView>,
    pub(super) codebook: CodebookEditor,
    pub(super) dialogs: Dialogs,
    pub(super) export: ExportDialog,
    /// The Retrieve window (passages across the open folder).
    pub(super) retrieve: super::retrieve::RetrieveView,
    /// Making a link with the keyboard.
    pub(super) link_mode: super::link_mode::LinkMode,
    /// The class dashboard.
    pub(crate) dashboard: super::class_view::ClassDashboard,
    /// The code matrix window of the open folder.
    pub(crate) matrix: super::matrix_view::MatrixView,
    /// The table of the open folder's document variables.
    pub(super) variables: super::vars_editor::VariablesEditor,
    /// Find a text across the open folder and tag the matches.
    pub(super) find_folder: super::find_folder::FindInFolder,
    /// A class: the assignment bar and instructions, hand-in and collection.
    pub(super) assignment: super::assignment::AssignmentView,
}

pub struct App {
    pub(super) settings: Settings,
    settings_path: Option<PathBuf>,
    /// The open document.
    pub(crate) session: Option<Session>,
    /// The gold sidecar of the compare view (opened on the first adjudication).
    pub(super) gold: Option<Session>,
    /// A large document being opened in the background.
    pub(super) opening: Option<Opening>,
    /// The folder that was opened, if any, with its documents.
    pub(crate) folder: Option<Folder>,
    /// The opened folder being read in the background.
    folder_load: Option<super::folder_load::FolderLoad>,
    /// The open folder, watched for changes other programs make (see `watch`).
    watch: Option<super::watch::FolderWatch>,
    /// Documents changed on disk, waiting to be read again; the ones being read; the ones read
    /// and waiting for the loaded folder to be free.
    reread_queue: Vec<PathBuf>,
    rereading: Option<super::watch::Rereading>,
    reread_ready: Vec<crate::corpus::ReadAgain>,
    /// Since when documents read again wait for the loaded folder to be free.
    reread_waiting: Option<Instant>,
    /// The opened folder once read, for the views that query it (Retrieve, the code matrix).
    pub(crate) corpus: Option<std::sync::Arc<crate::corpus::Corpus>>,
    /// The open document was saved since `corpus` was read: its saved state goes into the
    /// corpus as soon as no query holds it.
    corpus_behind: bool,
    /// The folder's variables as last written, for `corpus` as soon as no query holds it.
    pending_variables: Option<crate::vars::Variables>,
    /// Documents whose sidecars were written by the worker, to read again into `corpus`.
    pending_reloads: Vec<PathBuf>,
    pub(crate) selected: Option<Uuid>,
    pub(super) filter: Option<String>,
    pub(crate) notice: Option<Notice>,
    /// The sidecar changed on disk: ask what to do.
    pub(super) conflict: bool,
    /// The user chose (Reload theirs, Keep mine) and the worker is carrying it out.
    pub(super) resolving: bool,
    /// "Keep mine" put theirs here; said once yours is saved.
    pub(super) theirs_copy: Option<PathBuf>,
    pub(crate) views: Views,
    pub(super) saver: Saver,
    /// The background thread for disk work.
    pub(super) worker: Worker,
    /// Commands waiting for the open document's save to finish (opening another one).
    pub(super) after_save: Vec<Command>,
    pub(super) commands: Vec<Command>,
    pub(super) folder_revision: Option<u64>,
    last_disk_check: Instant,
    list_cache: Option<(ListKey, Rc<[usize]>)>,
    applied_theme: Option<ThemeChoice>,
    /// Text sizes and options were set on the context.
    styled: bool,
    /// A text field had the keyboard at the end of the last frame (see `field`).
    field_had_keyboard: bool,
    pub(super) panels: Panels,
    /// The window was narrower than [`NARROW_WIDTH`] in the last frame.
    pub(super) narrow: bool,
    /// The person named for this run only (--coder or $MARGINALIA_CODER).
    pub(super) coder_override: Option<crate::coder::Coder>,
    /// The last rename of the person coding (their name before, to rename back).
    pub(super) last_rename: Option<String>,
    /// The open document's revision when a rename was sent to the worker.
    pub(super) rename_revision: Option<u64>,
    /// The opened folder's class manifest, when it has one.
    pub(crate) class: Option<super::state::ClassInfo>,
    /// Anonymous mode's pseudonyms: where they are kept, and the class being read.
    pub(super) anonymity: super::pseudonym_store::Anonymity,
}

impl App {
    /// `settings_path: None` keeps settings in memory only (tests).
    pub fn new(mut settings: Settings, settings_path: Option<PathBuf>) -> Self {
        let mut views = Views::default();
        // The person's id is made once and kept before anything is signed with it.
        if settings.coder_id.is_none() {
            settings.person("");
            if let Some(path) = &settings_path {
                let _ = settings.save(path);
            }
        }
        views.dialogs.asking_coder = settings.coder.trim().is_empty();
        Self {
            settings,
            settings_path,
            session: None,
            gold: None,
            opening: None,
            folder: None,
            folder_load: None,
            watch: None,
            reread_queue: Vec::new(),
            rereading: None,
            reread_ready: Vec::new(),
            reread_waiting: None,
            corpus: None,
            corpus_behind: false,
            pending_variables: None,
            pending_reloads: Vec::new(),
            selected: None,
            filter: None,
            notice: None,
            conflict: false,
            resolving: false,
            theirs_copy: None,
            views,
            saver: Saver::default(),
            worker: Worker::default(),
            after_save: Vec::new(),
            commands: Vec::new(),
            folder_revision: None,
            last_disk_check: Instant::now(),
            list_cache: None,
            applied_theme: None,
            styled: false,
            field_had_keyboard: false,
            panels: Panels::default(),
            narrow: false,
            coder_override: None,
            last_rename: None,
            rename_revision: None,
            class: None,
            anonymity: Default::default(),
        }
    }

    /// The open document.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The document view: selection, scrolling, find matches.
    pub fn doc_view(&self) -> &DocView {
        &self.views.document.view
    }

    /// The selected annotation.
    pub fn selected(&self) -> Option<Uuid> {
        self.selected
    }

    /// Is a large document being opened in the background?
    pub fn is_opening(&self) -> bool {
        self.opening.is_some()
    }

    /// The compare-coders view, when open.
    pub fn compare(&self) -> Option<&CompareView> {
        self.views.compare.as_ref()
    }

    /// File > Export's dialog (tests type the output path into it).
    pub fn export_dialog(&self) -> &ExportDialog {
        &self.views.export
    }

    pub fn export_dialog_mut(&mut self) -> &mut ExportDialog {
        &mut self.views.export
    }

    /// The document view, to move it as a reader would (tests).
    pub fn doc_view_mut(&mut self) -> &mut DocView {
        &mut self.views.document.view
    }

    /// The dialogs' state (the Open dialog's path field, the name prompt…).
    pub fn dialogs(&self) -> &super::dialogs::Dialogs {
        &self.views.dialogs
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Is the name prompt showing?
    pub fn asking_coder(&self) -> bool {
        self.views.dialogs.asking_coder
    }

    /// Is the find bar open?
    pub fn find_open(&self) -> bool {
        self.views.document.find.open
    }

    /// Was the window narrow in the last frame (the annotation panel a drawer under the text)?
    pub fn is_narrow(&self) -> bool {
        self.narrow
    }

    /// Which side panels are shown.
    pub fn panels(&self) -> &Panels {
        &self.panels
    }

    /// The opened folder.
    pub fn folder(&self) -> Option<&Folder> {
        self.folder.as_ref()
    }

    /// The folder panel (its overview chart's choices).
    pub fn folder_panel(&self) -> &FolderPanel {
        &self.views.folder
    }

    /// This run is `name`'s (--coder, $MARGINALIA_CODER): the stored person when the name is
    /// theirs, else the person of that name who coded on this computer before, else a new
    /// person (remembered, so that the next run with that name is them again). The saved
    /// person is not changed.
    pub fn use_coder_for_this_run(&mut self, name: String) {
        let name = crate::coder::check_name(&name).unwrap_or(name);
        let stored = self.settings.person(&crate::session::default_coder());
        let person = if name == stored.name {
            stored
        } else if let Some(known) = self.settings.people.iter().find(|p| p.name == name) {
            known.clone()
        } else {
            let person = crate::coder::Coder::new(&name);
            self.settings.know(&person);
            self.save_settings();
            person
        };
        if let Some(s) = &mut self.session {
            s.coder.clone_from(&person.name);
        }
        self.coder_override = Some(person);
        self.views.dialogs.asking_coder = false;
    }

    /// The person coding: whose sidecars open, whose name and id sign new work.
    pub fn person(&self) -> crate::coder::Coder {
        if let Some(person) = &self.coder_override {
            return person.clone();
        }
        let id = self.settings.coder_id.unwrap_or_default();
        crate::coder::Coder { id, name: self.coder() }
    }

    /// Is the person coding the open class's answer key?
    pub fn marking_key(&self) -> bool {
        let key = self.class.as_ref().and_then(|c| crate::class::key_person(&c.manifest));
        key.is_some_and(|k| self.coder_override.as_ref().is_some_and(|p| p.id == k.id))
    }

    /// The name that signs new annotations.
    pub(super) fn coder(&self) -> String {
        if let Some(person) = &self.coder_override {
            person.name.clone()
        } else if self.settings.coder.trim().is_empty() {
            crate::session::default_coder()
        } else {
            self.settings.coder.clone()
        }
    }

    /// Keeps where the open document is being read, for the next time it is opened.
    pub(super) fn remember_position(&mut self) {
        if let Some(session) = &self.session
            && let Some(path) = session.doc.path()
        {
            let pos = self.views.document.view.top_position(&session.doc);
            self.settings.remember_position(path, pos);
        }
    }

    /// The class dashboard.
    pub fn class_dashboard(&self) -> &super::class_view::ClassDashboard {
        &self.views.dashboard
    }

    /// The opened folder's class manifest and students, once read.
    pub fn class_info(&self) -> Option<&super::state::ClassInfo> {
        self.class.as_ref()
    }

    /// The document variables window.
    pub fn variables_mut(&mut self) -> &mut super::vars_editor::VariablesEditor {
        &mut self.views.variables
    }

    /// The Find in folder window.
    pub fn find_folder_mut(&mut self) -> &mut super::find_folder::FindInFolder {
        &mut self.views.find_folder
    }

    /// The Retrieve window.
    pub fn retrieve(&self) -> &super::retrieve::RetrieveView {
        &self.views.retrieve
    }

    /// The code matrix window.
    pub fn matrix(&self) -> &super::matrix_view::MatrixView {
        &self.views.matrix
    }

    /// The code matrix window (tests choose its columns).
    pub fn matrix_mut(&mut self) -> &mut super::matrix_view::MatrixView {
        &mut self.views.matrix
    }

    /// The opened folder as read in the background, once it is.
    pub fn loaded_corpus(&self) -> Option<&crate::corpus::Corpus> {
        self.corpus.as_deref()
    }

    /// The Retrieve window (tests fill in its form).
    pub fn retrieve_mut(&mut self) -> &mut super::retrieve::RetrieveView {
        &mut self.views.retrieve
    }

    /// When the open document was saved, and whether a save is under way.
    pub fn saver(&self) -> &Saver {
        &self.saver
    }

    pub fn push(&mut self, command: impl Into<Command>) {
        self.commands.push(command.into());
    }

    /// Opens a document (or the first document of a folder, listing the others; their
    /// sidecars are read in the background). Unsaved changes of the open document are saved
    /// first: the document opens once the worker has written them.
    pub fn open(&mut self, path: &Path) {
        self.open_path(path, false);
    }

    /// Opens a document or folder; `in_frame`: a view asked for it while the window runs, so
    /// the document is read on a thread of its own whatever its size (before the first frame,
    /// a small one is read at once). An assignment package is unpacked, hand-ins collected.
    pub(super) fn open_path(&mut self, path: &Path, in_frame: bool) {
        if super::assignment::is_package(path) {
            return self.open_package(path);
        }
        if super::assignment::is_handin(path) {
            return self.collect_handins(vec![path.to_path_buf()]);
        }
        if path.is_dir() {
            match super::assignment::documents_of(path) {
                Ok(docs) if !docs.is_empty() => {
                    let first = docs[0].clone();
                    self.folder = Some(Folder::listed(path, &docs));
                    self.read_folder(path, docs);
                    self.read_folder_kind(path);
                    self.open_path(&first, in_frame);
                    // Recent places list the folder (first), not only its first document.
                    self.settings.remember(path);
                    self.save_settings();
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
        if self.save_before_leaving() {
            self.after_save.push(Command::OpenPath(path.to_path_buf()));
            return;
        }
        self.remember_position();
        self.read_document_folder_kind(path);
        // The person's own sidecar: found by their id (see `coder::sidecar_for`).
        let coder = self.person();
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let bytes = size(path).max(size(&crate::sidecar::default_path(path)));
        if in_frame || bytes >= OPEN_IN_BACKGROUND_BYTES {
            let owned = path.to_path_buf();
            let (task, result) = super::task::task("marginalia-open", move || Session::open_as(&owned, &coder));
            super::task::start(task);
            // What was open is closed (its changes were just saved); the view says what is coming.
            self.session = None;
            self.gold = None;
            self.views.compare = None;
            self.opening = Some(Opening { path: path.to_path_buf(), bytes, started: Instant::now(), result });
            self.views.dialogs.show_open = false;
            return;
        }
        let result = Session::open_as(path, &coder);
        self.adopt(path, result);
    }

    /// Takes in the result of opening `path`.
    fn adopt(&mut self, path: &Path, result: Result<Session, Error>) {
        let session = match result {
            Ok(session) => session,
            Err(e) => return self.error(e),
        };
        let report = &session.report;
        self.notice = session.doc.encoding_warning().map(|w| Notice { text: w, is_error: false });
        if !report.all_anchored() {
            self.notice = Some(Notice {
                text: format!("The text changed since it was annotated: {}.", report.summary()),
                is_error: report.orphaned > 0,
            });
        }
        self.saver.reset(session.edits.revision(), session.is_dirty());
        self.session = Some(session);
        self.gold = None;
        self.views.compare = None;
        self.views.document.view.reset();
        // egui keeps the scroll offset by widget id: set it, or the previous document's stays.
        self.views.document.view.scroll_to_top = Some(self.settings.position_of(path).unwrap_or(0));
        self.views.dialogs.show_open = false;
        self.selected = None;
        self.filter = None;
        self.conflict = false;
        self.list_cache = None;
        self.settings.remember(path);
        self.save_settings();
        if let Some(folder) = &self.folder
            && !folder.entries.iter().any(|e| e.path == path)
        {
            self.folder = None;
        }
        self.folder_revision = None;
    }

    /// Waits for a background open to finish and takes it in (the benchmark and tests use it;
    /// the app itself checks each frame and stays responsive).
    pub fn finish_opening(&mut self) {
        if let Some(opening) = self.opening.take() {
            let result = opening.result.wait().unwrap_or_else(|_| Err(reader_stopped(&opening.path)));
            self.adopt(&opening.path, result);
        }
    }

    /// Takes in a background open when it has finished; until then, repaints to check again.
    fn poll_opening(&mut self, ctx: &egui::Context) {
        let Some(opening) = &self.opening else { return };
        let result = match opening.result.poll(ctx) {
            None => return,
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(reader_stopped(&opening.path)),
        };
        if let Some(opening) = self.opening.take() {
            self.adopt(&opening.path, result);
        }
    }

    pub(super) fn error(&mut self, e: Error) {
        self.notice = Some(Notice { text: e.to_string(), is_error: true });
    }

    /// Hands the settings to the worker to write.
    pub(super) fn save_settings(&mut self) {
        if let Some(path) = &self.settings_path {
            let job = Job::SaveSettings { settings: Box::new(self.settings.clone()), path: path.clone() };
            self.submit(job);
        }
    }

    fn settings_saved(&mut self, result: Result<(), Error>) {
        if let Err(e) = result {
            self.notice = Some(Notice { text: format!("Settings were not saved: {e}"), is_error: true });
        }
    }

    pub(super) fn submit(&mut self, job: Job) {
        if let Err(e) = self.worker.submit(job) {
            self.error(e);
        }
    }

    /// Hands the open document's sidecar to the worker.
    pub(super) fn submit_save(&mut self) {
        let Some(session) = &self.session else { return };
        let job = session.save_job();
        self.saver.started(job.revision);
        self.submit(Job::Save { target: SaveTarget::Document, job: Box::new(job) });
    }

    /// Before leaving the open document (opening another, comparing its coders): hands its
    /// unsaved changes to the worker. True while that save is under way; the caller waits for
    /// it in `after_save`. After a failed save it does not wait (the error is shown).
    pub(super) fn save_before_leaving(&mut self) -> bool {
        if let Some(session) = &self.session
            && session.is_dirty()
            && !self.conflict
            && self.saver.error().is_none()
            && !self.saver.is_saving()
        {
            self.submit_save();
        }
        self.saver.is_saving()
    }

    /// Saves everything unsaved (the open document, the class dashboard's rubric and comments)
    /// and waits for the worker (up to ten seconds): the window is closing, so what was typed
    /// must reach the disk first.
    pub fn flush_save(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for _ in 0..2 {
            if let Some(session) = &self.session
                && session.is_dirty()
                && !self.conflict
                && !self.saver.is_saving()
            {
                self.submit_save();
            }
            self.save_dashboard_now();
            while self.worker.busy() {
                match self.worker.wait(deadline.saturating_duration_since(Instant::now())) {
                    Some(done) => self.take_in(done),
                    None => return,
                }
            }
        }
    }

    /// Autosave and disk watching; called once per frame.
    fn tick(&mut self, ctx: &egui::Context) {
        self.take_in_worker(ctx);
        self.take_in_folder(ctx);
        self.follow_folder(ctx);
        self.autosave_dashboard(ctx);
        let Some(session) = &self.session else { return };
        match self.saver.due(session.edits.revision(), session.is_dirty(), self.conflict) {
            Due::Now => self.submit_save(),
            Due::After(wait) => ctx.request_repaint_after(wait),
            Due::No => {}
        }
        let Some(session) = &self.session else { return };
        if !self.conflict && !self.saver.is_saving() && self.last_disk_check.elapsed() >= DISK_CHECK_EVERY {
            self.last_disk_check = Instant::now();
            if session.had_sidecar {
                let job = Job::CheckSidecar { path: session.sidecar_path.clone(), expected: session.disk_stamp().cloned() };
                self.submit(job);
            }
        }
        ctx.request_repaint_after(DISK_CHECK_EVERY);
    }

    /// Draws the whole app into `ui` and applies the frame's commands.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let egui_ctx = ui.ctx().clone();
        self.poll_opening(&egui_ctx);
        self.apply_look(&egui_ctx);
        self.tick(&egui_ctx);
        self.global_shortcuts(&egui_ctx);
        self.dropped_files(&egui_ctx);
        self.refresh_folder_entry();
        let listed = self.listed();
        // Below this width (in points, so zooming in narrows the window) the annotation panel
        // becomes a drawer under the text and the folder list folds away, so that the text
        // column keeps a readable measure.
        self.narrow = egui_ctx.content_rect().width() < NARROW_WIDTH;
        // The class's names, only while the name prompt shows (the views borrow the app's state).
        let roster = match &self.views.assignment.current {
            Some((_, m)) if self.views.dialogs.asking_coder => m.roster.clone(),
            _ => Vec::new(),
        };
        let ctx = ViewCtx {
            session: self.session.as_ref(),
            gold: self.gold.as_ref(),
            settings: &self.settings,
            folder: self.folder.as_ref(),
            opening: self.opening.as_ref(),
            saver: &self.saver,
            class_save: self.views.dashboard.save_state(),
            selected: self.selected,
            filter: self.filter.as_deref(),
            selection: self.views.document.view.selected_span(),
            target: self.views.document.target(),
            listed,
            conflict: self.conflict && !self.resolving,
            notice: self.notice.as_ref(),
            panels: &self.panels,
            narrow: self.narrow,
            link_prompt: self.session.as_ref().and_then(|s| self.views.link_mode.prompt(s)),
            class: self.class.as_ref().filter(|c| self.folder.as_ref().is_some_and(|f| f.root == c.root)),
            person: self.person(),
            last_rename: self.last_rename.as_deref(),
            marking_key: self.marking_key(),
            roster: &roster,
        };
        self.views.document.view.link_candidate = self.views.link_mode.candidate();
        let (views, out) = (&mut self.views, &mut self.commands);
        egui::Panel::top("menu-bar").show(ui, |ui| views.menu.ui(ui, &ctx, out));
        views.assignment.bar(ui, &ctx, out);
        egui::Panel::bottom("status-bar").show(ui, |ui| views.status.ui(ui, &ctx, out));
        if views.link_mode.active() {
            egui::Panel::bottom("link-mode-bar").show(ui, |ui| views.link_mode.ui(ui, ctx.session, out));
        }
        let screen = egui_ctx.content_rect();
        if ctx.session.is_some() && ctx.panels.annotations {
            if ctx.narrow {
                egui::Panel::bottom("annotation-drawer")
                    .resizable(true)
                    .default_size(screen.height() * 0.3)
                    .min_size(90.0)
                    .max_size(screen.height() * 0.6)
                    .show(ui, |ui| views.panel.ui(ui, &ctx, out));
            } else {
                egui::Panel::right("annotation-panel")
                    .resizable(true)
                    .default_size(360.0)
                    .min_size(260.0)
                    .max_size(screen.width() * 0.4)
                    .show(ui, |ui| views.panel.ui(ui, &ctx, out));
            }
        }
        if if ctx.narrow { ctx.panels.folder_when_narrow } else { ctx.panels.folder } {
            views.folder.ui(ui, &ctx, out);
        }
        if let Some(compare) = &mut views.compare {
            compare.ui(ui, &ctx, out);
        }
        egui::CentralPanel::default().show(ui, |ui| views.document.ui(ui, &ctx, out));
        views.codebook.ui(ui, &ctx, out);
        views.dialogs.ui(ui, &ctx, out);
        views.export.ui(ui, &ctx, out);
        views.dashboard.ui(ui, &ctx, out);
        views.retrieve.ui(&egui_ctx, ctx.folder.map(|f| f.root.as_path()), self.corpus.as_ref(), ctx.aliases(), out);
        views.matrix.ui(&egui_ctx, ctx.folder.map(|f| f.root.as_path()), self.corpus.as_ref(), ctx.aliases(), out);
        views.variables.ui(&egui_ctx, ctx.folder, out);
        let fallback;
        let codebook = match (ctx.session, self.corpus.as_deref()) {
            (Some(s), _) => s.edits.codebook(),
            (None, Some(c)) => &c.codebook,
            (None, None) => {
                fallback = crate::codebook::Codebook::default();
                &fallback
            }
        };
        let documents = ctx.folder.map(|f| (f.root.as_path(), f.entries.iter().map(|e| e.path.clone()).collect()));
        views.find_folder.ui(&egui_ctx, documents, self.corpus.as_ref(), codebook, out);
        views.assignment.ui(ui, &ctx, out);
        self.run_commands(&egui_ctx);
        self.field_had_keyboard =
            egui_ctx.egui_wants_keyboard_input() && egui_ctx.memory(|m| m.focused()) != Some(super::doc_view::view_id());
    }

    fn apply_look(&mut self, ctx: &egui::Context) {
        if !self.styled {
            set_text_sizes(ctx);
            // The system's fonts for the scripts egui's own lack (Arabic, Hebrew, CJK…): added
            // here rather than by the window so that every frame, a test's too, lays text out
            // with the same fonts.
            ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
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

    /// Turns the command table's shortcuts, and the codes' number keys, into commands.
    fn global_shortcuts(&mut self, ctx: &egui::Context) {
        for (sc, cmd) in UiCommand::global_keys() {
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                self.push(cmd);
            }
        }
        // In the find bar, Alt+number tags the current match (digits type into the field).
        if self.views.document.find.open
            && self.views.document.view.find_current.is_some()
            && let Some(session) = &self.session
        {
            if let Some(k) = TAG_FIND_MATCH.number_pressed(ctx, NUMBER_KEYS.len())
                && let Some(code) = session.edits.codebook().by_key(NUMBER_KEYS[k].0)
            {
                self.commands.push(Command::Tag(code.id.clone()));
            }
        }
        // Reading shortcuts work unless a text field has the keyboard (the document view
        // takes focus for its caret but never wants typed text).
        let typing = ctx.egui_wants_keyboard_input() && ctx.memory(|m| m.focused()) != Some(super::doc_view::view_id());
        // Keys typed into a field that a click in this frame took the focus from are text
        // (the field keeps them, see `field`), never shortcuts: a digit must not tag.
        if typing || super::field::typed_into_a_field_just_left(ctx, self.field_had_keyboard) {
            return;
        }
        // While a link is being made, N, Enter, the numbers and Escape are its keys.
        if self.views.link_mode.active() {
            match &self.session {
                Some(session) => self.views.link_mode.keys(ctx, session, &mut self.commands),
                None => self.views.link_mode.cancel(),
            }
            return;
        }
        // Escape closes an open menu or dialog first (it sees the key), and only then clears.
        let menu_open = egui::Popup::is_any_open(ctx)
            || self.views.dialogs.asking_coder
            || self.conflict
            || self.views.assignment.show_instructions;
        for (m, key, cmd) in UiCommand::reading_keys() {
            if menu_open && key == egui::Key::Escape {
                continue;
            }
            if ctx.input_mut(|i| i.consume_key(m, key)) {
                self.push(cmd);
            }
        }
        // Number keys tag the selection with the code that has that key.
        if let Some(session) = &self.session {
            if let Some(k) = TAG_SELECTION.number_pressed(ctx, NUMBER_KEYS.len())
                && let Some(code) = session.edits.codebook().by_key(NUMBER_KEYS[k].0)
            {
                self.commands.push(Command::Tag(code.id.clone()));
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        // Hand-ins dropped together are collected together; anything else opens.
        let (handins, others): (Vec<PathBuf>, Vec<PathBuf>) = dropped.into_iter().partition(|p| super::assignment::is_handin(p));
        if !handins.is_empty() {
            self.push(Command::CollectHandins(handins));
        } else if let Some(path) = others.into_iter().next() {
            self.push(Command::OpenPath(path));
        }
    }

    /// Annotation indexes shown in the list (filter and search applied), cached per revision
    /// and shared, so that drawing the list each frame copies nothing.
    pub fn listed(&mut self) -> Rc<[usize]> {
        let Some(session) = &self.session else { return Rc::from([]) };
        let key = (session.edits.revision(), self.filter.clone(), self.views.panel.search.to_lowercase());
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

    /// Called when the window closes: everything unsaved is written.
    pub fn on_close(&mut self) {
        self.flush_save();
        self.remember_position();
        // The window is going: written here, not left to the worker.
        if let Some(path) = &self.settings_path {
            let result = self.settings.save(path);
            self.settings_saved(result);
        }
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
