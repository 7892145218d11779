//! Applying commands: the one place where the app's state changes in answer to the views, and
//! where disk work is handed to the background worker.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::annotation::Annotation;
use crate::edits::Action;
use crate::error::Error;
use crate::session::Session;
use crate::sidecar::DiskStamp;
use crate::ui::App;
use crate::ui::command::{Command, UiCommand};
use crate::ui::compare;
use crate::ui::doc_view::Selection;
use crate::ui::view::Notice;
use crate::ui::worker::{Job, SaveTarget};

impl App {
    /// Applies the frame's commands, in the order they were pushed (a command may push more).
    pub fn run_commands(&mut self, ctx: &egui::Context) {
        while !self.commands.is_empty() {
            let commands = std::mem::take(&mut self.commands);
            for cmd in commands {
                self.run(ctx, cmd);
            }
        }
    }

    fn run(&mut self, ctx: &egui::Context, cmd: Command) {
        match cmd {
            // An annotation clicked in the text while the panel's "Link to…" form is open is
            // the form's target, not a new selection.
            Command::Select(Some(id), false) if crate::ui::panel::take_link_target(ctx, self.selected, id) => {}
            Command::Ui(c) => self.run_ui(ctx, c),
            Command::OpenPath(p) => self.open_path(&p, true),
            Command::HandIn(out) => self.hand_in(out),
            Command::CollectHandins(files) => self.collect_handins(files),
            Command::CancelOpening => {
                // The reading thread finishes on its own; its result is dropped with the channel.
                self.opening = None;
            }
            Command::SetTheme(theme) => {
                self.settings.theme = theme;
                self.save_settings();
            }
            Command::SetLineWidth(width) => self.settings.line_width = width.clamp(360.0, 1400.0),
            Command::SetCoder(name) => self.set_coder(name),
            Command::SwitchCoder { id, name } => self.switch_coder(id, name),
            Command::MarkAsKey(on) => self.mark_as_key(on),
            Command::NameKey(name) => {
                if let Some(folder) = self.class.as_ref().map(|c| c.root.clone()) {
                    self.submit(Job::NameKey { folder, name });
                }
            }
            Command::SkipName => self.skip_name_prompt(),
            Command::Notify(notice) => self.notice = Some(notice),
            Command::DismissNotice => self.notice = None,
            Command::ReadSidecar(path) => self.submit(Job::ReadSidecar(path)),
            Command::ReloadFolder => self.reload_folder(),
            Command::ReadCoders(paths) => {
                let Some(view) = &self.views.compare else { return };
                let job = Job::ReadCoders { doc: view.shared_document(), paths, known: view.known_paths() };
                self.submit(job);
            }
            Command::WriteFile { path, bytes, backup, done } => self.submit(Job::Write { path, bytes, backup, done }),
            Command::EditVariables { folder, edits, said } => self.submit(Job::Variables { folder, edits, said }),
            Command::ImportVariables { folder, csv, documents } => self.submit(Job::ImportVariables { folder, csv, documents }),
            Command::TagHits { code, hits } => self.tag_hits(&code, hits),
            Command::UntagHits { documents } => {
                let coder = self.person();
                self.submit(Job::UncodeSpans { documents, coder });
            }
            Command::RetrieveCell { query, row, col, row_id, col_name, caption } => {
                if let Some(folder) = &self.folder {
                    let cell = crate::ui::retrieve::Cell { query, row, col, row_id, col_name };
                    let task = self.views.retrieve.show_cell(&folder.root, self.corpus.clone(), cell, caption);
                    crate::ui::task::start(task);
                }
            }
            Command::ReadCodebook(path) => self.submit(Job::ReadCodebook(path)),
            Command::StartExport(request) => {
                self.views.export.started();
                // In anonymous mode the export names students by their pseudonyms, once the
                // class's are in.
                let Err(Command::StartExport(mut request)) = self.wait_for_pseudonyms(Command::StartExport(request)) else {
                    return;
                };
                request.aliases = self.aliases();
                self.submit(Job::Export(request));
            }
            Command::CancelExport => self.worker.cancel_export(),
            Command::AcceptIntoGold { coder, annotation, code } => self.accept_into_gold(&coder, &annotation, code),
            Command::UndoGold { redo } => self.undo_gold(redo),
            Command::Dashboard(c) => self.run_dashboard(c),
            Command::Task(task) => crate::ui::task::start(task),
            Command::CloseCompare => {
                self.views.compare = None;
                self.gold = None;
            }
            other => self.run_on_session(other),
        }
    }

