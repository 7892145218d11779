//! Applying the class dashboard's commands and taking in what its worker jobs report: like
//! `app/run.rs`, the only code that changes the app's class state or asks for the class's disk work.

use std::path::{Path, PathBuf};

use crate::class;
use crate::ui::App;
use crate::ui::assignment::{
    AssignmentDone, AssignmentJob, AssignmentView, CollectLine, bad_name, collect_line, handin_failure, is_assignment_folder,
};
use crate::ui::class_view::{DashboardDone, DashboardJob};
use crate::ui::command::Command;
use crate::ui::saver::Due;
use crate::ui::state::{ClassCommand, ClassInfo};
use crate::ui::view::Notice;
use crate::ui::worker::Job;

impl App {
    /// The class folder open, when the opened folder is one.
    fn class_root(&self) -> Option<std::path::PathBuf> {
        let folder = self.folder.as_ref()?;
        self.class.as_ref().filter(|c| c.root == folder.root).map(|c| c.root.clone())
    }

    pub(in crate::ui) fn run_dashboard(&mut self, cmd: ClassCommand) {
        let Some(root) = self.class_root() else {
            self.notice = Some(Notice { text: "Open a class folder (one with a class.ron) first.".into(), is_error: false });
            return;
        };
        match cmd {
            ClassCommand::Grade => {
                self.views.dashboard.started();
                self.submit(Job::Dashboard(DashboardJob::Grade(root)));
            }
            ClassCommand::OpenPair { document, student } => {
                let Some(key) = self.class.as_ref().and_then(|c| c.manifest.key.clone()) else { return };
                if self.save_before_leaving() {
                    self.after_save.push(crate::ui::command::Command::Dashboard(ClassCommand::OpenPair { document, student }));
                    return;
                }
                let Some(session) = self.session.as_ref().filter(|s| s.doc.path() == Some(document.as_path())) else {
                    // Read in the background; the dashboard asks again once it is open.
                    self.open_path(&document, true);
                    self.views.dashboard.pending_pair = Some((document, student));
                    self.views.dashboard.open = false;
                    return;
                };
                let document = std::sync::Arc::new(session.doc.clone());
                let aliases = self.aliases();
                self.submit(Job::Dashboard(DashboardJob::OpenPair { document, student, key, aliases }));
                // The compare view opens under the window: the dashboard steps aside (the menu
                // brings it back with its grades).
                self.views.dashboard.open = false;
            }
            ClassCommand::SetAnonymous(on) => {
                self.settings.anonymous = on;
                self.save_settings();
                self.anonymize_compare();
            }
            ClassCommand::SaveNow => self.save_dashboard_now(),
            ClassCommand::WriteFeedback { out } => {
                let aliases = self.settings.anonymous.then(|| self.aliases());
                self.submit(Job::Dashboard(DashboardJob::Feedback { root, out, aliases }));
            }
            ClassCommand::WriteGradebook { path, text } => self.submit(Job::Dashboard(DashboardJob::Write { path, text })),
        }
    }

    /// Autosave of the dashboard's rubric and comments, once per frame: shortly after the last
    /// edit, and at once when the class folder they belong to is no longer the one open.
    pub(in crate::ui) fn autosave_dashboard(&mut self, ctx: &egui::Context) {
        let open = self.class_root();
        let leaving = self.views.dashboard.root().is_some_and(|root| open.as_deref() != Some(root));
        match self.views.dashboard.save_due(leaving) {
            Due::Now => self.submit_dashboard_save(),
            Due::After(wait) => ctx.request_repaint_after(wait),
            Due::No => {}
        }
    }

    /// Hands the dashboard's unsaved rubric and comments to the worker now (the window is
    /// closing, or something is about to read them from `class.ron`).
    pub(in crate::ui) fn save_dashboard_now(&mut self) {
        if self.views.dashboard.must_save_now() {
            self.submit_dashboard_save();
        }
    }

    fn submit_dashboard_save(&mut self) {
        if let Some(job) = self.views.dashboard.save_job() {
            self.submit(Job::Dashboard(job));
        }
    }

