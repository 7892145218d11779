//! Applying the class dashboard's commands and taking in what its worker jobs report: like
//! `run.rs`, the only code that changes the app's class state or asks for the class's disk work.

use super::App;
use super::class_view::{ClassCommand, ClassDone, ClassJob};
use super::saver::Due;
use super::view::Notice;
use super::worker::Job;

impl App {
    /// The class folder open, when the opened folder is one.
    fn class_root(&self) -> Option<std::path::PathBuf> {
        let folder = self.folder.as_ref()?;
        self.class.as_ref().filter(|c| c.root == folder.root).map(|c| c.root.clone())
    }

    pub(super) fn run_dashboard(&mut self, cmd: ClassCommand) {
        let Some(root) = self.class_root() else {
            self.notice = Some(Notice { text: "Open a class folder (one with a class.ron) first.".into(), is_error: false });
            return;
        };
        match cmd {
            ClassCommand::Grade => {
                self.views.dashboard.started();
                self.submit(Job::Dashboard(ClassJob::Grade(root)));
            }
            ClassCommand::OpenPair { document, student } => {
                let Some(key) = self.class.as_ref().and_then(|c| c.manifest.key.clone()) else { return };
                if self.save_before_leaving() {
                    self.after_save.push(super::command::Command::Dashboard(ClassCommand::OpenPair { document, student }));
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
                self.submit(Job::Dashboard(ClassJob::OpenPair { document, student, key, aliases }));
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
                self.submit(Job::Dashboard(ClassJob::Feedback { root, out, aliases }));
            }
            ClassCommand::WriteGradebook { path, text } => self.submit(Job::Dashboard(ClassJob::Write { path, text })),
        }
    }

    /// Autosave of the dashboard's rubric and comments, once per frame: shortly after the last
    /// edit, and at once when the class folder they belong to is no longer the one open.
    pub(super) fn autosave_dashboard(&mut self, ctx: &egui::Context) {
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
    pub(super) fn save_dashboard_now(&mut self) {
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
    /// one map, see [`super::pseudonym_store`]); empty otherwise.
    pub(super) fn aliases(&self) -> std::collections::BTreeMap<String, String> {
        match (&self.class, self.settings.anonymous) {
            (Some(class), true) => class.aliases.clone(),
            _ => Default::default(),
        }
    }

    /// Shows the compare view's coders by their pseudonyms while anonymous mode is on.
    pub(super) fn anonymize_compare(&mut self) {
        let aliases = self.aliases();
        if let Some(view) = &mut self.views.compare {
            view.set_aliases(aliases);
        }
    }

    pub(super) fn take_in_dashboard(&mut self, done: ClassDone) {
        match done {
            ClassDone::Read { root, result } => {
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
            ClassDone::Saved { root, revision, result: Ok(manifest) } => {
                if let Some(class) = self.class.as_mut().filter(|c| c.root == root) {
                    class.manifest = manifest.clone();
                }
                self.views.dashboard.take_in(ClassDone::Saved { root, revision, result: Ok(manifest) });
            }
            // The class was left while its save ran: the dashboard shows another class or none,
            // so the failure is told in the bar above the document.
            ClassDone::Saved { root, result: Err(e), .. } if self.views.dashboard.root() != Some(root.as_path()) => {
                let text = format!("The rubric and comments of {} were not saved in its class.ron: {e}", root.display());
                self.notice = Some(Notice { text, is_error: true });
            }
            other => self.views.dashboard.take_in(other),
        }
    }
}