    /// Applies a command a person invoked.
    fn run_ui(&mut self, ctx: &egui::Context, cmd: UiCommand) {
        match cmd {
            UiCommand::ChangeName
            | UiCommand::ToggleAnnotationPanel
            | UiCommand::ToggleFolderPanel
            | UiCommand::FocusDocument
            | UiCommand::FocusFolder
            | UiCommand::TextBigger
            | UiCommand::TextSmaller
            | UiCommand::ZoomIn
            | UiCommand::ZoomOut
            | UiCommand::ZoomReset => self.run_window(ctx, cmd),
            UiCommand::Open => {
                self.views.dialogs.show_open = true;
                self.views.dialogs.focus_open_path = true;
            }
            UiCommand::ShowAssignment => self.show_assignment(),
            UiCommand::HandIn => self.show_handin(),
            // The window closes; `on_close` saves on the way out, as closing it any other way does.
            UiCommand::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            UiCommand::Export => self.show_export(),
            UiCommand::ShowShortcuts => self.views.dialogs.show_shortcuts = true,
            UiCommand::CompareCoders => self.open_compare(),
            UiCommand::EditCodebook => self.views.codebook.open = true,
            UiCommand::ShowRetrieve => self.views.retrieve.open = true,
            UiCommand::LinkFromSelected => {
                match self.views.link_mode.start(self.session.as_ref(), self.selected) {
                    // The keys go to linking, not to a text field that had them.
                    Ok(()) => ctx.memory_mut(|m| {
                        if let Some(id) = m.focused() {
                            m.surrender_focus(id);
                        }
                    }),
                    Err(text) => self.notice = Some(Notice { text, is_error: false }),
                }
            }
            UiCommand::ClassDashboard => self.run_dashboard(crate::ui::state::ClassCommand::Grade),
            UiCommand::ShowMatrix => self.views.matrix.open = true,
            UiCommand::EditVariables => self.views.variables.open = true,
            UiCommand::FindInFolder => self.views.find_folder.open = true,
            UiCommand::ToggleFind => {
                let area = &mut self.views.document;
                area.find.open = !area.find.open;
                area.find.focus_field = area.find.open;
                if !area.find.open {
                    area.view.find_matches.clear();
                    area.view.find_current = None;
                    area.find.clear();
                }
            }
            UiCommand::ClearSelection => {
                if self.views.document.find.open {
                    self.push(UiCommand::ToggleFind);
                } else {
                    self.views.document.view.selection = None;
                    self.selected = None;
                }
            }
            UiCommand::FindNext | UiCommand::FindPrevious => {
                let view = &mut self.views.document.view;
                let n = view.find_matches.len();
                if n > 0 {
                    let cur = view.find_current.unwrap_or(0);
                    let next = if cmd == UiCommand::FindNext { (cur + 1) % n } else { (cur + n - 1) % n };
                    view.find_current = Some(next);
                    view.scroll_to = Some(view.find_matches[next].start);
                }
            }
            // While the compare view has the pointer's last press, undo and redo step through
            // adjudication in the gold sidecar instead of the document's annotations.
            UiCommand::Undo | UiCommand::Redo if self.views.compare.as_ref().is_some_and(|c| c.focused) => {
                self.undo_gold(cmd == UiCommand::Redo);
            }
            UiCommand::NextAnnotation | UiCommand::PreviousAnnotation => self.step_annotation(cmd == UiCommand::NextAnnotation),
            UiCommand::SaveNow => {
                if self.session.is_some() && !self.conflict && !self.saver.is_saving() {
                    self.submit_save();
                }
            }
            UiCommand::Undo | UiCommand::Redo | UiCommand::DeleteSelected => {
                let Some(session) = &mut self.session else { return };
                let result = match cmd {
                    UiCommand::Undo => {
                        session.undo();
                        Ok(())
                    }
                    UiCommand::Redo => {
                        session.redo();
                        Ok(())
                    }
                    _ => match self.selected.take() {
                        Some(id) => session.apply(Action::Delete(id)),
                        None => Ok(()),
                    },
                };
                self.fix_selected();
                if let Err(e) = result {
                    self.error(e);
                }
            }
        }
    }