    /// Every name a student goes by → their pseudonym, while anonymous mode is on (the class's
    /// one map, see [`crate::ui::pseudonym_store`]); empty otherwise.
    pub(in crate::ui) fn aliases(&self) -> std::collections::BTreeMap<String, String> {
        match (&self.class, self.settings.anonymous) {
            (Some(class), true) => class.aliases.clone(),
            _ => Default::default(),
        }
    }

    /// Shows the compare view's coders by their pseudonyms while anonymous mode is on.
    pub(in crate::ui) fn anonymize_compare(&mut self) {
        let aliases = self.aliases();
        if let Some(view) = &mut self.views.compare {
            view.set_aliases(aliases);
        }
    }

    pub(in crate::ui) fn take_in_dashboard(&mut self, done: DashboardDone) {
        match done {
            DashboardDone::Read { root, result } => {
                self.took_in_class(&root, result.as_ref().ok().and_then(Option::as_ref));
                if self.folder.as_ref().is_none_or(|f| f.root != root) {
                    return;
                }
                match result {
                    Ok(info) => {
                        if let Some(problem) = info.as_ref().and_then(|i| i.problem.clone()) {
                            self.notice = Some(Notice { text: problem, is_error: true });
                        }
                        self.class = info;
                        // The open document's line is made again, now that the key is known
                        // (it may be the key's, which is not counted).
                        self.folder_revision = None;
                        // The compare view open on the folder names its new students too.
                        self.anonymize_compare();
                    }
                    Err(e) => {
                        self.class = None;
                        self.error(e);
                    }
                }
            }
            DashboardDone::Saved { root, revision, result: Ok(manifest) } => {
                if let Some(class) = self.class.as_mut().filter(|c| c.root == root) {
                    class.manifest = manifest.clone();
                }
                self.views.dashboard.take_in(DashboardDone::Saved { root, revision, result: Ok(manifest) });
            }
            // The class was left while its save ran: the dashboard shows another class or none,
            // so the failure is told in the bar above the document.
            DashboardDone::Saved { root, result: Err(e), .. } if self.views.dashboard.root() != Some(root.as_path()) => {
                let text = format!("The rubric and comments of {} were not saved in its class.ron: {e}", root.display());
                self.notice = Some(Notice { text, is_error: true });
            }
            other => self.views.dashboard.take_in(other),
        }
    }
}

impl App {
    /// The assignment and class state (tests set where packages are unpacked).
    pub fn assignment_mut(&mut self) -> &mut AssignmentView {
        &mut self.views.assignment
    }

    pub fn assignment(&self) -> &AssignmentView {
        &self.views.assignment
    }

    /// Unpacks a package on the worker; the folder opens when it is done.
    pub(in crate::ui) fn open_package(&mut self, package: &Path) {
        let documents = self.views.assignment.documents();
        self.views.assignment.unpacking = Some(package.to_path_buf());
        self.views.dialogs.show_open = false;
        self.submit(Job::Class(AssignmentJob::Unpack { package: package.to_path_buf(), documents }));
    }

    /// Asks the worker what the opened folder is (an assignment, a class).
    pub(in crate::ui) fn read_folder_kind(&mut self, folder: &Path) {
        self.submit(Job::Class(AssignmentJob::Read(folder.to_path_buf())));
    }

    /// A document opened alone from an assignment folder (e.g. from the recent files) still
    /// gets the assignment bar: the folder's assignment is read when no open folder says it.
    pub(in crate::ui) fn read_document_folder_kind(&mut self, document: &Path) {
        let Some(parent) = document.parent().filter(|p| !p.as_os_str().is_empty()) else { return };
        let listed = self.folder.as_ref().is_some_and(|f| f.root == parent);
        if !listed && is_assignment_folder(parent) {
            self.read_folder_kind(parent);
        }
    }

    /// File > Assignment instructions.
    pub(in crate::ui) fn show_assignment(&mut self) {
        if self.views.assignment.current.is_some() {
            self.views.assignment.show_instructions = true;
        } else {
            self.notice = Some(Notice {
                text: "No assignment is open. Open the .marginalia-assignment file your teacher gave you (File > Open...)."
                    .into(),
                is_error: false,
            });
        }
    }

    /// File > Hand in...: the hand-in window, its file named and placed in the documents folder.
    pub(in crate::ui) fn show_handin(&mut self) {
        let Some(assignment) = self.views.assignment.current.as_ref().map(|(_, m)| m.name.clone()) else {
            self.notice = Some(Notice {
                text: "To hand in, first open your assignment (the .marginalia-assignment file, or its folder).".into(),
                is_error: false,
            });
            return;
        };
        let name = class::handin_file_name(&assignment, &self.coder());
        let view = &mut self.views.assignment;
        let keep = !view.handin.path.trim().is_empty() && view.handin.path.trim().ends_with(&name);
        if !keep {
            view.handin.path = view.documents().join(name).display().to_string();
        }
        view.handin.open = true;
        view.handin.message = None;
    }

    /// Writes the hand-in to `out` on the worker, once the open document is saved.
    pub(in crate::ui) fn hand_in(&mut self, out: PathBuf) {
        let Some((folder, _)) = self.views.assignment.current.clone() else { return self.show_handin() };
        if self.save_before_leaving() {
            self.views.assignment.handin.busy = true;
            self.after_save.push(Command::HandIn(out));
            return;
        }
        let coder = self.person();
        if let Err(e) = crate::coder::check_name(&coder.name) {
            self.views.assignment.handin.message = Some((bad_name(&coder.name, &e), true));
            self.views.assignment.handin.busy = false;
            return;
        }
        self.views.assignment.handin.busy = true;
        self.views.assignment.handin.message = None;
        self.submit(Job::Class(AssignmentJob::HandIn { folder, coder, out }));
    }

    /// Collects dropped hand-ins into the open class folder, on the worker.
    pub(in crate::ui) fn collect_handins(&mut self, files: Vec<PathBuf>) {
        let Some(folder) = self.folder.as_ref().map(|f| f.root.clone()) else {
            self.notice = Some(Notice {
                text: "To collect hand-ins, first open your class folder (File > Open...), then drop the hand-in files onto the window."
                    .into(),
                is_error: true,
            });
            return;
        };
        self.notice = Some(Notice { text: format!("Collecting {} hand-in(s)...", files.len()), is_error: false });
        self.submit(Job::Class(AssignmentJob::Collect { folder, files }));
    }