    /// Commands about the window itself: text size and zoom, panels, where the keyboard goes,
    /// the coder's name.
    fn run_window(&mut self, ctx: &egui::Context, cmd: UiCommand) {
        match cmd {
            UiCommand::ChangeName => self.views.dialogs.ask_name(&self.settings.coder),
            UiCommand::ToggleAnnotationPanel => self.panels.annotations = !self.panels.annotations,
            UiCommand::ToggleFolderPanel => {
                if self.narrow {
                    self.panels.folder_when_narrow = !self.panels.folder_when_narrow;
                } else {
                    self.panels.folder = !self.panels.folder;
                }
            }
            UiCommand::FocusDocument if self.session.is_some() => {
                ctx.memory_mut(|m| m.request_focus(crate::ui::doc_view::view_id()));
            }
            UiCommand::FocusFolder if self.folder.is_some() => {
                if self.narrow {
                    self.panels.folder_when_narrow = true;
                } else {
                    self.panels.folder = true;
                }
                self.views.folder.focus_current = true;
            }
            UiCommand::TextBigger => self.settings.font_size = (self.settings.font_size + 1.0).min(48.0),
            UiCommand::TextSmaller => self.settings.font_size = (self.settings.font_size - 1.0).max(10.0),
            UiCommand::ZoomIn => self.settings.zoom = (self.settings.zoom + 0.1).min(2.0),
            UiCommand::ZoomOut => self.settings.zoom = (self.settings.zoom - 0.1).max(0.7),
            UiCommand::ZoomReset => self.settings.zoom = 1.0,
            _ => {}
        }
    }

    fn show_export(&mut self) {
        let doc = self.session.as_ref().and_then(|s| s.doc.path().map(Path::to_path_buf));
        match (&self.folder, doc) {
            (Some(f), _) => {
                let root = f.root.clone();
                self.views.export.show_for(&root, true);
            }
            (None, Some(d)) => self.views.export.show_for(&d, false),
            (None, None) => self.notice = Some(Notice { text: "Open a document or folder first.".into(), is_error: false }),
        }
    }

    /// Opens the compare view once the open document is saved, so that its sidecar is current.
    fn open_compare(&mut self) {
        if self.save_before_leaving() {
            self.after_save.push(UiCommand::CompareCoders.into());
            return;
        }
        let Some(session) = &self.session else { return };
        // The coders' sidecars are read on the worker; the view opens when they are in.
        let job = Job::OpenCompare(std::sync::Arc::new(session.doc.clone()));
        self.submit(job);
    }

    fn accept_into_gold(&mut self, coder: &str, annotation: &Annotation, code: Option<crate::Code>) {
        let Some(view) = &mut self.views.compare else { return };
        let result = compare::accept_into_gold(&mut self.gold, view.document(), coder, annotation, code);
        view.message = Some(match result {
            Ok(text) => (text, false),
            Err(e) => (e.to_string(), true),
        });
        self.save_gold();
    }

    fn undo_gold(&mut self, redo: bool) {
        let Some(gold) = &mut self.gold else { return };
        let Some(text) = compare::undo_gold(gold, redo) else { return };
        if let Some(view) = &mut self.views.compare {
            view.message = Some((text.to_owned(), false));
        }
        self.save_gold();
    }

    /// Hands the gold sidecar to the worker when it has unsaved changes.
    fn save_gold(&mut self) {
        let Some(gold) = self.gold.as_ref().filter(|g| g.is_dirty()) else { return };
        let job = gold.save_job();
        self.submit(Job::Save { target: SaveTarget::Gold, job: Box::new(job) });
    }

    /// Selects the next (or previous) annotation of the list, wrapping around.
    fn step_annotation(&mut self, forward: bool) {
        let listed = self.listed();
        let Some(session) = &self.session else { return };
        let anns = session.edits.annotations();
        let pos = self.selected.and_then(|id| listed.iter().position(|&i| anns[i].id == id));
        let next = match (pos, forward) {
            (None, true) => listed.first().copied(),
            (None, false) => listed.last().copied(),
            (Some(p), true) => listed.get(p + 1).or(listed.first()).copied(),
            (Some(p), false) => listed.get(p.wrapping_sub(1)).or(listed.last()).copied(),
        };
        if let Some(i) = next {
            let id = anns[i].id;
            self.push(Command::Select(Some(id), true));
        }
    }