    /// Takes in what a class job did.
    pub(in crate::ui) fn take_in_class(&mut self, done: AssignmentDone) {
        match done {
            AssignmentDone::Unpacked { package, dest, result } => {
                self.views.assignment.unpacking = None;
                let file = package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                match (result, dest) {
                    (Ok(manifest), Some(dest)) => {
                        self.notice = Some(Notice {
                            text: format!("The assignment \"{}\" is ready in {}.", manifest.title, dest.display()),
                            is_error: false,
                        });
                        self.views.assignment.current = Some((dest.clone(), manifest));
                        self.views.assignment.show_instructions = true;
                        self.open_path(&dest, true);
                    }
                    (Err(e), Some(dest)) => {
                        // The same assignment is there already, with changed files: open it as it is.
                        self.open_path(&dest, true);
                        self.views.assignment.show_instructions = true;
                        self.notice = Some(Notice {
                            text: format!(
                                "This assignment is already in {}, and some of its files there were changed, so nothing was overwritten and your work is safe. Details: {e}",
                                dest.display()
                            ),
                            is_error: true,
                        });
                    }
                    (result, _) => {
                        let e = result.err().map_or_else(String::new, |e| e.to_string());
                        self.notice = Some(Notice {
                            text: format!("{file} could not be opened as an assignment. Nothing was written. Details: {e}"),
                            is_error: true,
                        });
                    }
                }
            }
            AssignmentDone::HandedIn { out, replaced, result } => {
                let view = &mut self.views.assignment;
                view.handin.busy = false;
                match result {
                    Ok(()) => {
                        let again = if replaced { " It replaces the one you handed in before." } else { "" };
                        let text = format!(
                            "Handed in! Your work is saved in this file: {}.{again} Give this file to your teacher.",
                            out.display()
                        );
                        view.handin.message = Some((text.clone(), false));
                        self.notice = Some(Notice { text, is_error: false });
                    }
                    Err(e) => {
                        let text = handin_failure(&e, &self.coder());
                        self.views.assignment.handin.message = Some((text, true));
                    }
                }
            }
            AssignmentDone::Collected { folder, result } => {
                let lines = match result {
                    Ok(outcomes) => outcomes.iter().map(|(p, o)| collect_line(p, o)).collect(),
                    Err(e) => {
                        vec![CollectLine {
                            file: String::new(),
                            collected: false,
                            attention: true,
                            text: format!("nothing collected: {e}"),
                            anonymous: (None, "nothing collected (turn anonymous mode off to read why)".to_owned()),
                        }]
                    }
                };
                let n = lines.iter().filter(|l| l.collected).count();
                let apart = lines.iter().filter(|l| l.collected && l.attention).count();
                let apart_text =
                    if apart > 0 { format!(" {apart} kept apart: the same name as another student's.") } else { String::new() };
                self.notice = Some(Notice {
                    text: format!("Collected {n} of {} hand-in(s); see the list.{apart_text}", lines.len()),
                    is_error: n < lines.len() || apart > 0,
                });
                self.views.assignment.collected = Some((folder.clone(), lines));
                if let Some(f) = self.folder.as_ref().filter(|f| f.root == folder) {
                    let docs = f.entries.iter().map(|e| e.path.clone()).collect();
                    self.read_folder(&folder, docs);
                }
            }
            AssignmentDone::Read { folder, assignment } => {
                let open = self.folder.as_ref().is_some_and(|f| f.root == folder);
                let document_there = |p: &Path| p.parent() == Some(folder.as_path());
                let alone = self.folder.is_none()
                    && (self.session.as_ref().and_then(|s| s.doc.path()).is_some_and(document_there)
                        || self.opening.as_ref().is_some_and(|o| document_there(&o.path)));
                if !open && !alone {
                    return;
                }
                let view = &mut self.views.assignment;
                view.current = assignment.map(|a| (folder, a));
            }
        }
    }
}

impl App {
    /// Where the class pseudonyms are kept (`None`: in memory, for this run only). The app run
    /// by `marginalia` keeps them in its data folder; tests choose a folder or none.
    pub fn set_pseudonym_folder(&mut self, folder: Option<PathBuf>) {
        self.anonymity.folder = folder;
    }

    /// Asks the worker to read the class folder `root` (manifest, students, pseudonyms) before
    /// anything else of it is read.
    pub(in crate::ui) fn read_class(&mut self, root: &Path) {
        self.anonymity.reading = Some(root.to_path_buf());
        let job = DashboardJob::Read {
            root: root.to_path_buf(),
            store: self.anonymity.folder.clone(),
            known: self.anonymity.known.clone(),
        };
        self.submit(Job::Dashboard(job));
    }

    /// Should what was read of `root` wait, so that no student is shown by name before the
    /// pseudonyms are in?
    pub(in crate::ui) fn waits_for_pseudonyms(&self, root: &Path) -> bool {
        self.settings.anonymous && self.anonymity.reading.as_deref() == Some(root)
    }

    /// In anonymous mode, while the class's pseudonyms are being read, keeps `command` (an
    /// export) until they are in: it would name the students who just came in. `Err` gives the
    /// command back when there is nothing to wait for.
    pub(in crate::ui) fn wait_for_pseudonyms(
        &mut self,
        command: crate::ui::command::Command,
    ) -> Result<(), crate::ui::command::Command> {
        if self.settings.anonymous && self.anonymity.reading.is_some() {
            self.anonymity.waiting.push(command);
            Ok(())
        } else {
            Err(command)
        }
    }

    /// Takes in a class read by [`read_class`]: this run's map is kept.
    pub(in crate::ui) fn took_in_class(&mut self, root: &Path, info: Option<&ClassInfo>) {
        if self.anonymity.reading.as_deref() == Some(root) {
            self.anonymity.reading = None;
            let waiting = std::mem::take(&mut self.anonymity.waiting);
            self.commands.extend(waiting);
        }
        if let Some(info) = info {
            self.anonymity.known.insert(info.pseudonyms.assignment, info.pseudonyms.clone());
        }
    }
}