    /// Applies an operation on the open document.
    fn run_on_session(&mut self, cmd: Command) {
        let Some(session) = &mut self.session else { return };
        let view = &mut self.views.document.view;
        let result: Result<(), Error> = match cmd {
            Command::Tag(code) => match self.views.document.target() {
                None => {
                    self.notice = Some(Notice { text: "Select some text first, then choose a code.".into(), is_error: false });
                    Ok(())
                }
                Some(span) => {
                    let a = Annotation::new(&session.doc, span, &code, &session.coder);
                    let (id, span) = (a.id, a.span());
                    let r = session.apply(Action::Add(a));
                    if r.is_ok() {
                        self.selected = Some(id);
                        let view = &mut self.views.document.view;
                        view.selection = Some(Selection::caret(span.end));
                        // The new mark flashes, so that the tag is seen to have taken.
                        view.flash = Some((span, Instant::now()));
                    }
                    r
                }
            },
            Command::Select(id, jump) => {
                // While a link's target is being chosen, a click in the text chooses it.
                if let (Some(id), false) = (id, jump)
                    && self.views.link_mode.take_click(session, id, &mut self.commands)
                {
                    return;
                }

                self.selected = id;
                if let (Some(id), true) = (id, jump)
                    && let Some(a) = session.edits.get(id)
                {
                    view.scroll_to = Some(a.start);
                    view.flash = Some((a.span(), Instant::now()));
                }
                Ok(())
            }
            Command::Jump(span) => {
                view.scroll_to = Some(span.start);
                view.flash = Some((span, Instant::now()));
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
            Command::ReloadTheirs => self.reload_theirs(),
            Command::KeepMine => self.keep_mine(),
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.error(e);
        }
    }

    /// Conflict: discard the changes in memory and load the sidecar on disk (read by the
    /// worker; [`Self::reloaded`] takes it in).
    fn reload_theirs(&mut self) -> Result<(), Error> {
        let Some(session) = &self.session else { return Ok(()) };
        let job =
            Job::Reload { doc: Box::new(session.doc.clone()), path: session.sidecar_path.clone(), coder: session.coder.clone() };
        self.resolving = true;
        self.views.dialogs.show_both = false;
        self.submit(job);
        Ok(())
    }

    /// The sidecar on disk, read again for "Reload theirs".
    pub(in crate::ui) fn reloaded(&mut self, result: Result<Box<Session>, Error>) {
        self.resolving = false;
        let fresh = match result {
            Ok(fresh) => fresh,
            Err(e) => return self.error(e),
        };
        let Some(session) = self.session.as_mut().filter(|s| s.sidecar_path == fresh.sidecar_path) else { return };
        session.take_reloaded(*fresh);
        let revision = session.edits.revision();
        self.conflict = false;
        self.fix_selected();
        self.saver.reset(revision, false);
        self.notice = Some(Notice { text: "Loaded the annotations from disk.".into(), is_error: false });
    }

    /// Conflict: keep a copy of the file on disk and save the annotations in memory over it.
    /// The worker copies theirs aside first; [`Self::kept_aside`] then saves.
    fn keep_mine(&mut self) -> Result<(), Error> {
        let Some(session) = &self.session else { return Ok(()) };
        let job = Job::KeepTheirsAside(session.sidecar_path.clone());
        self.resolving = true;
        self.views.dialogs.show_both = false;
        self.submit(job);
        Ok(())
    }

    /// Theirs is copied aside: the file on disk may now be saved over.
    pub(in crate::ui) fn kept_aside(&mut self, result: Result<(PathBuf, DiskStamp), Error>) {
        self.resolving = false;
        let (copy, stamp) = match result {
            Ok(x) => x,
            Err(e) => return self.error(e),
        };
        let Some(session) = &mut self.session else { return };
        session.accept_disk_stamp(stamp);
        self.conflict = false;
        self.theirs_copy = Some(copy);
        self.submit_save();
    }

    /// Corrects the name of the person coding (File > Your name…, the first-run prompt): the
    /// settings take the new name at once, and the person's sidecars in the open folder, the
    /// open document's folder and the open assignment are relabelled on the worker (their id
    /// says whose they are, so nothing is hidden or moved); the open document is saved first
    /// and opened again after. Renaming back undoes it.
    fn set_coder(&mut self, name: String) {
        self.views.dialogs.asking_coder = false;
        let name = match crate::coder::check_name(&name) {
            Ok(name) => name,
            Err(e) => return self.error(e),
        };
        let before = self.person();
        if self.save_before_leaving() {
            self.after_save.push(Command::SetCoder(name));
            return;
        }
        match &mut self.coder_override {
            Some(person) => person.name.clone_from(&name),
            None => self.settings.coder.clone_from(&name),
        }
        let after = self.person();
        self.settings.know(&after);
        self.save_settings();
        if before.name == after.name {
            return;
        }
        if let Some(s) = &mut self.session {
            s.coder.clone_from(&after.name);
        }
        let mut folders: Vec<PathBuf> = Vec::new();
        let open_doc_folder = self.session.as_ref().and_then(|s| s.doc.path()).and_then(Path::parent).map(Path::to_path_buf);
        let candidates = [
            self.folder.as_ref().map(|f| f.root.clone()),
            open_doc_folder,
            self.views.assignment.current.as_ref().map(|(f, _)| f.clone()),
        ];
        for folder in candidates.into_iter().flatten() {
            let folder = if folder.as_os_str().is_empty() { PathBuf::from(".") } else { folder };
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
        let reread = self.session.as_ref().map(|s| (Box::new(s.doc.clone()), s.sidecar_path.clone()));
        self.rename_revision = self.session.as_ref().map(|s| s.edits.revision());
        self.submit(Job::RenameCoder { folders, person: before, name, reread });
    }

    /// Someone else codes from now on (a shared lab or classroom account): the person chosen
    /// from those known on this computer, or a new person with the name typed. The open
    /// document is saved and opened again with the new person's own sidecar; the one before
    /// keeps theirs.
    fn switch_coder(&mut self, id: Option<uuid::Uuid>, name: String) {
        self.views.dialogs.asking_coder = false;
        let person = match id.and_then(|id| self.settings.people.iter().find(|p| p.id == id).cloned()) {
            Some(person) => person,
            None => match crate::coder::check_name(&name) {
                Ok(name) => crate::coder::Coder::new(&name),
                Err(e) => return self.error(e),
            },
        };
        if self.save_before_leaving() {
            self.after_save.push(Command::SwitchCoder { id: Some(person.id), name: person.name.clone() });
            self.settings.know(&person);
            return;
        }
        let before = self.person();
        self.settings.know(&before);
        self.settings.know(&person);
        self.coder_override = None;
        self.settings.coder.clone_from(&person.name);
        self.settings.coder_id = Some(person.id);
        self.last_rename = None;
        self.save_settings();
        self.notice = Some(Notice {
            text: format!(
                "{} is coding now: their own annotations are shown and saved; {}'s stay in their files.",
                person.name, before.name
            ),
            is_error: false,
        });
        if let Some(doc) = self.session.as_ref().and_then(|s| s.doc.path()).map(Path::to_path_buf) {
            self.session = None;
            self.push(Command::OpenPath(doc));
        }
    }

    /// Marks as the open class's answer key (its own person, see `class::key_person`), or as
    /// oneself again: the open document is saved and opened again with that person's sidecar.
    fn mark_as_key(&mut self, on: bool) {
        let key = self.class.as_ref().and_then(|c| crate::class::key_person(&c.manifest));
        let person = match (on, key) {
            (true, Some(key)) => Some(key),
            (true, None) => {
                self.notice = Some(Notice { text: "Name the answer key first (class dashboard).".into(), is_error: true });
                return;
            }
            (false, _) => None,
        };
        if self.save_before_leaving() {
            self.after_save.push(Command::MarkAsKey(on));
            return;
        }
        let text = match &person {
            Some(key) => format!("You are marking the answer key “{}”: every mark goes into the key's files.", key.name),
            None => format!("You are marking as {} again.", self.settings.person(&crate::session::default_coder()).name),
        };
        self.coder_override = person;
        self.notice = Some(Notice { text, is_error: false });
        if let Some(doc) = self.session.as_ref().and_then(|s| s.doc.path()).map(Path::to_path_buf) {
            self.session = None;
            self.push(Command::OpenPath(doc));
        }
    }

    /// Takes in the naming of the answer key: the class is read and graded again.
    pub(in crate::ui) fn key_named(&mut self, folder: &Path, result: Result<crate::class::ClassManifest, Error>) {
        match result {
            Ok(manifest) => {
                let key = manifest.key.clone().unwrap_or_default();
                if self.marking_key() {
                    self.coder_override = None;
                }
                if let Some(class) = self.class.as_mut().filter(|c| c.root == folder) {
                    class.manifest = manifest;
                }
                self.notice = Some(Notice { text: format!("The answer key is now “{key}”."), is_error: false });
                self.read_class(folder);
                self.push(Command::Dashboard(crate::ui::state::ClassCommand::Grade));
            }
            Err(e) => self.error(e),
        }
    }

    /// Takes in a relabelling of the person's sidecars: the open document's annotations are
    /// taken from the relabelled file, unless they were changed meanwhile (then saving them
    /// meets the file changed on disk, and the usual choice is offered: nothing is lost).
    pub(in crate::ui) fn coder_renamed(
        &mut self,
        before: String,
        after: String,
        result: Result<Vec<crate::coder::Relabelled>, Error>,
        reread: Option<Result<Box<Session>, Error>>,
    ) {
        let files = match result {
            Ok(files) => files,
            Err(e) => return self.error(e),
        };
        let revision = self.rename_revision.take();
        // A document with no sidecar yet: its file is named by the new name (a few headers
        // read; it stays open meanwhile).
        let person = self.person();
        if let Some(session) =
            self.session.as_mut().filter(|s| !s.had_sidecar && !s.is_dirty() && s.edits.annotations().is_empty())
        {
            if let Some(doc) = session.doc.path().map(Path::to_path_buf) {
                session.sidecar_path = crate::coder::sidecar_for(&doc, &person);
            }
            session.claim(&person);
        } else if let Some(Ok(fresh)) = reread
            && let Some(session) = self.session.as_mut().filter(|s| s.sidecar_path == fresh.sidecar_path)
            && Some(session.edits.revision()) == revision
            && !self.saver.is_saving()
        {
            session.take_reloaded(*fresh);
            session.coder.clone_from(&after);
            let revision = session.edits.revision();
            self.saver.reset(revision, false);
            self.fix_selected();
        }
        self.last_rename = Some(before.clone());
        let files = match files.len() {
            0 => String::new(),
            1 => " (1 file relabelled)".to_owned(),
            n => format!(" ({n} files relabelled)"),
        };
        self.notice = Some(Notice {
            text: format!("Your work is now signed “{after}” instead of “{before}”{files}. File > Your name… can undo it."),
            is_error: false,
        });
        if let Some(folder) = &self.folder {
            let (root, docs) = (folder.root.clone(), folder.entries.iter().map(|e| e.path.clone()).collect());
            self.read_folder(&root, docs);
        }
    }

    /// Goes on without a name: the one from the environment signs annotations meanwhile.
    fn skip_name_prompt(&mut self) {
        self.views.dialogs.asking_coder = false;
        if self.settings.coder.trim().is_empty() {
            let name = crate::session::default_coder();
            self.notice = Some(Notice {
                text: format!(
                    "Your annotations are signed “{name}”. Set your name any time with File > Your name…: what you marked stays yours."
                ),
                is_error: false,
            });
            self.settings.coder = name;
            let person = self.person();
            self.settings.know(&person);
            self.save_settings();
        }
    }

    fn fix_selected(&mut self) {
        if let (Some(id), Some(s)) = (self.selected, &self.session)
            && s.edits.get(id).is_none()
        {
            self.selected = None;
        }
    }

    /// Tags matches found in the folder with `code`: those in the open document as one undo
    /// step of its session (saved as any change is), the others' on the worker, one step per
    /// document under its sidecar's lock.
    fn tag_hits(&mut self, code: &str, hits: Vec<crate::autocode::Hit>) {
        let coder = self.coder();
        let mut by_document: Vec<(std::path::PathBuf, String, Vec<crate::document::Span>)> = Vec::new();
        for hit in hits {
            match by_document.iter_mut().find(|(p, f, _)| *p == hit.document && *f == hit.fingerprint) {
                Some((_, _, spans)) => spans.push(hit.span),
                None => by_document.push((hit.document, hit.fingerprint, vec![hit.span])),
            }
        }
        let open = self.session.as_ref().and_then(|s| s.doc.path().map(|p| (p.to_path_buf(), s.doc.fingerprint().to_owned())));
        let mine = open.and_then(|(path, fingerprint)| {
            let at = by_document.iter().position(|(p, _, _)| *p == path)?;
            let (_, searched, spans) = by_document.remove(at);
            Some((searched == fingerprint, spans))
        });
        if let Some((same_text, spans)) = mine
            && let Some(session) = &mut self.session
        {
            let result = if !same_text {
                Err(Error::usage("the open document changed since it was searched; nothing was coded in it")
                    .hint("search again, then tag the matches"))
            } else if session.edits.codebook().code(code).is_none() {
                Err(Error::usage(format!("the open document's codebook has no code \"{code}\"")))
            } else {
                match crate::autocode::action(&session.doc, session.edits.annotations(), &spans, code, &coder) {
                    Some(action) => session.apply(action),
                    None => Ok(()),
                }
            };
            if let Err(e) = result {
                self.error(e);
            }
        }
        if !by_document.is_empty() {
            self.submit(Job::CodeSpans { documents: by_document, code: code.to_owned(), coder: self.person() });
        } else {
            self.views.find_folder.tagged("Tagged the matches in the open document.".to_owned(), false);
        }
    }
}
